"""Outside counsel 20's points taken by the lead, each with a test that fails on the code before.

P15: the terminal report clipped every clause's words at 400 characters,
so the CC BY-NC 4.0 quote cited as "section 2(a)(1); 1(i)" stopped at "NonCo…" before the
definition of NonCommercial (1(i)) it rests on; the Markdown summary cited the section without
any words. Both now give each clause's words in full, once.

P17: a dataset card's row in the records table named its first line only.

P18: the HTML summary's error rates led with recall (found, to block or to review: 96.8%-100%)
where a gate failing on block stops fewer (74.2%-99.8% per kind): it now leads with what can
block."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, run_cli

DEFINITION = (
    "i. NonCommercial means not primarily intended for or directed towards commercial advantage "
    "or monetary compensation."
)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("quotes")
    shutil.copytree(FIXTURES / "demo", root / "demo")
    demo = root / "demo"
    run_cli(["index", "build", root / "index", "--sources", demo / "sources.yaml", "--quiet"])
    args: list[object] = ["scan", demo / "dataset", "--index", root / "index"]
    args += ["--policy", demo / "policy.yaml", "--waivers", demo / "waivers.yaml", "-q"]
    args += ["-f", "text", "-o", root / "r.txt", "-f", "markdown", "-o", root / "r.md"]
    run_cli([*args, "-f", "html", "-o", root / "r.html", "-f", "sarif", "-o", root / "r.sarif"], 1)
    return {fmt: (root / f"r.{fmt}").read_text(encoding="utf-8") for fmt in ("txt", "md", "html", "sarif")}


def _flat(text: str) -> str:
    return " ".join(text.replace("\\", "").split())


def test_the_terminal_report_quotes_the_definition_it_cites_once(reports: dict[str, str]) -> None:
    text = _flat(reports["txt"])
    assert DEFINITION in text
    assert text.count(DEFINITION) == 1, "each clause's words are printed once, then referred to"
    assert "NonCo…" not in text
    # Every later finding under the same clause points back to the words.
    assert len(re.findall(r"clause: as quoted in full above", text)) >= 2


def test_the_markdown_summary_quotes_each_cited_clause(reports: dict[str, str]) -> None:
    text = _flat(reports["md"])
    assert "Clauses quoted, in full as the policy records them:" in text
    assert DEFINITION in text
    assert (
        "section 2(c)(iii): “(iii) use output from the Services to develop models that compete with OpenAI;”"
        in text
    )


def test_the_summary_leads_with_the_copies_that_can_block(reports: dict[str, str]) -> None:
    page = reports["html"]
    start = page.index("<h3>Error rates of the method</h3>")
    rates = re.sub(r"<[^>]+>", "", page[start : page.index("</p>", start)])
    first = re.search(r"Copies that can block \(.*?\): (\d+\.\d)%–(\d+\.\d)% per kind", rates)
    assert first is not None, rates
    assert rates.index("Copies that can block") < rates.index("Recall")
    low, high = float(first.group(1)), float(first.group(2))
    found = re.search(r"Recall \(.*?\): (\d+\.\d)%–", rates)
    assert found is not None and low <= float(found.group(1)) and low < high <= 100.0


def test_the_records_row_of_a_card_names_every_line_with_a_finding(reports: dict[str, str]) -> None:
    """P17: the demo card's findings rest on its lines 2 (license) and 6 (source_datasets); the
    records table named README.md:2 only, beside evidence and a waiver citing README.md:6."""
    for fmt in ("txt", "md", "html"):
        assert "dataset/README.md:2, 6" in re.sub(r"<[^>]+>", "", reports[fmt]), fmt
    assert "dataset/README.md:6: source_datasets = tatsu-lab/alpaca" in reports["txt"]


def test_a_sources_facts_are_said_to_be_what_the_index_recorded(reports: dict[str, str]) -> None:
    """Outside counsel 21 (P1): "copies output of gpt-3.5-turbo" stated as fact what was only the
    index builder's word (the demo's sources say their texts stand in for provider outputs): the
    packs' messages say "text recorded as output of", and every sources table says where a
    source's facts come from and that provcheck does not verify them."""
    html = _flat(re.sub(r"<[^>]+>", " ", reports["html"]))
    assert "copies text recorded as output of gpt-3.5-turbo (sharegpt-dump)" in html
    assert "copies output of" not in html
    for fmt in ("txt", "md", "html"):
        flat = _flat(re.sub(r"<[^>]+>", " ", reports[fmt]))
        assert "provcheck verifies that records match its text, not where that text came from" in flat, fmt


