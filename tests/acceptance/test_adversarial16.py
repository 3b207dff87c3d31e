"""Adversarial pass 16: independent texts reported as copies, and configurations and command
lines that made the gate stop looking or wrote a report counsel cannot decide from. Each test
fails on the code before its fix.

1. CRY-WOLF The Balfour Declaration's one sentence, which 58 of the 212 AlpacaEval generators
   quote verbatim when asked what it is: with the answers of gpt4_1106_preview as the only
   index (the user's plain case: one ChatGPT dump), 7 answers of 32 other generators (25,737
   answers to the same 805 requests) blocked as copies of the gpt-4 answer quoting it (69-139
   aligned tokens, probability 0.80-0.96). It is now among the famous public-domain texts set
   aside by name (``matching/attributed.py``); a copy of the reference's own words beside the
   quotation still blocks.
2. REPORT A policy that includes the shipped packs and redefines one of their rules (a rule of
   the same id, which the policy language allows: ``openai-no-competing-models`` at ``info``)
   or turns it off (``disable:``) gave reports that showed only the rule in force: the copy was
   an ``info`` finding under the pack's rule id and the verdict "No blocking finding", with
   nothing saying that the user's file, not the OpenAI pack, decided it. Counsel could not tell
   a softened gate from the shipped one. Every such change is now recorded in the run record
   (``run.policy.overrides``, optional within schema 1.3: rule, pack, its action there, what it became, where)
   and said in the summary of the terminal, text, Markdown, SARIF and JUnit reports and on
   stderr (``policy/load_rules.py``, ``report/scope.py``). The HTML report (``report/html/``,
   another helper's this session) does not show it yet. The same for a fact of an index source
   that the policy's ``sources:`` replaces (``share: {provider: deepseek}`` over an OpenAI
   source): the finding was DeepSeek's ``info`` while every source table said ``openai``
   (``scan/facts.py``).
3. (usage) ``use: [train-competing-model, eval]`` in ``.provcheck.yaml`` (or ``--use eval``)
   was refused without the purpose meant: a word cut short is too far from the whole word for
   the near-miss ratio. A word that begins exactly one purpose or flag now gets "did you mean
   'evaluation'?" (``policy/use.py``).
4. (setting dropped) ``waivers: decisions/`` in ``.provcheck.yaml`` (the folder the waivers file
   is kept in) was taken for a waivers file that does not exist yet: no waiver was applied and
   nothing said so (``--waivers decisions/`` is refused by click). It is now refused at its line
   (exit 6, ``projectfile.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

BLOCKING_POLICY = """\
include: [provcheck:default]
use: {purpose: train-competing-model, commercial: true}
"""


# --- 1. a famous public-domain sentence both answers quote ------------------------------------

BALFOUR = (
    "\"His Majesty's government view with favour the establishment in Palestine of a national home for the "
    "Jewish people, and will use their best endeavours to facilitate the achievement of this object, it "
    "being clearly understood that nothing shall be done which may prejudice the civil and religious "
    "rights of existing non-Jewish communities in Palestine, or the rights and political status enjoyed "
    'by Jews in any other country."'
)
OWN = (
    "The declaration was later written into the British Mandate for Palestine, and its two promises pulled "
    "against each other for decades: settlers and officials, farmers and diplomats each read in it the half "
    "that suited them, and the quarrel over what Balfour meant outlived everyone who had signed or received "
    "the letter."
)
"""The reference's own words after the quotation."""
ASKED = "What is the Balfour Declaration?"


