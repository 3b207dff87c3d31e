"""Parquet, read in row batches with pyarrow."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from provcheck.inputs.base import RawItem, RawRecord
from provcheck.inputs.source import (
    DecompressionFailed,
    InputSource,
    LimitExceeded,
    is_url,
    open_binary,
)
from provcheck.model import ErrorKind, RecordError

_BATCH = 1024


class ParquetReader:
    """Reads ``.parquet``."""

    name = "parquet"

    def read(self, source: InputSource) -> Iterator[RawItem]:
        """Yield one record per row; nested columns arrive as lists and dicts."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        with source.open() as stream:
            target: Any
            if source.compression is None and not is_url(source.fs_path):
                target = source.fs_path
            elif source.compression is None:
                target = open_binary(source.fs_path, source.path)  # fsspec files can seek
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
                        "compressed Parquet larger than the document limit; store it uncompressed",
                    )
                    return
                target = io.BytesIO(data)
            index = 0
            try:
                parquet = pq.ParquetFile(target)
                schema = parquet.schema_arrow
                if not any(_may_hold_text(f.type) for f in schema):
                    columns = ", ".join(f"{f.name} ({f.type})" for f in schema) or "none"
                    yield RecordError(
                        source.path,
                        ErrorKind.SCHEMA,
                        f"no column can hold text: {columns}; expected text columns "
                        "(conversations, messages, text, instruction/output...)",
                    )
                    return
                for batch in parquet.iter_batches(batch_size=_BATCH):
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
                    f"not a readable Parquet file at {where}: {exc}",
                    index=index if index else None,
                )


def _may_hold_text(kind: Any) -> bool:
    """True for string and binary columns and nested ones (which may hold strings)."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        return _may_hold_text(kind.value_type)
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_nested(kind)
    )


def _as_text(batch: Any) -> tuple[Any, list[str]]:
    """``batch`` with binary columns that hold UTF-8 read as text (older writers store text so),
    and the names of binary columns with some values that are not UTF-8 (decoded value by value)."""
    import pyarrow as pa

    columns = []
    raw = []
    changed = False
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        kind = column.type
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            try:
                column = column.cast(pa.large_string() if pa.types.is_large_binary(kind) else pa.string())
                changed = True
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raw.append(name)
        columns.append(column)
    if changed:
        batch = pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
    return batch, raw


def _decoded(value: Any) -> Any:
    """A bytes value as text when it is UTF-8; other bytes (images, blobs) stay bytes."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    return value
