"""Declared versus detected licences: a dataset whose card or manifest declares one licence
while its rows match material under another (``license: apache-2.0`` over copies of CC BY-NC
data).

The ``conflict`` signal joins the two: for each declaring file, the licences it declares
(``declared.*``, with ``declared.license_traits``: every declared id's traits, the most
restrictive reading) against each source its dataset's records matched, and that source's
ancestors (``source.*``), with how many records matched (``conflict.records``) and one of
them (``conflict.example``, one that copies the source where one does), and how many of them
could block (``conflict.copies``). The matches are tallied as they arrive, per file and source, so
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
    copies: int = 0
    """Of ``records``, those with a match that could block (not short, not convergent)."""
    copy_example: str | None = None


def _could_block(m: Match) -> bool:
    """A match that counts as a copy: one that could block (or one without a strength, which
    is never taken as weaker than it is)."""
    return m.strength is None or m.strength.can_block


@dataclass(slots=True)
class MatchedSources:
    """Which sources each scanned file's records matched, tallied match by match."""

    seen: dict[tuple[str, str], _Seen] = field(default_factory=dict)

    def add(self, matches: Iterable[Match]) -> None:
        """Count each record once per source it matched, and as a copy when any of its matches
        with that source could block (a record's matches arrive in one batch, so one batch is
        enough to tell). Counsel 19: every record matched was said to "copy" the source, though
        some only shared a passage independent answers share, and the example was whichever
        record came first."""
        records: dict[tuple[str, str, int], tuple[Match, bool]] = {}
        for m in matches:
            loc = m.record.location
            marker = (loc.path, m.reference.source.name, loc.index)
            first, copy = records.get(marker, (m, False))
            records[marker] = (first, copy or _could_block(m))
        for (path, name, _), (m, copy) in records.items():
            loc = m.record.location
            at = f"{loc.path}:{loc.line}" if loc.line else f"{loc.path}#{loc.index}"
            entry = self.seen.get((path, name))
            if entry is None:
                entry = self.seen[(path, name)] = _Seen(0, at, m.reference.source)
            entry.records += 1
            if copy:
                entry.copies += 1
                if entry.copy_example is None:
                    entry.copy_example = at

    def under(self, dataset: str) -> list[tuple[SourceInfo, int, int, str]]:
        """``(source, records, copies, example)`` for the records of files under ``dataset``,
        per source, by name; the example is a record that copies the source where one does."""
        found: dict[str, tuple[SourceInfo, int, int, str | None, str]] = {}
        for (path, name), entry in sorted(self.seen.items()):
            if not within(path, dataset):
                continue
            previous = found.get(name)
            if previous is None:
                found[name] = (entry.source, entry.records, entry.copies, entry.copy_example, entry.example)
            else:
                info, records, copies, copy_example, example = previous
                found[name] = (
                    info,
                    records + entry.records,
                    copies + entry.copies,
                    copy_example or entry.copy_example,
                    example,
                )
        return [
            (info, records, copies, copy_example or example)
            for info, records, copies, copy_example, example in (found[n] for n in sorted(found))
        ]


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
