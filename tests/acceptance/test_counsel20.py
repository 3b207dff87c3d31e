"""Counsel read 20: what the outside counsel read of session 19 left open, each with a test that
fails on the old code. Counsel cannot decide from, or sign, a report whose formats disagree.

1. SARIF had one result per record and rule where every other format counts findings (a record
   copying two references under one rule: 1 result, 2 findings), and its fingerprint was a hash
   of the rule and record, not the finding id counsel reads in the other reports: one result per
   finding now, fingerprinted by its id, and the run's properties count them as JSON does.
2. The sources table's "records" and "share" counted review-only records with the copies that
   block: records that block and records with review, warn or info only are apart and labelled
   (HTML, Markdown, text; JSON ``blocking_records``, ``blocking_share``).
3. A merged report gave one span, first share's start to last share's end: each share's start
   and end are recorded (``run.merged.partials[]``) and said in every format.
4. "V-P" beside the CC BY-NC quote, whose URL is creativecommons.org but whose wording was read
   in stanford_alpaca's copy of the licence, read as "secondary" or "verified at that URL":
   where a label is shown, its meaning is said in words.
5. (found by this read) Markdown gave a run of short records as its first line only.
6. (found by this read) A copy edited throughout was said to leave "the rest of the turn" not
   found, which read as another text beside the copy.
7. (found by this read) JUnit counted 13 test cases for 11 findings (unreadable input and clean
   files are cases too) without saying so: a ``findings`` property counts them as JSON does.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpers import FIXTURES, run_cli
from provcheck.cli import cli
from provcheck.model import CharSpan
from provcheck.report import OutputFormat, ReportContext, formatter
from provcheck.report.clauses import CONFIDENCE
from provcheck.report.meaning import meaning
from provcheck.report.sarif import FINGERPRINT_KEY
from report_samples import sample

FORMATS = {
    "json": "r.json",
    "sarif": "r.sarif",
    "html": "r.html",
    "markdown": "r.md",
    "text": "r.txt",
    "junit": "r.xml",
}


def _words(markup: str) -> str:
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", markup)))


def _answers() -> list[str]:
    refs = (FIXTURES / "demo" / "references" / "chatgpt_share.jsonl").read_text(encoding="utf-8")
    return [json.loads(line)["conversations"][1]["value"] for line in refs.splitlines()[:2]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo dataset and one record whose two answers copy two references of one source (two
    findings of one rule in one record), scanned once into every format."""
    tmp = tmp_path_factory.mktemp("counsel20")
    shutil.copytree(FIXTURES / "demo", tmp / "demo")
    first, second = _answers()
    twice = {
        "id": "conv-twice",
        "conversations": [
            {"from": "human", "value": "Two questions."},
            {"from": "gpt", "value": first},
            {"from": "human", "value": "And the other one?"},
            {"from": "gpt", "value": second},
        ],
    }
    (tmp / "demo" / "dataset" / "twice.jsonl").write_text(json.dumps(twice) + "\n", encoding="utf-8")
    run_cli(["index", "build", tmp / "index", "--sources", tmp / "demo" / "sources.yaml", "--quiet"])
    args: list[object] = ["scan", tmp / "demo" / "dataset", "--index", tmp / "index", "-q"]
    args += ["--policy", tmp / "demo" / "policy.yaml", "--waivers", tmp / "demo" / "waivers.yaml"]
    for fmt, name in FORMATS.items():
        args += ["-f", fmt, "-o", tmp / name]
    run_cli(args, 1)
    out: dict[str, Any] = {fmt: (tmp / name).read_text(encoding="utf-8") for fmt, name in FORMATS.items()}
    out["doc"] = json.loads(out["json"])
    out["log"] = json.loads(out["sarif"])
    return out


