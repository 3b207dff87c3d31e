"""Adding reference files to an index: read -> records -> model turns -> fingerprints -> shard."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from provcheck.fingerprint import Fingerprinter
from provcheck.formats import RecordOptions, to_record
from provcheck.index.store import IndexWriter, now
from provcheck.model import Location, Record, RecordError, SourceInfo, Turn
from provcheck.progress import NullProgress, Progress
from provcheck.readers import Limits, RawRecord, read
from provcheck.segment import MODEL_TURNS, RoleFilter

_SHARD_TEXTS = 1_000_000
"""Distinct texts per shard before a new one is started (bounds a shard's build memory)."""


@dataclass(frozen=True, slots=True)
class AddSpec:
    """What to add: one file as reference material of one source."""

    path: str
    source: SourceInfo
    options: RecordOptions = RecordOptions()
    roles: RoleFilter = MODEL_TURNS


@dataclass(slots=True)
class AddReport:
    """What ``add_file`` did."""

    path: str
    source: str
    records: int = 0
    turns: int = 0
    """Reference turns added."""
    texts: int = 0
    """Distinct texts they added to the shard."""
    skipped: int = 0
    """Turns with no tokens (only punctuation, emoji or whitespace)."""
    errors: list[RecordError] = field(default_factory=list)


_BATCH_TURNS = 2048
"""Turns fingerprinted together (one numpy pass)."""


def add_file(
    writer: IndexWriter,
    spec: AddSpec,
    limits: Limits = Limits(),
    progress: Progress | None = None,
) -> AddReport:
    """Add every record of ``spec.path``; bad records are reported, the rest are added."""
    progress = progress or NullProgress()
    entry = writer.source(spec.source)
    name = spec.source.name
    fingerprinter = Fingerprinter(writer.config)
    report = AddReport(path=spec.path, source=name)
    builder = writer.new_shard()
    pending: list[tuple[Turn, dict[str, Any]]] = []

    def flush() -> None:
        nonlocal builder
        prints = fingerprinter.of_texts([turn.text for turn, _ in pending])
        for (turn, ref), fp in zip(pending, prints, strict=True):
            if not len(fp.tokens):
                report.skipped += 1
                continue
            before = builder.texts
            builder.add(fp.key, turn.text, fp.anchors, fp.codes, ref)
            report.turns += 1
            report.texts += builder.texts - before
            if builder.texts >= _SHARD_TEXTS:
                writer.seal(builder)
                builder = writer.new_shard()
        pending.clear()

    source, items = read(spec.path, spec.path, limits)
    progress.file_started(spec.path)
    for item in items:
        if isinstance(item, RecordError):
            report.errors.append(item)
            progress.error(item)
            continue
        record = _record(item, spec)
        if isinstance(record, RecordError):
            report.errors.append(record)
            progress.error(record)
            continue
        report.records += 1
        ref_id = record.id or f"{name}#{item.index}"
        for turn in record.turns:
            if spec.roles.accepts(turn):
                pending.append((turn, _ref(ref_id, name, turn, spec.path, item.index)))
        if len(pending) >= _BATCH_TURNS:
            flush()
        progress.records(1)
    flush()
    writer.seal(builder)
    entry.records += report.records
    entry.turns += report.turns
    entry.files.append(
        {
            "path": spec.path,
            "sha256": source.sha256,
            "records": report.records,
            "turns": report.turns,
            "added": now(),
        }
    )
    progress.file_done(spec.path)
    return report


def _ref(ref_id: str, source: str, turn: Turn, path: str, index: int) -> dict[str, Any]:
    """What the index stores about a reference turn."""
    return {
        "id": ref_id,
        "source": source,
        "role": turn.role,
        "kind": turn.kind.value,
        "position": turn.position,
        "field": turn.field,
        "path": path,
        "index": index,
    }


def _record(item: RawRecord, spec: AddSpec) -> Record | RecordError:
    location = Location(path=spec.path, index=item.index, line=item.line)
    return to_record(item.data, location, spec.options)
