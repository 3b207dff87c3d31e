"""Counsel read 21 (outside counsel's read of session 20), points on provenance and policy, each
with a test that fails on the old code.

P12. A merged report recorded each share's scan command but not the ``provcheck merge`` that wrote
     it, and the run's ``command`` was share 1's: the merge command and when it ran are in
     ``run.merged`` (and are the run's ``command``), and said beside each share's command.
P8.  Waivers approved at example.com, one never expiring, read as approvals, and JSON said
     ``"placeholders": 0``: an approver or ticket at a domain reserved for examples (RFC 2606,
     6761) and no expiry make a waiver placeholder-like, flagged with why in every register and
     counted in ``waivers.placeholders`` (the demo keeps its example.com waivers and shows it).
P9.  A finding's action lowered because of a date (the material dated before every wording of
     the clause on record) said so only in the clause's note: ``date_lowering`` in JSON (and
     ``dateLowering`` in SARIF) gives the date, whose date it is, the clause version, from and to.
P2.  A report listed only the rules that made findings: every rule of the policy, with its action
     and the clause it cites, is in ``run.policy.rules`` and in a "Rules checked" section of
     HTML, Markdown and text, with what it did in the scan (for one that fired not, whether it
     could not fire or was evaluated with no finding: counsel 21 P7, tests/acceptance/test_counsel21_rc22.py).
P11. The OpenAI rule's *Applies when* excluded sources under the EU terms and the Services
     Agreement with no word of where they go: the rules of the policy that take them are named.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpers import FIXTURES, ROOT, check_json_report, run_cli
from provcheck.cli import cli
from provcheck.policy.loader import load_policy

FORMATS = {
    "json": "m.json",
    "html": "m.html",
    "markdown": "m.md",
    "text": "m.txt",
    "junit": "m.xml",
    "sarif": "m.sarif",
}


def _flat(text: str, fmt: str) -> str:
    shown = re.sub(r"<[^>]+>", " ", text) if fmt == "html" else text.replace("\\", "")
    return re.sub(r"\s+", " ", htmllib.unescape(shown))


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo scanned in two shares and merged once into every format, with the merge's own
    command line as a shell gave it."""
    tmp = tmp_path_factory.mktemp("cprov21")
    shutil.copytree(FIXTURES / "demo", tmp / "demo")
    run_cli(["index", "build", tmp / "index", "--sources", tmp / "demo" / "sources.yaml", "-q"])
    base: list[object] = ["scan", tmp / "demo" / "dataset", "--index", tmp / "index", "-q"]
    base += ["--policy", tmp / "demo" / "policy.yaml", "--waivers", tmp / "demo" / "waivers.yaml"]
    parts = [tmp / f"p{i}.partial" for i in (1, 2)]
    args = ["merge", *(str(p) for p in parts), "-q"]
    for fmt, name in FORMATS.items():
        args += ["-f", fmt, "-o", str(tmp / name)]
    saved = sys.argv
    try:  # each command records its own command line, as a shell gives it
        for i, part in enumerate(parts, 1):
            share = [str(a) for a in [*base, "--shard", f"{i}/2", "--partial", part]]
            sys.argv = ["provcheck", *share]
            assert CliRunner().invoke(cli, share, catch_exceptions=False).exit_code in (1, 4)
        sys.argv = ["provcheck", *args]
        run_cli(args, 1)
    finally:
        sys.argv = saved
    out: dict[str, Any] = {fmt: (tmp / name).read_text(encoding="utf-8") for fmt, name in FORMATS.items()}
    out["doc"] = json.loads(out["json"])
    check_json_report(out["doc"])  # the schema knows run.merged.command and merged_at
    out["args"] = args
    return out


def test_the_merge_command_and_its_time_are_recorded_beside_each_shares(merged: dict[str, Any]) -> None:
    run = merged["doc"]["run"]
    facts = run["merged"]
    assert facts["command"] == ["provcheck", *merged["args"]]
    assert run["command"] == facts["command"]  # the command that wrote the report, not share 1's
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", facts["merged_at"])
    assert facts["merged_at"] >= run["finished_at"]
    assert [p["command"][1] for p in facts["partials"]] == ["scan", "scan"]
    for fmt in ("html", "junit"):  # the formats that give the command line
        flat = _flat(merged[fmt], fmt)
        assert f"merge (at {facts['merged_at']}): provcheck merge " in flat, fmt
        start = flat.index("merge (at ")
        assert (
            start
            < flat.index("; shard 1/2: provcheck scan ", start)
            < flat.index("; shard 2/2: provcheck", start)
        )
    for fmt in ("html", "markdown", "text", "junit"):  # every format that says when the scan ran
        assert f"merged {facts['merged_at']} by provcheck merge" in _flat(merged[fmt], fmt), fmt


