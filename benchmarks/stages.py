"""Where a scan's time goes: one scan run under cProfile, its CPU time grouped into stages.

    stages = breakdown([*PROVCHECK, "scan", ..., "--workers", "1"])

The scan runs as its own process (one worker, so every stage runs in it) under cProfile. The
profiler slows Python-heavy code more than code in C (numpy, rapidfuzz), and on a loaded
machine its clock counts waiting too, so only the *shares* are used: the caller spreads the
CPU time of an unprofiled run of the same scan over them (``per_record``). Stages are the
cumulative time of named functions, chosen so that none contains another; what is left
(the matcher's own loop over pairs, the reading loop, match bookkeeping) is ``other``. The
cyclic garbage collector is paused while batches are matched and reports written
(``support.collection``); its pass when a batch ends is seen in ``contextlib``'s ``__exit__``
and counted as its own stage. Not in any stage: the start-up before the profiler is on
(Python itself and ``provcheck.cli``). Modules are compiled where they are first imported when
no bytecode is cached (``PYTHONDONTWRITEBYTECODE``; ~0.45 s a scan): run once without it
first. (A CPU-time clock for the profiler would be a system call per function call, which
distorts far more.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

STAGES: list[tuple[str, list[tuple[str, str, str | None]]]] = [
    # (stage, [(file suffix, function, only when called from this function or None)])
    # The command's modules, imported when the command is looked up (the profile starts after
    # ``provcheck.cli`` itself is imported; later imports count in the stage that makes them).
    ("start-up (importing the command)", [("cli/__init__.py", "get_command", None)]),
    (
        "read/parse records",
        [
            ("inputs/jsonl.py", "parse", None),
            ("inputs/schemas/__init__.py", "to_record", None),
            # The summary's counts of fields read and left, taken where records are read.
            ("scan/fields.py", "count_fields", None),
            ("scan/prefilter.py", "role_tally", None),
        ],
    ),
    # The index's files digested against its manifest when it is opened (``index.integrity``).
    ("open the index (integrity check)", [("index/integrity.py", "check", None)]),
    # Records cut into turns and chunks, and the chunks grouped into the matcher's batches.
    ("segment", [("scan/match.py", "_groups", None)]),
    (
        "fingerprint candidates",
        [
            ("matching/fingerprint.py", "with_tokens", "_segments"),
            # The literal stream, computed only for the candidates a pair may read it of.
            ("matching/fingerprint.py", "with_literal", "_segments"),
            ("scan/codestreams.py", "_with_literal", "_segments"),
            ("scan/codestreams.py", "_with_literal", "_plain_pairs"),
        ],
    ),
    (
        "anchor lookup + reference codes",
        [("index/store.py", "candidates_many", None), ("scan/match.py", "_load", None)],
    ),
    (
        "prefilter",
        [
            ("matching/verify.py", "prefilter", None),
            ("scan/codestreams.py", "_may_judge", None),
        ],
    ),
    (
        # Most pairs in one call per segment (``align_many``, from ``_plain_pairs``).
        "alignment",
        [("matching/verify.py", "align", "_segments"), ("matching/verify.py", "align_many", "_plain_pairs")],
    ),
    (
        # Pairs the plain alignment rejected where code may still match: the reference
        # fingerprinted with its code streams (``_details(code=True)``), the identifier-insensitive
        # and literal alignments, and code aligned without inserted comment lines. Until the
        # fourteenth session this was half in ``evidence + strength`` and half in ``other``.
        "code alignment (renamed, literal, uncommented)",
        [
            ("scan/codestreams.py", "_renamed", None),
            ("matching/uncommented.py", "with_uncommented", "_segments"),
        ],
    ),
    (
        "evidence + strength",
        [
            # Evidence, the passage's shape and standard text in it (``evidence``, ``structure``,
            # ``attributed``: called from ``_segments`` until the sixteenth session).
            ("scan/described.py", "describe", None),
            ("scan/match.py", "_details", "_segments"),
            # The holders of a match's anchors (in ``scan/match.py`` until they moved).
            ("scan/holders.py", "common_shares", None),
            ("scan/holders.py", "shared", None),
            ("matching/normalize.py", "token_offsets", "_segments"),
            ("index/store.py", "references", None),
            ("index/store.py", "requests", None),
            ("scan/match.py", "_judged", None),
            # What each match's strength reads besides evidence: the passage's shape, standard
            # text in it, the holders of its anchors, its echo and code shares, the request.
            ("matching/structure.py", "structure", "_segments"),
            ("matching/structure.py", "is_formula", "_segments"),
            ("matching/attributed.py", "attributed", "_segments"),
            ("matching/attributed.py", "span_shares", "_segments"),
            ("scan/holders.py", "foreign_share", None),
            ("matching/convergence.py", "residual", "_segments"),
            ("matching/strength.py", "is_whole", "_segments"),
            ("matching/strength.py", "verbatim_passage", "_segments"),
            ("scan/spans.py", "on_code", None),
            ("scan/codestreams.py", "_code_whole", None),
            ("matching/request.py", "request_key", "_segments"),
            ("matching/determined.py", "determined", "_segments"),
            ("scan/match.py", "match_id", None),
        ],
    ),
    ("policy + result spool", [("scan/results.py", "add", None)]),
    # The cyclic collector's pass after each batch (``support.collection.cycles_paused`` turns
    # it back on; the first allocation after it runs it, inside ``contextlib``'s ``__exit__``).
    ("cyclic collector after each batch", [("contextlib.py", "__exit__", "inner")]),
    ("report", [("cli/common.py", "write_outputs", None)]),  # every report of a run, all or none
]

_RUNNER = """
import cProfile, sys
from provcheck.cli import cli
profile = cProfile.Profile()
profile.enable()
try:
    cli.main(sys.argv[2:], prog_name="provcheck", standalone_mode=False)
