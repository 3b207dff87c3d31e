"""Scaling on one machine: workers, index build, memory on a 1 GB input, and a cost model.

    python benchmarks/scale.py [--gigabytes 1.0] [--slice-mb 100]
    python benchmarks/scale.py --memory 100,500     # only: time and peak RSS per input size

Reference index: every AlpacaEval output except those of 8 held-out generators (~164k texts).
Candidates: outputs of the held-out generators, as OpenAI-style chat records, repeated (each
copy with its own id) until the file reaches the requested size. Every figure is a whole
process (`provcheck ...` as a user runs it), wall clock and peak RSS (of the largest process:
the main one or a worker). A scan's peak RSS should not depend on the input's size (results
are kept on disk) and its time should grow linearly with it: ``--memory`` measures both.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import PROVCHECK, alpacaeval, peak_rss, require_corpora, run, table, write_jsonl


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


def driver_rate(path: Path) -> dict[str, float]:
    """How fast one driver feeds workers: split JSON Lines, batch, pickle each batch (what a
    process pool or Ray sends). This bounds one scan's throughput whatever the cluster's size."""
    import pickle
    import time

    from provcheck.inputs import Limits, read_unparsed
    from provcheck.scan.engine import batched

    started = time.perf_counter()
    _, items = read_unparsed(str(path), str(path), Limits())
    records = 0
    for batch in batched(((str(path), item) for item in items), 256):
        records += len(batch)
        pickle.dumps(batch, protocol=5)
    seconds = time.perf_counter() - started
    return {"mb_per_s": path.stat().st_size / 2**20 / seconds, "records_per_s": records / seconds}


def report_stats(path: Path) -> dict[str, Any]:
    """The ``stats`` of a JSON report, read from its end (a large report is not parsed)."""
    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - (1 << 16)))
        tail = fh.read().decode("utf-8", "replace")
    found = re.search(r'"stats":(\{[^{}]*\})', tail)
    return json.loads(found.group(1)) if found else {}


def scan_sizes(
    rows: list[dict[str, Any]], held_out: set[str], index: Path, work: Path, sizes: list[float]
) -> list[dict[str, Any]]:
    """Scan candidate files of ``sizes`` MB with all cores, writing the JSON report."""
    out = []
    for mb in sizes:
        data = work / f"candidates-{mb:g}mb.jsonl"
        records = candidates(rows, held_out, data, int(mb * 2**20))
        report = work / f"candidates-{mb:g}mb.json"
        scan = ["scan", str(data), "-i", str(index), "-q", "--fail-on", "never"]
        rss, r = peak_rss([*PROVCHECK, *scan, "-f", "json", "-o", str(report)])
        assert r.code == 0, r.stderr
        stats = report_stats(report)
        size = data.stat().st_size / 2**20
        out.append(
            {
                "mb": size,
                "records": records,
                "matches": stats.get("matches"),
                "seconds": r.seconds,
                "seconds_per_100mb": r.seconds / size * 100,
                "peak_rss_mb": rss,
                "report_mb": report.stat().st_size / 2**20,
            }
        )
        data.unlink()
        report.unlink()
    return out


def print_sizes(runs: list[dict[str, Any]]) -> None:
    """The table of ``scan_sizes`` and how time and memory grow from the smallest to the largest."""
    print("\n## Time and peak memory by input size (all cores, JSON report written)\n")
    print(
        table(
            ["input MB", "records", "matches", "seconds", "s per 100 MB", "peak RSS MB", "report MB"],
            [
                [r[k] for k in ("mb", "records", "matches", "seconds", "seconds_per_100mb")]
                + [r["peak_rss_mb"], r["report_mb"]]
                for r in runs
            ],
        )
    )
    if len(runs) > 1:
        small, large = runs[0], runs[-1]
        print(
            f"\n{large['mb'] / small['mb']:.1f}x the input: time per MB x"
            f"{large['seconds_per_100mb'] / small['seconds_per_100mb']:.2f} (1.00 = linear), "
            f"peak RSS x{large['peak_rss_mb'] / small['peak_rss_mb']:.2f} (1.00 = independent of size)"
        )


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
    parser.add_argument(
        "--memory",
        metavar="MB,MB...",
        help="only scan candidate files of these sizes (MB) and report time and peak RSS per size",
    )
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
    if args.memory:
        index = work / "index"
        r = run(
            [*PROVCHECK, "index", "add", str(index), str(work / "refs.jsonl"), "--source", "alpacaeval", "-q"]
        )
        assert r.code == 0, r.stderr
        sizes = scan_sizes(rows, held_out, index, work, [float(x) for x in args.memory.split(",")])
        print_sizes(sizes)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "scale-memory.json").write_text(json.dumps({**results, "sizes": sizes}, indent=2))
        return

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
    results["driver"] = max((driver_rate(small) for _ in range(3)), key=lambda d: d["mb_per_s"])

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
        "cores_one_driver_feeds": results["driver"]["mb_per_s"] / per_core_mb,
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
    slice_2 = {
        "mb": results["scan_slice"]["mb"],
        "seconds": scan[2]["seconds"],
        "peak_rss_mb": scan[2]["peak_rss_mb"],
    }
    large_all = {"mb": big["gb"] * 1024, "seconds": big["seconds"], "peak_rss_mb": big["peak_rss_mb"]}
    for r in (slice_2, large_all):
        r["seconds_per_100mb"] = r["seconds"] / r["mb"] * 100
    print(
        f"\nfrom the {slice_2['mb']:.0f} MB slice (2 workers) to the {large_all['mb']:.0f} MB file: "
        f"time per MB x{large_all['seconds_per_100mb'] / slice_2['seconds_per_100mb']:.2f} (1.00 = linear), "
        f"peak RSS x{large_all['peak_rss_mb'] / slice_2['peak_rss_mb']:.2f} (1.00 = independent of size)"
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
                ["one driver feeds (MB/s, split + batch + pickle)", results["driver"]["mb_per_s"]],
                ["cores one driver keeps busy", results["model"]["cores_one_driver_feeds"]],
            ],
        )
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
