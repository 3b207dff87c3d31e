"""What a container reader yields: raw records, or located errors as data."""

from __future__ import annotations

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


def too_deep(value: Any, limit: int) -> bool:
    """True when ``value`` nests lists and objects more than ``limit`` levels deep.

    Iterative, so it cannot itself hit Python's recursion limit: deeper records would make
    every later stage that walks, copies or pickles them (to a worker process) fail.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def nested_too_deep(source: InputSource, index: int | None, line: int | None) -> RecordError:
    """The error for a record nested deeper than ``Limits.max_depth``."""
    return RecordError(
        path=source.path,
        kind=ErrorKind.LIMIT,
        message=f"nested more than {source.limits.max_depth} levels deep (the limit); skipped",
        line=line,
        index=index,
    )
