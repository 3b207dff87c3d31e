"""The compiled alignment (``matching/_align.c``) gives exactly what the pure-Python path gives.

The pure path (rapidfuzz ``Indel.opcodes`` + ``verify._passes``) is the reference: the compiled
LCS must choose the same runs where an LCS is not unique (rapidfuzz's common prefix and suffix
and its traceback order), and the chains, masks and passes must follow bit for bit. Compared on
random strings over small and large alphabets (BMP and astral code points, lengths 0..3000,
lengths around the 64-bit word boundaries, masked positions), edited copies, real token codes
(the texts of the other alignment tests, and independent answers to one AlpacaEval instruction
from the shared corpora), and hypothesis-generated pairs. Also: which path runs is chosen and
recorded, never silent (``matching/compiled.py``, ``BuildFacts.alignment``).
"""

from __future__ import annotations

import json
import lzma
import os
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Indel

from helpers import CORPORA, REFERENCE_TEXTS, UNRELATED_TEXT
from provcheck.matching import compiled, verify
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.hashed import as_string, ngram_codes
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.scan.build import build_facts

try:
    from provcheck.matching import _align
except ImportError:  # an install without a C compiler: the pure path runs, these tests cannot
    _align = None  # type: ignore[assignment]

compiled_only = pytest.mark.skipif(
    _align is None, reason="the compiled alignment is not built (no C compiler at install time)"
)

F = Fingerprinter(FingerprintConfig())
GAP_PENALTIES = (1.0, 0.5, 1.7, 0.3)


def _rapidfuzz_blocks(a: str, b: str) -> list[tuple[int, int, int]]:
    return [(m.a, m.b, m.size) for m in Indel.opcodes(a, b).as_matching_blocks() if m.size]


def _check(cand: str, ref: str, gap_penalty: float = 1.0, extend: int = 0) -> None:
    """Everything the compiled path returns, against the pure path."""
    assert _align.blocks(cand, ref) == _rapidfuzz_blocks(cand, ref)
    config = MatchConfig(gap_penalty=gap_penalty)
    pure = verify._passes(cand, ref, config, extend)
    assert _align.passes_chained(cand, ref, gap_penalty, extend) == pure
    spans, packed = _align.passes(cand, ref, gap_penalty, extend)
    assert spans == pure[0]
    assert verify._inside(packed) == verify._inside(pure[1])
    # With ``align``'s near-duplicate and excerpt tests: None exactly where they fail.
    for tests in [config, MatchConfig(min_tokens=8, min_coverage=0.2, excerpt_tokens=10)]:
        thresholds = (
            tests.min_tokens,
            tests.min_coverage,
            tests.min_similarity,
            tests.excerpt_tokens,
            tests.excerpt_similarity,
        )
        judged = _align.passes(cand, ref, gap_penalty, extend, tests=thresholds)
        assert judged == (None if not _passes_tests(pure[0], cand, ref, tests) else (spans, packed))


def _passes_tests(
    spans: list[tuple[int, int, int, int, int]], cand: str, ref: str, config: MatchConfig
) -> bool:
    """``verify.align``'s near-duplicate and excerpt tests, as it writes them."""
    matched = sum(s[4] for s in spans)
    if matched < config.min_tokens:
        return False
    similarity = 2 * matched / sum((c1 - c0) + (r1 - r0) for c0, c1, r0, r1, _ in spans)
    if (
        max(matched / len(ref), matched / len(cand)) >= config.min_coverage
        and similarity >= config.min_similarity
    ):
        return True
    return any(
        m >= config.excerpt_tokens and 2 * m / ((c1 - c0) + (r1 - r0)) >= config.excerpt_similarity
        for c0, c1, r0, r1, m in spans
    )


