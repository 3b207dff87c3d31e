"""A passage that texts of several independent sources hold is listed, not verified (issue 12):
the scan's JSON report keeps every match with ``explained: true`` and its class, and a policy
that blocks every OpenAI match lowers them to review. A copy of one source's text still blocks."""

from __future__ import annotations

import json
from pathlib import Path

from gitrepo import BLOCK_POLICY, chat, jsonl
from helpers import REFERENCE_TEXTS, run_cli

COMMON = REFERENCE_TEXTS[0]
OTHERS = [*REFERENCE_TEXTS[1:], REFERENCE_TEXTS[1][::-1], REFERENCE_TEXTS[2][::-1]]


def scan(tmp_path: Path, sources: dict[str, list[str]], code: int) -> dict:
    index = tmp_path / "index"
    for name, texts in sources.items():
        data = tmp_path / f"{name}.jsonl"
        data.write_text(jsonl([{"id": f"{name}-{i}", "text": t} for i, t in enumerate(texts)]))
        run_cli(["index", "add", index, data, "--source", name, "--provider", "openai", "-q"])
    dataset = tmp_path / "d.jsonl"
    dataset.write_text(jsonl([chat("x", COMMON)]))
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    out = run_cli(["scan", dataset, "-i", index, "-p", policy, "-f", "json", "-q"], code)
    return json.loads(out.stdout)


def test_a_passage_four_sources_hold_is_listed_explained_and_reviewed(tmp_path: Path) -> None:
    doc = scan(tmp_path, {name: [f"{o} {COMMON}"] for name, o in zip("abcd", OTHERS, strict=True)}, 0)
    assert len(doc["matches"]) == 4
    for m in doc["matches"]:
        assert m["strength"]["explained"] is True and m["strength"]["can_block"] is False
        assert m["strength"]["convergence"] == "common-passage"
        assert "not a verified match" in m["strength"]["reason"]
        assert set(m["strength"]["sources"]) == set("abcd")
    assert {f["action"] for f in doc["findings"]} == {"review"}


def test_a_copy_of_one_source_is_verified_and_blocks(tmp_path: Path) -> None:
    doc = scan(tmp_path, {"a": [f"{OTHERS[0]} {COMMON}"], "b": [OTHERS[1]]}, 1)
    (m,) = doc["matches"]
    assert m["strength"]["explained"] is False and m["strength"]["can_block"] is True
    assert [f["action"] for f in doc["findings"]] == ["block"]
