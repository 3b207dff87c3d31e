"""Adding reference files to an index: read -> records -> model turns -> fingerprints -> shard."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from provcheck.errors import InputError, UsageError
from provcheck.index.builder import Chunk
from provcheck.index.store import now
from provcheck.index.writer import IndexWriter
from provcheck.ingest.ranges import RangeJob, changed, line_ranges, plain_start
from provcheck.inputs import InputSource, Limits, RawItem, RawRecord, UnparsedLine, read_unparsed
from provcheck.inputs.schemas import RecordOptions, RecordTurns, field_pattern, limit_errors, to_turns
from provcheck.inputs.streams import StreamCount, join_streams, may_hold_chunks
from provcheck.matching.fingerprint import U64, Fingerprinter, codes_of_hashes
from provcheck.matching.params import FingerprintConfig
from provcheck.matching.request import request_key
from provcheck.matching.segment import MODEL_TURNS, RoleFilter
from provcheck.model import ErrorKind, RecordError, RoleKind, SkipReason, SourceInfo, Turn
from provcheck.runtime.executors import Executor, WorkerPlan, executor_for, usable_cpus
from provcheck.runtime.progress import NullProgress, Progress
from provcheck.support.batching import batched

T = TypeVar("T")
_SHARD_TEXTS = 1_000_000
"""Distinct texts per shard before a new one is started, after the batch that reaches it
(bounds a shard's build memory)."""


@dataclass(frozen=True, slots=True)
class AddSpec:
    """What to add: one file as reference material of one source."""

    path: str
    source: SourceInfo
    options: RecordOptions = RecordOptions()
    roles: RoleFilter = MODEL_TURNS
    allow_no_turns: bool = False
    """Accept a file that yields no reference turn (``--allow-no-turns``); otherwise that is an
    input error: a source that adds nothing would be reported as searched."""
    listed_in: str | None = None
    """The sources manifest that listed the file (``index build``), as an absolute path."""


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
    not_taken: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Strings of the records read that are not reference material, per ``(reason, field
    pattern)``: turns the roles do not take (``prompt`` for what the model was given,
    ``outside-roles`` for the rest, such as an answer's extra field) and strings no schema reads
    as text (a ``SkipReason`` value: ids, URLs, labels, numbers...)."""
    errors: list[RecordError] = field(default_factory=list)
    workers: WorkerPlan | None = None
    """Workers asked for and used (None until the file is read)."""
    held_since: str | None = None
    """When the source already holds a file of these very bytes: the date it was added, and
    nothing was added again."""
    earlier: str | None = None
    """When the source holds another version of this path: the date it was added (its texts
    stay, and the file is added whole again)."""
    streams: StreamCount = field(default_factory=StreamCount)
    """Chunks of streamed responses joined into one record each (``inputs.streams``), as a
    scan joins them: indexed one by one, each was under the matching floor."""


_BATCH_RECORDS = 1024
"""Records parsed together and sent back as one chunk (fingerprinted ``_FINGERPRINT_TEXTS``
turns at a time)."""
_FINGERPRINT_TEXTS = 256
"""Texts fingerprinted in one numpy pass. A text's fingerprint does not depend on the texts
beside it; the pass's arrays (a code point, a class and a 64-bit prefix sum per character)
do: ~40 MB for 1,024 AlpacaEval outputs, ~10 MB for 256, which stay closer to the processor
(fingerprinting 3-4% less CPU on a shared machine)."""
_KIND_VALUES = {kind: kind.value for kind in RoleKind}
"""Each kind's value: ``Enum.value`` is a Python-level property, read on every turn added."""
_REASON_VALUES = {reason: reason.value for reason in SkipReason}
"""Each skip reason's value (``Enum.value``, as ``_KIND_VALUES``: read on every string skipped)."""
_PROMPT_KINDS = (RoleKind.USER, RoleKind.SYSTEM, RoleKind.TOOL)
"""Turns a model was given: what it repeats from them is not its output."""
_ROLES_KEPT = 4096
"""Role and kind pairs whose ``RoleFilter.accepts`` answer a job keeps."""


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A batch of raw records, fingerprinted and encoded for the shard."""

    chunk: Chunk
    """The reference turns with words, encoded (texts compressed where they were read)."""
    skipped: int
    """Turns taken that had no tokens (only punctuation, emoji or whitespace)."""
    errors: list[RecordError]
    records: int
    """Records read successfully."""
    size: int = 0
    """Records in the batch, read or not (for progress)."""
    roles: frozenset[str] = frozenset()
    """``role (kind)`` of every turn of the batch's records, for the message when none is taken."""
    not_taken: tuple[tuple[str, str, int], ...] = ()
    """``(reason, field pattern, strings)``: see ``AddReport.not_taken``."""
    read_errors: tuple[RecordError, ...] = ()
    """The reader's errors of a range a worker read (``ranges.RangeJob``): lines past the
    record limit, in file order."""


@dataclass(frozen=True, slots=True)
class FingerprintJob:
    """A picklable recipe: raw records -> fingerprinted reference turns, in any process.

    Schemas are applied in the workers too: reading and parsing records costs as much as
    fingerprinting them, so the reading process only parses the container.
    """

    config: FingerprintConfig
    spec: AddSpec

    def __call__(self) -> Callable[[list[RawRecord | UnparsedLine]], BatchResult]:
        """The batch function."""
        keep_batch_memory()
        # Neither the literal stream nor token codes are stored in an index (it keeps the token
        # hashes): codes are made only for the texts whose record has prompts (``_echoes``).
        fingerprinter = Fingerprinter(self.config, literal=False, codes=False)
        spec = self.spec
        name = spec.source.name
        path, accepts = spec.path, spec.roles.accepts
        taken: dict[tuple[str, RoleKind], bool] = {}

        def run(batch: list[RawRecord | UnparsedLine]) -> BatchResult:
            with _cycles_collected_after():
                return fingerprint(batch)

        def fingerprint(batch: list[RawRecord | UnparsedLine]) -> BatchResult:
            turns: list[tuple[Turn, dict[str, Any], list[str]]] = []
            errors: list[RecordError] = []
            read = 0
            seen: set[tuple[str, RoleKind]] = set()
            not_taken: Counter[tuple[str, str]] = Counter()
            for item in batch:
                record = _record(item, spec)
                if isinstance(record, RecordError):
                    errors.append(record)
                    continue
                read += 1
                strings_skipped = record.skipped
                for skip in strings_skipped:
                    if skip.reason is SkipReason.LIMIT:  # parts nested too deep: said, not dropped
                        errors.extend(limit_errors([record]))
                        break
                seen.update([(t.role, t.kind) for t in record.turns])  # named once a batch
                ref_id = record.id or f"{name}#{item.index}"
                prompts = [t.text for t in record.turns if t.kind in _PROMPT_KINDS]
                request = request_key(prompts) if prompts else None
                for turn in record.turns:
                    # ``accepts`` reads the role folded and the kind's value (an ``Enum``
                    # property): decided once for each role and kind a job meets (the first
                    # ``_ROLES_KEPT`` of them: roles are the data's).
                    take = taken.get((turn.role, turn.kind))
                    if take is None:
                        take = accepts(turn)
                        if len(taken) < _ROLES_KEPT:
                            taken[(turn.role, turn.kind)] = take
                    if take:
                        turns.append((turn, _ref(ref_id, name, turn, path, item.index, request), prompts))
                    else:
                        why = PROMPT if turn.kind in _PROMPT_KINDS else OUTSIDE_ROLES
                        not_taken[(why, field_pattern(turn.field))] += 1
                for skip in strings_skipped:
                    not_taken[(_REASON_VALUES[skip.reason], field_pattern(skip.field))] += 1
            texts = [turn.text for turn, _, _ in turns]
            step = _FINGERPRINT_TEXTS
            prints = [
                fp
                for at in range(0, len(texts), step)
                for fp in fingerprinter.of_texts(texts[at : at + step])
            ]
            # Prompts are only aligned against (echo detection): their codes suffice.
            starts = [0]
            for _, _, prompts in turns:
                starts.append(starts[-1] + len(prompts))
            prompt_codes = fingerprinter.codes_of([p for _, _, prompts in turns for p in prompts])
            kept = [i for i, fp in enumerate(prints) if len(fp.tokens)]
            chunk = Chunk.build(
                keys=[prints[i].key for i in kept],
                texts=[turns[i][0].text for i in kept],
                anchors=[prints[i].anchors for i in kept],
                tokens=[prints[i].tokens for i in kept],
                echoes=[_echoes(prints[i].tokens, prompt_codes[starts[i] : starts[i + 1]]) for i in kept],
                refs=[turns[i][1] for i in kept],
            )
            skipped = len(prints) - len(kept)
            roles = frozenset(f"{role} ({kind.value})" for role, kind in seen)
            counted = tuple((why, where, n) for (why, where), n in not_taken.items())
            return BatchResult(chunk, skipped, errors, read, len(batch), roles, counted)

        return run


def _echoes(tokens: U64, prompts: list[str]) -> list[tuple[int, int]]:
    """``verify.echoes`` of the output whose token hashes are ``tokens``; its codes and the
    aligner (rapidfuzz) are made and loaded only for a turn that has prompts, so adding
    answers alone pays for neither."""
    if not prompts:
        return []
    from provcheck.matching.verify import echoes

    return echoes(codes_of_hashes(tokens), prompts)


_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
"""``mallopt`` parameters (glibc's malloc.h)."""
_MMAP_THRESHOLD_BYTES = 64 << 20
_TRIM_THRESHOLD_BYTES = 256 << 20


def keep_batch_memory() -> bool:
    """Let this process reuse a batch's freed memory for the next batch (glibc only).

    A batch's numpy arrays run to tens of MB (a code point, a class and a 64-bit prefix sum
    per character of 1,024 texts). By default glibc hands the freed top of the heap back to
    the system once more than twice its adaptive mmap threshold is free, so the next batch
    takes every page again as a fresh, zeroed page: on 50,000 AlpacaEval outputs 170,000-190,000
    page faults and 0.95 s of system time in 9.1-9.5 CPU s. Arrays under 64 MiB taken from
    the heap and up to 256 MiB of freed memory kept: 26,000 faults, 0.2-0.25 s, peak memory
    3-7% higher (what one batch needs is kept, not what it freed). The same values as the
    ``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_`` environment variables, set here
    because they only take effect when a process starts. False where there is no glibc
    (musl, macOS, Windows): nothing is changed there.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        mallopt = ctypes.CDLL(None).mallopt
    except (ValueError, OSError, AttributeError):  # pragma: no cover - a libc without it
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES)
    )


@contextlib.contextmanager
def _cycles_collected_after() -> Iterator[None]:
    """No cyclic garbage collection while a batch is fingerprinted; one may follow it.

    A batch allocates hundreds of thousands of objects (records, turns, references) that
    die with it by reference counting and form no cycle: the collector's passes over them,
    triggered by allocation counts, cost ~10% of a build. Memory stays bounded by the
    batch; any cycle it leaves is collected once collection is back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def add_file(
    writer: IndexWriter,
    spec: AddSpec,
    limits: Limits = Limits(),
    progress: Progress | None = None,
    workers: int = 1,
    engine: str = "local",
    address: str | None = None,
) -> AddReport:
    """Add every record of ``spec.path``; bad records are reported, the rest are added.

    Records are parsed and fingerprinted in ``workers`` processes; this process reads the
    file (with workers and a plain JSON Lines file, it only cuts it into ranges the workers
    read: ``ranges``) and writes the shard.
    """
    progress = progress or NullProgress()
    entry = writer.source(spec.source)
    report = AddReport(path=spec.path, source=spec.source.name)
    if entry.files:
        # Re-running `index build` (a file added to the manifest) or a tour's `index add` added
        # every unchanged file again: each source counted its texts and records twice over in
        # every report (adversarial pass 11). A file of the same bytes is held already.
        digest = _stored_digest(spec.path)
        held = next((f for f in entry.files if f.get("sha256") == digest), None)
        if held is not None:
            report.held_since = str(held.get("added") or "earlier")
            _refuse_read_otherwise(spec, held, report.held_since)
            return report
        older = next((f for f in entry.files if f.get("path") == spec.path), None)
        report.earlier = None if older is None else str(older.get("added") or "earlier")
    job = FingerprintJob(writer.config, spec)
    start = plain_start(spec.path) if engine == "local" and min(workers, usable_cpus()[0]) > 1 else None
    if start is not None and may_hold_chunks(spec.path):
        start = None  # chunks are joined in the reading process, never cut between ranges
    executor: Executor[Any, BatchResult | None]
    if start is None:
        source, items = read_unparsed(spec.path, spec.path, limits)
        progress.file_started(spec.path)
        joined = join_streams(spec.path, items, report.streams, limits.max_record_bytes)
        batches = batched(_raw_records(joined, report, progress), _BATCH_RECORDS)
        executor, units = executor_for(job, batches, workers, engine, address)
    else:
        # Workers read their own lines (``ranges``): this process only finds the batches' bounds,
        # and receives chunks of a few MB, whose memory it keeps for the next (as a worker does).
        keep_batch_memory()
        source = InputSource(path=spec.path, fs_path=spec.path, limits=limits)
        progress.file_started(spec.path)
        ranges = line_ranges(source, start, _BATCH_RECORDS)
        executor, units = executor_for(RangeJob(job, spec.path, limits), ranges, workers, engine, address)
    report.workers = executor.plan
    builder = writer.new_shard()
    roles: set[str] = set()
    read_errors = _ReadErrors(limits.max_errors_per_file, spec.path)
    try:
        for result in executor.map(units):
            if result is None:
                raise changed(spec.path)
            for err in read_errors.kept(result.read_errors):
                report.errors.append(err)
                progress.error(err)
            if not result.size:  # a range of lines past the limit alone
                continue
            roles.update(result.roles)
            report.errors.extend(result.errors)
            report.records += result.records
            for err in result.errors:
                progress.error(err)
            report.skipped += result.skipped
            for why, where, n in result.not_taken:
                report.not_taken[(why, where)] += n
            report.turns += len(result.chunk.keys)
            report.texts += builder.add_chunk(result.chunk)
            if builder.texts >= _SHARD_TEXTS:
                writer.seal(builder)
                builder = writer.new_shard()
            progress.records(result.size)
    finally:
        executor.close()
    for err in read_errors.summary():
        report.errors.append(err)
        progress.error(err)
    if not report.turns and not spec.allow_no_turns:
        found = ", ".join(sorted(roles)[:20]) or "none"
        raise InputError(
            f"{spec.path}: no reference turn to add for source {spec.source.name!r}: "
            f"{report.records:,} record(s) read; roles taken: {spec.roles}"
            + (f"; {report.skipped:,} turn(s) taken had no words" if report.skipped else "")
            + f"; roles found: {found}",
            hint="give the roles that hold the model's output (--roles; `roles:` in a sources "
            "manifest), or accept a source with nothing to match (--allow-no-turns; "
            "`allow_no_turns: true`); nothing was added to the index",
        )
    writer.seal(builder)
    report.errors.sort(key=lambda e: (-1 if e.index is None else e.index, e.line or 0))
    entry.records += report.records
    entry.turns += report.turns
    entry.files.append(
        {
            "path": spec.path,
            # Where the file and its manifest were, for the gate: a change to them in the
            # repository the index was built from loosens the gate (``index_inputs``).
            "abspath": os.path.abspath(spec.path),
            **({"listed_in": spec.listed_in} if spec.listed_in else {}),
            "sha256": source.sha256,
            "records": report.records,
            "turns": report.turns,
            "not_taken": not_taken_list(report.not_taken),
            "read": reading(spec),
            "added": now(),
        }
    )
    progress.file_done(spec.path)
    return report


def reading(spec: AddSpec) -> dict[str, str | None]:
    """The settings that decide which turns of a file are taken, as its index entry records them."""
    opts = spec.options
    return {
        "roles": str(spec.roles),
        "schema": opts.schema,
        "text_field": opts.text_field,
        "id_field": opts.id_field,
    }


def _refuse_read_otherwise(spec: AddSpec, held: dict[str, Any], added: str) -> None:
    """Refuse to pass over a file the source holds when this command reads it otherwise.

    Run again with ``roles: [gpt]`` widened to ``[gpt, thinking]`` (or another ``--schema``,
    ``--text-field``), ``index build`` said "holds these very bytes already: not added again",
    exit 0, and the turns the new settings take were never indexed (adversarial pass 12). An
    entry of an earlier provcheck records no settings: the defaults are taken for what it used,
    and other settings are refused, as nothing says they were applied.
    """
    wanted = reading(spec)
    recorded = held.get("read")
    if recorded == wanted or (recorded is None and wanted == reading(AddSpec(spec.path, spec.source))):
        return
    differ = [k for k in wanted if not isinstance(recorded, dict) or recorded.get(k) != wanted[k]]
    then = (
        ", ".join(f"{k} {recorded.get(k) or '-'}" for k in differ)
        if isinstance(recorded, dict)
        else "settings an earlier provcheck did not record (taken for the defaults)"
    )
    raise UsageError(
        f"{spec.path}: source {spec.source.name!r} holds these very bytes already (added {added}), "
        f"read with {then}; this command reads them with "
        + ", ".join(f"{k} {wanted[k] or '-'}" for k in differ)
        + ": the turns only these settings take would never be added, and adding the file again "
        "would count its other turns twice",
        hint="build a new index with these settings (index build NEW --sources SOURCES.yaml, or "
        "index add NEW ...), or add the file under another --source name",
    )


def _stored_digest(path: str) -> str:
    """SHA-256 of a file's stored bytes (as ``InputSource`` digests them while reading)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


PROMPT = "prompt"
"""A turn the model was given (user, system, tool): not its output, never reference material."""
OUTSIDE_ROLES = "outside-roles"
"""A string the roles taken do not select (an extra field, a role not named in ``--roles``)."""
_WORDS = {
    PROMPT: "prompt turn(s)",
    OUTSIDE_ROLES: "string(s) outside the roles taken",
    "empty": "empty string(s)",
    "no-tokens": "string(s) without words",
    "id": "id(s)",
    "url": "URL(s)",
    "label": "label(s)",
    "number": "number(s) or date(s)",
    "encoded": "encoded value(s)",
    "not-selected": "string(s) outside --text-field",
    "limit": "part(s) nested past the depth limit",
}
"""How a summary names each reason a string is not taken, in the order it lists them."""


def not_taken_list(counts: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
    """The manifest's form of ``AddReport.not_taken``: ``{"reason", "field", "strings"}`` per
    reason and field pattern, sorted; an empty list says every string was taken."""
    return [
        {"reason": why, "field": where, "strings": n}
        for (why, where), n in sorted(counts.items(), key=lambda kv: (_order(kv[0][0]), kv[0][1]))
    ]


def _order(reason: str) -> int:
    return list(_WORDS).index(reason) if reason in _WORDS else len(_WORDS)


def not_taken_text(entries: list[dict[str, Any]] | None) -> str:
    """One phrase for a summary: ``not taken: 2 prompt turn(s), 1 string(s) outside the roles
    taken (conversations[].extra_notes), 1 URL(s)``; ``every string was taken`` when nothing
    was left; ``not taken: not counted`` for files added by a provcheck that did not count."""
    if entries is None:
        return "not taken: not counted (added by an earlier provcheck)"
    if not entries:
        return "every string of the records was taken"
    totals: Counter[str] = Counter()
    fields: dict[str, list[str]] = {}
    for e in entries:
        totals[str(e["reason"])] += int(e["strings"])
        fields.setdefault(str(e["reason"]), []).append(str(e["field"]))
    parts = []
    for why in sorted(totals, key=_order):
        part = f"{totals[why]:,} {_WORDS.get(why, why)}"
        if why == OUTSIDE_ROLES:
            named = fields[why][:5]
            part += f" ({', '.join(named)}{', ...' if len(fields[why]) > 5 else ''}; --roles to take them)"
        parts.append(part)
    return "not taken: " + ", ".join(parts)


class _ReadErrors:
    """The reader's errors of ranges read by workers, capped per file as the reader caps them
    when it reads the whole file (``Limits.max_errors_per_file``; the rest counted in one)."""

    def __init__(self, most: int, path: str) -> None:
        self._most, self._path, self._seen = most, path, 0

    def kept(self, errors: tuple[RecordError, ...]) -> list[RecordError]:
        """Those of ``errors`` that are listed."""
        room = max(0, self._most - self._seen)
        self._seen += len(errors)
        return list(errors[:room])

    def summary(self) -> list[RecordError]:
        """The error counting those not listed, if any."""
        if self._seen <= self._most:
            return []
        return [
            RecordError(
                self._path,
                ErrorKind.LIMIT,
                f"{self._seen - self._most:,} more unreadable records in this file are not listed "
                f"(only the first {self._most:,} are; {self._seen:,} in all)",
            )
        ]


def _raw_records(
    items: Iterator[RawItem | UnparsedLine], report: AddReport, progress: Progress
) -> Iterator[RawRecord | UnparsedLine]:
    for item in items:
        if isinstance(item, RecordError):
            report.errors.append(item)
            progress.error(item)
        else:
            yield item


def _ref(
    ref_id: str, source: str, turn: Turn, path: str, index: int, request: str | None = None
) -> dict[str, Any]:
    """What the index stores about a reference turn; ``request``: the key of the request its
    record holds (``matching.request``), left out when it holds none."""
    out: dict[str, Any] = {
        "id": ref_id,
        "source": source,
        "role": turn.role,
        "kind": _KIND_VALUES[turn.kind],
        "position": turn.position,
        "field": turn.field,
        "path": path,
        "index": index,
    }
    if request is not None:
        out["request"] = request
    return out


def _record(item: RawRecord | UnparsedLine, spec: AddSpec) -> RecordTurns | RecordError:
    raw = item.parse(spec.path) if isinstance(item, UnparsedLine) else item
    if isinstance(raw, RecordError):
        return raw
    # Without a content hash: an index keys texts by their tokens, not records by content.
    return to_turns(raw.data, raw.location(spec.path), spec.options)
