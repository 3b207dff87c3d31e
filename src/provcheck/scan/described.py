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
from provcheck.matching.strength import is_whole
from provcheck.matching.structure import is_formula, structure
from provcheck.matching.verify import Alignment
from provcheck.model import Evidence
from provcheck.scan.refcache import CachedText
from provcheck.scan.spans import echo_shares

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
    echoes: tuple[float, float, bool]
    """``spans.echo_shares``: the share of the reference's aligned tokens repeating its prompt,
    the share of its own words the candidate repeats, whether that was read (a function of the
    two texts and their alignment too)."""


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
            ref_echoes=ref.echoes,
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
    echoes = echo_shares(alignment, ref.echoes, cand.codes, ref.codes)
    return Description(ev, whole, passage, shape, third, third_share, third_spans, echoes)


class Seen:
    """Marks of what was met, in a table of ``slots`` bytes (a power of two) that does not grow:
    what a memo keeps only once met twice. Most pairs are met once, and a memo of every one grew
    with the matches a scan holds (``tests/unit/test_results.py``'s memory test). The table is
    emptied once a quarter of it is marked; two things of one mark (a hash collision, rare) only
    make the second one kept a meeting early."""

    def __init__(self, slots: int) -> None:
        self._mask = slots - 1
        self._marks = bytearray(slots)
        self._count = 0

    def again(self, thing: Hashable) -> bool:
        """Whether ``thing`` (or one of its mark) was met before; it is now."""
        at = hash(thing) & self._mask
        if self._marks[at]:
            return True
        if 4 * self._count >= len(self._marks):
            self._marks = bytearray(len(self._marks))
            self._count = 0
        self._marks[at] = 1
        self._count += 1
        return False


SEEN = 1 << 16
"""Bytes of a memo's marks of what it met once (``Seen``): a fixed 64 KiB."""


class Described:
    """Descriptions of pairs met twice or more, grouped by candidate text, the least recently used
    text dropped first once the groups hold ``limit`` characters (a text counted once, each of its
    descriptions as ``ENTRY_CHARS``). A description is given back only for the same alignment
    (compared whole: a pair's alignment is a function of its texts, so it always is)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chars = 0
        self._groups: OrderedDict[str, dict[Hashable, tuple[Alignment, Description]]] = OrderedDict()
        self._seen = Seen(SEEN)

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
        """Keep ``said`` of ``text`` and ``key`` when the pair was met before (``Seen``); drop the
        least recently used texts past the limit (never the last one). Gives ``said`` back."""
        if not self._seen.again((text, key)):
            return said
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
