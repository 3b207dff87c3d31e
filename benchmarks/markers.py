"""Cost of model-output marker scanning per record, on real model outputs.

    python benchmarks/markers.py [--records 20000]

Records: AlpacaEval rows as ShareGPT-like records (the instruction as the user turn, the
output as the model's turn), ~1 KB of text per turn. Measured in this process: the shipped
markers pack (``provcheck:markers``) compiled into provcheck's ``MarkerScanner`` (one RE2 set
for every marker, then per-marker spans only where the set says a marker occurs), against the
same markers as one Python ``re`` alternation (what the scanner would cost with the standard
library). Also reports how many records carry a marker and the most frequent markers.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter

from common import alpacaeval, require_corpora, table
from provcheck.model import ContentHash, Location, Record, RoleKind, Turn
from provcheck.policy import load_policy
from provcheck.policy.loader import pack_path
from provcheck.policy.markers import MarkerScanner, MarkerSpec


def records(rows: list[dict[str, str]]) -> list[Record]:
    """Two-turn records from AlpacaEval rows."""
    out = []
    for i, row in enumerate(rows):
        turns = (
            Turn("human", RoleKind.USER, 0, "conversations[0].value", row["instruction"]),
            Turn("gpt", RoleKind.ASSISTANT, 1, "conversations[1].value", row["output"]),
        )
        out.append(
            Record(Location("alpacaeval.jsonl", i, i + 1), None, "sharegpt", turns, ContentHash(str(i)))
        )
    return out


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    require_corpora()
    rows, _ = alpacaeval()
    recs = records(rows[: args.records])
    chars = sum(len(t.text) for r in recs for t in r.turns)
    policy = load_policy(str(pack_path("markers")))
    specs = [MarkerSpec.of(m) for m in policy.markers]

    started = time.perf_counter()
    scanner = MarkerScanner(specs)
    compile_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    hits = []
    for start in range(0, len(recs), 256):  # the engine's batch size
        hits += scanner.records(recs[start : start + 256])
    re2_s = time.perf_counter() - started

    # Python's re takes inline global flags only at the start: (?m) becomes re.MULTILINE.
    parts = [f"(?{'-' if s.case_sensitive else ''}i:{s.pattern.removeprefix('(?m)')})" for s in specs]
    alternation = re.compile("|".join(parts), re.MULTILINE)
    started = time.perf_counter()
    re_hits = 0
    for r in recs:
        for t in r.turns:
            re_hits += sum(1 for _ in alternation.finditer(t.text))
    re_s = time.perf_counter() - started

    marked = len({h.record.location.index for h in hits})
    per_marker = Counter(h.marker for h in hits)
    print(f"{len(recs):,} records, {chars / len(recs):,.0f} characters per record, {len(specs)} markers")
    print(
        table(
            ["scanner", "total s", "µs / record", "records / s"],
            [
                [
                    "provcheck (RE2 set)",
                    f"{re2_s:.2f}",
                    f"{re2_s / len(recs) * 1e6:.1f}",
                    f"{len(recs) / re2_s:,.0f}",
                ],
                [
                    "Python re alternation",
                    f"{re_s:.2f}",
                    f"{re_s / len(recs) * 1e6:.1f}",
                    f"{len(recs) / re_s:,.0f}",
                ],
            ],
        )
    )
    share = marked / len(recs)
    print(f"compile: {compile_ms:.1f} ms per process; records with a marker: {marked:,} ({share:.1%})")
    print("most frequent markers: " + ", ".join(f"{m} {n:,}" for m, n in per_marker.most_common(6)))


if __name__ == "__main__":
    main()
