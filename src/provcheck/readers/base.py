"""What a container reader yields: raw records, or located errors as data."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from provcheck.model import ErrorKind, RecordError
from provcheck.readers.source import InputSource


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record as its container holds it, before any schema is applied."""

    index: int
    """0-based position of the record in its file."""
    line: int | None
    """1-based line where it starts, where the container has lines."""
    data: dict[str, Any]
    """The record's fields."""


RawItem = RawRecord | RecordError


class ContainerReader(Protocol):
    """Reads one container format (JSONL, JSON, CSV, Parquet, text)."""

    name: str
    """Short name used in messages and reports."""

    def read(self, source: InputSource) -> Iterator[RawItem]:
        """Yield every record of ``source``; a bad record is a ``RecordError``, never a raise.

        Errors that end the file early (truncated archive, file too large) are yielded last.
        """
        ...


def not_an_object(source: InputSource, index: int, line: int | None, value: Any) -> RecordError:
    """The error for a record that is valid in its container but is not an object."""
    return RecordError(
        path=source.path,
        kind=ErrorKind.SCHEMA,
        message=f"expected a JSON object, found {type(value).__name__}",
        line=line,
        index=index,
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def unicode_text(text: str) -> str:
    """``text`` with lone UTF-16 surrogates replaced by U+FFFD.

    JSON may spell them (``"\\ud800"``) and undecodable file names carry them; they are not
    Unicode, so no report could be written with them (UTF-8 cannot encode them).
    """
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def checked(value: dict[str, Any], limit: int) -> bool:
    """Make ``value``'s strings (keys too) Unicode in place; False when it nests more than
    ``limit`` levels deep.

    Iterative, so it cannot itself hit Python's recursion limit: deeper records would make
    every later stage that walks, copies or pickles them (to a worker process) fail.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            if any(not k.isascii() and _SURROGATE.search(k) for k in item if isinstance(k, str)):
                fixed = {unicode_text(k) if isinstance(k, str) else k: v for k, v in item.items()}
                item.clear()
                item.update(fixed)
            keys: Any = item.keys()
        else:
            keys = range(len(item))
        for key in keys:
            child = item[key]
            if isinstance(child, str):
                if not child.isascii() and _SURROGATE.search(child):
                    item[key] = unicode_text(child)
            elif isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return True


def nested_too_deep(source: InputSource, index: int | None, line: int | None) -> RecordError:
    """The error for a record nested deeper than ``Limits.max_depth``."""
    return RecordError(
        path=source.path,
        kind=ErrorKind.LIMIT,
        message=f"nested more than {source.limits.max_depth} levels deep (the limit); skipped",
        line=line,
        index=index,
    )


def unreadable_value(exc: ValueError) -> str:
    """What a ``ValueError`` that is not a JSON syntax error means (a JSON number too long)."""
    if "integer string conversion" in str(exc):
        digits = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
        return f"a number with more than {digits:,} digits (the most Python converts)"
    return f"unreadable JSON value ({exc})"
