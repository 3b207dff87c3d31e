"""Detection through a fingerprint pack against the same index with text, and pack size.

    python benchmarks/packs.py [--per-kind 400] [--negatives 4000] [--ngram 3] [--keyed] [--size-all]

The references, edited candidates and hard negatives are those of ``benchmarks/detection.py``
(same corpus, same seed, same functions): every AlpacaEval output of an OpenAI generator plus
Chinese MedicalGPT answers as references, seeded edits of references as candidates, outputs of
other generators for the same instructions (true overlap < 0.2) as hard negatives. The index is
built once; ``provcheck pack create`` makes its pack; both are scanned as a user scans
(``provcheck scan -i INDEX`` and ``-i PACK``, whole processes). Recall counts a candidate only
when it is linked to its true reference; a false positive is a hard negative with any match.

Size: bytes of the pack per reference document of that index (15k AlpacaEval outputs);
``--size-all`` also packs the whole AlpacaEval corpus (170k outputs of 212 generators).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from common import PROVCHECK, alpacaeval, medical_answers, require_corpora, run, table, write_jsonl
from detection import build_candidates, hard_negatives, overlap, words5
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import FingerprintConfig


def quality(
    doc: dict[str, Any],
    truth: dict[str, Any],
    key_ids: dict[int, set[str]],
    key_of: dict[str, int],
    negatives: list[dict[str, Any]],
    refs_by_id: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Recall per kind and the false-positive rate of one scan report (as detection.py counts)."""
    matched: dict[str, set[str]] = defaultdict(set)
    for m in doc["matches"]:
        matched[m["record"]["id"]].add(m["reference"]["id"])
    recall = {}
    linked_all = total = 0
    for kind in dict.fromkeys(k for k, _ in truth.values()):
        ids = [cid for cid, (k, _) in truth.items() if k == kind]
        linked = sum(bool(matched.get(c, set()) & key_ids[key_of[truth[c][1]]]) for c in ids)
        recall[kind] = linked / len(ids)
        linked_all += linked
        total += len(ids)
    fp = excluded = 0
    for neg in negatives:
        got = matched.get(neg["id"], set())
        mine = words5(neg["text"])
        if any(overlap(mine, words5(refs_by_id[rid]["output"])) >= 0.2 for rid in got):
            excluded += 1
            continue
        fp += bool(got)
    n_neg = len(negatives) - excluded
    return {
        "recall": recall,
        "recall_all": linked_all / total,
        "fp_rate": fp / n_neg,
        "false_positives": fp,
        "negatives": n_neg,
    }


