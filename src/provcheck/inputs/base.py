"""What a container reader yields: raw records, or located errors as data."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from provcheck.inputs.frames import list_hint
from provcheck.inputs.source import InputSource
from provcheck.model import ErrorKind, Location, RecordError
from provcheck.support.slots import maker


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record as its container holds it, before any schema is applied."""

    index: int
    """0-based position of the record in its file."""
    line: int | None
    """1-based line where it starts, where the container has lines."""
    data: dict[str, Any]
    """The record's fields."""
    end_line: int | None = None
    """Last line of a record joined from several (``inputs.streams``); None otherwise."""

    def location(self, path: str) -> Location:
        """Where the record is, in file ``path``."""
        return _make_location(path, self.index, self.line, self.end_line, None)


RawItem = RawRecord | RecordError

# Built by filling their slots (``support.slots``): one of each a record read.
_make_location = maker(Location)
make_raw_record = maker(RawRecord)
"""``RawRecord(index, line, data, end_line)``, every field given."""


class WrapperMember(dict[str, Any]):
    """``RawRecord.data`` of a member that a JSON wrapper object holds beside its record lists
    (``{"description": "...", "data": [...]}``): ``{key: value}``.

    Read as a record by the generic walker whatever ``--schema`` says (it is not a record of the
    data's schema), so that text hidden there is scanned and located; holding nothing readable
    (``"version": "1.0"``) is not an error, its strings are counted as not read. A type rather
    than a field of ``RawRecord`` so that every reader of records (scan, hook, ``index add``)
    keeps the distinction without a new argument.
    """

    __slots__ = ()


class ContainerReader(Protocol):
    """Reads one container format (JSONL, JSON, CSV, Parquet, text)."""

    name: str
    """Short name used in messages and reports."""

    def read(self, source: InputSource) -> Iterator[RawItem]:
        """Yield every record of ``source``; a bad record is a ``RecordError``, never a raise.

        Errors that end the file early (truncated archive, file too large) are yielded last.
        """
        ...


def unique_names(names: list[str]) -> list[str]:
    """Column names made unique: a name that comes again is ``name (column N)`` (1-based).

    Rows become dicts keyed by column name, where a repeated name kept only its last column: a
    copy in the first of two ``text`` columns was dropped without a word.
    """
    seen = set(names)
    if len(seen) == len(names):
        return names
    out: list[str] = []
    used: set[str] = set()
    for n, name in enumerate(names, 1):
        unique = name
        if name in used:
            unique = f"{name} (column {n})" if name else f"(column {n})"
            while unique in seen or unique in used:
                unique += "'"
        used.add(unique)
        out.append(unique)
    return out