def _random_pair(rng: random.Random) -> tuple[str, str]:
    size = rng.choice([1, 2, 3, 5, 20, 300, 5000, 70000])
    base = rng.choice([0x100, 0x100, 0x10000])  # token codes start at U+0100; some past the BMP
    lengths = [0, 1, 2, 5, 30, 63, 64, 65, 127, 128, 129, 200, 500, 1000, 3000]
    n, m = rng.choice(lengths), rng.choice(lengths)
    a = "".join(chr(base + rng.randrange(min(size, 0x10FFFF - base))) for _ in range(n))
    if a and rng.random() < 0.4:  # an edited copy: long runs with edits between them
        b = list(a)
        for _ in range(rng.randrange(1 + len(a) // 4)):
            at = rng.randrange(len(b) + 1)
            op = rng.random()
            if op < 0.4 and b:
                del b[min(at, len(b) - 1)]
            elif op < 0.7:
                b.insert(at, chr(base + rng.randrange(size)))
            elif b:
                b[min(at, len(b) - 1)] = chr(base + rng.randrange(size))
        if rng.random() < 0.3:  # a moved block: later passes align it
            cut = rng.randrange(len(b) + 1)
            b = b[cut:] + b[:cut]
        ref = "".join(b)
    else:
        ref = "".join(chr(base + rng.randrange(size)) for _ in range(m))
    if rng.random() < 0.2:  # positions an earlier pass masked
        a = "".join("\x01" if rng.random() < 0.2 else ch for ch in a)
        ref = "".join("\x02" if rng.random() < 0.2 else ch for ch in ref)
    return (a, ref) if rng.random() < 0.5 else (ref, a)


@compiled_only
def test_random_pairs_align_as_the_pure_path_aligns_them() -> None:
    rng = random.Random(20261206)
    shapes = {"empty": 0, "multi-word": 0, "several passes": 0}
    for _ in range(1500):
        cand, ref = _random_pair(rng)
        _check(cand, ref, rng.choice(GAP_PENALTIES), rng.choice([0, 0, 1, 2]))
        shapes["empty"] += not cand or not ref
        shapes["multi-word"] += len(cand) > 128
        shapes["several passes"] += len(verify._passes(cand, ref, MatchConfig())[1]) > 1
    # The comparison saw each shape (a vacuous comparison proves nothing).
    assert all(count >= 20 for count in shapes.values()), shapes


def _edited(text: str, share: float, rng: random.Random) -> str:
    words = text.split()
    for i in rng.sample(range(len(words)), int(share * len(words))):
        words[i] = "zq" + words[i][::-1]
    return " ".join(words)


def _variants(text: str, rng: random.Random) -> list[str]:
    words = text.split()
    sentences = [s for s in text.replace(". ", ".\n").split("\n") if s.strip()]
    rng.shuffle(sentences)
    return [
        text,
        _edited(text, 0.05, rng),
        _edited(text, 0.3, rng),
        "\n".join(sentences),  # reordered: one sentence a pass
        " ".join(words[8:] + words[:8]) + " " + UNRELATED_TEXT,
        UNRELATED_TEXT + " " + " ".join(words[5:50]) + " " + UNRELATED_TEXT,
        " ".join(rng.sample(words, len(words))),
    ]


@compiled_only
def test_token_codes_of_edited_and_reordered_copies_align_as_the_pure_path_aligns_them() -> None:
    rng = random.Random(3)
    texts = [*REFERENCE_TEXTS, UNRELATED_TEXT]
    for i, ref_text in enumerate(texts):
        for cand_text in [*_variants(ref_text, rng), texts[(i + 1) % len(texts)]]:
            cand, ref = F.of_texts([cand_text, ref_text])
            for gap_penalty in GAP_PENALTIES:
                _check(cand.codes, ref.codes, gap_penalty)
            for n in (2, 3):  # a pack's hashed n-gram codes, runs lengthened by n - 1
                c, r = as_string(ngram_codes(cand.tokens, n)), as_string(ngram_codes(ref.tokens, n))
                _check(c, r, 1.0, n - 1)


@compiled_only
@pytest.mark.corpora
def test_real_answers_to_one_instruction_align_as_the_pure_path_aligns_them() -> None:
    path = CORPORA / "alpacaeval" / "outputs.jsonl.xz"
    if not path.exists():
        pytest.skip(f"shared corpora not found at {CORPORA}")
    by_instruction: dict[str, list[str]] = {}
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n % 53:
                continue
            row = json.loads(line)
            by_instruction.setdefault(row["instruction"], []).append(row["output"])
    rng = random.Random(11)
    pairs = 0
    for outputs in list(by_instruction.values())[:150]:
        if len(outputs) < 2:
            continue
        a, b = F.of_texts([outputs[0], outputs[1]])
        _check(a.codes, b.codes)  # independent answers: shared phrases, several short passes
        c, d = F.of_texts([_edited(outputs[0], 0.1, rng), outputs[0]])
        _check(c.codes, d.codes)
        pairs += 2
    assert pairs >= 100


_CODES = st.sampled_from([chr(0x100 + k) for k in range(6)] + ["\x01", "\x02", chr(0x1F600)])


@compiled_only
@settings(max_examples=400, deadline=None)
@given(
    st.lists(_CODES, max_size=300).map("".join),
    st.lists(_CODES, max_size=300).map("".join),
    st.sampled_from(GAP_PENALTIES),
    st.integers(0, 2),
)
def test_generated_pairs_align_as_the_pure_path_aligns_them(
    cand: str, ref: str, gap_penalty: float, extend: int
) -> None:
    _check(cand, ref, gap_penalty, extend)


@compiled_only
@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0x100, 0x10FFFF), min_size=1, max_size=400), st.data())
def test_generated_edits_of_a_text_align_as_the_pure_path_aligns_them(
    codes: list[int], data: st.DataObject
) -> None:
    cand = "".join(map(chr, codes))
    edits = data.draw(st.lists(st.tuples(st.integers(0, len(codes)), st.integers(0, 3)), max_size=40))
    ref = list(cand)
    for at, op in edits:
        at = min(at, len(ref))
        if op == 0 and at < len(ref):
            del ref[at]
        elif op == 1:
            ref.insert(at, chr(codes[at % len(codes)]))
        elif op == 2:
            ref[at:at] = ref[: min(len(ref), 5)]  # a repeated stretch: many equal LCS
    _check(cand, "".join(ref))


