"""Outside counsel 21's points on wording (helper cwords21): one scan, every format.

* P7: a scan that could not read a record, or read only a dataset card's front matter, says so in
  every human headline beside "Blocked" or "No blocking finding", as JSON ``verdict.complete``
  does of the unreadable record.
* P14: the headline counted a record whose only finding is information (action info) among the
  records "with at least one open finding"; it now says how many are information only, as JSON
  ``summary.records.info_only`` counts them.
* P3/P4: an independent rewrite of a reference's answer to the same prompt, lowered to review
  as ``prompt`` convergence, read like the verbatim copy that blocks; its reason now says how
  much of the words the reference wrote beyond its prompt the candidate repeats and what the test
  is, and Markdown, SARIF and JUnit carry the match's reason as the text and HTML reports do.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from test_prompt20 import ANSWER, OWN_REWRITE, REQUEST

from helpers import run_cli, write_jsonl

POLICY = """\
name: block every match, note a marker
markers:
  - id: self-ref
    label: AI self-reference
    phrases: ["as an AI language model"]
rules:
  - id: any-match
    title: Any match
    signal: match
    when: {match.similarity: {gte: 0}}
    action: block
  - id: self-ref-note
    title: Refers to itself as an AI
    signal: marker
    when: {marker.id: self-ref}
    action: info
"""
FORMATS = {"json": "json", "markdown": "md", "text": "txt", "html": "html", "sarif": "sarif", "junit": "xml"}
HUMAN = ("text", "markdown", "html")
NOTE = "As an AI language model I cannot browse, but here is a summary of the plan."
CARD = "---\nlicense: apache-2.0\n---\n# Emails\n\nWritten by our team.\n"


def _scan(root: Path, emails: list[dict[str, str]], broken: bool, code: int) -> dict[str, Any]:
    """Index the reference, scan ``root/data`` (``emails``, a note with a marker phrase, a
    dataset card and, when ``broken``, a line that is not JSON) in every format."""
    refs = write_jsonl(
        root / "refs.jsonl", [{"id": "ref", "instruction": REQUEST, "input": "", "output": ANSWER}]
    )
    data = root / "data"
    data.mkdir()
    path = write_jsonl(data / "emails.jsonl", emails)
    if broken:
        with path.open("a", encoding="utf-8") as f:
            f.write('{"id": "broken", "output": "unterminated\n')  # not read
    write_jsonl(data / "notes.jsonl", [{"id": "note", "text": NOTE}])
    (data / "README.md").write_text(CARD)
    index = root / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    policy = root / "policy.yaml"
    policy.write_text(POLICY)
    out = {fmt: root / f"r.{ext}" for fmt, ext in FORMATS.items()}
    args: list[Any] = ["scan", "-i", index, data, "-p", policy, "--no-cache", "-q"]
    for fmt, target in out.items():
        args += ["-f", fmt, "-o", target]
    run_cli(args, code=code)
    doc = json.loads(out["json"].read_text())
    texts = {fmt: target.read_text() for fmt, target in out.items()}
    return {"doc": doc, "matches": {m["record"]["id"]: m for m in doc["matches"]}, **texts}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A copy that blocks, an independent rewrite lowered to review, a note whose only finding
    is information, a line that could not be read and a dataset card."""
    emails = [
        {"id": "copy", "instruction": REQUEST, "input": "", "output": ANSWER},
        {"id": "own", "instruction": REQUEST, "input": "", "output": OWN_REWRITE},
    ]
    return _scan(tmp_path_factory.mktemp("cwords21"), emails, broken=True, code=1)


@pytest.fixture(scope="module")
def passed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Nothing blocks and every line is read; the dataset card's body is not scanned."""
    emails = [{"id": "other", "instruction": "Say hello.", "input": "", "output": "Hello there, friend."}]
    return _scan(tmp_path_factory.mktemp("cwords21-pass"), emails, broken=False, code=0)


def _flat(text: str) -> str:
    """Text with its line breaks and runs of spaces as one space (the text report wraps)."""
    return " ".join(text.split())


def headline(reports: dict[str, Any], fmt: str) -> str:
    """The verdict sentence a person reads first, in ``fmt``, unescaped and on one line."""
    if fmt == "text":
        lines = reports["text"].splitlines()
        return _flat(" ".join(lines[1 : lines.index("")]))
    if fmt == "markdown":
        first = reports["markdown"].splitlines()[0]
        assert first.startswith("### provcheck: ")
        return _flat(first.removeprefix("### provcheck: ").replace("\\", ""))
    found = re.search(r'<div class="verdict [a-z]+" id="verdict">(.*?)</div>', reports["html"], re.S)
    assert found is not None
    return _flat(html.unescape(found.group(1)))


UNREAD = re.compile(
    r"Incomplete: 1 file\(s\) or record\(s\) could not be read \(\S*emails\.jsonl:3; each with its "
    r"error in the JSON report\) and were not checked; the counts are of what was read\."
)
CARDS = re.compile(
    r"Of the dataset card \S*README\.md only the front matter was read \(what it declares\); the rest "
    r"was not scanned \(name a card to scan it\)\."
)


@pytest.mark.parametrize("fmt", HUMAN)
def test_a_blocked_scan_says_what_it_could_not_read_in_its_headline(
    reports: dict[str, Any], fmt: str
) -> None:
    """Old code: "Blocked: 1 of 3 records ...; 3 records (100.0%) have at least one open finding."
    and nothing more, while JSON said ``verdict.complete`` false (counsel 21 P7)."""
    assert reports["doc"]["verdict"] == {
        "blocking": True,
        "blocking_findings": 1,
        "fail_on": ["block"],
        "complete": False,
    }
    said = headline(reports, fmt)
    assert said.startswith("Blocked: 1 of 3 records"), said
    assert UNREAD.search(said), said
    assert CARDS.search(said), said


