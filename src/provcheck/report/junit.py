"""``--format junit``: JUnit XML for CI dashboards (Jenkins, GitLab, Azure DevOps...).

One test suite per dataset file; one test case per finding, failing when the finding would
fail the scan (``--fail-on``), skipped when it is waived, passing otherwise (a finding on a run
of short records is one case per record it covers, each at its record's line: a CI log lists
every record to remove, not the run's first line only); unreadable input
is a test case with an error; a file without findings has one passing case, so dashboards count
clean files too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from provcheck.model import Finding, RecordError, ScanResult, WaiverState
from provcheck.report import clauses
from provcheck.report import overview as ov
from provcheck.report.base import Formatter, ReportContext
from provcheck.report.evidence import withheld_note
from provcheck.report.meaning import kind_label
from provcheck.report.serialize import counts_by_action as s_counts

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
        st = f.match.strength if f.match is not None else None
        why = (
            st.reason
            if st is not None and not (f.match is not None and f.match.evidence.short)
            else "short evidence"
        )
        lines.append(f"lowered from {f.downgraded_from.value}: {why}")
    if f.match is not None:
        ev = f.match.evidence
        ref = f.match.reference
        lines.append(
            f"reference: {ref.id} of {ref.source.name}; {kind_label(ev)}, similarity {ev.similarity:.2f}, "
            f"containment {ev.containment:.2f}, {ev.matched_tokens} tokens"
        )
        if (note := withheld_note(ref)) is not None:
            lines.append(note)
        st = f.match.strength
        if st is not None and f.downgraded_from is None:
            # As the text report says it (a lowered finding's reason is said above): why the match
            # is a copy or not, e.g. that the reference's prompt does not explain it (counsel 21).
            lines.append(f"strength: {st.reason}")
    if f.chain:
        lines.append("provenance: " + " <- ".join(s.name for s in f.chain))
    c = f.rule.clause
    if c is not None:
        lines.append(f"clause: {clauses.quote(c)} — {clauses.citation(c)}")
        if c.note:
            lines.append(f"note: {c.note}")
        lines += [f"{label}: {meaning}" for label, meaning in clauses.legend([c])]
    if f.waiver is not None:
        w = f.waiver
        state = f.waiver_state.value
        if f.waiver_state is WaiverState.NOT_CREDITED:
            state += f", finding open: {'; '.join(w.not_credited)}"
        lines.append(f"waiver ({state}): {w.reason} — {w.approver}, {w.date}")
    if f.rule.remediation:
        lines.append(f"what to do: {f.rule.remediation}")
    lines.append(f"finding id: {f.id}")
    return "\n".join(lines)


def _cases_of(f: Finding) -> int:
    """Test cases of a finding: one, or one per record of the run of short records it is on."""
    return len(f.record.location.covers) if f.record is not None else 1


def _places(f: Finding) -> list[tuple[str, int | None]]:
    """Each case's place (after the rule id) and line: the finding's, or for a run of short
    records each record's (``record 3 of 14 of the run path:2-15``)."""
    rec = f.record
    if rec is None or rec.location.end_index is None:
        return [(ov.where(f), rec.location.line if rec is not None else None)]
    loc, turn = rec.location, f"{rec.turn.role}[{rec.turn.position}]"
    each = ov.covered(loc)
    return [
        (
            f"{loc.path}{f':{line}' if line else ''} record {i} {turn} "
            f"(record {k} of {len(each)} of the run {ov.record_location(rec)})",
            line,
        )
        for k, (i, line) in enumerate(each, 1)
    ]


def _findings_line(result: ScanResult) -> str:
    """``11 (block 3, review 4, warn 0, info 3; waived 1); test cases: one per finding, one per
    unreadable file or record, one passing case per file without either``."""
    open_ = ", ".join(f"{a} {n}" for a, n in s_counts(result).items())
    runs = any(f.record is not None and f.record.location.end_index is not None for f in result.findings)
    each = " (one per record for a finding on a run of short records)" if runs else ""
    return (
        f"{result.counts.total:,} ({open_}; waived {result.counts.total_waived:,}); test cases: one per "
        f"finding{each}, one per unreadable file or record, and one passing case per file without either"
    )


def _open_tag(tag: str, attrs: dict[str, str]) -> str:
    """``<tag a="…">`` as ElementTree writes it (attributes in order, escaped its way)."""
    element = ET.Element(tag, attrs)
    element.text = "x"
    text = ET.tostring(element, encoding="unicode")
    return text[: -len(f"x</{tag}>")]


def _xml(element: ET.Element, level: int, tail: str) -> str:
    """``element`` indented as ``ET.indent`` indents it ``level`` deep in a document."""
    ET.indent(element, space=_SPACE, level=level)
    element.tail = tail
    return ET.tostring(element, encoding="unicode")


_SPACE = "  "
_COUNTS = ("tests", "failures", "errors", "skipped")


@dataclass(slots=True)
class _Suite:
    """One file's test suite: its findings (positions) and counts, known before it is written."""

    findings: array[int] = field(default_factory=lambda: array("q"))
    errors: list[RecordError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))


