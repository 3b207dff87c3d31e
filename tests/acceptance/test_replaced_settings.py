"""An option that replaces the index or policy the configuration names says so.

DROPPED (adversarial pass 13's note, fixed in the eleventh session). Explicit values win over
``.provcheck.yaml``'s, as documented, but ``scan -i pack.zip`` meant as an addition dropped the
project's own index, and ``-p other.yaml`` its policy, with no word on the terminal or in a
report. A note now names what was replaced and how to keep both indexes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_cli, write_jsonl

POLICY = "use: {purpose: evaluation}\ninclude: [provcheck:default]\n"


@pytest.fixture
def project(tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    write_jsonl(root / "data" / "a.jsonl", [{"text": "a clean note about tomato plants"}])
    (root / "policy.yaml").write_text(POLICY, encoding="utf-8")
    (root / ".provcheck.yaml").write_text(f"index: {index_dir}\npolicy: policy.yaml\n", encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def test_an_index_option_replacing_the_configured_one_is_named(
    project: Path, index_dir: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other-index"
    run_cli(
        [
            "index",
            "add",
            other,
            write_jsonl(tmp_path / "o.jsonl", [{"text": "x " * 40}]),
            "--source",
            "o",
            "-q",
        ]
    )
    err = run_cli(["scan", "data", "-i", other, "--no-cache"]).stderr
    assert f"note: --index {other} is used instead of the index that" in err
    assert "give it as another -i to search both" in err


def test_a_policy_option_replacing_the_configured_one_is_named(project: Path) -> None:
    (project / "lenient.yaml").write_text(POLICY, encoding="utf-8")
    err = run_cli(["scan", "data", "-p", "lenient.yaml", "--no-cache"]).stderr
    assert "note: --policy lenient.yaml is used instead of the policy that" in err


def test_the_configured_values_given_again_need_no_note(project: Path, index_dir: Path) -> None:
    err = run_cli(["scan", "data", "-i", index_dir, "-p", "policy.yaml", "--no-cache"]).stderr
    assert "is used instead of" not in err
    quiet = run_cli(["scan", "data", "-i", index_dir, "-q", "--no-cache"]).stderr
    assert "note:" not in quiet
