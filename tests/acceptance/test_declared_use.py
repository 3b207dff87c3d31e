"""Declared use that no flag or typo can quietly weaken (issue 13): layers add, contradictions
and unknown words are refused, and the effective use with its origins is in every summary."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from gitrepo import chat, jsonl, restricted
from helpers import REFERENCE_TEXTS, check_json_report, run_cli

POLICY = """\
use: {purpose: train-competing-model, commercial: true, distributed: true}
rules:
  - id: compete
    title: competing model
    when: {source.provider: openai, use.purpose: train-competing-model}
    action: block
    message: copies {source.name}
  - id: distributed
    title: distributed model
    when: {source.provider: openai, use.distributed: true}
    action: block
    message: distributed copy of {source.name}
  - id: commercial
    title: commercial model
    when: {source.provider: openai, use.commercial: true}
    action: block
    message: commercial copy of {source.name}
"""


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    """A dataset with one copied record and the policy above."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(jsonl([restricted(1)]))
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    return data, policy


def scan(args: list[Any], code: int) -> dict[str, Any]:
    result = run_cli(["scan", *args, "-f", "json", "-q"], code)
    doc: dict[str, Any] = json.loads(result.stdout)
    check_json_report(doc)
    return doc


def rules(doc: dict[str, Any]) -> list[str]:
    return sorted(f["rule"] for f in doc["findings"])


def test_use_adds_to_the_policy_and_never_drops_what_it_declares(
    project: tuple[Path, Path], index_dir: Path
) -> None:
    data, policy = project
    full = scan([data, "-i", index_dir, "-p", policy], 1)
    assert rules(full) == ["commercial", "compete", "distributed"]
    # On the code before, --use commercial replaced the policy's use: 1 block instead of 3.
    doc = scan([data, "-i", index_dir, "-p", policy, "--use", "commercial", "--use", "fine-tune"], 1)
    assert rules(doc) == ["commercial", "compete", "distributed"]
    assert doc["run"]["use"] == {
        "purpose": ["fine-tune", "train-competing-model"],
        "commercial": True,
        "distributed": True,
        "research_only": None,
    }
    assert doc["run"]["use_origin"] == {
        "purpose": {"fine-tune": "command line", "train-competing-model": "policy"},
        "commercial": "policy, command line",  # --use commercial repeats it: both are credited
        "distributed": "policy",
        "research_only": None,
    }
    assert doc["summary"]["declared_use"] == (
        "fine-tune (command line), train-competing-model (policy), commercial (policy, command line), "
        "distributed (policy)"
    )


def test_a_contradiction_is_refused_unless_use_only_replaces(
    project: tuple[Path, Path], index_dir: Path
) -> None:
    data, policy = project
    out = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--use", "non-commercial"], 2)
    assert "'non-commercial' contradicts 'commercial' declared by the policy" in out.stderr
    assert "--use-only" in out.stderr
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--use", "internal"], 2)
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--use", "commercial,non-commercial"], 2)
    doc = scan([data, "-i", index_dir, "-p", policy, "--use-only", "--use", "non-commercial"], 0)
    assert doc["run"]["use"]["commercial"] is False and doc["run"]["use"]["purpose"] == []
    assert doc["run"]["use_origin"]["commercial"] == "command line"
    # What --use-only dropped is said, not only what took its place (a reader of the report saw
    # "non-commercial (command line)" and could not tell the policy declared otherwise).
    assert doc["run"]["use_origin"]["replaced"] == [
        "train-competing-model (policy)",
        "commercial (policy)",
        "distributed (policy)",
    ]
    assert doc["summary"]["declared_use"] == (
        "non-commercial (command line); replacing train-competing-model (policy), "
        "commercial (policy), distributed (policy)"
    )
    html = run_cli(
        [
            "scan",
            data,
            "-i",
            index_dir,
            "-p",
            policy,
            "--use-only",
            "--use",
            "non-commercial",
            "-f",
            "html",
            "-q",
        ]
    ).stdout
    assert "replacing train-competing-model (policy)" in html
    # Nothing replaced, nothing said: the key is absent.
    assert "replaced" not in scan([data, "-i", index_dir, "-p", policy], 1)["run"]["use_origin"]
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--use-only"], 2)  # replaces with nothing?


