"""The reference index: an embedded, on-disk, memory-mapped table of anchors and texts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provcheck.index.store import Candidate, ReferenceIndex, TextKey, damaged

if TYPE_CHECKING:
    from provcheck.index.writer import IndexWriter

__all__ = ["Candidate", "IndexWriter", "ReferenceIndex", "TextKey", "damaged"]


def __getattr__(name: str) -> Any:
    # The writer (and the shard builder it imports) when first named: a scan or a hook reads an
    # index and never writes one.
    if name == "IndexWriter":
        from provcheck.index.writer import IndexWriter

        return IndexWriter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
