"""The reader of each container, by file suffix (after any compression suffix is stripped),
each made (and its module imported) when first asked for."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from provcheck.inputs.base import ContainerReader

_READERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    ".jsonl": ("jsonl", "JsonlReader", ()),
    ".ndjson": ("jsonl", "JsonlReader", ()),
    ".json": ("json", "JsonReader", ()),
    ".csv": ("csv", "CsvReader", (",",)),
    ".tsv": ("csv", "CsvReader", ("\t",)),
    ".parquet": ("parquet", "ParquetReader", ()),
    ".arrow": ("arrow", "ArrowReader", ()),
    ".feather": ("arrow", "ArrowReader", ()),  # Feather v2 is the Arrow IPC file format (pandas to_feather)
    ".txt": ("text", "TextReader", ()),
    ".md": ("text", "TextReader", ()),
}
"""Reader per file suffix: its module in this package, its class and the class's arguments."""


class _Readers(Mapping[str, ContainerReader]):
    """The reader per file suffix, each made (and its module imported) when first asked for: a
    hook or a scan of JSON Lines files does not import the CSV, JSON, Parquet, Arrow and text
    readers (``tests/acceptance/test_hook_imports.py``)."""

    def __init__(self) -> None:
        self._made: dict[str, ContainerReader] = {}

    def __getitem__(self, suffix: str) -> ContainerReader:
        made = self._made.get(suffix)
        if made is None:
            module, name, args = _READERS[suffix]
            reader: ContainerReader = getattr(importlib.import_module(f"provcheck.inputs.{module}"), name)(
                *args
            )
            made = self._made[suffix] = reader
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(_READERS)

    def __len__(self) -> int:
        return len(_READERS)


CONTAINERS: Mapping[str, ContainerReader] = _Readers()
"""Reader per file suffix (after any compression suffix is stripped)."""