@compiled_only
@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 700), st.integers(0, 700), st.integers(1, 4000)), min_size=2, max_size=6
    )
)
def test_calls_one_after_another_align_as_the_pure_path_aligns_them(
    shapes: list[tuple[int, int, int]],
) -> None:
    """The compiled pass keeps its code table and rows between calls and empties only the slots
    a call filled, and a row whose code is not in the other text is the row above it: texts of
    every length and alphabet one after the other (a long one, then short ones, then long
    again) align as each alone does."""
    for n, m, size in shapes:
        rng = random.Random(n * 7919 + m * 31 + size)
        cand = "".join(chr(0x100 + rng.randrange(size)) for _ in range(n))
        ref = "".join(chr(0x100 + rng.randrange(size)) for _ in range(m))
        if cand and rng.random() < 0.5:
            ref = cand[: len(cand) // 2] + ref + cand[len(cand) // 3 :]
        _check(cand, ref)


@compiled_only
def test_align_gives_the_same_alignments_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    config = MatchConfig()
    rng = random.Random(8)
    pairs = []
    for ref_text in REFERENCE_TEXTS:
        for cand_text in _variants(ref_text, rng):
            cand, ref = F.of_texts([cand_text, ref_text])
            pairs.append((cand.codes, ref.codes))
    compiled_results = [verify.align(c, r, config) for c, r in pairs]
    monkeypatch.setattr(verify, "ALIGN", None)
    assert [verify.align(c, r, config) for c, r in pairs] == compiled_results
    assert sum(found is not None for found in compiled_results) >= 10


@compiled_only
@pytest.mark.parametrize("pure", [False, True])
def test_one_candidate_against_many_references_aligns_as_each_pair_aligns(
    monkeypatch: pytest.MonkeyPatch, pure: bool
) -> None:
    # ``align_many`` (the scan's common case, one compiled call per segment, every test in C)
    # gives each pair ``align``'s verdict, echoes and few distinct tokens included; keys in the
    # memo of rejections are not aligned (None, even where the pair would match: the memo is
    # trusted), and every key that fails, under the token floor or at any test, is added to it.
    config = MatchConfig()
    rng = random.Random(11)
    texts = [*REFERENCE_TEXTS, UNRELATED_TEXT]
    grid = " ".join(str(rng.randint(1, 9)) for _ in range(120))  # few distinct tokens
    kinds = set()
    for ref_text in [*REFERENCE_TEXTS, grid]:
        cands = _variants(ref_text, rng) if ref_text != grid else [grid, grid[:150] + " " + grid[:200]]
        prints = F.of_texts([*cands, *texts, grid, "too short to align"])
        # Echoes covering the reference's first 40 or 400 tokens: an aligned copy may fail on them.
        refs = [
            _Ref(fp.codes, [(0, 40)] if n % 3 == 1 else [(0, 400)] if n % 3 == 2 else [])
            for n, fp in enumerate(prints[len(cands) :])
        ]
        for cand in prints[: len(cands)]:
            expected = [verify.align(cand.codes, r.codes, config, r.echoes) for r in refs]
            keys = [("k", n) for n in range(len(refs))]
            memo = {keys[0], keys[-3]}  # the first (a match, maybe) and the unrelated text
            if pure:
                monkeypatch.setattr(verify, "ALIGN", None)
            failing = set(memo)
            found = verify.align_many(cand.codes, refs, keys, failing, config)
            monkeypatch.undo()
            assert found == [None if k in memo else e for k, e in zip(keys, expected, strict=True)]
            assert failing == memo | {k for k, e in zip(keys, expected, strict=True) if e is None}
            assert keys[-1] in failing  # under the token floor
            kinds |= {(e.few_distinct, bool(r.echoes)) for e, r in zip(expected, refs, strict=True) if e}
            # Pairs the first tests pass that the echoes or the distinct tokens reject occur too.
            tests = (config.min_tokens, config.min_coverage, config.min_similarity, 40, 0.93)
            first = [_align.passes(cand.codes, r.codes, 1.0, tests=tests) is not None for r in refs]
            kinds |= {"rejected later" for f, e in zip(first, expected, strict=True) if f and e is None}
    assert {(False, False), (False, True), "rejected later"} <= kinds, kinds
    assert any(k[0] for k in kinds if isinstance(k, tuple))  # a match on few distinct tokens


class _Ref:
    def __init__(self, codes: str, echoes: list[tuple[int, int]]) -> None:
        self.codes, self.echoes = codes, echoes


@compiled_only
def test_many_references_refuse_what_is_not_text_and_lists_that_differ() -> None:
    tests = (25, 0.5, 0.7, 40, 0.93)
    args = (1.0, 8.0, 32, 10, 0.9, tests, 12, 10)
    with pytest.raises(TypeError):
        _align.passes_many("ab", [_Ref(b"ab", [])], ["k"], set(), *args)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        _align.passes_many("ab", ["ab"], ["k"], set(), *args)
    with pytest.raises(ValueError):
        _align.passes_many("ab", [_Ref("ab", []), _Ref("cd", [])], ["k"], set(), *args)
    with pytest.raises(TypeError):
        _align.passes_many("ab", [_Ref("ab", [])], ["k"], set(), *args[:5], None, 12, 10)
    with pytest.raises(TypeError):  # an unhashable key
        _align.passes_many("ab", [_Ref("ab", [])], [[1]], set(), *args)
    copy = F.of_texts([REFERENCE_TEXTS[0]])[0].codes
    with pytest.raises(ValueError):  # echoes that are not pairs, read once the pair passes
        _align.passes_many(copy, [_Ref(copy, [(1, 2, 3)])], ["k"], set(), *args)  # type: ignore[list-item]
    with pytest.raises(TypeError):
        _align.passes_many(copy, [_Ref(copy, [("a", 2)])], ["k"], set(), *args)  # type: ignore[list-item]
    # Pairs as lists read as tuples do (``for a, b in echoes`` in Python takes either).
    as_lists = _align.passes_many(copy, [_Ref(copy, [[0, 400]])], ["k"], set(), *args)  # type: ignore[list-item]
    assert as_lists == _align.passes_many(copy, [_Ref(copy, [(0, 400)])], ["k"], set(), *args) == [None]


@compiled_only
def test_codes_that_are_not_text_are_refused() -> None:
    with pytest.raises(TypeError):
        _align.passes(b"ab", "ab", 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _align.blocks("ab", None)  # type: ignore[arg-type]


# ---- which path runs, and the record of it


def test_the_variable_forces_the_pure_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(compiled.PURE_VARIABLE, "1")
    assert compiled._load() == (None, f"pure Python ({compiled.PURE_VARIABLE} is set)")
    monkeypatch.setenv(compiled.PURE_VARIABLE, "0")
    module, why = compiled._load()
    if _align is None:  # an install without a C compiler says why it runs the pure path
        assert module is None and why.startswith("pure Python (the compiled alignment is not built")
    else:
        assert (module, why) == (_align, "compiled (provcheck.matching._align)")


@compiled_only
def test_a_build_of_another_version_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(compiled.PURE_VARIABLE, raising=False)
    monkeypatch.setattr(_align, "VERSION", compiled.VERSION + 1)
    module, why = compiled._load()
    assert module is None and why.startswith("pure Python (the compiled alignment is version")


def test_the_build_facts_say_which_alignment_runs() -> None:
    assert build_facts().alignment == f"{compiled.ALIGNMENT}; tokenizer {compiled.TOKENIZER}"
    env = {k: v for k, v in os.environ.items() if k != compiled.PURE_VARIABLE}
    pure = "alignment pure Python (PROVCHECK_PURE_PYTHON is set)"
    default = "alignment compiled" if _align is not None else "alignment pure Python (the compiled"
    for value, said in (("1", pure), ("", default)):
        done = subprocess.run(
            [sys.executable, "-m", "provcheck", "--version"],
            env={**env, compiled.PURE_VARIABLE: value},
            capture_output=True,
            text=True,
            check=True,
        )
        assert said in done.stdout
