"""``--format junit``: JUnit XML for CI dashboards (Jenkins, GitLab, Azure DevOps...).

One test suite per dataset file; one test case per finding, failing when the finding would
fail the scan (``--fail-on``), skipped when it is waived, passing otherwise; unreadable input
is a test case with an error; a file without findings has one passing case, so dashboards count
clean files too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from provcheck.model import Finding, RecordError, ScanResult
from provcheck.report import overview as ov
from provcheck.report.base import Formatter, ReportContext

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot hold, even escaped (control characters, lone surrogates)."""


def xml_text(value: object) -> str:
    """``value`` as text XML can hold: forbidden characters become U+FFFD."""
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def _timestamp(stamp: str) -> str:
    # The JUnit schema's timestamp has no zone; the scan's times are UTC.
    return stamp[:19] if len(stamp) >= 19 else stamp


def detail(f: Finding) -> str:
    """The body of a failure or of system-out: enough to act without opening another report."""
    lines = [f"{f.action.value}: {f.message}", f"rule: {f.rule.id} — {f.rule.title}", f"where: {ov.where(f)}"]
    if f.downgraded_from is not None:
        lines.append(f"lowered from {f.downgraded_from.value}: short evidence")
    if f.match is not None:
        ev = f.match.evidence
        ref = f.match.reference
        lines.append(
            f"reference: {ref.id} of {ref.source.name}; {ev.kind.value}, similarity {ev.similarity:.2f}, "
            f"containment {ev.containment:.2f}, {ev.matched_tokens} tokens"
        )
    if f.chain:
        lines.append("provenance: " + " <- ".join(s.name for s in f.chain))
    c = f.rule.clause
    if c is not None:
        lines.append(
            f"clause: “{c.quote}” — {c.document}, effective {c.effective or '?'} {c.url or ''}".rstrip()
        )
    if f.waiver is not None:
        w = f.waiver
        lines.append(f"waiver ({f.waiver_state.value}): {w.reason} — {w.approver}, {w.date}")
    if f.rule.remediation:
        lines.append(f"what to do: {f.rule.remediation}")
    lines.append(f"finding id: {f.id}")
    return "\n".join(lines)


class JunitFormatter(Formatter):
    """JUnit XML with one suite per file."""

    def render(self, result: ScanResult, context: ReportContext) -> str:
        """The XML document."""
        findings: dict[str, list[Finding]] = {}
        errors: dict[str, list[RecordError]] = {}
        paths: list[str] = [f.path for f in result.files]
        for f in result.findings:
            findings.setdefault(f.path, []).append(f)
        for e in result.errors:
            errors.setdefault(e.path, []).append(e)
        for p in (*findings, *errors):
            if p not in paths:
                paths.append(p)
        run = result.run
        stamp = _timestamp(ov.run_text(run, "started_at"))
        root = ET.Element("testsuites", name="provcheck")
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for path in paths:
            suite = ET.SubElement(root, "testsuite", name=xml_text(path))
            counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
            props = ET.SubElement(suite, "properties")
            for name, value in (
                ("provcheck.version", ov.run_text(run, "tool", "version")),
                ("index.digest", ov.run_text(run, "index", "digest")),
                ("policy.digest", ov.run_text(run, "policy", "digest")),
                ("command", ov.command_line(run)),
            ):
                ET.SubElement(props, "property", name=name, value=xml_text(value))
            for f in findings.get(path, []):
                counts["tests"] += 1
                rec = f.record
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=xml_text(f"provcheck.{f.rule.id}"),
                    name=xml_text(f"{f.rule.id}: {ov.where(f)}"),
                    file=xml_text(path),
                    time="0",
                )
                if rec is not None and rec.location.line:
                    case.set("line", str(rec.location.line))
                text = xml_text(detail(f))
                if f.waived:
                    counts["skipped"] += 1
                    w = f.waiver
                    reason = f"waived: {w.reason} ({w.approver})" if w else "waived"
                    ET.SubElement(case, "skipped", message=xml_text(reason))
                elif f.action in context.fail_on:
                    counts["failures"] += 1
                    failure = ET.SubElement(case, "failure", message=xml_text(f.message), type=f.action.value)
                    failure.text = text
                else:
                    ET.SubElement(case, "system-out").text = text
            for e in errors.get(path, []):
                counts["tests"] += 1
                counts["errors"] += 1
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname="provcheck.input",
                    name=xml_text(f"unreadable: {e.where()}"),
                    file=xml_text(path),
                    time="0",
                )
                if e.line:
                    case.set("line", str(e.line))
                err = ET.SubElement(case, "error", message=xml_text(e.message), type=e.kind.value)
                err.text = xml_text(f"{e.where()}: {e.kind.value}: {e.message}")
            if counts["tests"] == 0:
                counts["tests"] = 1
                ET.SubElement(
                    suite,
                    "testcase",
                    classname="provcheck.scan",
                    name="no findings",
                    file=xml_text(path),
                    time="0",
                )
            for key, n in counts.items():
                suite.set(key, str(n))
                totals[key] += n
            suite.set("time", "0")
            if stamp:
                suite.set("timestamp", stamp)
        for key, n in totals.items():
            root.set(key, str(n))
        root.set("time", f"{result.stats.seconds:.3f}")
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
