"""Records with open findings by the kind of evidence they rest on: a match that asserts
derivation, matches marked as likely convergence, no match at all; and those resting on short
evidence only (counted in one pass over the findings, apart from ``records``' view)."""

from __future__ import annotations

from provcheck.model import ScanResult


def evidence_kinds(result: ScanResult) -> tuple[int, int, int]:
    """Records with open findings by what they rest on: a match that asserts derivation, only
    matches marked as likely convergence, and no match at all (markers, declarations).

    A convergent match or a marker phrase is not evidence of copying, so a report must not
    count such records as "copied" (counsel read six independent answers as copies)."""
    asserts: set[tuple[str, int]] = set()
    convergent: set[tuple[str, int]] = set()
    other: set[tuple[str, int]] = set()
    for f in result.findings:
        if f.waived:
            continue
        if f.match is not None:
            loc = f.match.record.location
            strength = f.match.strength
            kind = convergent if strength is not None and strength.convergence else asserts
            kind.update((loc.path, i) for i in loc.covers)
        elif f.marker is not None:
            loc = f.marker.record.location
            other.add((loc.path, loc.index))
    convergent -= asserts
    other -= asserts | convergent
    return len(asserts), len(convergent), len(other)


def short_only(result: ScanResult) -> int:
    """Records among ``evidence_kinds``' first count whose open matches are all short evidence
    (below the blocking floor): their cards say short texts can coincide without copying, and
    the summary counted them among records "closely enough to suggest" derivation (counsel 19)."""
    strong: set[tuple[str, int]] = set()
    short: set[tuple[str, int]] = set()
    for f in result.findings:
        if f.waived or f.match is None:
            continue
        strength = f.match.strength
        if strength is not None and strength.convergence:
            continue
        loc = f.match.record.location
        (short if f.match.evidence.short else strong).update((loc.path, i) for i in loc.covers)
    return len(short - strong)
