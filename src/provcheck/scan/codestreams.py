"""Code the plain alignment rejected, aligned again on its code streams: the literal stream
(symbols and markup as tokens) and the identifier-insensitive one (``verify.align_literal``,
``verify.align_renamed``), and whether a match of code takes the reference's whole code
(``Signals.code_whole``). A base of ``scan.match.Matcher``, which holds the state these read
(its reference cache, its configuration, this batch's segments); never prints.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from provcheck.index import TextKey
from provcheck.index.combined import Index, IndexSet
from provcheck.index.pack import Pack
from provcheck.matching.code import may_be_code
from provcheck.matching.fingerprint import Fingerprint, Fingerprinter
from provcheck.matching.normalize import Tokens, canonical
from provcheck.matching.params import MatchConfig
from provcheck.matching.segment import Segment
from provcheck.matching.strength import WHOLE_EXTENT, WHOLE_SIMILARITY
from provcheck.matching.verify import (
    Alignment,
    align_literal,
    align_renamed,
    literal_judgeable,
    literal_may_judge,
    renamed_may_align,
)
from provcheck.scan.refcache import CachedText as _Reference
from provcheck.scan.refcache import measured
from provcheck.scan.rejections import Rejections


class CodeStreams:
    """The code-stream passes of ``scan.match.Matcher`` (its base: the matcher sets these)."""

    index: Index
    config: MatchConfig
    _candidates: Fingerprinter
    """Fingerprints candidates (without their literal stream: ``_with_literal`` adds it)."""
    _refs: OrderedDict[TextKey, _Reference]
    _ref_bytes: int
    _code_verdicts: Rejections
    _lazy: tuple[list[Segment], Tokens, set[int]] | None

    def _details(self, keys: Iterable[TextKey], code: bool = False) -> None:
        raise NotImplementedError  # ``Matcher._details``

    def _may_judge(self, codes: str, ref: _Reference, judgeable: dict[int, bool], i: int) -> bool:
        """``literal_may_judge(codes, ref.codes)``, each side's half computed once."""
        if judgeable_once(ref, self.config):
            return True
        if i not in judgeable:
            judgeable[i] = literal_judgeable(codes, self.config)
        return judgeable[i]

    def _with_literal(self, prints: list[Fingerprint], i: int) -> Fingerprint:
        """``prints[i]`` with its literal stream (computed once, when first needed)."""
        assert self._lazy is not None
        segs, toks, lazy = self._lazy
        if i in lazy:
            lazy.discard(i)
            prints[i] = self._candidates.with_literal(prints[i], segs[i].text, toks, i)
        return prints[i]

    def _renamed(
        self, prints: list[Fingerprint], pairs: list[tuple[int, TextKey]], texts: list[str]
    ) -> list[tuple[int, TextKey, Alignment]]:
        """Code the plain alignment rejected, aligned again with identifiers abstracted (the
        reference's stream is computed from its text: the index stores plain codes only)."""
        # Pairs where neither stream can match are left out before their references are
        # fingerprinted with the code streams (most of this path's cost; many of these pairs
        # are code against prose). Exact: both tests are necessary conditions of
        # ``align_literal`` and ``align_renamed`` (tests/unit/test_align_exact.py).
        # Verdicts in this call's order (of two chunks of a turn matching a reference equally
        # well, the first is kept), each text and reference computed once.
        got: dict[tuple[str, TextKey], Alignment | None] = {}
        todo: dict[tuple[str, TextKey], int] = {}
        for i, key in pairs:
            seen = (texts[i], key)
            if seen in got or seen in todo:
                continue
            if self._code_verdicts.holds(seen):
                got[seen] = None
            elif self._code_may_match(prints[i], key):
                todo[seen] = i
            else:
                got[seen] = None
                self._code_verdicts.add(seen)
        if todo:
            self._details((key for _, key in todo), code=True)
        for (text, key), i in todo.items():
            ref = self._refs[key].fingerprint
            alignment = None
            if ref is not None:
                if literal_may_judge(prints[i].codes, ref.codes, self.config):  # else read by none
                    self._with_literal(prints, i)
                    held = self._refs[key]
                    if held.literal_pending and held.text is not None:
                        held.literal_pending = False
                        ref = held.fingerprint = self._candidates.with_literal(ref, held.text)
                        self._ref_bytes += measured(held)
                # Literal first (symbols and markup as tokens): a copy found so is not "renamed".
                alignment = align_literal(prints[i], ref, self.config, self._refs[key].echoes)
                if alignment is None:
                    alignment = align_renamed(prints[i], ref, self.config, self._refs[key].echoes)
            got[(text, key)] = alignment
            if alignment is None:
                self._code_verdicts.add((text, key))
        return [(i, key, found) for i, key in pairs if (found := got[(texts[i], key)]) is not None]

    def _code_whole(self, cand: Fingerprint, key: TextKey, alignment: Alignment) -> bool:
        """Whether ``cand`` takes the reference text's whole code once identifiers are
        abstracted (``Signals.code_whole``): a renamed copy does, an answer writing the same
        textbook function takes a part of it. The plain alignment cannot tell: renamed names
        break a copy's plain alignment into the passages that still read alike."""
        found: Alignment | None = alignment
        if not alignment.renamed:
            if pack_holding(self.index, key) is not None:
                return False
            self._details([key], code=True)
            ref = self._refs[key].fingerprint
            found = None if ref is None else align_renamed(cand, ref, self.config, self._refs[key].echoes)
        return (
            found is not None and found.containment >= WHOLE_EXTENT and found.similarity >= WHOLE_SIMILARITY
        )

    def _code_may_match(self, cand: Fingerprint, key: TextKey) -> bool:
        """Whether ``align_literal`` or ``align_renamed`` may match ``cand`` with the reference
        text ``key``, from its plain codes and text, before it is fingerprinted with its code
        streams. A pack's texts are withheld and never aligned so."""
        if pack_holding(self.index, key) is not None:
            return False
        ref = self._refs[key]
        if literal_may_judge(cand.codes, ref.codes, self.config):
            return True
        if not renamed_may_align(cand, ref.codes, self.config):
            return False
        if ref.code_stream is None:
            if ref.text is None:
                ref.text = self.index.text(key)
                self._ref_bytes += measured(ref)
            ref.code_stream = ref.text is not None and may_have_code_stream(ref.text)
        return ref.code_stream


def pack_holding(index: Index, key: TextKey) -> Pack | None:
    """The pack holding a reference text (its text withheld), or None."""
    return index.pack_of(key) if isinstance(index, IndexSet) else None


def judgeable_once(ref: _Reference, config: MatchConfig) -> bool:
    """``literal_judgeable`` of a reference's codes, computed once."""
    if ref.judgeable is None:
        ref.judgeable = literal_judgeable(ref.codes, config)
    return ref.judgeable


def may_have_code_stream(text: str) -> bool:
    """False when fingerprinting ``text`` surely gives no identifier-insensitive stream
    (``Fingerprinter._add_code``: only a multi-line text that may be code has one)."""
    return "\n" in text and may_be_code(canonical(text))