@pytest.mark.parametrize("fmt", HUMAN)
def test_a_scan_without_blocking_finding_names_the_card_it_read_only_the_front_matter_of(
    passed: dict[str, Any], fmt: str
) -> None:
    """Old code: "No blocking finding: ..." with the card's unscanned body only on the line
    listing the files not scanned, which the headline is read without."""
    assert passed["doc"]["verdict"]["complete"] is True  # every line was read
    said = headline(passed, fmt)
    assert said.startswith("No blocking finding: "), said
    assert CARDS.search(said), said
    assert "could not be read" not in said


INFO_ONLY = "(1 of them with information only, action info)"


def test_json_counts_the_records_with_information_only(
    reports: dict[str, Any], passed: dict[str, Any]
) -> None:
    """Old code: no ``info_only``; the note whose only finding is information was one of the
    three records "with at least one open finding" beside the copy that blocks."""
    assert reports["doc"]["summary"]["records"] == {
        "scanned": 3,
        "with_findings": 3,
        "info_only": 1,
        "blocking": 1,
        "waived_only": 0,
        "dataset_level": 0,
        "unruled": 0,
    }
    assert passed["doc"]["summary"]["records"]["info_only"] == 1


@pytest.mark.parametrize("fmt", HUMAN)
def test_the_headline_says_how_many_records_have_information_only(
    reports: dict[str, Any], passed: dict[str, Any], fmt: str
) -> None:
    """Old code: "3 records (100.0%) have at least one open finding." of a copy that blocks, an
    answer to review and a note only (counsel 21 P14)."""
    said = headline(reports, fmt)
    assert f"3 records (100.0%) have at least one open finding {INFO_ONLY}." in said, said
    said = headline(passed, fmt)
    assert f"1 of 2 records (50.0%) have open findings that do not block {INFO_ONLY}." in said, said


def test_the_html_counts_line_says_it_too(reports: dict[str, Any]) -> None:
    line = re.search(r"<p class='records-line'>(.*?)</p>", reports["html"])
    assert line is not None
    assert "1 with information only (action info)" in html.unescape(line.group(1)), line.group(1)


OWN_LEFT = re.compile(
    r"the candidate repeats (\d+)% of the words the reference wrote beyond its prompt \(what it changed "
    r"or added\), where a copy repeats 90% or more of them, at least 10 words, and either 40 words or "
    r"the whole of both texts \(90% of each\) \(matching/convergence\.py own_copied\): it repeats "
    r"fewer, so the prompt explains the match"
)
COPIED = "the prompt does not explain the match"


def test_the_independent_rewrite_says_how_much_of_the_reference_s_own_words_it_repeats(
    reports: dict[str, Any],
) -> None:
    """Old code: "most of the shared passage repeats the reference's own prompt: answers quoting
    the same request share it", with no figure: the copy's "repeats 100%" had no counterpart."""
    own = reports["matches"]["own"]["strength"]
    assert own["convergence"] == "prompt"
    said = OWN_LEFT.search(own["reason"])
    assert said is not None, own["reason"]
    assert 0 < int(said.group(1)) < 90  # a share below the test, truncated not rounded
    copy = reports["matches"]["copy"]["strength"]
    assert COPIED in copy["reason"] and OWN_LEFT.search(copy["reason"]) is None


def _unescaped(reports: dict[str, Any], fmt: str) -> str:
    text = reports[fmt]
    if fmt in ("html", "junit"):
        text = html.unescape(text)
    if fmt == "markdown":
        text = text.replace("\\_", "_")
    return _flat(text)


@pytest.mark.parametrize("fmt", ["markdown", "text", "html", "sarif", "junit"])
def test_every_format_carries_both_reasons(reports: dict[str, Any], fmt: str) -> None:
    """Old code: Markdown, SARIF and JUnit said neither why the copy blocks nor why the rewrite
    does not (counsel 21 P4: "count 0 in each")."""
    text = _unescaped(reports, fmt)
    assert COPIED in text, fmt
    assert OWN_LEFT.search(text), fmt


def test_sarif_and_junit_give_each_finding_its_own_reason(reports: dict[str, Any]) -> None:
    sarif = json.loads(reports["sarif"])
    messages = {
        r["message"]["text"].split(" record ")[0].rsplit(":", 1)[-1]: r["message"]["text"]
        for r in sarif["runs"][0]["results"]
        if r["ruleId"] == "any-match"
    }
    assert set(messages) == {"1", "2"}, messages
    assert COPIED in messages["1"] and OWN_LEFT.search(messages["1"]) is None
    assert OWN_LEFT.search(messages["2"]) and COPIED not in messages["2"]
    cases = [c for c in ET.fromstring(reports["junit"]).iter("testcase") if "any-match" in c.get("name", "")]
    bodies = [_flat("".join(e.text or "" for e in c)) for c in cases]
    assert len(bodies) == 2, bodies
    assert sum(COPIED in b for b in bodies) == 1, bodies
    assert sum(bool(OWN_LEFT.search(b)) for b in bodies) == 1, bodies


def test_html_limits_state_the_test_as_a_share_and_a_count(reports: dict[str, Any]) -> None:
    """Old: "lowered ... only while the record leaves out what the reference wrote beyond that
    prompt", read as "repeats none of it" (counsel 21 P3), where the test is a share and a count."""
    page = html.unescape(reports["html"])
    assert "leaves out what the reference wrote" not in page
    assert (
        "is lowered as likely convergence unless the record also repeats 90% or more of the words "
        "the reference wrote beyond that prompt, at least 10 of them, and either 40 of them or the "
        "whole of both texts (90% of each)"
    ) in page
