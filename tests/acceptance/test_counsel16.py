"""The counsel-facing reports decidable and signable (sixth pass): the suggestions counsel 15's
read left undone.

1. The 2023 OpenAI Terms of Use version says what its date rests on and how provcheck picks the
   version in force for the material's date (the version's ``effective_note``, from
   ../shared/reference/terms-and-licences.md: the date is from secondary pages).
2. A version may record when its wording was last seen in a copy of the document (``seen``, a
   closed key: a misspelt one is refused); each quoted clause says it ("wording from a copy dated DATE") or
   says "retrieval date not recorded", in HTML, Markdown, text and JSON, instead of one sentence
   for the whole report.
3. The waiver register says what each waiver entry was written for (one finding, or a rule,
   source and path) and where it is; an entry that matched no finding gives its approver and date.
4. A source whose terms the index does not record, cited under the document the policy applies by
   default, says so beside the citation; a licence chosen by the generator (a Llama licence) does
   not.
5. The summary names the providers the policy has rules for that the index holds no source of
   (``run.index.providers`` and ``run.policy.providers``): a clean report proves nothing of them.
6. A permissive licence a dataset declares over rows that copy a provider's output is an info
   note that the label does not lift the generator's terms (tests/policy_cases/dataset-licences.yaml).
7. The summary's recall sentence says what the figure was measured on.
8. Counsel's fresh read: the decision's facts (what is signed) name those providers too; the
   summary said it and the facts did not.

The demo is scanned through the real command line as ``make demo`` does.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, ROOT, SHARED, run_cli
from provcheck.errors import PolicyError
from provcheck.policy import load_policy
from provcheck.policy.model import SourceFacts
from provcheck.report import clauses
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
    root = tmp_path_factory.mktemp("counsel16")
    shutil.copytree(FIXTURES / "demo", root / "demo")
    demo = root / "demo"
    waivers = demo / "waivers.yaml"
    waivers.write_text(waivers.read_text(encoding="utf-8") + STALE, encoding="utf-8")
    run_cli(["index", "build", root / "index", "--sources", demo / "sources.yaml", "--quiet"])
    args: list[object] = ["scan", demo / "dataset", "--index", root / "index"]
    args += ["--policy", demo / "policy.yaml", "--waivers", waivers, "-q"]
    args += ["-f", "html", "-o", root / "report.html", "-f", "markdown", "-o", root / "report.md"]
    args += ["-f", "text", "-o", root / "report.txt", "-f", "json", "-o", root / "report.json"]
    run_cli(args, 1)
    return {
        fmt: (root / f"report.{fmt}").read_text(encoding="utf-8") for fmt in ("html", "md", "txt", "json")
    }


def _finding_clauses(doc: dict[str, object], rule: str) -> list[dict[str, object]]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    return [f["clause"] for f in findings if f["rule"] == rule and f["clause"]]


# --- 1. the 2023 OpenAI version says what its date rests on ---------------------------------------


def test_the_2023_openai_version_says_what_its_date_rests_on(demo: dict[str, str]) -> None:
    evidence = _words(_section(demo["html"], "findings"))
    said = (
        'Date: 2023-03-14 is the date of the version headed "Updated March 14, 2023" (reference §1a: '
        '"the date is from secondary pages"), not a date OpenAI\'s own page gives as effective.'
    )
    assert said in evidence
    assert (
        "on or after 2023-03-14 and before 2024-01-31, when the next version on record took effect"
        in evidence
    )
    cited = _finding_clauses(json.loads(demo["json"]), "openai-no-competing-models")
    assert cited and all("secondary pages" in str(c["effective_note"]) for c in cited)
    assert "date: 2023-03-14 is the date of the version headed" in re.sub(r"\s+", " ", demo["txt"])


def test_the_effective_note_wording_is_the_reference_s() -> None:
    terms = SHARED / "reference" / "terms-and-licences.md"
    if not terms.exists():
        pytest.skip(f"{terms} is not here (set PROVCHECK_SHARED)")
    reference = terms.read_text(encoding="utf-8")
    assert "*Updated March 14, 2023*; the date is from secondary pages" in reference
    policy = load_policy(str(ROOT / "policies" / "openai.yaml"))
    v2023 = policy.terms["openai-terms-of-use"].versions[0]
    assert v2023.effective == dt.date(2023, 3, 14)
    assert v2023.effective_note is not None and "the date is from secondary pages" in v2023.effective_note


# --- 2. a retrieval date per clause --------------------------------------------------------------


def test_each_quoted_clause_says_its_retrieval_date_or_that_none_is_recorded(demo: dict[str, str]) -> None:
    evidence = _words(_section(demo["html"], "findings"))
    assert f"quote confidence V-S ({CONFIDENCE['V-S']}) · retrieval date not recorded" in evidence
    assert f"quote confidence V-P ({CONFIDENCE['V-P']}) · retrieval date not recorded" in evidence  # DeepSeek
    assert "retrieval date not recorded" in demo["md"]
    assert "retrieval date not recorded" in re.sub(r"\s+", " ", demo["txt"])
    doc = json.loads(demo["json"])
    # counsel18: the CC BY-NC 4.0 legal code is dated by the copy the reference read (stanford_alpaca
    # at HEAD 761dc5b, 2023-05-29), and so is Alpaca's README read there (counsel 21, P8); no other
    # clause of the demo has a date the reference gives.
    seen = {f["clause"]["document"]: f["clause"]["seen"] for f in doc["findings"] if f["clause"]}
    nc = "Creative Commons Attribution-NonCommercial 4.0 International Public License"
    alpaca = "Stanford Alpaca README (data licence statement)"
    assert seen.pop(nc) == seen.pop(alpaca) == "2023-05-29" and set(seen.values()) == {None}, seen


def test_a_version_seen_in_a_capture_says_when() -> None:
    policy = load_policy(str(ROOT / "policies" / "default.yaml"))
    facts = SourceFacts(name="claude-api", provider="anthropic", terms="anthropic-commercial-terms")
    clause = policy.terms["anthropic-commercial-terms"].clause("compete", dt.date(2025, 12, 1), facts)
    assert clause is not None and clause.seen == "2026-03-11"
    said = f"quote confidence V-P ({CONFIDENCE['V-P']}), wording from a copy dated 2026-03-11"
    assert said in clauses.citation(clause)
    usage = policy.terms["anthropic-usage-policy"].clause("no-training", None, facts)
    assert usage is not None and usage.seen == "2026-08-14"
    agreement = policy.terms["openai-services-agreement"]
    assert [v.seen for v in agreement.versions] == [dt.date(2025, 11, 11), dt.date(2026, 8, 22)]


_TERMS = """version: 1
terms:
  t:
    document: T
    versions:
      - effective: 2024-01-01
        {line}
        clauses:
          c: {{quote: q}}
