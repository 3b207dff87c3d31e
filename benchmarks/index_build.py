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
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import PROVCHECK, alpacaeval_rows, require_corpora, run, table, write_jsonl
from detection import Baseline


def build(index: Path, data: Path, workers: int) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, workers included) and system seconds of one
    `index add` (system time is mostly page faults: batches that take fresh pages show there)."""
    shutil.rmtree(index, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = run([*PROVCHECK, "index", "add", str(index), str(data), "--source", "ref", "-q", "-j", str(workers)])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert r.code == 0, r.stderr
    system = after.ru_stime - before.ru_stime
    return r.seconds, (after.ru_utime - before.ru_utime) + system, system


def worker_stages(batches: list[Any], spec: Any, config: Any) -> dict[str, float]:
    """The workers' part of ``FingerprintJob``, step by step (what it does, in its order)."""
    from provcheck.index.builder import Chunk
    from provcheck.ingest.add import _PROMPT_KINDS, _echoes, _ref
    from provcheck.inputs.schemas import to_turns
    from provcheck.matching.fingerprint import Fingerprinter, _token_hashes
    from provcheck.matching.normalize import tokenize

    clock = time.process_time
    out = dict.fromkeys(
        [
            "JSON parse (workers)",
            "record schema (workers)",
            "tokenize (workers)",
            "hash, shingle, anchors (workers)",
            "code stream (workers)",
            "prompt echoes (workers)",
            "encode chunk (workers)",
        ],
        0.0,
    )
    fingerprinter = Fingerprinter(config, literal=False, codes=False)  # as FingerprintJob: not stored
    for batch in batches:
        started = clock()
        raws = [item.parse(spec.path) for item in batch]
        out["JSON parse (workers)"] += clock() - started
        started = clock()
        records = [to_turns(raw.data, raw.location(spec.path), spec.options) for raw in raws]
        turns = [
            (
                t,
                _ref(r.id or "", "ref", t, spec.path, i),
                [p.text for p in r.turns if p.kind in _PROMPT_KINDS],
            )
            for i, r in enumerate(records)
            for t in r.turns
            if spec.roles.accepts(t)
        ]
        out["record schema (workers)"] += clock() - started
        # Fingerprinter.with_tokens, step by step.
        texts = [t.text for t, _, _ in turns]
        started = clock()
        tokens = tokenize(texts)
        out["tokenize (workers)"] += clock() - started
        started = clock()
        th = _token_hashes(tokens)
        prints = fingerprinter._from_token_hashes(th, tokens.bounds, len(texts))
        out["hash, shingle, anchors (workers)"] += clock() - started
        started = clock()
        if fingerprinter.config.code:
            fingerprinter._add_code(prints, texts, tokens, th)
        out["code stream (workers)"] += clock() - started
        started = clock()
        starts = [0]
        for _, _, p in turns:
            starts.append(starts[-1] + len(p))
        codes = fingerprinter.codes_of([p for _, _, ps in turns for p in ps])
        echo = [_echoes(fp.tokens, codes[starts[i] : starts[i + 1]]) for i, fp in enumerate(prints)]
        out["prompt echoes (workers)"] += clock() - started
        started = clock()
        Chunk.build(
            [fp.key for fp in prints],
            [t.text for t, _, _ in turns],
            [fp.anchors for fp in prints],
            [fp.tokens for fp in prints],
            echo,
            [ref for _, ref, _ in turns],
        )
        out["encode chunk (workers)"] += clock() - started
    return out