def _actions(tmp_path: Path, reference: str, candidates: dict[str, str]) -> dict[str, str]:
    """Scan one Alpaca record per candidate against an index of ``reference`` (gpt-4, OpenAI)
    under a policy blocking OpenAI output: the worst action per record id ('' for none)."""
    refs = tmp_path / "ref.json"
    refs.write_text(json.dumps([{"instruction": ASKED, "input": "", "output": reference}]))
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt4", "--provider", "openai", "-q"])
    rows = [{"id": k, "instruction": ASKED, "input": "", "output": v} for k, v in candidates.items()]
    data = write_jsonl(tmp_path / "d.jsonl", rows)
    policy, out = tmp_path / "policy.yaml", tmp_path / "r.json"
    policy.write_text(BLOCKING_POLICY)
    run_cli(["scan", data, "-i", index, "-p", policy, "--no-cache", "-q", "-f", "json", "-o", out], code=1)
    order = ["", "info", "warn", "review", "block"]
    worst = dict.fromkeys(candidates, "")
    for f in json.loads(out.read_text())["findings"]:
        rid = f["record"]["id"]
        worst[rid] = max(worst[rid], f["action"], key=order.index)
    return worst


def test_two_answers_quoting_the_balfour_declaration_are_not_copies(tmp_path: Path) -> None:
    reference = (
        "The Balfour Declaration was a statement issued by the British government during World War I, "
        "announcing support for a national home for the Jewish people in Palestine, then part of the "
        "Ottoman Empire. It took the form of a letter from the Foreign Secretary to Lord Rothschild.\n\n"
        f"The text of the Balfour Declaration reads:\n\n{BALFOUR}\n\n{OWN}"
    )
    independent = (
        "In November 1917 Arthur Balfour sent a short letter to Lord Rothschild that became one of the "
        f"most argued-over documents of the century. Its central sentence stated:\n\n{BALFOUR}\n\n"
        "Historians still disagree about its consequences; some see it as a founding step toward "
        "Israel, others stress the conflicting promises Britain made to Arab leaders in the same war."
    )
    worst = _actions(
        tmp_path,
        reference,
        {
            "independent": independent,
            "copy": f"Here is what I found. {BALFOUR}\n\n{OWN}",
            "own-words": f"Some context first. {OWN} That is the short story; the full one fills libraries.",
        },
    )
    assert worst == {"independent": "review", "copy": "block", "own-words": "block"}, worst


# --- 2. a shipped rule redefined or turned off by the user's policy ---------------------------


def test_a_pack_rule_the_policy_softens_or_turns_off_is_said_in_every_report(
    tmp_path: Path, index_dir: Path
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        BLOCKING_POLICY
        + "rules:\n"
        + "  - id: openai-no-competing-models\n"
        + "    title: OpenAI output (reviewed by the data team)\n"
        + "    when: {source.provider: openai}\n"
        + "    action: info\n"
        + "disable: [marker-refusal]\n"
    )
    doc, md, txt, page = (tmp_path / n for n in ("r.json", "r.md", "r.txt", "r.html"))
    outputs = ["-f", "json", "-o", doc, "-f", "markdown", "-o", md, "-f", "text", "-o", txt]
    outputs += ["-f", "html", "-o", page]
    out = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", *outputs])
    report = json.loads(doc.read_text())
    # The policy's to decide; the index's LicenseRef-ShareGPT is no licence (counsel 23): reviewed.
    assert sorted((f["rule"], f["action"]) for f in report["findings"]) == [
        ("openai-no-competing-models", "info"),
        ("unlicensed-material", "review"),
    ]
    said = report["run"]["policy"]["overrides"]
    assert said == [
        f"openai-no-competing-models of provcheck:openai (block) redefined (info) at {policy}:4",
        f"marker-refusal of provcheck:markers (warn) turned off at {policy}:8",
    ], said
    for text in (md.read_text(), txt.read_text(), out.stderr):
        assert "the policy overrides: openai-no-competing-models" in " ".join(text.split())
    # Counsel reads the HTML report: the scope of its executive summary says it too.
    html = page.read_text()
    assert "<dt>Policy overrides</dt>" in html
    assert "the policy overrides: openai-no-competing-models of provcheck:openai (block) redefined" in html


def test_a_policy_that_changes_no_shipped_rule_says_nothing_of_it(tmp_path: Path, index_dir: Path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCKING_POLICY + "rules:\n  - {id: own-rule, title: Own, action: review}\n")
    doc = tmp_path / "r.json"
    out = run_cli(
        ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-f", "json", "-o", doc], code=1
    )
    assert "overrides" not in json.loads(doc.read_text())["run"]["policy"]
    assert "the policy overrides" not in out.stderr


