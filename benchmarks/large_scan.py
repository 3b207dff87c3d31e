"""A one-worker scan against a large index: issue 17's 150k-reference / 20k-record workload.

    python benchmarks/large_scan.py [--held-out 8] [--answers 16000] [--copies 4000]
                                    [--rounds 3] [--workdir DIR | --keep] [--no-stages]

Reference index: every AlpacaEval output but those of ``--held-out`` generators (the last in
name order; ~150k texts with 8), built once with ``provcheck index add`` and reused from
``--workdir``. Candidates, OpenAI-style chat records (the instruction as the user turn, an
answer as the assistant turn):

- ``--answers`` answers of the held-out generators, drawn with repetition (each with its own
  id): independent answers to prompts the index also answers, the common case of a scan;
- ``--copies`` indexed outputs with 5% of their words replaced (``edits.word_edits``), with
  their instruction: copies a scan must find.

``--per-generator`` indexes each generator as its own source (the authors the convergence
rules count); by default all are one source, as a dump of many models' outputs would be.

Every scan is a whole process, ``provcheck scan ... -j 1 --no-cache -f json`` as a user runs
it: wall clock, CPU seconds (user + sys, of the process and its children) and records per
second of each, over ``--rounds`` runs (medians). Then how many copies were found (recall at
this scale, a check that the figures are of a scan that works) and how many answers matched,
and, unless ``--no-stages``, where one more (profiled) scan's time goes (``stages.py``).
Issue 17's target: >= 2,500 records per second on this workload, one worker.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PROVCHECK, alpacaeval, require_corpora, run, table, write_jsonl
from edits import word_edits
from stages import breakdown, table_rows

SCAN_OPTIONS = ("--workers", "1", "--no-cache", "-q", "--fail-on", "never", "-f", "json")


def build(
    work: Path, held: int, answers: int, copies: int, seed: int, per_generator: bool
) -> tuple[Path, Path, dict[str, int]]:
    """The index (reused when present) and the candidate file; the copies' ids by target."""
    rows, _ = alpacaeval()
    generators = sorted({r["generator"] for r in rows})
    held_out = set(generators[-held:])
    refs = [
        {"id": f"{r['generator']}/{i}", "instruction": r["instruction"], "output": r["output"]}
        for i, r in enumerate(rows)
        if r["generator"] not in held_out and r["output"].strip()
    ]
    index = work / ("index-per-generator" if per_generator else "index")
    if not (index / "manifest.json").exists():
        started = time.perf_counter()
        if per_generator:
            # One source per generator (``index build`` from a manifest): the authors the
            # convergence rules count are the models, not the benchmark's file.
            (work / "by-generator").mkdir(exist_ok=True)
            by: dict[str, list[dict[str, str]]] = {}
            for r in refs:
                by.setdefault(r["id"].rsplit("/", 1)[0], []).append(r)
            entries = [
                {"path": str(write_jsonl(work / "by-generator" / f"{g}.jsonl", rs).resolve()), "source": g}
                for g, rs in sorted(by.items())
            ]
            (work / "sources.yaml").write_text(json.dumps({"sources": entries}), encoding="utf-8")
            done = run(
                [*PROVCHECK, "index", "build", str(index), "--sources", str(work / "sources.yaml"), "-q"]
            )
        else:
            write_jsonl(work / "refs.jsonl", refs)
            done = run(
                [
                    *PROVCHECK,
                    "index",
                    "add",
                    str(index),
                    str(work / "refs.jsonl"),
                    "--source",
                    "alpacaeval",
                    "-q",
                ]
            )
        if done.code != 0:
            sys.exit(done.stderr)
        print(
            f"index of {len(refs):,} references built in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
    rng = random.Random(seed)
    pool = [r for r in rows if r["generator"] in held_out and r["output"].strip()]
    vocab = sorted({w for r in refs[:5000] for w in r["output"].split()})
    out: list[dict[str, object]] = []
    for n in range(answers):
        r = rng.choice(pool)
        out.append({"id": f"answer/{n}", "messages": _chat(r["instruction"], r["output"])})
    targets: dict[str, int] = {}
    for n in range(copies):
        r = rng.choice(refs)
        cid = f"copy/{n}"
        targets[cid] = 1
        out.append(
            {"id": cid, "messages": _chat(r["instruction"], word_edits(r["output"], rng, 0.05, vocab))}
        )
    rng.shuffle(out)
    candidates = write_jsonl(work / "candidates.jsonl", out)
    return index, candidates, targets


def _chat(instruction: str, answer: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": instruction}, {"role": "assistant", "content": answer}]


def scan(index: Path, candidates: Path, report: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one whole scan process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [*PROVCHECK, "scan", str(candidates), "-i", str(index), *SCAN_OPTIONS, "-o", str(report)],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"scan failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--held-out", type=int, default=8, help="generators left out of the index")
    parser.add_argument("--answers", type=int, default=16000)
    parser.add_argument("--copies", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--workdir", help="reuse (or create) this directory: the index is built once")
    parser.add_argument("--keep", action="store_true", help="keep the temporary working directory")
    parser.add_argument("--no-stages", action="store_true", help="skip the profiled scan")
    parser.add_argument(
        "--per-generator",
        action="store_true",
        help="one source per generator (index build from a manifest), not one source for all",
    )
    args = parser.parse_args()
    require_corpora()
    if args.workdir:
        work = Path(args.workdir)
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="provcheck-large-"))
        if not args.keep:
            atexit.register(shutil.rmtree, work, True)
    print(f"working in {work}", file=sys.stderr)
    index, candidates, targets = build(
        work, args.held_out, args.answers, args.copies, args.seed, args.per_generator
    )
    records = args.answers + args.copies
    report = work / "scan.json"
    walls, cpus = [], []
    for n in range(args.rounds):
        wall, cpu = scan(index, candidates, report)
        walls.append(wall)
        cpus.append(cpu)
        print(
            f"round {n + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU, load {os.getloadavg()[0]:.1f}",
            file=sys.stderr,
        )
    doc = json.loads(report.read_text(encoding="utf-8"))
    found: set[str] = set()
    answered: set[str] = set()
    blockable: set[str] = set()
    for m in doc["matches"]:
        rid = m["record"]["id"]
        explained = (m.get("strength") or {}).get("explained")
        if rid in targets and not explained:
            found.add(rid)
        elif rid not in targets and not explained:
            answered.add(rid)
            if (m.get("strength") or {}).get("can_block"):
                blockable.add(rid)
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    refs = sum(s["texts"] for s in manifest["shards"])
    sources = len(manifest["sources"])
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"\n## One-worker scan: {records:,} chat records against {refs:,} indexed texts\n")
    print(
        table(
            ["figure", "value"],
            [
                ["records per second, wall clock (median)", f"{records / wall:,.0f}"],
                ["records per CPU second (median)", f"{records / cpu:,.0f}"],
                ["wall seconds per round", ", ".join(f"{w:.2f}" for w in walls)],
                ["CPU seconds per round", ", ".join(f"{c:.2f}" for c in cpus)],
                ["copies (5% word edits) with a verified match", f"{len(found):,} of {len(targets):,}"],
                ["held-out answers with a verified match", f"{len(answered):,} of {args.answers:,}"],
                ["held-out answers with a match that can block", f"{len(blockable):,} of {args.answers:,}"],
                ["sources in the index", f"{sources:,}"],
                ["issue 17's target", ">= 2,500 records/s"],
                ["load average (1, 5, 15 min) at the end", ", ".join(f"{x:.2f}" for x in os.getloadavg())],
            ],
        )
    )
    if not args.no_stages:
        rows = breakdown(
            [
                *PROVCHECK,
                "scan",
                str(candidates),
                "-i",
                str(index),
                *SCAN_OPTIONS,
                "-o",
                str(work / "profiled.json"),
            ]
        )
        print("\n## Where the time goes (one profiled scan; shares spread over the median CPU time)\n")
        print(table(["stage", "share", "µs per record"], table_rows(rows, records, cpu)))


if __name__ == "__main__":
    main()
