"""``--policy provcheck:openai`` names a shipped pack where a file is expected (adversarial pass
11's notes): the error said only "No such file"; it now says how a pack is used."""

from __future__ import annotations

from pathlib import Path

from helpers import UNRELATED_TEXT, run_cli, write_jsonl


def test_a_pack_given_as_the_policy_says_how_packs_are_used(tmp_path: Path, index_dir: Path) -> None:
    write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "text": UNRELATED_TEXT}])
    out = run_cli(["scan", tmp_path / "d.jsonl", "-i", index_dir, "--policy", "provcheck:openai"], code=2)
    assert "include: [provcheck:openai]" in out.stderr
    assert "openai.yaml" in out.stderr
    typo = run_cli(["scan", tmp_path / "d.jsonl", "-i", index_dir, "--policy", "provcheck:opneai"], code=2)
    assert "unknown pack 'provcheck:opneai'" in typo.stderr and "provcheck:openai" in typo.stderr
