"""Parquet, read in row batches with pyarrow."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from provcheck.inputs.base import RawItem, RawRecord, unique_names
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
            if source.compression is None and source.stream is None and not is_url(source.fs_path):
                target = source.fs_path
            elif source.compression is None and source.stream is None:
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
    """True for string and binary columns (view and fixed-size layouts too: Polars writes
    ``string_view``) and nested ones (which may hold strings)."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        return _may_hold_text(kind.value_type)
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_string_view(kind)
        or _is_binary(kind)
        or pa.types.is_nested(kind)
    )


def _is_binary(kind: Any) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_binary_view(kind)
        or pa.types.is_fixed_size_binary(kind)
    )


def _holds_binary(kind: Any) -> bool:
    """True for a nested type with a binary value anywhere inside (a list of ``binary``, a struct
    with a ``binary`` field, a map to ``binary``): its values arrive as bytes."""
    import pyarrow as pa

    if _is_binary(kind):
        return True
    if pa.types.is_dictionary(kind):
        return _holds_binary(kind.value_type)
    if pa.types.is_map(kind):
        return _holds_binary(kind.key_type) or _holds_binary(kind.item_type)
    if pa.types.is_struct(kind):
        return any(_holds_binary(kind.field(i).type) for i in range(kind.num_fields))
    if pa.types.is_nested(kind) and hasattr(kind, "value_type"):  # lists of every layout
        return _holds_binary(kind.value_type)
    return False


def _as_text(batch: Any) -> tuple[Any, list[str]]:
    """``batch`` with binary columns that hold UTF-8 read as text (older writers store text so)
    and repeated column names made unique, and the names of columns whose values may hold bytes
    (binary columns with some values that are not UTF-8, nested columns with binary inside),
    decoded value by value."""
    import pyarrow as pa

    names = unique_names(list(batch.schema.names))
    columns = []
    raw = []
    changed = names != batch.schema.names
    for name, column in zip(names, batch.columns, strict=True):
        kind = column.type
        if _is_binary(kind):
            target = pa.large_string() if pa.types.is_large_binary(kind) else pa.string()
            if pa.types.is_binary_view(kind):
                target = pa.string_view()
            try:
                if pa.types.is_fixed_size_binary(kind):
                    column = column.cast(pa.binary())
                column = column.cast(target)
                changed = True
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raw.append(name)
        elif _holds_binary(kind):
            raw.append(name)
        columns.append(column)
    if changed:
        batch = pa.RecordBatch.from_arrays(columns, names=names)
    return batch, raw


def _decoded(value: Any) -> Any:
    """Bytes as text when they are UTF-8, inside lists, maps and structs too; other bytes
    (images, blobs) stay bytes."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, tuple):  # a map entry
        return tuple(_decoded(v) for v in value)
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    return value
