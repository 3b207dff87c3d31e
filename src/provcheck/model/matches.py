"""References, evidence and matches: what verification found, and how strong it is."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from provcheck.model.ids import (
    ContentHash,
    MatchId,
    ReferenceId,
    SourceName,
)
from provcheck.model.records import (
    Location,
    Turn,
)


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Facts about a reference source, stored with the index and attached to every match."""

    name: SourceName
    """Unique name of the source in its index."""
    provider: str | None = None
    """Who operates the model that produced the material (``openai``, ``anthropic``...)."""
    generator: str | None = None
    """The model that produced it (``gpt-4-0613``, ``text-davinci-003``...)."""
    license: str | None = None
    """SPDX id or ``LicenseRef-...`` of the material."""
    terms: str | None = None
    """Id of the terms of use the material is subject to."""
    meta: Mapping[str, str] = field(default_factory=dict)
    """Anything else given with ``--meta key=value`` (e.g. ``origin``, ``derived_from``, ``date``)."""
    background: bool = False
    """Indexed as independent text (``index add --background``: textbook code, public-domain
    texts, outputs known not to derive from any reference), not as reference material: its
    matches are never findings, and a passage a candidate shares with it is set aside as
    convergence when judging the candidate's other matches (MOSS's "base" files)."""


META_FACTS = ("date", "generated", "origin", "derived_from", "url", "basis")
"""``meta`` keys read as facts of the source (its date, origin, parents, address, and the basis
for its provenance facts); any other key is kept for rules to test as ``source.meta.KEY``."""
BASIS = "basis"
"""The ``meta`` key of a source's provenance basis: where its text came from (a URL, a file
hash), who indexed it and when, and the evidence for its provider, generator and date. Without
it those facts are the index builder's word alone, and reports say so (outside counsel 21)."""
_OWN_FIELDS = ("provider", "generator", "license", "terms")
"""Facts with a field of their own (``--license``, ``license:`` in a sources manifest): given
as ``meta`` they are stored and never read as the fact."""


def meta_key_problem(key: str) -> str | None:
    """Why ``key`` cannot be a source's ``meta`` key as written, or None.

    ``--meta derived-from=tatsu-lab/alpaca`` (hyphenated like every option) was stored as a key
    the policy never reads: the source lost its parent, and a copy of non-commercial output
    passed. So is a near miss of a fact (``derivedFrom``, ``orign``) or a fact that has a field
    of its own (``license``); keys of one's own (``modality``) are kept."""
    import difflib  # only a refused key's hint needs it

    def squashed(word: str) -> str:
        return word.lower().replace("-", "").replace("_", "")

    own = next((f for f in _OWN_FIELDS if squashed(key) == f), None)
    if own is not None:
        return f"{own} is a field of its own: give --{own} (`{own}:` in a sources manifest), not meta"
    if key in META_FACTS:
        return None
    near = next((f for f in META_FACTS if squashed(key) == squashed(f)), None)
    if near is None:
        close = difflib.get_close_matches(key.lower(), [*META_FACTS, *_OWN_FIELDS], n=1, cutoff=0.8)
        near = close[0] if close else None
    if near is None:
        return None
    return (
        f"did you mean {near!r}? (a key spelt otherwise is kept as source.meta.KEY and never "
        "read as the fact)"
    )


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference record's turn that a candidate matched."""

    id: ReferenceId
    """Reference record id."""
    source: SourceInfo
    """Its source and the source's facts."""
    turn: Turn
    """The reference turn, with its text."""
    path: str | None = None
    """The file it was indexed from."""
    index: int | None = None
    """Its position in that file."""
    duplicates: int = 0
    """How many other records of the same source carry the same text."""
    withheld: str | None = None
    """Set when the reference text is not available (matched through a fingerprint pack): who
    withholds it. ``turn.text`` is then empty and the reference side of every aligned span is a
    range of token positions, not of characters."""


