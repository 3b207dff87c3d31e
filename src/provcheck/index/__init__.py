"""The reference index: an embedded, on-disk, memory-mapped table of anchors and texts."""

from provcheck.index.store import Candidate, ReferenceIndex, TextKey, damaged
from provcheck.index.writer import IndexWriter

__all__ = ["Candidate", "IndexWriter", "ReferenceIndex", "TextKey", "damaged"]
