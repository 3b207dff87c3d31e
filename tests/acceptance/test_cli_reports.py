"""Every report format through ``provcheck scan``, several in one run, as CI jobs use them."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_cli_scan import BLOCK_POLICY, dataset

from helpers import check_json_report, check_sarif, run_cli
from provcheck.report import OutputFormat


def test_one_scan_writes_every_format(tmp_path: Path, index_dir: Path) -> None:
    data = dataset(tmp_path)
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    out = tmp_path / "reports"
    out.mkdir()
    args: list[object] = ["scan", data, "-i", index_dir, "-p", policy, "-q"]
    text_formats = [f for f in OutputFormat if f is not OutputFormat.PDF]  # pdf: test_html_browser.py
    for fmt in text_formats:
        args += ["--format", fmt.value, "--output", out / f"r.{fmt.value}"]
    run_cli(args, 1)  # run_cli also validates the JSON report and the SARIF log
    assert sorted(p.name for p in out.iterdir()) == sorted(f"r.{f.value}" for f in text_formats)

    doc = json.loads((out / "r.json").read_text())
    check_json_report(doc)
    (finding,) = doc["findings"]
    sarif = json.loads((out / "r.sarif").read_text())
    (result,) = sarif["runs"][0]["results"]
    assert result["properties"]["findings"][0]["id"] == finding["id"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 2}
    assert result["level"] == "error"

    html = (out / "r.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and finding["id"] in html and 'class="verdict fail"' in html

    (row,) = csv.DictReader(io.StringIO((out / "r.csv").read_text()))
    assert row["finding_id"] == finding["id"] and row["line"] == "2" and row["action"] == "block"

    suites = ET.fromstring((out / "r.junit").read_bytes())
    assert suites.get("failures") == "1" and suites.get("tests") == "1"

    md = (out / "r.markdown").read_text()
    assert md.startswith("### provcheck: Blocked: 1 of") and "openai-compete" in md


@pytest.mark.parametrize("fmt", ["html", "sarif", "markdown", "csv", "junit"])
def test_every_format_can_go_to_stdout(tmp_path: Path, index_dir: Path, fmt: str) -> None:
    result = run_cli(["scan", dataset(tmp_path), "-i", index_dir, "-f", fmt, "-q"])
    assert result.stdout.strip()


def test_a_clean_scan_is_a_valid_report_in_every_format(tmp_path: Path, index_dir: Path) -> None:
    clean = tmp_path / "clean.jsonl"
    clean.write_text('{"text": "nothing copied here at all"}\n')
    sarif = json.loads(run_cli(["scan", clean, "-i", index_dir, "-f", "sarif", "-q"]).stdout)
    assert sarif["runs"][0]["results"] == []
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is True
    assert check_sarif(sarif)
    html = run_cli(["scan", clean, "-i", index_dir, "-f", "html", "-q"]).stdout
    assert 'class="verdict pass"' in html and "No findings" in html
    junit = ET.fromstring(run_cli(["scan", clean, "-i", index_dir, "-f", "junit", "-q"]).stdout.encode())
    assert junit.get("failures") == "0" and junit.get("tests") == "1"


def test_a_clean_html_report_says_what_share_of_copies_can_block(tmp_path: Path, index_dir: Path) -> None:
    """A gate that fails on ``block`` passes review findings: counsel's report shows, per kind of
    copy, the share whose match can block, and says what a report without blocks does not
    prove (figures from method.json)."""
    from provcheck.report.method import measured

    clean = tmp_path / "clean.jsonl"
    clean.write_text('{"text": "nothing copied here at all"}\n')
    html = run_cli(["scan", clean, "-i", index_dir, "-f", "html", "-q"]).stdout
    m = measured()
    assert all(r.can_block is not None and 0.0 <= r.can_block <= r.recall for r in m.recall)
    low = min(r.can_block for r in m.recall if r.can_block is not None)
    assert "of them, can block" in html and "A report without blocking findings" in html
    assert f"{low:.1%}" in html and "fail on <code>review</code>" in html


def test_a_sarif_log_of_a_scan_that_read_nothing_is_not_a_successful_execution(
    tmp_path: Path, index_dir: Path
) -> None:
    # Every record unreadable (exit 4): no results, and the log said executionSuccessful: true,
    # which a viewer reading the flag (not the notifications) shows as a clean scan (adversarial 14).
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    sarif = json.loads(run_cli(["scan", bad, "-i", index_dir, "-f", "sarif", "-q"], code=4).stdout)
    (invocation,) = sarif["runs"][0]["invocations"]
    assert sarif["runs"][0]["results"] == []
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"]
    assert check_sarif(sarif)


def test_a_csv_of_a_scan_that_read_nothing_is_not_a_bare_header(tmp_path: Path, index_dir: Path) -> None:
    # One row per finding only: a scan whose every record was unreadable (exit 4) wrote the
    # header alone, which a spreadsheet shows as a clean scan (adversarial 14). Each unreadable
    # input is now a row of its own, action "unreadable", with where and why.
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine, but nothing copied"}\n{not json\n')
    text = run_cli(["scan", bad, "-i", index_dir, "-f", "csv", "-q"], code=4).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["action"], r["path"], r["line"]) for r in rows] == [("unreadable", str(bad), "2")]
    assert rows[0]["message"].startswith("parse: ") and rows[0]["finding_id"] == ""
