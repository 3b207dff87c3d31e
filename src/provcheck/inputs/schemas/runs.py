"""Sibling list items of one role read as one text.

A text kept as a list of short pieces (``"sentences": [{"text": ...}, ...]``, ``"paragraphs":
[...]``, an answer sent as several assistant messages in a row) was read piece by piece, and
each piece under the matcher's token floor (``MatchConfig.min_tokens``, 25) can never match: a
200-word copy of indexed output cut into 15-word items passed a scan with exit 0 (adversarial
pass 11, fixed in the eleventh session). Such a run is read as the one text it is, its pieces
joined by line breaks, at a field naming the range (``sentences[0-12].text``).

Only runs that need it are joined: two or more consecutive turns of one role and kind whose
fields differ in list indices only, one of them under ``JOIN_WORDS`` words. Pieces long enough
to match on their own keep their own field, so a finding names the item it is in; a list of
independent short strings (a record's several user questions) is read as one text, which can
only match where the text of the list itself is copied.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from provcheck.model import RoleKind

JOIN_WORDS = 40
"""A run holding a piece of fewer words than this is joined: the token floor is 25 tokens, and a
piece of 40 words can hold fewer (numbers, CJK without spaces count as one word each way)."""

_INDEX = re.compile(r"\[(\d+)\]")

Piece = tuple[str, RoleKind, str, str]
"""A turn before it is numbered: role, kind, field, text."""


def joined(pieces: Sequence[Piece]) -> list[Piece]:
    """``pieces`` with every run of sibling list items that needs it read as one text."""
    if len(pieces) < 2:  # most records: one turn, no run to join (no search of its field)
        return list(pieces)
    out: list[Piece] = []
    i = 0
    while i < len(pieces):
        role, kind, field, _ = pieces[i]
        j = i + 1
        # A run needs a next piece of the same role and kind (a chat alternates: no search of
        # its fields).
        if j < len(pieces) and pieces[j][0] == role and pieces[j][1] is kind:
            key = _list_of(field)
            if key is not None:
                while j < len(pieces) and _sibling(pieces[j], role, kind, key):
                    j += 1
        run = pieces[i:j]
        if len(run) > 1 and any(len(text.split()) < JOIN_WORDS for *_, text in run):
            out.append((role, kind, span_field(run[0][2], run[-1][2]), "\n".join(text for *_, text in run)))
        else:
            out.extend(run)
        i = j
    return out


def _list_of(field: str) -> tuple[str, str] | None:
    """The list a field's string is an item of, as the path around its last index
    (``sentences[3].text`` -> ``("sentences", ".text")``); None outside a list. Items of
    other lists (``messages[0][1]``, ``messages[1][0]``) are no siblings."""
    if "[" not in field:
        return None
    found = list(_INDEX.finditer(field))
    return (field[: found[-1].start()], field[found[-1].end() :]) if found else None


def _sibling(piece: Piece, role: str, kind: RoleKind, key: tuple[str, str]) -> bool:
    return piece[0] == role and piece[1] is kind and _list_of(piece[2]) == key


def span_field(first: str, last: str) -> str:
    """The field of a joined run: ``sentences[0].text`` to ``sentences[12].text`` is
    ``sentences[0-12].text`` (the last index as a range)."""
    prefix, suffix = _list_of(first) or (first, "")
    a = _INDEX.findall(first)[-1]
    b = _INDEX.findall(last)[-1]
    return f"{prefix}[{a}-{b}]{suffix}"
