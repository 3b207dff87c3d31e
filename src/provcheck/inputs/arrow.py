"""Arrow IPC (``.arrow``): what Hugging Face ``datasets`` writes with ``save_to_disk`` and keeps
in its cache. Both Arrow IPC formats are read: the streaming format (what ``datasets`` writes)
and the file format (Feather v2, random access), in record batches through pyarrow."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from provcheck.inputs.base import RawItem, RawRecord
from provcheck.inputs.parquet import _as_text, _decoded, _may_hold_text
from provcheck.inputs.source import DecompressionFailed, InputSource, LimitExceeded, is_url
from provcheck.model import ErrorKind, RecordError

_FILE_MAGIC = b"ARROW1"
"""The first bytes of the Arrow IPC file format; the streaming format starts otherwise."""


class ArrowReader:
    """Reads ``.arrow`` (Arrow IPC stream or file)."""

    name = "arrow"

    def read(self, source: InputSource) -> Iterator[RawItem]:
        """Yield one record per row; nested columns arrive as lists and dicts."""
        import pyarrow as pa

        with source.open() as stream:
            target: Any
            if source.compression is None and source.stream is None and not is_url(source.fs_path):
                target = pa.memory_map(source.fs_path, "r")  # pages, not the whole file, in memory
            else:
                try:
                    data = stream.read(source.limits.max_document_bytes + 1)
                except (DecompressionFailed, LimitExceeded) as exc:
                    kind = ErrorKind.LIMIT if isinstance(exc, LimitExceeded) else ErrorKind.FILE
                    yield RecordError(source.path, kind, f"reading stopped: {exc}")
                    return
                if len(data) > source.limits.max_document_bytes:
                    yield RecordError(
                        source.path,
                        ErrorKind.LIMIT,
                        "compressed or remote Arrow file larger than the document limit; "
                        "store it uncompressed on a local disk",
                    )
                    return
                target = pa.BufferReader(io.BytesIO(data).getbuffer())
            index = 0
            try:
                with target:
                    head = target.read(len(_FILE_MAGIC))
                    target.seek(0)
                    reader = pa.ipc.open_file(target) if head == _FILE_MAGIC else pa.ipc.open_stream(target)
                    schema = reader.schema
                    if not any(_may_hold_text(f.type) for f in schema):
                        columns = ", ".join(f"{f.name} ({f.type})" for f in schema) or "none"
                        yield RecordError(
                            source.path,
                            ErrorKind.SCHEMA,
                            f"no column can hold text: {columns}; expected text columns "
                            "(conversations, messages, text, instruction/output...)",
                        )
                        return
                    for batch in _batches(reader, head == _FILE_MAGIC):
                        batch, raw = _as_text(batch)
                        for row in batch.to_pylist():
                            for name in raw:
                                row[name] = _decoded(row[name])
                            yield RawRecord(index=index, line=None, data=row)
                            index += 1
            except (pa.ArrowException, OSError, ValueError) as exc:
                where = "the file" if index == 0 else f"row {index}"
                yield RecordError(
                    source.path,
                    ErrorKind.FILE,
                    f"not a readable Arrow IPC file at {where}: {exc}",
                    index=index if index else None,
                )


def _batches(reader: Any, random_access: bool) -> Iterator[Any]:
    if random_access:
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i)
        return
    yield from reader