def test_sarif_has_one_result_per_finding_fingerprinted_by_its_id(demo: dict[str, Any]) -> None:
    findings = demo["doc"]["findings"]
    twice = [f for f in findings if (f.get("record") or {}).get("id") == "conv-twice"]
    assert len(twice) == 2 and len({f["rule"] for f in twice}) == 1  # one rule, two findings
    (run,) = demo["log"]["runs"]
    results = run["results"]
    assert len(results) == len(findings)
    assert [r["partialFingerprints"][FINGERPRINT_KEY] for r in results] == [f["id"] for f in findings]
    assert [r["properties"]["findingId"] for r in results] == [f["id"] for f in findings]
    summary = demo["doc"]["summary"]
    assert run["properties"]["findings"] == {
        "total": len(findings),
        "open": summary["findings_by_action"],
        "waived": summary["waived"],
    }
    # JUnit's cases count unreadable input and clean files too: it says the findings apart.
    opened = ", ".join(f"{a} {n}" for a, n in summary["findings_by_action"].items())
    said = (
        f'name="findings" value="{len(findings)} ({opened}; waived {summary["waived"]}); test cases: one per'
    )
    assert said in demo["junit"]
    # The waived finding is the one suppressed result.
    suppressed = [r["properties"]["findingId"] for r in results if "suppressions" in r]
    assert suppressed == [f["id"] for f in findings if f["waiver_state"] == "waived"]


def test_the_sources_table_counts_records_that_block_apart_from_review_only(demo: dict[str, Any]) -> None:
    sources = {s["source"]: s for s in demo["doc"]["summary"]["sources"]}
    scanned = demo["doc"]["summary"]["records"]["scanned"]
    deepseek = sources["deepseek-chat-outputs"]  # an info finding: a record, but not a copy that blocks
    assert deepseek["records"] == 1 and deepseek["blocking_records"] == 0 and deepseek["blocking_share"] == 0
    share = sources["sharegpt-dump"]
    assert share["records"] == share["blocking_records"] == 3
    assert share["blocking_share"] == round(3 / scanned, 6)
    pct = f"{1 / scanned:.1%}"
    page = _words(demo["html"])
    assert "records that block (share) records with review, warn or info only (share)" in page
    # No licence since trust 23 (MIT licenses DeepSeek-R1's weights, not the chat service's
    # output); the card's apache-2.0 over its output is a dataset-level note (info).
    assert re.search(
        rf"deepseek-chat-outputs deepseek deepseek-terms-of-use 2 0 \(0\.0%\) 1 \({pct}\) "
        r"\+ 1 dataset-level info",
        page,
    )
    assert re.search(
        rf"\| deepseek-chat-outputs \|.*\| 2 \| 0 \(0\.0%\) \| 1 \({re.escape(pct)}\) "
        r"\+ 1 dataset-level \| info \|",
        demo["markdown"],
    )
    assert "records with review, warn or info only: records whose open findings" in demo["markdown"]
    assert re.search(
        rf"deepseek-chat-outputs .*│ +0 \(0\.0%\) │ +1 \({re.escape(pct)}\) \+ 1 dataset-level │ info",
        demo["text"],
    )


def test_the_label_beside_a_quote_says_what_it_means(demo: dict[str, Any]) -> None:
    assert "not necessarily at the URL cited" in CONFIDENCE["V-P"]
    cc = "https://creativecommons.org/licenses/by-nc/4.0/legalcode"
    said = f"quote confidence V-P ({CONFIDENCE['V-P']})"
    page = _words(demo["html"])
    assert f"{cc} · {said} · wording from a copy dated 2023-05-29" in page
    assert f"{cc}, version 4.0, no effective date, {said}" in demo["markdown"].replace("\\", "")
    assert f"{cc}, {said}, wording from a copy dated 2023-05-29" in re.sub(r"\s+", " ", demo["text"])


