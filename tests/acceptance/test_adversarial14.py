"""Adversarial pass 14: policies, encodings and inputs of real users that let a copy of indexed
text through the gate or made it cry wolf. Each test fails on the code before its fix.

1. FAIL-OPEN A rule condition written with a glob as a plain value (``source.generator:
   "gpt-*"``, ``source.name: [other, "sha*"]``, ``record.path: "*.jsonl"``), as the packs'
   ``generators:`` lists and every waiver write globs, compared the text as written: no
   generator is called ``gpt-*``, the rule never fired and a verbatim copy passed (exit 0).
   A value holding ``*`` under ``equals``, ``in``, ``not_in`` or ``contains`` is now refused
   where it is (exit 3) with the ``{glob: ...}`` to write (``policy/load_rules.py``).
2. FAIL-OPEN A rule naming an index source misspelt (``when: {source.name: sharegtp}`` for the
   index's ``sharegpt``) was accepted and never fired (exit 0), though the same typo in the
   policy's ``sources:`` is refused. A ``source.name`` value that is a near spelling of an
   index source and that neither the index, the policy's ``sources:`` nor the catalogue knows
   is now refused when the policy meets the index (exit 3, "did you mean"); one beside the
   right spelling (``[sharegpt, sharegpt-v2]``) is another source on purpose
   (``policy/sourcecheck.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

COPY = REFERENCE_TEXTS[0]
OWN = "A short note of our own about tomato plants, with nothing copied in it at all."
RULE = """\
use: {purpose: train-competing-model}
rules:
  - id: r
    title: OpenAI output in a competing model
    when: {WHEN}
    action: block
"""


def _policy(tmp_path: Path, when: str) -> Path:
    policy = tmp_path / "policy.yaml"
    policy.write_text(RULE.replace("{WHEN}", when), encoding="utf-8")
    return policy


@pytest.mark.parametrize(
    "when",
    [
        '{source.generator: "gpt-*"}',
        '{source.name: [other, "sha*"]}',
        '{record.path: "*.jsonl"}',
        '{source.provider: "openai*"}',
        '{source.name: {not_in: ["other*"]}}',
    ],
)
def test_a_glob_written_as_a_plain_value_is_refused_where_it_is(
    tmp_path: Path, index_dir: Path, when: str
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    policy = _policy(tmp_path, when)
    out = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"], code=3)
    assert f"{policy}:5" in out.stderr and "{glob:" in out.stderr, out.stderr


@pytest.mark.parametrize(
    "when",
    [
        '{source.generator: {glob: "gpt-*"}}',
        '{source.name: {glob: ["other", "sha*"]}}',
        '{record.path: {glob: "**/*.jsonl"}}',
    ],
)
def test_the_same_globs_written_as_globs_block(tmp_path: Path, index_dir: Path, when: str) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    policy = _policy(tmp_path, when)
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"], code=1)


@pytest.mark.parametrize(
    "when",
    [
        "{source.name: sharegtp}",
        "{source.name: [share-gpt, other]}",
        "{source.name: {equals: ShareGTP}}",
    ],
)
def test_a_rule_naming_a_near_spelling_of_an_index_source_is_refused(
    tmp_path: Path, reference_file: Path, when: str
) -> None:
    idx = tmp_path / "idx"
    run_cli(["index", "add", idx, reference_file, "--source", "sharegpt", "--provider", "openai", "-q"])
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    policy = _policy(tmp_path, when)
    out = run_cli(["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"], code=3)
    assert f"{policy}:5" in out.stderr and "did you mean 'sharegpt'" in out.stderr, out.stderr


@pytest.mark.parametrize(
    "when",
    [
        "{source.name: ShareGPT}",
        "{source.name: [sharegpt, sharegpt-v2]}",
        "{source.name: tatsu-lab/alpaca}",
    ],
)
def test_a_rule_naming_an_index_source_or_a_known_dataset_is_taken(
    tmp_path: Path, reference_file: Path, when: str
) -> None:
    idx = tmp_path / "idx"
    run_cli(["index", "add", idx, reference_file, "--source", "sharegpt", "--provider", "openai", "-q"])
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}, {"id": "o", "text": OWN}])
    policy = _policy(tmp_path, when)
    code = 0 if "alpaca" in when else 1
    run_cli(["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"], code=code)
