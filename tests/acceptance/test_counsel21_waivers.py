"""Counsel review 21, P4 and P10: a waiver nobody can be shown to have approved is not credited.

P4: a waiver approved at example.com (or with its ticket there, or at another domain reserved
for examples) suppressed its finding: the finding left the headline's counts, the scan passed,
the HTML Decision said waived findings "count as accepted by their approvers", SARIF marked it
``accepted`` and JSON said ``placeholder: false`` beside a non-empty ``doubts``. Such a waiver
is now claimed, not credited: its finding stays open, as under an expired waiver, and every
register says so and why. A waiver with no expiry only is credited and stays flagged (SARIF
``underReview``).

P10: the Markdown "Waived findings (2)" sat beside "1 finding(s) waived": the register is
titled by its entries and their states.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import FIXTURES, REFERENCE_TEXTS, check_json_report, run_cli, write_jsonl

BLOCKING_POLICY = """\
include: [provcheck:default]
use: {purpose: train-competing-model, commercial: true}
"""

EXAMPLE_DOMAIN = "approver at example.com, a domain reserved for examples (RFC 2606/6761)"


def _blocked(tmp_path: Path, index_dir: Path) -> tuple[list[object], str]:
    """Scan arguments for a dataset holding one blocking copy, and that finding's id."""
    data = write_jsonl(tmp_path / "data" / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    args: list[object] = ["scan", data, "-i", index_dir, "-p", policy, "--no-cache"]
    doc = tmp_path / "first.json"
    run_cli([*args, "-q", "-f", "json", "-o", doc], code=1)
    (finding,) = (f for f in json.loads(doc.read_text())["findings"] if f["action"] == "block")
    return args, finding["id"]


def _waive(tmp_path: Path, fid: str, approver: str, extra: str = "") -> Path:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        f"version: 1\nwaivers:\n  - id: {fid}\n    reason: licensed under contract C-17\n"
        f"    approver: {approver}\n    date: 2026-12-01\n{extra}",
        encoding="utf-8",
    )
    return waivers


def _reports(tmp_path: Path, args: list[object], waivers: Path, code: int) -> dict[str, str]:
    out = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "sarif", "html", "markdown", "text")}
    cmd = [*args, "--waivers", waivers]
    for fmt, path in out.items():
        cmd += ["-f", fmt, "-o", path]
    result = run_cli(cmd, code=code)
    texts = {fmt: path.read_text(encoding="utf-8") for fmt, path in out.items()}
    texts["stderr"] = result.stderr
    return texts


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).replace("&#x27;", "'")


@pytest.mark.parametrize(
    ("approver", "extra", "why"),
    [
        ("data-governance@example.com", "    expires: 2027-12-31\n", EXAMPLE_DOMAIN),
        (
            "Jane Doe (counsel)",
            "    expires: 2027-12-31\n    ticket: https://jira.corp.test/LEGAL-1\n",
            "ticket at jira.corp.test, a domain reserved for examples (RFC 2606/6761)",
        ),
    ],
)
def test_a_waiver_at_a_reserved_example_domain_leaves_its_finding_open(
    tmp_path: Path, index_dir: Path, approver: str, extra: str, why: str
) -> None:
    args, fid = _blocked(tmp_path, index_dir)
    # Exit 1 as if unwaived: the old code passed the scan (exit 0) on this waiver.
    r = _reports(tmp_path, args, _waive(tmp_path, fid, approver, extra), code=1)
    doc = json.loads(r["json"])
    check_json_report(doc)
    (f,) = (f for f in doc["findings"] if f["id"] == fid)
    assert (f["waived"], f["waiver_state"]) == (False, "not-credited")
    w = f["waiver"]
    assert w["credited"] is False and w["not_credited"] == [why] and w["placeholder"] is True
    assert doc["verdict"]["blocking"] is True and doc["summary"]["waived"] == 0
    assert (doc["waivers"]["waived"], doc["waivers"]["not_credited"]) == (0, 1)
    # SARIF: nothing suppressed; the state is in the properties.
    (result,) = (x for x in json.loads(r["sarif"])["runs"][0]["results"] if x["ruleId"] == f["rule"])
    assert "suppressions" not in result
    # Every register shows the entry as claimed, not credited, with why.
    register = _words(r["html"][r["html"].index('<section id="waivers"') :])
    assert f"claimed, not credited (finding open): {why}" in register
    assert "1 entry: 1 not credited." in register
    assert "Waiver register (1 entry: 1 not credited)" in r["markdown"]
    assert f"claimed, not credited (finding open): {why}" in _words(r["markdown"])
    assert f"CLAIMED, NOT CREDITED, finding open: {why}" in " ".join(r["text"].split())
    assert "1 open (waiver not credited)" in r["stderr"]
    # The Decision counts it as not accepted by anyone, and says why.
    decision = _words(r["html"][r["html"].index('<section id="decision"') :])
    decision = decision[: decision.index("Conditions")]
    assert "count as accepted by their approvers only where the waiver was credited" in decision
    assert f"1 waiver entry was not credited ({tmp_path / 'waivers.yaml'}:3: {why})" in decision
    assert "1 finding(s) they claim to waive are open" in decision


