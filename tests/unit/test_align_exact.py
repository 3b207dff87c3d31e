"""The scan's cheaper alignment path gives exactly the results of the straightforward one.

* ``align`` builds spans lazily and runs its tests in another order (issue 17): every result
  is compared with a plain transcription of the algorithm as it was (``_reference_align``)
  over real-ish and adversarial pairs: edited, truncated and reordered copies, excerpts,
  independent answers, echoed prompts, renamed code, digit grids, hashed n-gram codes.
* The code path skips pairs before fingerprinting their reference with its code streams
  (``literal_may_judge``, ``renamed_may_align``, ``may_have_code_stream``): no pair it skips
  may be one that ``align_literal`` or ``align_renamed`` accepts.
"""

from __future__ import annotations

import itertools
import json
import lzma
import random
from collections.abc import Sequence

import pytest
from rapidfuzz.distance import Indel

from helpers import CORPORA, REFERENCE_TEXTS, UNRELATED_TEXT
from provcheck.matching.fingerprint import Fingerprint, Fingerprinter
from provcheck.matching.hashed import as_string, ngram_codes
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.matching.verify import (
    _PASSES as PASSES,
)
from provcheck.matching.verify import (
    Alignment,
    _sparse,
    align,
    align_literal,
    align_renamed,
    echoes,
    literal_judgeable,
    literal_may_judge,
    renamed_may_align,
)
from provcheck.model import MatchKind
from provcheck.scan.codestreams import may_have_code_stream

F = Fingerprinter(FingerprintConfig())
CONFIG = MatchConfig()


# ---- the algorithm as it was before issue 17 (one pass after another, every test in turn)


def _ref_blocks(cand: str, ref: str, extend: int) -> list[tuple[int, int, int]]:
    blocks = [(b.a, b.b, b.size) for b in Indel.opcodes(cand, ref).as_matching_blocks() if b.size]
    out = []
    for i, (c0, r0, size) in enumerate(blocks):
        limit = min(len(cand) - c0, len(ref) - r0, size + extend)
        if i + 1 < len(blocks):
            limit = min(limit, blocks[i + 1][0] - c0, blocks[i + 1][1] - r0)
        grown = size
        while grown < limit and cand[c0 + grown] != "\x01" and ref[r0 + grown] != "\x02":
            grown += 1
        out.append((c0, r0, grown))
    return out


def _ref_chains(blocks: list[tuple[int, int, int]], gap_penalty: float) -> list[tuple[int, int]]:
    chains = []
    score = best = 0.0
    first = last = start = 0
    pc = pr = pl = 0
    for i, (c0, r0, length) in enumerate(blocks):
        if score > 0:
            score -= gap_penalty * max(c0 - pc - pl, r0 - pr - pl)
        if score <= 0:
            if best >= 8.0:
                chains.append((first, last))
            score = best = 0.0
            start = i
        score += length
        if score > best:
            best, first, last = score, start, i
        pc, pr, pl = c0, r0, length
    if best >= 8.0:
        chains.append((first, last))
    return chains


