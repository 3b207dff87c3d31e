"""Why a filled-in waiver is doubted or not credited (``Waiver.doubts``, ``Waiver.not_credited``):
an approver or ticket at a host reserved for examples names no one who can be shown to have
approved it (not credited); an approver that names no one and a waiver that never expires are
flagged (outside counsel 21, adversarial pass 22). And the waivers refused when they meet a scan
(``Applier``): one dated after today, or a scope naming a rule the policy nearly defines (a
typo); a ``rule`` written as a pattern is refused where the file is read (``waivers._entry``).
Apart from ``waivers`` (reading the file, applying it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import Protocol

from provcheck.errors import PolicyError
from provcheck.model import Waiver
from provcheck.support.dates import parse_date
from provcheck.support.reserved import NO_ONE, reserved_host

PLACEHOLDER_APPROVER = "TODO"
"""The approver ``provcheck baseline`` writes (credited, flagged as the baseline's)."""
NO_EXPIRY = "no expiry: it is never reviewed again"


def not_credited(approver: str, *tickets: str | None) -> tuple[str, ...]:
    """Why a waiver is claimed but not credited (``Waiver.not_credited``): its approver or one of
    its tickets (``ticket`` and ``link``: each is checked, a ``ticket: DATA-1`` did not clear a
    ``link`` at example.com) is at a host no one can be shown to exist at (a domain reserved for
    examples or a lookalike of one, an IP address reserved for documentation or not globally
    reachable: ``support/reserved.py``), so no identifiable person approved it."""
    said = []
    if found := reserved_host(approver, _fold):
        said.append(f"approver at {found[0]}, {found[1]}")
    for ticket in tickets:
        if ticket and (found := reserved_host(ticket, _fold)):
            said.append(f"ticket at {found[0]}, {found[1]}")
            break
    return tuple(said)


def _fold(char: str) -> str:
    """One character as the tokenizer folds it (NFKC, case, accents, Unicode's confusables):
    imported only when a host holds letters other than ASCII (the hook's start-up stays light)."""
    from provcheck.matching.folding import fold_char

    return fold_char(char)


def doubts(approver: str, tickets: Sequence[str | None], expires: dt.date | None) -> tuple[str, ...]:
    """Why a filled-in waiver still reads as a placeholder (``Waiver.doubts``): the reasons it
    is not credited, an approver that names no one, and no expiry."""
    nobody = approver.strip().lower() in NO_ONE and approver != PLACEHOLDER_APPROVER
    return (
        *not_credited(approver, *tickets),
        *((f"approver {approver.strip()!r} names no one",) if nobody else ()),
        *((NO_EXPIRY,) if expires is None else ()),
    )


FUTURE_SLACK = dt.timedelta(days=1)
"""How far after today (UTC) a waiver's ``date`` may be: a reviewer east of UTC writes their own
day, which can be the next UTC day."""


class Entry(Protocol):
    """What these checks read of a waivers file's entry (``waivers.WaiverEntry``)."""

    @property
    def waiver(self) -> Waiver: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int | None: ...
    @property
    def rule(self) -> str | None: ...


class Entries(Protocol):
    """A loaded waivers file (``waivers.Waivers``)."""

    @property
    def entries(self) -> Iterable[Entry]: ...


def refuse_future(waivers: Entries, today: dt.date) -> None:
    """``PolicyError`` for entries dated after today: a waiver records a decision already taken.

    ``date: 2062-12-01`` (a typo) or a decision written ahead of the day it is to be taken
    waived the finding at once, exit 0 (adversarial pass 18). One day of slack is left for a
    reviewer east of UTC, whose day starts before UTC's."""
    problems = [
        f"{e.file}:{e.line}: 'date' {e.waiver.date} is after today ({today.isoformat()}, UTC): a "
        "waiver records a decision already taken; write the day it was taken"
        if e.line
        else f"{e.file}: 'date' {e.waiver.date} is after today ({today.isoformat()}, UTC)"
        for e in waivers.entries
        if parse_date(e.waiver.date) > today + FUTURE_SLACK
    ]
    if problems:
        raise PolicyError(problems, what="waivers file")


def refuse_near_rules(waivers: Entries, rules: Collection[str]) -> None:
    """``PolicyError`` for a scope entry whose ``rule`` is no rule of the policy but nearly one
    (``openai-no-competing-model``): it would cover nothing and be reported stale, leaving
    open the findings it was written for. An id far from every rule (a rule of another
    policy the file also serves) is left to the stale report."""
    known = {r.lower() for r in rules}
    problems = []
    for e in waivers.entries:
        if e.rule is None or e.rule.lower() in known:
            continue
        import difflib  # only for a rule id the policy does not define

        near = difflib.get_close_matches(e.rule.lower(), sorted(known), n=1, cutoff=0.85)
        if near:
            where = f"{e.file}:{e.line}" if e.line else e.file
            problems.append(
                f"{where}: 'rule' {e.rule!r} is no rule of the policy (did you mean {near[0]!r}?); "
                "provcheck policy list shows the rule ids"
            )
    if problems:
        raise PolicyError(problems, what="waivers file")
