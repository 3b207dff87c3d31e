"""Adversarial pass 22: fail-open paths around the features that landed in session 22.

A waiver's ``link`` was never checked for a domain reserved for examples when a ``ticket`` was
given too (only ``ticket or link`` was read), so ``ticket: DATA-1`` with ``link:
https://jira.example.com/DATA-1`` waived a blocking finding, exit 0. An approver at a host with
an underscore (``jane@legal_team.example.com``) was read as ``legal`` and credited too (the
other forms are in tests/unit/test_reserved.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

BLOCKING_POLICY = """\
include: [provcheck:default]
use: {purpose: train-competing-model, commercial: true}
"""


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


def _scan_waived(tmp_path: Path, index_dir: Path, entry: str, code: int) -> dict[str, object]:
    args, fid = _blocked(tmp_path, index_dir)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        f"version: 1\nwaivers:\n  - id: {fid}\n    reason: licensed under contract C-17\n"
        f"    date: 2026-12-01\n    expires: 2027-12-31\n{entry}",
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    run_cli([*args, "--waivers", waivers, "-q", "-f", "json", "-o", out], code=code)
    doc = json.loads(out.read_text(encoding="utf-8"))
    (f,) = (f for f in doc["findings"] if f["id"] == fid)
    return dict(f)


def test_a_link_at_an_example_domain_is_not_cleared_by_a_ticket(tmp_path: Path, index_dir: Path) -> None:
    # The old code read `ticket or link`: the link was never looked at, the scan passed (exit 0).
    f = _scan_waived(
        tmp_path,
        index_dir,
        "    approver: Jane Doe (counsel)\n    ticket: DATA-1\n    link: https://jira.example.com/DATA-1\n",
        code=1,
    )
    assert f["waiver_state"] == "not-credited"
    waiver = f["waiver"]
    assert isinstance(waiver, dict)
    assert waiver["not_credited"] == [
        "ticket at jira.example.com, a domain reserved for examples (RFC 2606/6761)"
    ]


def test_an_approver_at_an_example_subdomain_with_an_underscore_is_not_credited(
    tmp_path: Path, index_dir: Path
) -> None:
    # The old pattern stopped at '_' and read the host as 'legal': the scan passed, exit 0.
    f = _scan_waived(tmp_path, index_dir, "    approver: jane@legal_team.example.com\n", code=1)
    assert f["waiver_state"] == "not-credited"


@pytest.mark.parametrize(
    ("override", "said"),
    [
        ('"<why>"', "override is still a placeholder, '<why>'"),
        ('"   "', "override is blank; write it, or leave the key out"),
    ],
)
def test_an_approval_over_blocking_findings_needs_a_written_override(
    tmp_path: Path, index_dir: Path, override: str, said: str
) -> None:
    # The refusal's hint says "add 'override: <why>'": pasted as it is, the old code accepted it
    # and the report showed an approval over a blocking finding "override: <why>" (exit 1, the
    # scan's own); a blank override was refused as "must be text, got str".
    args, _ = _blocked(tmp_path, index_dir)
    decision = tmp_path / "decision.yaml"
    decision.write_text(
        f"decision: approve\nname: Jane Doe\nrole: counsel\ndate: 2026-12-01\noverride: {override}\n",
        encoding="utf-8",
    )
    result = run_cli([*args, "--decision", decision, "-f", "json", "-o", tmp_path / "r.json"], code=2)
    assert f"{decision}:5: {said}" in result.stderr
    assert not (tmp_path / "r.json").exists()


def test_a_list_or_mapping_in_a_sources_meta_is_refused(tmp_path: Path, reference_file: Path) -> None:
    # The old code stored Python's repr: derived_from "['tatsu-lab/alpaca']" (a parent no one
    # knows) and basis "['a', 'b']", index build exit 0.
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        f"sources:\n  - path: {reference_file}\n    source: my-distill\n    provider: acme\n"
        "    meta:\n      derived_from: [tatsu-lab/alpaca]\n      basis: {url: https://acme.com/x}\n",
        encoding="utf-8",
    )
    result = run_cli(["index", "build", tmp_path / "idx", "--sources", manifest, "-q"], code=2)
    said = " ".join(result.stderr.split())
    assert (
        f"{manifest}:6: meta derived_from: a list cannot be stored; write names separated by commas" in said
    )
    assert f"{manifest}:7: meta basis: a mapping cannot be stored; write one text" in said


def test_a_waivers_link_is_kept_beside_its_ticket(tmp_path: Path, index_dir: Path) -> None:
    # The old code kept `ticket or link`: with both given, the link was in no report.
    f = _scan_waived(
        tmp_path,
        index_dir,
        "    approver: Jane Doe (counsel)\n    ticket: DATA-1\n    link: https://jira.acme-legal.com/DATA-1\n",
        code=0,
    )
    waiver = f["waiver"]
    assert isinstance(waiver, dict)
    assert waiver["ticket"] == "DATA-1" and waiver["link"] == "https://jira.acme-legal.com/DATA-1"
    html = tmp_path / "r.html"
    args, _ = _blocked(tmp_path / "again", index_dir)
    run_cli([*args, "--waivers", tmp_path / "waivers.yaml", "-q", "-f", "html", "-o", html], code=0)
    assert "link https://jira.acme-legal.com/DATA-1" in html.read_text(encoding="utf-8")
