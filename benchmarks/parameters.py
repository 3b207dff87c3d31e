"""Why the defaults: recall, false positives, index size and speed for other parameters.

    python benchmarks/parameters.py [--per-kind 200] [--negatives 2000]

Fingerprint parameters (shingle size, window) shape the index and are compared on indexes built
for each; matching thresholds are compared on the default index. Same data and candidate
construction as ``benchmarks/detection.py`` (one seed), one process, one worker.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import alpacaeval, medical_answers, require_corpora, table, write_jsonl
from detection import build_candidates, hard_negatives, overlap, words5
from provcheck.index import IndexWriter, ReferenceIndex
from provcheck.ingest import AddSpec, add_file
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.model import SourceInfo, SourceName
from provcheck.policy import Use, default_policy
from provcheck.scan import engine

KINDS = ("words-20%", "typos-2%", "first-half", "excerpt-60-words", "cjk-5%-deleted")


def build(work: Path, config: FingerprintConfig) -> tuple[ReferenceIndex, float]:
    path = work / f"index-{config.signature}"
    shutil.rmtree(path, ignore_errors=True)
    started = time.perf_counter()
    with IndexWriter(str(path), config) as writer:
        for name in ("refs", "refs_zh"):
            add_file(writer, AddSpec(str(work / f"{name}.jsonl"), SourceInfo(SourceName(name))))
        writer.commit()
    return ReferenceIndex(str(path)), time.perf_counter() - started


def evaluate(
    index: ReferenceIndex,
    work: Path,
    truth: dict[str, tuple[str, str]],
    key_ids: dict[int, set[str]],
    key_of: dict[str, int],
    negatives: list[dict[str, Any]],
    refs_by_id: dict[str, str],
    match: MatchConfig,
) -> dict[str, Any]:
    started = time.perf_counter()
    result = engine.scan(
        [str(work / "candidates.jsonl"), str(work / "negatives.jsonl")],
        index,
        default_policy(),
        Use(),
        engine.ScanOptions(match=match, workers=1),
    )
    seconds = time.perf_counter() - started
    hits: dict[str, set[str]] = collections.defaultdict(set)
    for m in result.matches:
        hits[str(m.record.id)].add(m.reference.id)
    recall = {}
    for kind in KINDS:
        ids = [c for c, (k, _) in truth.items() if k == kind]
        recall[kind] = sum(bool(hits[c] & key_ids[key_of[truth[c][1]]]) for c in ids) / len(ids)
    fp = 0
    for neg in negatives:
        got = hits.get(neg["id"], set())
        mine = words5(neg["text"])
        if got and not any(overlap(mine, words5(refs_by_id[r])) >= 0.2 for r in got):
            fp += 1
    return {"recall": recall, "fp_rate": fp / len(negatives), "records_per_s": result.stats.records / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--negatives", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="build/bench")
    args = parser.parse_args()
    require_corpora()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="provcheck-params-"))
    rows, providers = alpacaeval()
    refs = [
        {"id": f"{r['generator']}/{i}", "instruction": r["instruction"], "output": r["output"]}
        for i, r in enumerate(rows)
        if providers.get(r["generator"]) == "openai" and r["output"].strip()
    ]
    pool = [r for r in rows if providers.get(r["generator"]) != "openai" and r["output"].strip()]
    cjk = medical_answers()
    write_jsonl(work / "refs.jsonl", refs)
    write_jsonl(work / "refs_zh.jsonl", [{"id": f"zh/{j}", "text": t} for j, t in enumerate(cjk)])
    candidates, truth = build_candidates(refs, pool, cjk, args.per_kind, rng)
    candidates = [c for c in candidates if truth[c["id"]][0] in KINDS]
    negatives = hard_negatives(refs, pool, args.negatives, rng)
    write_jsonl(work / "candidates.jsonl", candidates)
    write_jsonl(work / "negatives.jsonl", [{"id": n["id"], "text": n["text"]} for n in negatives])
    all_refs = refs + [{"id": f"zh/{j}", "output": t} for j, t in enumerate(cjk)]
    key_ids: dict[int, set[str]] = collections.defaultdict(set)
    key_of: dict[str, int] = {}
    for r, fp in zip(
        all_refs, Fingerprinter(FingerprintConfig()).of_texts([r["output"] for r in all_refs]), strict=True
    ):
        key_ids[fp.key].add(r["id"])
        key_of[r["id"]] = fp.key
    refs_by_id = {r["id"]: r["output"] for r in all_refs}

    def key_sets(config: FingerprintConfig) -> tuple[dict[int, set[str]], dict[str, int]]:
        # Keys depend on tokens only, not on shingle size or window: one map serves all.
        return key_ids, key_of

    results: dict[str, Any] = {"fingerprint": {}, "match": {}}
    rows_out = []
    for shingle, window in ((3, 6), (4, 6), (5, 8), (5, 12), (7, 8)):
        config = FingerprintConfig(shingle_size=shingle, window=window)
        index, seconds = build(work, config)
        ids, of = key_sets(config)
        res = evaluate(index, work, truth, ids, of, negatives, refs_by_id, MatchConfig())
        res["build_docs_per_s"] = len(all_refs) / seconds
        res["anchors_per_text"] = sum(s.anchors for s in index.manifest.shards) / sum(
            s.texts for s in index.manifest.shards
        )
        res["index_mb"] = index.size_on_disk() / 2**20
        results["fingerprint"][config.signature] = res
        rows_out.append(
            [
                f"n={shingle} w={window}",
                *[res["recall"][k] for k in KINDS],
                res["fp_rate"],
                res["anchors_per_text"],
                res["index_mb"],
                res["records_per_s"],
            ]
        )
        print(f"done {config.signature}", file=sys.stderr)
    print("\n## Fingerprint parameters (matching thresholds at their defaults)\n")
    print(table(["parameters", *KINDS, "FP rate", "anchors/text", "index MB", "scan rec/s"], rows_out))

    index = ReferenceIndex(str(work / f"index-{FingerprintConfig().signature}"))
    rows_out = []
    variants: list[dict[str, Any]] = [
        {},
        {"min_similarity": 0.6},
        {"min_similarity": 0.8},
        {"min_coverage": 0.4},
        {"min_coverage": 0.6},
        {"excerpt_similarity": 0.9},
        {"excerpt_similarity": 0.97},
        {"min_tokens": 20},
        {"min_tokens": 30},
        {"min_hit_share": 0.05},
        {"min_hit_share": 0.2},
        {"strong_hits": 3},
    ]
    for variant in variants:
        res = evaluate(index, work, truth, key_ids, key_of, negatives, refs_by_id, MatchConfig(**variant))
        name = ", ".join(f"{k}={v}" for k, v in variant.items()) or "defaults"
        results["match"][name] = res
        rows_out.append([name, *[res["recall"][k] for k in KINDS], res["fp_rate"], res["records_per_s"]])
    print("\n## Matching thresholds (default fingerprint parameters)\n")
    print(table(["thresholds", *KINDS, "FP rate", "scan rec/s"], rows_out))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "parameters.json").write_text(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
