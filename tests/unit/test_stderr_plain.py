"""The terminal's plain-text path (``cli.common.stderr``): text that rich would print unchanged
is written without importing rich, byte for byte what rich writes; anything else still goes
through rich."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from rich.console import Console

from provcheck.cli import common
from provcheck.report.terminal import printable

SAMPLES = [
    "provcheck: commit refused: 10 blocking finding(s)",
    "",
    "trailing spaces   ",
    "  leading",
    "x" * 500,  # longer than any terminal: rich does not fold it (soft wrap)
    "[bold]not markup[/bold] :smile: no emoji",
    "ünïcödé ⏎ — “quotes”",
    "中文字符 wide 😀 emoji, combining e\u0301",
    "multi\nline\n\nwith a blank",
    "ends with a newline\n",
    printable("data with \x1b[2J an escape, a\ttab, a\rreturn and \u202e bidi"),
    # What rich would change: not plain, printed by rich.
    "tab\there",
    "cr\rhere",
    "bell\x07",
    "zero\u200bwidth",
    "nbsp\u00a0x",
    "x\x7f",
]


def _rich(text: str, terminal: bool) -> str:
    out = io.StringIO()
    console = Console(
        file=out, highlight=False, emoji=False, soft_wrap=True, force_terminal=terminal, width=80
    )
    console.print(text, markup=False)
    return out.getvalue()


@pytest.mark.parametrize("text", SAMPLES)
def test_plain_text_is_written_as_rich_writes_it_and_the_rest_by_rich(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="\n", write_through=True)
    monkeypatch.setattr(sys, "stderr", out)
    fresh = common._Stderr()
    fresh.print(text, markup=False)
    written = out.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
    assert written == _rich(text, terminal=False)
    assert written == _rich(text, terminal=True) or not common._plain(text)
    # Plain text never built rich's console; other text did.
    assert (fresh._console is None) == common._plain(text)


def test_text_the_stream_cannot_encode_goes_through_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="replace"))
    assert common._plain("ascii only")
    assert not common._plain("ünïcödé")


def test_once_the_console_exists_it_prints_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """A live progress bar owns the terminal through the console: nothing may bypass it."""
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", out)
    fresh = common._Stderr()
    fresh._console = Console(file=out, highlight=False, emoji=False, soft_wrap=True)
    calls: list[object] = []
    monkeypatch.setattr(fresh._console, "print", lambda *a, **k: calls.append(a))
    fresh.print("plain", markup=False)
    assert calls == [("plain",)] and out.getvalue() == ""


def test_an_error_message_is_printed_without_importing_rich() -> None:
    code = (
        "import sys\n"
        "from provcheck.cli.common import stderr\n"
        "stderr.print('provcheck: error: something plain', markup=False)\n"
        "print('rich' in sys.modules, file=sys.stdout)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stderr == "provcheck: error: something plain\n"
    assert proc.stdout.strip() == "False"
