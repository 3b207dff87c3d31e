"""Scaling on one machine: workers, index build, memory on a 1 GB input, and a cost model.

    python benchmarks/scale.py [--gigabytes 1.0] [--slice-mb 100]

Reference index: every AlpacaEval output except those of 8 held-out generators (~164k texts).
Candidates: outputs of the held-out generators, as OpenAI-style chat records, repeated (each
copy with its own id) until the file reaches the requested size. Every figure is a whole
process (`provcheck ...` as a user runs it), wall clock and peak RSS.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import PROVCHECK, alpacaeval, peak_rss, require_corpora, table, write_jsonl


def candidates(rows: list[dict[str, Any]], held_out: set[str], path: Path, size: int) -> int:
    base = [
        {
            "messages": [
                {"role": "user", "content": r["instruction"]},
                {"role": "assistant", "content": r["output"]},
            ]
        }
        for r in rows
        if r["generator"] in held_out and r["output"].strip()
    ]
    count = written = 0
    with open(path, "w", encoding="utf-8") as fh:
        while written < size:
            for rec in base:
                line = json.dumps({"id": f"c{count}", **rec}, ensure_ascii=False) + "\n"
                fh.write(line)
                written += len(line.encode())
                count += 1
                if written >= size:
                    break
    return count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gigabytes", type=float, default=1.0, help="size of the large candidate file")
    parser.add_argument(
        "--slice-mb", type=float, default=100, help="size of the file the worker runs compare"
    )
    parser.add_argument("--out", default="build/bench")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (indexes, data)")
    args = parser.parse_args()
    require_corpora()
    work = Path(tempfile.mkdtemp(prefix="provcheck-scale-"))
    if not args.keep:
        atexit.register(shutil.rmtree, work, True)
    kept = "" if args.keep else " (removed at exit; --keep keeps it)"
    print(f"working in {work}{kept}", file=sys.stderr)
    rows, _ = alpacaeval()
    held_out = set(sorted({r["generator"] for r in rows})[-8:])
    refs = [
        {"id": f"{r['generator']}/{i}", "instruction": r["instruction"], "output": r["output"]}
        for i, r in enumerate(rows)
        if r["generator"] not in held_out and r["output"].strip()
    ]
    write_jsonl(work / "refs.jsonl", refs)
    results: dict[str, Any] = {"references": len(refs), "cores": os.cpu_count()}

    build = {}
    for workers in (1, 2):
        index = work / f"index-{workers}"
        rss, r = peak_rss(
            [
                *PROVCHECK,
                "index",
                "add",
                str(index),
                str(work / "refs.jsonl"),
                "--source",
                "alpacaeval",
                "-q",
                "-j",
                str(workers),
            ]
        )
        assert r.code == 0, r.stderr
        build[workers] = {"seconds": r.seconds, "docs_per_s": len(refs) / r.seconds, "peak_rss_mb": rss}
    results["build"] = build
    index = work / "index-2"

    small = work / "slice.jsonl"
    n_small = candidates(rows, held_out, small, int(args.slice_mb * 2**20))
    scan = {}
    for workers in (1, 2):
        rss, r = peak_rss(
            [
                *PROVCHECK,
                "scan",
                str(small),
                "-i",
                str(index),
                "-q",
                "--fail-on",
                "never",
                "-f",
                "json",
                "-o",
                str(work / f"slice-{workers}.json"),
                "-j",
                str(workers),
            ]
        )
        assert r.code == 0, r.stderr
        scan[workers] = {
            "seconds": r.seconds,
            "records_per_s": n_small / r.seconds,
            "mb_per_s": small.stat().st_size / 2**20 / r.seconds,
            "peak_rss_mb": rss,
        }
    results["scan_slice"] = {"records": n_small, "mb": small.stat().st_size / 2**20, **scan}
    efficiency = scan[1]["seconds"] / scan[2]["seconds"]

    large = work / "large.jsonl"
    n_large = candidates(rows, held_out, large, int(args.gigabytes * 2**30))
    rss_large, r = peak_rss(
        [
            *PROVCHECK,
            "scan",
            str(large),
            "-i",
            str(index),
            "-q",
            "--fail-on",
            "never",
            "-f",
            "json",
            "-o",
            str(work / "large.json"),
        ]
    )
    assert r.code == 0, r.stderr
    results["scan_large"] = {
        "records": n_large,
        "gb": large.stat().st_size / 2**30,
        "seconds": r.seconds,
        "records_per_s": n_large / r.seconds,
        "peak_rss_mb": rss_large,
    }

    per_core_records = scan[1]["records_per_s"]
    per_core_mb = scan[1]["mb_per_s"]
    cores_for_day = 1e9 / (per_core_records * 86_400)
    results["model"] = {
        "records_per_s_per_core": per_core_records,
        "mb_per_s_per_core": per_core_mb,
        "core_hours_per_billion": 1e9 / per_core_records / 3600,
        "cores_for_1b_in_24h": cores_for_day,
    }

    print(f"\n## Index build ({len(refs):,} reference texts, whole process)\n")
    print(
        table(
            ["workers", "seconds", "docs/s", "peak RSS MB"],
            [[w, b["seconds"], b["docs_per_s"], b["peak_rss_mb"]] for w, b in build.items()],
        )
    )
    print(f"\nbuild scaling, 2 workers vs 1: {build[1]['seconds'] / build[2]['seconds']:.2f}x")
    print(f"\n## Scan of {n_small:,} records ({results['scan_slice']['mb']:.0f} MB) against the index\n")
    print(
        table(
            ["workers", "seconds", "records/s", "MB/s", "peak RSS MB"],
            [[w, s["seconds"], s["records_per_s"], s["mb_per_s"], s["peak_rss_mb"]] for w, s in scan.items()],
        )
    )
    print(f"\nscan scaling, 2 workers vs 1: {efficiency:.2f}x (target >= 1.7x)")
    big = results["scan_large"]
    print(f"\n## Scan of a {big['gb']:.2f} GB file ({n_large:,} records), all cores\n")
    print(
        table(
            ["seconds", "records/s", "peak RSS MB", "target"],
            [[big["seconds"], big["records_per_s"], big["peak_rss_mb"], "same as a small file"]],
        )
    )
    print("\n## Cost model\n")
    print(
        table(
            ["figure", "value"],
            [
                ["records/s per core", per_core_records],
                ["MB/s per core", per_core_mb],
                ["core-hours per 1B records", results["model"]["core_hours_per_billion"]],
                ["cores to scan 1B records in 24 h", cores_for_day],
            ],
        )
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
