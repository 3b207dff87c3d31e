"""How characters fold (``matching/folding.py``, tokenizer version 6): letters drawn like Latin
ones from Unicode's confusables data (``matching/lookalikes.py``, generated), accents and stacked
or enclosing marks removed. Each case below failed on version 5: Cherokee, Armenian and most
other scripts' lookalikes were left as they were, and marks other than the underline and strike
marks cut every word they sat in, so a copy so laundered shared no token with its source."""

from __future__ import annotations

import importlib.util
import random
import sys
import unicodedata
from pathlib import Path
from types import ModuleType

from provcheck.matching import lookalikes
from provcheck.matching.normalize import token_spans, tokens

ROOT = Path(__file__).resolve().parents[2]
LATIN = "Paris is the capital of France, a city on the river Seine, known for its museums."
CHEROKEE = dict(zip("abcdehjklmpstw", "ᎪᏴᏟᎠᎬᎻᎫᏦᏞᎷᏢᏚᎢᏔ", strict=True))
ARMENIAN = {"n": "ո", "g": "ց", "h": "հ", "u": "ս", "o": "օ"}
ZALGO = [*map(chr, range(0x0300, 0x0370)), "\u0489", "\u20dd", "\u20de", "\u20e0", "\u1ab0", "\u1dc0"]


def substitute(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(c.lower(), c) for c in text)


def zalgo(text: str, seed: int = 7) -> str:
    rng = random.Random(seed)
    return "".join(c + "".join(rng.choices(ZALGO, k=rng.randint(1, 6))) if c.isalpha() else c for c in text)


def _generator() -> ModuleType:
    path = ROOT / "scripts" / "confusables_table.py"
    spec = importlib.util.spec_from_file_location("confusables_table", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["confusables_table"] = module
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_table_is_the_generators_output_of_the_pinned_data() -> None:
    generator = _generator()
    assert lookalikes.UNICODE_VERSION == unicodedata.unidata_version == generator.EXPECTED_UNICODE
    text = generator.module(generator.load(generator.DATA))  # refuses data of another digest
    assert (ROOT / "src" / "provcheck" / "matching" / "lookalikes.py").read_text(encoding="utf-8") == text
    assert generator.main(["--check"]) == 0
    assert generator.SHA256 in text and generator.URL in text


def test_the_table_keeps_letters_and_numbers_drawn_as_one_ascii_letter_or_digit() -> None:
    for latin, chars in lookalikes.DRAWN_AS.items():
        assert latin.isascii() and latin.isalnum() and latin == latin.lower()
        for c in chars:
            assert not c.isascii() and unicodedata.category(c)[0] in "LN", hex(ord(c))
            assert unicodedata.normalize("NFKC", c).casefold() == c, hex(ord(c))
    # Capitals read as the Latin capital they are drawn as: Greek Ι and Cyrillic І are i, not l.
    assert lookalikes.FOLD[ord("ι")] == "i" and lookalikes.FOLD[ord("і")] == "i"
    assert len(lookalikes.FOLD) > 300


def test_cherokee_armenian_and_zalgo_copies_fold_to_the_latin_text() -> None:
    want = tokens(LATIN)
    for copy in (substitute(LATIN, CHEROKEE), substitute(LATIN, ARMENIAN), zalgo(LATIN)):
        assert copy != LATIN and tokens(copy) == want, copy
    # Coptic, Lisu and Canadian syllabics lookalikes fold too (NFKC leaves them; it folds the
    # mathematical alphanumerics already).
    assert tokens("ⲟꓮᗅ𝐀 ꓚⲞⲣ") == ["oaaa", "cop"]
    # Small Cherokee letters fold through their capitals; enclosing marks fold to nothing.
    assert tokens("ꮃꭺꮪ \u24b6\u20dd Ꮃ") == tokens("was a w")
    # Offsets still point into the laundered text as it is.
    copy = zalgo(LATIN)
    words, spans = token_spans(copy)
    text = unicodedata.normalize("NFC", copy)
    assert [unicodedata.normalize("NFD", text[a:b])[0].lower() for a, b in spans] == [w[0] for w in words]


def test_accents_fold_to_the_base_letter_on_both_sides() -> None:
    # NFC composes the first mark stacked on a letter with it (e + U+0301 is é): unless accents
    # fold, a Zalgo copy keeps a different letter wherever a composed one exists.
    assert tokens("Ça résumé über naïve") == tokens("ca resume uber naive") == tokens("CA RÉSUMÉ ÜBER NAÏVE")
    assert tokens("e\u0301\u0337\u0489") == tokens("\u00e9") == ["e"]
    assert tokens("Ελληνικά") == tokens("ΕΛΛΗΝΙΚΆ")


def test_scripts_still_tokenize_as_themselves() -> None:
    # Case stays irrelevant in scripts whose capitals and small letters are drawn differently.
    assert tokens("Привет, мир") == tokens("ПРИВЕТ мир") and len(tokens("Привет, мир")) == 2
    assert tokens("Հայերեն լեզու") == tokens("ՀԱՅԵՐԵՆ ԼԵԶՈՒ") and len(tokens("Հայերեն լեզու")) == 2
    assert tokens("Ꮳ Ꮭ") == tokens("ꮳ ꮭ")
    # The marks of one script are its spelling, not decorations: kept as before.
    assert tokens("कुछ") == ["क", "छ"] and tokens("がぱ") == ["が", "ぱ"]
    assert tokens("ภาษาไทย") == list("ภาษาไทย")


def test_no_character_folds_to_a_decoration() -> None:
    # Letters whose full case folding spells out a mark (``ẗ`` is ``t`` + U+0308 once casefolded)
    # lose it too, or a Zalgo mark composed into such a letter would still cut the word.
    from provcheck.matching.folding import _decoration, fold_char

    changed = [  # the characters NFKC or casefold can turn into several: the only ones at risk
        chr(cp)
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000 and (unicodedata.decomposition(chr(cp)) or chr(cp).casefold() != chr(cp))
    ]
    left = [hex(ord(c)) for c in changed if any(_decoration(f) for f in fold_char(c))]
    assert left == []