"""


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("seen_on: 2025-11-11", "seen_on"),
        ("seen: 2025-13-01", "seen"),
        ("seen: last spring", "seen"),
    ],
)
def test_a_misspelt_or_undated_seen_is_refused(tmp_path: Path, line: str, said: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(_TERMS.format(line=line), encoding="utf-8")
    with pytest.raises(PolicyError, match=said):
        load_policy(str(path))


def test_an_effective_note_without_an_effective_date_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    text = _TERMS.format(line="version: '1.0'").replace("effective: 2024-01-01", "effective_note: headed so")
    path.write_text(text.replace("document: T\n", "document: T\n    select: licence\n"), encoding="utf-8")
    with pytest.raises(PolicyError, match="effective_note"):
        load_policy(str(path))


# --- 3. what each waiver entry was written for ---------------------------------------------------


def test_the_waiver_register_says_what_each_entry_was_written_for(demo: dict[str, str]) -> None:
    register = _section(demo["html"], "waivers")
    head = _words(register[: register.index("</thead>")])
    assert "finding written for rule" in head
    words = _words(register)
    applied = words.split("Waiver entries that matched no finding")[0]
    # The demo's waiver is at example.com: claimed, not credited (counsel 21).
    assert re.search(
        r"claimed, not credited \(finding open\): .*? [0-9a-f]{20} finding [0-9a-f]{20} \S*waivers\.yaml:6 ",
        applied,
    )
    assert "rule declared-source-noncommercial; source tatsu-lab/alpaca; path dataset/**" in words
    doc = json.loads(demo["json"])
    waived = [f["waiver"] for f in doc["findings"] if f["waiver"]]
    assert {w["written_for"].split(" ", 1)[0] for w in waived} == {"finding", "rule"}
    assert all(re.search(r"waivers\.yaml:\d+$", w["entry"]) for w in waived)


def test_a_stale_waiver_entry_gives_its_approver_and_date(demo: dict[str, str]) -> None:
    register = _section(demo["html"], "waivers")
    stale = register[register.index("Waiver entries that matched no finding") :]
    assert "entry written for approver date reason" in _words(stale[: stale.index("</thead>")])
    assert "source sharegtp-dump counsel@example.com 2026-01-05 Counsel accepted" in _words(stale)
    (entry,) = json.loads(demo["json"])["waivers"]["stale"]
    assert (entry["approver"], entry["date"]) == ("counsel@example.com", "2026-01-05")


# --- 4. the provider's default terms, said so ----------------------------------------------------


def test_a_source_without_recorded_terms_says_the_default_terms_are_cited(demo: dict[str, str]) -> None:
    evidence = _words(_section(demo["html"], "findings"))
    said = (
        "Note for source alpaca-style-nc: terms of this source not recorded; "
        "the provider's default terms are cited"
    )
    assert said in evidence
    # sharegpt-dump records its terms: no such note for it.
    assert "Note for source sharegpt-dump: terms of this source not recorded" not in evidence
    sources = _words(_section(demo["html"], "summary"))
    assert "(see its note) (the provider's default terms: this source's terms not recorded)" in sources
    assert "Note (alpaca-style-nc: 1 finding(s)): terms of this source not recorded" in demo["md"]
    doc = json.loads(demo["json"])
    by_source = {
        (f["source"] or {}).get("name"): f["clause"]["default_terms"]
        for f in doc["findings"]
        if f["rule"] == "openai-no-competing-models"
    }
    assert by_source == {"sharegpt-dump": False, "alpaca-style-nc": True}


def test_a_licence_chosen_by_the_generator_is_not_called_a_default() -> None:
    policy = load_policy(str(ROOT / "policies" / "default.yaml"))
    llama = SourceFacts(name="l2", provider="meta", generator="llama-2-7b-chat")
    rule = policy.rule("llama-no-improving-other-llms")
    assert rule is not None
    clause = policy.clause_for(rule, None, llama)
    assert clause is not None and "Llama 2" in clause.document
    assert clause.default_terms is False
    assert clauses.DEFAULT_TERMS not in clauses.citation(clause)
    openai = SourceFacts(name="o", provider="openai", generator="gpt-4")
    cited = policy.clause_for(policy.rule("openai-no-competing-models"), None, openai)  # type: ignore[arg-type]
    assert cited is not None and cited.default_terms is True
    recorded = SourceFacts(name="o", provider="openai", terms="openai-terms-of-use")
    cited = policy.clause_for(policy.rule("openai-no-competing-models"), None, recorded)  # type: ignore[arg-type]
    assert cited is not None and cited.default_terms is False


# --- 5. providers the index holds no source of ---------------------------------------------------


def test_the_summary_names_the_providers_the_index_holds_no_source_of(demo: dict[str, str]) -> None:
    said = (
        "The index holds no source from: alibaba, anthropic, cohere, google, meta, mistral, qwen, xai — a "
        "copy of their output cannot be found by text; only declarations and the policy's marker phrases "
        "are checked for them."
    )
    assert said in _words(_section(demo["html"], "summary"))
    assert said in re.sub(r"\s+", " ", demo["txt"])
    assert said in demo["md"]
    run = json.loads(demo["json"])["run"]
    assert run["index"]["providers"] == ["deepseek", "openai"]
    assert {"anthropic", "openai", "xai"} <= set(run["policy"]["providers"])


def test_no_provider_line_when_the_index_covers_the_policy(tmp_path: Path) -> None:
    index = tmp_path / "index"
    run_cli(["index", "build", index, "--sources", FIXTURES / "demo" / "sources.yaml", "--quiet"])
    out = tmp_path / "r.html"
    args: list[object] = ["scan", FIXTURES / "demo" / "dataset" / "sft_mix.jsonl", "--index", index]
    args += ["--policy", ROOT / "policies" / "openai.yaml", "--use", "train-competing-model", "-q"]
    args += ["--no-cache", "-f", "html", "-o", out]
    run_cli(args, 1)
    assert "The index holds no source from" not in out.read_text(encoding="utf-8")


# --- 6. a permissive label over provider output ---------------------------------------------------


def test_a_permissive_card_over_chatgpt_rows_gets_the_note(demo: dict[str, str]) -> None:
    doc = json.loads(demo["json"])
    notes = [f for f in doc["findings"] if f["rule"] == "declared-permissive-licence-over-provider-output"]
    assert {f["source"]["name"] for f in notes} >= {"sharegpt-dump"}
    assert all(f["action"] == "info" for f in notes)
    assert any("the licence label does not lift the generator's terms" in f["message"] for f in notes)


# --- 7. what the recall was measured on -------------------------------------------------------------


def test_the_summary_recall_says_what_it_was_measured_on(demo: dict[str, str]) -> None:
    summary = _words(_section(demo["html"], "summary"))
    recall = summary[summary.index("Recall (of texts copied") :]
    recall = recall[: recall.index("False-positive rate")]
    assert "(measured on prose like that corpus, answers written by models; code was measured apart" in recall
    assert re.search(r"its copies able to block in \d+\.\d%–\d+\.\d% of cases", recall)


# --- counsel's fresh read: the facts signed name the providers the index cannot see ---------------


def test_the_decision_facts_name_the_providers_the_index_holds_no_source_of(demo: dict[str, str]) -> None:
    facts = _words(_section(demo["html"], "decision"))
    index = facts[facts.index("; sources: sharegpt-dump") :]
    index = index[: index.index("Scanned")]
    assert "by provcheck" in index
    assert (
        "; The index holds no source from: alibaba, anthropic, cohere, google, meta, mistral, qwen, xai"
        in index
    )
