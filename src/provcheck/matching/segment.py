"""Records -> segments: the turns to match, cut into bounded chunks. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from provcheck.errors import UsageError
from provcheck.model import Record, RoleKind, Turn

CHUNK_CHARS = 40_000
"""Longer turns are matched in overlapping chunks so alignment cost stays bounded."""
CHUNK_OVERLAP = 4_000
"""Overlap between chunks: an excerpt shorter than this is never cut in two."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of one turn's text to fingerprint and match."""

    record: Record
    turn: Turn
    text: str
    """The turn's text, or a chunk of it."""
    offset: int
    """Character offset of ``text`` in the turn's text."""


class RoleFilter:
    """Which turns to use, by role name as the data spells it or by role kind.

    ``RoleFilter.parse("gpt,assistant")``; kinds are ``system``, ``user``, ``assistant``,
    ``reasoning`` (a model's reasoning trace), ``tool_call`` (a model's call to a tool),
    ``tool`` (a tool's output), ``text`` and ``field`` (strings outside the record's schema).
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(n.strip().lower() for n in names if n.strip())
        if not self.names:
            raise UsageError("--roles needs at least one role name")

    @classmethod
    def parse(cls, values: Iterable[str]) -> RoleFilter:
        """From repeated and/or comma-separated option values."""
        return cls(part for value in values for part in value.split(","))

    def accepts(self, turn: Turn) -> bool:
        """True when the turn's role or its kind is one of the names."""
        return turn.role.lower() in self.names or turn.kind.value in self.names

    def __str__(self) -> str:
        return ",".join(sorted(self.names))


MODEL_TURNS = RoleFilter(
    [RoleKind.ASSISTANT.value, RoleKind.REASONING.value, RoleKind.TOOL_CALL.value, RoleKind.TEXT.value]
)
"""Default for reference material: the model's output — its answers, its reasoning and its tool
calls — (and unlabelled text), not prompts or tool results."""


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    if len(text) <= CHUNK_CHARS:
        yield 0, text
        return
    start = 0
    while start < len(text):
        end = min(start + CHUNK_CHARS, len(text))
        if end < len(text):
            cut = text.rfind(" ", start + CHUNK_CHARS // 2, end)
            end = cut if cut > 0 else end
        yield start, text[start:end]
        if end >= len(text):
            return
        nxt = end - CHUNK_OVERLAP
        space = text.find(" ", nxt, end)
        start = space + 1 if space >= 0 else nxt


def segments(record: Record, roles: RoleFilter | None = None) -> Iterator[Segment]:
    """The segments of ``record``'s turns accepted by ``roles`` (all turns if None)."""
    for turn in record.turns:
        if roles is None or roles.accepts(turn):
            for offset, text in _chunks(turn.text):
                yield Segment(record=record, turn=turn, text=text, offset=offset)
