"""The compiled tokenizer loop (``matching/_tokens.c``) gives exactly the arrays of the pure path.

``normalize.tokenize``'s numpy path (``_encode``, ``_classify``, ``_replace``, ``_cut``) is the
reference: every array of ``Tokens`` (folded code points, token starts and ends, bounds, text
offsets, which texts are direct) and the prepared text of each text on the reference path must
be the same, on random text (hypothesis: any code point, surrogates included), hostile text
(characters that fold to several or to nothing, invisible and combining marks, scripts written
without spaces, astral characters, NULs, markup and escapes), batches mixing them, and real
AlpacaEval outputs from the shared corpora. Also: which path runs is chosen and recorded.
"""

from __future__ import annotations

import json
import lzma
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import CORPORA
from provcheck.matching import compiled, normalize
from provcheck.matching.normalize import Tokens

try:
    from provcheck.matching import _tokens
except ImportError:  # an install without a C compiler: the pure path runs, these tests cannot
    _tokens = None  # type: ignore[assignment]

compiled_only = pytest.mark.skipif(
    _tokens is None, reason="the compiled tokenizer is not built (no C compiler at install time)"
)

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "straße STRASSE",
    "ﬁne ﬂow ½ ¼ ¾ ™ … ǅ Ǆ ŉ",
    "Wait… what?",
    "zero\u200bwidth\u200djoined\u00adsoft\u2060word",
    "e\u0301 \u00e9 n\u0303o",
    "v\ufe0fs e\U000e0100 \u034fg",
    "u\u0332n\u0332d\u0332e\u0332r s\u0336t\u0336r\u0336i\u0336k\u0336e",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "Саѕе сорy рrоblеm",
    "ᴀʙᴄ ꜱᴍᴀʟʟ ᴄᴀᴘꜱ",
    "日本語のテキストと English mixed",
    "ภาษาไทย ພາສາລາວ ភាសាខ្មែរ မြန်မာ",
    "𠀀𠀁 𝐁𝐨𝐥𝐝 𝔉𝔯𝔞𝔨 😀 👩\u200d💻 🇫🇷",
    "\ud800 lone \udfff surrogates \ud83d",
    "x" * 5000,
    "word_with_underscores and-hyphens 3.14 1,000",
    "<b>bold</b> [link](http://example.com/x) &amp; &nbsp; &#104;i",
    'escaped \\n newline \\u00e9 \\" quote',
    "\u115f\u3164filler\uffa0letters",
    "ℌ ℍ ℎ Ω K Å ⅓ ⑴ ㈱",
    "İstanbul ǰ ΐ ﬀ",
    "line one\nline two\r\n\tindent",
    "㍿会社 ㈱ ㋿ ｶﾞｷﾞ 🄀🄁 ㎏ ㍱ ǈ",  # fold to several characters, unspaced ones among them
    "ab\u200bcd e\u00adf 日\u200d本 x\ufe0fy ß日 日ß ﬁ日ﬂ",  # folding to nothing joins; unspaced beside words
    "ᎪᏴᏟᎠᎬ ᎻᎫᏦᏞᎷ ᏢᏚᎢᏔᏇ ꭺꮄꮯ Ꮃ",  # Cherokee capitals and small letters drawn as Latin
    "ոցհսօ Հայերեն լեզու ⲁⲃⲅ ꓐꓑꓒ ᗅᗷᑕ",  # Armenian, Coptic, Lisu, Canadian syllabics
    "Z\u0300\u0301\u0302\u0489a\u0316\u0317\u20ddl\u1ab0\u1dc0g\ufe20o \u0483\u0488 e\u0301\u0337",  # Zalgo
    "Ça résumé über naïve Ελληνικά ΕΛΛΗΝΙΚΆ й ё कुछ हिन्दी がぱ",  # accents; marks of one script kept
]


