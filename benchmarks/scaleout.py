"""Readers on the workers: what reaches the driver of a Ray scan, before and after.

    python benchmarks/scaleout.py [--files 12] [--file-mb 1] [--big-mb 4] [--split-mb 1]
                                  [--nodes 3] [--cpus 1] [--refs 20000]

A local multi-node Ray cluster (``ray.cluster_utils.Cluster``: a head and ``--nodes - 1``
worker nodes of ``--cpus`` CPUs each, all on this machine) scans many JSON Lines files and one
large file (read in ``--split-mb`` byte ranges) against an index of AlpacaEval outputs, twice:

- **driver reading** (before): the driver reads every file, splits lines and sends batches of
  records to the actors (``engine._read_and_match``, the path of earlier versions);
- **worker reading** (after): the driver sends work descriptions and the actors read the files
  themselves (``scan.remote``).

Measured in the driver process, for each: wall seconds; CPU seconds of the driver process
(``getrusage``: its own threads, Ray's included) and their share of the wall time; bytes the
driver received from the actors (the pickled results, protocol 5: what Ray moves); bytes the
driver process read (``/proc/self/io`` ``rchar``: files and sockets). Then whether the two
runs gave the same matches, finding ids and file summaries. Candidates are held-out
generators' outputs (many match: a cautious case for the bytes sent back).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import pickle
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import PROVCHECK, alpacaeval, require_corpora, run, table, write_jsonl
from scale import candidates


def _rchar() -> int:
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measured_scan(index: Path, data: Path, address: str, workers: int, driver_reads: bool) -> dict[str, Any]:
    """One scan in this process on the cluster at ``address``, with the driver instrumented."""
    from provcheck.api import resolve, scan_paths
    from provcheck.runtime import executors
    from provcheck.runtime.progress import NullProgress
    from provcheck.scan import engine

    received = [0, 0]
    original_map = executors.RayPool.map

    def counting_map(self: Any, batches: Any) -> Any:
        for out in original_map(self, batches):
            received[0] += len(pickle.dumps(out, protocol=5))
            found = getattr(out, "matches", ())
            received[1] += len(pickle.dumps(found, protocol=5)) if found else 0
            yield out

    original_remote = engine.scan_on_workers
    executors.RayPool.map = counting_map  # type: ignore[method-assign]
    if driver_reads:
        engine.scan_on_workers = lambda files, recipe, options, tally, progress: engine._read_and_match(  # type: ignore[assignment]
            files, recipe, options, tally, progress
        )
    try:
        settings = resolve(None, index=str(index), engine="ray", address=address, workers=workers)
        cpu, rchar, wall = _cpu(), _rchar(), time.perf_counter()
        result, _ = scan_paths(settings, [str(data)], NullProgress(), {}, None)
        wall, cpu, rchar = time.perf_counter() - wall, _cpu() - cpu, _rchar() - rchar
    finally:
        executors.RayPool.map = original_map  # type: ignore[method-assign]
        engine.scan_on_workers = original_remote
    input_bytes = sum(p.stat().st_size for p in data.rglob("*.jsonl"))
    return {
        "reading": "driver (before)" if driver_reads else "workers (after)",
        "input_mb": input_bytes / 2**20,
        "records": result.stats.records,
        "matches": len(result.matches),
        "seconds": wall,
        "driver_cpu_s": cpu,
        "driver_cpu_share": cpu / wall,
        "driver_cpu_s_per_mb": cpu / (input_bytes / 2**20),
        "received_bytes": received[0],
        "received_per_input_mb": received[0] / (input_bytes / 2**20),
        "received_share": received[0] / input_bytes,
        "received_other_per_input_mb": (received[0] - received[1]) / (input_bytes / 2**20),
        "received_other_share": (received[0] - received[1]) / input_bytes,
        "rchar_per_input_mb": rchar / (input_bytes / 2**20),
        "identity": (
            [m.id for m in result.matches],
            [(m.record.location.path, m.record.location.index) for m in result.matches],
            [f.id for f in result.findings],
            [(f.path, f.records, f.errors, f.sha256) for f in result.files],
        ),
    }


def unrelated(rows: list[dict[str, Any]], held_out: set[str], path: Path, size: int) -> int:
    """Records that match nothing in the index: each instruction with a number, repeated."""
    count = written = 0
    with open(path, "w", encoding="utf-8") as fh:
        while written < size:
            for r in rows:
                line = json.dumps({"id": f"u{count}", "text": f"{r['instruction']} ({count})"}) + "\n"
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
    parser.add_argument("--files", type=int, default=12, help="small files (each read whole by one actor)")
    parser.add_argument("--file-mb", type=float, default=1.0)
    parser.add_argument("--big-mb", type=float, default=4.0, help="one large file, read in byte ranges")
    parser.add_argument("--split-mb", type=float, default=1.0, help="byte range size for the large file")
    parser.add_argument("--nodes", type=int, default=3, help="Ray nodes (the head included)")
    parser.add_argument("--cpus", type=int, default=1, help="CPUs per node")
    parser.add_argument("--refs", type=int, default=20000, help="reference texts in the index")
    parser.add_argument(
        "--unrelated",
        action="store_true",
        help="candidates that do not match: the instructions alone (the index holds the answers), "
        "to see the driver's cost without matches",
    )
    parser.add_argument("--out", default="build/bench")
    args = parser.parse_args()
    require_corpora()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a throwaway local cluster: no token in ~/.ray
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    work = Path(tempfile.mkdtemp(prefix="provcheck-scaleout-"))
    atexit.register(shutil.rmtree, work, True)
    rows, _ = alpacaeval()
    held_out = set(sorted({r["generator"] for r in rows})[-8:])
    refs = [
        {"id": f"{r['generator']}/{i}", "instruction": r["instruction"], "output": r["output"]}
        for i, r in enumerate(rows)
        if r["generator"] not in held_out and r["output"].strip()
    ][: args.refs]
    write_jsonl(work / "refs.jsonl", refs)
    index = work / "index"
    r = run(
        [*PROVCHECK, "index", "add", str(index), str(work / "refs.jsonl"), "--source", "alpacaeval", "-q"]
    )
    assert r.code == 0, r.stderr
    data = work / "data"
    data.mkdir()
    make = unrelated if args.unrelated else candidates
    for i in range(args.files):
        make(rows, held_out, data / f"part-{i:03d}.jsonl", int(args.file_mb * 2**20))
    make(rows, held_out, data / "big.jsonl", int(args.big_mb * 2**20))

    import ray
    from ray.cluster_utils import Cluster

    from provcheck.index import ReferenceIndex
    from provcheck.scan import remote

    time.sleep(3)  # past the index's "racy" window: its files are verified once, here, not in a run
    ReferenceIndex(str(index))

    remote.SPLIT_BYTES = int(args.split_mb * 2**20)
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": args.cpus, "include_dashboard": False},
    )
    for _ in range(args.nodes - 1):
        cluster.add_node(num_cpus=args.cpus)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False, logging_level="ERROR")
    try:
        workers = args.nodes * args.cpus
        before = measured_scan(index, data, cluster.address, workers, driver_reads=True)
        after = measured_scan(index, data, cluster.address, workers, driver_reads=False)
    finally:
        ray.shutdown()
        cluster.shutdown()
    identical = before.pop("identity") == after.pop("identity")
    cols = [
        ("reading", "reading"),
        ("seconds", "wall s"),
        ("driver_cpu_s", "driver CPU s"),
        ("driver_cpu_share", "driver CPU / wall"),
        ("driver_cpu_s_per_mb", "driver CPU s per input MB"),
        ("received_per_input_mb", "bytes received per input MB"),
        ("received_share", "received / input bytes"),
        ("received_other_share", "received, matches left out / input bytes"),
        ("rchar_per_input_mb", "bytes read by driver per input MB"),
    ]
    print(
        f"\n## {args.nodes} Ray nodes x {args.cpus} CPU, {before['input_mb']:.1f} MB "
        f"in {args.files + 1} files "
        f"({before['records']:,} records, {before['matches']:,} matches), index of {len(refs):,} texts\n"
    )
    print(table([c[1] for c in cols], [[run_[k] for k, _ in cols] for run_ in (before, after)]))
    print(
        "\n(received: the pickled results the driver got from the actors; most of it is the "
        "matches themselves, with both texts and the aligned evidence, which any report needs)"
    )
    print(f"\nresults identical (match ids and places, finding ids, file summaries): {identical}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = {"args": vars(args), "before": before, "after": after, "identical": identical}
    (out / ("scaleout-unrelated.json" if args.unrelated else "scaleout.json")).write_text(
        json.dumps(summary, indent=2)
    )
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