def test_a_source_fact_the_policy_replaces_is_said(tmp_path: Path, index_dir: Path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCKING_POLICY + "sources:\n  share: {provider: deepseek, license: MIT}\n")
    doc = tmp_path / "r.json"
    out = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-f", "json", "-o", doc])
    report = json.loads(doc.read_text())
    assert [(f["rule"], f["source"]["provider"]) for f in report["findings"]] == [
        ("deepseek-training-permitted", "deepseek")
    ]
    assert report["run"]["policy"]["overrides"] == [
        f"source share: provider openai (index) set to deepseek at {policy}:4",
        f"source share: license LicenseRef-ShareGPT (index) set to MIT at {policy}:4",
    ]
    assert "source share: provider openai (index) set to deepseek" in " ".join(out.stderr.split())


# --- 3. a purpose cut short -------------------------------------------------------------------


def test_a_purpose_cut_short_says_which_purpose_was_meant(tmp_path: Path, index_dir: Path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    config = tmp_path / "conf" / ".provcheck.yaml"
    config.parent.mkdir()
    config.write_text(f"index: {index_dir}\nuse: [train-competing-model, eval]\n")
    out = run_cli(["scan", data, "--config", config, "--no-cache", "-q"], code=2)
    assert "unknown purpose 'eval' (did you mean 'evaluation'?)" in out.stderr, out.stderr
    out = run_cli(["scan", data, "-i", index_dir, "--use", "comm", "--no-cache", "-q"], code=2)
    assert "(did you mean 'commercial'?)" in out.stderr, out.stderr


# --- 4. a folder as the configuration's waivers file -------------------------------------------


def test_a_folder_given_as_the_waivers_file_is_refused_where_it_is(tmp_path: Path, index_dir: Path) -> None:
    repo = tmp_path / "repo"
    data = write_jsonl(repo / "data" / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    (repo / "decisions").mkdir()
    (repo / ".provcheck.yaml").write_text(f"index: {index_dir}\nwaivers: decisions\n")
    out = run_cli(["scan", data, "--config", repo / ".provcheck.yaml", "--no-cache", "-q"], code=6)
    assert f"{repo / '.provcheck.yaml'}:2: waivers: 'decisions' is a folder" in out.stderr, out.stderr


def test_a_yaml_boolean_where_a_word_was_meant_says_to_quote_it(tmp_path: Path, index_dir: Path) -> None:
    """``use: no`` (or ``off``) is read by YAML as false: refused, and the error says why."""
    repo = tmp_path / "repo"
    data = write_jsonl(repo / "data" / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    (repo / ".provcheck.yaml").write_text(f"index: {index_dir}\nuse: no\n")
    out = run_cli(["scan", data, "--config", repo / ".provcheck.yaml", "--no-cache", "-q"], code=6)
    said = " ".join(out.stderr.split())
    where = repo / ".provcheck.yaml"
    assert f"{where}:2: use: expected a string or a list of strings, found a boolean" in said
    assert "unquoted yes, no, on, off, true or false" in said and "quote the word" in said


def test_turns_left_out_by_the_configuration_roles_are_not_put_down_to_the_flag(
    tmp_path: Path, index_dir: Path
) -> None:
    repo = tmp_path / "repo"
    turns = [{"role": "user", "content": "hi there"}, {"role": "assistant", "content": "hello"}]
    record = {"messages": turns}
    data = write_jsonl(repo / "data" / "d.jsonl", [record])
    (repo / ".provcheck.yaml").write_text(f"index: {index_dir}\nroles: [assistant]\n")
    out = run_cli(["scan", data, "--config", repo / ".provcheck.yaml", "--no-cache"], code=0)
    said = " ".join(out.stderr.split())
    assert f"outside the roles selected (roles: in {repo / '.provcheck.yaml'})" in said, said
