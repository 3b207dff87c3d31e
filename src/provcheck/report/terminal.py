"""Text from data, made safe for a terminal.

A dataset, a policy or an index can hold any character. Printed as they are, escape sequences
(``ESC [2J``, ``ESC ]8;;`` links, cursor moves that overwrite earlier lines), carriage returns
and bidirectional overrides ("Trojan Source") could hide or forge a finding in the terminal of
the person reading it. Every string from data goes through ``printable`` before it is printed.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` on one line: control, line-separator and bidi characters shown as escapes."""
    return _CONTROL.sub(_escape, str(text))


def printable_lines(text: object) -> str:
    """``text`` with its line breaks kept and everything else as in ``printable`` (for a
    multi-line rationale or an error message that quotes data)."""
    return "\n".join(printable(line) for line in str(text).split("\n"))