def _reference_align(
    cand: str,
    ref: str,
    config: MatchConfig,
    ref_echoes: Sequence[tuple[int, int]] = (),
    ngram: int = 1,
) -> tuple[object, ...] | None:
    if min(len(cand), len(ref)) < config.min_tokens:
        return None
    spans: list[tuple[int, int, int, int, int]] = []
    inside: list[tuple[int, int, int]] = []
    c, r = cand, ref
    for n in range(PASSES):
        blocks = _ref_blocks(c, r, ngram - 1)
        chains = _ref_chains(blocks, config.gap_penalty)
        found = [
            (
                blocks[a][0],
                blocks[b][0] + blocks[b][2],
                blocks[a][1],
                blocks[b][1] + blocks[b][2],
                sum(x[2] for x in blocks[a : b + 1]),
            )
            for a, b in chains
        ]
        spans += found
        inside += [x for a, b in chains for x in blocks[a : b + 1]]
        matched = sum(s[4] for s in spans)
        explained = max(matched / len(cand), matched / len(ref)) >= 0.9
        if n == PASSES - 1 or sum(s[4] for s in found) < 10 or explained:
            break
        for mask, lo, text_is_cand in (("\x01", 0, True), ("\x02", 2, False)):
            text = list(c if text_is_cand else r)
            for s in found:
                text[s[lo] : s[lo + 1]] = mask * (s[lo + 1] - s[lo])
            if text_is_cand:
                c = "".join(text)
            else:
                r = "".join(text)
    spans.sort()
    matched = sum(s[4] for s in spans)
    if matched < config.min_tokens:
        return None
    runs = [cand[c0 : c0 + size] for c0, _, size in inside]
    few = len(set().union(*runs)) < config.min_distinct_tokens
    if few and len({run[k : k + 4] for run in runs for k in range(len(run) - 3)}) < config.min_tokens:
        return None
    if ref_echoes:
        original = 0
        for _, r0, size in inside:
            original += sum(1 for p in range(r0, r0 + size) if not any(a <= p < b for a, b in ref_echoes))
        if original < config.min_original_tokens:
            return None
    lengths = sum((s[1] - s[0]) + (s[3] - s[2]) for s in spans)
    similarity = 2 * matched / lengths
    containment, coverage = matched / len(ref), matched / len(cand)
    if max(containment, coverage) >= config.min_coverage and similarity >= config.min_similarity:
        kind = MatchKind.NEAR_DUPLICATE
    elif any(
        s[4] >= config.excerpt_tokens and 2 * s[4] / ((s[1] - s[0]) + (s[3] - s[2])) >= 0.93 for s in spans
    ):
        kind = MatchKind.EXCERPT
    else:
        return None
    return (kind, tuple(spans), matched, similarity, containment, coverage, few)


def _flat(found: Alignment | None) -> tuple[object, ...] | None:
    if found is None:
        return None
    spans = tuple((s.cand_start, s.cand_end, s.ref_start, s.ref_end, s.matched) for s in found.spans)
    return (
        found.kind,
        spans,
        found.matched,
        found.similarity,
        found.containment,
        found.coverage,
        found.few_distinct,
    )


# ---- pairs


def _words_edited(text: str, share: float, rng: random.Random) -> str:
    words = text.split()
    for i in rng.sample(range(len(words)), int(share * len(words))):
        words[i] = "zq" + words[i][::-1]
    return " ".join(words)


def _reordered(text: str, rng: random.Random) -> str:
    parts = [p for p in text.replace(". ", ".\n").split("\n") if p.strip()]
    rng.shuffle(parts)
    return "\n".join(parts)


def _moved(text: str) -> str:
    """The first 8 words moved to the end, then another text: the first pass aligns over 90%
    of the reference but not of the candidate, so whether a second pass runs decides."""
    words = text.split()
    return " ".join(words[8:] + words[:8]) + " " + UNRELATED_TEXT


