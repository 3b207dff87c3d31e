"""The reference index: an embedded, on-disk, memory-mapped table of anchors and texts."""

from provcheck.index.build import AddReport, AddSpec, add_file
from provcheck.index.sources import load_sources
from provcheck.index.store import Candidate, IndexWriter, ReferenceIndex, TextKey

__all__ = [
    "AddReport",
    "AddSpec",
    "Candidate",
    "IndexWriter",
    "ReferenceIndex",
    "TextKey",
    "add_file",
    "load_sources",
]
