"""Answers to one request converging on one text: a passage several references answering the
request hold about equally does not block (issue 12, code set (b)).

``benchmarks/code.py``'s set (b) had 10 independent answers that could block, 5 of them no copy
by the labelling rule: the W3Schools modal CSS, the GeeksforGeeks LCS function, which eleven
OpenAI answers to the same requests also reproduce. Models reproduce such public code verbatim;
a passage that three or more answers to one request hold about equally shows what that request
draws, not a copy of one of them. Such a match is ``crowd`` (review, never blocks); a copy of a
whole answer aligns with its original far more than with the others, leads them, and blocks."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli, write_jsonl

REQUEST = "Write a modal dialog in HTML and CSS that opens when a button is clicked."
# Public snippet every answer reproduces verbatim (written for this test).
SNIPPET = """```css
.modal {
  display: none;
  position: fixed;
  z-index: 1;
  left: 0;
  top: 0;
  width: 100%;
  height: 100%;
  overflow: auto;
  background-color: rgba(0, 0, 0, 0.4);
}

.modal-content {
  background-color: #fefefe;
  margin: 15% auto;
  padding: 20px;
  border: 1px solid #888;
  width: 80%;
}

.close {
  color: #aaa;
  float: right;
  font-size: 28px;
  font-weight: bold;
}
```"""
INTROS = [
    (
        "A modal is a box drawn over the page. The stylesheet below hides it until a script "
        "shows it, dims the page behind it and centres its content with a close button on the "
        "right. Attach a click handler to your button that sets the modal's display to block."
    ),
    (
        "Here is a complete approach. First we write the styles: the overlay covers the whole "
        "viewport with a translucent black, and the content box sits in the middle. Then a few "
        "lines of JavaScript toggle it, and clicking outside the box closes it again."
    ),
    (
        "Sure! Modals need three parts: markup for the overlay, styles that keep it hidden and "
        "fixed in place, and a script. I kept the colours neutral so you can theme them later; "
        "the close control floats to the top right corner of the dialog."
    ),
]
OWN = (
    "You can build this without any library. The CSS keeps the dialog invisible by default and "
    "the button's onclick handler reveals it; pressing the cross hides it once more.\n\n"
    + SNIPPET
    + "\n\nThat is all the styling the dialog needs; add your own content inside it."
)
BLOCK_ALL = """\
name: block every match
rules:
  - id: any-match
    title: Any match
    signal: match
    when: {match.similarity: {gte: 0}}
    action: block
"""


def _scan(tmp_path: Path, intros: list[str], rows: list[tuple[str, str]]) -> dict:
    refs = write_jsonl(
        tmp_path / "refs.jsonl",
        [
            {"id": f"answer-{n}", "instruction": REQUEST, "input": "", "output": f"{intro}\n\n{SNIPPET}"}
            for n, intro in enumerate(intros)
        ],
    )
    data = write_jsonl(
        tmp_path / "data.jsonl",
        [{"id": i, "instruction": REQUEST, "input": "", "output": t} for i, t in rows],
    )
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_ALL)
    out = tmp_path / "r.json"
    run_cli(
        ["scan", "-i", index, data, "-p", policy, "-f", "json", "-o", out, "--no-cache", "--fail-on", "never"]
    )
    return json.loads(out.read_text())


def test_code_answers_to_one_request_share_does_not_block(tmp_path: Path) -> None:
    """Each answer is mostly the public snippet: before, the independent answer reproducing it
    was a whole match of the reference ("copies", 82% of it) and blocked."""
    doc = _scan(tmp_path, ["Here is the CSS:", "Sure! The styles:", "Use these styles:"], [("own", OWN)])
    own = [m for m in doc["matches"] if m["record"]["id"] == "own"]
    assert {m["reference"]["id"] for m in own} == {"answer-0", "answer-1", "answer-2"}, "all listed"
    for m in own:
        strength = m["strength"]
        assert strength["convergence"] == "crowd" and not strength["can_block"], strength["reason"]
        assert "answering the request the candidate's record holds" in strength["reason"]
    assert not [f for f in doc["findings"] if f["action"] == "block"]


def test_a_copy_of_one_answer_leads_the_others_and_blocks(tmp_path: Path) -> None:
    whole_copy = f"{INTROS[1]}\n\n{SNIPPET}".replace("Here is a complete approach.", "Here is one way.")
    doc = _scan(tmp_path, INTROS, [("copy", whole_copy)])
    copy = [m for m in doc["matches"] if m["reference"]["id"] == "answer-1"]
    assert copy and copy[0]["strength"]["can_block"], copy[0]["strength"]["reason"] if copy else doc
    assert [f for f in doc["findings"] if f["action"] == "block"]
