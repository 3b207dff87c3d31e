"""The reference's prompt a match's verdict rests on, for people: which passages of the reference
repeat its own request, and where that request came from.

A match lowered as ``prompt`` convergence (or explained, or kept as a copy, with most of its
reference side repeating the reference's prompt) rests on text the reader was not shown: a
"rewrite this email" answer restates the email, and the verdict turns on which of its words are
the email's. Every format that shows a match's evidence shows these passages with it (JSON
``matches[].prompt``, HTML beside the side-by-side, Markdown under the records), escaped by that
format as the rest of the evidence is.

The index keeps, for each reference text, the token ranges that repeat its record's request
turns (``verify.echoes``, found at indexing time) and a key of the request, not the request's
own text: the passages are the request as the reference repeats it, and the request itself is
in the reference's record (its path and record number are given).
"""

from __future__ import annotations

from dataclasses import dataclass

from provcheck.matching.convergence import ECHO_SHARE
from provcheck.model import Match, RoleKind

REQUEST_KINDS = (RoleKind.USER, RoleKind.SYSTEM, RoleKind.TOOL)
"""Turns that are requests (what a reference's echoes repeat, and a candidate's request turn)."""
FROM = (
    "the request turns (user, system and tool turns; an Alpaca record's instruction and input) of "
    "the reference's own record, aligned with its text when the index was built; the index keeps "
    "where the reference repeats them, not their text, which is in that record"
)
"""Where the passages come from, in words (every format says it)."""


@dataclass(frozen=True, slots=True)
class PromptPassage:
    """A passage of the reference's text that repeats the reference's own prompt."""

    start: int
    """Character offset in the reference's turn text."""
    end: int
    text: str


def rests_on_prompt(m: Match) -> bool:
    """Whether the match's verdict or lowering rests on the reference's prompt: class ``prompt``,
    at least ``ECHO_SHARE`` of the reference's aligned text repeating its prompt (whatever the
    verdict: a copy kept as a copy says why the prompt does not explain it), or a request turn
    explained with the text its reference repeats from its own request set aside. Only where
    the evidence holds those passages (a pack's reference text is withheld)."""
    s = m.strength
    if s is None or not m.evidence.prompt_echoes or m.reference.withheld:
        return False
    echo = s.features.get("echo_share", 0.0)
    return (
        s.convergence == "prompt"
        or echo >= ECHO_SHARE
        or (s.explained and echo > 0 and m.record.turn.kind in REQUEST_KINDS)
    )


def passages(m: Match) -> list[PromptPassage]:
    """The reference's passages that repeat its prompt, inside the match's aligned spans."""
    text = m.reference.turn.text
    return [PromptPassage(c.start, c.end, text[c.start : c.end]) for c in m.evidence.prompt_echoes]


def origin(m: Match) -> str:
    """Where the prompt came from: the reference's record and its request turns, in words."""
    ref = m.reference
    where = f"{ref.path}#{ref.index}" if ref.path is not None else "its path not recorded"
    return f"{FROM} ({where})"


def share(m: Match) -> float:
    """Share of the reference's aligned text that repeats its prompt (``echo_share``)."""
    return m.strength.features.get("echo_share", 0.0) if m.strength is not None else 0.0