def size_all(rows: list[dict[str, Any]], work: Path) -> dict[str, Any]:
    """Bytes a document of the pack and of the index with text, over every AlpacaEval output."""
    everything = [
        {"id": f"{r['generator']}/{i}", "text": r["output"]}
        for i, r in enumerate(rows)
        if r["output"].strip()
    ]
    write_jsonl(work / "all.jsonl", everything)
    big, big_pack = work / "all-index", work / "all.pack"
    r = run([*PROVCHECK, "index", "add", str(big), str(work / "all.jsonl"), "--source", "alpacaeval", "-q"])
    assert r.code == 0, r.stderr
    r = run([*PROVCHECK, "pack", "create", str(big), "-o", str(big_pack), "--publisher", "bench"])
    assert r.code == 0, r.stderr
    index_bytes = sum(os.path.getsize(p) for p in big.rglob("*") if p.is_file())
    out = {
        "documents": len(everything),
        "pack_bytes_per_document": big_pack.stat().st_size / len(everything),
        "index_bytes_per_document": index_bytes / len(everything),
    }
    print(
        f"\nAll AlpacaEval ({len(everything):,} outputs): pack {out['pack_bytes_per_document']:,.0f} bytes a "
        f"document, index with text {out['index_bytes_per_document']:,.0f}"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-kind", type=int, default=400)
    parser.add_argument("--negatives", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--ngram", type=int, default=3)
    parser.add_argument("--keyed", action="store_true", help="also scan a keyed pack (random key)")
    parser.add_argument("--size-all", action="store_true", help="also pack all 170k AlpacaEval outputs")
    parser.add_argument("--size-only", action="store_true", help="only pack all 170k AlpacaEval outputs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="build/bench")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    require_corpora()
    rng = random.Random(args.seed)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="provcheck-packs-"))
    if not args.keep:
        atexit.register(shutil.rmtree, work, True)
    print(f"working in {work}", file=sys.stderr)

    rows, providers = alpacaeval()
    if args.size_only:
        (out_dir / "packs-size.json").write_text(json.dumps(size_all(rows, work), indent=2))
        return
    refs = [
        {"id": f"{r['generator']}/{i}", "instruction": r["instruction"], "output": r["output"]}
        for i, r in enumerate(rows)
        if providers.get(r["generator"]) == "openai" and r["output"].strip()
    ]
    pool = [r for r in rows if providers.get(r["generator"]) != "openai" and r["output"].strip()]
    cjk = medical_answers()
    write_jsonl(work / "refs.jsonl", refs)
    write_jsonl(work / "refs_zh.jsonl", [{"id": f"zh/{j}", "text": t} for j, t in enumerate(cjk)])
    index = work / "index"
    for path, source in ((work / "refs.jsonl", "openai"), (work / "refs_zh.jsonl", "medical-zh")):
        r = run([*PROVCHECK, "index", "add", str(index), str(path), "--source", source, "-q"])
        assert r.code == 0, r.stderr
    candidates, truth = build_candidates(refs, pool, cjk, args.per_kind, rng)
    negatives = hard_negatives(refs, pool, args.negatives, rng)
    write_jsonl(work / "candidates.jsonl", candidates)
    write_jsonl(work / "negatives.jsonl", [{"id": n["id"], "text": n["text"]} for n in negatives])

    pack = work / "refs.pack"
    created = run(
        [
            *PROVCHECK,
            "pack",
            "create",
            str(index),
            "-o",
            str(pack),
            "--publisher",
            "bench",
            "--ngram",
            str(args.ngram),
        ]
    )
    assert created.code == 0, created.stderr
    targets: list[tuple[str, Path, dict[str, str]]] = [("index (text)", index, {}), ("pack", pack, {})]
    if args.keyed:
        key = secrets.token_hex(32)
        keyed = work / "refs-keyed.pack"
        r = run(
            [*PROVCHECK, "pack", "create", str(index), "-o", str(keyed), "--publisher", "bench", "--keyed"],
            env={"PROVCHECK_PACK_KEY": key},
        )
        assert r.code == 0, r.stderr
        targets.append(("keyed pack", keyed, {"PROVCHECK_PACK_KEY": key}))

    f = Fingerprinter(FingerprintConfig())
    all_refs = refs + [{"id": f"zh/{j}", "output": t} for j, t in enumerate(cjk)]
    key_ids: dict[int, set[str]] = defaultdict(set)
    key_of = {}
    for ref, fp in zip(all_refs, f.of_texts([r["output"] for r in all_refs]), strict=True):
        key_ids[fp.key].add(ref["id"])
        key_of[ref["id"]] = fp.key
    refs_by_id = {r["id"]: r for r in all_refs}

    results: dict[str, Any] = {"references": len(all_refs), "ngram": args.ngram}
    for name, target, env in targets:
        report = work / f"{target.name}.json"
        scan = run(
            [
                *PROVCHECK,
                "scan",
                str(work / "candidates.jsonl"),
                str(work / "negatives.jsonl"),
                "-i",
                str(target),
                "-f",
                "json",
                "-o",
                str(report),
                "--fail-on",
                "never",
                "--no-cache",
                "-q",
                "--workers",
                str(args.workers),
            ],
            env=env,
        )
        assert scan.code == 0, scan.stderr
        q = quality(json.loads(report.read_text()), truth, key_ids, key_of, negatives, refs_by_id)
        q["scan_seconds"] = scan.seconds
        q["bytes"] = (
            sum(p.stat().st_size for p in target.rglob("*")) if target.is_dir() else target.stat().st_size
        )
        q["bytes_per_reference"] = q["bytes"] / len(all_refs)
        results[name] = q

    names = [n for n, _, _ in targets]
    kinds = list(results[names[0]]["recall"])
    base = results[names[0]]
    print(f"\n## Detection through a pack ({len(all_refs):,} references, {args.ngram}-gram codes)\n")
    print(
        table(
            ["kind", *names, "pack - index"],
            [
                [
                    k,
                    *(results[n]["recall"][k] for n in names),
                    results["pack"]["recall"][k] - base["recall"][k],
                ]
                for k in kinds
            ]
            + [
                [
                    "all edited copies",
                    *(results[n]["recall_all"] for n in names),
                    results["pack"]["recall_all"] - base["recall_all"],
                ],
                [
                    f"false-positive rate ({base['negatives']:,} hard negatives)",
                    *(f"{results[n]['fp_rate']:.3%}" for n in names),
                    f"{results['pack']['fp_rate'] - base['fp_rate']:+.3%}",
                ],
                [
                    "bytes per reference document",
                    *(round(results[n]["bytes_per_reference"]) for n in names),
                    "",
                ],
                ["scan seconds", *(round(results[n]["scan_seconds"], 1) for n in names), ""],
            ],
        )
    )
    if args.size_all:
        results["alpacaeval_all"] = size_all(rows, work)
    (out_dir / "packs.json").write_text(json.dumps(results, indent=2))
    print(f"\nfigures written to {out_dir / 'packs.json'}")


if __name__ == "__main__":
    main()
