"""What a refused commit says: one short, actionable block per blocking finding.

Each block names the place (``file:line``), the record (position and id), the turn, the source
and reference it copies, the rule, and the exact waiver entry that would accept it. Text that
comes from data is escaped (no terminal control characters) and shortened.
"""

from __future__ import annotations

from itertools import islice

from provcheck.model import Action, Finding, ScanResult
from provcheck.report.meaning import kind_label
from provcheck.report.terminal import printable

SHOWN = 20
"""Blocking findings described in full; the rest are counted."""


def safe(text: object, limit: int = 80) -> str:
    """One line of plain text: control and bidi characters escaped, long text shortened."""
    s = printable(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def where(finding: Finding) -> str:
    """``file:line`` (or ``file record N``) of a finding; a declaring file's for declarations."""
    rec = finding.record
    d = finding.declaration
    if rec is None and d is not None:
        return f"{safe(d.path, 200)}:{d.line}" if d.line else safe(d.path, 200)
    if rec is None:
        return safe(finding.path, 200)
    loc = rec.location
    if loc.line is not None:
        return f"{safe(loc.path, 200)}:{loc.lines}"
    return f"{safe(loc.path, 200)} record {loc.index}"


def describe(finding: Finding) -> list[str]:
    """The lines that explain one finding."""
    lines = []
    rec = finding.record
    head = f"{where(finding)}: "
    if rec is not None:
        ident = f" (id {safe(rec.id, 40)!s})" if rec.id is not None else ""
        turn = rec.turn
        head += (
            f"record {rec.location.index}{ident}, turn {turn.position} "
            f"({safe(turn.role, 20)}, {safe(turn.field, 60)})"
        )
    d = finding.declaration
    if rec is None and d is not None:
        head += f"declares {safe(d.key, 40)} = {safe(d.value, 80)} (for {safe(d.dataset, 80)})"
    lines.append(head)
    if finding.marker is not None:
        hit = finding.marker
        lines.append(f"  marker {safe(hit.marker, 60)} ({safe(hit.label, 80)}): {safe(hit.text, 80)!s}")
    m = finding.match
    if m is not None:
        src = m.reference.source
        facts = ", ".join(safe(v, 40) for v in (src.provider, src.generator, src.license) if v)
        lines.append(
            f"  copies reference {safe(m.reference.id, 60)} of source {safe(src.name, 60)}"
            + (f" ({facts})" if facts else "")
            + f": {kind_label(m.evidence)}, {m.evidence.matched_tokens} tokens, "
            f"similarity {m.evidence.similarity:.2f}"
        )
    via = ""
    if finding.source is not None and m is not None and finding.source.name != m.reference.source.name:
        via = f" via source {safe(finding.source.name, 60)}"
    lines.append(
        f"  rule {safe(finding.rule.id, 60)} [{finding.action.value}]{via}: {safe(finding.message, 160)}"
    )
    if finding.rule.remediation:
        lines.append(f"  fix: {safe(finding.rule.remediation, 160)}")
    return lines


def waiver_entry(finding: Finding, today: str) -> list[str]:
    """The waivers-file entry that accepts this finding (``id``: the finding id hashes content,
    not lines, so it survives re-ordering). Reason and approver are for a person to fill in."""
    about = f"rule {finding.rule.id}, {where(finding)}"
    return [
        f"  - id: {finding.id}   # {safe(about, 120)}",
        '    reason: "<why this use is acceptable>"',
        '    approver: "<who decided>"',
        f"    date: {today}",
    ]


def refusal(
    result: ScanResult,
    fail_on: frozenset[Action],
    *,
    waivers_file: str,
    today: str,
    shown: int = SHOWN,
) -> list[str]:
    """The message of a commit refused for blocking findings (empty when nothing blocks)."""
    total = result.blocking_count(fail_on)
    if not total:
        return []
    blocking = list(islice((f for f in result.findings if f.action in fail_on and not f.waived), shown))
    lines: list[str] = []
    for finding in blocking:
        lines.extend(describe(finding))
        lines.append("")
    if total > shown:
        lines.append(
            f"... and {total - shown} more blocking finding(s); "
            "`provcheck scan FILE --format json` lists them all"
        )
        lines.append("")
    lines.append(
        "Remove or replace these records, or, if this use is acceptable, record the decision "
        f"in {waivers_file}:"
    )
    lines.append("waivers:")
    for finding in blocking:
        lines.extend(waiver_entry(finding, today))
    return lines