def test_a_date_lowering_is_said_in_the_sarif_message_and_for_the_right_reason(
    reports: dict[str, str],
) -> None:
    """Outside counsel 21 (P3): the Alpaca record's OpenAI finding, lowered to review because the
    material is dated a day before the earliest wording on record, was a SARIF warning worded as
    the restriction, the lowering only in properties; and its note blamed "pre-2023 wording" for
    material of 2023."""
    results = json.loads(reports["sarif"])["runs"][0]["results"]
    lowered = [r for r in results if r["properties"]["findings"][0]["dateLowering"] is not None]
    assert lowered, "the demo has a finding lowered for its date"
    for r in lowered:
        assert (
            "lowered to review: the material is dated 2023-03-13, before the date of the earliest wording"
            in (r["message"]["text"])
        )
    flat = _flat(re.sub(r"<[^>]+>", " ", reports["html"]))
    assert "as pre-2023 wording is not verified" not in flat
    # Counsel 23 (P10): the reference's own words, for what they support.
    assert "No version between 2023-01-01 and 2023-03-13 is on record" in flat
    assert "Pre-2023 wording: not verified" in flat


def test_the_decision_facts_give_each_file_and_what_unmatched_records_were_checked_against(
    reports: dict[str, str],
) -> None:
    """Outside counsel 21 (P2): the records that matched nothing read as cleared, beside a file
    read in ShareGPT's format whose matched rows were ShareGPT copies, on an index of 10 texts;
    and the example condition (remove the records listed) implied that was enough."""
    page = reports["html"]
    block = _flat(
        re.sub(r"<[^>]+>", " ", page.split('<section id="decision"', 1)[1].split("</section>", 1)[0])
    )
    assert (
        "dataset/sft_mix.jsonl (read as sharegpt): 7 record(s), 4 with open findings (sharegpt-dump, "
        "marker: AI self-reference (ChatGPT-era filter phrase), deepseek-chat-outputs), 3 with none; "
        "1 unreadable"
    ) in block
    assert (
        "A record with no finding was checked only against the 10 text(s) of the 3 indexed source(s)" in block
    )
    assert "removing the records listed does not show the rest clean" in block


def test_a_records_row_gives_the_action_of_a_rule_that_is_not_the_rows_worst(reports: dict[str, str]) -> None:
    """Outside counsel 21 (P10): the Alpaca record's row, worst "block", listed
    openai-no-competing-models (lowered to review for its date) as if it blocked too."""
    for fmt in ("txt", "md", "html"):
        flat = _flat(re.sub(r"<[^>]+>", " ", reports[fmt]))
        assert "openai-no-competing-models (review)" in flat, fmt
        assert "noncommercial-licence-in-commercial-use (block)" not in flat, fmt


def test_markdown_statements_are_not_clipped_by_a_long_path(tmp_path: Path) -> None:
    """The Markdown waivers line was clipped at 500 characters: under a long temporary path (a
    fresh clone's test run) it lost "entries matching no finding: N" after the not-credited clause."""
    deep = tmp_path.joinpath(*["a-rather-long-directory-name-for-a-checkout"] * 5)
    shutil.copytree(FIXTURES / "demo", deep / "demo")
    demo = deep / "demo"
    run_cli(["index", "build", tmp_path / "index", "--sources", demo / "sources.yaml", "--quiet"])
    out = tmp_path / "r.md"
    args: list[object] = ["scan", demo / "dataset", "--index", tmp_path / "index", "--policy"]
    run_cli(
        [*args, demo / "policy.yaml", "--waivers", demo / "waivers.yaml", "-q", "-f", "markdown", "-o", out],
        1,
    )
    line = next(ln for ln in out.read_text(encoding="utf-8").splitlines() if ln.startswith("<br>**Waivers**"))
    assert re.search(r"; 1 re-opened \(waiver expired\); entries matching no finding: \d+$", line), line[
        -200:
    ]
