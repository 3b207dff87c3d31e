"""The reference index: an embedded, on-disk, memory-mapped table of anchors and texts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provcheck.index.store import Candidate, ReferenceIndex, TextKey, damaged
    from provcheck.index.writer import IndexWriter

__all__ = ["Candidate", "IndexWriter", "ReferenceIndex", "TextKey", "damaged"]

_LAZY = {
    "Candidate": "provcheck.index.store",
    "ReferenceIndex": "provcheck.index.store",
    "TextKey": "provcheck.index.store",
    "damaged": "provcheck.index.store",
    "IndexWriter": "provcheck.index.writer",
}


def __getattr__(name: str) -> Any:
    # Each name from its module when first named. The package imports nothing itself: the hook
    # imports the matcher in a second thread while its main thread reads ``index.manifest``, and a
    # package whose __init__ imported the store (and through it the shards, which import this
    # package's modules) let the two threads' imports deadlock, Python hand one of them a
    # half-initialized module, and the hook fail with an internal error about one run in twenty.
    # The writer (and the shard builder it imports) is imported only when named at all: a scan
    # or a hook reads an index and never writes one.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
