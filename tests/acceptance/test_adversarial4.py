"""Adversarial pass 4: plausible command lines, configuration files, policies and inputs that
made the gate stop looking or pass, and reports that told counsel something else than was
checked. Each test is a way a realistic user met a wrong answer."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl


def _copies(path: Path) -> Path:
    """A dataset whose records copy every reference (one match each)."""
    return write_jsonl(
        path,
        [
            {
                "id": f"copy-{i}",
                "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": t}],
            }
            for i, t in enumerate(REFERENCE_TEXTS)
        ],
    )


BLOCKING_POLICY = """\
include: [provcheck:openai]
use: {purpose: train-competing-model, commercial: true}
"""


@pytest.mark.parametrize(
    "text",
    ["", "# the policy, to be written\n", "{}\n", "use: {commercial: true}\n", "rules: []\n"],
    ids=["empty", "comments", "empty-mapping", "use-only", "no-rules"],
)
def test_a_policy_without_a_rule_is_refused_not_a_clean_pass(
    tmp_path: Path, index_dir: Path, text: str
) -> None:
    # A policy file with no rule (empty, truncated, comments only, `use:` alone) turned every
    # verified copy into no finding at all: exit 0 and "none of the records matched under a rule
    # that applies", where leaving --policy out reports each match for review.
    data = _copies(tmp_path / "data" / "train.jsonl")
    policy = tmp_path / "policy.yaml"
    policy.write_text(text)
    result = run_cli(["scan", data, "-i", index_dir, "-p", policy, "-q", "--no-cache"], code=3)
    assert f"{policy}:1:" in result.stderr and "no rules" in result.stderr
    result = run_cli(["policy", "validate", policy], code=3)
    assert "no match would ever be a finding" in result.output


def test_a_policy_whose_every_rule_is_disabled_is_refused(tmp_path: Path, index_dir: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "rules:\n  - {id: mine, title: Any copy, action: block}\ndisable: [mine]\n", encoding="utf-8"
    )
    result = run_cli(["scan", _copies(tmp_path / "d.jsonl"), "-i", index_dir, "-p", policy, "-q"], code=3)
    assert "every rule it defines or includes is disabled" in result.stderr


def test_counsels_report_names_an_unnamed_policy_file_not_the_default(
    tmp_path: Path, index_dir: Path
) -> None:
    # A policy without `name:` (as the README's example) was shown in the HTML, PDF and Markdown
    # reports as "default (every match is a review finding)" while its rules blocked records.
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    args = ["scan", _copies(tmp_path / "d.jsonl"), "-i", index_dir, "-p", policy, "-q"]
    run_cli([*args, "-f", "html", "-o", html, "-f", "markdown", "-o", md], code=1)
    for report in (html.read_text(encoding="utf-8"), md.read_text(encoding="utf-8")):
        assert "default (every match" not in report and "default policy" not in report
        assert "policy.yaml" in report


def test_a_linked_folder_and_a_named_pipe_under_a_scanned_folder_are_not_dropped(
    tmp_path: Path, index_dir: Path
) -> None:
    # `data/part-2 -> elsewhere` (a dataset spread over disks) and `data/late.jsonl` as a named
    # pipe were dropped without a word: exit 0, "nothing left out", no file counted.
    elsewhere = tmp_path / "elsewhere"
    _copies(elsewhere / "train.jsonl")
    data = tmp_path / "data"
    write_jsonl(data / "own.jsonl", [{"id": "own", "text": "an answer nobody indexed, in words of its own"}])
    (data / "part-2").symlink_to(elsewhere, target_is_directory=True)
    out = tmp_path / "r.json"
    run_cli(["scan", data, "-i", index_dir, "-q", "--no-cache", "-o", out])
    doc = json.loads(out.read_text())
    # Since adversarial pass 18 the linked folder is read (it was listed, not read, exit 0).
    assert doc["summary"]["not_scanned"] == 0
    assert str(data / "part-2" / "train.jsonl") in [f["path"] for f in doc["files"]]
    os.mkfifo(data / "late.jsonl")
    os.mkfifo(data / "pipe")  # not a dataset file's name: listed, and never opened
    run_cli(["scan", data, "-i", index_dir, "-q", "--no-cache", "-o", out], code=4)
    doc = json.loads(out.read_text())
    assert [e["path"] for e in doc["errors"]] == [str(data / "late.jsonl")]
    assert "named pipe" in doc["errors"][0]["message"]
    assert str(data / "pipe") in {n["path"] for n in doc["not_scanned"]}


def test_one_setting_spelt_two_ways_in_the_project_file_is_refused(tmp_path: Path, index_dir: Path) -> None:
    # `fail_on: block` and, further down, `fail-on: never` (both spellings are accepted): the
    # later silently won, and a blocking copy passed with exit 0.
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    config = tmp_path / ".provcheck.yaml"
    config.write_text(f"index: {index_dir}\npolicy: {policy}\nfail_on: block\nfail-on: never\n")
    data = _copies(tmp_path / "d.jsonl")
    result = run_cli(["scan", data, "--config", config, "-q", "--no-cache"], code=6)
    assert f"{config}:4: 'fail-on' sets 'fail_on' a second time" in result.stderr


def test_counsels_report_says_its_error_rates_do_not_hold_for_changed_thresholds(
    tmp_path: Path, index_dir: Path
) -> None:
    # `--match min-tokens=100000` finds nothing, and the executive summary still stated "Recall
    # 96.8%-100.0% over 15 kinds of edited copy" for this scan, with no word that it was measured
    # at other thresholds than the ones used.
    data = _copies(tmp_path / "d.jsonl")
    html = tmp_path / "r.html"
    run_cli(["scan", data, "-i", index_dir, "-q", "--match", "min-tokens=100000", "-f", "html", "-o", html])
    page = html.read_text(encoding="utf-8")
    assert "This scan did not use the default thresholds" in page and "min_tokens 100000 (default 25)" in page
    run_cli(["scan", data, "-i", index_dir, "-q", "-f", "html", "-o", html])
    assert "did not use the default thresholds" not in html.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "twice",
    [["-p", "{policy}", "-p", "{lax}"], ["--fail-on", "block", "--fail-on=never"]],
    ids=["policy", "fail-on"],
)
def test_an_option_of_one_value_given_twice_is_refused(
    tmp_path: Path, index_dir: Path, twice: list[str]
) -> None:
    # click keeps the last value: `-p strict.yaml -p lax.yaml` (a wrapper adding its own) or a CI
    # template's `--fail-on block` then a job's `--fail-on never` passed a blocking copy, exit 0.
    policy, lax = tmp_path / "policy.yaml", tmp_path / "lax.yaml"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    lax.write_text("rules:\n  - {id: note, title: Note, action: info}\n", encoding="utf-8")
    args = [a.format(policy=policy, lax=lax) for a in twice]
    data = _copies(tmp_path / "d.jsonl")
    result = run_cli(["scan", data, "-i", index_dir, "-q", "--no-cache", *args], code=2)
    assert "given twice" in result.stderr
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "-p", policy, "-q", "--no-cache"], code=1)


def test_fail_on_never_does_not_tell_counsel_there_is_no_blocking_finding(
    tmp_path: Path, index_dir: Path
) -> None:
    # `--fail-on never` (a report-only CI job) printed "No blocking finding: 3 of 3 records have
    # open findings that do not block" in every report while the three findings' action was block.
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    data = _copies(tmp_path / "d.jsonl")
    args = ["scan", data, "-i", index_dir, "-p", policy, "--fail-on", "never", "--no-cache"]
    result = run_cli([*args, "-f", "markdown", "-o", md, "-f", "html", "-o", html])
    assert "NOT GATED: 3 finding(s) with action block" in result.stderr
    for report in (md.read_text(encoding="utf-8"), html.read_text(encoding="utf-8")):
        assert "No blocking finding" not in report
        assert "Not gated: 3 finding(s) have action block" in report
    # The decision block, what counsel signs, said "3 of 3 records with open findings, 0 blocking."
    block = html.read_text(encoding="utf-8").split('<section id="decision"', 1)[1].split("</section>", 1)[0]
    assert "0 blocking (this scan fails on nothing, but 3 finding(s) have action block)" in block


APACHE = (
    'Licensed under the Apache License, Version 2.0 (the "License");\nyou may not use this file except in '
    "compliance with the License.\nYou may obtain a copy of the License at\n\n    "
    "http://www.apache.org/licenses/LICENSE-2.0\n\nUnless required by applicable law or agreed to in "
    'writing, software\ndistributed under the License is distributed on an "AS IS" BASIS,\nWITHOUT '
    "WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.\nSee the License for the specific "
    "language governing permissions and\nlimitations under the License."
)
ANSWER = REFERENCE_TEXTS[0]
LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et "
    "dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip "
    "ex ea commodo consequat."
)


def _third_party_index(tmp_path: Path) -> Path:
    """References that reproduce a licence notice, a placeholder, and answers of their own (one
    presented in quotation marks, as models present slogans and pitches)."""
    refs = write_jsonl(
        tmp_path / "refs.jsonl",
        [
            {"id": "notice", "text": "Here is the header for your file:\n\n" + APACHE.replace("\n", " ")},
            {"id": "slogan", "text": '"' + REFERENCE_TEXTS[1] + '"'},
            {"id": "answer", "text": ANSWER},
            {
                "id": "mockup",
                "text": f"Here is placeholder text for your page:\n\n{LOREM}\n\nReplace it later.",
            },
        ],
    )
    idx = tmp_path / "index"
    run_cli(["index", "add", idx, refs, "--source", "chat", "--provider", "openai", "-q"])
    return idx


def _actions(tmp_path: Path, idx: Path, texts: dict[str, str]) -> dict[str, str]:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": k, "text": v} for k, v in texts.items()])
    policy, out = tmp_path / "policy.yaml", tmp_path / "r.json"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    run_cli(["scan", data, "-i", idx, "-p", policy, "-q", "--no-cache", "-o", out, "--fail-on", "never"])
    worst: dict[str, str] = {}
    for f in json.loads(out.read_text())["findings"]:
        rid = f["record"]["id"]
        worst[rid] = "block" if "block" in (f["action"], worst.get(rid)) else f["action"]
    return worst


def test_a_licence_header_or_placeholder_two_texts_share_does_not_block(tmp_path: Path) -> None:
    # An independent source file's Apache header and a mock-up's Lorem ipsum were blocking copies
    # of a model's output (probability 0.9996 and 0.999): the shared text is standard boilerplate.
    idx = _third_party_index(tmp_path)
    code = "# Copyright 2024 Example Corp.\n#\n# " + APACHE.replace("\n", "\n# ") + "\nimport os\n"
    page = f'<div class="hero">\n  <h1>Welcome</h1>\n  <p>{LOREM}</p>\n</div>'
    texts = {"header": code, "page": page}
    assert _actions(tmp_path, idx, texts) == dict.fromkeys(texts, "review")


def test_a_copy_under_a_licence_header_or_of_a_quoted_answer_still_blocks(tmp_path: Path) -> None:
    # Only boilerplate is set aside: a licence header above a copied answer leaves the answer to
    # verify, and a copy of an answer the model gave in quotation marks is a copy.
    idx = _third_party_index(tmp_path)
    texts = {
        "headed": APACHE + "\n\n" + ANSWER,
        "quoted": f'Tagline for the launch: "{REFERENCE_TEXTS[1]}"',
        "block-quoted": "The assistant wrote:\n\n> " + ANSWER,
    }
    assert _actions(tmp_path, idx, texts) == dict.fromkeys(texts, "block")


def test_a_decision_that_names_no_report_is_not_shown_as_made_on_this_one(
    tmp_path: Path, index_dir: Path
) -> None:
    # A decision file kept beside the data without `report:` ("approve", signed) filled the
    # decision block of every later report, headed "This decision refers to report PC-...", even
    # after new blocking records came in: nothing said it was never checked against them.
    policy, decision, html = tmp_path / "policy.yaml", tmp_path / "decision.yaml", tmp_path / "r.html"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    decision.write_text(
        "decision: approve\nname: Jane Doe\nrole: Counsel\ndate: 2026-12-01\n"
        "override: the records are licensed under contract\n"  # approving over blocking findings
    )
    args = ["scan", _copies(tmp_path / "d.jsonl"), "-i", index_dir, "-p", policy, "--no-cache"]
    result = run_cli([*args, "--decision", decision, "-f", "html", "-o", html], code=1)
    block = html.read_text(encoding="utf-8").split('<section id="decision"', 1)[1].split("</section>", 1)[0]
    assert "Not checked against this report" in block and "names no report" in result.stderr


def test_every_split_of_a_json_export_is_read_not_only_the_one_under_a_known_key(
    tmp_path: Path, index_dir: Path
) -> None:
    # `{"train": [...], "test": [...]}`: the train split was streamed and the test split, under a
    # key not in the wrapper list, decoded as metadata and dropped: its copies passed, exit 0,
    # "every string in the records was read".
    rows = [
        {"id": f"r-{i}", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": t}]}
        for i, t in enumerate(REFERENCE_TEXTS)
    ]
    clean = {"id": "own", "text": "an answer of its own, in words nobody indexed anywhere"}
    policy, out = tmp_path / "policy.yaml", tmp_path / "r.json"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    for layout in (
        {"test": rows, "train": [clean]},
        {"train": [clean], "validation": rows[:1], "test": rows[1:]},
    ):
        data = tmp_path / "export.json"
        data.write_text(json.dumps({"version": 1, **layout}, indent=1), encoding="utf-8")
        run_cli(["scan", data, "-i", index_dir, "-p", policy, "-q", "--no-cache", "-o", out], code=1)
        doc = json.loads(out.read_text())
        assert doc["summary"]["records"]["scanned"] == len(rows) + 1
        assert doc["summary"]["records"]["blocking"] == len(rows)


DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


def test_a_clause_note_in_the_markdown_comment_names_the_findings_it_is_about(tmp_path: Path) -> None:
    # The demo's rule openai-no-competing-models has three findings, two blocking; its row read
    # "Note: the material is dated 2023-03-13, before this version took effect ...: the finding is
    # review, not block", true of the one alpaca-style-nc finding only.
    index, md = tmp_path / "index", tmp_path / "r.md"
    run_cli(["index", "build", index, "--sources", DEMO / "sources.yaml", "-q"])
    policy = DEMO / "policy.yaml"
    run_cli(
        ["scan", DEMO / "dataset", "-i", index, "-p", policy, "-q", "--no-cache", "-f", "markdown", "-o", md],
        1,
    )
    text = md.read_text(encoding="utf-8")
    assert "<br>Note: " not in text
    assert "Note (alpaca-style-nc: 1 finding(s)): the material is dated 2023-03-13" in text


@pytest.mark.parametrize("when", ["{match.probability: {gte: 80}}", "{match.coverage: {lt: 50}}"])
def test_a_share_written_as_a_percentage_in_a_policy_is_refused(tmp_path: Path, when: str) -> None:
    # `match.probability: {gte: 80}` (meaning 80%) is never reached: the block rule never fired,
    # and every copy passed; `lt: 50` held for every match.
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        f"rules:\n  - id: r\n    title: t\n    action: block\n    when: {when}\n", encoding="utf-8"
    )
    result = run_cli(["policy", "validate", policy], code=3)
    assert "is outside 0-1" in result.output and "policy.yaml:5" in result.output


@pytest.mark.parametrize(
    ("sources", "said"),
    [
        ("  shar: {provider: openai}\n", "'shar' is not a source of the index; did you mean 'share'?"),
        ("  share: {derived_from: chatgtp}\n  chatgtp-dump: {provider: x}\n", "derives from 'chatgtp'"),
        ("  share: {derived_from: gpt4-outputs}\n", "derives from 'gpt4-outputs'"),
    ],
    ids=["near-miss-of-an-index-source", "misspelt-parent", "unknown-parent"],
)
def test_source_facts_that_name_a_source_nobody_has_are_refused(
    tmp_path: Path, reference_file: Path, sources: str, said: str
) -> None:
    # The index's source has no provider; the policy gives it one, or a parent with one. Facts
    # for `shar` (the source is `share`) or a parent misspelt applied to nothing: no finding,
    # exit 0, for every copy.
    idx = tmp_path / "idx"
    run_cli(["index", "add", idx, reference_file, "--source", "share", "-q"])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCKING_POLICY + "sources:\n" + sources, encoding="utf-8")
    data = _copies(tmp_path / "d.jsonl")
    result = run_cli(["scan", data, "-i", idx, "-p", policy, "-q", "--no-cache"], code=3)
    assert said in result.stderr and f"{policy}:" in result.stderr


def test_source_facts_for_the_indexed_source_or_a_catalogued_parent_still_apply(
    tmp_path: Path, reference_file: Path
) -> None:
    idx = tmp_path / "idx"
    run_cli(["index", "add", idx, reference_file, "--source", "share", "-q"])
    policy = tmp_path / "policy.yaml"
    data = _copies(tmp_path / "d.jsonl")
    for sources in ("  share: {provider: openai}\n", "  share: {derived_from: tatsu-lab/alpaca}\n"):
        policy.write_text(BLOCKING_POLICY + "sources:\n" + sources, encoding="utf-8")
        run_cli(["scan", data, "-i", idx, "-p", policy, "-q", "--no-cache", "--fail-on", "review"], code=1)


def test_a_csv_without_a_header_row_is_not_read_as_no_record(tmp_path: Path, index_dir: Path) -> None:
    # A one-row CSV without a header: its row became the column names, never scanned as text,
    # and the scan said "0 records, every string read", exit 0, over a copy.
    data = tmp_path / "one.csv"
    data.write_text(f'conv-1,"{REFERENCE_TEXTS[0]}"\n', encoding="utf-8")
    out = tmp_path / "r.json"
    run_cli(["scan", data, "-i", index_dir, "-q", "--no-cache", "-o", out], code=4)
    (error,) = json.loads(out.read_text())["errors"]
    assert error["line"] == 1 and "first record unread; add a header row" in error["message"]
    # A header of column names, even long survey questions, is a header.
    survey = tmp_path / "survey.csv"
    question = "How did you hear about us and what made you decide to sign up for the service today"
    survey.write_text(f'id,"{question}"\n1,"{REFERENCE_TEXTS[0]}"\n', encoding="utf-8")
    run_cli(["scan", survey, "-i", index_dir, "-q", "--no-cache", "-o", out])
    assert json.loads(out.read_text())["errors"] == []


def test_a_scan_whose_every_finding_is_waived_does_not_say_nothing_matched(
    tmp_path: Path, index_dir: Path
) -> None:
    # A scope waiver covering every finding: the verdict read "none of the 3 records read
    # matched the indexed sources under a rule that applies" while all three copied a reference.
    policy, waivers, md = tmp_path / "policy.yaml", tmp_path / "w.yaml", tmp_path / "r.md"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    waivers.write_text(
        "waivers:\n  - rule: openai-no-competing-models\n    reason: licensed\n"
        "    approver: counsel@acme-legal.com\n"
        "    date: 2025-01-01\n"
    )
    data = _copies(tmp_path / "d.jsonl")
    run_cli(
        ["scan", data, "-i", index_dir, "-p", policy, "--waivers", waivers, "-q", "-f", "markdown", "-o", md]
    )
    verdict = md.read_text(encoding="utf-8").splitlines()[0]
    assert "matched the indexed sources" not in verdict
    assert "3 record(s) have findings, all of them waived" in verdict
