"""A real copy cannot be demoted to "convergence" by its formatting (adversarial pass): a verbatim
excerpt of a reference, bulleted, numbered, ended with ';' or given one placeholder or citation,
still blocks under a blocking policy."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gitrepo import BLOCK_POLICY, chat, jsonl
from helpers import run_cli

DEMO_REFS = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "references" / "chatgpt_share.jsonl"
REFERENCE = json.loads(DEMO_REFS.read_text().splitlines()[0])["conversations"][1]["value"]
SENTENCES = re.split(r"(?<=\.) ", REFERENCE)
OWN = "Here is some other advice about bread baking in general, which I wrote myself. " * 3


def excerpt(form: str) -> str:
    """Four middle sentences of the reference (about 60% of it: not a whole copy), in ``form``."""
    assert len(SENTENCES) == 7
    body = SENTENCES[1:5]
    if form == "bullets":
        return OWN + "\n" + "\n".join("- " + s for s in body)
    if form == "numbered":
        return OWN + "\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(body, 1))
    if form == "semicolons":
        return OWN + "\n" + "\n".join(s[:-1] + ";" for s in body)
    marker = {
        "placeholder": "[Your Name]",
        "citation": "(Smith et al., 2020).",
        "recipe": "2 cups, 3 tsp, 4 oz.",
    }
    return OWN + "\n" + " ".join([body[0], marker[form], *body[1:]])


@pytest.mark.parametrize("form", ["bullets", "numbered", "semicolons", "placeholder", "citation", "recipe"])
def test_a_formatted_verbatim_excerpt_still_blocks(tmp_path: Path, form: str) -> None:
    index_dir = tmp_path / "index"
    run_cli(["index", "add", index_dir, DEMO_REFS, "--source", "share", "--provider", "openai", "-q"])
    data = tmp_path / "d.jsonl"
    data.write_text(jsonl([chat("x", excerpt(form), "How do I keep sourdough starter healthy?")]))
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    doc = json.loads(run_cli(["scan", data, "-i", index_dir, "-p", policy, "-f", "json", "-q"], 1).stdout)
    (match,) = doc["matches"]
    assert match["strength"]["convergence"] is None and match["strength"]["can_block"]
    assert [f["action"] for f in doc["findings"]] == ["block"]


def test_whole_copies_of_three_sources_in_one_answer_all_block(tmp_path: Path) -> None:
    """Pasting copies of three sources' outputs into one answer made every match "crowd"
    convergence: no block, exit 0."""
    refs = DEMO_REFS.parent
    index_dir = tmp_path / "index"
    run_cli(["index", "build", index_dir, "--sources", refs.parent / "sources.yaml", "-q"])
    alpaca = json.loads((refs / "alpaca_nc.json").read_text())[0]["output"]
    deepseek = json.loads((refs / "deepseek_chat.jsonl").read_text().splitlines()[0])["messages"][1][
        "content"
    ]
    data = tmp_path / "d.jsonl"
    data.write_text(jsonl([chat("x", "\n\n".join([REFERENCE, alpaca, deepseek]))]))
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        BLOCK_POLICY
        + "  - id: nc\n    title: nc\n    when: {source.license: CC-BY-NC-4.0}\n    action: block\n"
    )
    doc = json.loads(run_cli(["scan", data, "-i", index_dir, "-p", policy, "-f", "json", "-q"], 1).stdout)
    assert sorted(m["reference"]["source"] for m in doc["matches"]) == [
        "alpaca-style-nc",
        "deepseek-chat-outputs",
        "sharegpt-dump",
    ]
    assert all(m["strength"]["convergence"] is None for m in doc["matches"])
    assert sorted(f["rule"] for f in doc["findings"] if f["action"] == "block") == [
        "nc",
        "openai-compete",
        "openai-compete",
    ]


def test_a_copy_of_an_answer_the_index_holds_near_duplicates_of_still_blocks(tmp_path: Path) -> None:
    """ShareGPT dumps hold many near-copies of popular answers; indexed, they made every anchor
    of that answer "common", and a verbatim copy of it passed as common-passage (exit 0)."""
    refs = tmp_path / "dump.jsonl"
    refs.write_text(
        jsonl(
            [
                chat(f"d{i}", REFERENCE.replace("routine", word) + " Good luck!" * i)
                for i, word in enumerate(["routine", "schedule", "rhythm"])
            ]
        )
    )
    index_dir = tmp_path / "index"
    run_cli(["index", "add", index_dir, refs, "--source", "dump", "--provider", "openai", "-q"])
    data = tmp_path / "d.jsonl"
    data.write_text(jsonl([chat("x", REFERENCE, "How do I keep sourdough starter healthy?")]))
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    doc = json.loads(run_cli(["scan", data, "-i", index_dir, "-p", policy, "-f", "json", "-q"], 1).stdout)
    assert doc["matches"] and all(m["strength"]["convergence"] is None for m in doc["matches"])