def test_a_merged_report_gives_each_shares_start_and_end(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "demo", tmp_path / "demo")
    run_cli(["index", "build", tmp_path / "index", "--sources", tmp_path / "demo" / "sources.yaml", "-q"])
    base: list[object] = ["scan", tmp_path / "demo" / "dataset", "--index", tmp_path / "index", "-q"]
    base += ["--policy", tmp_path / "demo" / "policy.yaml"]
    parts = [tmp_path / f"p{i}.partial" for i in (1, 2)]
    for i, part in enumerate(parts, 1):
        # The shares' own exit codes (findings, the unreadable line) are not what is tested.
        share = [str(a) for a in [*base, "--shard", f"{i}/2", "--partial", part]]
        assert CliRunner().invoke(cli, share, catch_exceptions=False).exit_code in (1, 4)
    outs = {fmt: tmp_path / f"m.{fmt}" for fmt in ("json", "html", "markdown", "text", "junit")}
    args: list[object] = ["merge", *parts, "-q"]
    for fmt, path in outs.items():
        args += ["-f", fmt, "-o", path]
    run_cli(args, 1)
    doc = json.loads(outs["json"].read_text(encoding="utf-8"))
    shares = doc["run"]["merged"]["partials"]
    assert all(p["started_at"] and p["finished_at"] for p in shares)
    said = "; ".join(
        f"shard {p['shard']}: {p['started_at']}"
        + (f" to {p['finished_at']}" if p["finished_at"] != p["started_at"] else "")
        for p in shares
    )
    assert said.startswith("shard 1/2: ")
    for fmt in ("html", "markdown", "text", "junit"):
        text = outs[fmt].read_text(encoding="utf-8")
        shown = _words(text) if fmt == "html" else htmllib.unescape(text).replace("\\", "")
        flat = re.sub(r"\s+", " ", shown)
        assert "first share's start to last share's end; " + said in flat, fmt


def test_the_markdown_records_table_gives_a_runs_lines_as_the_other_formats_do() -> None:
    """Found by this read: a run of short records was ``f.jsonl:5`` in Markdown where HTML and
    text gave ``f.jsonl:5-10``; 4 rows beside "15 records have open findings" read as missing."""
    result = sample()
    first = result.findings[0]
    assert first.record is not None and first.record.location.line == 1
    where = replace(first.record.location, end_line=3, end_index=first.record.location.index + 2)
    assert first.match is not None
    ran = replace(first, match=replace(first.match, record=replace(first.record, location=where)))
    result = replace(result, findings=(ran, *result.findings[1:]))
    text = formatter(OutputFormat.MARKDOWN).render(result, ReportContext())
    assert "| data/train.jsonl:1-3 |" in text
    assert "a run of short records read together is one row, with its first and last line" in text
    assert "data/train.jsonl:1-3" in formatter(OutputFormat.TEXT).render(result, ReportContext())
    page = formatter(OutputFormat.HTML).render(result, ReportContext())
    assert "most severe first; a run of short records read together is one row, with its first" in page


def test_a_copy_edited_throughout_is_not_said_to_have_a_rest_not_found() -> None:
    """Found by this read: a copy with one word in five replaced (80% aligned, the passage
    running through the whole turn) was said to share "the marked passages"; "the rest of the
    turn was not found in the index" read as another text beside the copy."""
    f = next(x for x in sample().findings if x.match is not None and not x.match.evidence.short)
    assert f.match is not None
    text = f.match.record.turn.text
    span = replace(f.match.evidence.spans[0], candidate=CharSpan(0, len(text)))
    edited = replace(f.match.evidence, similarity=0.8, containment=0.8, coverage=0.8, spans=(span,))
    shown = meaning(replace(f, match=replace(f.match, evidence=edited)))
    assert shown is not None and "the words not aligned lie inside them" in shown.shows
    assert "The rest of the turn was not found" not in shown.shows
    middle = replace(span, candidate=CharSpan(0, len(text) // 2))
    half = meaning(replace(f, match=replace(f.match, evidence=replace(edited, spans=(middle,)))))
    assert half is not None and "The rest of the turn was not found in the index." in half.shows
