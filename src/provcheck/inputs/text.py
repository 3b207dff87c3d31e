"""Plain text: the whole file is one record with a ``text`` field (a Server-Sent Events body,
one record per event: ``inputs.sse``)."""

from __future__ import annotations

from collections.abc import Iterator

from provcheck.inputs.base import RawItem, RawRecord
from provcheck.inputs.source import (
    DecompressionFailed,
    InputSource,
    LimitExceeded,
    binary_content,
    utf8_stream,
)
from provcheck.inputs.sse import events, is_event_stream
from provcheck.model import ErrorKind, RecordError


class TextReader:
    """Reads ``.txt`` and ``.md``."""

    name = "text"

    def read(self, source: InputSource) -> Iterator[RawItem]:
        """Yield the file as one record."""
        limit = source.limits.max_document_bytes
        with source.open() as raw:
            try:
                utf8, _ = utf8_stream(raw)
                stream = utf8
                binary = binary_content(stream)
                if binary:
                    yield RecordError(source.path, ErrorKind.FILE, f"{binary} where text was expected")
                    return
                data = stream.read(limit + 1)
            except (DecompressionFailed, LimitExceeded, UnicodeDecodeError, OSError) as exc:
                kind = ErrorKind.LIMIT if isinstance(exc, LimitExceeded) else ErrorKind.FILE
                if isinstance(exc, UnicodeDecodeError):
                    kind = ErrorKind.ENCODING
                yield RecordError(source.path, kind, f"reading stopped: {exc}")
                return
        if len(data) > limit:
            yield RecordError(
                source.path,
                ErrorKind.LIMIT,
                f"text file larger than the {limit // 2**20} MiB limit; split it or store it as JSON Lines",
            )
            return
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            yield RecordError(
                source.path,
                ErrorKind.ENCODING,
                f"invalid UTF-8 at byte {exc.start + 1} (0x{data[exc.start]:02x}); expected UTF-8 text",
                line=line,
            )
            return
        if not text.strip():
            yield RecordError(source.path, ErrorKind.FILE, "empty file: no text")
            return
        if is_event_stream(text):  # a streamed response's HTTP body: one record per event
            yield from events(source.path, text, source.limits)
            return
        yield RawRecord(index=0, line=1, data={"text": text})