@dataclass(frozen=True, slots=True)
class CharSpan:
    """A half-open character range ``[start, end)`` in a turn's text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class AlignedSpan:
    """A stretch of candidate text aligned to a stretch of reference text."""

    candidate: CharSpan
    """Range in the candidate turn's text."""
    reference: CharSpan
    """Range in the reference turn's text (token positions when the reference is withheld)."""
    matched_tokens: int
    """Normalized tokens that are identical and in the same order in both ranges."""
    similarity: float
    """Token-level similarity of the two ranges, 0-1."""


@enum.unique
class MatchKind(str, enum.Enum):
    """Which evidence test a match passed."""

    NEAR_DUPLICATE = "near-duplicate"
    """Most of the candidate or of the reference is a (possibly edited) copy of the other."""
    EXCERPT = "excerpt"
    """A long passage of the reference appears nearly verbatim inside the candidate."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a candidate turn is said to copy a reference turn."""

    kind: MatchKind
    """Which test it passed."""
    similarity: float
    """Token-level similarity over the aligned spans, 0-1."""
    containment: float
    """Fraction of the reference's tokens found, aligned, in the candidate, 0-1."""
    coverage: float
    """Fraction of the candidate's tokens aligned to the reference, 0-1."""
    matched_tokens: int
    """Aligned identical tokens over all spans."""
    char_similarity: float
    """Character-level similarity (rapidfuzz ratio) of the aligned spans, 0-1."""
    jaccard: float
    """Exact Jaccard similarity of the two texts' shingle sets, 0-1."""
    spans: tuple[AlignedSpan, ...]
    """The aligned spans, in candidate order."""
    short: bool
    """True when the evidence is below the blocking floor: never blocks on its own."""
    prompt_echoes: tuple[CharSpan, ...] = ()
    """Character ranges of the reference's text, inside its aligned spans, that repeat the
    reference's own prompt (the request turns of its record, aligned at indexing time: the
    index keeps these ranges and a key of the request, not the request's text). What a
    ``prompt`` convergence rests on; empty for a pack's reference (its text withheld)."""


@dataclass(frozen=True, slots=True)
class RecordRef:
    """The candidate side of a match: which record and which turn."""

    location: Location
    """Where the record is."""
    id: str | None
    """The record's own id, if any."""
    content_hash: ContentHash
    """The record's content digest."""
    turn: Turn
    """The matched turn, with its text."""


@dataclass(frozen=True, slots=True)
class Strength:
    """How strongly a match shows that the candidate derives from the reference."""

    probability: float
    """Estimated probability, 0-1, that the candidate derives from the reference (a logistic
    model over the evidence, fitted on benchmark copies and independent same-prompt answers;
    see ``provcheck.matching.calibration``)."""
    convergence: str | None
    """Why the match looks like independent convergence rather than a copy (``common-passage``,
    ``crowd``, ``prompt``, ``list``, ``code``, ``template``, ``recipe``, ``citation``, ``grid``,
    ``formula``, ``request``, ``boilerplate``, ``public-domain``, ``background``), or None."""
    reason: str
    """What was verified and, for a convergent match, why it is not treated as a copy, in words."""
    sources: tuple[str, ...]
    """Every index source the same candidate turn matches (this match's source first)."""
    can_block: bool
    """False when a policy must not block on this match (short, convergent or improbable
    evidence): a ``block`` rule is lowered to ``review``."""
    features: Mapping[str, float] = field(default_factory=dict)
    """The model's inputs (what the probability rests on), by name."""
    explained: bool = False
    """True when the evidence is explained by convergence: once the text that several other
    reference texts hold and the reference's own prompt are set aside, what is left fails the
    tests that verify a match (``matching/convergence.py``). The match stays listed with its
    class (nothing found is hidden), but it is not a verified match and never blocks."""


@dataclass(frozen=True, slots=True)
class Match:
    """A verified match of a candidate turn against a reference turn, independent of policy."""

    id: MatchId
    """Stable id (see ``MatchId``)."""
    record: RecordRef
    """The candidate."""
    reference: Reference
    """The reference it matches."""
    evidence: Evidence
    """Scores and aligned spans."""
    strength: Strength | None = None
    """Calibrated strength and convergence class (None only for matches built by hand)."""
