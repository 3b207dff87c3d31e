"""Parquet, read in row batches with pyarrow."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from provcheck.model import ErrorKind, RecordError
from provcheck.readers.base import RawItem, RawRecord
from provcheck.readers.source import (
    DecompressionFailed,
    InputSource,
    LimitExceeded,
    is_url,
    open_binary,
)

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
                    yield RecordError(source.path, ErrorKind.FILE, f"reading stopped: {exc}")
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
                for batch in parquet.iter_batches(batch_size=_BATCH):
                    for row in batch.to_pylist():
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
