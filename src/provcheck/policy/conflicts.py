"""Declared versus detected licences: a dataset whose card or manifest declares one licence
while its rows match material under another (``license: apache-2.0`` over copies of CC BY-NC
data).

The ``conflict`` signal joins the two: for each declaring file, the licences it declares
(``declared.*``, with ``declared.license_traits``: every declared id's traits, the most
restrictive reading) against each source its dataset's records matched, and that source's
ancestors (``source.*``), with how many records matched (``conflict.records``) and one of
them (``conflict.example``). The matches are tallied as they arrive, per file and source, so
memory grows with files x sources, not with matches.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from provcheck.model import Declaration, Match, SourceInfo


@dataclass(slots=True)
class _Seen:
    records: int
    example: str
    source: SourceInfo


@dataclass(slots=True)
class MatchedSources:
    """Which sources each scanned file's records matched, tallied match by match."""

    seen: dict[tuple[str, str], _Seen] = field(default_factory=dict)

    def add(self, matches: Iterable[Match]) -> None:
        """Count each record once per source it matched (a record's matches arrive in one
        batch, so one batch is enough to tell)."""
        counted: set[tuple[str, str, int]] = set()
        for m in matches:
            loc = m.record.location
            name = m.reference.source.name
            marker = (loc.path, name, loc.index)
            if marker in counted:
                continue
            counted.add(marker)
            key = (loc.path, name)
            entry = self.seen.get(key)
            if entry is None:
                at = f"{loc.path}:{loc.line}" if loc.line else f"{loc.path}#{loc.index}"
                self.seen[key] = _Seen(1, at, m.reference.source)
            else:
                entry.records += 1

    def under(self, dataset: str) -> list[tuple[SourceInfo, int, str]]:
        """``(source, records, example)`` for the records of files under ``dataset``, per
        source, by name."""
        found: dict[str, tuple[SourceInfo, int, str]] = {}
        for (path, name), entry in sorted(self.seen.items()):
            if not within(path, dataset):
                continue
            previous = found.get(name)
            if previous is None:
                found[name] = (entry.source, entry.records, entry.example)
            else:
                found[name] = (previous[0], previous[1] + entry.records, previous[2])
        return [found[n] for n in sorted(found)]


def within(path: str, dataset: str) -> bool:
    """True when the scanned file ``path`` lies in the declaring directory ``dataset``."""
    path, dataset = _norm(path), _norm(dataset)
    if dataset == ".." or dataset.startswith("../"):
        # A card above the working directory (``inputs.declared``): compared as absolute paths.
        path, dataset = _norm(os.path.abspath(path)), _norm(os.path.abspath(dataset))
    return dataset == "." or path == dataset or path.startswith(dataset + "/")


def licence_declarations(items: Iterable[Declaration]) -> list[Declaration]:
    """The licence declarations of one declaring file."""
    return [d for d in items if d.key == "license"]


def _norm(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.rstrip("/") or "."
