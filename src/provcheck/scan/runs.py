"""Runs of short records: consecutive records of one file, each under the token floor, matched
together after the main pass (a copy cut ten words to a record matches no record alone; a chat
cut one short exchange to a record: each role's turns are joined across the records).

Records are matched one at a time, and a text under ``MatchConfig.min_tokens`` is not looked
up. The workers return the records whose one scanned turn is under the floor (``Short``); once
every record is matched, ``Runs`` joins each file's consecutive short records of one role in
windows and matches each window as one text with the same floors as a record. A match is kept
only when its aligned text lies in two records or more (what one record holds is that record's
to match), located at the lines of the records it spans; its id hashes the window's text, so
it does not move with the file's lines. Window boundaries are content-defined (a record whose
digest says so ends a window): inserting or deleting a record moves only the window it is in.

A diff-aware scan (the hook, ``--changed-since``) reads only the new records of a file; their
short records are joined with the committed short records next to them in the new version
(``around``, up to ``MAX_RECORDS`` on each side: a copy whose first half was committed before),
and a match is kept only when it lies in a new record too, located at the new records it spans
(what lies only in committed records is not this change's, and was a finding when committed).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from provcheck.inputs.schemas import content_hash
from provcheck.matching.segment import RoleFilter, Segment
from provcheck.model import Location, Match, Record, RecordRef, Turn
from provcheck.scan.match import Matcher

SHORT_CHARS = 2_000
"""A turn longer than this is not taken into a run, whatever its tokens (it is not the piece
of a cut text: 25 tokens in 2,000 characters are not prose)."""
CHAT_CHARS = 400
"""The same for each turn of a record of several turns (a short exchange): records answered
from the result cache are matched again to learn whether they are short (``Runs.remember``),
and most chat records have every turn under 2,000 characters."""
BOUNDARY = 16
"""One record in this many ends a window, by its text's digest (windows of ~16 records)."""
MIN_RECORDS = 4
"""Records a window holds before a boundary may end it."""
MAX_RECORDS = 64
"""Records a window holds at most (a file of one repeated line has no boundary)."""
BATCH = 256
"""Windows matched together."""
SCHEMA = "run"
"""The schema of a window (never a record's: records are read by ``inputs.schemas``)."""


@dataclass(frozen=True, slots=True)
class Short:
    """A record whose one scanned turn is under the token floor."""

    path: str
    index: int
    """0-based position of the record in its file."""
    line: int | None
    end_line: int | None
    """1-based last line of a record joined from several lines; None for one line."""
    turn: Turn
    context: bool = False
    """A committed record next to new ones (diff-aware scans): joined, never matched alone."""


def shorts(
    records: Sequence[Record], roles: RoleFilter | None, under: Sequence[Segment], context: bool = False
) -> list[Short]:
    """The scanned turns of the records whose every scanned turn is one of ``under`` (segments
    under the floor, ``Matcher.short``), of one role each (a short exchange, or one text) and
    within ``SHORT_CHARS`` (``CHAT_CHARS`` each for several turns)."""
    whole = {
        (id(s.record), s.turn.position) for s in under if s.offset == 0 and len(s.text) == len(s.turn.text)
    }
    some = {key[0] for key in whole}
    out = []
    for record in records:
        if id(record) not in some:
            continue
        turns = _short_turns(record, roles)
        if turns and all((id(record), t.position) in whole for t in turns):
            loc = record.location
            out += [Short(loc.path, loc.index, loc.line, loc.end_line, t, context) for t in turns]
    return out


def _short_turns(record: Record, roles: RoleFilter | None) -> list[Turn]:
    """The record's scanned turns when it may be a piece of cut text: one turn of at most
    ``SHORT_CHARS``, or turns of distinct roles of at most ``CHAT_CHARS`` each; else none."""
    turns = [t for t in record.turns if roles is None or roles.accepts(t)]
    most = SHORT_CHARS if len(turns) == 1 else CHAT_CHARS
    if all(0 < len(t.text) <= most for t in turns) and len({t.role for t in turns}) == len(turns):
        return turns
    return []


def _ends_window(text: str) -> bool:
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=4).digest()
    return int.from_bytes(digest, "big") % BOUNDARY == 0


@dataclass(frozen=True, slots=True)
class Window:
    """Consecutive short records of one file and role, joined for matching."""

    record: Record
    """The joined text as one record, located at the first record's lines to the last's."""
    parts: tuple[Short, ...]
    starts: tuple[int, ...]
    """Offset of each part's text in the joined text."""


def windows(items: Sequence[Short]) -> Iterator[Window]:
    """The windows of one file's short records (in any order): runs of consecutive records of
    one role, cut where a record's digest ends a window."""
    run: list[Short] = []
    for item in sorted(items, key=lambda s: (s.turn.role, s.index)):
        if run and (item.index != run[-1].index + 1 or item.turn.role != run[0].turn.role):
            yield from _window(run)
            run = []
        run.append(item)
        if len(run) >= MAX_RECORDS or (len(run) >= MIN_RECORDS and _ends_window(item.turn.text)):
            yield from _window(run)
            run = []
    yield from _window(run)


