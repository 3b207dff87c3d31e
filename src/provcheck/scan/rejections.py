"""A matcher's memo of rejected pairs: references known to fail against a candidate's codes.

A turn that recurs (an instruction asked again, a system prompt, a duplicated record) meets the
same references, and an alignment's verdict is a function of the two codes alone, so a pair
that failed once is looked up, not aligned again (``scan.match.Matcher``).
"""

from __future__ import annotations

from collections import OrderedDict

from provcheck.index import TextKey

_KEY_CHARS = 32
"""Characters a reference key in a memo of rejections counts as (its set slot and key object
take ~100 bytes; a character of codes takes up to 4)."""


class Rejections:
    """References known to fail against a candidate's codes or text, grouped by those codes or
    that text, the least recently used group dropped first once the groups hold ``limit``
    characters (a group's codes or text counted once, each reference in it as ``_KEY_CHARS``).

    Grouped so that the pair loop asks for a candidate's group once (``group``) and then
    tests and adds each reference in a set: no tuple per pair, no ordered-dict move."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chars = 0
        self._groups: OrderedDict[str, set[TextKey]] = OrderedDict()

    def found(self, codes: str) -> set[TextKey] | None:
        """The references rejected with ``codes`` (most recently used now), or None: a
        candidate none failed with holds nothing here, not even its codes."""
        found = self._groups.get(codes)
        if found is not None:
            self._groups.move_to_end(codes)
        return found

    def group(self, codes: str) -> set[TextKey]:
        """The references rejected with ``codes`` (most recently used now). A caller that adds
        to it calls ``grown`` after, with the size it had."""
        found = self._groups.get(codes)
        if found is None:
            found = self._groups[codes] = set()
            self.chars += len(codes)
        else:
            self._groups.move_to_end(codes)
        return found

    def grown(self, codes: str, before: int) -> None:
        """Count what was added to ``codes``'s group since it held ``before`` references, and
        drop the least recently used groups past the limit (never the last one)."""
        found = self._groups.get(codes)
        if found is None:
            return
        self.chars += _KEY_CHARS * (len(found) - before)
        while self.chars > self.limit and len(self._groups) > 1:
            old, keys = self._groups.popitem(last=False)
            self.chars -= len(old) + _KEY_CHARS * len(keys)

    def holds(self, key: tuple[str, TextKey]) -> bool:
        found = self._groups.get(key[0])
        if found is not None and key[1] in found:
            self._groups.move_to_end(key[0])
            return True
        return False

    def add(self, key: tuple[str, TextKey]) -> None:
        found = self.group(key[0])
        before = len(found)
        found.add(key[1])
        self.grown(key[0], before)
