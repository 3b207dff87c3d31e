"""The run record: what reproduces a scan (index, policy, declared use, options, versions).

The engine builds a ``RunRecord`` once, with everything it knows; the scan service and the
command line add what only they know (the command, the result cache, the diff compared) with
``dataclasses.replace``. Reports read attributes, so mypy catches a renamed or retyped fact.

One serializer and one deserializer, inverse of each other:

- ``RunRecord.to_dict()`` gives the JSON report's ``run`` object (``docs/report.schema.json``,
  ``$defs/run``): keys in the order of the fields below, tuples as lists.
- ``RunRecord.from_dict(data)`` reads such an object back (a merged or cached result), checking
  every key and type: an unknown key or a value of the wrong type is a ``ValueError`` naming
  its place (``run.index.digest: expected a string, got 3``), never dropped.

``from_dict(r.to_dict()) == r`` for every record, and ``to_dict(from_dict(d)) == d`` for every
valid ``d`` (tests/unit/test_run_record.py).

**Absent is not null.** The schema requires a few keys; the others appear only when the run
that wrote the record knew them (a pre-commit hook has no ``--config`` fact; a record written
by hand or by an older provcheck lacks the newer keys). A field left ``ABSENT`` is not written;
a field set to ``None`` is written as ``null``.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, TypeVar, Union

if TYPE_CHECKING:  # the occasional facts' classes (and the build's), built only by the runs that have them
    from provcheck.model.build import BuildFacts
    from provcheck.model.runextras import (
        FetchedIndex,
        GitFacts,
        IndexMember,
        MergeFacts,
        RuleFacts,
        ShardFacts,
    )


class Absent(enum.Enum):
    """The type of ``ABSENT``: a fact the run record does not hold (not the same as null)."""

    ABSENT = "absent"

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = Absent.ABSENT
"""A fact the record does not hold: the key is left out of the serialized record."""


@dataclass(frozen=True, slots=True)
class ToolFacts:
    """The program that wrote the record."""

    name: str
    version: str
    build: BuildFacts | Absent = ABSENT
    """Which build: absent in records written before it was recorded, and in a hook run's result
    (``ScanOptions.recorded``: its record is not written)."""


@dataclass(frozen=True, slots=True)
class UseFacts:
    """The declared use the policy was evaluated for."""

    purpose: tuple[str, ...]
    """Purposes, sorted."""
    commercial: bool | None
    distributed: bool | None
    research_only: bool | None


@dataclass(frozen=True, slots=True)
class SourceFacts:
    """An indexed source with its facts and how much the index holds of it."""

    KEYS: ClassVar[tuple[str, ...]] = (
        "name",
        "provider",
        "generator",
        "license",
        "terms",
        "records",
        "texts",
        "background",
        "basis",
    )

    name: str
    records: int
    texts: int
    """Turns indexed."""
    provider: str | Absent | None = ABSENT
    generator: str | Absent | None = ABSENT
    license: str | Absent | None = ABSENT
    terms: str | Absent | None = ABSENT
    background: bool | Absent = ABSENT
    """True for a background source (independent text, never findings); absent otherwise, so
    that the run record of an index without one reads as before."""
    basis: str | Absent = ABSENT
    """The source's provenance basis (``meta.basis``: where its text came from, who indexed
    it, the evidence for its provider, generator and date); absent when none is recorded."""


@dataclass(frozen=True, slots=True)
class IndexFacts:
    """The reference index matched against."""

    path: str
    digest: str
    signature: str
    fingerprint: Mapping[str, int]
    """Fingerprint parameters stored with the index."""
    sources: tuple[str, ...]
    """Every indexed source, sorted."""
    source_details: tuple[SourceFacts, ...] | Absent = ABSENT
    members: tuple[IndexMember, ...] | Absent = ABSENT
    """Present when several indexes or packs were matched as one (each member's facts there)."""
    created: str | Absent = ABSENT
    """When the index was first written (its manifest's ``created``, UTC)."""
    updated: str | Absent = ABSENT
    """When it was last written: a decision rests on the index as it was then."""
    written_by: str | Absent = ABSENT
    """The provcheck that last wrote it (``provcheck 0.1.0``)."""
    providers: tuple[str, ...] | Absent = ABSENT
    """Providers of the sources it holds (background sources left out), sorted: output of any
    other provider cannot be matched (absent in records written before it was recorded)."""


@dataclass(frozen=True, slots=True)
class PolicyFile:
    """A policy file read, with the SHA-256 of the bytes read."""

    path: str
    sha256: str


@dataclass(frozen=True, slots=True)
class LegalReference:
    """The research a policy's quotes and legal facts come from, as it describes itself
    (outside counsel 23: no report said which reference the packs quote, or as of when)."""

    id: str
    """The name a policy file gives it (``reference: terms-and-licences``)."""
    file: str
    """The reference's file, where provcheck's packs were written from it."""
    title: str
    """Its own title."""
    compiled: str
    """How it was compiled, in its own words."""
    currency: str
    """Its date and currency as it states them (its own words, or that it states no date)."""
    sha256: str
    """SHA-256 of the copy the packs were checked against."""


@dataclass(frozen=True, slots=True)
class PolicyFacts:
    """The policy evaluated."""

    path: str | None
    name: str | None
    digest: str | None
    """SHA-256 over the bytes of every file, one after the other, in the order of ``files``."""
    files: tuple[str, ...]
    """The policy file and every file it includes."""
    file_digests: tuple[PolicyFile, ...] | Absent = ABSENT
    """Each of ``files`` with its own SHA-256: which pack changed is visible, and each file can
    be checked on its own (absent in records written before it was recorded)."""
    providers: tuple[str, ...] | Absent = ABSENT
    """Providers whose output the policy's rules look for in matches (``source.provider``), sorted."""
    overrides: tuple[str, ...] | Absent = ABSENT
    """What the policy overrides, in words with where: rules of shipped packs that the user's
    files turned off or redefined, and index source facts its ``sources:`` replaced; absent when
    it overrides nothing (and in records written before it was recorded)."""
    rules: tuple[RuleFacts, ...] | Absent = ABSENT
    """Every rule of the policy, in its order, whether or not it made a finding: what was
    checked (absent in a hook's run, which writes no record, and in records written before)."""
    references: tuple[LegalReference, ...] | Absent = ABSENT
    """The legal references the policy's files say their quotes come from (``reference:``);
    absent when none says (a policy of the user's own with no pack)."""


@dataclass(frozen=True, slots=True)
class UseOrigin:
    """Where each part of the declared use came from (``policy``, ``configuration``,
    ``command line``); null for a flag not declared."""

    purpose: Mapping[str, str]
    """Purpose -> origin."""
    commercial: str | None
    distributed: str | None
    research_only: str | None
    replaced: tuple[str, ...] | Absent = ABSENT
    """What ``--use-only`` (or ``use_only: true``) dropped from the use declared before it,
    each part with its origin; absent when nothing was replaced."""


@dataclass(frozen=True, slots=True)
class CacheFacts:
    """The result cache a scan used."""

    path: str
    hits: int
    """Records whose matches came from the cache."""
    stored: int
    """Records stored in it."""


@dataclass(frozen=True, slots=True)
class BelowThreshold:
    """Verified matches ``scan --min-probability`` left out: without the count, a raised
    threshold made copies vanish from every report without a word."""

    min_probability: float
    matches: int
    """Verified matches whose estimated probability is below ``min_probability``."""
    records: int
    """Records every verified match of which was left out (they show no match at all)."""


@dataclass(frozen=True, slots=True)
class RouteCounts:
    """What the trigram route (``matching.trigrams``, the candidates for copies edited too densely
    for anchors) did in the run's matching: the work it added, beside the matches it kept."""

    candidates: int
    """Pairs of a turn and a reference text only the route listed (no anchor listed them)."""
    aligned: int
    """Of those, the pairs whose alignment verified a match."""
    kept: int
    """Of those, the matches kept (they can block); the others were dropped."""


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """One changed file of a diff-aware scan: what was compared with what, and how."""

    KEYS: ClassVar[tuple[str, ...]] = (
        "status",
        "renamed_from",
        "version",
        "base_version",
        "method",
        "unchanged_records",
        "partial_read",
        "note",
    )

    status: str
    method: str | None
    unchanged_records: int
    partial_read: bool
    """Only new lines were read: the file's digest in the report is null."""
    renamed_from: str | Absent | None = ABSENT
    version: str | Absent | None = ABSENT
    """``git:<blob id>`` or ``lfs:<sha256>`` of the scanned version; null for a working-tree file."""
    base_version: str | Absent | None = ABSENT
    note: str | Absent | None = ABSENT


@dataclass(frozen=True, slots=True)
class SkippedPath:
    """A changed path a diff-aware scan did not read, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class ChangeFacts:
    """What a diff-aware scan (``hook run``, ``scan --changed-since``) compared."""

    base: str
    """What new versions were compared with (HEAD, a revision, the empty tree)."""
    files: Mapping[str, ChangedFile]
    skipped: tuple[SkippedPath, ...]

    @property
    def unchanged_records(self) -> int:
        """Records recognised as already in the base, over every file."""
        return sum(f.unchanged_records for f in self.files.values())


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What reproduces a scan.

    The fields without a default are the ones the report schema requires; the engine fills
    every engine fact; the scan service and the command line add the rest with
    ``dataclasses.replace``. ``KEYS`` orders the serialized keys (fields with defaults must
    follow those without, and the model's values pickle as positional constructor calls, so
    the class cannot keep the report's order itself).
    """

    KEYS: ClassVar[tuple[str, ...]] = (
        "tool",
        "versions",
        "started_at",
        "finished_at",
        "paths",
        "use",
        "index",
        "policy",
        "waivers",
        "markers",
        "match",
        "workers",
        "workers_requested",
        "workers_limit",
        "engine",
        "reading",
        "roles",
        "turns_selected",
        "below_threshold",
        "trigram_route",
        "roles_seen",
        "schema",
        "text_field",
        "id_field",
        "command",
        "mode",
        "fail_on",
        "config",
        "allow_include_outside",
        "address",
        "lfs",
        "decision",
        "git",
        "changed_since",
        "use_declared_by",
        "use_origin",
        "workers_from",
        "roles_from",
        "run_by",
        "run_by_from",
        "replaced",
        "cache",
        "changes",
        "index_fetched",
        "shard",
        "waivers_digest",
        "merged",
    )
    """The serialized keys in their order (the required fields come first in the class)."""

    # What the schema requires: every record has it.
    tool: ToolFacts
    versions: Mapping[str, str]
    """Versions of provcheck, Python and the libraries that shape results (none in a hook run's
    result, whose record is not written)."""
    started_at: str
    finished_at: str
    paths: tuple[str, ...]
    """The paths given to the engine."""
    use: UseFacts
    index: IndexFacts
    policy: PolicyFacts
    match: Mapping[str, float]
    """Match thresholds used (ints stay ints)."""
    workers: int
    """Workers that ran batches (1: the provcheck process itself)."""
    roles: str | None
    """The role filter (``--roles``), or null."""
    schema: str
    # What the engine knows besides.
    waivers: str | Absent | None = ABSENT
    """The waivers file applied, or null."""
    markers: tuple[str, ...] | Absent = ABSENT
    """Ids of the policy's model-output markers."""
    workers_requested: int | Absent = ABSENT
    workers_limit: str | Absent | None = ABSENT
    """Why fewer workers were used than requested, or null."""
    engine: str | Absent = ABSENT
    """``local`` or ``ray``."""
    turns_selected: int | Absent = ABSENT
    """Turns the role filter accepted; every turn without one."""
    below_threshold: BelowThreshold | Absent = ABSENT
    """What ``--min-probability`` left out; absent when it was 0 (nothing left out)."""
    trigram_route: RouteCounts | Absent = ABSENT
    """What the trigram route added to the matching (a cached record is not matched again)."""
    roles_seen: tuple[str, ...] | Absent = ABSENT
    """Role names of the turns read, as the data spells them (at most 50)."""
    text_field: str | Absent | None = ABSENT
    id_field: str | Absent | None = ABSENT
    # What the command and the scan service add.
    command: tuple[str, ...] | Absent = ABSENT
    """The command line (argv)."""
    mode: str | Absent = ABSENT
    """``pre-commit`` when ``provcheck hook run`` ran the scan."""
    fail_on: tuple[str, ...] | Absent = ABSENT
    config: str | Absent | None = ABSENT
    """The .provcheck.yaml the run used, or null."""
    allow_include_outside: bool | Absent = ABSENT
    address: str | Absent | None = ABSENT
    """The Ray cluster joined, or null."""
    lfs: str | Absent | None = ABSENT
    """``--lfs`` mode of a diff-aware scan, or null."""
    decision: str | Absent = ABSENT
    """The counsel's decision file shown in the reports."""
    git: GitFacts | Absent = ABSENT
    changed_since: str | Absent = ABSENT
    """The revision given to ``scan --changed-since``."""
    use_declared_by: str | Absent | None = ABSENT
    """Who declared the use, in layer order (``policy, command line``), or null."""
    use_origin: UseOrigin | Absent = ABSENT
    workers_from: str | Absent = ABSENT
    """``command line``, ``configuration`` or ``default``."""
    roles_from: str | Absent = ABSENT
    """Who set ``roles``: ``command line`` or ``configuration``; absent without a role filter."""
    run_by: str | Absent = ABSENT
    """Who ran the scan, as given (``--run-by``, or ``PROVCHECK_RUN_BY``, e.g. set by a CI job);
    never guessed: absent when neither was given."""
    run_by_from: str | Absent = ABSENT
    """Where ``run_by`` came from: ``command line`` or ``environment (PROVCHECK_RUN_BY)``."""
    replaced: tuple[str, ...] | Absent = ABSENT
    """Settings of the configuration file an option replaced, one line each (``fail_on: review
    (.provcheck.yaml:3) replaced by --fail-on never``); absent when none was."""
    cache: CacheFacts | Absent = ABSENT
    changes: ChangeFacts | Absent = ABSENT
    # Scale-out (docs/scale.md): who read the inputs, an index fetched from a URL, one share of a
    # sharded run (``waivers_digest``: the waivers file a merge must find unchanged), a merge.
    reading: str | Absent = ABSENT
    """``workers`` (Ray actors read their own inputs) or ``driver``."""
    index_fetched: FetchedIndex | Absent = ABSENT
    shard: ShardFacts | Absent = ABSENT
    waivers_digest: str | Absent | None = ABSENT
    merged: MergeFacts | Absent = ABSENT

    def to_dict(self) -> dict[str, Any]:
        """The JSON report's ``run`` object (the one serializer)."""
        out = _plain(self)
        assert isinstance(out, dict)
        return out

    @classmethod
    def from_dict(cls, data: object) -> RunRecord:
        """A record from its serialized form (the one deserializer); ``ValueError`` naming the
        place of an unknown key, a missing required key or a value of the wrong type."""
        return _read(cls, data, "run")


def _keys(cls: type) -> tuple[str, ...]:
    """The serialized keys of a dataclass, in order: its ``KEYS`` or its fields."""
    names = tuple(f.name for f in dataclasses.fields(cls))
    keys: tuple[str, ...] = getattr(cls, "KEYS", names)
    if sorted(keys) != sorted(names):  # pragma: no cover - checked when the module loads
        raise TypeError(f"{cls.__name__}.KEYS must name every field once")
    return keys


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {key: _plain(v) for key in _keys(type(value)) if (v := getattr(value, key)) is not ABSENT}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


T = TypeVar("T")

_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        from provcheck.model import build, runextras  # the names of the occasional facts' classes

        _HINTS[cls] = typing.get_type_hints(cls, localns={**vars(runextras), **vars(build)})
    return _HINTS[cls]


def _read(cls: type[T], data: object, where: str) -> T:
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: expected an object, got {_shown(data)}")
    known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    # Read in key order, so that an error names the first bad key as the report lists them.
    known = {k: known[k] for k in _keys(cls)}
    unknown = [k for k in data if k not in known]
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}; known: {', '.join(known)}")
    hints = _hints(cls)
    values: dict[str, object] = {}
    for name, field in known.items():
        if name in data:
            values[name] = _value(hints[name], data[name], f"{where}.{name}")
        elif field.default is dataclasses.MISSING:
            raise ValueError(f"{where}: missing required key {name!r}")
    return cls(**values)


