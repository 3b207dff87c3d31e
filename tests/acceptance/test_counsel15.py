"""The counsel-facing reports decidable and signable (fifth pass): what the method misses, what the
digest signed covers, which waiver entries took effect nowhere, and where a clause was not dated
by its retrieval.

1. A copy edited throughout is among the limits every report states. README says (adversarial
   pass 14) that a copy with one word in every four to six replaced keeps no run of 12 shared
   tokens and is not found; the report's own limits (HTML summary and Method and limits, the
   text and Markdown sentence of a clean result) named paraphrase, translation and short
   passages only, so counsel read a clean result as covering near copies it cannot see.
2. The report's digest says what it covers and that it is not a checksum of the file signed. The
   index and policy digests name their algorithm and inputs; the report's digest, the one the
   decision "refers to", stood alone, and read as the digest of the HTML or PDF being signed.
3. Waiver entries that matched no finding are listed (file:line, what they name, why) in the
   waiver register, not only counted: an approved decision that took effect nowhere (a misspelt
   source) could not be found from the HTML or PDF, and its finding was open in the same report.
4. The Markdown summary says "URL not recorded" and "section not recorded" as the other formats
   do: the DeepSeek citation went from the section to its date, as if the address were dropped.
5. Every format with the quote-confidence legend says that the policy records no retrieval date:
   an effective date and a verification label beside each quote read as a citation checked on
   some date.
6. The waiver register gives each waived finding's action (what was set aside), and says when a
   waiver's approval is dated after the scan's date (the gate accepts it; adversarial 14).
7. Method and limits gives the kinds measured apart from the recall table (held-out laundering,
   code): the table's 74-99.8% can-block range is prose's; code copies can block at 0.53-0.73.
8. Anthropic pack: an authorization waived against the Usage Policy's training finding left a
   fine-tuned copy of post-2025-09-15 Claude output with nothing open, though the competing-model
   clause still applies; the competition review now fires whatever the material's date.
9. The decision asked says that waived findings count as accepted by their approvers and that the
   decision rests on the waivers file and the date expiry was judged on.
The Markdown summary also gains a Waivers line (test 4b), and the xAI pack a competition review
beside its distillation review (tests/policy_cases/xai.yaml).

The demo is scanned through the real command line as `make demo` does.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, REFERENCE_TEXTS, run_cli, write_jsonl
from provcheck.report.clauses import CONFIDENCE


def _words(markup: str) -> str:
    words = re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()
    return re.sub(r" ([:;,.)])", r"\1", words)


def _section(page: str, ident: str) -> str:
    start = page.index(f'<section id="{ident}"')
    return page[start : page.index("</section>", start)]


STALE = """  - rule: openai-no-competing-models
    source: sharegtp-dump
    reason: Counsel accepted the ShareGPT rows for the research preview (ticket LEG-7).
    approver: counsel@example.com
    date: 2026-01-05
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("counsel15")
    shutil.copytree(FIXTURES / "demo", root / "demo")
    demo = root / "demo"
    # A waiver counsel approved whose source is misspelt: it waives nothing.
    waivers = demo / "waivers.yaml"
    waivers.write_text(waivers.read_text(encoding="utf-8") + STALE, encoding="utf-8")
    run_cli(["index", "build", root / "index", "--sources", demo / "sources.yaml", "--quiet"])
    args: list[object] = ["scan", demo / "dataset", "--index", root / "index"]
    args += ["--policy", demo / "policy.yaml", "--waivers", waivers, "-q"]
    args += ["-f", "html", "-o", root / "report.html", "-f", "markdown", "-o", root / "report.md"]
    args += ["-f", "text", "-o", root / "report.txt"]
    run_cli(args, 1)
    return {fmt: (root / f"report.{fmt}").read_text(encoding="utf-8") for fmt in ("html", "md", "txt")}


# --- 1. a copy edited throughout is a stated limit ----------------------------------------------


