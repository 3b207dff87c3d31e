"""Answers the request determines: review, not block, unless near-verbatim (adversarial pass 13, item 7).

With an index of one generator's AlpacaEval outputs and a competing-model policy, independent
answers of other generators blocked as copies where the request leaves little to write: French
translations of the article the request gives, worked calculations of the request's own formula.
Such a match in a record holding the reference's request is now class ``request``: listed,
verified, ``review`` with the reason in words. A near-verbatim copy (whole at similarity 0.9, or
at character similarity 0.95 as a copy with typos is) still blocks, and so does the same answer
without the request (nothing is then determined: the stricter reading). The texts below are
written for this test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import run_cli, write_jsonl

ARTICLE = (
    "Beekeeping, also called apiculture, is the care of honey bee colonies kept by people in "
    "man-made hives. Beekeepers collect honey, beeswax, pollen and royal jelly, and many rent their "
    "colonies to farmers so that the bees pollinate crops such as almonds, apples and blueberries. "
    "A healthy colony holds one queen, a few hundred drones and tens of thousands of worker bees, "
    "which build the comb and forage for nectar within a few kilometres of the hive."
)
TRANSLATE = f"Translate the article into French.\n\n{ARTICLE}"
FRENCH = (
    "L'apiculture est l'entretien de colonies d'abeilles mellifères que les humains gardent dans "
    "des ruches artificielles. Les apiculteurs récoltent le miel, la cire d'abeille, le pollen et la "
    "gelée royale, et beaucoup louent leurs colonies aux agriculteurs afin que les abeilles "
    "pollinisent des cultures comme les amandes, les pommes et les myrtilles. Une colonie en bonne "
    "santé compte une reine, quelques centaines de faux bourdons et des dizaines de milliers "
    "d'ouvrières, qui construisent les rayons et butinent le nectar à quelques kilomètres de la ruche."
)
FRENCH_OWN = (
    "L'apiculture est l'élevage de colonies d'abeilles mellifères que les humains gardent dans "
    "des ruches artificielles. Les apiculteurs récoltent le miel, la cire, le pollen et la gelée "
    "royale, et nombre d'entre eux louent leurs colonies aux agriculteurs pour que les abeilles "
    "pollinisent des cultures comme les amandes, les pommes et les bleuets. Une colonie saine "
    "compte une reine, quelques centaines de faux bourdons et des dizaines de milliers "
    "d'ouvrières, qui bâtissent les rayons et butinent le nectar à quelques kilomètres de la ruche."
)
CALCULATE = "Given that g(t) = 7t^2 + 4t - 9, find the value of g(3)."
WORKED = (
    "To find the value of g(3), substitute t = 3 into the function g(t) = 7t^2 + 4t - 9.\n\n"
    "g(3) = 7(3)^2 + 4(3) - 9\ng(3) = 7(9) + 12 - 9\ng(3) = 63 + 12 - 9\ng(3) = 75 - 9\n"
    "g(3) = 66\n\nSo, the value of g(3) is 66."
)
WORKED_OWN = (
    "To find the value of g(3), we just substitute t = 3 into the function g(t) = 7t^2 + 4t - 9.\n\n"
    "Let's calculate:\n\ng(3) = 7(3)^2 + 4(3) - 9\ng(3) = 7(9) + 12 - 9\ng(3) = 63 + 12 - 9\n"
    "g(3) = 66\n\nTherefore the value of g(3) is 66."
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


def _typos(text: str) -> str:
    """A letter doubled in every other word of the first 30 (a copy retyped carelessly, then
    pasted): a sixth of the words mistyped, below the token similarity of a whole copy (0.9)."""
    words = text.split(" ")
    return " ".join(w + w[-1] if i < 30 and i % 2 and w[-1:].isalpha() else w for i, w in enumerate(words))


def scan(tmp_path: Path, rows: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Index the two reference answers (Alpaca records), scan ``rows``: per record id, its match
    and the action of its finding."""
    refs = write_jsonl(
        tmp_path / "refs.jsonl",
        [
            {"id": "fr", "instruction": TRANSLATE, "input": "", "output": FRENCH},
            {"id": "calc", "instruction": CALCULATE, "input": "", "output": WORKED},
        ],
    )
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    data = write_jsonl(tmp_path / "data" / "d.jsonl", rows)
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_ALL, encoding="utf-8")
    out = tmp_path / "r.json"
    run_cli(
        ["scan", data, "-i", index, "-p", policy, "-f", "json", "-o", out, "--no-cache", "--fail-on", "never"]
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    actions = {f["match"]: f["action"] for f in doc["findings"] if f.get("match")}
    found = {m["record"]["id"]: {**m, "action": actions.get(m["id"])} for m in doc["matches"]}
    assert set(found) == {r["id"] for r in rows}, "every answer is still found and listed"
    return found


def test_independent_answers_the_request_determines_are_reviewed_not_blocked(tmp_path: Path) -> None:
    found = scan(
        tmp_path,
        [
            {"id": "translation", "instruction": TRANSLATE, "output": FRENCH_OWN},
            {"id": "calculation", "instruction": CALCULATE, "output": WORKED_OWN},
        ],
    )
    for name, how in (
        ("translation", "a translation of the text it gives"),
        ("calculation", "the arithmetic"),
    ):
        m = found[name]
        strength = m["strength"]
        assert m["action"] == "review", (name, m["scores"], strength)
        assert strength["convergence"] == "request" and not strength["can_block"]
        assert not strength["explained"], "still a verified match, in front of the reviewer"
        assert "that request determines the shared text" in strength["reason"] and how in strength["reason"]


@pytest.mark.parametrize("edit", ["verbatim", "typos"])
def test_near_verbatim_copies_under_the_same_request_still_block(tmp_path: Path, edit: str) -> None:
    change = (lambda t: t) if edit == "verbatim" else _typos
    found = scan(
        tmp_path,
        [
            {"id": "translation", "instruction": TRANSLATE, "output": change(FRENCH)},
            {"id": "calculation", "instruction": CALCULATE, "output": "Sure! " + WORKED},
        ],
    )
    for name in ("translation", "calculation"):
        assert found[name]["action"] == "block", (name, found[name]["scores"], found[name]["strength"])
        assert found[name]["strength"]["convergence"] is None
    if edit == "typos":  # whole at character similarity 0.95 or more, not at token similarity 0.9
        assert (
            found["translation"]["scores"]["similarity"]
            < 0.9
            <= found["translation"]["scores"]["char_similarity"]
        )


def test_without_the_request_nothing_is_determined(tmp_path: Path) -> None:
    """The same independent answers held without their request: the stricter reading, as before."""
    found = scan(
        tmp_path, [{"id": "translation", "text": FRENCH_OWN}, {"id": "calculation", "text": WORKED_OWN}]
    )
    for name in ("translation", "calculation"):
        assert found[name]["action"] == "block", (name, found[name]["scores"], found[name]["strength"])


def test_the_competing_model_policy_passes_them_from_the_command_line(tmp_path: Path) -> None:
    """As a user runs it: the shipped default policy, exit 0 for the independent answers (exit 1
    before), exit 1 for a verbatim copy of the translation under the same request."""
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"instruction": TRANSLATE, "output": FRENCH}])
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    own = write_jsonl(tmp_path / "own" / "d.jsonl", [{"instruction": TRANSLATE, "output": FRENCH_OWN}])
    copy = write_jsonl(tmp_path / "copy" / "d.jsonl", [{"instruction": TRANSLATE, "output": FRENCH}])
    policy = tmp_path / "policy.yaml"
    policy.write_text("include: [provcheck:default]\n", encoding="utf-8")
    args = ["-i", index, "-p", policy, "--no-cache", "-q"]
    run_cli(["scan", own, *args], code=0)
    run_cli(["scan", copy, *args], code=1)
