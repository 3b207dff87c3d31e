"""Adversarial pass 21 (helper adv21), each test failing on the code before.

A dataset card's own ``date:`` chose its verdict: dated before every wording of the clause on
record, it lowered a block to review (exit 0), over the catalogue's date of the dataset the card
declares. Only the index's, the policy's and the catalogue's dates lower a finding; the
dataset's own date is cited and keeps the rule's action.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import run_cli

STRICT = """\
version: 1
name: declared OpenAI sources block
include: [provcheck:default]
use:
  purpose: train-competing-model
  commercial: true
rules:
  - id: openai-declared-source
    title: Dataset declares it derives from OpenAI output
    signal: declaration
    when:
      source.provider: openai
      use.purpose: train-competing-model
    action: block
    message: "{declared.file} declares {declared.key} {declared.value}"
    clause: {terms: openai-terms-of-use, clause: compete}
"""


def _scan(tmp_path: Path, index_dir: Path, name: str, files: dict[str, str], code: int) -> dict[str, Any]:
    data = tmp_path / name
    data.mkdir()
    (data / "a.jsonl").write_text('{"text": "hello there my friend"}\n')
    for rel, text in files.items():
        (data / rel).write_text(text)
    policy = tmp_path / "strict.yaml"
    policy.write_text(STRICT)
    out = run_cli(["scan", data, "-i", index_dir, "-p", policy, "-f", "json", "-q", "--no-cache"], code=code)
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


def _declared(doc: dict[str, Any]) -> dict[str, Any]:
    (found,) = [f for f in doc["findings"] if f["rule"] == "openai-declared-source"]
    return found


def test_a_cards_own_date_does_not_lower_a_block_over_the_catalogues_date(
    tmp_path: Path, index_dir: Path
) -> None:
    # The catalogue dates ShareGPT Vicuna 2023-04-02, after the first wording (2023-03-14).
    card = "---\ndate: 1990-01-01\nsource_datasets:\n  - anon8231489123/ShareGPT_Vicuna_unfiltered\n---\n"
    found = _declared(_scan(tmp_path, index_dir, "carded", {"README.md": card}, code=1))
    assert found["action"] == "block" and found["date_lowering"] is None, found
    assert "1990" not in (found["clause"]["note"] or "")


def test_a_manifests_own_date_is_cited_but_keeps_the_rules_action(tmp_path: Path, index_dir: Path) -> None:
    manifest = "provider: openai\ngenerator: gpt-4\ndate: 2020-01-01\n"
    found = _declared(_scan(tmp_path, index_dir, "dated", {"provenance.yaml": manifest}, code=1))
    assert found["action"] == "block" and found["date_lowering"] is None, found
    note = found["clause"]["note"]
    assert "the material is dated 2020-01-01, before this version's date (Updated 2023-03-14)" in note
    assert "that date is the dataset's own (dataset:" in note and "dated: its card or manifest)" in note
    assert note.endswith("which does not lower the finding's action"), note
