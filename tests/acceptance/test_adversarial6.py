"""Adversarial review of the same-request rule for code (issue 12, sixth pass).

A copier who holds the reference's request (every fine-tuning mix does: the copy answers it)
puts it in the record. A partial match of code marked convergence was then explained (listed, not
a verified match) unless it was whole or took the reference's whole code with names aside; so a
verbatim copy of 50-80% of a reference's code, wrapped in a few lines of one's own, was only
listed, and so was the same copy cut into code blocks with sentences between. A passage of
``VERBATIM_RUN`` tokens or more of the reference taken near-verbatim (read on the reference's side)
now keeps the match verified, and the reason says why. The rule also read only whether the turn
holds code: an edited copy of a list answer with a snippet of one's own after it was explained."""

from __future__ import annotations

import html
import json
import random
from pathlib import Path

import pytest
from test_same_request import BLOCK_ALL, OWN_CODE, REFERENCE_CODE

from helpers import run_cli, write_jsonl

REQUEST = "Implement merge sort in Python."
CODE_LINES = REFERENCE_CODE.split("```python\n")[1].split("```")[0].rstrip().split("\n")
OWN = """

def describe(xs):
    total = sum(xs)
    count = len(xs)
    return {'total': total, 'count': count, 'mean': total / max(count, 1)}


class Stack:
    def __init__(self):
        self.items = []
    def push(self, x):
        self.items.append(x)
    def pop(self):
        return self.items.pop()"""


def wrapped(lines: list[str]) -> str:
    """A copied part of the reference's code, with code and sentences of one's own around it (so
    the match is partial: neither text is mostly aligned)."""
    body = "\n".join(lines)
    return (
        "Sure, here is a version I wrote for you, with some helper code:\n\n```python\n"
        f"{body}{OWN}\n```\n\nI hope this answers your question about sorting and data structures."
    )


def scan(tmp_path: Path, reference: dict, rows: list[dict]) -> dict[str, dict]:
    refs = write_jsonl(tmp_path / "refs.jsonl", [reference])
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_ALL)
    out = tmp_path / "r.json"
    run_cli(
        ["scan", "-i", index, data, "-p", policy, "-f", "json", "-o", out, "--no-cache", "--fail-on", "never"]
    )
    return {m["record"]["id"]: m for m in json.loads(out.read_text())["matches"]}


@pytest.mark.parametrize("share", [0.5, 0.7, 0.8])
def test_a_verbatim_copy_of_part_of_the_code_under_its_request_stays_verified(
    tmp_path: Path, share: float
) -> None:
    """Before: explained ("the candidate's record holds the request the reference answers"),
    64-91 tokens aligned at similarity 1.0, 43-61% of the reference."""
    copy = wrapped(CODE_LINES[: int(len(CODE_LINES) * share)])
    reference = {"id": "ref", "instruction": REQUEST, "input": "", "output": REFERENCE_CODE}
    matches = scan(tmp_path, reference, [{"id": "copy", "instruction": REQUEST, "input": "", "output": copy}])
    strength = matches["copy"]["strength"]
    assert matches["copy"]["scores"]["similarity"] == 1.0
    assert strength["convergence"] == "code"  # partial code: review at most, as before the rule
    assert not strength["explained"], strength["reason"]
    # The reason says why the shared request explains nothing here, and no longer "not verified".
    assert "not a verified match" not in strength["reason"]
    assert strength["reason"].endswith(
        "the candidate's record holds the request the reference answers, which does not explain a "
        "passage of 50 or more tokens of the reference taken near-verbatim, so the match stays verified"
    )


def test_a_lightly_edited_copy_under_its_request_stays_verified(tmp_path: Path) -> None:
    """The timing class left out (a few lines removed): 99 tokens at similarity 0.92."""
    lines = [x for x in CODE_LINES if not any(w in x for w in ("Timer", "perf_counter", "elapsed"))]
    reference = {"id": "ref", "instruction": REQUEST, "input": "", "output": REFERENCE_CODE}
    rows = [{"id": "copy", "instruction": REQUEST, "input": "", "output": wrapped(lines)}]
    strength = scan(tmp_path, reference, rows)["copy"]["strength"]
    assert not strength["explained"], strength["reason"]


def test_an_independent_answer_under_the_same_request_is_still_explained(tmp_path: Path) -> None:
    """The rule still does its work: the textbook function written again, names changed."""
    reference = {"id": "ref", "instruction": REQUEST, "input": "", "output": REFERENCE_CODE}
    rows = [{"id": "own", "instruction": REQUEST, "input": "", "output": OWN_CODE}]
    strength = scan(tmp_path, reference, rows)["own"]["strength"]
    assert strength["explained"] and "holds the request the reference answers" in strength["reason"]


