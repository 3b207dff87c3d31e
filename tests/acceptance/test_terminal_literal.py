"""Data reaches the terminal as written: rich's ``:name:`` emoji codes and ``[style]`` markup in
records, file names and error messages are text, never replaced or applied."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from rich.console import Console

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl
from provcheck.cli import common


def test_a_text_report_shows_emoji_codes_and_markup_from_the_data_literally(
    tmp_path: Path, index_dir: Path
) -> None:
    data = tmp_path / ":fire: [red]mix.jsonl"
    write_jsonl(data, [{"id": ":smile:", "text": REFERENCE_TEXTS[0] + " :warning: [bold]done"}])
    out = run_cli(["scan", data, "-i", index_dir, "-f", "text", "--fail-on", "never", "--no-cache"]).stdout
    assert ":fire: [red]mix.jsonl" in out
    assert "\N{FIRE}" not in out and "\N{SMILING FACE WITH OPEN MOUTH AND SMILING EYES}" not in out


def test_an_error_message_shows_a_file_name_with_an_emoji_code_literally(
    tmp_path: Path, index_dir: Path
) -> None:
    err = run_cli(["scan", tmp_path / ":fire:.jsonl", "-i", index_dir, "-q"], 4).stderr
    assert ":fire:.jsonl" in err and "\N{FIRE}" not in err


def test_the_progress_line_shows_a_file_name_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", Tty())
    monkeypatch.setattr(common.stderr, "_console", Console(file=out, force_terminal=True, width=200))
    progress = common.StderrProgress(True)
    progress.file_started("/data/:smile: [red]x[bold] \x1b[31m.jsonl")
    progress.records(3)
    assert progress._bar is not None
    progress._bar.refresh()
    progress._bar.stop()
    shown = out.getvalue()
    assert ":smile: [red]x[bold] \\x1b[31m.jsonl" in shown
    assert "\N{SMILING FACE WITH OPEN MOUTH AND SMILING EYES}" not in shown
