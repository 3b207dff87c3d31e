"""Opening input files: transparent decompression, text encodings and size limits.

Compression is recognised by magic bytes (gzip, xz, bzip2, zstd), not by the file name, so a
misnamed file still reads. Decompression is streamed and bounded: output beyond
``Limits.max_expansion`` times the compressed size (and at least ``Limits.min_decompressed``)
is refused, so a decompression bomb costs neither memory nor disk.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import hashlib
import io
import lzma
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, cast

from provcheck.errors import InputError

_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"\xfd7zXZ\x00": "xz",
    b"BZh": "bzip2",
    b"\x28\xb5\x2f\xfd": "zstd",
}
COMPRESSED_SUFFIXES = {".gz": "gzip", ".xz": "xz", ".bz2": "bzip2", ".zst": "zstd", ".zstd": "zstd"}


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
        except (EOFError, OSError, lzma.LZMAError, ValueError) as exc:
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


def _zstd_reader(raw: BinaryIO) -> IO[bytes]:
    import zstandard

    return cast(IO[bytes], zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True))


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


def open_binary(fs_path: str, display: str) -> BinaryIO:
    """A local path or an fsspec URL, opened for reading bytes."""
    try:
        if is_url(fs_path):
            return cast(BinaryIO, _fsspec().open(fs_path, "rb").open())
        return open(fs_path, "rb")
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise InputError(f"{display}: cannot open: {reason}") from exc


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

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """The decompressed byte stream."""
        raw = open_binary(self.fs_path, self.path)
        digest = hashlib.sha256()
        try:
            size = self.size = _size(raw)
            hashed = io.BufferedReader(_Hashing(raw, digest, self), buffer_size=1 << 20)
            kind = sniff_compression(hashed.peek(8)[:8])
            self.compression = kind
            if kind is None:
                yield cast(BinaryIO, hashed)
            else:
                inner: IO[bytes]
                if kind == "gzip":
                    inner = cast(IO[bytes], gzip.GzipFile(fileobj=hashed, mode="rb"))
                elif kind == "xz":
                    inner = lzma.LZMAFile(hashed, mode="rb")  # noqa: SIM115 - closed with raw
                elif kind == "bzip2":
                    inner = bz2.BZ2File(hashed, mode="rb")
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


def looks_binary(stream: BinaryIO) -> bool:
    """True when the first 8 KiB hold a NUL byte (text formats never do)."""
    peek = getattr(stream, "peek", None)
    if peek is None:
        return False
    return b"\x00" in peek(8192)[:8192]
