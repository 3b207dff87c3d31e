"""bzip2, xz and lzma files read stream after stream, with nothing after the last one left unread.

A compressed file may hold several streams one after another (``cat a.jsonl.bz2 b.jsonl.bz2``),
and every reader reads them all. Python's ``BZ2File`` and ``LZMAFile`` also end quietly at the
first bytes after a stream that do not start another: rows appended uncompressed to a
compressed file (``cat new.jsonl >> data.jsonl.bz2``), or a gzip stream after a bzip2 one, were
never read, and the scan passed with exit 0 where the same rows after a gzip or zstd stream
were a located error (adversarial pass 23). Here such bytes are an error (``OSError``, which
``inputs.source`` reports as a corrupt stream, exit 4), and only NUL bytes after an xz stream,
the format's stream padding, are passed over.

Output comes at most ``STEP`` bytes a call (the decompressors' ``max_length``), so the size
bound of ``inputs.source`` stops a bomb before it costs memory.
"""

from __future__ import annotations

import bz2
import io
import lzma
from collections.abc import Callable
from typing import IO, Protocol

STEP = 1 << 16
"""Most bytes read from the file, and most decompressed bytes returned, at a time."""


class _Decoder(Protocol):
    """What ``bz2.BZ2Decompressor`` and ``lzma.LZMADecompressor`` share."""

    @property
    def eof(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...
    @property
    def needs_input(self) -> bool: ...
    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


def _bzip2() -> _Decoder:
    return bz2.BZ2Decompressor()


def _xz() -> _Decoder:
    return lzma.LZMADecompressor(lzma.FORMAT_XZ)


def _lzma() -> _Decoder:
    return lzma.LZMADecompressor(lzma.FORMAT_ALONE)


_NEW: dict[str, Callable[[], _Decoder]] = {"bzip2": _bzip2, "xz": _xz, "lzma": _lzma}
KINDS = frozenset(_NEW)


class Concatenated(io.RawIOBase):
    """The decompressed bytes of every stream of ``raw``; an error for bytes that are none."""

    def __init__(self, raw: IO[bytes], kind: str) -> None:
        self._raw = raw
        self._kind = kind
        self._decoder = _NEW[kind]()
        self._fed = False
        """Bytes of the current stream were given to its decoder."""
        self._carry = b""
        """Bytes read after the end of a stream, for the next one."""
        self._read = 0
        """Compressed bytes read from ``raw`` so far."""
        self._streams = 1
        self._ended_at = 0
        """Compressed bytes up to the end of the last stream that ended."""
        self._pending = b""
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._at >= len(self._pending):
            self._pending, self._at = self._next(), 0
        n = min(len(buffer), len(self._pending) - self._at)
        buffer[:n] = memoryview(self._pending)[self._at : self._at + n]
        self._at += n
        return n

    def _input(self) -> bytes:
        if self._carry:
            data, self._carry = self._carry, b""
            return data
        data = self._raw.read(STEP)
        self._read += len(data)
        return data

    def _next(self) -> bytes:
        """The next decompressed bytes; b"" at the end of the last stream."""
        while True:
            if self._decoder.eof:
                self._carry = self._decoder.unused_data + self._carry
                if not self._start_next():
                    return b""
            data = self._input() if self._decoder.needs_input else b""
            if self._decoder.needs_input and not data:
                if self._fed:
                    raise EOFError(f"the {self._kind} stream ends before its end-of-stream marker")
                return b""
            first = not self._fed
            self._fed = self._fed or bool(data)
            try:
                out = self._decoder.decompress(data, STEP)
            except (OSError, lzma.LZMAError) as exc:
                if first and self._streams > 1:
                    raise OSError(
                        f"bytes after the end of the {self._kind} stream that ends at byte "
                        f"{self._ended_at:,} are not {self._kind} data ({exc}): not read (rows appended "
                        "uncompressed to a compressed file?)"
                    ) from exc
                raise
            if out:
                return out

    def _start_next(self) -> bool:
        """After a stream's end: False when nothing but padding follows, else a new decoder."""
        self._ended_at = self._read - len(self._carry)
        while True:
            if self._kind == "xz":
                self._carry = self._carry.lstrip(b"\0")  # stream padding
            if self._carry:
                break
            self._carry = self._raw.read(STEP)
            self._read += len(self._carry)
            if not self._carry:
                return False
        self._decoder = _NEW[self._kind]()
        self._fed = False
        self._streams += 1
        return True
