"""Design measurement, not provcheck's code: a second candidate route for densely edited copies.

    python benchmarks/sparse_candidates.py [--copies 400] [--negatives 1000] [--seed 20261207]

A copy with one word in every 4-6 replaced keeps no run of 12 tokens, so it shares no anchor
with its reference and is never verified (``heldout_kinds.py``: 0.27 recall), although
verification accepts such pairs (similarity ~0.8). This simulates, in Python, an index family
that would find them and measures what it would cost:

* each reference keeps the window minima of its **token trigram** hashes over windows of
  ``W`` trigrams (winnowing, as the anchors but with 3-token shingles and sparser windows), or
  the ``k`` smallest trigram hashes of the whole text (bottom-k);
* a query looks up **every** distinct trigram hash of the candidate (not only its minima);
  entries held by more than 256 references are skipped, as anchors are;
* a reference is a candidate with ``hits`` shared entries that are at least ``share`` of its
  entries.

Index: the AlpacaEval outputs of Anthropic's original generators (``heldout_kinds.py``'s
source). Copies: that benchmark's dense substitution, one word in every 4-6 and every 3-4.
Negatives: its hard negatives (other providers' answers to the same instructions), whose
candidates are then aligned with ``verify.align`` (a verified pair there is a false match the
route would add). Bytes: 8 an entry (a uint32 key and a uint32 posting), per reference.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter, defaultdict
from typing import Any

import numpy as np

import heldout_kinds as hk
from common import alpacaeval_rows, providers_of, require_corpora, table
from detection import hard_negatives
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.matching.verify import align

_P = np.uint64(0x9E3779B97F4A7C15)
_MAX_POSTINGS = 256


def trigrams(tokens: np.ndarray) -> np.ndarray:
    """32-bit hashes of every run of three tokens (MurmurHash3's finalizer of a combination)."""
    if len(tokens) < 3:
        return np.zeros(0, dtype=np.uint32)
    with np.errstate(over="ignore"):
        x = tokens[:-2] * _P * _P + tokens[1:-1] * _P + tokens[2:]
        x ^= x >> np.uint64(33)
        x *= np.uint64(0xFF51AFD7ED558CCD)
        x ^= x >> np.uint64(33)
    return (x & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def sparse(tri: np.ndarray, window: int | None, k: int | None) -> np.ndarray:
    if len(tri) == 0:
        return tri
    if k is not None:
        return np.unique(tri)[:k]
    assert window is not None
    w = min(window, len(tri))
    view = np.lib.stride_tricks.sliding_window_view(tri, w)
    return np.unique(view.min(axis=1))


def _anchor_candidate(a: np.ndarray, b: np.ndarray, config: MatchConfig) -> bool:
    """Whether the anchor route's rule (``ReferenceIndex.candidates``) lists the pair."""
    shared = len(np.intersect1d(a, b))
    smaller = max(1, min(len(a), len(b)))
    return shared >= config.strong_hits or (
        shared >= config.min_hits and shared >= config.min_hit_share * smaller
    )


def _openai(rng: random.Random, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """detection.py's references (every OpenAI generator's output) and hard negatives built by
    its rule (other generators' outputs of 30+ words, overlap < 0.2 with same-question refs)."""
    providers = providers_of()
    refs: list[dict[str, Any]] = []
    pool: list[dict[str, Any]] = []
    for i, r in enumerate(alpacaeval_rows()):
        if not r["output"].strip():
            continue
        if providers.get(r["generator"]) == "openai":
            refs.append({"id": f"{r['generator']}/{i}", "instruction": r["instruction"], "text": r["output"]})
        else:
            pool.append({"instruction": r["instruction"], "output": r["output"]})
    as_detection = [{"instruction": r["instruction"], "output": r["text"]} for r in refs]
    negatives = hard_negatives(as_detection, pool, count, rng)
    vocab = [w for r in rng.sample(pool, 500) for w in hk._WORD.findall(r["output"]) if len(w) > 2]
    return refs, negatives, vocab


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=400)
    parser.add_argument("--negatives", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument(
        "--index",
        choices=("anthropic", "openai"),
        default="anthropic",
        help="anthropic: heldout_kinds.py's sources; openai: detection.py's references and its "
        "construction of hard negatives (the same rule, not the same draw)",
    )
    args = parser.parse_args()
    require_corpora()
    rng = random.Random(args.seed)
    refs, negatives, vocab = (
        hk.load(rng, args.negatives) if args.index == "anthropic" else _openai(rng, args.negatives)
    )
    f = Fingerprinter(FingerprintConfig())
    config = MatchConfig()
    ref_fps = f.of_texts([r["text"] for r in refs])
    eligible = [i for i, fp in enumerate(ref_fps) if len(fp.tokens) >= hk.FLOOR_TOKENS]
    picked = rng.sample(eligible, args.copies)
    sets: dict[str, list[tuple[int, Any]]] = {}
    for name, gaps in (("4-6", (4, 6)), ("3-4", (3, 4))):
        texts = [hk.dense_substitution(refs[i]["text"], rng, gaps, vocab) for i in picked]
        sets[f"copies, one word in every {name} replaced"] = list(zip(picked, f.of_texts(texts), strict=True))
    sets["hard negatives (true reference: none)"] = [
        (-1, fp) for fp in f.of_texts([n["text"] for n in negatives])
    ]
    ref_tri = [trigrams(fp.tokens) for fp in ref_fps]
    rows = []
    false: set[tuple[int, int, float]] = set()
    variants: list[tuple[str, int | None, int | None, int, float]] = [
        ("window 64", 64, None, 2, 0.25),
        ("window 64", 64, None, 3, 0.25),
        ("window 48", 48, None, 3, 0.25),
        ("window 32", 32, None, 3, 0.25),
        ("bottom-8", None, 8, 3, 0.0),
        ("bottom-10", None, 10, 3, 0.0),
        ("bottom-10", None, 10, 4, 0.0),
        ("bottom-16", None, 16, 4, 0.0),
    ]
    for label, window, k, hits, share in variants:
        started = time.process_time()
        table_: dict[int, list[int]] = defaultdict(list)
        sizes = []
        for t, tri in enumerate(ref_tri):
            entries = sparse(tri, window, k)
            sizes.append(len(entries))
            for v in entries.tolist():
                table_[v].append(t)
        entries_total = sum(sizes)
        for name, items in sets.items():
            found = 0
            cands = 0
            verified = 0
            new_only = 0
            for true, fp in items:
                counts: Counter[int] = Counter()
                for v in np.unique(trigrams(fp.tokens)).tolist():
                    post = table_.get(v)
                    if post and len(post) <= _MAX_POSTINGS:
                        counts.update(post)
                chosen = [t for t, c in counts.items() if c >= hits and c >= share * sizes[t]]
                cands += len(chosen)
                if true >= 0:
                    found += true in chosen
                else:
                    for t in chosen:
                        found_pair = align(fp.codes, ref_fps[t].codes, config)
                        if found_pair is not None:
                            verified += 1
                            new_only += not _anchor_candidate(fp.anchors, ref_fps[t].anchors, config)
                            false.add((t, found_pair.matched, round(found_pair.similarity, 2)))
            n = len(items)
            rows.append(
                [
                    f"{label}, hits >= {hits}" + (f", >= {share:.0%} of the entries" if share else ""),
                    f"{8 * entries_total / len(refs):.0f}",
                    name,
                    n,
                    f"{found / n:.3f}" if name.startswith("copies") else "",
                    f"{cands / n:.1f}",
                    f"{verified} ({new_only})" if not name.startswith("copies") else "",
                ]
            )
        print(f"{label} hits {hits}: {time.process_time() - started:.1f} s CPU", flush=True)
    print(
        f"\n## A trigram candidate route, simulated ({len(refs):,} references, --index {args.index}; "
        f"seed {args.seed})\n"
    )
    print(
        table(
            [
                "entries kept, query rule",
                "bytes a reference",
                "records",
                "n",
                "true reference a candidate",
                "candidates a record",
                "negatives' candidates verified (not anchor candidates)",
            ],
            rows,
        )
    )

    print("\nnegatives' verified pairs (reference, aligned tokens, similarity):")
    for t, matched, similarity in sorted(false):
        print(f"  {refs[t]['id']}: {matched} tokens, {similarity}")


if __name__ == "__main__":
    main()
