"""JSON Lines: one JSON object per line; every bad line is a located error."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from provcheck.inputs.base import (
    RawItem,
    RawRecord,
    Screen,
    json_syntax,
    keep_repeated_keys,
    make_raw_record,
    nested_too_deep,
    repeats_keys,
    string_or_error,
    unreadable_value,
)
from provcheck.inputs.source import (
    DecompressionFailed,
    InputSource,
    LimitExceeded,
    binary_content,
    json_strings_over,
    too_many_strings,
    utf8_stream,
)
from provcheck.model import ErrorKind, RecordError

LineFilter = Callable[[bytes, int], bool]
"""``keep(line, end)``: the line without surrounding whitespace, and the offset just past it in
the decoded stream; False skips the line unparsed (it still counts for record positions)."""


@dataclass(frozen=True, slots=True)
class UnparsedLine:
    """A JSON Lines record delimited but not yet parsed.

    Decoding and parsing JSON costs as much as fingerprinting the record: a scan leaves it to
    the worker processes, so the process that reads the file only splits lines.
    """

    index: int
    """0-based position of the record in its file."""
    line: int
    """1-based line number."""
    payload: bytes
    """The line without surrounding whitespace."""
    depth: int
    """The nesting limit (``Limits.max_depth``) the record is held to."""
    strings: int
    """The string limit (``Limits.max_record_strings``) the record is held to."""

    def parse(self, path: str) -> RawItem:
        """The record, or the located error a bad line is."""
        return parse_line(path, self.payload, self.index, self.line, self.depth, self.strings)

    def __reduce__(self) -> tuple[type[UnparsedLine], tuple[int, int, bytes, int, int]]:
        # Lines go to worker processes by the thousand: pickling the fields as one tuple
        # costs half of a frozen slotted dataclass's default (a Python ``__getstate__`` each),
        # and the reading process is what more workers wait on.
        return (UnparsedLine, (self.index, self.line, self.payload, self.depth, self.strings))


class JsonlReader:
    """Reads ``.jsonl`` / ``.ndjson``."""

    name = "jsonl"

    def read(self, source: InputSource, keep: LineFilter | None = None) -> Iterator[RawItem]:
        """Yield one record per non-blank line (per kept line with ``keep``)."""
        for item in self.lines(source, keep):
            yield item.parse(source.path) if isinstance(item, UnparsedLine) else item

    def lines(self, source: InputSource, keep: LineFilter | None = None) -> Iterator[UnparsedLine | RawItem]:
        """Like ``read``, with records left unparsed (see ``UnparsedLine``)."""
        limit = source.limits.max_record_bytes
        with source.open() as raw:
            utf8, _ = utf8_stream(raw)
            stream = utf8
            binary = binary_content(stream)
            if binary:
                yield RecordError(source.path, ErrorKind.FILE, f"{binary} where JSON Lines text was expected")
                return
            if not _json_array(stream.peek(1 << 16)):
                yield from self._lines(source, stream, limit, keep)
                return
        # A JSON array saved under a JSON Lines name was one parse error a line (1,001 for an
        # array of 1,000), nothing read: read as the JSON it is, and said once (exit 4).
        yield RecordError(source.path, ErrorKind.PARSE, JSON_ARRAY, line=1)
        from provcheck.inputs.json import JsonReader

        yield from JsonReader().read(source)

    def _lines(
        self,
        source: InputSource,
        stream: io.BufferedReader,
        limit: int,
        keep: LineFilter | None,
        first_line: int = 0,
        first_index: int = 0,
    ) -> Iterator[UnparsedLine | RecordError]:
        # ``first_line``/``first_index``: lines and records before ``stream`` (a byte range of
        # the file read on its own, ``scan.remote``); 0 when the stream is the whole file.
        index = first_index
        line_no = first_line
        offset = 0
        depth = source.limits.max_depth
        at = 1  # the line being read when reading stops
        try:
            while True:
                at = line_no + 1
                line = stream.readline(limit + 1)
                if not line:
                    break
                line_no += 1
                offset += len(line)
                if len(line) > limit and not line.endswith(b"\n"):
                    while True:  # skip the rest of the oversized line without keeping it
                        rest = stream.readline(1 << 20)
                        offset += len(rest)
                        if not rest or rest.endswith(b"\n"):
                            break
                    yield RecordError(
                        source.path,
                        ErrorKind.LIMIT,
                        f"record is larger than the {limit // 2**20} MiB limit; skipped",
                        line=line_no,
                        index=index,
                    )
                    index += 1
                    continue
                stripped = line.removeprefix(_BOM).strip()  # `cat` of files with marks
                if not stripped:
                    continue
                if keep is not None and not keep(stripped, offset):
                    index += 1
                    continue
                yield UnparsedLine(index, line_no, stripped, depth, source.limits.max_record_strings)
                index += 1
            if line_no == 0:
                yield RecordError(source.path, ErrorKind.FILE, "empty file: no records")
        except (DecompressionFailed, LimitExceeded, UnicodeDecodeError, OSError) as exc:
            kind = ErrorKind.LIMIT if isinstance(exc, LimitExceeded) else ErrorKind.FILE
            yield RecordError(
                source.path,
                kind,
                f"reading stopped: {exc}; {index} record(s) before this point were read",
                line=at,
            )


_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
"""``bytes.translate`` table: digits to ``0``, everything else to a space."""
_LONG_NUMBER = b"0" * 19
"""Shortest digit run that may be an integer past 64 bits (``-9223372036854775809``)."""
_EXACT = frozenset({str, int, bool, type(None)})
"""Value types orjson and ``json`` read alike whatever the digits (no float, no container)."""
_FAST_DEPTH = 500
"""Nesting the fast parser is trusted with: deeper, ``json`` may hit Python's recursion limit
where orjson (limit 1024) does not, and the record must fail as it always has."""


_BOM = b"\xef\xbb\xbf"

JSON_ARRAY = (
    "the file is a JSON array (its first line opens one and is not a JSON value of its own), not "
    "JSON Lines (one JSON value a line): it was read as JSON; rename it .json"
)


def _json_array(head: bytes) -> bool:
    """The file's first bytes open a JSON array spread over lines (``[`` then a record a line,
    as ``json.dump(indent=...)`` writes it), not a line that is a JSON value of its own."""
    body = head.removeprefix(_BOM).lstrip()
    if not body.startswith(b"["):
        return False
    first = body.split(b"\n", 1)[0].strip()
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return True
    return False


def _fast_record(data: bytes, depth: int) -> dict[str, Any] | None:
    """The record exactly as the reference path (``json.loads``, then ``Screen``) gives it,
    parsed by orjson (3x faster); None when orjson's answer could differ, or is an error.

    orjson accepts a subset of what ``json`` does (it refuses NaN, Infinity, lone surrogates,
    invalid UTF-8, control characters and NUL, which then take the reference path and its
    messages), with one exception: it reads an integer past 64 bits as a float (``json`` keeps
    it exact), so a record holding a float or a nested value, on a line with a run of 19
    digits, takes the reference path (a record of top-level strings, integers, booleans and
    nulls holds no such float, whatever its digits). A record it
    accepts has no lone surrogate to replace, and one with no more brackets than the limit
    cannot nest too deep; one of top-level scalars nests one level, whatever its brackets
    (inside strings), so its brackets are not counted (two scans of every line less).
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:  # too deep for orjson (1,024 levels) included
        return None
    if not isinstance(value, dict):
        return None
    # An integer past 64 bits comes back as a float: a record of strings, integers, booleans
    # and nulls alone has none, and needs no look at its digits (a copy of the line each).
    if depth >= 1 and all(type(v) in _EXACT for v in value.values()):
        return value
    # Nor does one whose values are such scalars or lists of objects of them (a chat's
    # messages): it nests three levels, whatever its brackets.
    if depth >= 3 and _lists_of_objects(value):
        return value
    if data.count(b"[") + data.count(b"{") > min(depth, _FAST_DEPTH):
        return None
    if _LONG_NUMBER in data.translate(_DIGITS):
        return None
    return value


