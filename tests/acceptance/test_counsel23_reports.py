"""Outside counsel 23's points on report consistency (helper cs23): the demo scan in every format.

* P8: the sources table counted a finding for the indexed source its record matched, while JSON
  ``findings[].source`` and SARIF name the source whose facts met the rule: tatsu-lab/alpaca's
  research-only block was counted for alpaca-style-nc, the table giving tatsu-lab/alpaca a worst
  action of review, and model:openai/text-davinci-003 (the source of two findings) had no row.
  Each finding is now counted for its own source, "via" the matched (or declared) source.
* P11: "Records with findings (6 …)" stood beside "5 records have at least one open finding".
* P12: "0.72 of such copies …, kept only where it can block" gave the recall (0.715) as the share
  able to block (0.660); held-out rows had a date and no code identity.
* P13: the text and Markdown decision line left out notes, signature and scan_run_by, and joined
  conditions "before training.; Re-scan"; SARIF carried no decision.
* P14: the Markdown sources table cut a clause cell mid-date ("OpenAI Terms of Use, effective 20…").
* P5 (wording): "near-duplicate" labelled a match covering 47% of the reference and 57% of the
  record's turn; the label now says which side it covers (JSON ``kind`` is unchanged).
"""

from __future__ import annotations

import html as htmllib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from helpers import FIXTURES, REFERENCE_TEXTS, UNRELATED_TEXT, check_json_report, run_cli, write_jsonl

FORMATS = {"json": "r.json", "sarif": "r.sarif", "text": "r.txt", "markdown": "r.md", "html": "r.html"}
DECISION = """\
decision: approve-with-conditions
conditions:
  - Remove the records listed under "Records with findings" before training.
  - Re-scan once the index holds the ShareGPT sources
name: Counsel Twenty-Three
role: outside counsel
date: 2026-12-07
notes: Reviewed the demo only; fixtures are stand-ins.
signature: /s/ C. T.
scan_run_by: CI job 42
"""


def _flat(text: str, fmt: str) -> str:
    text = re.sub(r"<wbr\s*/?>", "", text)  # a break opportunity inside a name, not a space
    shown = re.sub(r"<[^>]+>", " ", text) if fmt == "html" else text.replace("\\", "")
    return re.sub(r"\s+", " ", htmllib.unescape(shown))


def _scan(tmp: Path, args: list[Any], code: int) -> dict[str, Any]:
    for fmt, name in FORMATS.items():
        args += ["-f", fmt, "-o", tmp / name]
    run_cli(args, code)
    out: dict[str, Any] = {fmt: (tmp / n).read_text(encoding="utf-8") for fmt, n in FORMATS.items()}
    out.update({f"flat_{fmt}": _flat(out[fmt], fmt) for fmt in ("text", "markdown", "html")})
    out["doc"] = json.loads(out["json"])
    out["sarif_doc"] = json.loads(out["sarif"])
    check_json_report(out["doc"])  # the schema knows via and onward_findings
    return out


