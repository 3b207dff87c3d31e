"""Policy files that passed the schema check are not checked again (policy/checked.py), and
nothing else changes: a changed, invalid or differently checked file is checked and refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from provcheck.errors import PolicyError
from provcheck.policy import checked, load_policy, loader, schema

GOOD = """\
use: {purpose: train-competing-model}
rules:
  - id: r1
    title: Rule one
    when: {source.provider: openai}
    action: block
"""
BAD = GOOD.replace("action: block", "action: blok")


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the schema check ran on, in order (the real check runs)."""
    ran: list[str] = []

    def counted(doc: Any) -> Any:
        ran.append(str(doc.get("rules", [{}])[0].get("action")) if isinstance(doc, dict) else "?")
        return schema.structure_problems(doc)

    monkeypatch.setattr(loader, "structure_problems", counted)
    return ran


def test_a_file_that_passed_is_not_checked_again(
    tmp_path: Path, checks: list[str], private_cache: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD)
    first = load_policy(str(path))
    assert checks == ["block"]
    assert (private_cache / checked.FILENAME).exists()
    second = load_policy(str(path))
    assert checks == ["block"]  # remembered: no second check
    assert second.rules == first.rules and second.digest == first.digest and second.use == first.use


def test_a_changed_file_is_checked_and_refused(tmp_path: Path, checks: list[str]) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD)
    load_policy(str(path))
    path.write_text(BAD)
    for _ in range(2):  # a failure is never remembered
        with pytest.raises(PolicyError) as exc:
            load_policy(str(path))
        assert any("unknown action 'blok'" in p and "policy.yaml:6" in p for p in exc.value.problems)
    assert checks == ["block", "blok", "blok"]


def test_a_pass_is_remembered_per_checker(
    tmp_path: Path, checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD)
    load_policy(str(path))
    # Another schema, checking code or library version: the same bytes are checked again.
    monkeypatch.setattr(checked, "checker_digest", lambda: "another checker")
    load_policy(str(path))
    load_policy(str(path))
    assert checks == ["block", "block"]


def test_the_checker_digest_covers_the_schema_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = checked.checker_digest()
    (tmp_path / schema.SCHEMA_FILE).write_text(json.dumps({"changed": True}))
    monkeypatch.setattr(checked, "packs_dir", lambda: tmp_path)
    checked.checker_digest.cache_clear()
    try:
        assert checked.checker_digest() != before
    finally:
        checked.checker_digest.cache_clear()


@pytest.mark.parametrize("stored", ["not json", '{"a": 1}', "[1, 2]"])
def test_damaged_stamps_only_cost_a_check(
    tmp_path: Path, checks: list[str], private_cache: Path, stored: str
) -> None:
    private_cache.mkdir(parents=True, exist_ok=True)
    (private_cache / checked.FILENAME).write_text(stored)
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD)
    load_policy(str(path))
    load_policy(str(path))
    assert checks == ["block"]


def test_stamps_of_other_bytes_do_not_pass_a_file(
    tmp_path: Path, checks: list[str], private_cache: Path
) -> None:
    # A stamp is the digest of the checker and the bytes: a file is never let through by
    # another file's stamp, nor by a stamp of its bytes alone.
    path = tmp_path / "policy.yaml"
    path.write_text(BAD)
    private_cache.mkdir(parents=True, exist_ok=True)
    forged = [checked.key(GOOD.encode()), hashlib.sha256(BAD.encode()).hexdigest()]
    (private_cache / checked.FILENAME).write_text(json.dumps(forged))
    with pytest.raises(PolicyError):
        load_policy(str(path))
    assert checks == ["blok"]


def test_an_unwritable_cache_checks_every_time(
    tmp_path: Path, checks: list[str], private_cache: Path
) -> None:
    private_cache.parent.mkdir(parents=True, exist_ok=True)
    private_cache.write_text("a file where the cache directory should be")
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD)
    load_policy(str(path))
    load_policy(str(path))
    assert checks == ["block", "block"]


def test_an_included_file_is_remembered_on_its_own(tmp_path: Path, checks: list[str]) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(GOOD)
    top = tmp_path / "policy.yaml"
    top.write_text("include: [base.yaml]\nuse: {commercial: true}\n")
    load_policy(str(top))
    assert len(checks) == 2
    base.write_text(BAD)  # the including file is unchanged; the included one is checked
    with pytest.raises(PolicyError) as exc:
        load_policy(str(top))
    assert any("unknown action 'blok'" in p for p in exc.value.problems)
    assert checks[2:] == ["blok"]


def test_a_checker_that_cannot_be_identified_checks_every_time(
    tmp_path: Path, checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unknown() -> str:
        raise OSError("no source files in this install")

    monkeypatch.setattr(checked, "checker_digest", unknown)
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD)
    load_policy(str(path))
    load_policy(str(path))
    assert checks == ["block", "block"]
