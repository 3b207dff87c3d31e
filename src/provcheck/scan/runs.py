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
A copy that a boundary cuts is matched again as one (``joined``) when the two windows' matches
of one reference meet at it, so that its opening is not judged apart as a short passage, and
a window that matches nothing of that reference next to such a match (a copy's end under the
floor alone) is matched again with it (``_edges``).

A diff-aware scan (the hook, ``--changed-since``) reads only the new records of a file; their
short records are joined with the committed short records next to them in the new version
(``around``, up to ``MAX_RECORDS`` on each side: a copy whose first half was committed before),
and a match is kept only when it lies in a new record too, located at the new records it spans
(what lies only in committed records is not this change's, and was a finding when committed).
Windows of committed records only are matched too, never reported, so that a copy whose new
records begin a window is joined with the committed windows it continues, as a full scan joins
them (adversarial pass 21: three records appended to a committed cut copy were a short passage
to review, exit 0, where the full scan blocked the run).
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
JOIN_GAP = 8
"""Tokens of the reference at most between two windows' matches that are joined (``joined``)."""
JOIN_CHARS = 32_000
"""Characters at most of windows joined and matched again as one (``joined``): one segment
(``segment.CHUNK_CHARS``), so the match of the whole is of the whole; a longer copy is several
runs, each long enough to block."""
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


def windows(items: Sequence[Short], context: bool = False) -> Iterator[Window]:
    """The windows of one file's short records (in any order): runs of consecutive records of
    one role, cut where a record's digest ends a window; with ``context``, windows of committed
    records only too (``committed``)."""
    run: list[Short] = []
    for item in sorted(items, key=lambda s: (s.turn.role, s.index)):
        if run and (item.index != run[-1].index + 1 or item.turn.role != run[0].turn.role):
            yield from _window(run, context)
            run = []
        run.append(item)
        if len(run) >= MAX_RECORDS or (len(run) >= MIN_RECORDS and _ends_window(item.turn.text)):
            yield from _window(run, context)
            run = []
    yield from _window(run, context)


def _window(parts: list[Short], context: bool = False) -> Iterator[Window]:
    # Committed records only: not this change's, made only with ``context`` (``committed``).
    if len(parts) < 2 or (not context and all(p.context for p in parts)):
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


def committed(window: Window) -> bool:
    """A window of committed context records only (diff-aware scans): its matches are never
    reported, and serve only to join a copy that goes on into new records (``joined``)."""
    return all(p.context for p in window.parts)


def spanned(window: Window, match: Match) -> Match | None:
    """``match`` located at the records its aligned text lies in, or None when that is one
    record (matched, or not, as that record) or no new one (only committed context records;
    in a ``committed`` window, located at the records it spans, for ``joined`` only)."""
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
    if committed(window):
        new = sorted(touched)
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
            for window in windows(items, context=True):
                read.update(p.index for p in window.parts if not p.context)
                made += not committed(window)
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
        """What the windows matched across two records or more, once every window is matched
        (a copy cut by a window boundary is matched again as one: ``joined``); ``make`` gives
        the matcher, made only when there is something to match. ``around`` (diff-aware
        scans): a file's records within a reach of the given new ones' ``(index, line)``,
        joined as context (``Short.context``)."""
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
        every: list[Window] = []
        kept: list[tuple[Window, Match]] = []
        for window in self.windows():
            pending.append(window)
            every.append(window)
            if len(pending) >= BATCH:
                kept += _matched(pending, matcher)
                pending = []
        if pending:
            kept += _matched(pending, matcher)
        if kept:
            yield joined(kept, matcher, every)


def _at(window: Window) -> tuple[str, int, str]:
    """A window's key among the matches of a batch: its file, first record and role."""
    return (window.record.location.path, window.record.location.index, window.parts[0].turn.role)


def _matched(windows: list[Window], matcher: Matcher) -> list[tuple[Window, Match]]:
    at = {_at(w): w for w in windows}
    out = []
    for match in matcher.records([w.record for w in windows], None):
        loc = match.record.location
        window = at[(loc.path, loc.index, match.record.turn.role)]
        if (kept := spanned(window, match)) is not None:
            out.append((window, kept))
    return out


def _source(match: Match) -> tuple[str, str, int]:
    """The reference turn a match is of."""
    ref = match.reference
    return (ref.source.name, str(ref.id), ref.turn.position)


def _part(window: Window, at: int) -> int:
    """The part (record) of ``window`` that holds character ``at`` of its text."""
    return max(bisect.bisect_right(window.starts, at) - 1, 0)


def _meets(a: tuple[Window, Match], b: tuple[Window, Match]) -> bool:
    """``b``'s match continues ``a``'s across their windows' boundary: ``a``'s aligned text
    ends in its window's last record, ``b``'s starts in its window's first, and in the
    reference ``b``'s starts where ``a``'s ends (``JOIN_GAP`` tokens apart at most, either
    way: an alignment may leave a token or two at its edges out). Two short records that
    match the same reference at places apart are never joined."""
    (wa, ma), (wb, mb) = a, b
    last, first = ma.evidence.spans[-1], mb.evidence.spans[0]
    if _part(wa, last.candidate.end - 1) != len(wa.parts) - 1 or _part(wb, first.candidate.start) != 0:
        return False
    end, start = last.reference.end, first.reference.start
    if ma.reference.withheld is not None:  # token positions
        return abs(start - end) <= JOIN_GAP
    text = ma.reference.turn.text
    return len(text[min(start, end) : max(start, end)].split()) <= JOIN_GAP


_Chain = list[tuple[Window, Match]]
"""Windows whose matches of one reference turn go on from one to the next (``joined``)."""


def joined(
    kept: Sequence[tuple[Window, Match]], matcher: Matcher, every: Sequence[Window] = ()
) -> list[Match]:
    """The windows' matches, where a copy was cut by a window boundary matched again as one.

    When one window's match of a reference turn reaches its last record and the next window's
    (the file's next records, same role) match of the same reference turn starts at its first
    record where the first one's ends in the reference (``_meets``), the windows of that chain
    are joined (up to ``JOIN_CHARS``) and matched as one text, with the same floors as a
    record; its match of that reference replaces theirs when it covers every record theirs
    did (the opening of a cut copy is judged with what it continues, not as a short passage
    apart). Only such chains are matched again: a scan whose windows' matches do not meet
    at a boundary matches nothing more.

    A chain (or one window) whose match reaches the edge of its windows, next to a window of
    ``every`` with no match of that reference turn (under the floor alone: two ten-word pieces
    after a boundary), is matched again with that window too (``_edges``): the copy's end was
    in no finding, and a hook let two pieces appended after a boundary in (adversarial pass 21)."""
    by_window: dict[int, dict[tuple[str, str, int], tuple[Window, Match]]] = {}
    for window, match in kept:  # one match a reference turn and window (``Matcher.records``)
        by_window.setdefault(id(window), {})[_source(match)] = (window, match)
    order = sorted(
        {id(w): w for w, _ in kept}.values(),
        key=lambda w: (w.record.location.path, w.parts[0].turn.role, w.parts[0].index),
    )
    chains: list[_Chain] = []
    singles: list[_Chain] = []
    open_: dict[tuple[str, str, int], _Chain] = {}
    previous: Window | None = None
    for window in order:
        follows = previous is not None and _follows(previous, window)
        carried: dict[tuple[str, str, int], _Chain] = {}
        for key, pair in by_window[id(window)].items():
            chain = open_.pop(key, None) if follows else None
            size = sum(len(w.record.turns[0].text) + 1 for w, _ in chain) if chain else 0
            if (
                chain is not None
                and size + len(window.record.turns[0].text) <= JOIN_CHARS
                and _meets(chain[-1], pair)
            ):
                chain.append(pair)
            else:
                if chain is not None:
                    (chains if len(chain) > 1 else singles).append(chain)
                chain = [pair]
            carried[key] = chain
        chains += [c for c in open_.values() if len(c) > 1]
        singles += [c for c in open_.values() if len(c) == 1]
        open_ = carried
        previous = window
    chains += [c for c in open_.values() if len(c) > 1]
    singles += [c for c in open_.values() if len(c) == 1]
    wholes: dict[tuple[str, int, str, int | None], tuple[Window, dict[tuple[str, str, int], _Chain]]] = {}
    for chain, parts in _edges(chains, singles, by_window, every):  # two references' chains: one text
        for whole in _window(parts):
            at = (*_at(whole), whole.record.location.end_index)
            wholes.setdefault(at, (whole, {}))[1][_source(chain[0][1])] = chain
    replaced: set[int] = set()
    out: list[Match] = []
    items = list(wholes.values())
    for start in range(0, len(items), BATCH):  # matched together, as windows are
        batch = items[start : start + BATCH]
        for match in matcher.records([w.record for w, _ in batch], None):
            loc = match.record.location
            whole, of = wholes[(loc.path, loc.index, match.record.turn.role, loc.end_index)]
            chain = of.get(_source(match))
            if chain is None or (one := spanned(whole, match)) is None:
                continue
            shown = [m for w, m in chain if not committed(w)]  # a chain with new records only
            lo = min((m.record.location.index for m in shown), default=one.record.location.index)
            if one.record.location.index <= lo and _end(one) >= max((_end(m) for m in shown), default=0):
                out.append(one)
                replaced.update(id(m) for _, m in chain)
    return [m for w, m in kept if id(m) not in replaced and not committed(w)] + out


def _edges(
    chains: list[_Chain],
    singles: list[_Chain],
    by_window: dict[int, dict[tuple[str, str, int], tuple[Window, Match]]],
    every: Sequence[Window],
) -> Iterator[tuple[_Chain, list[Short]]]:
    """Each chain with the records to match again: its windows', and the window next to it on
    either side that has no match of its reference turn when its match reaches that edge (a
    copy's end under the floor alone); a single window only when it gains such a neighbour."""
    at = {(w.parts[0].path, w.parts[0].turn.role, w.parts[0].index): w for w in every}
    to = {(w.parts[-1].path, w.parts[-1].turn.role, w.parts[-1].index): w for w in every}
    for chain in [*chains, *singles]:
        (wa, ma), (wb, mb) = chain[0], chain[-1]
        key = _source(ma)
        head = to.get((wa.parts[0].path, wa.parts[0].turn.role, wa.parts[0].index - 1))
        tail = at.get((wb.parts[-1].path, wb.parts[-1].turn.role, wb.parts[-1].index + 1))
        if head is not None and (
            key in by_window.get(id(head), {}) or _part(wa, ma.evidence.spans[0].candidate.start)
        ):
            head = None
        last = mb.evidence.spans[-1].candidate.end - 1
        if tail is not None and (key in by_window.get(id(tail), {}) or _part(wb, last) != len(wb.parts) - 1):
            tail = None
        if len(chain) == 1 and head is None and tail is None:
            continue
        windows = [w for w in (head, *(w for w, _ in chain), tail) if w is not None]
        if sum(len(w.record.turns[0].text) + 1 for w in windows) > JOIN_CHARS:
            windows = [w for w, _ in chain]
        yield chain, [p for w in windows for p in w.parts]


def _end(match: Match) -> int:
    loc = match.record.location
    return loc.index if loc.end_index is None else loc.end_index


def _follows(a: Window, b: Window) -> bool:
    """``b`` holds the records right after ``a``'s, of the same file and role."""
    first, last = b.parts[0], a.parts[-1]
    return first.path == last.path and first.turn.role == last.turn.role and first.index == last.index + 1