def _value(hint: Any, data: object, where: str) -> object:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not Absent]
        if data is None:
            if type(None) in options:
                return None
            raise ValueError(f"{where}: must not be null")
        problems = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _value(option, data, where)
            except ValueError as e:
                problems.append(str(e))
        raise ValueError(problems[0] if len(problems) == 1 else f"{where}: unexpected {_shown(data)}")
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if not isinstance(data, list):
            raise ValueError(f"{where}: expected a list, got {_shown(data)}")
        return tuple(_value(item, v, f"{where}[{i}]") for i, v in enumerate(data))
    if origin is Mapping:
        item = typing.get_args(hint)[1]
        if not isinstance(data, Mapping):
            raise ValueError(f"{where}: expected an object, got {_shown(data)}")
        return {str(k): _value(item, v, f"{where}.{k}") for k, v in data.items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _read(hint, data, where)
    if hint is bool:
        if isinstance(data, bool):
            return data
        raise ValueError(f"{where}: expected true or false, got {_shown(data)}")
    if hint is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        raise ValueError(f"{where}: expected an integer, got {_shown(data)}")
    if hint is float:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return data
        raise ValueError(f"{where}: expected a number, got {_shown(data)}")
    if hint is str:
        if isinstance(data, str):
            return data
        raise ValueError(f"{where}: expected a string, got {_shown(data)}")
    raise TypeError(f"{where}: no reader for {hint!r}")  # pragma: no cover - a new field's type


def _shown(data: object) -> str:
    text = repr(data)
    return text if len(text) <= 60 else text[:57] + "..."


for _cls in (SourceFacts, ChangedFile, RunRecord):
    _keys(_cls)  # a KEYS that misses or repeats a field fails here, at import
del _cls

__all__ = [
    "ABSENT",
    "Absent",
    "BelowThreshold",
    "CacheFacts",
    "ChangeFacts",
    "ChangedFile",
    "IndexFacts",
    "PolicyFacts",
    "PolicyFile",
    "RouteCounts",
    "RunRecord",
    "SkippedPath",
    "SourceFacts",
    "ToolFacts",
    "UseFacts",
    "UseOrigin",
]
