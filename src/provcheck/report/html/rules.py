"""The HTML report's "Rules checked": every rule of the policy, with its action, the clause it
cites and what it did in this scan, fired or not (``report.checked``)."""

from __future__ import annotations

from provcheck.model import ScanResult
from provcheck.report import checked
from provcheck.report.html.markup import esc, table


def rules_section(result: ScanResult) -> str:
    """The ``Rules checked`` section."""
    rules = checked.rules_checked(result)
    head = '<section id="rules"><h2>Rules checked</h2>'
    if rules is None:
        return f"{head}<p>{esc(checked.NOT_RECORDED)}</p></section>"
    rows = [
        [
            f'<span class="mono">{esc(r.id)}</span>',
            esc(r.title),
            esc(r.action),
            esc(r.signal),
            esc(r.clause_cited),
            esc(r.outcome),
        ]
        for r in rules
    ]
    return (
        f"{head}<p>{esc(checked.rules_line(result))}. Every rule of the policy is listed, whether or "
        "not it made a finding. One that <i>could not fire</i> had nothing to be tested on: a match "
        "rule about a provider (or terms, licence, model) that no indexed source has, nor any source "
        "it derives from, cannot meet a copy of that output, so its silence clears nothing. One "
        "<i>evaluated, no finding</i> was tested on this scan's matches, markers and declarations "
        "and none met its condition (<code>provcheck policy explain RULE</code> gives it). "
        f"{esc(checked.CLAUSE_NOTE)}.</p>"
        + (
            f'<p class="flag" id="licences-not-assessed">{esc(said)}.</p>'
            if (said := checked.unassessed_line(result))
            else ""
        )
        + table(["rule", "title", "action", "looks at", "clause cited", "in this scan"], rows, "rules")
        + "</section>"
    )