def _demo(tmp: Path, *extra: Any) -> dict[str, Any]:
    run_cli(["index", "build", tmp / "index", "--sources", FIXTURES / "demo" / "sources.yaml", "-q"])
    args: list[Any] = ["scan", FIXTURES / "demo" / "dataset", "--index", tmp / "index", "-q", "--no-cache"]
    args += ["--policy", FIXTURES / "demo" / "policy.yaml", "--waivers", FIXTURES / "demo" / "waivers.yaml"]
    return _scan(tmp, [*args, *extra], 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _demo(tmp_path_factory.mktemp("cs23-demo"))


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("cs23-decided")
    decision = tmp / "decision.yaml"
    decision.write_text(DECISION, encoding="utf-8")
    return _demo(tmp, "--decision", decision)


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Another scan: a record copying a non-commercial source derived from tatsu-lab/alpaca, one
    copying plain OpenAI output, and a card naming tatsu-lab/alpaca under apache-2.0."""
    tmp = tmp_path_factory.mktemp("cs23-other")
    nc = write_jsonl(tmp / "nc.jsonl", [{"id": "nc-0", "text": REFERENCE_TEXTS[0]}])
    gpt = write_jsonl(tmp / "gpt.jsonl", [{"id": "gpt-0", "text": REFERENCE_TEXTS[1]}])
    index = tmp / "index"
    facts = ["--provider", "openai", "--meta", "date=2023-06-01", "-q"]
    run_cli(["index", "add", index, nc, "--source", "nc-copy", *facts, "--license", "CC-BY-NC-4.0"])
    run_cli(["index", "add", index, gpt, "--source", "gpt-out", *facts, "--terms", "openai-terms-of-use"])
    data = tmp / "data"
    data.mkdir()
    write_jsonl(
        data / "rows.jsonl",
        [
            {"id": "a", "text": REFERENCE_TEXTS[0]},
            {"id": "b", "text": REFERENCE_TEXTS[1]},
            {"id": "c", "text": UNRELATED_TEXT},
        ],
    )
    (data / "README.md").write_text(
        "---\nlicense: apache-2.0\nsource_datasets:\n- tatsu-lab/alpaca\n---\n# Rows\n", encoding="utf-8"
    )
    policy = tmp / "policy.yaml"
    policy.write_text(
        "version: 1\nname: other\ninclude: [provcheck:default]\n"
        "use: {purpose: train-competing-model, commercial: true, distributed: true}\n"
        "sources:\n  nc-copy:\n    derived_from: tatsu-lab/alpaca\n",
        encoding="utf-8",
    )
    return _scan(tmp, ["scan", data, "--index", index, "--policy", policy, "-q", "--no-cache"], 1)


def _by_source(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["source"]: s for s in doc["summary"]["sources"]}


def _counted_for(f: dict[str, Any]) -> str:
    """The finding's own source, else (a marker) what it rests on."""
    if f["source"] is not None:
        return str(f["source"]["name"])
    return f"marker: {f['marker']['label']}" if f.get("marker") else ""


# P8 ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scan", ["demo", "other"])
def test_summary_sources_count_each_finding_for_its_own_source(
    scan: str, request: pytest.FixtureRequest
) -> None:
    out = request.getfixturevalue(scan)
    doc = out["doc"]
    by_name = Counter(_counted_for(f) for f in doc["findings"])
    rows = {s["source"]: s["findings"] for s in doc["summary"]["sources"] if s["findings"]}
    assert rows == dict(by_name)
    named = Counter(f["source"]["name"] for f in doc["findings"] if f["source"] is not None)
    assert {n: rows[n] for n in named} == dict(named)
    # SARIF results name the same sources.
    results = out["sarif_doc"]["runs"][0]["results"]
    sarif = Counter(r["properties"]["source"]["name"] for r in results if r["properties"].get("source"))
    assert sarif == named
    # A source's worst action and blocking records follow the findings counted for it.
    for name, row in _by_source(doc).items():
        mine = [f for f in doc["findings"] if _counted_for(f) == name and not f["waived"]]
        if mine:
            rank = ["info", "warn", "review", "block"]
            assert row["worst_action"] == max((f["action"] for f in mine), key=rank.index), name
        blocking = {
            (f["record"]["path"], f["record"]["index"])
            for f in mine
            if f["action"] == "block" and f["record"]
        }
        assert row["blocking_records"] == len(blocking), name


def test_the_demo_counts_alpaca_research_block_for_tatsu_lab_alpaca_via_the_matched_source(
    demo: dict[str, Any],
) -> None:
    rows = _by_source(demo["doc"])
    alpaca = rows["tatsu-lab/alpaca"]
    assert (alpaca["findings"], alpaca["worst_action"], alpaca["blocking_records"]) == (4, "block", 1)
    assert alpaca["via"] == ["alpaca-style-nc"] and alpaca["indexed"] is False
    model = rows["model:openai/text-davinci-003"]
    assert (model["findings"], model["worst_action"]) == (2, "review")
    assert model["via"] == ["tatsu-lab/alpaca", "alpaca-style-nc"]
    nc = rows["alpaca-style-nc"]
    # Its own findings, and those it led to that are counted for the sources above (the old view).
    assert (nc["findings"], nc["onward_findings"], nc["via"]) == (3, 3, [])
    assert rows["sharegpt-dump"]["findings"] == 3
    # Every human table says the same, with the matched source named.
    assert "tatsu-lab/alpaca (not indexed) via alpaca-style-nc" in demo["flat_text"]
    assert re.search(
        r"\| tatsu-lab/alpaca \(not indexed\) via alpaca-style-nc \|[^\n]*\| \*\*block\*\* \|",
        demo["markdown"],
    )
    assert (
        "model:openai/text-davinci-003 (not indexed) via tatsu-lab/alpaca, alpaca-style-nc"
        in demo["markdown"]
    )
    assert "tatsu-lab/alpaca (not an indexed source) via alpaca-style-nc" in demo["flat_html"]
    assert "model:openai/text-davinci-003 (not an indexed source) via" in demo["flat_html"]
    said = "a finding is counted for the source whose facts met its rule"
    for fmt in ("text", "markdown", "html"):
        assert said in demo[f"flat_{fmt}"], fmt


# P11 ---------------------------------------------------------------------------------------------


def test_records_with_findings_says_which_rows_are_records(demo: dict[str, Any]) -> None:
    # 8 findings on README.md since trust 23: its apache-2.0 over DeepSeek's chat output, which
    # has no licence of its own (the demo's MIT was DeepSeek-R1's weights' licence).
    rows = "6 rows: 5 records and 1 dataset-level row (README.md, 8 findings)"
    assert f"**Records with findings** ({rows}; one row per record or declaring file" in demo["markdown"]
    assert f"Records with findings ({rows}):" in demo["flat_text"]
    assert f"Every record with a finding, one line each ({rows})" in demo["flat_html"]
    assert ">Records (6 rows)<" in demo["html"]
    assert demo["doc"]["summary"]["records"]["with_findings"] == 5  # the headline's count
    # The text sources table's column holding "+ 3 dataset-level" says they are findings.
    assert "By source (records; after +, dataset-level findings):" in demo["text"]
    assert "records review/warn/info only (+ dataset-level findings)" in demo["text"]
    assert "By source (records, not findings)" not in demo["text"]


def test_a_text_report_under_either_title_is_not_scanned_as_data(tmp_path: Path) -> None:
    """The text report is recognised beside the data by its sources title (``inputs.ownreport``):
    the new title, and the one earlier versions wrote."""
    from provcheck.inputs.ownreport import own_report

    head = "provcheck report \u00b7 declared use: train (policy)\nBlocked: 1 of 2 records\n\n"
    for i, title in enumerate(("records; after +, dataset-level findings", "records, not findings")):
        path = tmp_path / f"r{i}.txt"
        path.write_text(f"{head}By source ({title}):\n| source |\n", encoding="utf-8")
        assert own_report(str(path)), title


# P12 ---------------------------------------------------------------------------------------------


def test_copies_edited_throughout_give_recall_and_can_block_apart(demo: dict[str, Any]) -> None:
    html = demo["flat_html"]
    assert "kept only where it can block" not in html and "0.72 " not in html
    assert "found in 71.5%, able to block in 66.0% of such copies of held-out sources (200 copies" in html
    # Each held-out row says which code measured it, here that none is recorded.
    assert (
        "recall 0.715, can block 0.660 (200 copies, python benchmarks/heldout_kinds.py , 2026-12-07, "
        "code not recorded)" in html
    )
    assert (
        "found in 71.5%, able to block in 66.0% of copies with one word in every 4-6 replaced"
        in demo["flat_markdown"]
    )
    assert (
        "found in 71.5%, able to block in 66.0% of copies with one word in every 4-6 replaced"
        in demo["flat_text"]
    )


# P13 ---------------------------------------------------------------------------------------------


def test_text_and_markdown_decision_line_holds_the_whole_decision(decided: dict[str, Any]) -> None:
    for fmt in ("text", "markdown"):
        flat = decided[f"flat_{fmt}"]
        assert (
            'conditions: (1) Remove the records listed under "Records with findings" before training. '
            "(2) Re-scan once the index holds the ShareGPT sources · by Counsel Twenty-Three "
            "(outside counsel), 2026-12-07 · notes: Reviewed the demo only; fixtures are stand-ins. · "
            "signature: /s/ C. T. · "
            "scan run by (as the decision file states): CI job 42 · in "
        ) in flat, fmt
        assert "training.;" not in flat, fmt


def test_sarif_carries_the_decision(decided: dict[str, Any], demo: dict[str, Any]) -> None:
    said = decided["sarif_doc"]["runs"][0]["properties"]["decision"]
    assert said["decision"] == "approve-with-conditions" and said["signature"] == "/s/ C. T."
    assert (
        said["notes"] == "Reviewed the demo only; fixtures are stand-ins."
        and said["scan_run_by"] == "CI job 42"
    )
    assert said["given_over"].startswith("Approve with conditions given over 4 blocking finding(s)")
    assert {k: v for k, v in said.items() if k != "given_over"} == decided["doc"]["decision"]
    assert demo["sarif_doc"]["runs"][0]["properties"]["decision"] is None


def test_decision_docs_agree_on_the_formats_that_show_it() -> None:
    root = FIXTURES.parent
    formats = "html, pdf, json, markdown, text and sarif"
    cli = (root / "docs" / "cli.md").read_text(encoding="utf-8")
    assert cli.count(f"to show in the {formats} reports") == 2  # scan and merge
    assert f"shown in the {formats} reports" in (root / "docs" / "commands.md").read_text(encoding="utf-8")
    assert "html, pdf and json" not in cli


# P14 ---------------------------------------------------------------------------------------------


def test_markdown_sources_table_never_cuts_a_clause(demo: dict[str, Any]) -> None:
    table = [line for line in demo["markdown"].splitlines() if line.startswith("| alpaca-style-nc |")]
    assert len(table) == 1
    assert "effective 20…" not in table[0]
    assert (
        "OpenAI Terms of Use, effective 2023-03-14 (see its note) (the provider's default terms: this "
        "source's terms not recorded) |"
    ) in table[0]


# P5 (wording) ------------------------------------------------------------------------------------


def test_near_duplicate_label_says_which_side_it_covers(demo: dict[str, Any]) -> None:
    partial = "near-duplicate of the record's turn: 57% of it; 47% of the reference"
    assert f"{partial}; similarity 1.00, containment 0.47, coverage 0.57" in demo["flat_html"]
    assert f"{partial}; similarity 1.00, containment 0.47, coverage" in demo["flat_text"]
    results = demo["sarif_doc"]["runs"][0]["results"]
    related = [loc["message"]["text"] for r in results for loc in r.get("relatedLocations", [])]
    assert any(f"({partial}, similarity 1.00" in m for m in related)
    # The JSON enum is unchanged, and so is the verdict.
    assert {m["kind"] for m in demo["doc"]["matches"]} == {"near-duplicate"}
    assert demo["doc"]["verdict"]["blocking_findings"] == 4