def _window(parts: list[Short]) -> Iterator[Window]:
    if len(parts) < 2 or all(p.context for p in parts):  # committed records only: not this change's
        return
    starts, at = [], 0
    for part in parts:
        starts.append(at)
        at += len(part.turn.text) + 1
    text = " ".join(p.turn.text for p in parts)
    first, last = parts[0], parts[-1]
    turn = replace(first.turn, position=0, text=text)
    location = Location(first.path, first.index, first.line, _last_line(last), last.index)
    record = Record(location, None, SCHEMA, (turn,), content_hash([turn]))
    yield Window(record, tuple(parts), tuple(starts))


def _last_line(part: Short) -> int | None:
    return part.end_line or part.line


def spanned(window: Window, match: Match) -> Match | None:
    """``match`` located at the records its aligned text lies in, or None when that is one
    record (matched, or not, as that record) or no new one (only committed context records)."""
    touched: set[int] = set()
    for span in match.evidence.spans:
        start, end = span.candidate.start, span.candidate.end
        if end <= start:
            continue
        first = bisect.bisect_right(window.starts, start) - 1
        last = bisect.bisect_right(window.starts, end - 1) - 1
        touched.update(range(max(first, 0), last + 1))
    if len(touched) < 2:
        return None
    new = [i for i in touched if not window.parts[i].context]
    if not new:
        return None
    a, b = window.parts[min(new)], window.parts[max(new)]
    if a is b:  # one new record continuing committed ones
        location = Location(a.path, a.index, a.line, a.end_line)
    else:
        location = Location(a.path, a.index, a.line, _last_line(b), b.index)
    ref: RecordRef = replace(match.record, location=location)
    return replace(match, record=ref)


@dataclass(slots=True)
class Runs:
    """Every file's short records, gathered as batches are matched, and what their windows
    matched once the main pass is over."""

    items: dict[str, list[Short]] = field(default_factory=dict)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per file: short records read in windows, and windows."""
    cached: list[Record] = field(default_factory=list)
    """Records answered from the result cache that may be short (``remember``)."""

    def add(self, items: Iterable[Short]) -> None:
        for item in items:
            self.items.setdefault(item.path, []).append(item)

    def windows(self) -> Iterator[Window]:
        """Each file's windows, counted in ``counts``."""
        for path, items in self.items.items():
            read: set[int] = set()  # records, not turns: a chat record gives one per role
            made = 0
            for window in windows(items):
                read.update(p.index for p in window.parts if not p.context)
                made += 1
                yield window
            if made:
                self.counts[path] = (len(read), made)
        self.items.clear()

    def remember(self, record: Record, roles: RoleFilter | None) -> None:
        """A record answered from the result cache (not matched, so not known short yet)."""
        if _short_turns(record, roles):
            self.cached.append(record)

    def matched(
        self,
        make: Callable[[], Matcher],
        roles: RoleFilter | None,
        around: Callable[[str, list[tuple[int, int | None]], int], list[Record]] | None = None,
    ) -> Iterator[list[Match]]:
        """What the windows matched across two records or more, a batch of windows at a time;
        ``make`` gives the matcher, made only when there is something to match. ``around``
        (diff-aware scans): a file's records within a reach of the given new ones' ``(index,
        line)``, joined as context (``Short.context``)."""
        if not self.cached and not self.items:
            return
        matcher = make()
        for start in range(0, len(self.cached), BATCH):  # which are short: as a worker tells
            chunk = self.cached[start : start + BATCH]
            matcher.records(chunk, roles)
            self.add(shorts(chunk, roles, matcher.short))
        self.cached.clear()
        if around is not None:
            for path, items in self.items.items():
                new = {s.index: s.line for s in items}
                near = [
                    r for r in around(path, sorted(new.items()), MAX_RECORDS) if r.location.index not in new
                ]
                near = [r for r in near if _short_turns(r, roles)]
                for start in range(0, len(near), BATCH):
                    chunk = near[start : start + BATCH]
                    matcher.records(chunk, roles)
                    items += shorts(chunk, roles, matcher.short, context=True)
        pending: list[Window] = []
        for window in self.windows():
            pending.append(window)
            if len(pending) >= BATCH:
                yield _matched(pending, matcher)
                pending = []
        if pending:
            yield _matched(pending, matcher)


def _matched(windows: list[Window], matcher: Matcher) -> list[Match]:
    at = {(w.record.location.path, w.record.location.index, w.parts[0].turn.role): w for w in windows}
    out = []
    for match in matcher.records([w.record for w in windows], None):
        loc = match.record.location
        if (kept := spanned(at[(loc.path, loc.index, match.record.turn.role)], match)) is not None:
            out.append(kept)
    return out
