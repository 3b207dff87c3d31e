"""JSON files: an array of records (streamed) or a single object.

Arrays are parsed element by element with ``json.JSONDecoder.raw_decode`` over a growing
buffer, so a multi-gigabyte array needs memory for one element at a time and every element
knows its line. A syntax error inside an array ends the file (JSON cannot be re-synchronized);
the elements before it are scanned. A file that is one object is one record, unless it
wraps lists of records under keys such as ``data`` (a common export shape,
``{"version": 1, "data": [...]}``): those lists are streamed like a top-level array, and each
other member that may hold text (``"description": "..."``) is read as one record ``{key: value}``
(``WrapperMember``), numbered with the records in reading order. A ``.json`` file
that is really JSON Lines is read as JSON Lines.
"""

from __future__ import annotations

import io
import json
from collections.abc import Generator, Iterator
from typing import Any, NamedTuple

from provcheck.inputs.base import (
    RawItem,
    RawRecord,
    Screen,
    WrapperMember,
    json_syntax,
    keep_repeated_keys,
    nested_too_deep,
    not_an_object,
    string_or_error,
    unreadable_value,
)
from provcheck.inputs.frames import ambiguous_frame, frame_rows, is_table_schema, list_hint
from provcheck.inputs.jsonl import JsonlReader
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

_DECODER = json.JSONDecoder(object_pairs_hook=keep_repeated_keys)
"""Every value of a repeated key is kept (``base.keep_repeated_keys``)."""
_WS = " \t\r\n"
_WRAPPER_KEYS = ("data", "rows", "records", "examples", "instances", "items", "train")
_HEAD = 10
"""Elements of a wrapper's list that must all be objects for the list to be records."""
_DECODE_ERRORS = (json.JSONDecodeError, ValueError, RecursionError)
_JSONL_PROBE = 1 << 20
"""A ``.json`` file is taken for JSON Lines when its first line, up to this many characters,
is a whole value followed by more. Looking further would hold a one-line wrapper of many
megabytes in memory before its records could be streamed."""


class _Truncated(Exception):
    pass


class _Decoded(NamedTuple):
    value: Any
    line: int
    """Where the value starts."""
    screen: Screen
    strings: int | None
    """Its strings when more than the limit (``Limits.max_record_strings``), else None."""


class _Buffer:
    """Text read so far, and the line accounting for what was dropped from its front."""

    def __init__(self, stream: io.TextIOBase, limit: int, max_strings: int) -> None:
        self.stream = stream
        self.limit = limit
        self.text = ""
        self.pos = 0
        self.eof = False
        self.max_strings = max_strings
        self.anchor: int | None = None
        """While set, text from here on is kept (a position the reader may return to)."""
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
        drop = self.pos if self.anchor is None else min(self.pos, self.anchor)
        if drop > (1 << 20):
            self._base_line += self.text.count("\n", 0, drop)
            self.text = self.text[drop:]
            self.pos -= drop
            self._counted = self._lines = 0
            if self.anchor is not None:
                self.anchor -= drop
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

    def value(self, depth: int) -> _Decoded:
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
            strings = json_strings_over(self.text, self.max_strings, self.pos, end)
            self.pos = end
            return _Decoded(value, line, screen, strings)


def _records(key: str, head: list[Any]) -> bool:
    """True when a list whose first elements are ``head`` holds records: objects, or strings
    under a wrapper key (each read as text, as in an array)."""
    if all(isinstance(v, dict) for v in head):
        return True
    return key in _WRAPPER_KEYS and all(isinstance(v, str) for v in head)


