"""Matches that no rule of the policy applied to for the declared use: listed so that nothing
found is hidden, each with what it shows (a copy, a shared passage, likely convergence)."""

from __future__ import annotations

from itertools import islice

from provcheck.model import ScanResult
from provcheck.report import overview as ov
from provcheck.report.html.markup import esc, fmt_score, table
from provcheck.report.meaning import kind_label, reading


def _mono(value: object) -> str:
    return f'<span class="mono">{esc(value)}</span>'


def unmatched(result: ScanResult, shown: int) -> str:
    """The matches no rule applied to, with what each shows (the first ``shown``)."""
    unruled = result.unruled
    if not unruled:
        return ""
    rows: list[list[str]] = []
    for m in islice(unruled, shown):
        rows.append(
            [
                _mono(ov.record_location(m.record)),
                esc(m.record.turn.role),
                esc(m.reference.id),
                esc(m.reference.source.name),
                esc(kind_label(m.evidence)),
                fmt_score(m.evidence.similarity),
                f"{m.evidence.matched_tokens:,}",
                # "near-duplicate 1.00" read as a copy for a common passage the card of the
                # same record calls likely convergence.
                esc(reading(m)),
            ]
        )
    more = len(unruled) - len(rows)
    return (
        '<section id="unmatched"><h2>Matches no rule applies to</h2>'
        f"<p>{len(unruled):,} match(es) did not trigger any rule of this policy for the declared use "
        f"({esc(ov.declared_use(result.run))}). They are listed so that nothing found is hidden; this "
        "report does not assess whether that use of them is permitted, and a different policy or use "
        "may apply a rule to them.</p>"
        + table(
            ["record", "turn", "reference", "source", "kind", "similarity", "tokens", "what it shows"],
            rows,
        )
        + (f'<p class="note">… and {more:,} more in the JSON report.</p>' if more > 0 else "")
        + "</section>"
    )