def test_a_copy_split_across_code_blocks_with_sentences_between_stays_verified(tmp_path: Path) -> None:
    """80% of the code, verbatim, cut into three code blocks with a sentence of one's own between
    them: the span's similarity falls to 0.83 (the sentences count against it), but the reference's
    passage is taken whole, 91 tokens in order. Before: explained."""
    part = CODE_LINES[: int(len(CODE_LINES) * 0.8)]
    k = len(part) // 3
    between = (
        "\n```\n\nNext, a short remark of my own on what the following lines do and why they matter "
        "here.\n\n```python\n"
    )
    copy = wrapped(
        between.join(["\n".join(part[:k]), "\n".join(part[k : 2 * k]), "\n".join(part[2 * k :])]).split("\n")
    )
    reference = {"id": "ref", "instruction": REQUEST, "input": "", "output": REFERENCE_CODE}
    matches = scan(tmp_path, reference, [{"id": "copy", "instruction": REQUEST, "input": "", "output": copy}])
    assert matches["copy"]["scores"]["similarity"] < 0.9  # the split lowers the match's similarity
    strength = matches["copy"]["strength"]
    assert not strength["explained"], strength["reason"]


def test_the_html_report_shows_why_the_shared_request_explains_nothing(tmp_path: Path) -> None:
    """Counsel reads the reason in the HTML report, escaped (its apostrophe and the data's markup)."""
    copy = wrapped(CODE_LINES[: int(len(CODE_LINES) * 0.7)])
    request = f"{REQUEST} <b>Use lists</b>"
    reference = {"id": "ref<i>", "instruction": request, "input": "", "output": REFERENCE_CODE}
    rows = [{"id": "copy", "instruction": request, "input": "", "output": copy}]
    reason = scan(tmp_path, reference, rows)["copy"]["strength"]["reason"]
    out = tmp_path / "r.html"
    data = tmp_path / "data.jsonl"
    run_cli(
        ["scan", "-i", tmp_path / "index", data, "-f", "html", "-o", out, "--no-cache", "--fail-on", "never"]
    )
    page = out.read_text()
    assert html.escape(reason) in page
    assert "which does not explain a passage of 50 or more tokens" in reason
    assert "ref<i>" not in page and "<b>Use lists</b>" not in page


TIPS = [
    "Practice every day with small exercises",
    "Read the official tutorial from start to end",
    "Build a tiny project such as a to-do list",
    "Use the interactive shell to try ideas",
    "Learn list comprehensions and dictionaries early",
    "Read other people's code on GitHub",
    "Write tests for your functions with pytest",
    "Join a community forum and ask questions",
    "Learn to use a debugger instead of print",
    "Review your code after a week and refactor it",
]


def edited(text: str, rng: random.Random) -> str:
    """About 15% of the words replaced."""
    return " ".join("really" if rng.random() < 0.15 else w for w in text.split())


def test_a_prose_copy_beside_a_snippet_of_ones_own_is_not_a_match_of_code(tmp_path: Path) -> None:
    """The rule is for code (applied to prose it cost 9% of edited copies): it read whether the
    candidate *turn* holds code, so an edited copy of a list answer with a few lines of one's own
    code put after it was explained under the reference's request. Now the shared passage must
    lie on code lines."""
    request = "Give me tips for learning Python quickly."
    reference = (
        "Here are some tips:\n\n"
        + "\n".join(f"{i + 1}. {t}." for i, t in enumerate(TIPS))
        + "\n\nGood luck with your learning journey!"
    )
    rng = random.Random(1)
    listed = "\n".join(f"{i + 1}. {edited(t, rng)}." for i, t in enumerate(TIPS[:8]))
    snippet = "```python\nfor tip in tips:\n    print(tip)\nprint(len(tips))\nresult = sorted(tips)\n```"
    copy = (
        f"My advice:\n\n{listed}\n\nAnd a snippet to print them:\n\n{snippet}\n\n"
        "That is all, and have fun writing your own small programs every day."
    )
    rows = [{"id": "copy", "instruction": request, "input": "", "output": copy}]
    matches = scan(tmp_path, {"id": "ref", "instruction": request, "input": "", "output": reference}, rows)
    strength = matches["copy"]["strength"]
    assert strength["convergence"] == "list"  # a partial list: review at most, as before
    assert not strength["explained"], strength["reason"]