@pytest.mark.parametrize("value", ["", " ", ",", " , "])
def test_an_empty_use_value_is_refused_not_skipped(
    project: tuple[Path, Path], index_dir: Path, value: str
) -> None:
    """`--use-only --use "$PURPOSE"` with the variable unset replaced the declared use with
    nothing and the copy passed (exit 0); an empty value is a usage error."""
    data, policy = project
    out = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--use-only", "--use", value], 2)
    assert "declares nothing" in out.stderr
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--use", value], 2)


@pytest.mark.parametrize(
    ("word", "suggestion"),
    [
        ("comercial", "commercial"),
        ("train-competing-modle", "train-competing-model"),
        ("non-comercial", "non-commercial"),
    ],
)
def test_an_unknown_use_word_is_refused_with_a_suggestion(
    project: tuple[Path, Path], index_dir: Path, word: str, suggestion: str
) -> None:
    data, policy = project
    out = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--use", word], 2)
    assert f"unknown purpose {word!r} (did you mean {suggestion!r}?)" in out.stderr


def test_use_words_of_the_configuration_and_the_policy_are_checked_too(
    project: tuple[Path, Path], index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, policy = project
    monkeypatch.chdir(tmp_path)
    config = tmp_path / ".provcheck.yaml"
    config.write_text(f"index: {index_dir}\npolicy: policy.yaml\nuse: [comercial]\n")
    out = run_cli(["scan", data], 2)
    assert f"{config}:3: use" in out.stderr and "did you mean 'commercial'" in out.stderr
    config.write_text(f"index: {index_dir}\npolicy: policy.yaml\nuse: [internal]\n")
    assert "contradicts 'distributed' declared by the policy" in run_cli(["scan", data], 2).stderr
    config.write_text(f"index: {index_dir}\npolicy: policy.yaml\nuse: [internal]\nuse_only: true\n")
    doc = scan([data], 0)  # the configuration replaced the policy's use: no rule applies
    assert doc["run"]["use_origin"]["distributed"] == "configuration" and doc["run"]["use"]["purpose"] == []
    config.write_text(f"index: {index_dir}\npolicy: policy.yaml\n")
    policy.write_text(POLICY.replace("purpose: train-competing-model,", "purpose: train-competing-modle,"))
    out = run_cli(["scan", data], 2)
    assert (
        "use: unknown purpose 'train-competing-modle' (did you mean 'train-competing-model'?)" in out.stderr
    )


def test_the_declared_use_and_its_origins_stand_in_every_format_and_on_the_terminal(
    project: tuple[Path, Path], index_dir: Path, tmp_path: Path
) -> None:
    data, policy = project
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    formats = {"text": "r.txt", "markdown": "r.md", "html": "r.html", "sarif": "r.sarif", "junit": "r.xml"}
    args: list[Any] = ["scan", data, "-i", index_dir, "-p", policy, "--use", "fine-tune"]
    for fmt, name in formats.items():
        args += ["-f", fmt, "-o", out_dir / name]
    result = run_cli(args, 1)
    said = (
        "fine-tune (command line), train-competing-model (policy), commercial (policy), distributed (policy)"
    )
    assert f"declared use: {said}" in result.stderr
    assert said in (out_dir / "r.txt").read_text().splitlines()[0]
    assert said in (out_dir / "r.md").read_text()
    assert said in (out_dir / "r.html").read_text()
    sarif = json.loads((out_dir / "r.sarif").read_text())
    assert f"declared use: {said}" in sarif["runs"][0]["properties"]["summary"]
    props = {p.get("name"): p.get("value") for p in ET.parse(out_dir / "r.xml").iter("property")}
    assert props["declared_use"] == said


def test_roles_that_select_no_turn_are_refused_naming_the_roles_of_the_data(
    tmp_path: Path, index_dir: Path
) -> None:
    data = tmp_path / "c.jsonl"
    data.write_text(jsonl([chat("a", REFERENCE_TEXTS[1])]))
    out = run_cli(["scan", data, "-i", index_dir, "--roles", "asistant"], 2)
    assert "--roles asistant: no turn of the 1 record(s) read has one of these roles" in out.stderr
    assert "the data's roles are: 'gpt', 'human'" in out.stderr
    assert len(scan([data, "-i", index_dir, "--roles", "gpt"], 0)["matches"]) == 1


def test_index_add_of_a_source_without_reference_turns_is_an_input_error(tmp_path: Path) -> None:
    humans = tmp_path / "humans.jsonl"
    humans.write_text(jsonl([{"conversations": [{"from": "human", "value": REFERENCE_TEXTS[0]}]}]))
    idx = tmp_path / "idx"
    out = run_cli(["index", "add", idx, humans, "--source", "h", "-q"], 4)
    assert (
        "no reference turn to add for source 'h'" in out.stderr and "roles found: human (user)" in out.stderr
    )
    assert not (idx / "manifest.json").exists() or "h" not in (idx / "manifest.json").read_text()
    run_cli(["index", "add", idx, humans, "--source", "h", "--allow-no-turns", "-q"], 0)
    run_cli(["index", "add", idx, humans, "--source", "h2", "--roles", "human", "-q"], 0)


def test_a_sources_manifest_entry_may_accept_a_source_without_turns(tmp_path: Path) -> None:
    humans = tmp_path / "humans.jsonl"
    humans.write_text(jsonl([{"conversations": [{"from": "human", "value": REFERENCE_TEXTS[0]}]}]))
    manifest = tmp_path / "sources.yaml"
    manifest.write_text("sources:\n  - path: humans.jsonl\n    source: h\n")
    assert (
        "roles found: human (user)"
        in run_cli(["index", "build", tmp_path / "i", "--sources", manifest], 4).stderr
    )
    manifest.write_text("sources:\n  - path: humans.jsonl\n    source: h\n    allow_no_turns: true\n")
    run_cli(["index", "build", tmp_path / "i", "--sources", manifest, "-q"], 0)


def test_baseline_merges_the_declared_use_like_scan(
    project: tuple[Path, Path], index_dir: Path, tmp_path: Path
) -> None:
    data, policy = project
    out = tmp_path / "w.yaml"
    run_cli(["baseline", data, "-i", index_dir, "-p", policy, "--use", "non-commercial", "-o", out], 2)
    run_cli(["baseline", data, "-i", index_dir, "-p", policy, "--use", "fine-tune", "-o", out, "-q"], 0)
    assert out.read_text().count("- id:") == 3  # every block of the policy's use, none dropped


def test_a_misspelt_role_beside_a_valid_one_is_refused(tmp_path: Path, index_dir: Path) -> None:
    """`--roles assistant,gtp`: the valid name selected turns, so the typo passed unnoticed and
    the data's `gpt` turns (the copy) were never scanned (exit 0)."""
    data = tmp_path / "mix"
    data.mkdir()
    (data / "a.jsonl").write_text(jsonl([chat("a", REFERENCE_TEXTS[1])]))  # ShareGPT: gpt turns
    (data / "b.jsonl").write_text(
        json.dumps(
            {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
        )
        + "\n"
    )
    out = run_cli(["scan", data, "-i", index_dir, "--roles", "assistant,gtp"], 2)
    assert "--roles gtp: no turn of the 2 record(s) read has this role" in out.stderr
    assert "(did you mean 'gpt'?)" in out.stderr
    # Kinds and role names provcheck knows stay accepted even when this data lacks them.
    assert len(scan([data, "-i", index_dir, "--roles", "gpt,assistant,claude,reasoning"], 0)["matches"]) == 1
