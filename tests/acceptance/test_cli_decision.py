"""``provcheck scan --decision FILE`` and ``index info`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli_scan import BLOCK_POLICY, dataset

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

DECISION = "decision: reject\nname: Jane Doe\nrole: Product counsel\ndate: 2026-12-05\n"


def scan_args(tmp_path: Path, index_dir: Path) -> list[object]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    return ["scan", dataset(tmp_path), "-i", index_dir, "-p", policy, "-q"]


def test_a_decision_is_regenerated_with_its_report(tmp_path: Path, index_dir: Path) -> None:
    args = scan_args(tmp_path, index_dir)
    first = tmp_path / "first.json"
    run_cli([*args, "-f", "json", "-o", first], 1)
    report_id = json.loads(first.read_text())["report"]["id"]
    decision = tmp_path / "decision.yaml"
    decision.write_text(DECISION + f"report: {report_id}\n")
    html, doc = tmp_path / "r.html", tmp_path / "r.json"
    run_cli([*args, "--decision", decision, "-f", "html", "-o", html, "-f", "json", "-o", doc], 1)
    page = html.read_text()
    assert '<section id="decision" class="decision filled">' in page and "Jane Doe" in page
    assert json.loads(doc.read_text())["decision"]["decision"] == "reject"
    assert json.loads(doc.read_text())["run"]["decision"] == str(decision)


def test_a_decision_about_another_report_is_refused(tmp_path: Path, index_dir: Path) -> None:
    decision = tmp_path / "decision.yaml"
    decision.write_text(DECISION + "report: PC-000000000000\n")
    out = tmp_path / "r.html"
    result = run_cli([*scan_args(tmp_path, index_dir), "--decision", decision, "-f", "html", "-o", out], 2)
    assert "is not this scan's report" in result.stderr and not out.exists()


def test_a_decision_no_report_shows_and_a_misspelt_key_are_refused(tmp_path: Path, index_dir: Path) -> None:
    decision = tmp_path / "decision.yaml"
    decision.write_text(DECISION)
    result = run_cli([*scan_args(tmp_path, index_dir), "--decision", decision, "-f", "csv"], 2)
    assert "--decision is shown only in html, pdf, json, markdown, text and sarif reports" in result.stderr
    decision.write_text(DECISION + "sigature: /s/ Jane\n")
    result = run_cli([*scan_args(tmp_path, index_dir), "--decision", decision, "-f", "json"], 2)
    assert "decision.yaml:5: unknown key 'sigature'; did you mean 'signature'?" in result.stderr


def test_index_info_never_cuts_a_source_name(tmp_path: Path) -> None:
    refs = tmp_path / "refs.jsonl"
    write_jsonl(refs, [{"text": t} for t in REFERENCE_TEXTS[:2]])
    name = "alpacaeval-gpt4-1106-preview-outputs-with-a-long-name"
    idx = tmp_path / "idx"
    run_cli(["index", "add", idx, refs, "--source", name, "--provider", "openai-with-a-long-provider", "-q"])
    out = run_cli(["index", "info", idx]).stdout
    assert name in out and "openai-with-a-long-provider" in out


def test_pdf_without_its_browser_is_refused_before_the_scan(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVCHECK_CHROMIUM", str(tmp_path / "no-such-browser"))
    out = tmp_path / "r.pdf"
    result = run_cli([*scan_args(tmp_path, index_dir), "-f", "pdf", "-o", out], 2)
    assert "PROVCHECK_CHROMIUM" in result.stderr and "not an executable" in result.stderr
    assert not out.exists() and "scanned" not in result.stderr


def test_an_approval_over_blocking_findings_needs_an_override_and_says_so_everywhere(
    tmp_path: Path, index_dir: Path
) -> None:
    """Outside counsel 21 (P5): "decision: approve" with no conditions over three blocking
    findings rendered "Decision Approve, Conditions none" with nothing saying it overrode the
    report's verdict, and the Markdown and text reports did not show the decision at all."""
    args = scan_args(tmp_path, index_dir)
    decision = tmp_path / "decision.yaml"
    decision.write_text("decision: approve\nname: Jane Doe\nrole: Product counsel\ndate: 2026-12-05\n")
    html, md, txt = tmp_path / "r.html", tmp_path / "r.md", tmp_path / "r.txt"
    outputs: list[object] = ["-f", "html", "-o", html, "-f", "markdown", "-o", md, "-f", "text", "-o", txt]
    refused = run_cli([*args, "--decision", decision, *outputs], 2)
    assert "decision 'approve' over" in refused.stderr and "needs 'override:'" in refused.stderr
    assert not html.exists() and not md.exists() and not txt.exists()
    decision.write_text(decision.read_text() + "override: licensed from the provider under contract C-12\n")
    run_cli([*args, "--decision", decision, *outputs], 1)
    block = html.read_text().split('<section id="decision"', 1)[1].split("</section>", 1)[0]
    assert "<dt>Given over</dt><dd><b>Approve given over " in block
    assert (
        "blocking finding(s)" in block and "override: licensed from the provider under contract C-12" in block
    )
    for out in (md, txt):
        flat = " ".join(out.read_text().replace("*", "").split())
        assert "Decision on record: Approve given over " in flat, out.name
        assert (
            "override: licensed from the provider under contract C-12 · by Jane Doe (Product counsel)" in flat
        )


def test_an_approval_over_review_findings_that_fail_the_scan_needs_an_override_too(
    tmp_path: Path, index_dir: Path
) -> None:
    """adv22: the override was asked for over blocking findings only; under --fail-on review an
    approve over the review findings that fail the gate went through without one."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY.replace("action: block", "action: review"))
    args: list[object] = ["scan", dataset(tmp_path), "-i", index_dir, "-p", policy, "-q"]
    decision = tmp_path / "decision.yaml"
    decision.write_text("decision: approve\nname: Jane Doe\nrole: Product counsel\ndate: 2026-12-05\n")
    out = tmp_path / "r.json"
    run_cli([*args, "--decision", decision, "-f", "json", "-o", out], 0)  # review does not fail by default
    out.unlink()
    refused = run_cli([*args, "--fail-on", "review", "--decision", decision, "-f", "json", "-o", out], 2)
    assert "open finding(s) that fail the scan" in refused.stderr and not out.exists()