class JunitFormatter(Formatter):
    """JUnit XML with one suite per file."""

    def write(self, result: ScanResult, context: ReportContext, out: TextIO) -> None:
        """The XML document, a test case at a time.

        A suite's counts are attributes of its opening tag, so a first pass over the findings
        counts them (and notes where each file's findings are); the second writes the cases.
        The text is what ``ET.indent`` and ``ET.tostring`` give for the whole tree.
        """
        suites: dict[str, _Suite] = {f.path: _Suite() for f in result.files}
        extra: dict[str, _Suite] = {}
        for i, f in enumerate(result.findings):
            suite = suites.get(f.path) or extra.setdefault(f.path, _Suite())
            suite.findings.append(i)
            each = _cases_of(f)
            suite.counts["tests"] += each
            if f.waived:
                suite.counts["skipped"] += each
            elif f.action in context.fail_on:
                suite.counts["failures"] += each
        for e in result.errors:
            suite = suites.get(e.path) or extra.setdefault(e.path, _Suite())
            suite.errors.append(e)
            suite.counts["tests"] += 1
            suite.counts["errors"] += 1
        suites.update(extra)
        totals = dict.fromkeys(_COUNTS, 0)
        for suite in suites.values():
            suite.counts["tests"] = suite.counts["tests"] or 1  # the "no findings" case
            for key, n in suite.counts.items():
                totals[key] += n
        run = result.run
        stamp = _timestamp(ov.fact_text(run.started_at))
        properties = [
            ("provcheck.version", ov.fact_text(run.tool.version)),
            ("index.digest", ov.fact_text(run.index.digest)),
            ("policy.digest", ov.fact_text(run.policy.digest)),
            ("command", ov.command_line(run)),
            # When (each share's start and end for a merged run) and who, as every format says it.
            ("scanned", ov.scanned_line(run)),
            # The findings as the other reports count them: the test cases also count unreadable
            # input and one passing case per file without findings (13 cases for 11 findings).
            ("findings", _findings_line(result)),
            *[("coverage", line) for line in [ov.coverage(result)] if line],
            ("declared_use", ov.declared_use(run)),
            ("not_scanned", ov.not_scanned_line(result) or "none"),
            *[("policy_overrides", line) for line in [ov.overrides_line(run)] if line],
            *[("settings_replaced", line) for line in [ov.replaced_line(run)] if line],
        ]
        root_attrs = {
            "name": "provcheck",
            **{k: str(n) for k, n in totals.items()},
            "time": f"{result.stats.seconds:.3f}",
        }
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        if not suites:
            out.write(ET.tostring(ET.Element("testsuites", root_attrs), encoding="unicode") + "\n")
            return
        out.write(_open_tag("testsuites", root_attrs) + "\n" + _SPACE)
        for n, (path, suite) in enumerate(suites.items()):
            attrs = {"name": xml_text(path), **{k: str(v) for k, v in suite.counts.items()}, "time": "0"}
            if stamp:
                attrs["timestamp"] = stamp
            inner = "\n" + _SPACE * 2
            out.write(_open_tag("testsuite", attrs) + inner)
            props = ET.Element("properties")
            for name, value in properties:
                ET.SubElement(props, "property", name=name, value=xml_text(value))
            out.write(_xml(props, 2, inner))
            cases = self._cases(result, context, path, suite)
            last = suite.counts["tests"]
            for k, case in enumerate(cases, 1):
                out.write(_xml(case, 2, inner if k < last else "\n" + _SPACE))
            out.write("</testsuite>" + ("\n" + _SPACE if n + 1 < len(suites) else "\n"))
        out.write("</testsuites>\n")

    @staticmethod
    def _cases(result: ScanResult, context: ReportContext, path: str, suite: _Suite) -> Iterator[ET.Element]:
        """The suite's test cases: one per finding, one per unreadable input, else one passing."""
        for i in suite.findings:
            f = result.findings[i]
            text = xml_text(detail(f))
            for name, line in _places(f):
                case = ET.Element(
                    "testcase",
                    classname=xml_text(f"provcheck.{f.rule.id}"),
                    name=xml_text(f"{f.rule.id}: {name}"),
                    file=xml_text(path),
                    time="0",
                )
                if line:
                    case.set("line", str(line))
                if f.waived:
                    w = f.waiver
                    reason = f"waived: {w.reason} ({w.approver})" if w else "waived"
                    ET.SubElement(case, "skipped", message=xml_text(reason))
                elif f.action in context.fail_on:
                    failure = ET.SubElement(case, "failure", message=xml_text(f.message), type=f.action.value)
                    failure.text = text
                else:
                    ET.SubElement(case, "system-out").text = text
                yield case
        for e in suite.errors:
            case = ET.Element(
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
            yield case
        if not suite.findings and not suite.errors:
            yield ET.Element(
                "testcase", classname="provcheck.scan", name="no findings", file=xml_text(path), time="0"
            )
