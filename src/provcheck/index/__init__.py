"""The reference index: an embedded, on-disk, memory-mapped table of anchors and texts."""

from provcheck.index.store import Candidate, IndexWriter, ReferenceIndex, TextKey, damaged

__all__ = ["Candidate", "IndexWriter", "ReferenceIndex", "TextKey", "damaged"]
