"""What a container reader yields: raw records, or located errors as data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from provcheck.model import ErrorKind, Location, RecordError
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

    def location(self, path: str) -> Location:
        """Where the record is, in file ``path``."""
        return Location(path, self.index, self.line)


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


def not_an_object(path: str, index: int, line: int | None, value: Any) -> RecordError:
    """The error for a record that is valid in its container but is not an object."""
    return RecordError(
        path=path,
        kind=ErrorKind.SCHEMA,
        message=f"expected a JSON object, found {type(value).__name__}",
        line=line,
        index=index,
    )
