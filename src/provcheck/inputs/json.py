"""JSON files: an array of records (streamed) or a single object.

Arrays are parsed element by element with ``json.JSONDecoder.raw_decode`` over a growing
buffer, so a multi-gigabyte array needs memory for one element at a time and every element
knows its line. A syntax error inside an array ends the file (JSON cannot be re-synchronized);
the elements before it are scanned. A file that is one object is one record, unless it only
wraps a list of records under a key such as ``data`` (a common export shape). A ``.json``
file that is really JSON Lines is read as JSON Lines.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from provcheck.inputs.base import (
    RawItem,
    RawRecord,
    Screen,
    nested_too_deep,
    not_an_object,
    unreadable_value,
)
from provcheck.inputs.jsonl import JsonlReader
from provcheck.inputs.source import (
    DecompressionFailed,
    InputSource,
    LimitExceeded,
    binary_content,
    utf8_stream,
)
from provcheck.model import ErrorKind, RecordError

_DECODER = json.JSONDecoder()
_WS = " \t\r\n"
_WRAPPER_KEYS = ("data", "rows", "records", "examples", "instances", "items", "train")


class _Truncated(Exception):
    pass


class _Buffer:
    """Text read so far, and the line accounting for what was dropped from its front."""

    def __init__(self, stream: io.TextIOBase, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.text = ""
        self.pos = 0
        self.eof = False
        self._base_line = 1  # line number of text[0]
        self._counted = 0  # newlines in text[:_counted] are in _lines
        self._lines = 0

    def fill(self, want: int = 1 << 20) -> bool:
        """Append more text; drop consumed text first. False at end of file."""
        if self.eof:
            return False
        chunk = self.stream.read(max(want, len(self.text) - self.pos))
        if not chunk:
            self.eof = True
            return False
        if self.pos > (1 << 20):
            self._base_line += self.text.count("\n", 0, self.pos)
            self.text = self.text[self.pos :]
            self.pos = self._counted = self._lines = 0
        self.text += chunk
        return True

    def line_at(self, pos: int) -> int:
        """1-based line of ``text[pos]``."""
        if pos < self._counted:
            return self._base_line + self.text.count("\n", 0, pos)
        self._lines += self.text.count("\n", self._counted, pos)
        self._counted = pos
        return self._base_line + self._lines

    def skip_ws(self) -> str | None:
        """Advance over whitespace; the next character, or None at end of file."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return None

    def value(self, depth: int) -> tuple[Any, int, Screen]:
        """Decode the value at ``pos``; return it, the line it starts on and the screen of its
        text (``depth``: the nesting limit)."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                truncated = exc.pos >= len(self.text) - 2 or exc.msg.startswith("Unterminated")
                if truncated and not self.eof:
                    if len(self.text) - self.pos > self.limit:
                        raise _Truncated from None
                    self.fill()
                    continue
                raise
            line = self.line_at(self.pos)
            screen = Screen.of(self.text, depth, self.pos, end)
            self.pos = end
            return value, line, screen


class JsonReader:
    """Reads ``.json``."""

    name = "json"

    def read(self, source: InputSource) -> Iterator[RawItem]:
        """Yield the array's elements, or the single object."""
        with source.open() as raw:
            utf8, _ = utf8_stream(raw)
            stream = utf8
            binary = binary_content(stream)
            if binary:
                yield RecordError(source.path, ErrorKind.FILE, f"{binary} where JSON was expected")
                return
            text = io.TextIOWrapper(stream, encoding="utf-8", errors="strict")
            buf = _Buffer(text, source.limits.max_record_bytes)
            try:
                first = buf.skip_ws()
                if first is None:
                    yield RecordError(source.path, ErrorKind.FILE, "empty file: no records")
                elif first == "[":
                    buf.pos += 1
                    yield from self._array(source, buf)
                elif first == "{":
                    yield from self._object(source, buf)
                else:
                    yield RecordError(
                        source.path,
                        ErrorKind.PARSE,
                        f"expected a JSON array or object, found {first!r}",
                        line=buf.line_at(buf.pos),
                    )
            except (DecompressionFailed, LimitExceeded, UnicodeDecodeError, OSError) as exc:
                kind = ErrorKind.LIMIT if isinstance(exc, LimitExceeded) else ErrorKind.FILE
                if isinstance(exc, UnicodeDecodeError):
                    kind = ErrorKind.ENCODING
                yield RecordError(source.path, kind, f"reading stopped: {exc}", line=buf.line_at(buf.pos))

    def _array(self, source: InputSource, buf: _Buffer) -> Iterator[RawItem]:
        index = 0
        depth = source.limits.max_depth
        while True:
            char = buf.skip_ws()
            if char == "]" and index == 0:
                return
            if char is None:
                yield self._syntax(source, buf, "the array is not closed: file ends early")
                return
            try:
                value, line, screen = buf.value(depth)
            except _Truncated:
                yield RecordError(
                    source.path,
                    ErrorKind.LIMIT,
                    f"record is larger than the {buf.limit // 2**20} MiB limit; "
                    "reading stopped (JSON cannot resume after a skipped element)",
                    line=buf.line_at(buf.pos),
                    index=index,
                )
                return
            except json.JSONDecodeError as exc:
                yield self._syntax(source, buf, exc.msg, exc.pos, index)
                return
            except RecursionError:
                yield RecordError(
                    source.path,
                    ErrorKind.LIMIT,
                    f"nested more than {source.limits.max_depth} levels deep (the limit); reading "
                    "stopped (JSON cannot resume after it)",
                    line=buf.line_at(buf.pos),
                    index=index,
                )
                return
            except ValueError as exc:  # an integer of more digits than Python converts
                yield RecordError(
                    source.path,
                    ErrorKind.LIMIT,
                    f"{unreadable_value(exc)}; reading stopped (JSON cannot resume after it)",
                    line=buf.line_at(buf.pos),
                    index=index,
                )
                return
            if isinstance(value, dict):
                yield self._record(source, screen, value, index, line)
            else:
                yield not_an_object(source.path, index, line, value)
            index += 1
            char = buf.skip_ws()
            if char == ",":
                buf.pos += 1
            elif char == "]":
                buf.pos += 1
                if buf.skip_ws() is not None:
                    yield self._syntax(source, buf, "extra data after the array")
                return
            else:
                yield self._syntax(source, buf, "expected ',' or ']' after an array element", index=index)
                return

    def _object(self, source: InputSource, buf: _Buffer) -> Iterator[RawItem]:
        buf.limit = source.limits.max_document_bytes
        try:
            value, line, screen = buf.value(source.limits.max_depth)
        except _Truncated:
            yield RecordError(
                source.path,
                ErrorKind.LIMIT,
                f"a JSON object larger than {buf.limit // 2**20} MiB; "
                "store large datasets as JSON Lines or a JSON array",
            )
            return
        except json.JSONDecodeError as exc:
            yield self._syntax(source, buf, exc.msg, exc.pos)
            return
        except RecursionError:
            yield nested_too_deep(source.path, source.limits.max_depth, None, buf.line_at(buf.pos))
            return
        except ValueError as exc:  # an integer of more digits than Python converts
            yield RecordError(source.path, ErrorKind.LIMIT, unreadable_value(exc), line=buf.line_at(buf.pos))
            return
        if buf.skip_ws() is not None:
            # More values follow: the file is JSON Lines with a .json name.
            yield from JsonlReader().read(source)
            return
        wrapped = _wrapped_records(value)
        if wrapped is None:
            yield self._record(source, screen, value, None, line)
            return
        for index, item in enumerate(wrapped):
            if isinstance(item, dict):
                yield self._record(source, screen, item, index, None)
            else:
                yield not_an_object(source.path, index, None, item)

    @staticmethod
    def _record(
        source: InputSource, screen: Screen, value: dict[str, Any], index: int | None, line: int | None
    ) -> RawItem:
        record = screen.record(value, source.limits.max_depth)
        if record is None:
            return nested_too_deep(source.path, source.limits.max_depth, index, line)
        return RawRecord(index=index or 0, line=line, data=record)

    @staticmethod
    def _syntax(
        source: InputSource,
        buf: _Buffer,
        msg: str,
        pos: int | None = None,
        index: int | None = None,
    ) -> RecordError:
        where = buf.pos if pos is None else pos
        line = buf.line_at(where)
        col = where - buf.text.rfind("\n", 0, where)
        return RecordError(
            source.path,
            ErrorKind.PARSE,
            f"invalid JSON at column {col}: {msg}; reading stopped",
            line=line,
            index=index,
        )


def _wrapped_records(value: dict[str, Any]) -> list[Any] | None:
    """The record list of an export wrapper like ``{"version": 1, "data": [...]}``, if any."""
    lists = [k for k in _WRAPPER_KEYS if isinstance(value.get(k), list)]
    if len(lists) != 1:
        return None
    items = value[lists[0]]
    if items and all(isinstance(i, dict) for i in items[:10]):
        return items  # type: ignore[no-any-return]
    return None
