"""A provenance manifest naming a model's output without saying whose it is.

FAIL-OPEN (found by the lead in the thirteenth session, from adversarial 15's noted item 10).
``provenance.yaml`` with ``generator: gpt-4`` (or ``terms: openai-terms-of-use``) and no
``provider`` was read and matched no rule, since the packs' rules are about a provider's output
(``source.provider: openai``): a competing-model scan said "No findings" and exited 0 on data
whose own manifest says it is GPT-4 output. The file is now refused with a located error (the
scan is incomplete, exit 4) until it says whose model it is; with the provider, the packs'
declaration rules apply.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_cli, write_jsonl


def _dataset(tmp_path: Path, manifest: str) -> Path:
    root = tmp_path / "ds"
    write_jsonl(root / "train.jsonl", [{"text": "a clean note about tomato plants and their care"}])
    (root / "provenance.yaml").write_text(manifest, encoding="utf-8")
    return root


@pytest.mark.parametrize("manifest", ["generator: gpt-4\n", "terms: openai-terms-of-use\n"])
def test_a_model_named_without_its_provider_is_a_located_error(
    tmp_path: Path, index_dir: Path, manifest: str
) -> None:
    root = _dataset(tmp_path, manifest)
    policy = tmp_path / "policy.yaml"
    policy.write_text("include: [provcheck:default]\n", encoding="utf-8")
    result = run_cli(["scan", root, "-i", index_dir, "-p", policy, "--no-cache", "-f", "text"], code=4)
    assert "provenance.yaml:1" in result.output and "no 'provider'" in result.output
    assert "INCOMPLETE" in result.output


def test_with_its_provider_the_declaration_rules_apply(tmp_path: Path, index_dir: Path) -> None:
    root = _dataset(tmp_path, "generator: gpt-4\nprovider: openai\n")
    policy = tmp_path / "policy.yaml"
    policy.write_text("include: [provcheck:default]\n", encoding="utf-8")
    out = tmp_path / "r.json"
    run_cli(["scan", root, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "json", "-o", out])
    rules = {f["rule"] for f in json.loads(out.read_text(encoding="utf-8"))["findings"]}
    assert "openai-declared-source" in rules