def _holds_text(key: str, value: Any) -> bool:
    """True when a wrapper's member ``key: value`` holds a string the generic walker reads or
    counts: a string anywhere in the value, or a key of several words (the walker reads long
    keys). ``"version": 1`` or ``"meta": {"n": 3}`` holds none and makes no record.

    Iterative, like ``too_deep``: the value may nest as deep as the reader allows.
    """
    stack: list[Any] = [{key: value}]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            return True
        if isinstance(item, dict):
            if any(any(c.isspace() for c in k) for k in item):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


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
            buf = _Buffer(text, source.limits.max_record_bytes, source.limits.max_record_strings)
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
        if (yield from self._items(source, buf, 0, False)) is None:
            return
        if buf.skip_ws() is not None:
            yield self._syntax(source, buf, "extra data after the array")

    def _items(
        self, source: InputSource, buf: _Buffer, index: int, after_element: bool
    ) -> Generator[RawItem, None, int | None]:
        """The elements of an array whose ``[`` (and, when ``after_element``, some elements)
        was read; the next index, or None when reading stopped at an error (yielded)."""
        first = not after_element
        while True:
            if after_element:
                char = buf.skip_ws()
                if char == ",":
                    buf.pos += 1
                elif char == "]":
                    buf.pos += 1
                    return index
                else:
                    yield self._syntax(source, buf, "expected ',' or ']' after an array element", index=index)
                    return None
            char = buf.skip_ws()
            if char == "]" and first:
                buf.pos += 1
                return index
            if char is None:
                yield self._syntax(source, buf, "the array is not closed: file ends early")
                return None
            got = self._element(source, buf, index)
            if isinstance(got, RecordError):
                yield got
                return None
            yield self._item(source, got, index)
            index += 1
            after_element, first = True, False

    def _item(self, source: InputSource, got: _Decoded, index: int) -> RawItem:
        if isinstance(got.value, dict):
            return self._record(source, got, got.value, index, got.line)
        if isinstance(got.value, list):
            return RecordError(
                source.path,
                ErrorKind.SCHEMA,
                f"expected a JSON object, found list: {list_hint(got.value)}",
                line=got.line,
                index=index,
            )
        return string_or_error(source.path, index, got.line, got.value)

    def _element(self, source: InputSource, buf: _Buffer, index: int) -> _Decoded | RecordError:
        """The array element at ``buf.pos``, or the error that ends the file there."""
        try:
            return buf.value(source.limits.max_depth)
        except _Truncated:
            return RecordError(
                source.path,
                ErrorKind.LIMIT,
                f"record is larger than the {buf.limit // 2**20} MiB limit; "
                "reading stopped (JSON cannot resume after a skipped element)",
                line=buf.line_at(buf.pos),
                index=index,
            )
        except json.JSONDecodeError as exc:
            return self._syntax(source, buf, exc.msg, exc.pos, index)
        except RecursionError:
            return RecordError(
                source.path,
                ErrorKind.LIMIT,
                f"nested more than {source.limits.max_depth} levels deep (the limit); reading "
                "stopped (JSON cannot resume after it)",
                line=buf.line_at(buf.pos),
                index=index,
            )
        except ValueError as exc:  # an integer of more digits than Python converts
            return RecordError(
                source.path,
                ErrorKind.LIMIT,
                f"{unreadable_value(exc)}; reading stopped (JSON cannot resume after it)",
                line=buf.line_at(buf.pos),
                index=index,
            )

    def _wrapper(self, source: InputSource, buf: _Buffer) -> Generator[RawItem, None, bool]:
        """Stream the record lists of the object at ``buf.pos`` (``{"data": [...]}``).

        Nothing is yielded, and False returned with ``buf.pos`` back at the object, until a
        wrapper key holds a list whose first elements are all objects: the text read until then
        is kept (``anchor``) so that the caller can read the object whole instead. From then on
        the lists are read element by element, bounded by the record limit, and True returned.
        """
        start = buf.pos
        depth = source.limits.max_depth
        buf.pos += 1
        index = 0
        streaming = False
        # Once one member is a record list under a wrapper key, the object is read again from its
        # start and a record list under *any* key is streamed: `{"train": [...], "test": [...]}`
        # read only the train split, and dropped the test split as metadata without a word.
        known = False

        def declined() -> bool:
            buf.pos = start
            return False

        while True:
            char = buf.skip_ws()
            if char == "}" and not index and not streaming:
                return declined()
            if char != '"':
                break
            try:
                key = buf.value(depth).value
            except (_Truncated, *_DECODE_ERRORS):
                break
            if buf.skip_ws() != ":":
                break
            buf.pos += 1
            buf.skip_ws()
            at = buf.pos
            if buf.pos < len(buf.text) and buf.text[at] == "[" and (known or key in _WRAPPER_KEYS):
                buf.pos += 1
                head = self._head(buf, depth)
                # Strings under a wrapper key are records as in an array (`{"data": ["...", ...]}`
                # was one record whose strings were joined as one text: a short copy among them
                # matched nothing, where `["...", ...]` found it; adversarial pass 18).
                if head is not None and head[0] and _records(key, [d.value for d in head[0]]):
                    if not known:  # the text since the object's start is kept (anchor)
                        known = True
                        buf.pos = start + 1
                        continue
                    if not streaming:
                        streaming = True
                        buf.anchor = None  # committed: what was read need not be kept
                        buf.limit = source.limits.max_record_bytes
                    for decoded in head[0]:
                        yield self._item(source, decoded, index)
                        index += 1
                    if not head[1]:
                        after = yield from self._items(source, buf, index, True)
                        if after is None:
                            return True
                        index = after
                else:  # not records: metadata, read whole below
                    buf.pos = at
            if buf.pos == at:
                try:
                    member = buf.value(depth)
                except _Truncated:
                    if not streaming:
                        break  # the object is read whole and refused as too large
                    yield RecordError(
                        source.path,
                        ErrorKind.LIMIT,
                        f"the member {key[:80]!r} beside the record lists is larger than the "
                        f"{buf.limit // 2**20} MiB record limit; reading stopped",
                        line=buf.line_at(buf.pos),
                    )
                    return True
                except _DECODE_ERRORS:
                    break
                # A member beside the record lists (``"description": "..."``) is not dropped: a
                # copy put there passed unread. Once the object is known to wrap records, each
                # member that holds text is one record, ``{key: value}``, located at its line and
                # read like any record (its strings by the generic walker, ids and labels counted).
                # pandas' orient="table" Table Schema: field names and types, not a record.
                table_schema = key == "schema" and is_table_schema(member.value)
                if known and not table_schema and _holds_text(key, member.value):
                    yield self._record(source, member, WrapperMember({key: member.value}), index, member.line)
                    index += 1
            char = buf.skip_ws()
            if char == ",":
                buf.pos += 1
                continue
            if char == "}":
                buf.pos += 1
                if not streaming:
                    return declined()
                if buf.skip_ws() is not None:
                    yield self._syntax(
                        source,
                        buf,
                        "extra data after the object (a .json file is read as JSON Lines only "
                        f"when its first line is under {_JSONL_PROBE // 2**20} MiB; else name it .jsonl)",
                    )
                return True
            break
        if not streaming:
            return declined()
        yield self._syntax(source, buf, "invalid JSON object around the record list")
        return True

    @staticmethod
    def _head(buf: _Buffer, depth: int) -> tuple[list[_Decoded], bool] | None:
        """Up to ``_HEAD`` elements of the array being read, and whether it ended; None when
        they cannot be read (the caller reads the whole object and reports the error)."""
        head: list[_Decoded] = []
        if buf.skip_ws() == "]":
            buf.pos += 1
            return head, True
        while True:
            buf.skip_ws()
            try:
                head.append(buf.value(depth))
            except (_Truncated, *_DECODE_ERRORS):
                return None
            char = buf.skip_ws()
            if char == "]":
                buf.pos += 1
                return head, True
            if char != ",":
                return None
            if len(head) == _HEAD:
                return head, False  # at the ',' before the next element
            buf.pos += 1

    @staticmethod
    def _one_line_value(buf: _Buffer, limit: int) -> bool:
        """True when the first line of the object at ``buf.pos`` is a whole JSON value followed
        by more text: the file is JSON Lines (read as such), not one object. Only the first
        ``limit`` characters are looked at."""
        start = buf.pos
        while True:
            nl = buf.text.find("\n", start)
            if nl != -1 or buf.eof or len(buf.text) - start > limit:
                break
            buf.fill()
        if nl == -1:
            return False
        try:
            _DECODER.raw_decode(buf.text[start:nl].rstrip())
        except (*_DECODE_ERRORS,):
            return False
        rest = nl + 1
        while True:
            while rest < len(buf.text) and buf.text[rest] in _WS:
                rest += 1
            if rest < len(buf.text):
                return True
            if not buf.fill():
                return False

    def _object(self, source: InputSource, buf: _Buffer) -> Iterator[RawItem]:
        buf.limit = source.limits.max_document_bytes
        buf.anchor = buf.pos
        if not self._one_line_value(buf, _JSONL_PROBE) and (yield from self._wrapper(source, buf)):
            return
        buf.anchor = None
        try:
            got = buf.value(source.limits.max_depth)
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
        # A data frame as one object (pandas to_json orient split, index, columns): its rows.
        rows = frame_rows(got.value) if isinstance(got.value, dict) else None
        if rows is not None:
            for index, row in enumerate(rows):
                yield self._row(source, got, row, index)
            return
        # One object that wraps no record list (``_wrapper`` streams those): one record.
        if isinstance(got.value, dict):
            yield self._record(source, got, got.value, None, got.line)
            if (why := ambiguous_frame(got.value)) is not None:  # maybe a frame: said, located
                yield RecordError(source.path, ErrorKind.SCHEMA, why, line=got.line)
        else:  # pragma: no cover - the caller saw "{"
            yield not_an_object(source.path, 0, got.line, got.value)

    @staticmethod
    def _row(source: InputSource, got: _Decoded, row: dict[str, Any], index: int) -> RawItem:
        """One row of a frame read whole: located at the object's line, by its position."""
        record = got.screen.record(row, source.limits.max_depth)
        if record is None:
            return nested_too_deep(source.path, source.limits.max_depth, index, got.line)
        return RawRecord(index=index, line=got.line, data=record)

    @staticmethod
    def _record(
        source: InputSource, got: _Decoded, value: dict[str, Any], index: int | None, line: int | None
    ) -> RawItem:
        if got.strings is not None:
            limit = source.limits.max_record_strings
            return RecordError(
                source.path, ErrorKind.LIMIT, too_many_strings(got.strings, limit), line=line, index=index
            )
        record = got.screen.record(value, source.limits.max_depth)
        if record is None:
            return nested_too_deep(source.path, source.limits.max_depth, index, line)
        if isinstance(value, WrapperMember) and not isinstance(record, WrapperMember):
            record = WrapperMember(record)  # surrogates replaced in a copy: still a member
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
            f"{json_syntax(msg, col)}; reading stopped",
            line=line,
            index=index,
        )
