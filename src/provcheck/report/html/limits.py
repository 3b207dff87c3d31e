"""Limits of the method the HTML report states beside its measured error rates."""

from __future__ import annotations

from provcheck.report.html.markup import esc
from provcheck.report.method import Measured


def heldout_limit(m: Measured) -> str:
    """The limits' line on kinds measured apart from the recall table: its range alone read as
    the floor for every copy, while code and held-out laundering can block less often."""
    if not m.heldout:
        return ""
    rows = "; ".join(
        f"{esc(h.what)}: recall {h.recall:.3f}, can block {h.can_block:.3f} ({h.copies:,} copies, "
        f"<code>{esc(h.command)}</code>, {esc(h.date)})"
        for h in m.heldout
    )
    return (
        f"<li><b>Copies measured apart from the table above</b> ({esc(m.heldout_what)}): {rows}. "
        "Code copies can block less often than prose: code under the blocking floor or held by "
        "several references is review.</li>"
    )


SPLIT_COPIES = (
    "<li><b>Copies cut across records</b>: streamed chunks of one response saved one per record are "
    "joined into the response, and consecutive plain records of one file, each under the "
    "<code>min_tokens</code> floor, are matched again joined in windows; but records of several "
    "turns each (a chat cut one exchange to a record), pieces each long enough to be matched alone, "
    "or pieces in shuffled order are matched one record at a time, and the pre-commit hook and "
    "<code>--changed-since</code> join only the new records they read.</li>"
)
"""The limit README's "What a clean report does and does not prove" states and the report's own
list left out (counsel 19): a clean report read as covering copies split across records."""
