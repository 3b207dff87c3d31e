"""Opening input files: transparent decompression, text encodings and size limits.

Compression is recognised by magic bytes (gzip, xz, bzip2, zstd), not by the file name, so a
misnamed file still reads. Decompression is streamed and bounded: output beyond
``Limits.max_expansion`` times the compressed size (and at least ``Limits.min_decompressed``)
is refused, so a decompression bomb costs neither memory nor disk.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import lzma
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, cast

from provcheck.errors import InputError
from provcheck.inputs.concatenated import KINDS as CONCATENATED
from provcheck.inputs.concatenated import STEP, Concatenated

_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"\xfd7zXZ\x00": "xz",
    b"BZh": "bzip2",
    b"\x28\xb5\x2f\xfd": "zstd",
}
COMPRESSED_SUFFIXES = {
    ".gz": "gzip",
    ".xz": "xz",
    ".lzma": "lzma",
    ".bz2": "bzip2",
    ".zst": "zstd",
    ".zstd": "zstd",
}
"""``.lzma`` (the legacy LZMA "alone" format, which Python's ``lzma`` reads) has no magic bytes:
it is told by its name only, where the others are told by their bytes."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds that keep hostile or accidental input from exhausting the machine."""

    max_record_bytes: int = 64 * 2**20
    """Largest record (a JSONL line, a JSON array element, a CSV row)."""
    max_document_bytes: int = 1024 * 2**20
    """Largest file read as a whole: a plain-text file or a JSON file that is one object."""
    max_expansion: int = 200
    """Largest ratio of decompressed to compressed size."""
    min_decompressed: int = 256 * 2**20
    """Decompressed size always allowed, whatever the ratio."""
    max_depth: int = 200
    """Deepest nesting of JSON arrays and objects in a record."""
    max_record_strings: int = 100_000
    """Most JSON strings (keys and values) in one record. Every string may be a turn to match:
    a 34 MB line of 1.5 million tiny fields cost 1.1 GB and half a minute without this bound;
    real records have hundreds."""
    max_archive_members: int = 10_000
    """Most members of one archive (``.zip``, ``.tar``…) looked at; past it the archive is a
    located error and the rest is not read."""
    max_errors_per_file: int = 1000
    """Unreadable records of one file reported one by one; the rest are counted in one error
    (a huge file of bad lines would otherwise fill memory with errors)."""


_ESCAPES = re.compile(r"\\[\s\S]")
_ESCAPES_BYTES = re.compile(rb"\\[\s\S]")


def json_strings_over(
    raw: str | bytes, limit: int, start: int = 0, end: int | None = None, quotes: int | None = None
) -> int | None:
    """How many strings (keys and values) the JSON text ``raw[start:end]`` holds, when that is
    more than ``limit``; None when it is not.

    Counting quotes costs a scan in C; escaped quotes (``\\"``) are only looked for when the
    quotes alone exceed the limit. Outside strings valid JSON has no backslash, so every quote
    that is not escaped opens or closes a string. ``quotes``: the quotes of ``raw`` (bytes),
    when the caller has counted them.
    """
    end = len(raw) if end is None else end
    if (end - start) // 2 <= limit:
        return None  # two quotes a string: text this short cannot hold more (no scan at all)
    if isinstance(raw, bytes):
        quotes = raw.count(b'"', start, end) if quotes is None else quotes
        if quotes // 2 <= limit:
            return None
        escaped = sum(1 for m in _ESCAPES_BYTES.finditer(raw, start, end) if m.group() == b'\\"')
    else:
        quotes = raw.count('"', start, end)
        if quotes // 2 <= limit:
            return None
        escaped = sum(1 for m in _ESCAPES.finditer(raw, start, end) if m.group() == '\\"')
    strings = (quotes - escaped) // 2
    return strings if strings > limit else None


def too_many_strings(count: int, limit: int) -> str:
    """The message for a record over ``Limits.max_record_strings``."""
    return (
        f"record has {count:,} JSON strings (keys and values), more than the limit of {limit:,}; "
        "skipped (split it into smaller records)"
    )


class LimitExceeded(Exception):
    """Raised inside a stream when a limit is crossed; readers turn it into a RecordError."""


class DecompressionFailed(Exception):
    """The compressed stream is corrupt or truncated."""


class _Hashing(io.RawIOBase):
    """Reads through to ``raw`` while hashing every byte, so digests cost no second pass."""

    def __init__(self, raw: BinaryIO, digest: hashlib._Hash, source: InputSource) -> None:
        self._raw = raw
        self._digest = digest
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        self._digest.update(data)
        n = len(data)
        self._source.consumed += n
        buffer[:n] = data
        return n


class _Bounded(io.RawIOBase):
    """Reads ``inner`` (a decompressor) and fails once more than ``limit`` bytes came out."""

    def __init__(self, inner: IO[bytes], limit: int, kind: str) -> None:
        self._inner = inner
        self._limit = limit
        self._kind = kind
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        # read1 (one underlying read at a time) hands over every byte decoded before a
        # truncation; read(n) would discard them when it hits the early end of stream.
        want = min(len(buffer), 1 << 16)
        try:
            read1 = getattr(self._inner, "read1", None)
            data = read1(want) if read1 is not None else self._inner.read(want)
        except (EOFError, OSError, lzma.LZMAError, zlib.error, ValueError) as exc:
            raise DecompressionFailed(
                f"{self._kind} stream is corrupt or truncated after {self.produced:,} "
                f"decompressed bytes ({exc})"
            ) from exc
        except Exception as exc:  # zstandard.ZstdError has no stdlib base
            if type(exc).__name__ == "ZstdError":
                raise DecompressionFailed(
                    f"zstd stream is corrupt or truncated after {self.produced:,} decompressed bytes ({exc})"
                ) from exc
            raise
        self.produced += len(data)
        if self.produced > self._limit:
            raise LimitExceeded(
                f"decompressed size exceeds {self._limit:,} bytes "
                f"({self._kind}; limit: {self._limit // 2**20} MiB for this file)"
            )
        n = len(data)
        buffer[:n] = data
        return n


class _Zstd(io.RawIOBase):
    """zstd frames decoded one after another, failing on a frame cut short.

    The library's stream reader ends quietly where a truncated file ends, which would pass a
    damaged archive off as a complete one. Compressed input goes in 1 KiB at a time: one call's
    output is then at most 32 MiB (zstd's densest blocks expand 32,768 times), so a bomb is
    caught by ``_Bounded`` before it costs memory.
    """

    _STEP = 1024

    def __init__(self, raw: IO[bytes]) -> None:
        import zstandard

        self._raw = raw
        self._decompressor = zstandard.ZstdDecompressor()
        self._frame = self._decompressor.decompressobj()
        self._fed = False
        """Bytes of the current frame were given to the decompressor."""
        self._pending = b""
        self._at = 0
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._at >= len(self._pending):
            if self._ended:
                return 0
            data = self._raw.read(self._STEP)
            if not data:
                self._ended = True
                if self._fed and not self._frame.eof:
                    raise EOFError("the last zstd frame ends early")
                return 0
            out = []
            while data:
                if self._frame.eof:
                    self._frame = self._decompressor.decompressobj()
                    self._fed = False
                self._fed = True
                out.append(self._frame.decompress(data))
                data = self._frame.unused_data if self._frame.eof else b""
            self._pending, self._at = b"".join(out), 0
        n = min(len(buffer), len(self._pending) - self._at)
        buffer[:n] = memoryview(self._pending)[self._at : self._at + n]
        self._at += n
        return n


def _zstd_reader(raw: BinaryIO) -> IO[bytes]:
    return cast(IO[bytes], io.BufferedReader(_Zstd(raw), buffer_size=1 << 16))


def sniff_compression(head: bytes) -> str | None:
    """Compression format from a file's first bytes, or None."""
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def stripped_name(path: str) -> tuple[str, str | None]:
    """``data.jsonl.gz`` -> (``data.jsonl``, ``gzip``)."""
    root, ext = os.path.splitext(path)
    kind = COMPRESSED_SUFFIXES.get(ext.lower())
    return (root, kind) if kind else (path, None)


def is_url(path: str) -> bool:
    """True for ``s3://bucket/x``, ``hf://datasets/...`` and other fsspec URLs."""
    scheme, sep, _ = path.partition("://")
    return bool(sep) and scheme.isidentifier() and len(scheme) > 1


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError:
        raise InputError(
            "reading URLs (s3://, gs://, hf://...) needs fsspec: pip install 'provcheck[cloud]' "
            "and the filesystem's package (s3fs, gcsfs, huggingface_hub)"
        ) from None
    return fsspec


_SPECIAL = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _SPECIAL if test(mode)), "not a regular file")