def test_the_html_limits_name_a_copy_edited_throughout(demo: dict[str, str]) -> None:
    summary = _words(_section(demo["html"], "summary"))
    assert "nor is a copy edited throughout" in summary
    assert "one word in every four to six replaced, dropped or added" in summary
    method = _words(_section(demo["html"], "method"))
    assert "Copies edited throughout: candidates are found by runs of 12 tokens" in method
    assert "keeps no such run and is found only through its trigrams" in method
    assert "a word in every three or four replaced is not found" in method


def test_a_clean_result_names_a_copy_edited_throughout(tmp_path: Path, index_dir: Path) -> None:
    data = write_jsonl(tmp_path / "data" / "a.jsonl", [{"text": "A short note written by a person. " * 3}])
    out = {fmt: tmp_path / f"r.{fmt}" for fmt in ("md", "txt")}
    args: list[object] = ["scan", data, "-i", index_dir, "--no-cache", "-q"]
    args += ["-f", "markdown", "-o", out["md"], "-f", "text", "-o", out["txt"]]
    run_cli(args, 0)
    for path in out.values():
        said = re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))
        assert "copies with a word changed every three or four words" in said, path.name


# --- 2. the report's digest says what it covers --------------------------------------------------


def test_the_report_digest_says_what_it_covers_and_that_it_is_not_the_file_s(demo: dict[str, str]) -> None:
    manifest = _words(_section(demo["html"], "manifest"))
    row = manifest[manifest.index("Report PC-") :]
    assert "(SHA-256 over each dataset file's path, SHA-256" in row
    assert "every finding's id, action and waiver state" in row
    assert "It is not a checksum of this file" in row
    decision = _words(_section(demo["html"], "decision"))
    assert "which identifies the scan, not this file: what it covers is under Reproducibility manifest" in (
        decision
    )


# --- 3. waiver entries that matched no finding are listed ----------------------------------------


def test_a_waiver_entry_that_matched_no_finding_is_listed_with_what_it_names(demo: dict[str, str]) -> None:
    register = _words(_section(demo["html"], "waivers"))
    assert "Waiver entries that matched no finding (1)" in register
    assert "waivers.yaml:25 rule openai-no-competing-models; source sharegtp-dump" in register
    assert "Counsel accepted the ShareGPT rows for the research preview (ticket LEG-7)." in register
    # The waivers the demo applies are still there.
    assert "data-governance@example.com" in register


def test_stale_entries_are_listed_when_no_finding_is_waived(tmp_path: Path) -> None:
    index = tmp_path / "index"
    run_cli(["index", "build", index, "--sources", FIXTURES / "demo" / "sources.yaml", "--quiet"])
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("version: 1\nwaivers:\n" + STALE, encoding="utf-8")
    out = tmp_path / "r.html"
    args: list[object] = ["scan", FIXTURES / "demo" / "dataset" / "sft_mix.jsonl", "--index", index]
    args += ["--policy", FIXTURES / "demo" / "policy.yaml", "--waivers", waivers]
    args += ["-q", "-f", "html", "-o", out]
    run_cli(args, 1)
    register = _words(_section(out.read_text(encoding="utf-8"), "waivers"))
    assert "No finding is waived." in register
    assert "waivers.yaml:3 rule openai-no-competing-models; source sharegtp-dump" in register


# --- 4. the Markdown summary says what the policy does not record --------------------------------


def test_the_markdown_summary_says_a_url_is_not_recorded(demo: dict[str, str]) -> None:
    line = next(ln for ln in demo["md"].splitlines() if ln.startswith("| deepseek-training-permitted"))
    # Named and dated as the reference does (counsel 23, P9): Terms of Service, "Last Update".
    assert "DeepSeek Terms of Service, section 4.2(3), URL not recorded, Last Update 2025-04-28" in line


