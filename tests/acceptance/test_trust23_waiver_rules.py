"""Trust 23, item 3: a scope waiver names the rule it accepts the risk of.

``rule: "*"`` (or ``openai-*``, ``openai-no-competing-model?``) was read as a glob and waived
every rule the scope's records broke, those added to the policy later included, exit 0. A
pattern is now refused where the file is read (exit 3, as every invalid waivers file), at its
line, saying to list each rule; a near miss of a rule id the policy defines, which covered
nothing and left its findings open with a "stale" note, is refused with a "did you mean".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

POLICY = "include: [provcheck:default]\nuse: {purpose: train-competing-model, commercial: true}\n"


def _scan(tmp_path: Path, index_dir: Path, rule: str, code: int) -> str:
    data = write_jsonl(tmp_path / "data" / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "version: 1\nwaivers:\n"
        f"  - rule: {rule}\n    reason: licensed under contract C-17\n    approver: Jane Doe (counsel)\n"
        "    date: 2026-12-01\n",
        encoding="utf-8",
    )
    args = ["scan", data, "-i", index_dir, "-p", policy, "--waivers", waivers, "--no-cache", "-q"]
    return run_cli(args, code=code).stderr


@pytest.mark.parametrize(
    "rule", ['"*"', "'openai-*'", "openai-no-competing-model?", "'[o]penai-no-competing-models'"]
)
def test_a_rule_pattern_is_refused_at_its_line(tmp_path: Path, index_dir: Path, rule: str) -> None:
    # The old code waived the blocking copy: exit 0.
    err = _scan(tmp_path, index_dir, rule, code=3)
    assert f"waivers.yaml:3: 'rule' {rule.strip(chr(34) + chr(39))!r} is a pattern" in err
    assert "list each rule, one entry per rule" in err


def test_a_near_miss_of_a_rule_id_is_refused_with_the_rule_meant(tmp_path: Path, index_dir: Path) -> None:
    # The old code reported the entry stale and the finding open (exit 1): the approver's
    # decision was lost to a typo.
    err = _scan(tmp_path, index_dir, "openai-no-competing-model", code=3)
    assert "waivers.yaml:3: 'rule' 'openai-no-competing-model' is no rule of the policy" in err
    assert "did you mean 'openai-no-competing-models'?" in err


def test_a_named_rule_still_waives_in_any_case(tmp_path: Path, index_dir: Path) -> None:
    _scan(tmp_path, index_dir, "OpenAI-No-Competing-Models", code=0)


def test_a_rule_far_from_every_rule_is_left_to_the_stale_report(tmp_path: Path, index_dir: Path) -> None:
    # (a rule of another policy the same file serves): read, reported stale, the finding open.
    assert "is no rule of the policy" not in _scan(tmp_path, index_dir, "acme-internal-rule", code=1)
