"""A copy lowered as "convergence (prompt)" that counsel could not check (outside counsel 19, item 2).

A verbatim copy of a "rewrite this email" answer was lowered to review because most of it repeats
the reference's prompt (the email), and the reference's prompt was not shown, so the reason could
not be checked. Now the prompt explains a match only while the candidate leaves out what the
reference wrote beyond its prompt (``convergence.own_copied``), and every format that shows the
evidence shows the reference's passages that repeat its prompt, escaped, with where the prompt
came from (JSON ``matches[].prompt``, schema 1.4). One index, one scan, every format."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers import run_cli, write_jsonl

EMAIL = (
    "hey team, just a heads up that the quarterly review meeting got moved from thursday to friday "
    "at 3pm in the big conference room <b>on the second floor</b>. please bring your project updates "
    "and the budget numbers for the last three months, and let me know if you cant make it so we can "
    "find another time. thanks, dana"
)
REQUEST = f"Rewrite this email so that it sounds more professional:\n\n{EMAIL}"
ANSWER = (
    "Hello team, please note that the quarterly review meeting has been moved from Thursday to "
    "Friday at 3 pm in the main conference room <b>on the second floor</b>. Please bring your "
    "project updates and the budget numbers for the last three months, and kindly let me know if "
    "you are unable to make it so we can find another time. Best regards, Dana"
)
OWN_REWRITE = (
    "Hello team, please note that the quarterly review meeting has been moved from Thursday to "
    "Friday at 3pm in the large conference room <b>on the second floor</b>. Please bring your "
    "project updates and the budget numbers for the last three months, and kindly let me know if "
    "you are not able to make it so we can find another time. Best regards, Dana"
)
"""Written independently of ``ANSWER`` for the same request: it restates the same email with
edits of its own (3pm, large, not able), sharing the stock ones (Hello, please note, kindly)."""
BLOCK_ALL = """\
name: block every match
rules:
  - id: any-match
    title: Any match
    signal: match
    when: {match.similarity: {gte: 0}}
    action: block
"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("prompt20")
    refs = write_jsonl(
        root / "refs.jsonl", [{"id": "ref", "instruction": REQUEST, "input": "", "output": ANSWER}]
    )
    data = write_jsonl(
        root / "data.jsonl",
        [
            {"id": "copy", "instruction": REQUEST, "input": "", "output": ANSWER},
            {"id": "own", "instruction": REQUEST, "input": "", "output": OWN_REWRITE},
        ],
    )
    index = root / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    policy = root / "policy.yaml"
    policy.write_text(BLOCK_ALL)
    out = {fmt: root / f"r.{fmt}" for fmt in ("json", "html", "markdown")}
    args: list[Any] = ["scan", "-i", index, data, "-p", policy, "--no-cache", "--fail-on", "never"]
    for fmt, path in out.items():
        args += ["-f", fmt, "-o", path]
    run_cli(args)  # the JSON report is checked against docs/report.schema.json
    doc = json.loads(out["json"].read_text())
    return {
        "matches": {m["record"]["id"]: m for m in doc["matches"]},
        "actions": {f["record"]["id"]: f["action"] for f in doc["findings"]},
        "html": out["html"].read_text(),
        "markdown": out["markdown"].read_text(),
    }


def test_a_verbatim_copy_of_a_rewrite_answer_can_block(reports: dict[str, Any]) -> None:
    """Old code: ``prompt`` convergence, review. Most of the answer repeats the email, but the
    copy takes the reference's own words too (Hello, please note, has been, 3 pm, main, kindly,
    are unable to, Best regards)."""
    strength = reports["matches"]["copy"]["strength"]
    assert strength["convergence"] is None and strength["can_block"], strength
    assert reports["actions"]["copy"] == "block"
    assert "the prompt does not explain the match" in strength["reason"]


def test_an_independent_rewrite_of_the_same_email_stays_convergence(reports: dict[str, Any]) -> None:
    strength = reports["matches"]["own"]["strength"]
    assert strength["convergence"] == "prompt" and not strength["can_block"], strength
    assert reports["actions"]["own"] == "review"


def test_every_format_shows_the_reference_s_prompt_escaped_with_its_origin(reports: dict[str, Any]) -> None:
    for rid in ("copy", "own"):
        prompt = reports["matches"][rid]["prompt"]
        assert prompt["record"] == {"path": reports["matches"][rid]["reference"]["path"], "index": 0}
        assert "request turns" in prompt["from"] and prompt["share"] >= 0.5
        texts = [p["text"] for p in prompt["passages"]]
        assert all(
            ANSWER[p["start"] : p["end"]] == p["text"] and p["text"].casefold() in EMAIL.casefold()
            for p in prompt["passages"]
        )
        assert any("<b>on the second floor</b>" in t for t in texts), texts
    page = reports["html"]
    assert "<dt>Reference's prompt</dt>" in page and "request turns" in page
    assert "&lt;b&gt;on the second floor&lt;/b&gt;" in page
    assert "<b>on the second floor</b>" not in page  # escaped wherever it is shown
    md = reports["markdown"]
    assert "Findings resting on the reference's own prompt (2)" in md
    section = md.split("Findings resting")[1].split("</details>")[0]
    assert "&lt;b&gt;on the second floor&lt;/b&gt;" in section and "<b>" not in section
    assert section.count("request turns") == 2
