"""Trust 23, item 4: an approver or ticket at a host no one else can reach is not credited.

Only the domains reserved for examples were caught (``example.com``, ``*.test``…). A ticket at
an IP address reserved for documentation (RFC 5737, RFC 3849), at a loopback, private or
link-local address (a ticket at 127.0.0.1 or 10.x is no ticket anyone else can open), or an
approver at an IDN lookalike of a reserved name (``exаmple.com`` with a Cyrillic ``а``, its
punycode ``xn--exmple-4nf.com``) was credited and waived a blocking finding, exit 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl
from provcheck.waiver_doubts import not_credited

POLICY = "include: [provcheck:default]\nuse: {purpose: train-competing-model, commercial: true}\n"


def _waived(tmp_path: Path, index_dir: Path, who: str, code: int) -> dict[str, object]:
    data = write_jsonl(tmp_path / "data" / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "version: 1\nwaivers:\n  - rule: openai-no-competing-models\n    reason: licensed, contract C-17\n"
        f"{who}    date: 2026-12-01\n    expires: 2027-12-31\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    args = ["scan", data, "-i", index_dir, "-p", policy, "--waivers", waivers, "--no-cache", "-q"]
    run_cli([*args, "-f", "json", "-o", out], code=code)
    doc = json.loads(out.read_text(encoding="utf-8"))
    (f,) = (f for f in doc["findings"] if f["rule"] == "openai-no-competing-models")
    return dict(f)


@pytest.mark.parametrize(
    ("who", "said"),
    [
        (
            "    approver: Jane Doe\n    ticket: https://192.0.2.10/LEGAL-1\n",
            "ticket at 192.0.2.10, an IP address reserved for documentation (192.0.2.0/24, RFC 5737)",
        ),
        (
            "    approver: Jane Doe\n    link: https://[2001:db8::5]:8443/browse/LEGAL-1\n",
            "ticket at 2001:db8::5, an IP address reserved for documentation (2001:db8::/32, RFC 3849)",
        ),
        (
            "    approver: jane@[203.0.113.7]\n",
            "approver at 203.0.113.7, an IP address reserved for documentation (203.0.113.0/24, RFC 5737)",
        ),
        (
            "    approver: Jane Doe\n    ticket: http://127.0.0.1:8080/DATA-1\n",
            "ticket at 127.0.0.1, a loopback IP address",
        ),
        (
            "    approver: Jane Doe\n    ticket: https://10.1.2.3/jira/DATA-1\n",
            "ticket at 10.1.2.3, a private IP address",
        ),
        (
            "    approver: Jane Doe\n    ticket: http://169.254.10.10/DATA-1\n",
            "ticket at 169.254.10.10, a link-local IP address",
        ),
        (
            "    approver: Jane Doe\n    ticket: http://[::ffff:192.168.1.5]/DATA-1\n",
            "a private IP address",
        ),
        (
            "    approver: jane@ex\u0430mple.com\n",  # Cyrillic а
            "approver at ex\u0430mple.com, a lookalike of example.com",
        ),
        (
            "    approver: jane@xn--exmple-4nf.com\n",
            "approver at xn--exmple-4nf.com, a lookalike of example.com ('ex\u0430mple.com')",
        ),
        (
            "    approver: Jane Doe\n    ticket: https://jira.xn--exmple-4nf.org/LEGAL-1\n",
            "ticket at jira.xn--exmple-4nf.org, a lookalike of jira.example.org",
        ),
    ],
)
def test_a_waiver_at_a_host_no_one_can_reach_is_not_credited(
    tmp_path: Path, index_dir: Path, who: str, said: str
) -> None:
    # The old code credited each of these: the blocking copy was waived, exit 0.
    f = _waived(tmp_path, index_dir, who, code=1)
    assert f["waiver_state"] == "not-credited"
    waiver = f["waiver"]
    assert isinstance(waiver, dict) and waiver["credited"] is False
    assert any(said in why for why in waiver["not_credited"]), waiver["not_credited"]


@pytest.mark.parametrize(
    "who",
    [
        "    approver: Jane Doe\n    ticket: https://8.8.8.8/LEGAL-1\n",  # a public address
        "    approver: jane@xn--mnchen-3ya.de\n",  # münchen.de: an IDN, no lookalike of a reserved name
        "    approver: Jane Doe\n    ticket: https://jira.acme.com:8443/LEGAL-1\n",
        "    approver: Jane Doe\n    ticket: DATA-10.1.2.3\n",  # no host
    ],
)
def test_public_hosts_and_real_idns_are_credited(tmp_path: Path, index_dir: Path, who: str) -> None:
    f = _waived(tmp_path, index_dir, who, code=0)
    assert f["waiver_state"] == "waived"


def test_the_forms_are_read_by_the_standard_library() -> None:
    # A URL's host written as one integer is read as browsers read it (3221225985 = 192.0.2.1).
    (why,) = not_credited("Jane Doe", "http://3221225985/LEGAL-1")
    assert why.startswith("ticket at 3221225985 (192.0.2.1), an IP address reserved for documentation")
    # A punycode label that does not decode is no name a resolver looks up: not a lookalike.
    assert not_credited("jane@xn--zz.com") == ()
    # Lookalikes other than Cyrillic: Greek omicron in "localhοst" (a reserved name, RFC 6761).
    assert not_credited("http://localh\u03bfst:8080/x") != ()
