"""The counsel-facing reports decidable and signable (fourth pass): what was not scanned, and why,
in sentences that are whole and do not contradict the findings.

1. A record that is not valid JSON is listed under Unreadable input with a sentence that ends:
   Python's "Unterminated string starting at" was cut off before its position, so counsel read
   "invalid JSON at column 68: Unterminated string starting at" as a truncated reason; the column
   now ends the sentence ("invalid JSON: unterminated string starting at column 68"), in the JSON
   lines and JSON-document readers alike.
2. A dataset card listed under Files not scanned is not said to be unread when its front matter was
   read: the section said "the verdict says nothing about their content" while the card's declared
   licence and source datasets were findings of the same report; it now says the front matter was
   read (its declarations are findings above) and only the body was not.
3. A clause whose policy records no section (the Gemini API, xAI and 27 May 2025 Mistral terms,
   cited by quote alone) says "section not recorded (find the quoted words in the document)" in
   every format that cites it, as a clause without a URL already said "URL not recorded": the
   citation went from the document to its date, as if the pinpoint had been dropped.
4. A finding's Reference row names the reference turn's role and field as such: "turn output
   output" (an Alpaca reference, whose role and field are both "output") read as a slip; it is
   now "turn output, field output", as the candidate's own Turn and Field rows name them.
5. The sources table (HTML and Markdown) counts a source's dataset-level findings beside its
   records: the source the card declares (tatsu-lab/alpaca) read "0 records, 0.0%, review", a
   review about nothing; it now reads "0 + 2 dataset-level", with a note saying what that is.

The demo is scanned through the real command line as `make demo` does.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, run_cli


def _words(markup: str) -> str:
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("counsel12")
    shutil.copytree(FIXTURES / "demo", root / "demo")
    demo = root / "demo"
    run_cli(["index", "build", root / "index", "--sources", demo / "sources.yaml", "--quiet"])
    args: list[object] = ["scan", demo / "dataset", "--index", root / "index"]
    args += ["--policy", demo / "policy.yaml", "--waivers", demo / "waivers.yaml", "-q"]
    args += ["-f", "html", "-o", root / "report.html", "-f", "json", "-o", root / "report.json"]
    run_cli(args, 1)
    return {
        "html": (root / "report.html").read_text(encoding="utf-8"),
        "json": json.loads((root / "report.json").read_text(encoding="utf-8")),
    }


# --- 1. an unreadable record's reason is a whole sentence ---------------------------------------


def test_an_unterminated_string_is_reported_with_its_column_at_the_end(demo: dict[str, object]) -> None:
    errors = demo["json"]["errors"]  # type: ignore[index]
    messages = [e["message"] for e in errors]
    assert messages == ["invalid JSON: unterminated string starting at column 68"]
    assert "unterminated string starting at column 68" in _words(str(demo["html"]))


@pytest.mark.parametrize("name", ["bad.jsonl", "bad.json"])
def test_both_json_readers_end_the_sentence_with_the_column(name: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    text = '{"instruction": "x", "output": "never closed}\n'
    (data / name).write_text(text if name.endswith("l") else "[" + text, encoding="utf-8")
    index = tmp_path / "index"
    run_cli(["index", "build", index, "--sources", FIXTURES / "demo" / "sources.yaml", "--quiet"])
    out = tmp_path / "report.json"
    run_cli(["scan", data, "--index", index, "-q", "-f", "json", "-o", out], 4)
    messages = [e["message"] for e in json.loads(out.read_text(encoding="utf-8"))["errors"]]
    assert messages, messages
    for message in messages:
        assert not message.removesuffix("; reading stopped").endswith(" at"), message
        assert re.search(r" at column \d+", message), message


# --- 2. a card whose front matter was read is not said to be unread -----------------------------


def _between(page: str, start: str, end: str) -> str:
    at = page.index(start)
    return _words(page[at : page.index(end, at)])


def test_files_not_scanned_says_the_cards_front_matter_was_read(demo: dict[str, object]) -> None:
    page = str(demo["html"])
    section = _between(page, "<h3>Files not scanned</h3>", "</table>")
    declared = {d["file"] for d in demo["json"]["declarations"]}  # type: ignore[index]
    assert len(declared) == 1 and next(iter(declared)).endswith("dataset/README.md"), declared
    assert "says nothing about their content." not in section, section
    assert re.search(r"Of \S*README\.md ?, the front matter was read", section), section
    assert "listed under Evidence" in section


def test_the_decision_asked_says_the_cards_declarations_are_covered(demo: dict[str, object]) -> None:
    question = _between(str(demo["html"]), "<p class='question'>", "</p>")
    assert "no rule was applied to it" in question
    assert "had its front matter read: its declarations are findings of this report" in question


# --- 3. a clause cited without a section says so -------------------------------------------------

UNNUMBERED = """version: 1
name: unnumbered terms
use: {purpose: train-competing-model, commercial: true}
terms:
  acme-terms:
    document: Acme Terms of Service
    url: https://acme.example/terms
    versions:
      - effective: 2020-01-01
        clauses:
          compete:
            quote: "You may not use Outputs to develop competing models."
            confidence: V-P
