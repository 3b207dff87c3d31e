"""`provcheck index add` speed against the naive datasketch anchor, scaling to two workers, and
the index's size on disk by component.

    python benchmarks/index_build.py [--docs 150000] [--repeat 3] [--baseline-docs 5000]

References: the first ``--docs`` non-blank AlpacaEval outputs (``{"id", "text"}`` JSON Lines).
provcheck runs as a user runs it: ``provcheck index add`` as its own process, start-up
included, with ``-j 1`` and ``-j 2``; the median of ``--repeat`` runs. The anchor is what most
users write with datasketch (``benchmarks/detection.py``'s ``Baseline``: word 5-grams,
``MinHash(num_perm=128)`` updated shingle by shingle, ``MinHashLSH(threshold=0.5)`` insert),
timed in this process on ``--baseline-docs`` documents spread evenly over the same texts (its
cost is per document, so a sample gives its rate; the whole corpus would take ~6 minutes).
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import PROVCHECK, alpacaeval_rows, require_corpora, run, table, write_jsonl
from detection import Baseline


def build(index: Path, data: Path, workers: int) -> float:
    shutil.rmtree(index, ignore_errors=True)
    r = run([*PROVCHECK, "index", "add", str(index), str(data), "--source", "ref", "-q", "-j", str(workers)])
    assert r.code == 0, r.stderr
    return r.seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-docs", type=int, default=5000)
    parser.add_argument("--workers", default="1,2", help="worker counts to time (default 1,2)")
    args = parser.parse_args()
    require_corpora()
    work = Path(tempfile.mkdtemp(prefix="provcheck-index-bench-"))
    atexit.register(shutil.rmtree, work, True)
    docs = []
    for row in alpacaeval_rows():
        if row["output"].strip():
            docs.append({"id": f"{row['generator']}/{len(docs)}", "text": row["output"]})
            if len(docs) == args.docs:
                break
    data = write_jsonl(work / "refs.jsonl", docs)
    print(
        f"{len(docs):,} AlpacaEval outputs, {data.stat().st_size / 2**20:,.1f} MiB of JSON Lines",
        file=sys.stderr,
    )

    # ---- naive datasketch anchor, same process, a sample of the same texts
    step = max(1, len(docs) // args.baseline_docs)
    sample = docs[::step][: args.baseline_docs]
    base = Baseline()
    started = time.perf_counter()
    for d in sample:
        base.insert(d["id"], d["text"])
    base_rate = len(sample) / (time.perf_counter() - started)

    # ---- provcheck, whole processes
    index = work / "index"
    rates: dict[int, float] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        times = [build(index, data, workers) for _ in range(args.repeat)]
        rates[workers] = len(docs) / statistics.median(times)
        print(f"-j {workers}: {', '.join(f'{t:.2f}' for t in times)} s", file=sys.stderr)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from provcheck.index import ReferenceIndex

    time.sleep(3)  # files younger than integrity.RACY_SECONDS are verified on every open
    opens = []
    for _ in range(7):
        started = time.perf_counter()
        idx = ReferenceIndex(str(index))
        opens.append(time.perf_counter() - started)
    refs = sum(s.refs for s in idx.manifest.shards)
    components = idx.size_by_component()

    print(
        f"\n## `provcheck index add`, {len(docs):,} AlpacaEval outputs "
        f"(whole process, median of {args.repeat})\n"
    )
    rows: list[list[object]] = [
        [f"naive datasketch anchor (same run, {len(sample):,} docs)", base_rate, 1.0, ""]
    ]
    one = rates.get(1)
    for workers, rate in rates.items():
        scaling = f"{rate / one:.2f}x one worker" if one and workers != 1 else ""
        rows.append([f"provcheck index add -j {workers}", rate, rate / base_rate, scaling])
    print(table(["", "docs/s", "x anchor", ""], rows))
    print(f"\n## Index on disk: {refs:,} references, {idx.size_on_disk() / 2**20:,.1f} MiB\n")
    size_rows: list[list[object]] = [[name, size / refs] for name, size in components.items()]
    size_rows.append(["total", idx.size_on_disk() / refs])
    print(table(["component", "bytes per reference"], size_rows))
    print(f"\nopen (in process, verified stamps cached): {statistics.median(opens[1:]) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