def test_a_waiver_that_never_expires_is_credited_and_under_review(tmp_path: Path, index_dir: Path) -> None:
    args, fid = _blocked(tmp_path, index_dir)
    r = _reports(tmp_path, args, _waive(tmp_path, fid, "counsel@acme-legal.com"), code=0)
    doc = json.loads(r["json"])
    check_json_report(doc)
    (f,) = (f for f in doc["findings"] if f["id"] == fid)
    assert (f["waived"], f["waiver_state"]) == (True, "waived")
    w = f["waiver"]
    # The old code wrote placeholder: false beside these doubts.
    assert w["doubts"] == ["no expiry: it is never reviewed again"]
    assert (w["placeholder"], w["baseline"], w["credited"], w["not_credited"]) == (True, False, True, [])
    assert doc["waivers"]["placeholders"] == 1 and doc["waivers"]["not_credited"] == 0
    (result,) = (x for x in json.loads(r["sarif"])["runs"][0]["results"] if x["ruleId"] == f["rule"])
    (suppression,) = result["suppressions"]
    assert suppression["status"] == "underReview"  # was "accepted"
    assert suppression["justification"].endswith("; placeholder-like: no expiry: it is never reviewed again")
    assert "Waiver register (1 entry: 1 in force)" in r["markdown"]
    assert "in force (placeholder-like: no expiry" in _words(r["markdown"])
    assert "1 finding(s) waived by a waiver that never expires" in " ".join(r["stderr"].split())


def test_a_credited_waiver_is_preferred_to_one_not_credited(tmp_path: Path, index_dir: Path) -> None:
    args, fid = _blocked(tmp_path, index_dir)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        f"version: 1\nwaivers:\n  - id: {fid}\n    reason: r\n    approver: a@example.org\n"
        "    date: 2026-12-01\n    expires: 2027-01-01\n"
        "  - rule: openai-no-competing-models\n    reason: licensed\n    approver: Jane Doe\n"
        "    date: 2026-12-01\n    expires: 2027-01-01\n",
        encoding="utf-8",
    )
    r = _reports(tmp_path, args, waivers, code=0)
    (f,) = (f for f in json.loads(r["json"])["findings"] if f["id"] == fid)
    assert f["waiver_state"] == "waived" and f["waiver"]["approver"] == "Jane Doe"


def test_the_demo_shows_a_waiver_claimed_not_credited(tmp_path: Path) -> None:
    run_cli(["index", "build", tmp_path / "index", "--sources", FIXTURES / "demo" / "sources.yaml", "-q"])
    demo = FIXTURES / "demo"
    args: list[object] = ["scan", demo / "dataset", "--index", tmp_path / "index", "--policy"]
    args += [demo / "policy.yaml", "--waivers", demo / "waivers.yaml"]
    md = tmp_path / "r.md"
    run_cli([*args, "-f", "markdown", "-o", md], code=1)
    text = md.read_text(encoding="utf-8")
    # P10: the old title, "Waived findings (2)", sat beside "1 finding(s) waived".
    assert "Waiver register (2 entries: 1 not credited, 1 expired)" in text
    assert "Waived findings (" not in text
    # conv-007's finding, no longer waived, is among the records with an open finding.
    assert "5 records (45.5%) have at least one open finding" in text.splitlines()[0]
