"""The reference index: an embedded, on-disk, memory-mapped table of anchors and texts."""

from provcheck.index.store import Candidate, IndexWriter, ReferenceIndex, TextKey

__all__ = ["Candidate", "IndexWriter", "ReferenceIndex", "TextKey"]
