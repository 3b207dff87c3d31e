"""Peak memory of reading JSON shapes, and the cost of a record of very many fields.

    python benchmarks/json_memory.py [--records 89000] [--fields 1500000] [--src DIR]

Synthetic records (an id, a 30-word instruction and a 120-word output, about 0.9 KB each) are
written as a top-level array, as a one-line ``{"version": 1, "data": [...]}`` wrapper and as
an indented wrapper; each file is read to its end by provcheck's reader in a fresh process,
whose peak RSS and time are printed. Then one JSON Lines record of ``--fields`` tiny fields
between two ordinary records is scanned (``provcheck scan``, one worker) against an index of
the bundled demo sources. ``--src DIR`` runs the provcheck sources in DIR/src instead (an
older checkout) to compare. No corpora needed.

Measured 2026-12-05 (2 shared cores), 89,000 records (80 MB files): before, the array 27 MB,
either wrapper 216 MB; after, all three 26-27 MB. The 27 MB record of 1.5 million fields:
before 76 s and 1.76 GB peak RSS (1.5 million turns matched); after 0.3 s and 105 MB (a
located limit error: more than 100,000 strings).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from common import PROVCHECK, ROOT, peak_rss, table

READ = """
import sys, time
from provcheck.inputs import Limits, read
t = time.perf_counter()
_, items = read(sys.argv[1], sys.argv[1], Limits())
n = sum(1 for i in items if hasattr(i, "data"))
print(n, round(time.perf_counter() - t, 2))
"""


def records(n: int) -> list[dict[str, str]]:
    rng = random.Random(1)
    words = [
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "lazy",
        "dog",
        "model",
        "data",
        "train",
        "output",
        "answer",
        "question",
    ]
    return [
        {
            "id": f"r{i}",
            "instruction": " ".join(rng.choices(words, k=30)),
            "output": " ".join(rng.choices(words, k=120)),
        }
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=89_000)
    parser.add_argument("--fields", type=int, default=1_500_000)
    parser.add_argument("--src", type=Path, default=None, help="run the provcheck sources in SRC/src")
    args = parser.parse_args()
    if args.src is not None:
        os.environ["PYTHONPATH"] = str(args.src.resolve() / "src")
    with tempfile.TemporaryDirectory(prefix="provcheck-json-memory-") as tmp:
        work = Path(tmp)
        rows = records(args.records)
        shapes = {
            "array": lambda fh: json.dump(rows, fh),
            "wrapper, one line": lambda fh: json.dump({"version": 1, "data": rows}, fh),
            "wrapper, indented": lambda fh: json.dump({"version": 1, "data": rows}, fh, indent=1),
        }
        out = []
        for i, (name, write) in enumerate(shapes.items()):
            path = work / f"shape{i}.json"
            with open(path, "w", encoding="utf-8") as fh:
                write(fh)
            rss, run = peak_rss([sys.executable, "-c", READ, str(path)])
            count, seconds = run.stdout.split()
            out.append([name, round(path.stat().st_size / 2**20), int(count), float(seconds), round(rss)])
        print(table(["shape", "file MB", "records read", "seconds", "peak RSS MB"], out))
        index = work / "index"
        subprocess.run(
            [
                *PROVCHECK,
                "index",
                "build",
                str(index),
                "--sources",
                str(ROOT / "fixtures/demo/sources.yaml"),
                "-q",
            ],
            check=True,
        )
        wide = work / "wide.jsonl"
        with open(wide, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"id": "a", "text": "an ordinary record"}) + "\n")
            fh.write(json.dumps({f"f{i}": f"v{i % 97}" for i in range(args.fields)}) + "\n")
            fh.write(json.dumps({"id": "b", "text": "another ordinary record"}) + "\n")
        rss, run = peak_rss([*PROVCHECK, "scan", str(wide), "-i", str(index), "-j", "1", "--no-cache"])
        said = [line for line in run.stderr.splitlines() if "limit" in line or "scanned" in line]
        size = round(wide.stat().st_size / 2**20)
        print(
            f"\none record of {args.fields:,} fields ({size} MB): {run.seconds:.1f} s, peak RSS {rss:.0f} MB"
        )
        print("\n".join(said))


if __name__ == "__main__":
    main()