UNNUMBERED = """version: 1
name: unnumbered terms
use: {purpose: train-competing-model}
terms:
  acme-terms:
    document: Acme Terms of Service
    versions:
      - effective: 2020-01-01
        clauses:
          compete:
            quote: "You may not use Outputs to develop competing models."
            confidence: V-P
rules:
  - id: acme-no-competing
    title: Acme output used to develop a competing model
    when: {use.purpose: train-competing-model}
    action: block
    message: "copies Acme output"
    clause: {terms: acme-terms, clause: compete}
"""


def test_the_markdown_summary_says_a_section_is_not_recorded(tmp_path: Path, index_dir: Path) -> None:
    data = write_jsonl(tmp_path / "data" / "a.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(UNNUMBERED, encoding="utf-8")
    out = tmp_path / "r.md"
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "markdown", "-o", out], 1)
    text = out.read_text(encoding="utf-8")
    assert (
        "Acme Terms of Service, section not recorded (find the quoted words in the document), "
        f"URL not recorded, effective 2020-01-01, quote confidence V-P ({CONFIDENCE['V-P']})"
    ) in text


# --- 5. no retrieval date is on record ------------------------------------------------------------

# Counsel 16 made it per clause: the legend says where a retrieval date is recorded and what is
# said without one.
RETRIEVAL = "otherwise “retrieval date not recorded”"


def test_every_legend_says_no_retrieval_date_is_recorded(demo: dict[str, str]) -> None:
    evidence = _words(_section(demo["html"], "findings"))
    assert RETRIEVAL in evidence[: evidence.index("block openai-no-competing-models")]
    assert RETRIEVAL in demo["md"]
    assert RETRIEVAL in re.sub(r"\s+", " ", demo["txt"])


# --- 6. what a waiver set aside, and an approval dated after the scan ----------------------------

FUTURE = """version: 1
waivers:
  - rule: openai-no-competing-models
    source: sharegpt-dump
    reason: Counsel accepted the ShareGPT rows.
    approver: counsel@acme-legal.com
    date: {date}
"""
# Tomorrow (UTC): the latest date a waiver may bear (a reviewer east of UTC); a later one is
# refused (tests/acceptance/test_adversarial18_cli.py).


def test_the_register_says_the_action_waived_and_an_approval_dated_after_the_scan(tmp_path: Path) -> None:
    """The register said who and until when, not what was set aside (a block or a review), and a
    waiver approved on a date after the scan (which the gate accepts) read as a prior decision."""
    index = tmp_path / "index"
    run_cli(["index", "build", index, "--sources", FIXTURES / "demo" / "sources.yaml", "--quiet"])
    waivers = tmp_path / "waivers.yaml"
    tomorrow = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1)
    waivers.write_text(FUTURE.format(date=tomorrow.isoformat()), encoding="utf-8")
    out = tmp_path / "r.html"
    args: list[object] = ["scan", FIXTURES / "demo" / "dataset" / "sft_mix.jsonl", "--index", index]
    args += ["--policy", FIXTURES / "demo" / "policy.yaml", "--waivers", waivers]
    args += ["-q", "-f", "html", "-o", out]
    run_cli(args, 4)  # nothing blocks; sft_mix.jsonl holds the demo's unreadable line
    page = out.read_text(encoding="utf-8")
    register = _section(page, "waivers")
    assert "<th>action</th>" in register
    rows = [_words(r) for r in register.split("<tr>")[2:]]
    assert len(rows) == 2
    for row in rows:
        # Never expiring: placeholder-like (counsel 21), then the late date.
        assert row.startswith("in force (placeholder-like: no expiry")
        assert "(approval dated after the scan's date, " in row
        assert " openai-no-competing-models block " in row


def test_the_markdown_summary_says_what_the_waivers_did(demo: dict[str, str]) -> None:
    """The summary counted "waived 1" and said nothing of the expired waiver whose finding is
    open again, nor of the entry that waived nothing."""
    line = next(ln for ln in demo["md"].splitlines() if ln.startswith("<br>**Waivers**"))
    # The demo's waiver in force is at example.com: claimed, not credited, its finding open
    # (counsel 21, P4).
    assert "0 finding(s) waived; 1 open with a waiver claimed, not credited (" in line
    assert "; 1 re-opened (waiver expired); entries matching no finding: 1" in line
    assert "expiry dates compared with " in line