def _variants(text: str, rng: random.Random) -> list[str]:
    words = text.split()
    half = " ".join(words[: len(words) // 2])
    return [
        _moved(text),
        text,
        _words_edited(text, 0.05, rng),
        _words_edited(text, 0.2, rng),
        _words_edited(text, 0.45, rng),
        _reordered(text, rng),
        _reordered(_words_edited(text, 0.1, rng), rng),
        half,
        UNRELATED_TEXT + " " + " ".join(words[5:50]) + " " + UNRELATED_TEXT,
        " ".join(rng.sample(words, len(words))),  # every word shared, no order
    ]


_CODE = """def merge_sorted(left_items, right_items):
    merged = []
    i = j = 0
    while i < len(left_items) and j < len(right_items):
        if left_items[i] <= right_items[j]:
            merged.append(left_items[i])
            i += 1
        else:
            merged.append(right_items[j])
            j += 1
    merged.extend(left_items[i:])
    merged.extend(right_items[j:])
    return merged
"""
_RENAMED = (
    _CODE.replace("merge_sorted", "combine")
    .replace("left_items", "a")
    .replace("right_items", "b")
    .replace("merged", "out")
)
_GRID = "\n".join(" ".join(str((r * 3 + r // 3 + c) % 9 + 1) for c in range(9)) for r in range(9))
_OTHER_GRID = "\n".join(" ".join(str((r * 5 + c * 2) % 9 + 1) for c in range(9)) for r in range(9))
_PROMPT = "Rewrite the following paragraph so that it reads more formally and keeps every fact."


def _texts() -> list[str]:
    texts = [*REFERENCE_TEXTS, UNRELATED_TEXT, _CODE, _RENAMED, _GRID, _OTHER_GRID]
    texts.append(_PROMPT + " " + REFERENCE_TEXTS[0])  # an output that echoes its prompt
    return texts


def _pairs(texts: list[str], seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs = []
    for i, ref in enumerate(texts):
        pairs += [(cand, ref) for cand in _variants(ref, rng)]
        pairs += [(texts[(i + k) % len(texts)], ref) for k in (1, 2)]  # independent texts
        other = texts[(i + 1) % len(texts)]
        pairs.append((other + "\n\n" + ref, ref))  # a copy after another text
        pairs.append((ref.split("\n")[-1] + "\n" + other + "\n" + ref.split("\n")[0], ref))
    return pairs


def _check_pairs(pairs: list[tuple[str, str]]) -> dict[str, int]:
    seen = {"accepted": 0, "rejected": 0, "echoed": 0, "ngram": 0}
    for cand_text, ref_text in pairs:
        cand, ref = F.of_texts([cand_text, ref_text])
        prompt = F.of_text(_PROMPT).codes
        echoed = echoes(ref.codes, [prompt])
        for ref_echoes in ([], echoed) if echoed else ([],):
            got = _flat(align(cand.codes, ref.codes, CONFIG, ref_echoes))
            assert got == _reference_align(cand.codes, ref.codes, CONFIG, ref_echoes), (cand_text, ref_text)
            seen["accepted" if got else "rejected"] += 1
            seen["echoed"] += bool(ref_echoes)
        for n in (2, 3):
            c, r = as_string(ngram_codes(cand.tokens, n)), as_string(ngram_codes(ref.tokens, n))
            assert _flat(align(c, r, CONFIG, (), n)) == _reference_align(c, r, CONFIG, (), n)
            seen["ngram"] += 1
    return seen


def test_align_gives_what_the_straightforward_algorithm_gives() -> None:
    seen = _check_pairs(_pairs(_texts(), 17))
    # Both outcomes, echoes and n-grams were exercised (a vacuous comparison proves nothing).
    assert seen["accepted"] >= 40 and seen["rejected"] >= 40 and seen["echoed"] and seen["ngram"]


def test_align_with_other_parameters_gives_what_the_straightforward_algorithm_gives() -> None:
    rng = random.Random(5)
    for config in (
        MatchConfig(gap_penalty=0.5, min_tokens=12, excerpt_tokens=20),
        MatchConfig(gap_penalty=2.0, min_coverage=0.3, min_similarity=0.5),
        MatchConfig(min_distinct_tokens=40, min_original_tokens=30),
    ):
        for ref_text in _texts():
            for cand_text in _variants(ref_text, rng):
                cand, ref = F.of_texts([cand_text, ref_text])
                assert _flat(align(cand.codes, ref.codes, config)) == _reference_align(
                    cand.codes, ref.codes, config
                )


@pytest.mark.corpora
def test_align_on_real_answers_gives_what_the_straightforward_algorithm_gives() -> None:
    path = CORPORA / "alpacaeval" / "outputs.jsonl.xz"
    if not path.exists():
        pytest.skip(f"shared corpora not found at {CORPORA}")
    by_instruction: dict[str, list[str]] = {}
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n % 97:
                continue
            row = json.loads(line)
            by_instruction.setdefault(row["instruction"], []).append(row["output"])
            if n > 400_000:
                break
    # Independent answers to one instruction (the hard negatives) and edited copies.
    groups = [answers for answers in by_instruction.values() if len(answers) >= 2][:40]
    pairs = [(a, b) for answers in groups for a, b in itertools.pairwise(answers)]
    rng = random.Random(3)
    pairs += [(cand, answers[0]) for answers in groups[:15] for cand in _variants(answers[0], rng)]
    seen = _check_pairs(pairs)
    assert seen["accepted"] >= 20 and seen["rejected"] >= 20


# ---- the code path's skip


def _code_may_match(cand: Fingerprint, ref: Fingerprint, ref_text: str) -> bool:
    """What ``Matcher._code_may_match`` decides, from the reference's plain codes and text."""
    return literal_may_judge(cand.codes, ref.codes, CONFIG) or (
        renamed_may_align(cand, ref.codes, CONFIG) and may_have_code_stream(ref_text)
    )


def test_code_pairs_skipped_before_fingerprinting_never_match() -> None:
    snippets = [
        _CODE,
        _RENAMED,
        _CODE.replace("merged", "result"),
        _GRID,
        _OTHER_GRID,
        "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n",
        "x = 1\ny = 2\nprint(x + y)\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
    ]
    texts = snippets + list(REFERENCE_TEXTS) + [UNRELATED_TEXT + "\n" + _CODE, _CODE + "\n" + UNRELATED_TEXT]
    prints = F.of_texts(texts)
    kept = skipped = matched = 0
    for cand in prints:
        if cand.renamed is None and cand.literal is None:
            continue  # never on the code path
        for ref, ref_text in zip(prints, texts, strict=True):
            found = align_literal(cand, ref, CONFIG) or align_renamed(cand, ref, CONFIG)
            if _code_may_match(cand, ref, ref_text):
                kept += 1
                matched += found is not None
            else:
                skipped += 1
                assert found is None, ref_text
    assert kept and skipped and matched  # the renamed copy is kept and matches


def test_a_text_without_a_code_stream_is_known_from_its_text() -> None:
    texts = [*_texts(), _CODE.replace("\n", " "), "SELECT a FROM t;\nSELECT b FROM u;\nSELECT 1;\n"]
    for text, fp in zip(texts, F.of_texts(texts), strict=True):
        if fp.renamed is not None:
            assert may_have_code_stream(text)
            assert len(fp.renamed) <= len(fp.codes)  # ``renamed_may_align``'s length bound
    assert not may_have_code_stream(REFERENCE_TEXTS[0]) and may_have_code_stream(_CODE)


def _code_texts() -> list[str]:
    return [
        _CODE,
        _RENAMED,
        _GRID,
        _OTHER_GRID,
        "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        UNRELATED_TEXT + "\n" + _CODE,
        "short\nlines",
        *_texts(),
    ]


def test_a_literal_stream_computed_on_demand_is_the_one_computed_with_the_fingerprint() -> None:
    # The scan fingerprints candidates without the literal stream and adds it to the few
    # whose pairs may read it (``Matcher._with_literal``).
    texts = _code_texts()
    eager = F.of_texts(texts)
    prints, batch = Fingerprinter(FingerprintConfig(), literal=False).with_tokens(texts)
    lazy = Fingerprinter(FingerprintConfig(), literal=False)
    with_stream = 0
    for i, (text, want, got) in enumerate(zip(texts, eager, prints, strict=True)):
        assert got.literal is None
        alone = lazy.with_literal(got, text)  # the text tokenized again, alone
        assert alone.literal == want.literal
        got = lazy.with_literal(got, text, batch, i)
        assert got.literal == want.literal and got.renamed == want.renamed and got.codes == want.codes
        if want.literal_at is None:
            assert got.literal_at is None
        else:
            with_stream += 1
            assert got.literal_at is not None and (got.literal_at == want.literal_at).all()
        assert (got.anchors == want.anchors).all() and (got.shingles == want.shingles).all()
    assert with_stream >= 3


def test_literal_may_judge_is_either_texts_half() -> None:
    # Sparse, sparse only in its first tokens (settled past each prefix ``_few_distinct``
    # reads first), and plain texts.
    fresh = "".join(chr(0x100 + k) for k in range(30))
    late = "ab" * 40 + fresh
    codes = [fp.codes for fp in F.of_texts(_code_texts())] + ["", "ab" * 20, late]
    codes += ["ab" * 5 + fresh, "ab" * 8 + fresh, "ab" * 30 + fresh[:11], fresh[:11] * 4 + "z"]
    for config in (CONFIG, MatchConfig(min_tokens=12, min_distinct_tokens=40)):
        both = seen = 0
        for a, b in itertools.product(codes, repeat=2):
            # The definition: under the token floor, or fewer distinct tokens than asked.
            want = min(len(a), len(b)) < config.min_tokens or (
                min(len(set(a)), len(set(b))) < config.min_distinct_tokens
            )
            assert literal_may_judge(a, b, config) == want
            assert want == (literal_judgeable(a, config) or literal_judgeable(b, config))
            assert _sparse(a, b, config) == (min(len(set(a)), len(set(b))) < config.min_distinct_tokens)
            seen += want
            both += not want
        assert seen and both