finally:
    profile.disable()
    profile.dump_stats(sys.argv[1])
"""


def breakdown(scan: list[str]) -> list[tuple[str, float]]:
    """Profiled seconds per stage (and ``other`` and ``total``) of ``provcheck scan`` with
    ``scan``'s arguments (everything after ``scan`` included; give ``--workers 1``)."""
    import pstats

    args = scan[scan.index("scan") :]
    with tempfile.TemporaryDirectory(prefix="provcheck-stages-") as tmp:
        out = Path(tmp) / "scan.prof"
        subprocess.run(
            [sys.executable, "-c", _RUNNER, str(out), *args],
            check=True,
            capture_output=True,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
        )
        stats: dict[Any, Any] = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]
    total = max(ct for (_, _, _, ct, _) in stats.values())
    rows = []
    for stage, functions in STAGES:
        seconds = 0.0
        for suffix, name, caller in functions:
            for (path, _, func), (_, _, _, ct, callers) in stats.items():
                if func != name or not path.endswith(suffix):
                    continue
                if caller is None:
                    seconds += ct
                else:
                    seconds += sum(c[3] for (_, _, f), c in callers.items() if f == caller)
        rows.append((stage, seconds))
    rows.append(("other (the pair loop, reading loop, match bookkeeping)", total - sum(s for _, s in rows)))
    rows.append(("total", total))
    return rows


def table_rows(rows: list[tuple[str, float]], records: int, cpu_seconds: float) -> list[list[Any]]:
    """Rows for ``common.table``: stage, share of the profiled run, and that share of
    ``cpu_seconds`` (an unprofiled run's CPU time) in µs per record."""
    total = rows[-1][1] or 1.0
    per_record = cpu_seconds / records * 1e6
    return [[stage, f"{s / total:.1%}", f"{s / total * per_record:,.0f}"] for stage, s in rows]


if __name__ == "__main__":  # python benchmarks/stages.py scan FILE... -i INDEX ... --workers 1
    print(json.dumps(breakdown(sys.argv[1:]), indent=1))