def test_the_openai_rule_names_the_rules_that_take_the_sources_it_leaves_out(merged: dict[str, Any]) -> None:
    from provcheck.policy.describe import handed_over  # new in this read

    policy = load_policy(str(ROOT / "policies" / "openai.yaml"))
    rules = {r.id: r for r in policy.rules}
    said = handed_over(rules["openai-no-competing-models"], policy.rules)
    assert "sources under “openai-eu-terms-of-use” are judged by openai-eu-no-competing-models, " in said
    assert (
        "sources under “openai-services-agreement” are judged by openai-api-competition-undeclared, " in said
    )
    assert "openai-api-no-competing-models" in said
    assert handed_over(rules["openai-eu-no-competing-models"], policy.rules) == ""  # excludes nothing
    # In the report, after the condition it explains.
    (finding,) = [f for f in merged["doc"]["findings"] if f["rule"] == "openai-no-competing-models"][:1]
    words = finding["applies_when_words"]
    assert words.startswith("all of: (1) the source's provider is “openai”")
    assert "“openai-services-agreement” (so sources under “openai-eu-terms-of-use” are judged by " in words
    assert "are judged by openai-eu-no-competing-models" in _flat(merged["text"], "text")
    assert "are judged by openai-eu-no-competing-models" in _flat(merged["html"], "html")


def test_a_rule_whose_excluded_sources_no_rule_takes_says_so() -> None:
    from provcheck.policy.describe import handed_over

    policy = load_policy(str(ROOT / "policies" / "openai.yaml"))
    rule = next(r for r in policy.rules if r.id == "openai-no-competing-models")
    others = [r for r in policy.rules if not r.id.startswith(("openai-eu-", "openai-api-"))]
    said = handed_over(rule, others)
    assert "sources under “openai-eu-terms-of-use” are judged by no other rule of this policy instead" in said


@pytest.mark.parametrize(
    ("text", "reserved"),
    [
        ("legal@example.com", "example.com"),
        ("https://tickets.example.org/DATA-1", "tickets.example.org"),
        ("ops@EXAMPLE.NET", "example.net"),
        ("a@corp.example", "corp.example"),
        ("a@ci.test", "ci.test"),
        ("http://jira.invalid/X", "jira.invalid"),
        ("http://localhost/X", "localhost"),
        ("legal@acme.com", None),
        ("a@myexample.com", None),
        ("https://example.co/x", None),
        ("Jane Doe (counsel)", None),
    ],
)
def test_reserved_example_domains(text: str, reserved: str | None) -> None:
    from provcheck.waivers import reserved_domain

    assert reserved_domain(text) == reserved


def test_example_domain_and_never_expiring_waivers_are_flagged_and_counted(merged: dict[str, Any]) -> None:
    doc = merged["doc"]
    # The one in force is approved at example.com: not credited (P4), so no waived finding is
    # placeholder-like; the expired one waives nothing either.
    assert doc["waivers"]["placeholders"] == 0 and doc["waivers"]["not_credited"] == 1
    assert doc["waivers"]["placeholders_from_baseline"] == 0
    doubts = {f["waiver"]["approver"]: f["waiver"]["doubts"] for f in doc["findings"] if f["waiver"]}
    assert doubts["data-governance@example.com"] == [
        "approver at example.com, a domain reserved for examples (RFC 2606/6761)",
        "no expiry: it is never reviewed again",
    ]
    assert doubts["legal@example.com"] == [
        "approver at example.com, a domain reserved for examples (RFC 2606/6761)",
        "ticket at example.com, a domain reserved for examples (RFC 2606/6761)",
    ]
    flag = (
        "claimed, not credited (finding open): approver at example.com, a domain reserved for examples "
        "(RFC 2606/6761); also no expiry"
    )
    assert flag in _flat(merged["markdown"], "markdown")
    assert flag in _flat(merged["html"], "html")  # the waiver register
    text = _flat(merged["text"], "text")
    assert "(PLACEHOLDER-LIKE: approver at example.com, a domain reserved for examples" in text  # expired
    assert "CLAIMED, NOT CREDITED, finding open: approver at example.com" in text
    md = _flat(merged["markdown"], "markdown")
    assert "0 finding(s) waived; 1 open with a waiver claimed, not credited" in md


