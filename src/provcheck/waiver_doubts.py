"""Why a filled-in waiver is doubted or not credited (``Waiver.doubts``, ``Waiver.not_credited``):
an approver or ticket at a domain reserved for examples names no one who can be shown to have
approved it (not credited); an approver that names no one and a waiver that never expires are
flagged (outside counsel 21, adversarial pass 22). Apart from ``waivers`` (reading the file)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from provcheck.support.reserved import NO_ONE, reserved_domain

PLACEHOLDER_APPROVER = "TODO"
"""The approver ``provcheck baseline`` writes (credited, flagged as the baseline's)."""
NO_EXPIRY = "no expiry: it is never reviewed again"


def not_credited(approver: str, *tickets: str | None) -> tuple[str, ...]:
    """Why a waiver is claimed but not credited (``Waiver.not_credited``): its approver or one of
    its tickets (``ticket`` and ``link``: each is checked, a ``ticket: DATA-1`` did not clear a
    ``link`` at example.com) is at a domain reserved for examples, so no identifiable person
    approved it."""
    said = []
    if host := reserved_domain(approver):
        said.append(f"approver at {host}, a domain reserved for examples (RFC 2606/6761)")
    for ticket in tickets:
        if ticket and (host := reserved_domain(ticket)):
            said.append(f"ticket at {host}, a domain reserved for examples (RFC 2606/6761)")
            break
    return tuple(said)


def doubts(approver: str, tickets: Sequence[str | None], expires: dt.date | None) -> tuple[str, ...]:
    """Why a filled-in waiver still reads as a placeholder (``Waiver.doubts``): the reasons it
    is not credited, an approver that names no one, and no expiry."""
    nobody = approver.strip().lower() in NO_ONE and approver != PLACEHOLDER_APPROVER
    return (
        *not_credited(approver, *tickets),
        *((f"approver {approver.strip()!r} names no one",) if nobody else ()),
        *((NO_EXPIRY,) if expires is None else ()),
    )