# --- 7. kinds measured apart from the recall table ------------------------------------------------


def test_the_limits_give_the_held_out_and_code_figures(demo: dict[str, str]) -> None:
    """The limits said that 74.2%-99.8% of edited copies per kind can block, from prose alone;
    code copies with comments inserted can block at 0.53, and reversed sentences are found at
    0.88 (docs/matching.md), which the report counsel reads never said."""
    method = _words(_section(demo["html"], "method"))
    said = method[method.index("Copies measured apart from the table above") :]
    assert "prose: every sentence in reverse order: recall 0.877, can block 0.690 (400 copies" in said
    code = "code: a 15-17-word comment line every 2-3 lines: recall 1.000, can block 0.533 (150 copies"
    assert code in said
    assert "python benchmarks/heldout.py, 2026-12-06" in said


# --- 8. an authorization under Anthropic's Usage Policy does not answer the competing-model clause -

CLAUDE_POLICY = """version: 1
name: assistant fine-tune
include: [provcheck:default]
use: {purpose: fine-tune, commercial: true}
"""

AUTHORIZED = """version: 1
waivers:
  - rule: anthropic-no-training-without-authorization
    source: claude-chats
    reason: Anthropic authorized training on these outputs in writing.
    approver: counsel@acme-legal.com
    date: 2025-11-03
"""


def test_a_waived_usage_policy_finding_leaves_the_competition_question_open(tmp_path: Path) -> None:
    """Claude output of 2025-10-01 fine-tuned on: the Usage Policy finding blocks, and counsel
    waives it on Anthropic's authorization. The consumer terms' competing-model clause applied
    only to material before 2025-09-15, so the waiver passed the record with nothing open, though
    an authorization to train does not say the model may compete."""
    refs = write_jsonl(tmp_path / "refs" / "claude.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    index = tmp_path / "index"
    args: list[object] = ["index", "add", index, refs, "--source", "claude-chats", "--provider", "anthropic"]
    run_cli([*args, "--generator", "claude-sonnet-4", "--meta", "date=2025-10-01", "-q"])
    data = write_jsonl(tmp_path / "data" / "a.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    (tmp_path / "policy.yaml").write_text(CLAUDE_POLICY, encoding="utf-8")
    (tmp_path / "waivers.yaml").write_text(AUTHORIZED, encoding="utf-8")
    out = tmp_path / "r.json"
    scan: list[object] = ["scan", data, "-i", index, "-p", tmp_path / "policy.yaml", "--no-cache", "-q"]
    run_cli([*scan, "--waivers", tmp_path / "waivers.yaml", "-f", "json", "-o", out], 0)
    findings = {f["rule"]: f for f in json.loads(out.read_text(encoding="utf-8"))["findings"]}
    assert findings["anthropic-no-training-without-authorization"]["waiver_state"] == "waived"
    open_ = findings["anthropic-competition-undeclared"]
    assert (open_["action"], open_["waiver_state"]) == ("review", "none")


# --- 9. the decision asked names the waivers it rests on -----------------------------------------


def test_the_decision_asked_says_it_rests_on_the_waivers_file(demo: dict[str, str]) -> None:
    """The decision asked said it covers "the dataset files listed ... a changed file, another use
    or another policy needs a new scan": the findings a waiver set aside were never before the signer, and
    the sentence did not say the approval rests on that waivers file and the date expiry was
    judged on."""
    decision = _words(_section(demo["html"], "decision"))
    assert (
        "Waived findings (Waiver register) count as accepted by their approvers only where the waiver "
        "was credited: the decision rests on the waivers file named below, with its digest, and on "
        "expiry judged on the date shown; a changed waivers file needs a new scan."
    ) in decision
