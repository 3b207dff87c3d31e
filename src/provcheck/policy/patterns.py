"""Regular expressions from policies, compiled with RE2: matching time is linear in the text.

A policy is data from a repository you may not trust, and its patterns run over every scanned
turn. Python's ``re`` backtracks: ``(a|aa)*b`` or ``\\s*\\s*\\s*x`` can take exponential or
high-polynomial time on a hostile (or just unlucky) turn, and no static check catches every
such shape. RE2 compiles to automata and never backtracks, so no pattern can hang a scan; it
refuses the features that would need backtracking (backreferences, lookaround) with an error
the loader reports at the pattern's line. A timeout (the ``regex`` package) would bound one
call but not a scan of millions of turns, and would silently drop matches when it fires.

RE2 is also about 100× faster than ``re`` on the case-insensitive alternation of phrases that
the marker scanner runs over every turn (measured in ``docs/policy.md``).
"""

from __future__ import annotations

from typing import Any, Protocol

# re2 is imported where a pattern is compiled or escaped: loading its extension (a 1.5 MB
# shared library) is ~1-5 ms that a run whose policy has no pattern (most hook runs) never uses.

MAX_PATTERN = 20_000
"""Longest compiled pattern (a marker's phrases are joined into one); hand-written patterns
have a lower limit in the loader."""
MAX_MEM = 32 * 2**20
"""RE2's memory budget for one compiled pattern (its automata); larger patterns are refused."""


class PatternMatch(Protocol):
    """What the code uses of an RE2 match."""

    lastgroup: str | None

    def start(self, group: int = ...) -> int:
        """Start offset (characters)."""
        ...

    def end(self, group: int = ...) -> int:
        """End offset (characters)."""
        ...


class Pattern(Protocol):
    """What the code uses of a compiled RE2 pattern."""

    pattern: str

    def search(self, text: str) -> PatternMatch | None:
        """First match in ``text``."""
        ...

    def finditer(self, text: str) -> Any:
        """Every non-overlapping match."""
        ...


class PatternError(ValueError):
    """A pattern RE2 cannot compile; the message says why."""


def compile_pattern(text: str, *, case_sensitive: bool = False) -> Pattern:
    """Compile ``text`` with RE2 (case-insensitive unless told); ``PatternError`` if invalid."""
    if len(text) > MAX_PATTERN:
        raise PatternError(f"longer than {MAX_PATTERN} characters")
    import re2

    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False
    options.max_mem = MAX_MEM
    try:
        compiled: Pattern = re2.compile(text, options)
    except re2.error as exc:
        raise PatternError(_reason(exc)) from None
    return compiled


def _reason(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else exc
    message = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if "perl operator" in message or "escape sequence" in message:
        message += " (RE2 syntax: no backreferences or lookaround, so matching stays linear-time)"
    return message


def escape(text: str) -> str:
    """``text`` as a literal pattern."""
    import re2

    escaped: str = re2.escape(text)
    return escaped


def compile_set(patterns: list[str]) -> Any:
    """An RE2 set of case-sensitive ``patterns`` whose ``Match(text)`` lists those that occur.

    Each pattern was checked by ``compile_pattern`` first (the set's own errors are terse).
    """
    import re2

    options = re2.Options()
    options.case_sensitive = True
    options.log_errors = False
    options.max_mem = MAX_MEM
    try:
        compiled = re2.Set.SearchSet(options)
        for p in patterns:
            compiled.Add(p)
        compiled.Compile()
    except re2.error as exc:
        raise PatternError(_reason(exc)) from None
    return compiled
