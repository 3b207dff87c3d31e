"""Adding reference material to an index: read -> schema -> fingerprint -> echoes -> shard.

The write side's counterpart of ``engine``: it wires the stages, the index only stores.
"""

from provcheck.ingest.add import AddReport, AddSpec, add_file, not_taken_list, not_taken_text
from provcheck.ingest.sources import load_sources

__all__ = ["AddReport", "AddSpec", "add_file", "load_sources", "not_taken_list", "not_taken_text"]
