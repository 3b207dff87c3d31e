"""Workers that read their own lines: a plain JSON Lines file cut into byte ranges of one batch.

With workers (``index add -j 2``), the main process read every line of the file through the
JSON Lines reader, made an object of it and pickled the batch through a pipe to a worker,
which unpickled it: on 150,000 AlpacaEval outputs (243 MB) about 1.1 CPU seconds of the main
process and 0.5 of the workers', work a second worker cannot share. For a plain file (local,
uncompressed UTF-8, first character ``{``) the main process now only finds where each batch
of records starts and ends (one pass over the bytes, ``bytes.find`` per line, with the
file's SHA-256 as the reader takes it) and sends a worker the range; the worker reads those
bytes from the file and splits them with the same reader (``JsonlReader._lines``, numbered
from the range's first line and record, as ``scan.remote`` reads a range), so every record,
line number, index and error is the reader's own, and the batches are the same records as
before: the shards are the same bytes.

Each range carries the XXH3 of its bytes as the main process read them, and its record
count: a worker that reads other bytes (the file changed while it was added) or other
records returns nothing, and the add fails (``changed``) rather than index a mix.
Anything else (compressed, UTF-16, a URL, a file of another first character, an empty file)
is read the ordinary way.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import xxhash

from provcheck.errors import InputError
from provcheck.inputs import InputSource, Limits, UnparsedLine, reader_for
from provcheck.inputs.jsonl import JsonlReader
from provcheck.inputs.source import binary_content, is_url, utf8_stream
from provcheck.model import RecordError

if TYPE_CHECKING:
    from provcheck.ingest.add import BatchResult, FingerprintJob

_BOM = b"\xef\xbb\xbf"
_OPEN_BRACE = 0x7B
_BLOCK = 1 << 20
"""Bytes read at a time by the main process's pass: 4 MiB reads took fresh pages from the
system each time (60,000 page faults over 243 MB: 0.40-0.44 CPU s for the pass, 0.25 with
1 MiB, which the allocator reuses)."""


@dataclass(frozen=True, slots=True)
class LineRange:
    """Whole lines ``[start, end)`` of a file (byte offsets), holding one batch's records."""

    start: int
    end: int
    first_line: int
    """Lines of the file before the range."""
    first_index: int
    """Records of the file before the range (as the reader numbers them)."""
    records: int
    """Records the reader makes of the range's lines (oversized lines not included)."""
    oversized: int
    """Lines past the record limit (records too, each an error of the reader)."""
    digest: int
    """XXH3-64 of the range's bytes, as the main process read them."""


def plain_start(fs_path: str) -> int | None:
    """Where the first line of a plain JSON Lines file starts (after a UTF-8 byte-order mark),
    or None when the file is not one this module reads: not a JSON Lines file by its name
    (``.jsonl``, ``.ndjson``), a URL, not a regular file, or a first
    character other than ``{`` (compressed and UTF-16/32 files, Git LFS pointers, binary
    data and empty files all fail this), or a head ``binary_content`` refuses."""
    if is_url(fs_path) or not isinstance(reader_for(fs_path), JsonlReader):
        return None  # a JSON document starting with ``{`` is one record, not lines
    try:
        fd = os.open(fs_path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None  # a FIFO or a device: the reader says what it is
        head = os.read(fd, 8192 + len(_BOM))
    except OSError:
        return None
    finally:
        os.close(fd)
    skip = len(_BOM) if head.startswith(_BOM) else 0
    if head[skip : skip + 1] != b"{":
        return None
    if binary_content(io.BufferedReader(io.BytesIO(head[skip : skip + 8192]))) is not None:
        return None
    return skip


def changed(display: str) -> InputError:
    """The error of a file that changed while it was added."""
    return InputError(
        f"{display}: the file changed while it was read (a range of its lines read again did "
        "not hold the same bytes); nothing was added",
        hint="add it again once nothing writes to it",
    )


def line_ranges(source: InputSource, start: int, per: int) -> Iterator[LineRange]:
    """The ranges of ``per`` records each of ``source`` (the last may hold fewer), read
    through ``source.open()`` so that its SHA-256 is the file's, as the reader takes it.

    A record is what ``JsonlReader._lines`` makes one of: a line not blank once stripped (of
    whitespace and a byte-order mark), or a line longer than the record limit (an error the
    worker's reader reports; it is numbered, not batched). The file starts with a record
    (``plain_start``), so the reader's "empty file" error is never due.
    """
    limit = source.limits.max_record_bytes
    with source.open() as raw:
        stream, encoding = utf8_stream(raw)
        if encoding != "utf-8" or source.compression is not None:
            raise changed(source.path)
        offset = start  # file offset of ``data[0]``
        range_start, first_line, first_index = start, 0, 0
        lines = index = records = 0
        digest = xxhash.xxh3_64()
        carry = b""
        skipping = False  # inside a line longer than the limit, not kept
        while True:
            block = stream.read(_BLOCK)
            if not block:
                break
            data = carry + block if carry else block
            view = memoryview(data)
            p = done = 0  # line start; bytes digested
            find = data.find
            while True:
                e = find(b"\n", p)
                if e < 0:
                    break
                lines += 1
                if skipping or e - p > limit:
                    index += 1
                    skipping = False
                elif data[p] == _OPEN_BRACE or data[p : e + 1].removeprefix(_BOM).strip():
                    index += 1
                    records += 1
                p = e + 1
                if records == per:
                    digest.update(view[done:p])
                    done = p
                    yield LineRange(
                        range_start,
                        offset + p,
                        first_line,
                        first_index,
                        records,
                        index - first_index - records,
                        digest.intdigest(),
                    )
                    range_start, first_line, first_index = offset + p, lines, index
                    records = 0
                    digest = xxhash.xxh3_64()
            if skipping or len(data) - p > limit:
                skipping = True  # the line goes past the limit: its bytes are digested, not kept
                digest.update(view[done:])
                carry = b""
            else:
                digest.update(view[done:p])
                carry = data[p:]
            offset += len(data) - len(carry)
            del view
        if carry or skipping:  # a last line without a newline
            lines += 1
            digest.update(carry)
            if skipping or len(carry) > limit:
                index += 1
            elif carry[0] == _OPEN_BRACE or carry.removeprefix(_BOM).strip():
                index += 1
                records += 1
            offset += len(carry)
        if index > first_index:
            yield LineRange(
                range_start,
                offset,
                first_line,
                first_index,
                records,
                index - first_index - records,
                digest.intdigest(),
            )


class _Window(io.RawIOBase):
    """Bytes ``[start, end)`` of an open file, as a stream, digested as they are read."""

    def __init__(self, fh: BinaryIO, start: int, end: int) -> None:
        fh.seek(start)
        self._fh, self.left = fh, end - start
        self.digest = xxhash.xxh3_64()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left)
        if n <= 0:
            return 0
        data = self._fh.read(n)
        self.digest.update(data)
        buffer[: len(data)] = data
        self.left -= len(data)
        return len(data)