def keep_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose repeated keys are all kept (``object_pairs_hook``): a key that comes
    again is ``key (key N)`` (its 1-based position in the object), as CSV keeps a repeated column.

    Python's ``json`` keeps only the last value of a repeated key, pyarrow (what ``datasets``
    reads JSON with) refuses the record and simdjson reads the first: a copy in the first of two
    ``text`` keys was neither scanned nor counted, and the record passed.
    """
    seen = {k for k, _ in pairs}
    if len(seen) == len(pairs):
        return dict(pairs)
    out: dict[str, Any] = {}
    for n, (key, value) in enumerate(pairs, 1):
        unique = key
        if key in out:
            unique = f"{key} (key {n})"
            while unique in seen or unique in out:
                unique += "'"
        out[unique] = value
    return out


def repeats_keys(quotes: int, value: Any, dumps: Any) -> bool:
    """True when JSON text holding ``quotes`` quotes may write a key more than once: ``value``
    (what the text parsed to) written again by ``dumps`` (orjson: each key of the parsed value
    once, a quote inside a string escaped as ``\\"``, as JSON text must) has fewer. The
    difference is a key the parser kept once, with its value. (A text that also writes quotes as
    ``\\u0022`` to even the counts is not caught here; the check costs a quote count of the
    written value, about a tenth of parsing.)"""
    written = _quotes_written(value) if isinstance(value, dict) else None
    if written is None:
        written = bytes(dumps(value)).count(b'"')
    return quotes > written


_SCALARS = frozenset({int, bool, type(None)})


def _quotes_written(value: dict[Any, Any]) -> int | None:
    """The quotes ``orjson.dumps(value)`` writes, for an object of string keys and string,
    integer, boolean and null values, or lists of strings or of objects of such values (None
    for any other): two a string, and one per quote
    inside it (written ``\\"``), counted only in the strings that hold one (a one-character
    search). Writing the value and counting its quotes cost twice as much."""
    count = 0
    for key, item in value.items():
        if type(key) is not str:
            return None
        count += 2 + (key.count('"') if '"' in key else 0)
        if type(item) is str:
            count += 2 + (item.count('"') if '"' in item else 0)
        elif type(item) is list:
            # A list of strings or of such objects (a chat's messages), counted alike.
            for element in item:
                if type(element) is str:
                    count += 2 + (element.count('"') if '"' in element else 0)
                elif type(element) is dict and (inner := _flat_quotes(element)) is not None:
                    count += inner
                else:
                    return None
        elif type(item) not in _SCALARS:
            return None
    return count


def _flat_quotes(value: dict[Any, Any]) -> int | None:
    """``_quotes_written`` of an object of string keys and scalar values alone."""
    count = 0
    for key, item in value.items():
        if type(key) is not str:
            return None
        count += 2 + (key.count('"') if '"' in key else 0)
        if type(item) is str:
            count += 2 + (item.count('"') if '"' in item else 0)
        elif type(item) not in _SCALARS:
            return None
    return count


def string_or_error(path: str, index: int, line: int | None, value: Any) -> RawItem:
    """A record that is a JSON string (``["an answer", ...]``, a JSON Lines line ``"an answer"``)
    read as text, like a ``.txt`` file; any other value that is not an object is an error. Each
    string was refused ("expected a JSON object, found str"), its text never scanned."""
    if isinstance(value, str):
        return RawRecord(index=index, line=line, data={"text": unicode_text(value)})
    return not_an_object(path, index, line, value)


def not_an_object(path: str, index: int, line: int | None, value: Any) -> RecordError:
    """The error for a record that is valid in its container but is not an object."""
    return RecordError(
        path=path,
        kind=ErrorKind.SCHEMA,
        message=f"expected a JSON object, found {type(value).__name__}"
        + (f": {list_hint(value, line=True)}" if isinstance(value, list) else ""),
        line=line,
        index=index,
    )


_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
"""How JSON spells a UTF-16 surrogate (``\\ud800``); only these can put one in a record."""
SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


def unicode_text(text: str) -> str:
    """``text`` with lone UTF-16 surrogates replaced by U+FFFD.

    JSON may spell them (``"\\ud800"``) and undecodable file names carry them; they are not
    Unicode, so no report could be written with them (UTF-8 cannot encode them).
    """
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def too_deep(value: Any, limit: int) -> bool:
    """True when ``value`` nests lists and objects more than ``limit`` levels deep.

    Iterative, so it cannot itself hit Python's recursion limit: deeper records would make
    every later stage that walks, copies or pickles them (to a worker process) fail. Readers
    call it only when the record's text holds more than ``limit`` brackets.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def fix_surrogates(value: Any) -> Any:
    """``value`` with every string (keys too) made Unicode (``unicode_text``)."""
    if isinstance(value, str):
        return unicode_text(value)
    if isinstance(value, list):
        return [fix_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {fix_surrogates(k): fix_surrogates(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class Screen:
    """What a record's JSON text says it may need: a depth check, surrogates replaced.

    Counting bytes costs little; walking every record would cost more than parsing it. Only
    text with more brackets than the depth limit can nest too deep, and only a ``\\ud8``
    to ``\\udf`` escape can put a lone surrogate in a record.
    """

    deep: bool
    escaped: bool

    @classmethod
    def of(cls, raw: str | bytes, limit: int, start: int = 0, end: int | None = None) -> Screen:
        """The screen of the JSON text ``raw[start:end]`` (not copied)."""
        end = len(raw) if end is None else end
        # A substring search (C, vectorised) rules out most texts before the regex, which
        # tries every position: 4 µs of a 2 KB line, more than parsing it with orjson.
        if isinstance(raw, bytes):
            brackets = raw.count(b"[", start, end) + raw.count(b"{", start, end)
            escaped = (raw.find(b"\\ud", start, end) >= 0 or raw.find(b"\\uD", start, end) >= 0) and (
                SURROGATE_ESCAPE_BYTES.search(raw, start, end) is not None
            )
        else:
            brackets = raw.count("[", start, end) + raw.count("{", start, end)
            escaped = (raw.find("\\ud", start, end) >= 0 or raw.find("\\uD", start, end) >= 0) and (
                SURROGATE_ESCAPE.search(raw, start, end) is not None
            )
        return cls(brackets > limit, escaped)

    def record(self, value: dict[str, Any], limit: int) -> dict[str, Any] | None:
        """``value`` safe for every later stage, or None when it nests more than ``limit`` deep."""
        if self.deep and too_deep(value, limit):
            return None
        return fix_surrogates(value) if self.escaped else value


def nested_too_deep(path: str, limit: int, index: int | None, line: int | None) -> RecordError:
    """The error for a record nested deeper than ``limit`` (``Limits.max_depth``)."""
    return RecordError(
        path=path,
        kind=ErrorKind.LIMIT,
        message=f"nested more than {limit} levels deep (the limit); skipped",
        line=line,
        index=index,
    )


def json_syntax(msg: str, column: int) -> str:
    """A JSON syntax error in words, its column where the sentence needs it.

    Some of Python's messages end in "at" and leave the position to follow ("Unterminated string
    starting at"): the column ends those sentences, so none reads as cut off.
    """
    if msg.endswith(" at"):
        return f"invalid JSON: {msg[:1].lower()}{msg[1:]} column {column}"
    return f"invalid JSON at column {column}: {msg}"


def unreadable_value(exc: ValueError) -> str:
    """What a ``ValueError`` that is not a JSON syntax error means (a JSON number too long)."""
    if "integer string conversion" in str(exc):
        digits = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
        return f"a number with more than {digits:,} digits (the most Python converts)"
    return f"unreadable JSON value ({exc})"
