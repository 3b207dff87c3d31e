"""The record-first view of a result, the report's identity, counsel's decision file, and the
engineers' formats that follow from them (terminal, SARIF, repository paths)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from provcheck.model import Action, ContentHash, Location, ScanResult
from provcheck.report import OutputFormat, ReportContext, formatter
from provcheck.report.decision import DecisionError, load_decision
from provcheck.report.locations import line_url, repo_path, web_url
from provcheck.report.records import record_view, report_identity
from provcheck.report.sarif import FINGERPRINT_KEY
from provcheck.report.terminal import printable
from report_samples import many, sample, with_run

CTX = ReportContext()


def on_records(n: int, per_record: int) -> ScanResult:
    """``many(n)`` with ``per_record`` findings (different rules and references) on each record."""
    result = many(n)
    findings = []
    for i, f in enumerate(result.findings):
        k = i // per_record
        assert f.match is not None
        rec = replace(
            f.match.record,
            location=Location(f"data/shard-{k % 7}.jsonl", k, k + 1),
            content_hash=ContentHash(f"{k:032x}"),
        )
        findings.append(replace(f, match=replace(f.match, record=rec)))
    return replace(result, findings=tuple(findings))


# ---- records and sources


def test_records_are_counted_once_whatever_their_findings() -> None:
    result = on_records(300, 3)
    rs = record_view(result, frozenset({Action.BLOCK}))
    assert len(rs.rows) == 100 and rs.counts.with_findings == 100
    assert all(r.findings == 3 and len(r.rules) == 3 for r in rs.rows)
    # A record is blocking when any of its findings blocks: the first 25 of 100 findings block
    # in many(), every fourth; with three findings a record, 75 records hold a block finding.
    blocking = {i // 3 for i, f in enumerate(result.findings) if f.action is Action.BLOCK}
    assert rs.counts.blocking == len(blocking)
    assert rs.rows[0].worst == "block" and rs.rows[-1].worst != "block"
    by_source = {s.source: s for s in rs.sources}
    assert sum(s.findings for s in rs.sources) == 300
    assert all(s.records <= 100 for s in rs.sources)
    assert by_source["sharegpt-dump"].share == by_source["sharegpt-dump"].records / 300


def test_every_indexed_source_is_listed_and_an_empty_one_is_flagged() -> None:
    result = sample()
    details = [
        {
            "name": "sharegpt-dump",
            "provider": "openai",
            "license": None,
            "terms": "t",
            "records": 3,
            "texts": 3,
        },
        {
            "name": "never-matched",
            "provider": "acme",
            "license": "MIT",
            "terms": None,
            "records": 5,
            "texts": 5,
        },
        {"name": "empty", "provider": None, "license": None, "terms": None, "records": 0, "texts": 0},
    ]
    result = with_run(result, index={**result.run.to_dict()["index"], "source_details": details})
    rs = record_view(result, frozenset({Action.BLOCK}))
    by_name = {s.source: s for s in rs.sources}
    assert by_name["never-matched"].records == 0 and by_name["never-matched"].worst is None
    assert by_name["never-matched"].license == "MIT" and by_name["empty"].texts == 0
    html = formatter(OutputFormat.HTML).render(result, CTX)
    assert "0: empty, matches nothing" in html and "could match nothing" in html
    doc = json.loads(formatter(OutputFormat.JSON).render(result, CTX))
    assert {s["source"] for s in doc["summary"]["sources"]} >= {"never-matched", "empty"}


def test_a_waived_record_and_a_declaration_are_not_records_with_open_findings() -> None:
    rs = record_view(sample(), frozenset({Action.BLOCK}))
    counts = rs.counts
    assert counts.dataset_level == 1  # the dataset card's declaration
    assert counts.waived_only == 1
    assert counts.with_findings == len([r for r in rs.rows if r.index is not None and r.worst != "waived"])


def test_a_clean_result_says_what_was_checked_and_never_pass() -> None:
    clean = replace(sample(), findings=(), matches=(), errors=())
    html = formatter(OutputFormat.HTML).render(clean, CTX)
    assert "PASS" not in html and 'class="verdict pass"' in html
    assert "No blocking finding: none of the 17 records read matched the indexed sources" in html
    assert "is <b>not detected</b>" in html
    md = formatter(OutputFormat.MARKDOWN).render(clean, CTX)
    assert "PASS" not in md and "sources not in the index is not detected" in md
    text = " ".join(formatter(OutputFormat.TEXT).render(clean, CTX).split())
    assert "No blocking finding" in text and "only the indexed sources" in text


def test_convergent_matches_and_markers_are_never_called_copied() -> None:
    from provcheck.model import Strength

    base = sample()
    conv = Strength(0.1, "common-passage", "shares a common passage", ("sharegpt-dump",), False)
    findings = tuple(
        replace(f, match=replace(f.match, strength=conv)) if f.match is not None else f for f in base.findings
    )
    html = formatter(OutputFormat.HTML).render(replace(base, findings=findings), CTX)
    assert "as copied" not in html
    summary = html[html.index('<section id="summary">') : html.index('<section id="decision"')]
    assert "suggest it derives" not in summary  # no record rests on a match that asserts derivation
    assert "are not evidence of copying" in summary and "marker phrase" in summary


def test_the_markdown_source_table_names_the_clause_in_force() -> None:
    rs = record_view(sample(), frozenset({Action.BLOCK}))
    cited = next(s for s in rs.sources if s.source == "sharegpt-dump").clauses
    assert cited  # the sample cites OpenAI's terms for this source
    md = formatter(OutputFormat.MARKDOWN).render(sample(), CTX)
    header = next(line for line in md.splitlines() if line.startswith("| source |"))
    assert header.rstrip().endswith("| worst action | matched, no rule applies | clause |")
    row = next(line for line in md.splitlines() if line.startswith("| sharegpt-dump |"))
    assert row.rstrip().endswith(f"| {cited[0]} |")


def test_the_markdown_says_what_a_match_does_and_does_not_establish() -> None:
    from provcheck.model import Strength

    base = sample()
    conv = Strength(0.1, "common-passage", "shares a common passage", ("sharegpt-dump",), False)
    findings = tuple(
        replace(f, match=replace(f.match, strength=conv)) if f.match is not None else f for f in base.findings
    )
    md = formatter(OutputFormat.MARKDOWN).render(replace(base, findings=findings), CTX)
    assert "not who wrote it first" in md and "text from other sources is not detected" in md
    assert "marked as likely convergence" in md and "not evidence of copying" in md
    plain = formatter(OutputFormat.MARKDOWN).render(base, CTX)
    assert "not who wrote it first" in plain and "likely convergence" not in plain


def test_the_summary_error_rates_include_the_hardest_same_prompt_set() -> None:
    from provcheck.report.html.summary import error_rates
    from provcheck.report.method import measured

    # The unfiltered set (b), every answer: the filtered set (a) hides the hardest answers.
    hardest = max((r for r in measured().same_prompt if r.set == "b"), key=lambda r: r.matched / r.records)
    text = error_rates(sample())
    assert f"holding {hardest.refs} answers to each prompt" in text
    assert f"{hardest.matched:,} of {hardest.records:,} ({hardest.matched / hardest.records:.2%})" in text
    assert "sharing little wording with the references" in text  # the 0.12% set is filtered


def test_a_result_without_findings_never_says_no_record_matched_when_some_did() -> None:
    base = sample()
    matched = tuple(f.match for f in base.findings if f.match is not None)
    quiet = replace(base, findings=(), matches=matched, unruled=matched, errors=())
    html = formatter(OutputFormat.HTML).render(quiet, CTX)
    proves = html[html.index("<ul class='proves'>") :]
    assert "no record matched" not in proves[: proves.index("</ul>")]
    records = len({(m.record.location.path, m.record.location.index) for m in matched})
    assert f"{records:,} record(s) did match an indexed source" in proves
    assert 'href="#unmatched"' in proves and '<section id="unmatched">' in html


def test_charts_count_records_and_never_cut_a_label() -> None:
    long = "alpacaeval-gpt4-1106-preview-outputs"
    result = many(40)
    findings = tuple(
        replace(
            f,
            match=replace(f.match, reference=replace(f.match.reference, source=replace(f.source, name=long))),
            source=replace(f.source, name=long),  # a source row counts the findings whose source it is
        )
        if f.match is not None and f.source is not None and i % 2
        else f
        for i, f in enumerate(result.findings)
    )
    html = formatter(OutputFormat.HTML).render(replace(result, findings=findings), CTX)
    charts = re.findall(r'<figure class="chart">.*?</figure>', html)
    assert [re.search(r"<figcaption>(.*?)</figcaption>", c)[1] for c in charts] == [  # type: ignore[index]
        "Records by worst action",
        "Records by source",
        "Records by rule",
    ]
    assert f">{long}</text>" in html and "…</text>" not in html


# ---- identity


def test_the_report_id_depends_on_findings_and_inputs_not_on_time() -> None:
    result = sample()
    ident = report_identity(result)
    later = with_run(result, finished_at="2030-01-01T00:00:00+00:00", command=["x"])
    assert report_identity(later) == ident
    fewer = replace(result, findings=result.findings[1:])
    assert report_identity(fewer).digest != ident.digest
    other_index = with_run(result, index={**result.run.to_dict()["index"], "digest": "0" * 32})
    assert report_identity(other_index).id != ident.id
    doc = json.loads(formatter(OutputFormat.JSON).render(result, CTX))
    assert doc["report"] == {"id": ident.id, "digest": ident.digest}
    assert f'content="{ident.digest}"' in formatter(OutputFormat.HTML).render(result, CTX)


# ---- decision file


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "decision.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


GOOD = (
    "decision: approve-with-conditions\nconditions: [Drop the blocking records.]\n"
    "name: Jane Doe\nrole: Counsel\ndate: 2026-12-05\n"
)


def test_a_decision_file_is_read_and_shown(tmp_path: Path) -> None:
    d = load_decision(write(tmp_path, GOOD))
    assert d.label == "Approve with conditions" and d.conditions == ("Drop the blocking records.",)
    html = formatter(OutputFormat.HTML).render(sample(), replace(CTX, decision=d))
    block = html[html.index('<section id="decision"') :]
    block = block[: block.index("</section>")]
    assert "Approve with conditions" in block and "Jane Doe" in block and "2026-12-05" in block
    assert "<input" not in block  # a recorded decision is text, not a form
    doc = json.loads(formatter(OutputFormat.JSON).render(sample(), replace(CTX, decision=d)))
    assert doc["decision"]["name"] == "Jane Doe"


def test_without_a_decision_the_block_is_a_form_to_fill_and_sign() -> None:
    html = formatter(OutputFormat.HTML).render(sample(), CTX)
    block = html[html.index('<section id="decision"') :]
    block = block[: block.index("</section>")]
    for name in ("decision", "conditions", "name", "role", "date"):
        assert f'name="{name}"' in block
    assert "Signature" in block and report_identity(sample()).digest in block


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD + "nmae: x\n", "unknown key 'nmae'; did you mean 'name'?"),
        (GOOD.replace("approve-with-conditions", "aprove"), "did you mean 'approve'?"),
        (GOOD.replace("date: 2026-12-05", "date: 5 Dec"), "is not an ISO date"),
        (GOOD.replace("name: Jane Doe\n", ""), "missing 'name'"),
        (GOOD.replace("conditions: [Drop the blocking records.]\n", ""), "needs at least one entry"),
        (GOOD.replace("approve-with-conditions", "approve"), "use 'approve-with-conditions'"),
        ("- a list\n", "expected a mapping"),
        ("decision: [unclosed\n", "invalid YAML"),
    ],
)
def test_a_bad_decision_file_is_refused_with_its_line(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(DecisionError) as err:
        load_decision(write(tmp_path, text))
    assert problem in str(err.value) and err.value.exit_code == 2
    assert "decision.yaml" in str(err.value)


# ---- engineers' formats


def test_the_terminal_never_folds_an_identifier_and_shows_newlines() -> None:
    assert printable("a\nb\r\x1b[2J") == "a⏎b\\x0d\\x1b[2J"
    text = formatter(OutputFormat.TEXT).render(on_records(30, 2), replace(CTX, width=60))
    for rule in ("openai-no-competing-models", "noncommercial-license-in-commercial-model"):
        assert rule in text  # whole, although the terminal is 60 columns wide
    assert "data/shard-0.jsonl:1 " in text


def test_sarif_has_one_result_per_finding_with_relative_locations() -> None:
    result = on_records(90, 3)  # 3 findings a record, each of another rule
    doubled = replace(result, findings=tuple(f for f in result.findings for _ in range(2)))
    log = json.loads(formatter(OutputFormat.SARIF).render(doubled, CTX))
    results = log["runs"][0]["results"]
    assert len(results) == 180  # one a finding, as every other report counts them
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in results]
    # A repeated finding id (identical records share it) is told apart by its occurrence.
    assert len(set(prints)) == 180
    assert prints[:2] == [results[0]["properties"]["findingId"], results[0]["properties"]["findingId"] + ":2"]
    for r in results:
        assert len(r["properties"]["findings"]) == 1
        for related in r["relatedLocations"]:
            uri = related["physicalLocation"]["artifactLocation"]
            assert uri["uriBaseId"] == "%SRCROOT%" and not uri["uri"].startswith("file:")
    assert "file://" not in json.dumps(results)


def test_paths_are_relative_to_the_repository_and_linked_to_their_lines() -> None:
    git: dict[str, Any] = {
        "root": "/w/repo",
        "prefix": "sub",
        "commit": "abc123",
        "web": "https://github.com/o/r",
    }
    run = with_run(sample(), git=git).run
    assert repo_path("data/x.jsonl", run) == "sub/data/x.jsonl"
    assert repo_path("/w/repo/data/x.jsonl", run) == "data/x.jsonl"
    assert repo_path("/elsewhere/x.jsonl", run) == "/elsewhere/x.jsonl"
    assert repo_path("../../out.jsonl", run) == "../../out.jsonl"
    assert line_url("data/x y.jsonl", 7, run) == "https://github.com/o/r/blob/abc123/sub/data/x%20y.jsonl#L7"
    assert line_url("/elsewhere/x.jsonl", 7, run) is None
    result = sample()
    md = formatter(OutputFormat.MARKDOWN).render(with_run(result, git=git), CTX)
    assert "[sub/data/train.jsonl:1](https://github.com/o/r/blob/abc123/sub/data/train.jsonl#L1)" in md


@pytest.mark.parametrize(
    ("remote", "web"),
    [
        ("git@github.com:owner/repo.git", "https://github.com/owner/repo"),
        ("https://user:ghp_secret@github.com/owner/repo.git", "https://github.com/owner/repo"),
        ("ssh://git@gitlab.example.com:2222/group/repo.git", "https://gitlab.example.com/group/repo"),
        ("/srv/git/repo.git", None),
        ("file:///srv/git/repo.git", None),
        (None, None),
    ],
)
def test_a_remote_becomes_a_web_address_without_credentials(remote: str | None, web: str | None) -> None:
    assert web_url(remote) == web


def test_the_running_header_cannot_be_escaped_from_by_a_path() -> None:
    result = sample()
    hostile = 'data/"; } </style><script>alert(1)</script>\n'
    html = formatter(OutputFormat.HTML).render(with_run(result, paths=[hostile]), CTX)
    page_style = re.search(r"<style>(@page .*?)</style>", html)
    assert page_style is not None
    assert "<" not in page_style[1] and '"; }' not in page_style[1]
    assert "<script>alert(1)" not in html
