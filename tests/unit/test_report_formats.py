"""Every formatter on hand-built results: structure, escaping, and what each format promises."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from helpers import check_json_report, check_sarif
from provcheck.cli.scan import scan as scan_command
from provcheck.model import Action
from provcheck.report import FORMATTERS, OutputFormat, ReportContext, formatter
from provcheck.report.base import Formatter
from provcheck.report.csv import COLUMNS
from provcheck.report.markdown import ROWS
from provcheck.report.method import measured
from provcheck.report.sarif import FINGERPRINT_KEY
from report_samples import FORMULA, SCRIPT, many, sample

CTX = ReportContext()


def render(fmt: OutputFormat, result: object = None, context: ReportContext = CTX) -> str:
    return formatter(fmt).render(result or sample(), context)  # type: ignore[arg-type]


def test_every_format_has_exactly_one_formatter_and_the_cli_offers_it() -> None:
    assert set(FORMATTERS) == set(OutputFormat)
    assert all(issubclass(cls, Formatter) for cls in FORMATTERS.values())
    assert len(set(FORMATTERS.values())) == len(FORMATTERS)
    choices = next(p for p in scan_command.params if p.name == "formats").type.choices  # type: ignore[attr-defined]
    assert sorted(choices) == sorted(f.value for f in OutputFormat)


TEXT_FORMATS = [f for f in OutputFormat if not FORMATTERS[f].binary]


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_formatters_are_pure_and_deterministic(fmt: OutputFormat) -> None:
    result = sample()
    assert render(fmt, result) == render(fmt, result)


# ---- JSON


def test_json_report_of_every_kind_of_finding_matches_the_published_schema() -> None:
    doc = json.loads(render(OutputFormat.JSON))
    check_json_report(doc)
    kinds = {("marker" in f, "declaration" in f) for f in doc["findings"]}
    assert kinds == {(False, False), (True, False), (False, True)}


def test_the_schema_rejects_reports_that_drift() -> None:
    doc = json.loads(render(OutputFormat.JSON))
    doc["findings"][0]["severity"] = "high"
    with pytest.raises(AssertionError, match="severity"):
        check_json_report(doc)
    doc = json.loads(render(OutputFormat.JSON))
    del doc["matches"][0]["scores"]["coverage"]
    with pytest.raises(AssertionError, match="coverage"):
        check_json_report(doc)


# ---- HTML


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def parse(page: str) -> _Collector:
    c = _Collector()
    c.feed(page)
    return c


def test_html_escapes_every_value_from_data() -> None:
    page = render(OutputFormat.HTML)
    parsed = parse(page)
    assert [t for t, _ in parsed.tags].count("script") == 1  # ours only
    assert not any(t == "img" for t, _ in parsed.tags)
    assert "window.__pwned" not in "".join(parsed.scripts)
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "<b>commercial</b>" not in page and "&lt;b&gt;commercial&lt;/b&gt;" in page
    # A clause URL that is not http(s) is shown, never linked.
    assert not any((a.get("href") or "").lower().startswith("javascript") for t, a in parsed.tags if t == "a")
    assert "javascript:alert(1)" in page


def test_html_is_self_contained_and_pins_its_script_by_hash() -> None:
    page = render(OutputFormat.HTML)
    parsed = parse(page)
    for tag, attrs in parsed.tags:
        assert "src" not in attrs, (tag, attrs)
        if tag == "link":
            raise AssertionError(f"external resource: {attrs}")
        if tag == "a":
            href = attrs.get("href") or ""
            assert href.startswith(("#", "https://", "http://")), href
    csp = next(
        a["content"]
        for t, a in parsed.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    assert csp is not None and "default-src 'none'" in csp and "script-src 'sha256-" in csp


def test_html_shows_the_evidence_side_by_side_with_edits_marked() -> None:
    page = render(OutputFormat.HTML)
    card = page[page.index('id="f-f-block"') :]
    card = card[: card.index("</details>")]
    assert '<div class="txt cand">Intro. <mark class="same" data-s="0">' in card
    assert '<mark class="changed" data-s="0">dependable</mark>' in card
    assert '<mark class="changed" data-s="0">reliable</mark>' in card
    for expected in (
        "OpenAI Terms of Use",
        "effective 2024-01-31",
        "https://openai.com/policies/row-terms-of-use/",
    ):
        assert expected in card
    assert "data/train.jsonl" in card and "rec-0" in card


def test_html_states_the_thresholds_used_and_the_measured_error_rates() -> None:
    result = sample()
    match = {**result.run.match, "min_similarity": 0.83, "excerpt_tokens": 57}
    page = render(OutputFormat.HTML, replace(result, run=replace(result.run, match=match)))
    method = page[page.index('id="method"') : page.index('id="manifest"')]
    assert "<td>0.83</td>" in method and "<td>57</td>" in method
    m = measured()
    assert f"{m.false_positives:,} of {m.negatives:,} hard negatives" in method
    assert m.command in method and "Not legal advice" in method
    assert "Paraphrase" in method and "Translation" in method


def test_html_manifest_waivers_markers_declarations_and_errors() -> None:
    page = render(OutputFormat.HTML)
    manifest = page[page.index('id="manifest"') :]
    for value in ("0123456789abcdef0123456789abcdef", "f" * 64, "a" * 64, "wmh1-tok1-n5-w8-s1", "0.0.0-test"):
        assert value in manifest
    assert "provcheck scan data/ -i refs/ -p policy.yaml -f html -o r.html" in manifest
    waivers = page[page.index('id="waivers"') : page.index('id="errors"')]
    assert (
        "counsel@acme-legal.com" in waivers
        and "LEGAL-42" in waivers
        and "expired (finding open) (placeholder-like: placeholder reason or approver written by "
        "provcheck baseline)"
        in waivers
    )
    assert 'data-waived="1"' in page
    assert "As an AI language model" in page and "cc-by-nc-4.0" in page
    assert (
        'id="unmatched"' in page and "m00004" not in page.split('id="unmatched"')[0].split('id="findings"')[1]
    )
    errors = page[page.index('id="errors"') : page.index('id="method"')]
    assert "data/broken.bin" in errors and "2 file(s) or record(s) could not be read" in errors


def test_html_with_many_findings_pages_them_inside_comments() -> None:
    page = render(OutputFormat.HTML, many(260))
    assert page.count('<details class="finding"') == 260
    # 260 findings in 3 rules x 3 sources: at most 50 cards per group are elements at load.
    visible = re.sub(r"<!--page .*?-->", "", page, flags=re.S)
    assert 0 < visible.count('<details class="finding"') <= 9 * 50
    assert "<!--page " in page
    # Cards are collapsed when there are many, open when there are few.
    assert '<details class="finding" id="f-f000000"' in page and "open><summary>" not in page
    assert "open><summary>" in render(OutputFormat.HTML)


# ---- SARIF


def test_sarif_is_valid_and_maps_findings_to_results() -> None:
    log = json.loads(render(OutputFormat.SARIF))
    assert check_sarif(log)
    (run,) = log["runs"]
    # One result per finding, fingerprinted by the finding's id.
    results = {r["properties"]["findingId"]: r for r in run["results"]}
    assert len(results) == len(run["results"]) and set(results) == {f.id for f in sample().findings}
    assert all(r["partialFingerprints"][FINGERPRINT_KEY] == k for k, r in results.items())
    block = results["f-block"]
    assert block["level"] == "error"
    assert block["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "data/train.jsonl", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }
    noline = results["f-noline"]["locations"][0]
    assert "region" not in noline["physicalLocation"]
    assert noline["logicalLocations"][0]["name"] == "record 2"
    assert [k for k, r in results.items() if "suppressions" in r] == ["f-noline"]
    assert results["f-noline"]["suppressions"][0]["status"] == "accepted"
    assert results["f-short"]["properties"]["waiverState"] == "expired"
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    compete = rules["openai-no-competing-models"]
    assert compete["helpUri"] == "https://openai.com/policies/row-terms-of-use/"
    assert "Use Output to develop models that compete with OpenAI." in compete["help"]["text"]
    assert all(run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert results["f-declared"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}
    assert len(run["invocations"][0]["toolExecutionNotifications"]) == 2


def test_sarif_absolute_paths_are_file_uris() -> None:
    result = sample()
    f = result.findings[0]
    assert f.match is not None
    moved = replace(
        f,
        match=replace(
            f.match,
            record=replace(f.match.record, location=replace(f.match.record.location, path="/data/a b.jsonl")),
        ),
    )
    log = json.loads(render(OutputFormat.SARIF, replace(result, findings=(moved,))))
    loc = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "file:///data/a%20b.jsonl"}


# ---- CSV


def test_csv_has_one_row_per_finding_and_neutralizes_formulas() -> None:
    text = render(OutputFormat.CSV)
    rows = list(csv.DictReader(io.StringIO(text)))
    # One row per finding, then one per unreadable input (the sample has 2).
    assert len(rows) == len(sample().findings) + len(sample().errors)
    assert [r["action"] for r in rows[len(sample().findings) :]] == ["unreadable"] * len(sample().errors)
    assert list(rows[0]) == list(COLUMNS)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    hostile = next(r for r in rows if r["finding_id"] == "f-hostile")
    assert hostile["evidence"].startswith("A healthy sourdough")
    assert FORMULA in hostile["message"]
    assert hostile["record_id"] == "'" + FORMULA
    assert text.endswith("\r\n")
    by_id = {r["finding_id"]: r for r in rows}
    assert (
        by_id["f-noline"]["waived"] == "true"
        and by_id["f-noline"]["waiver_approver"] == "counsel@acme-legal.com"
    )
    assert by_id["f-short"]["downgraded_from"] == "block" and by_id["f-short"]["action"] == "review"
    assert by_id["f-declared"]["declaration"] == "license=cc-by-nc-4.0"


def test_csv_cells_starting_with_a_formula_character_get_a_quote() -> None:
    from provcheck.report.csv import cell

    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert cell(bad) == "'" + bad
    assert cell("fine =1") == "fine =1" and cell(0.5) == "0.5000" and cell(None) == ""


# ---- JUnit


def test_junit_fails_blocking_findings_skips_waived_and_errors_unreadable_input() -> None:
    text = render(OutputFormat.JUNIT)
    root = ET.fromstring(text.encode())
    assert root.tag == "testsuites"
    totals = {k: int(root.get(k, "-1")) for k in ("tests", "failures", "errors", "skipped")}
    # f-block and f-hostile block; f-noline is waived; f-short (review), marker (warn), declaration
    # (info) pass; two unreadable inputs; other.jsonl is clean.
    assert totals == {"tests": 9, "failures": 2, "errors": 2, "skipped": 1}
    suites = {s.get("name"): s for s in root}
    assert set(suites) >= {
        "data/train.jsonl",
        "data/part.parquet",
        "data/other.jsonl",
        "data/broken.bin",
        "data/",
    }
    assert suites["data/other.jsonl"].find("testcase").get("name") == "no findings"  # type: ignore[union-attr]
    assert "\x01" not in text and "\ufffd" in text
    strict = render(OutputFormat.JUNIT, context=ReportContext(fail_on=frozenset(Action)))
    assert ET.fromstring(strict.encode()).get("failures") == "5"


# ---- Markdown


def test_markdown_is_inert_and_keeps_the_table_intact() -> None:
    result = sample()
    f = result.findings[1]
    assert f.match is not None
    ref = replace(f.match.reference, id=f"{SCRIPT} @here #12 | x")  # data shown in the records table
    hostile = replace(f, match=replace(f.match, reference=ref))
    text = render(
        OutputFormat.MARKDOWN, replace(result, findings=(result.findings[0], hostile, *result.findings[2:]))
    )
    table = [line for line in text.splitlines() if line.startswith("| **")]
    rows = json.loads(render(OutputFormat.JSON))["records"]
    assert len(table) == len(rows)  # one row per record
    for line in table:
        assert len(re.findall(r"(?<!\\)\|", line)) == 5, line  # 4 cells, pipes in data escaped
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "@here" not in text and "#12" not in text and "&#64;here" in text


def test_markdown_leads_with_the_source_table() -> None:
    text = render(OutputFormat.MARKDOWN)
    lines = text.splitlines()
    sources = lines.index(next(line for line in lines if line.startswith("| source | provider |")))
    records = lines.index(next(line for line in lines if line.startswith("| worst | record |")))
    assert sources < records
    assert "| sharegpt-dump |" in text and "| declared in data/README.md (not indexed) |" in text


def test_markdown_lists_at_most_rows_records() -> None:
    text = render(OutputFormat.MARKDOWN, many(ROWS + 7))
    assert len([line for line in text.splitlines() if line.startswith("| **")]) == ROWS
    assert "… and 7 more records" in text
    assert len(render(OutputFormat.MARKDOWN, many(5000))) < 65536  # a GitHub comment's limit


# ---- streaming


def test_streamed_json_and_sarif_are_laid_out_as_one_dump_of_the_document() -> None:
    """Written a finding at a time, the documents are the text ``json.dumps`` gives for the
    whole document (compact JSON; SARIF indented by one space at every depth)."""
    result = many(130)
    text = render(OutputFormat.JSON, result)
    assert text == json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":")) + "\n"
    assert len(json.loads(text)["findings"]) == 130 and len(json.loads(text)["matches"]) == 130
    for r in (result, sample(), replace(sample(), findings=(), matches=())):
        text = render(OutputFormat.SARIF, r)
        doc = json.loads(text)
        assert text == json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
        assert len(doc["runs"][0]["results"]) == len(r.findings)


def test_streamed_junit_is_indented_as_et_indent_indents_the_whole_tree() -> None:
    for result in (many(70), sample(), replace(sample(), findings=(), errors=(), files=())):
        text = render(OutputFormat.JUNIT, result)
        head, body = text.split("\n", 1)
        assert head == '<?xml version="1.0" encoding="UTF-8"?>'
        root = ET.fromstring(body)
        for element in root.iter():
            for attr in ("text", "tail"):
                if not (getattr(element, attr) or "x").strip():
                    setattr(element, attr, None)
        ET.indent(root)
        assert body == ET.tostring(root, encoding="unicode") + "\n"


def test_text_table_lists_the_first_records_and_counts_the_rest() -> None:
    from provcheck.report.text import TABLE_ROWS

    result = many(TABLE_ROWS + 37)
    text = render(OutputFormat.TEXT, result, replace(CTX, width=200))
    rows = [line for line in text.splitlines() if re.match(r"│ (block|review|warn|info) ", line)]
    assert len(rows) == TABLE_ROWS
    assert "… 37 more records with findings: see the json or html report" in text
    assert "more records with findings" not in render(OutputFormat.TEXT, many(TABLE_ROWS))


def test_a_report_that_fails_half_way_leaves_no_file(tmp_path: object) -> None:
    from pathlib import Path

    from provcheck.cli.common import write_output

    target = Path(str(tmp_path)) / "report.json"

    def broken(out: io.TextIOBase) -> None:
        out.write("[" + "1," * 100_000)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_output(str(target), broken)
    assert list(target.parent.iterdir()) == []
    write_output(str(target), lambda out: formatter(OutputFormat.JSON).write(many(3), CTX, out))
    assert json.loads(target.read_text(encoding="utf-8"))["stats"]["findings"] == 3
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]
