"""Exact bounds that could reject a pair before (or between) alignment passes, measured.

    python benchmarks/align_bounds.py scan DATA... -i INDEX [scan options]

Runs the scan in this process with one worker, records every pair the matcher aligns on
plain codes (candidate codes, reference codes, echoes) with its CPU time and verdict, then
replays the pairs through each bound and prints, per bound, the rejected pairs it removes,
their share of the rejected pairs' alignment time, what computing it costs, and the passing
pairs it would lose (always 0 for an exact bound: a non-zero figure is a bug in the bound).
docs/matching.md ("Exact rejection, second attempt") gives the figures and why they are small.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence

from rapidfuzz.distance import LCSseq

import provcheck.scan.match as scan_match
from provcheck.cli import cli
from provcheck.matching import verify
from provcheck.matching.params import MatchConfig

Pair = tuple[str, str, tuple[tuple[int, int], ...], bool, float]


def record(argv: list[str]) -> tuple[list[Pair], MatchConfig]:
    """The plain-code pairs of one in-process scan (packs' n-gram pairs are left out)."""
    pairs: list[Pair] = []
    configs: list[MatchConfig] = []
    plain = verify.align

    def timed(
        cand: str,
        ref: str,
        config: MatchConfig,
        ref_echoes: Sequence[tuple[int, int]] = (),
        ngram: int = 1,
        cand_plain: str | None = None,
    ) -> verify.Alignment | None:
        started = time.process_time()
        found = plain(cand, ref, config, ref_echoes, ngram, cand_plain)
        if ngram == 1:
            pairs.append((cand, ref, tuple(ref_echoes), found is not None, time.process_time() - started))
            configs[:] = [config]
        return found

    many = verify.align_many

    def each(
        cand: str, refs: list[verify.Coded], keys: list[object], failing: set[object], config: MatchConfig
    ) -> list[verify.Alignment | None]:
        # ``align_many``, a pair at a time (timed as ``align``), skipping what its memo holds.
        out = []
        for ref, key in zip(refs, keys, strict=True):
            found = None if key in failing else timed(cand, ref.codes, config, ref.echoes)
            if found is None:
                failing.add(key)
            out.append(found)
        return out

    scan_match.align = timed  # type: ignore[assignment]
    scan_match.align_many = each  # type: ignore[assignment]
    try:
        cli.main([*argv, "--workers", "1", "-q"], prog_name="provcheck", standalone_mode=False)
    finally:
        scan_match.align = plain
        scan_match.align_many = many
    return pairs, configs[0] if configs else MatchConfig()


def _bigrams(s: str) -> Counter[str]:
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


def _multiset(a: Counter[str], b: Counter[str]) -> int:
    return sum((a & b).values())


def bounds(config: MatchConfig) -> dict[str, Callable[[str, str, tuple[tuple[int, int], ...]], bool]]:
    """Name -> test returning True when the pair surely fails (``align`` returns None)."""
    s, se, e = config.min_similarity, config.excerpt_similarity, config.excerpt_tokens
    # Tokens of spans of similarity >= s per shared bigram (+ one chain start per 7 bigrams),
    # and shared bigrams a 40-token span at similarity se needs (docs/matching.md).
    per_bigram = 1 / (1 - 2 * (1 - s) / s) if s > 2 / 3 else float("inf")
    excerpt_bigrams = e * (3 - 2 / se) - 1 if se > 2 / 3 else 0.0
    chain_bigrams = verify._MIN_CHAIN_SCORE - 1

    def need(cand: str, ref: str) -> float:
        return max(config.min_tokens, config.min_coverage * min(len(cand), len(ref)))

    def multiset(cand: str, ref: str, echoes: tuple[tuple[int, int], ...]) -> bool:
        m = _multiset(Counter(cand), Counter(ref))
        return m < max(config.min_tokens, min(need(cand, ref), e))

    def lcs(cand: str, ref: str, echoes: tuple[tuple[int, int], ...]) -> bool:
        n = LCSseq.similarity(cand, ref)
        total = n if n < verify._REPASS_TOKENS else _multiset(Counter(cand), Counter(ref))
        return total < config.min_tokens or (n < e and total < need(cand, ref))

    def bigram(cand: str, ref: str, echoes: tuple[tuple[int, int], ...]) -> bool:
        if config.gap_penalty < 1:
            return False
        b = _multiset(_bigrams(cand), _bigrams(ref))
        m = _multiset(Counter(cand), Counter(ref))
        near = min(m, per_bigram * (b + b / chain_bigrams))
        return m < config.min_tokens or (b < excerpt_bigrams and near < need(cand, ref))

    def echo(cand: str, ref: str, echoes: tuple[tuple[int, int], ...]) -> bool:
        if not echoes:
            return False
        inside = {p for a, b in echoes for p in range(a, b)}
        rest = "".join(ch for p, ch in enumerate(ref) if p not in inside)
        return _multiset(Counter(cand), Counter(rest)) < config.min_original_tokens

    return {
        "multiset of token codes": multiset,
        "LCS length (+ multiset)": lcs,
        "shared bigrams of chains and excerpts (+ multiset)": bigram,
        "tokens outside the reference's echoes (multiset)": echo,
    }


def main() -> None:
    pairs, config = record(sys.argv[1:])
    rejected_time = sum(p[4] for p in pairs if not p[3])
    print(
        f"\n{len(pairs):,} pairs aligned on plain codes, {sum(p[3] for p in pairs):,} pass; "
        f"alignment CPU {sum(p[4] for p in pairs):.2f} s, of it on rejected pairs {rejected_time:.2f} s\n"
    )
    print("| exact bound | rejected pairs removed | their alignment time | cost of the test | passing lost |")
    print("|---|---|---|---|---|")
    for name, test in bounds(config).items():
        removed = lost = 0
        saved = 0.0
        started = time.process_time()
        for cand, ref, echoes, passed, seconds in pairs:
            if test(cand, ref, echoes):
                lost += passed
                removed += not passed
                saved += seconds
        cost = time.process_time() - started
        share = saved / rejected_time if rejected_time else 0.0
        print(f"| {name} | {removed:,} | {saved:.3f} s ({share:.1%}) | {cost:.2f} s (Python) | {lost} |")


if __name__ == "__main__":
    main()