def not_regular(path: str) -> str | None:
    """Why the local ``path`` (links followed) is not read: a FIFO, device or socket; None for a
    regular file, a directory or a path that cannot be stat'ed (opening it reports that)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return f"{_kind(mode)}, not a regular file: not read (only regular files are scanned)"


def open_binary(fs_path: str, display: str) -> BinaryIO:
    """A local path or an fsspec URL, opened for reading bytes.

    A local path is opened without blocking and must be a regular file: opening a FIFO would
    wait forever for a writer, and reading a device has no end.
    """
    try:
        if is_url(fs_path):
            return cast(BinaryIO, _fsspec().open(fs_path, "rb").open())
        fd = os.open(fs_path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise InputError(f"{display}: cannot open: {reason}") from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"{display}: {_kind(mode)}, not a regular file: not read")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def file_size(path: str) -> int:
    """A file's size; 0 for URLs and vanished files (progress without an ETA, dealt as empty)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _size(raw: BinaryIO) -> int:
    try:
        return os.fstat(raw.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        size = getattr(raw, "size", None)
        return int(size) if isinstance(size, int) else 0


def url_fs(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` and the path within it."""
    fs, path = _fsspec().core.url_to_fs(url)
    return fs, path


@dataclass(slots=True)
class InputSource:
    """An input file with the means to open it decompressed, hashed and bounded."""

    path: str
    """As given (for messages and reports)."""
    fs_path: str
    """What to open."""
    limits: Limits
    compression: str | None = None
    """Detected compression, set by :meth:`open`."""
    sha256: str | None = None
    """Digest of the stored bytes, set once the file has been read to the end."""
    size: int = 0
    """Stored size in bytes (0 when unknown), set by :meth:`open`."""
    consumed: int = 0
    """Stored bytes read so far (for progress)."""
    read_as: str | None = None
    """The format told by content (``JSON Lines``) when the name told none (``inputs.sniff``)."""
    stream: BinaryIO | None = None
    """An open stream to read instead of ``fs_path``: a member of an archive (``inputs.archives``),
    never written to disk."""
    reopen: Callable[[], BinaryIO] | None = None
    """A fresh stream of the member for a second :meth:`open` (a ``.json`` file that turns out
    to be JSON Lines is read again); None when it cannot be read twice."""
    opened: int = 0
    """Times :meth:`open` was called."""
    member: str | None = None
    """An archive member's path as extractors write it (``archives.extracted_path``): what
    ``include:``/``exclude:`` globs match under the archive's folder; None for a file."""

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """The decompressed byte stream."""
        if self.stream is None:
            raw = open_binary(self.fs_path, self.path)
        elif not self.opened:
            raw = self.stream
        elif self.reopen is not None:
            raw = self.reopen()
        else:
            raise InputError(
                f"{self.path}: read twice (JSON Lines named .json?) and this member of a tar archive "
                "can be read once: name it .jsonl, or extract the archive"
            )
        self.opened += 1
        digest = hashlib.sha256()
        try:
            size = self.size = _size(raw)
            hashed = io.BufferedReader(_Hashing(raw, digest, self), buffer_size=1 << 20)
            kind = sniff_compression(hashed.peek(8)[:8])
            if kind is None and (self.member or self.path).lower().endswith(".lzma"):
                kind = "lzma"  # refused as "compressed with lzma" before, though Python reads it
            self.compression = kind
            if kind is None:
                yield cast(BinaryIO, hashed)
            else:
                inner: IO[bytes]
                if kind == "gzip":
                    import gzip  # when a file is gzipped: not on every reader's path

                    inner = cast(IO[bytes], gzip.GzipFile(fileobj=hashed, mode="rb"))
                elif kind in CONCATENATED:
                    # Not BZ2File/LZMAFile: they end quietly at bytes after a stream that start
                    # none (rows appended uncompressed), which were then never read.
                    inner = io.BufferedReader(Concatenated(hashed, kind), buffer_size=STEP)
                else:
                    inner = _zstd_reader(cast(BinaryIO, hashed))
                limit = max(self.limits.min_decompressed, size * self.limits.max_expansion)
                bounded = io.BufferedReader(_Bounded(inner, limit, kind), buffer_size=1 << 20)
                yield cast(BinaryIO, bounded)
            # Hash whatever the reader did not consume, so the digest covers the whole file.
            while hashed.read(1 << 20):
                pass
            self.sha256 = digest.hexdigest()
        finally:
            raw.close()


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def detect_encoding(stream: BinaryIO) -> tuple[str, int]:
    """Encoding from a byte-order mark (default UTF-8) and the BOM's length to skip."""
    peek = getattr(stream, "peek", None)
    head = peek(4)[:4] if peek else b""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    return "utf-8", 0


def utf8_stream(stream: BinaryIO) -> tuple[io.BufferedReader, str]:
    """``stream`` as buffered UTF-8 bytes: a BOM is skipped, UTF-16/32 transcoded on the fly."""
    encoding, bom = detect_encoding(stream)
    if bom:
        stream.read(bom)
    if encoding == "utf-8":
        if isinstance(stream, io.BufferedReader):
            return stream, encoding
        return io.BufferedReader(cast(io.RawIOBase, stream)), encoding
    reader = codecs.getreader(encoding)(stream)
    return io.BufferedReader(_Transcoded(reader)), encoding


class _Transcoded(io.RawIOBase):
    """UTF-8 bytes from a decoding text reader (UTF-16/32 input)."""

    def __init__(self, reader: codecs.StreamReader) -> None:
        self._reader = reader
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            text = self._reader.read(1 << 16)
            if not text:
                return 0
            self._pending = text.encode("utf-8", errors="surrogatepass")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f]")
"""C0 control bytes text never holds (tab, newlines, form feed and escape are allowed)."""


def binary_content(stream: BinaryIO) -> str | None:
    """What the first 8 KiB are when they are not text, or None for text.

    Binary data (archives, model weights, images, pickles) holds NUL bytes and control bytes,
    or bytes that are not UTF-8 in its first line, or many NUL bytes (a zero-filled file). A
    text file with a few stray NUL bytes, or a later line in another encoding, is not binary:
    each bad record is reported where it is and the rest is read. UTF-16 and UTF-32 text without
    a byte-order mark is recognised by its pattern of NUL bytes.
    """
    peek = getattr(stream, "peek", None)
    if peek is None:
        return None
    head: bytes = peek(8192)[:8192]
    nuls = head.count(b"\x00")
    if not nuls:
        return None
    wide = _unmarked_wide_text(head)
    if wide:
        return f"{wide} text without a byte-order mark (save it as UTF-8, or with a BOM)"
    if nuls > max(16, len(head) // 100) or _CONTROL_BYTES.search(head):
        return "binary data (NUL and control bytes)"
    start = head[:1024].split(b"\n", 1)[0]  # a later line in another encoding is a bad record
    try:
        start.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.end < len(start) - 3 or exc.reason != "unexpected end of data":
            return "binary data (NUL bytes and bytes that are not UTF-8)"
    return None


def _unmarked_wide_text(head: bytes) -> str | None:
    """``UTF-16-LE``... when NUL bytes fall where ASCII text in that encoding has them."""
    size = len(head) - len(head) % 4
    if size < 8:
        return None
    head = head[:size]
    for name, width, zero in (
        ("UTF-32-LE", 4, (1, 2, 3)),
        ("UTF-32-BE", 4, (0, 1, 2)),
        ("UTF-16-LE", 2, (1,)),
        ("UTF-16-BE", 2, (0,)),
    ):
        lanes = [head[i::width] for i in range(width)]
        zeros = [lanes[i].count(0) / len(lanes[i]) for i in range(width)]
        if all(zeros[i] > 0.9 for i in zero) and all(zeros[i] < 0.1 for i in range(width) if i not in zero):
            return name
    return None
