"""The run record's occasional facts: what only some runs have, kept out of ``model.run`` so
that a run without them (a pre-commit hook's) does not build their classes.

Each class here is the type of a ``RunRecord`` field (or of a field of one): several indexes
matched as one (``IndexMember``), the git checkout a scan ran in (``GitFacts``), an index
fetched from a URL (``FetchedIndex``), one share of a sharded run (``ShardFacts``,
``ShareFile``) and a merge of shares (``MergeFacts``, ``PartialFacts``). Building a frozen,
slotted dataclass costs ~4 M instructions on Python 3.11 (each generated method is compiled
on its own; docs/startup.md). ``provcheck.model`` re-exports them when first named;
``RunRecord.from_dict`` finds them through ``model.run``'s type hints, which look here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from provcheck.model.run import ABSENT, Absent
from provcheck.support.pickling import by_constructor


@dataclass(frozen=True, slots=True)
class IndexMember:
    """One of several indexes and fingerprint packs matched as one (``--index`` repeated)."""

    path: str
    kind: str
    """``index`` or ``pack``."""
    digest: str
    publisher: str | Absent = ABSENT
    created: str | Absent | None = ABSENT
    keyed: bool | Absent = ABSENT
    ngram: int | Absent = ABSENT


@dataclass(frozen=True, slots=True)
class GitFacts:
    """Where the scan ran in its git checkout: report paths are made relative to ``root``
    (via ``prefix``) and linked to their lines at ``commit`` on ``web``."""

    root: str
    prefix: str
    commit: str | None
    web: str | None
    """The remote's web address, without credentials."""


@dataclass(frozen=True, slots=True)
class FetchedIndex:
    """An index given as a URL (``fsspec``): where it was fetched from and the local copy used."""

    url: str
    copy: str


@dataclass(frozen=True, slots=True)
class ShareFile:
    """One input file of a sharded run: its size and the share that scans it."""

    path: str
    bytes: int
    share: int


@dataclass(frozen=True, slots=True)
class ShardFacts:
    """``scan --shard I/N``: which share this run is, and how the run's files were dealt."""

    index: int
    count: int
    inputs: str
    """sha256 of the dealt file list: equal in every share of one run."""
    files: tuple[ShareFile, ...]
    bytes: int
    """Bytes of this share's files."""


@dataclass(frozen=True, slots=True)
class PartialFacts:
    """One partial a merge read."""

    path: str
    shard: str
    seconds: float
    command: tuple[str, ...] | Absent | None = ABSENT
    run_by: str | Absent = ABSENT
    """Who ran this share, as its run recorded it (``--run-by``, ``PROVCHECK_RUN_BY``)."""
    integrity: str | Absent = ABSENT
    """How the merge checked the partial's content: ``sha256`` (a digest, which catches an edit
    that did not recompute it) or ``hmac-sha256`` (keyed with ``PROVCHECK_MERGE_KEY``, which
    catches any edit by someone without the key)."""
    started_at: str | Absent = ABSENT
    """When this share's scan started, as its run recorded it (ISO 8601, UTC)."""
    finished_at: str | Absent = ABSENT
    """When this share's scan finished: a merged report gave the first start and the last end
    only, so no share's own time could be told (outside counsel read 19)."""


@dataclass(frozen=True, slots=True)
class MergeFacts:
    """``provcheck merge``: the shares the result was put together from, and the merge itself."""

    shards: int
    inputs: str
    partials: tuple[PartialFacts, ...]
    command: tuple[str, ...] | Absent = ABSENT
    """The ``provcheck merge`` command line that put the shares together and wrote the reports
    (the run's ``command`` too; each share's scan command is its partial's)."""
    merged_at: str | Absent = ABSENT
    """When the merge ran (ISO 8601, UTC): the waivers were judged as of its date. The run's
    ``started_at`` and ``finished_at`` are the first share's start and the last share's end."""


@dataclass(frozen=True, slots=True)
class RuleFacts:
    """A rule of the policy, as the run record lists every one whether or not it made a
    finding: counsel sees what was tested, and what was not (counsel 21)."""

    id: str
    title: str
    action: str
    """The rule's action (``block``, ``review``, ``warn``, ``info``)."""
    signal: str
    """What it looks at: ``match``, ``marker``, ``declaration`` or ``conflict``."""
    enabled: bool
    """False: turned off (``enabled: false``): never checked."""
    document: str | None
    """The document its clause is cited from; None when the rule cites no clause."""
    terms: str | None
    """The policy's terms id the clause is in; None for an inline clause or none."""
    clause: str | None
    """The clause's key in those terms; None for an inline clause or none."""
    section: str | None
    """The clause's section in the latest wording on record (a finding cites the version in
    force on its material's date, which may number it differently); None for a document of
    licence texts (``select: licence``), whose versions are different licences."""
    could_not_fire: str | Absent | None = ABSENT
    """Why the rule could not fire on this scan, in words (``no indexed source from anthropic``:
    a match rule about a provider of which neither the index's sources nor those they derive
    from are; ``no indexed source is recorded with the terms its condition requires``; ``turned
    off (enabled: false)``); null when it could, or when that it could not is not known (counsel
    21: ``no finding`` read as a clean check); absent in records written before it was recorded."""


for _value in (
    IndexMember,
    GitFacts,
    FetchedIndex,
    ShareFile,
    ShardFacts,
    PartialFacts,
    MergeFacts,
    RuleFacts,
):
    by_constructor(_value)  # as ``provcheck.model`` does for the classes it imports
del _value

__all__ = [
    "FetchedIndex",
    "GitFacts",
    "IndexMember",
    "MergeFacts",
    "PartialFacts",
    "RuleFacts",
    "ShardFacts",
    "ShareFile",
]
