"""The compiled alignment against the pure-Python path, on the pairs a real scan aligns.

    python benchmarks/align_compiled.py DATA... -i INDEX [--rounds 3] [scan options]

Runs the scan in this process with one worker and records every pair the matcher aligns on
plain codes (``align_bounds.record``), then checks that the compiled passes
(``_align.passes_chained``) equal the pure ``verify._passes`` on every pair, and replays the
pairs through ``verify.align`` on both paths (interleaved rounds, CPU seconds), checking that
every alignment is the same. Whole-scan figures are interleaved A/B runs of the CLI
(docs/matching.md, "One compiled function for the alignment passes").
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from align_bounds import record
from provcheck.matching import verify
from provcheck.matching.compiled import ALIGN, ALIGNMENT


def main() -> None:
    argv = sys.argv[1:]
    rounds = 3
    if "--rounds" in argv:
        at = argv.index("--rounds")
        rounds = int(argv[at + 1])
        del argv[at : at + 2]
    if ALIGN is None:
        sys.exit(f"nothing to compare: {ALIGNMENT}")
    with tempfile.TemporaryDirectory() as tmp:
        report = str(Path(tmp) / "report.json")
        options = ["-f", "json", "-o", report, "--no-cache", "--fail-on", "never"]
        pairs, config = record(["scan", *argv, *options])
    print(f"{len(pairs)} pairs recorded, {sum(p[3] for p in pairs)} pass", file=sys.stderr)
    for cand, ref, *_ in pairs:
        if ALIGN.passes_chained(cand, ref, config.gap_penalty) != verify._passes(cand, ref, config):
            sys.exit("the compiled passes differ from the pure path on a recorded pair")
    times: dict[str, list[float]] = {"pure": [], "compiled": []}
    results: dict[str, list[verify.Alignment | None]] = {}
    for n in range(rounds):
        for name in ("pure", "compiled")[:: 1 if n % 2 else -1]:
            verify.ALIGN = None if name == "pure" else ALIGN  # type: ignore[assignment]
            started = time.process_time()
            found = [verify.align(c, r, config, echoes) for c, r, echoes, _, _ in pairs]
            times[name].append(time.process_time() - started)
            results[name] = found
    verify.ALIGN = ALIGN  # type: ignore[assignment]
    same = results["pure"] == results["compiled"]
    for name, seconds in times.items():
        print(f"{name:9s} CPU s in align over {rounds} rounds: " + ", ".join(f"{s:.3f}" for s in seconds))
    print(f"alignments identical on every pair: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