def stages(data: Path, work: Path) -> dict[str, float]:
    """CPU seconds of each stage of `index add`, in this process (``time.process_time``).

    As ``index add -j 2`` runs: the main process cuts the file into ranges of a batch
    (``ingest.ranges``), receives the chunks and builds the shard whatever the workers; the
    workers read their ranges' lines and fingerprint them (parse records, tokenize,
    fingerprint, encode the chunk). The main process's share bounds what more workers can
    give. (With ``-j 1`` the one process reads the lines itself, through the reader.)
    """
    import pickle

    from provcheck.index.writer import IndexWriter
    from provcheck.ingest.add import _BATCH_RECORDS, AddSpec, FingerprintJob
    from provcheck.ingest.ranges import line_ranges, plain_start, read_range
    from provcheck.inputs import InputSource, Limits
    from provcheck.model import SourceInfo, SourceName

    out: dict[str, float] = {}
    clock = time.process_time
    started = clock()
    start = plain_start(str(data))
    assert start is not None
    units = list(line_ranges(InputSource(str(data), str(data), Limits()), start, _BATCH_RECORDS))
    out["cut ranges (main)"] = clock() - started
    started = clock()
    batches: list[Any] = []
    for unit in units:
        got = read_range(unit, str(data), str(data), Limits())
        assert got is not None
        batches.append(got[0])
    out["read range lines (workers)"] = clock() - started
    with IndexWriter(str(work / "stages")) as writer:
        spec = AddSpec(path=str(data), source=SourceInfo(name=SourceName("ref")))
        run = FingerprintJob(writer.config, spec)()
        out.update(worker_stages(batches, spec, writer.config))
        results = [run(b) for b in batches]
        started = clock()
        for r in results:
            pickle.loads(pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL))
        out["results across processes (main + workers)"] = clock() - started
        started = clock()
        builder = writer.new_shard()
        for r in results:
            builder.add_chunk(r.chunk)
        writer.seal(builder)
        out["shard build and write (main)"] = clock() - started
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-docs", type=int, default=5000)
    parser.add_argument("--workers", default="1,2", help="worker counts to time (default 1,2)")
    parser.add_argument("--stage-docs", type=int, default=30_000, help="documents of the stage breakdown")
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
    started, cpu = time.perf_counter(), time.process_time()
    for d in sample:
        base.insert(d["id"], d["text"])
    base_rate = len(sample) / (time.perf_counter() - started)
    base_cpu_rate = len(sample) / (time.process_time() - cpu)

    # ---- provcheck, whole processes
    index = work / "index"
    rates: dict[int, float] = {}
    cpu_rates: dict[int, float] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        runs = [build(index, data, workers) for _ in range(args.repeat)]
        rates[workers] = len(docs) / statistics.median(t for t, _, _ in runs)
        cpu_rates[workers] = len(docs) / statistics.median(c for _, c, _ in runs)
        print(
            f"-j {workers}: {', '.join(f'{t:.2f} s ({c:.2f} CPU s, {s:.2f} system)' for t, c, s in runs)}",
            file=sys.stderr,
        )

    from provcheck.index import ReferenceIndex

    os.environ["PROVCHECK_CACHE_DIR"] = str(work / "cache")  # the user's stamps are not this run's

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
    # On a shared machine wall clock moves with other load; CPU seconds much less, so the
    # anchor is compared both ways.
    rows: list[list[object]] = [
        [f"naive datasketch anchor (same run, {len(sample):,} docs)", base_rate, 1.0, "", base_cpu_rate, 1.0]
    ]
    one = rates.get(1)
    for workers, rate in rates.items():
        scaling = f"{rate / one:.2f}x one worker" if one and workers != 1 else ""
        cpu_rate = cpu_rates[workers]
        rows.append(
            [
                f"provcheck index add -j {workers}",
                rate,
                rate / base_rate,
                scaling,
                cpu_rate,
                cpu_rate / base_cpu_rate,
            ]
        )
    headers = ["", "docs/s (wall)", "x anchor", "scaling", "docs per CPU-second", "x anchor (CPU)"]
    print(table(headers, rows))
    print(
        f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)"
    )
    print(f"\n## Index on disk: {refs:,} references, {idx.size_on_disk() / 2**20:,.1f} MiB\n")
    size_rows: list[list[object]] = [[name, size / refs] for name, size in components.items()]
    size_rows.append(["total", idx.size_on_disk() / refs])
    print(table(["component", "bytes per reference"], size_rows))
    print(f"\nopen (in process, verified stamps cached): {statistics.median(opens[1:]) * 1000:.1f} ms")
    cut = Path(work / "stages.jsonl")
    with open(data, encoding="utf-8") as src, open(cut, "w", encoding="utf-8") as dst:
        for _, line in zip(range(args.stage_docs), src, strict=False):
            dst.write(line)
    parts = stages(cut, work)
    print(f"\n## Stages, CPU seconds per 10,000 documents (in process, {args.stage_docs:,} documents)\n")
    total = sum(parts.values())
    print(
        table(
            ["stage", "CPU s / 10k docs", "share"],
            [[k, v * 10_000 / args.stage_docs, f"{v / total:.0%}"] for k, v in parts.items()],
        )
    )


if __name__ == "__main__":
    main()