def _lists_of_objects(value: dict[str, Any]) -> bool:
    """True when every value of ``value`` is of an ``_EXACT`` type or a list of objects whose
    values all are (``{"id": 1, "messages": [{"role": "user", "content": "..."}]}``)."""
    for item in value.values():
        if type(item) is list:
            for element in item:
                if type(element) is not dict or not _EXACT.issuperset(map(type, element.values())):
                    return False
        elif type(item) not in _EXACT:
            return False
    return True


def parse_line(path: str, data: bytes, index: int, line_no: int, depth: int, strings: int) -> RawItem:
    """One line's record, or a located error (``depth``: the nesting limit; ``strings``: the
    most strings a record may hold, checked before parsing, which would cost the memory)."""
    if data[:3] == _BOM:
        # Files with byte-order marks joined with `cat` keep one at the start of each part: a
        # valid record was refused ("Unexpected UTF-8 BOM") and the scan ended incomplete.
        data = data[3:]
    quotes = data.count(b'"')
    count = json_strings_over(data, strings, quotes=quotes)
    if count is not None:
        return RecordError(path, ErrorKind.LIMIT, too_many_strings(count, strings), line=line_no, index=index)
    fast = _fast_record(data, depth)
    if fast is not None and repeats_keys(quotes, fast, orjson.dumps):
        fast = None  # the reference path keeps every value of a repeated key
    if fast is not None:
        return make_raw_record(index, line_no, fast, None)
    nul = data.find(b"\x00")
    if nul >= 0:
        return RecordError(
            path,
            ErrorKind.ENCODING,
            f"NUL byte at byte {nul + 1} of the line; expected JSON text",
            line=line_no,
            index=index,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RecordError(
            path,
            ErrorKind.ENCODING,
            f"invalid UTF-8 at byte {exc.start + 1} of the line "
            f"(0x{data[exc.start]:02x}); expected UTF-8 text",
            line=line_no,
            index=index,
        )
    try:
        value = json.loads(text, object_pairs_hook=keep_repeated_keys)
    except json.JSONDecodeError as exc:
        return RecordError(
            path,
            ErrorKind.PARSE,
            json_syntax(exc.msg, exc.colno),
            line=line_no,
            index=index,
        )
    except RecursionError:
        return nested_too_deep(path, depth, index, line_no)
    except ValueError as exc:  # an integer of more digits than Python converts
        return RecordError(
            path, ErrorKind.LIMIT, f"{unreadable_value(exc)}; skipped", line=line_no, index=index
        )
    if not isinstance(value, dict):
        return string_or_error(path, index, line_no, value)
    record = Screen.of(data, depth).record(value, depth)
    if record is None:
        return nested_too_deep(path, depth, index, line_no)
    return RawRecord(index=index, line=line_no, data=record)