def test_a_lowering_for_the_materials_date_is_machine_readable(merged: dict[str, Any]) -> None:
    lowered = {f["id"]: f for f in merged["doc"]["findings"] if f["date_lowering"]}
    assert list(lowered) == ["9280acf6bc7e13a9ebc5"]  # every other finding: null
    f = lowered["9280acf6bc7e13a9ebc5"]
    assert f["action"] == "review" and f["downgraded_from"] is None  # not its evidence: its date
    assert f["date_lowering"] == {
        "date": "2023-03-13",
        "date_of": "alpaca-style-nc",
        "clause": {
            "terms": "openai-terms-of-use",
            "clause": "compete",
            "document": "OpenAI Terms of Use",
            "version": None,
            "effective": "2023-03-14",
        },
        "from": "block",
        "to": "review",
    }
    assert f["clause"]["effective"] == f["date_lowering"]["clause"]["effective"]
    sarif = json.loads(merged["sarif"])
    props = [
        p
        for r in sarif["runs"][0]["results"]
        for p in r["properties"]["findings"]
        if p["id"] == "9280acf6bc7e13a9ebc5"
    ]
    assert [p["dateLowering"] for p in props] == [f["date_lowering"]]


def test_the_date_is_the_first_dated_of_the_source_its_dataset_and_chain() -> None:
    import datetime as dt

    from provcheck.policy.dating import dated
    from provcheck.policy.model import SourceFacts

    day = dt.date(2023, 1, 2)
    undated, own = SourceFacts(name="dump"), SourceFacts(name="dataset:d", date=day)
    parent = SourceFacts(name="chatgpt", date=dt.date(2024, 5, 1))
    assert dated(undated, own, parent) == (day, "dataset:d")
    assert dated(undated, parent) == (dt.date(2024, 5, 1), "chatgpt")
    assert dated(undated) == (None, None)


def test_every_rule_checked_is_listed_fired_or_not(merged: dict[str, Any]) -> None:
    policy = load_policy(str(FIXTURES / "demo" / "policy.yaml"))
    rules = merged["doc"]["run"]["policy"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in policy.rules]
    fired = {f["rule"] for f in merged["doc"]["findings"]}
    quiet = next(r for r in rules if r["id"] == "anthropic-api-no-competing-models")
    assert quiet["id"] not in fired
    assert quiet == {
        "id": "anthropic-api-no-competing-models",
        "title": "Claude API output used to train a competing model",
        "action": "block",
        "signal": "match",
        "enabled": True,
        "document": "Anthropic Commercial Terms of Service",
        "terms": "anthropic-commercial-terms",
        "clause": "compete",
        "section": "D.4",
        "could_not_fire": "no indexed source from anthropic",
    }
    licence = next(r for r in rules if r["id"] == "noncommercial-licence-in-commercial-use")
    # A document of licence texts: its versions are different licences, none the rule's own.
    assert (licence["document"], licence["section"]) == ("Non-commercial licence terms", None)
    row = (
        "anthropic-api-no-competing-models Claude API output used to train a competing model block "
        "match Anthropic Commercial Terms of Service, D.4 (anthropic-commercial-terms: compete) could not "
        "fire: no indexed source from anthropic"
    )
    html = _flat(merged["html"], "html")
    assert f"Rules checked Rules checked: {len(rules)} of the policy's {len(rules)};" in html
    assert row in html
    md = _flat(merged["markdown"], "markdown")
    assert (
        "| anthropic-api-no-competing-models | Claude API output used to train a competing model | block | "
        "Anthropic Commercial Terms of Service, D.4 (anthropic-commercial-terms: compete) | could not fire: "
        "no indexed source from anthropic |"
    ) in md
    # conv-007's waiver is not credited (approved at example.com): its finding is not waived.
    assert "| marker-ai-self-reference | " in md and "| 1 finding(s) |" in md
    text = _flat(merged["text"], "text")
    # The terminal gives the rules that made findings in full and the others by id.
    assert (
        "[block] openai-no-competing-models: OpenAI output used to develop a competing model; clause: "
    ) in text
    nothing = re.search(r"(\d+) found nothing: (\d+) could not fire .*?, (\d+) evaluated with no", text)
    assert nothing is not None
    assert int(nothing.group(1)) == int(nothing.group(2)) + int(nothing.group(3))
    assert "could not fire: no indexed source from anthropic (6): anthropic-no-competing-models, " in text


def test_the_terminal_warns_of_placeholder_like_waivers(tmp_path: Path) -> None:
    run_cli(["index", "build", tmp_path / "index", "--sources", FIXTURES / "demo" / "sources.yaml", "-q"])
    args: list[object] = ["scan", FIXTURES / "demo" / "dataset", "--index", tmp_path / "index"]
    args += ["--policy", FIXTURES / "demo" / "policy.yaml", "--waivers", FIXTURES / "demo" / "waivers.yaml"]
    args += ["-f", "json", "-o", tmp_path / "r.json"]
    err = run_cli(args, 1).stderr
    assert (
        "WARNING: 1 finding(s) open: their waiver's approver or ticket is at a host reserved for "
        "examples or documentation (example.com, 192.0.2.1...) or not publicly reachable "
        "(127.0.0.1...), so it is claimed, not credited"
    ) in " ".join(err.split())
    assert "waived by a waiver that never expires" not in err  # the one never expiring is not credited
    assert "still have the baseline placeholder" not in err