@contextmanager
def _pure() -> Iterator[None]:
    saved = normalize.TOKENS
    normalize.TOKENS = None
    try:
        yield
    finally:
        normalize.TOKENS = saved


def _same(texts: list[str]) -> None:
    got = normalize.tokenize(texts)
    with _pure():
        want = normalize.tokenize(texts)
    _equal(got, want)


def _equal(got: Tokens, want: Tokens) -> None:
    for name in ("chars", "starts", "ends", "bounds", "offsets", "direct"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype, name
        assert np.array_equal(a, b), name
    assert got.prepared == want.prepared


@compiled_only
def test_the_compiled_loop_runs_by_default() -> None:
    if os.environ.get(compiled.PURE_VARIABLE, "") not in ("", "0"):
        pytest.skip("the pure path is forced in this environment")
    assert normalize.TOKENS is _tokens
    assert compiled.TOKENIZER.startswith("compiled")


@compiled_only
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_texts_alone(text: str) -> None:
    _same([text])


@compiled_only
def test_hostile_texts_together_and_empty_batches() -> None:
    _same(HOSTILE)
    _same(list(reversed(HOSTILE)))
    _same([])
    _same(["", ""])


@compiled_only
def test_random_batches_of_hostile_pieces() -> None:
    rng = random.Random(17)
    pieces = [p for text in HOSTILE for p in text.split(" ")]
    for _ in range(200):
        texts = [" ".join(rng.choices(pieces, k=rng.randint(0, 12))) for _ in range(rng.randint(0, 8))]
        _same(texts)


_ANY_CHAR = st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr), st.sampled_from(HOSTILE[4:12]))
"""Any code point, lone surrogates included (``characters`` leaves them out), and hostile pieces."""


@compiled_only
@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_ANY_CHAR, max_size=60).map("".join), max_size=6))
def test_random_text(texts: list[str]) -> None:
    _same(texts)


@compiled_only
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=200), max_size=6)
)
def test_random_latin_text(texts: list[str]) -> None:
    _same(texts)


@compiled_only
def test_table_entries_looked_up_by_the_loop_are_the_pure_ones() -> None:
    # Characters first met by the compiled loop fill the shared table; the pure path must
    # find there what it would have put there itself.
    fresh = "".join(chr(c) for c in range(0xA000, 0xA040)) + "\U0001f600\u1e9e"
    normalize.tokenize([fresh])
    for c in map(ord, fresh):
        if c < 0x10000:
            assert int(normalize._BMP_TABLE[c]) == normalize._entry(c)


@compiled_only
@pytest.mark.skipif(not (CORPORA / "alpacaeval").is_dir(), reason="needs the shared corpora")
def test_alpacaeval_outputs() -> None:
    texts: list[str] = []
    with lzma.open(CORPORA / "alpacaeval" / "outputs.jsonl.xz", "rt", encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["output"])
            if len(texts) == 4096:
                break
    for at in range(0, len(texts), 256):
        _same(texts[at : at + 256])


def test_the_build_facts_say_which_tokenizer_runs() -> None:
    env = {k: v for k, v in os.environ.items() if k != compiled.PURE_VARIABLE}
    pure = "tokenizer pure Python (PROVCHECK_PURE_PYTHON is set)"
    default = "tokenizer compiled" if _tokens is not None else "tokenizer pure Python (the compiled"
    for value, said in (("1", pure), ("", default)):
        done = subprocess.run(
            [sys.executable, "-m", "provcheck", "--version"],
            env={**env, compiled.PURE_VARIABLE: value},
            capture_output=True,
            text=True,
            check=True,
        )
        assert said in done.stdout


@compiled_only
def test_a_build_of_another_version_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(compiled.PURE_VARIABLE, raising=False)
    monkeypatch.setattr(_tokens, "VERSION", compiled.TOKENS_VERSION + 1)
    module, why = compiled._load_tokens()
    assert module is None and why.startswith("pure Python (the compiled tokenizer is version")
