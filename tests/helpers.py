"""Helpers shared by the tests: the CLI runner, data builders, test texts, corpora paths."""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from provcheck.cli import cli
from provcheck.matching.normalize import canonical, tokens
from provcheck.model import Record, RoleKind, SkipReason

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = Path(os.environ.get("PROVCHECK_SHARED", ROOT.parent / "shared"))
CORPORA = SHARED / "corpora"
REPORT_SCHEMA = ROOT / "docs" / "report.schema.json"
SARIF_SCHEMA = ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json"
"""Vendored (OASIS SARIF 2.1.0) so that no test depends on ../shared to validate SARIF."""
ARTIFACTS = ROOT / "build" / "test-artifacts"
"""Screenshots and PDFs the browser tests leave for people to look at."""


def run_cli(args: list[Any], code: int = 0, input: str | None = None) -> Result:
    """Run provcheck in-process; fail with the full output when the exit code differs."""
    runner = CliRunner()
    result = runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
    if result.exit_code != code:
        raise AssertionError(
            f"provcheck {' '.join(map(str, args))} exited {result.exit_code}, expected {code}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    check_scan_reports([str(a) for a in args], result)
    return result


@functools.cache
def _validator(schema_path: Path) -> Any:
    """The validator of a schema file, the schema itself checked against its meta-schema: built
    once per test session (checking the report schema cost 0.15 CPU s, on every scan report)."""
    import jsonschema

    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def check_json_report(doc: Any) -> None:
    """Fail unless ``doc`` is valid against the published schema (docs/report.schema.json)."""
    errors = sorted(_validator(REPORT_SCHEMA).iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        raise AssertionError(
            "JSON report does not match docs/report.schema.json:\n"
            + "\n".join(
                f"  at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}"
                for e in errors[:20]
            )
        )
    # The run record reads back as written (``RunRecord.from_dict``, which a merge of partial
    # results uses): every key known, every type right, the same text in the same key order.
    from provcheck.model import RunRecord

    if isinstance(doc, dict) and "run" in doc:
        again = RunRecord.from_dict(doc["run"]).to_dict()
        assert json.dumps(again) == json.dumps(doc["run"]), "the run record does not read back as written"


def check_sarif(doc: Any) -> bool:
    """Fail unless ``doc`` is valid SARIF 2.1.0 (the official schema, vendored in tests/schemas)."""
    errors = list(_validator(SARIF_SCHEMA).iter_errors(doc))
    if errors:
        raise AssertionError(
            "SARIF log is not valid against the 2.1.0 schema:\n"
            + "\n".join(f"  at {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:20])
        )
    return True


def scan_outputs(args: list[str]) -> list[tuple[str, str | None]]:
    """The (format, output) pairs a ``scan`` command line asks for (None: stdout)."""
    formats: list[str] = []
    outputs: list[str] = []
    it = iter(args)
    for a in it:
        for short, long_, into in (("-f", "--format", formats), ("-o", "--output", outputs)):
            if a in (short, long_):
                into.append(next(it, ""))
            elif a.startswith(long_ + "="):
                into.append(a.split("=", 1)[1])
    formats = formats or ["text"]
    if not outputs:
        return [(formats[0], None)] if len(formats) == 1 else []
    return [(f, None if o == "-" else o) for f, o in zip(formats, outputs, strict=False)]


def check_scan_reports(args: list[str], result: Result) -> None:
    """Validate every JSON report and SARIF log a successful ``scan`` wrote (stdout or files)."""
    if not args or args[0] != "scan" or result.exit_code not in (0, 1, 4):
        return
    for fmt, out in scan_outputs(args):
        if fmt not in ("json", "sarif") or (out is not None and not Path(out).is_file()):
            continue  # a device or a FIFO the test reads itself
        text = result.stdout if out is None else Path(out).read_text(encoding="utf-8")
        doc = json.loads(text)
        if fmt == "json":
            check_json_report(doc)
        else:
            check_sarif(doc)


def strings_of(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string value with its path, written as provcheck writes field paths."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in strings_of(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in strings_of(v, f"{path}[{i}]")]
    return []


def _holds(field: str, path: str) -> bool:
    """Whether the turn at ``field`` reads the string at ``path``: the field itself, a string
    under it, or one item of a run read as one text (``sentences[0-12].text``)."""
    if path == field or path.startswith((field + "[", field + ".")):
        return True
    parts = re.split(r"\[(\d+)-(\d+)\]", field)
    if len(parts) == 1:
        return False
    pattern, ranges = "", []
    for k in range(0, len(parts) - 1, 3):
        pattern += re.escape(parts[k]) + r"\[(\d+)\]"
        ranges.append((int(parts[k + 1]), int(parts[k + 2])))
    found = re.match(pattern + re.escape(parts[-1]) + r"(?:$|[\[.])", path)
    return found is not None and all(
        a <= int(g) <= b for g, (a, b) in zip(found.groups(), ranges, strict=True)
    )


def unread(data: dict[str, Any], rec: Record, min_tokens: int = 25) -> list[tuple[str, str, SkipReason]]:
    """The strings of ``data`` of ``min_tokens`` tokens or more that ``rec`` did not read, with
    the reason it gives. Fails if one is neither read (its text in the turn whose field holds
    it) nor listed as skipped: nothing may be dropped silently."""
    skipped = {s.field: s.reason for s in rec.skipped}
    out = []
    for path, text in strings_of(data):
        if len(tokens(text)) < min_tokens:
            continue
        if path in skipped:
            out.append((path, text, skipped[path]))
            continue
        turns = [t for t in rec.turns if _holds(t.field, path)]
        assert turns, f"{path!r} is neither read nor skipped"
        if all(t.kind not in (RoleKind.TOOL_CALL, RoleKind.TOOL) for t in turns):  # JSON is decoded
            assert any(canonical(text).strip() in t.text for t in turns), path
    return out


def write_jsonl(path: Path, records: Iterable[Any]) -> Path:
    """One JSON value per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


# Reference texts written for these tests; each is long enough to carry evidence.
REFERENCE_TEXTS = [
    "A healthy sourdough starter depends on a steady feeding routine, the right temperature and a "
    "little patience. Feed it at the same time every day with equal weights of flour and water, "
    "discarding all but a spoonful of the old starter before each feeding so the yeast always has "
    "fresh food. Keep it somewhere between 24 and 27 degrees Celsius; colder kitchens slow "
    "fermentation and let acid-producing bacteria take over. A healthy starter should roughly "
    "double in size within four to eight hours of feeding and smell pleasantly sour.",
    "TCP is connection-oriented: before any data is sent, the two hosts perform a three-way "
    "handshake, and afterwards every segment is numbered, acknowledged and retransmitted if it "
    "goes missing. This gives applications a reliable, ordered byte stream with flow control and "
    "congestion control built in. UDP, by contrast, is connectionless. It simply wraps data in "
    "datagrams and sends them without handshakes, acknowledgements or ordering guarantees, which "
    "suits live video, online games and voice calls where a late packet is worse than a lost one.",
    "The French Revolution grew out of political, social and economic pressures. France was "
    "nearly bankrupt after costly wars, and the monarchy's attempts to raise taxes met fierce "
    "resistance from the privileged nobility and clergy, who were largely exempt. The Third "
    "Estate carried most of the tax burden while holding little political power, and poor "
    "harvests in 1788 pushed bread prices to record highs, spreading hunger and anger in Paris "
    "and the countryside until the Estates-General deadlocked in 1789.",
]
UNRELATED_TEXT = (
    "Tides are caused mostly by the Moon's gravity pulling on the oceans. The side of Earth facing "
    "the Moon feels a stronger pull, and the far side a weaker one, so the water bulges in two "
    "places. As Earth rotates through these bulges, most coasts see two high tides and two low "
    "tides every lunar day of about twenty-four hours and fifty minutes."
)


def seal_partial(lines: Iterable[Any]) -> bytes:
    """A partial's bytes from its lines (JSON values or text), with its end mark's sha256 digest
    recomputed, as someone editing it and recomputing the unkeyed digest would write it."""
    import gzip
    import hashlib

    raw = [(x if isinstance(x, str) else json.dumps(x)).rstrip("\n").encode() + b"\n" for x in lines]
    raw = [line for line in raw if not json.loads(line).get("end")]
    end = {"end": True, "integrity": "sha256", "digest": hashlib.sha256(b"".join(raw)).hexdigest()}
    return gzip.compress(b"".join(raw) + json.dumps(end).encode() + b"\n")
