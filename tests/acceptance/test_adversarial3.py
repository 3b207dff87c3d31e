"""Adversarial pass on the changes merged on 2026-12-05 (orjson JSON Lines, the policy-check
stamps, the result spool's kept values and the one-pass JSON report, the literal stream,
literal terminal output): each test is a way a realistic user met a wrong, misleading or
internal-error answer."""

from __future__ import annotations

import json
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
            {
                "id": f"copy-{i}",
                "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": t}],
            }
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
    result = run_cli(
        ["scan", "-i", index_dir, _copies(tmp_path), "-f", "json", *target, "--no-cache"], code=2
    )
    assert str(no_temp_dir) in result.stderr and "TMPDIR" in result.stderr
    assert "choose another --output" not in result.stderr
    assert not out.exists() and result.stdout == ""


PUZZLE = """5 3 . | . 7 . | . . .
6 . . | 1 9 5 | . . .
. 9 8 | . . . | . 6 .
------+-------+------
8 . . | . 6 . | . . 3
4 . . | 8 . 3 | . . 1
7 . . | . 2 . | . . 6
------+-------+------
. 6 . | . . . | 2 8 .
. . . | 4 1 9 | . . 5
. . . | . 8 . | . 7 9"""
SOLUTION = """5 3 4 | 6 7 8 | 9 1 2
6 7 2 | 1 9 5 | 3 4 8
1 9 8 | 3 4 2 | 5 6 7
------+-------+------
8 5 9 | 7 6 1 | 4 2 3
4 2 6 | 8 5 3 | 7 9 1
7 1 3 | 9 2 4 | 8 5 6
------+-------+------
9 6 1 | 5 3 7 | 2 8 4
2 8 7 | 4 1 9 | 6 3 5
3 4 5 | 2 8 6 | 1 7 9"""
BLOCK_ALL = """version: 1
name: block every match
rules:
  - id: any-match
    title: Any match
    signal: match
    when: {match.similarity: {gte: 0}}
    action: block
"""


def test_the_one_solution_of_a_puzzle_solved_independently_does_not_block(tmp_path: Path) -> None:
    # A Sudoku has one solution: every correct answer to "solve this" is the same grid, so a
    # dataset solving a well-known puzzle holds the reference model's answer without copying
    # it. The few-distinct-token grids the literal work lets through matched it at
    # probability 0.9995 and blocked the commit (before that work there was no match).
    def chat(rid: str, prompt: str) -> dict[str, object]:
        return {
            "id": rid,
            "messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": SOLUTION}],
        }

    refs = write_jsonl(tmp_path / "refs.jsonl", [chat("model-answer", f"Solve this sudoku:\n{PUZZLE}")])
    data = write_jsonl(tmp_path / "data.jsonl", [chat("own-solver", f"Please solve:\n{PUZZLE}")])
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_ALL)
    out = tmp_path / "r.json"
    run_cli(["scan", "-i", index, data, "-p", policy, "-f", "json", "-o", out, "--no-cache"], code=0)
    doc = json.loads(out.read_text())
    (match,) = doc["matches"]  # still found and shown to a reviewer
    assert match["strength"]["convergence"] == "grid" and not match["strength"]["can_block"]
    assert [f["action"] for f in doc["findings"]] == ["review"]
