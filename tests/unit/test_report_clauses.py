"""Every report format shows a clause's note and explains its quote-confidence label."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import pytest

from provcheck.model import Clause
from provcheck.report import OutputFormat, ReportContext, clauses, formatter
from provcheck.report.clauses import CONFIDENCE, legend
from report_samples import CLAUSE, sample

CTX = ReportContext()
NOTE = (
    "the material is dated 2022-12-01, before this version took effect (2023-03-14); no earlier "
    "wording is on record: the finding is review, not block, until a reviewer confirms"
)
MEANING = CONFIDENCE["V-S"]


def _noted() -> object:
    result = sample()
    noted = replace(CLAUSE, note=NOTE)
    findings = [
        replace(f, rule=replace(f.rule, clause=noted)) if f.rule.clause == CLAUSE else f
        for f in result.findings
    ]
    assert any(f.rule.clause == noted for f in findings)
    return replace(result, findings=tuple(findings))


def _plain(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    "fmt",
    [OutputFormat.TEXT, OutputFormat.MARKDOWN, OutputFormat.HTML, OutputFormat.JSON, OutputFormat.SARIF],
)
def test_the_note_and_the_confidence_legend_are_in_every_format(fmt: OutputFormat) -> None:
    out = formatter(fmt).render(_noted(), CTX)  # type: ignore[arg-type]
    if fmt is OutputFormat.JSON:
        doc = json.loads(out)
        notes = [f["clause"]["note"] for f in doc["findings"] if f["clause"]]
        assert NOTE in notes
        assert doc["quote_confidence"]["V-S"] == MEANING
        return
    if fmt is OutputFormat.SARIF:
        rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
        help_text = " ".join(r["help"]["text"] + r["help"]["markdown"] for r in rules)
        assert NOTE in help_text and f"V-S = {MEANING}" in help_text
        return
    flat = _plain(out.replace("\\", ""))  # Markdown escapes punctuation
    assert _plain(NOTE) in flat, fmt
    assert "V-S" in flat and _plain(MEANING) in flat, fmt


def test_junit_and_csv_explain_the_label_beside_the_quote() -> None:
    xml = formatter(OutputFormat.JUNIT).render(_noted(), CTX)  # type: ignore[arg-type]
    assert f"note: {NOTE}" in xml and f"V-S: {MEANING}" in xml
    rows = list(csv.DictReader(io.StringIO(formatter(OutputFormat.CSV).render(_noted(), CTX))))  # type: ignore[arg-type]
    noted = [r for r in rows if r["clause_note"]]
    assert noted and noted[0]["clause_note"] == NOTE and noted[0]["clause_confidence"] == f"V-S: {MEANING}"


def test_a_citation_without_wording_says_so_and_shows_no_label() -> None:
    missing = Clause(
        quote="",
        document="CC-BY-SA-3.0 (Share-alike licence terms)",
        url="https://creativecommons.org/licenses/by-sa/3.0/legalcode",
        note="no wording of CC-BY-SA-3.0 is on record; read the licence where it is published",
    )
    assert legend([missing]) == []
    result = sample()
    findings = tuple(replace(f, rule=replace(f.rule, clause=missing)) for f in result.findings)
    text = formatter(OutputFormat.TEXT).render(replace(result, findings=findings), CTX)  # type: ignore[arg-type]
    assert "clause: no wording on record" in text and "“”" not in text
    page = formatter(OutputFormat.HTML).render(replace(result, findings=findings), CTX)  # type: ignore[arg-type]
    assert (
        "no wording on record" in page
        and "<blockquote" not in page.split('id="findings"')[1].split("</section>")[0]
    )
    assert 'id="quote-confidence"' not in page


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("2(c)(iii)", "section 2(c)(iii)"),
        ("D.4", "section D.4"),
        ("1.b.v", "section 1.b.v"),
        ("§ 3", "section § 3"),
        ("(e)", "section (e)"),
        ("What you cannot do", "section “What you cannot do”"),
        ("Definitions", "section “Definitions”"),
    ],
)
def test_a_section_known_by_its_heading_is_quoted_a_numbered_one_is_not(given: str, shown: str) -> None:
    # Unquoted, a heading ran into the sentence: "section What you cannot do" (counsel 12).
    assert clauses.pinpoint(given) == shown