_SETTERS = tuple(
    getattr(UnparsedLine, name).__set__ for name in ("index", "line", "payload", "depth", "strings")
)
"""``UnparsedLine``'s slot descriptors: a frozen dataclass's ``__init__`` calls
``object.__setattr__`` per field, three times the cost of the whole line's split."""


def split_lines(data: bytes, unit: LineRange, limits: Limits) -> list[UnparsedLine]:
    """The records of ``data``, the bytes of a range with no line past the limit, as
    ``JsonlReader._lines`` makes them: a line is stripped of whitespace (its newline too) and
    of a byte-order mark, a blank one is not a record but counts as a line."""
    set_index, set_line, set_payload, set_depth, set_strings = _SETTERS
    depth, strings = limits.max_depth, limits.max_record_strings
    make = object.__new__
    out: list[UnparsedLine] = []
    append = out.append
    index, line, p, n = unit.first_index, unit.first_line, 0, len(data)
    find = data.find
    while p < n:
        e = find(b"\n", p)
        if e < 0:
            e = n
        line += 1
        stripped = data[p:e].removeprefix(_BOM).strip()
        p = e + 1
        if not stripped:
            continue
        item = make(UnparsedLine)
        set_index(item, index)
        set_line(item, line)
        set_payload(item, stripped)
        set_depth(item, depth)
        set_strings(item, strings)
        append(item)
        index += 1
    return out


def _read_bytes(fs_path: str, start: int, end: int) -> bytes:
    with open(fs_path, "rb") as fh:  # a buffered read of n bytes reads until n or the end
        fh.seek(start)
        return fh.read(end - start)


def read_range(
    unit: LineRange, display: str, fs_path: str, limits: Limits
) -> tuple[list[UnparsedLine], list[RecordError]] | None:
    """The range's records (unparsed) and the reader's errors (lines past the limit), as the
    JSON Lines reader makes them; None when they are not what the main process found there
    (other bytes, other records).

    A range without a line past the limit (nearly every one) is read whole and split here
    (``split_lines``; a batch's lines are held in memory either way); one with such lines is
    read through the reader, which skips them without holding them.
    """
    if not unit.oversized:
        try:
            data = _read_bytes(fs_path, unit.start, unit.end)
        except OSError:
            return None
        if len(data) != unit.end - unit.start or xxhash.xxh3_64_intdigest(data) != unit.digest:
            return None
        split = split_lines(data, unit, limits)
        return (split, []) if len(split) == unit.records else None
    source = InputSource(path=display, fs_path=fs_path, limits=limits)
    lines: list[UnparsedLine] = []
    errors: list[RecordError] = []
    try:
        with open(fs_path, "rb") as fh:
            window = _Window(fh, unit.start, unit.end)
            stream = io.BufferedReader(window, buffer_size=1 << 20)
            for item in JsonlReader()._lines(
                source,
                cast(io.BufferedReader, stream),
                limits.max_record_bytes,
                None,
                unit.first_line,
                unit.first_index,
            ):
                if isinstance(item, UnparsedLine):
                    lines.append(item)
                else:
                    errors.append(item)
    except OSError:
        return None
    if window.left or window.digest.intdigest() != unit.digest or len(lines) != unit.records:
        return None
    if any(e.index is None for e in errors):  # "reading stopped": not what was found there
        return None
    return lines, errors


@dataclass(frozen=True, slots=True)
class RangeJob:
    """A picklable recipe: a ``LineRange`` of the file -> ``FingerprintJob``'s result of its
    records, with the reader's errors of the range; None when the range changed."""

    job: FingerprintJob
    fs_path: str
    limits: Limits

    def __call__(self) -> Callable[[LineRange], BatchResult | None]:
        """The range function."""
        from provcheck.index.builder import Chunk
        from provcheck.ingest.add import BatchResult

        run = self.job()
        display, fs_path, limits = self.job.spec.path, self.fs_path, self.limits

        def read_and_run(unit: LineRange) -> BatchResult | None:
            got = read_range(unit, display, fs_path, limits)
            if got is None:
                return None
            lines, errors = got
            if not lines:  # only lines past the limit: no batch (the reader made none)
                empty = Chunk.build([], [], [], [], [], [])
                return BatchResult(empty, 0, [], 0, 0, read_errors=tuple(errors))
            result = run(cast("list[Any]", lines))
            return replace(result, read_errors=tuple(errors)) if errors else result

        return read_and_run