rules:
  - id: acme-no-competing
    title: Acme output used to develop a competing model
    when: {source.name: sharegpt-dump, use.purpose: train-competing-model}
    action: block
    message: "copies Acme output"
    rationale: Acme's terms forbid it.
    remediation: Remove the record.
    clause: {terms: acme-terms, clause: compete}
"""


def test_a_clause_without_a_section_says_none_is_recorded(tmp_path: Path) -> None:
    """Gemini API, xAI and Mistral (27 May 2025) clauses are cited by quote alone: the citation
    went from the document straight to its date, as if the pinpoint had been dropped."""
    (tmp_path / "policy.yaml").write_text(UNNUMBERED, encoding="utf-8")
    index = tmp_path / "index"
    run_cli(["index", "build", index, "--sources", FIXTURES / "demo" / "sources.yaml", "--quiet"])
    out = {fmt: tmp_path / f"report.{fmt}" for fmt in ("html", "text", "sarif")}
    args: list[object] = ["scan", FIXTURES / "demo" / "dataset" / "sft_mix.jsonl", "--index", index]
    args += ["--policy", tmp_path / "policy.yaml", "-q"]
    for fmt, path in out.items():
        args += ["-f", fmt, "-o", path]
    run_cli(args, 1)
    said = "section not recorded (find the quoted words in the document)"
    html = _words(out["html"].read_text(encoding="utf-8"))
    assert f"Acme Terms of Service · {said} · effective 2020-01-01" in html, html
    assert f"Acme Terms of Service, {said}, effective 2020-01-01" in " ".join(
        out["text"].read_text(encoding="utf-8").split()
    )
    assert said in out["sarif"].read_text(encoding="utf-8")


# --- 4. the reference's turn and field are named ------------------------------------------------


def test_the_reference_row_names_the_turn_and_the_field(demo: dict[str, object]) -> None:
    text = _words(str(demo["html"]))
    assert "turn output output" not in text
    assert "alpaca_nc.json#0 , turn output, field output" in text, text
    assert "chatgpt_share.jsonl#1 , turn gpt, field conversations[1].value" in text


# --- 5. a declared source's findings are not "0 records" -----------------------------------------


def test_the_sources_table_counts_dataset_level_findings(demo: dict[str, object]) -> None:
    page = str(demo["html"])
    at = page.index('class="sources"') if 'class="sources"' in page else page.index("By source")
    # + 4000: the list of each source's basis stands between the table and the note (counsel 21).
    section = _words(page[at : page.index("</table>", at) + 4000])
    # Counted for the source whose facts met each rule (counsel 23): tatsu-lab/alpaca's
    # research-only block on the copied row, and three of the card's findings, via the matched source.
    assert re.search(
        r"tatsu-lab/ ?alpaca .*?\(not an indexed source\) via alpaca-style-nc .*? 1 \(9\.1%\) 0 \(0\.0%\) "
        r"\+ 3 dataset-level block",
        section,
    ), section
    # counsel20: records blocking, then records not blocking, each with its share.
    assert re.search(r"alpaca-style-nc .*? 1 \(9\.1%\) 0 \(0\.0%\) \+ 1 dataset-level block", section), (
        section
    )
    assert "+ N dataset-level: findings on what the dataset's card or manifest declares" in section


def test_the_markdown_sources_table_counts_them_too(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "demo", tmp_path / "demo")
    demo = tmp_path / "demo"
    run_cli(["index", "build", tmp_path / "index", "--sources", demo / "sources.yaml", "--quiet"])
    out = tmp_path / "report.md"
    args: list[object] = ["scan", demo / "dataset", "--index", tmp_path / "index", "--policy"]
    run_cli(
        [*args, demo / "policy.yaml", "--waivers", demo / "waivers.yaml", "-q", "-f", "markdown", "-o", out],
        1,
    )
    text = out.read_text(encoding="utf-8")
    assert re.search(
        r"\| tatsu-lab/alpaca \(not indexed\) via alpaca-style-nc \|.*\| 1 \(9\.1%\) \| "
        r"0 \(0\.0%\) \+ 3 dataset-level \|",
        text,
    ), text


def test_the_text_sources_table_counts_them_and_says_what_they_are(tmp_path: Path) -> None:
    """Counsel 20 (P16): the terminal's by-source table dropped dataset-level findings, so
    ``tatsu-lab/alpaca``, named only by the card, read "0 (0.0%) 0 (0.0%)" beside a worst of
    review, as the Markdown table did before counsel 12."""
    shutil.copytree(FIXTURES / "demo", tmp_path / "demo")
    demo = tmp_path / "demo"
    run_cli(["index", "build", tmp_path / "index", "--sources", demo / "sources.yaml", "--quiet"])
    out = tmp_path / "report.txt"
    args: list[object] = ["scan", demo / "dataset", "--index", tmp_path / "index", "--policy"]
    run_cli(
        [*args, demo / "policy.yaml", "--waivers", demo / "waivers.yaml", "-q", "-f", "text", "-o", out], 1
    )
    text = out.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if "tatsu-lab/alpaca (not indexed)" in line)
    assert re.search(r"1 \(9\.1%\) +│ +0 \(0\.0%\) \+ 3 dataset-level +│ +block", row), row
    assert "+ N dataset-level: findings on what the dataset's card or manifest declares" in " ".join(
        text.split()
    )
