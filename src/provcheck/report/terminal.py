"""Text from data, made safe for a terminal.

A dataset, a policy or an index can hold any character. Printed as they are, escape sequences
(``ESC [2J``, ``ESC ]8;;`` links, cursor moves that overwrite earlier lines), carriage returns
and bidirectional overrides ("Trojan Source") could hide or forge a finding in the terminal of
the person reading it. Every string from data goes through ``printable`` before it is printed.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


NEWLINE = "⏎"
"""How a line break in data is shown: a visible mark, so one record stays on its line(s)."""


def _escape(match: re.Match[str]) -> str:
    if match.group() == "\n":
        return NEWLINE
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` on one line: line breaks shown as ``⏎``; other control, line-separator and bidi
    characters shown as escapes (``\x0d``, ``\u202e``)."""
    return _CONTROL.sub(_escape, str(text))


def printable_lines(text: object) -> str:
    """``text`` with its line breaks kept and everything else as in ``printable`` (for a
    multi-line rationale or an error message that quotes data)."""
    return "\n".join(printable(line) for line in str(text).split("\n"))
