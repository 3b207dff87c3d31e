"""What a matcher says of a verified pair before judging it, and its memo of what it said.

A pair's evidence (spans, scores), whether it is whole, its passage's shape and the standard
text in it are a function of the candidate text (and where it starts in its turn), the
reference text and their alignment, itself a function of the two texts. A scan meets the same
pairs again (a dataset repeats answers: 4,604 of the 11,351 evidence calls on issue 17's
workload were asked before), so a matcher keeps what it described (``Described``) and looks it
up; what depends on the record (its request, its prompts, its other matches) is computed for
each match as before (``scan.match.Matcher``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import NamedTuple

import numpy as np

from provcheck.matching.attributed import attributed, span_shares
from provcheck.matching.evidence import evidence
from provcheck.matching.fingerprint import Fingerprint
from provcheck.matching.hashed import withheld_evidence
from provcheck.matching.normalize import Offsets
from provcheck.matching.params import MatchConfig
from provcheck.matching.strength import Signals, is_whole
from provcheck.matching.structure import is_formula, structure
from provcheck.matching.verify import Alignment
from provcheck.model import Evidence, Strength
from provcheck.scan.refcache import CachedText

ENTRY_CHARS = 256
"""Characters one description counts as in ``Described``'s bound (its evidence's spans and
floats take a few hundred bytes; its candidate text is counted once per text)."""


class Description(NamedTuple):
    """A verified pair described: what ``strength`` reads of it that the record does not change."""

    evidence: Evidence
    whole: bool
    """``strength.is_whole(evidence)``."""
    passage: str | None
    """The aligned candidate text, spans joined by newlines; computed only when ``shape`` needs
    it (a partial match, or a whole one holding a backslash)."""
    shape: str | None
    """``structure`` of a partial match's passage, ``"formula"`` for notation, else None."""
    third: str | None
    """``attributed``: the standard text the passage holds (boilerplate, public domain), if any."""
    third_share: float
    third_spans: tuple[float, ...]
    """``span_shares`` per span when ``third`` is set, else empty."""


def describe(
    alignment: Alignment,
    cand: Fingerprint,
    text: str,
    base: int,
    offsets: Offsets,
    shingles: np.ndarray,
    ref: CachedText,
    pack_codes: str | None,
    config: MatchConfig,
) -> Description:
    """Describe the pair of the candidate ``text`` (fingerprint ``cand``, starting at ``base`` in
    its turn) and the reference ``ref`` that ``alignment`` verified. ``offsets``, ``shingles``:
    the text's token offsets and distinct shingles (``evidence``); ``pack_codes``: the
    candidate's hashed codes when the reference is a pack's (its text withheld)."""
    if pack_codes is not None:
        ev = withheld_evidence(alignment, offsets, pack_codes, ref.codes, config, base)
    else:
        assert ref.text is not None and ref.fingerprint is not None and ref.offsets is not None
        ev = evidence(
            alignment,
            cand,
            text,
            offsets,
            ref.fingerprint,
            ref.text,
            ref.offsets,
            config,
            base,
            distinct_shingles=(shingles, ref.shingles),
        )
    # The structure only matters for a partial match (a whole near-verbatim copy is
    # never convergence by structure, but for a formula); reading it costs ~0.1 ms, so
    # a whole match is only checked for notation, and only when it holds a backslash.
    shape = passage = None
    whole = is_whole(ev)
    if not whole or "\\" in text:
        passage = "\n".join(text[sp.candidate.start - base : sp.candidate.end - base] for sp in ev.spans)
        if not whole:
            shape = structure(passage, text)
        elif is_formula(passage, text):
            shape = "formula"
    # Standard boilerplate (a licence notice, Lorem ipsum): set aside by ``judge``.
    ranges = [(sp.candidate.start - base, sp.candidate.end - base) for sp in ev.spans]
    third, third_share = attributed(text, ranges)
    third_spans = span_shares(text, ranges, third) if third is not None else ()
    return Description(ev, whole, passage, shape, third, third_share, third_spans)


class Described:
    """Descriptions of pairs met before, grouped by candidate text, the least recently used text
    dropped first once the groups hold ``limit`` characters (a text counted once, each of its
    descriptions as ``ENTRY_CHARS``). A description is given back only for the same alignment
    (compared whole: a pair's alignment is a function of its texts, so it always is)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chars = 0
        self._groups: OrderedDict[str, dict[Hashable, tuple[Alignment, Description]]] = OrderedDict()

    def get(self, text: str, key: Hashable, alignment: Alignment) -> Description | None:
        """What was said of ``text`` (most recently used now) and reference ``key`` with this
        ``alignment``, or None."""
        group = self._groups.get(text)
        if group is None:
            return None
        self._groups.move_to_end(text)
        got = group.get(key)
        return got[1] if got is not None and got[0] == alignment else None

    def put(self, text: str, key: Hashable, alignment: Alignment, said: Description) -> Description:
        """Keep ``said`` of ``text`` and ``key``; drop the least recently used texts past the
        limit (never the last one). Gives ``said`` back."""
        group = self._groups.get(text)
        if group is None:
            group = self._groups[text] = {}
            self.chars += len(text)
        else:
            self._groups.move_to_end(text)
        if key not in group:
            self.chars += ENTRY_CHARS
        group[key] = (alignment, said)
        while self.chars > self.limit and len(self._groups) > 1:
            old, gone = self._groups.popitem(last=False)
            self.chars -= len(old) + ENTRY_CHARS * len(gone)
        return said


class Judged:
    """The strengths of a candidate turn's matches, judged together (``strength.judge``), by
    their signals in order; the least recently used turn dropped first past ``limit`` turns.
    A strength is a function of the match's signals, its peers' and the configuration (one per
    matcher), so a turn met again with the same matches is not judged again."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._turns: OrderedDict[tuple[Signals, ...], list[Strength]] = OrderedDict()

    def get(self, signals: tuple[Signals, ...]) -> list[Strength] | None:
        found = self._turns.get(signals)
        if found is not None:
            self._turns.move_to_end(signals)
        return found

    def put(self, signals: tuple[Signals, ...], strengths: list[Strength]) -> None:
        self._turns[signals] = strengths
        self._turns.move_to_end(signals)
        while len(self._turns) > self.limit:
            self._turns.popitem(last=False)
