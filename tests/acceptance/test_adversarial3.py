"""Adversarial pass on the changes merged on 2026-12-05 (orjson JSON Lines, the policy-check
stamps, the result spool's kept values and the one-pass JSON report, the literal stream,
literal terminal output): each test is a way a realistic user met a wrong, misleading or
internal-error answer."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl
from provcheck.report import json as json_report
from provcheck.scan import spool


def _copies(tmp_path: Path) -> Path:
    """A dataset whose records copy every reference (one match each)."""
    return write_jsonl(
        tmp_path / "data" / "train.jsonl",
        [
            {"id": f"copy-{i}", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": t}]}
            for i, t in enumerate(REFERENCE_TEXTS)
        ],
    )


@pytest.fixture
def no_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary directory cannot take a file (as when $TMPDIR is full or gone)."""
    missing = tmp_path / "tmp-gone"
    monkeypatch.setattr(tempfile, "tempdir", str(missing))
    return missing


def test_a_scan_whose_matches_outgrow_memory_without_a_temp_dir_is_a_located_error(
    tmp_path: Path, index_dir: Path, no_temp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The spool moves to a temporary file past MEMORY bytes; a full or missing $TMPDIR was an
    # internal error ("a bug", exit 10) in the middle of the scan.
    monkeypatch.setattr(spool, "MEMORY", 1)
    monkeypatch.setattr(spool, "_FLUSH", 1)
    out = tmp_path / "r.json"
    result = run_cli(["scan", "-i", index_dir, _copies(tmp_path), "-o", out, "--no-cache"], code=2)
    assert str(no_temp_dir) in result.stderr and "TMPDIR" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("to_stdout", [False, True], ids=["file", "stdout"])
def test_a_json_report_without_a_temp_dir_names_the_temp_dir_not_the_output(
    tmp_path: Path, index_dir: Path, no_temp_dir: Path, monkeypatch: pytest.MonkeyPatch, to_stdout: bool
) -> None:
    # The report's findings go to a temporary file past _MEMORY bytes. Its failure was told as
    # "--output r.json: cannot write: No such file or directory; hint: choose another --output"
    # (or "cannot write the report to standard output"): another --output fails the same way.
    monkeypatch.setattr(json_report, "_MEMORY", 1)
    out = tmp_path / "r.json"
    target = ["-o", "-"] if to_stdout else ["-o", out]
    result = run_cli(["scan", "-i", index_dir, _copies(tmp_path), "-f", "json", *target, "--no-cache"], code=2)
    assert str(no_temp_dir) in result.stderr and "TMPDIR" in result.stderr
    assert "choose another --output" not in result.stderr
    assert not out.exists() and result.stdout == ""
