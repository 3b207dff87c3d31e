"""A run's reports are written all or none.

HALF-WRITTEN (noticed in the tenth session, fixed in the eleventh). ``-f json -o report.json -f
html -o report.html``: the reports were written one after the other, so a full disk (or quota)
met while writing the second left the first in place, the report of a run that exited 2, where
a CI step picked it up as the run's result. Every file is now written whole beside its target
first, and renamed into place only when all are complete.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

import provcheck.cli.scan as scan_cli
from helpers import run_cli, write_jsonl
from provcheck.report import OutputFormat, formatter


class _DiskFull:
    """The HTML formatter, on a disk that fills up halfway through its report."""

    binary = False

    def write(self, result: Any, context: Any, out: Any) -> None:
        out.write("<!doctype html><html>")
        raise OSError(errno.ENOSPC, "No space left on device")


def _formatter(fmt: OutputFormat) -> Any:
    return _DiskFull() if fmt is OutputFormat.HTML else formatter(fmt)


@pytest.mark.parametrize("earlier", [False, True])
def test_a_full_disk_on_the_second_report_leaves_no_report_of_the_run(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch, earlier: bool
) -> None:
    data = write_jsonl(tmp_path / "data" / "a.jsonl", [{"text": "a clean note about tomato plants"}])
    out = tmp_path / "out"
    out.mkdir()
    if earlier:
        (out / "report.json").write_text("the report of an earlier run\n", encoding="utf-8")
    monkeypatch.setattr(scan_cli, "formatter", _formatter)
    result = run_cli(
        [
            "scan",
            data,
            "-i",
            index_dir,
            "--no-cache",
            "-q",
            "-f",
            "json",
            "-o",
            out / "report.json",
            "-f",
            "html",
            "-o",
            out / "report.html",
        ],
        code=2,
    )
    assert "No space left on device" in result.stderr
    assert "no other report was written either" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == (["report.json"] if earlier else [])
    if earlier:
        assert (out / "report.json").read_text(encoding="utf-8") == "the report of an earlier run\n"


def test_every_report_is_written_when_all_can_be(tmp_path: Path, index_dir: Path) -> None:
    data = write_jsonl(tmp_path / "data" / "a.jsonl", [{"text": "a clean note about tomato plants"}])
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli(
        [
            "scan",
            data,
            "-i",
            index_dir,
            "--no-cache",
            "-f",
            "json",
            "-o",
            out / "report.json",
            "-f",
            "html",
            "-o",
            out / "report.html",
            "-f",
            "text",
            "-o",
            "-",
        ],
    )
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json"]
    assert (out / "report.json").read_text(encoding="utf-8").startswith("{")
    assert "report written to" in result.stderr
