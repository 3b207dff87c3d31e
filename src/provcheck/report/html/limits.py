"""Limits of the method the HTML report states beside its measured error rates."""

from __future__ import annotations

from provcheck.matching.convergence import OWN_EVIDENCE, OWN_SHARE, OWN_TOKENS, WHOLE_SHARE
from provcheck.report.html.markup import esc
from provcheck.report.method import Measured


def heldout_limit(m: Measured) -> str:
    """The limits' line on kinds measured apart from the recall table: its range alone read as
    the floor for every copy, while code and held-out laundering can block less often."""
    if not m.heldout:
        return ""
    rows = "; ".join(
        f"{esc(h.what)}: recall {h.recall:.3f}, can block {h.can_block:.3f} ({h.copies:,} copies, "
        f"<code>{esc(h.command)}</code>, {esc(h.date)}, {esc(h.code)})"
        for h in m.heldout
    )
    return (
        f"<li><b>Copies measured apart from the table above</b> ({esc(m.heldout_what)}): {rows}. "
        "Code copies can block less often than prose: code under the blocking floor or held by "
        "several references is review.</li>"
    )


SPLIT_COPIES = (
    "<li><b>Copies cut across records</b>: streamed chunks of one response saved one per record are "
    "joined into the response, and consecutive records of one file, each under the "
    "<code>min_tokens</code> floor (plain records, or a chat cut one short exchange to a record, "
    "each role's turns joined), are matched again joined in windows, the pre-commit hook and "
    "<code>--changed-since</code> joining new records with the committed ones next to them; but "
    "pieces each long enough to be matched alone, records with a turn over 400 characters beside "
    "another, or pieces in shuffled order are matched one record at a time.</li>"
)
"""The limit README's "What a clean report does and does not prove" states and the report's own
list left out (counsel 19): a clean report read as covering copies split across records."""

PROMPTS = (
    "<li><b>Prompts</b>: a match whose reference side mostly repeats the reference's own prompt "
    "(a rewritten email restating the email) is lowered as likely convergence unless the record "
    f"also repeats {OWN_SHARE:.0%} or more of the words the reference wrote beyond that prompt, at "
    f"least {OWN_TOKENS} of them, and either {OWN_EVIDENCE} of them or the whole of both texts "
    f"({WHOLE_SHARE:.0%} of each): a copy repeats them all, while an answer written apart for the "
    "same request makes edits of its own, yet shares stock phrases and the words around passages "
    "it quotes of the same prompt. Each such finding says how much of those words the record "
    "repeats. The reference's passages it rests on "
    "are shown with the finding (the index keeps where a reference repeats its request, not the "
    "request's text, which is in the reference's record). A reference indexed as plain text has no "
    "request: a record's request turn matching it is judged as a copy of it (the stricter reading), "
    "as whether the shared text is a prompt both hold cannot be checked.</li>"
)
"""The limit of the prompt-convergence rule (outside counsel 19; counsel 19's plain-text sources;
counsel 21: "only while the record leaves out what the reference wrote beyond that prompt" read
as "repeats none of it", where the test is a share and a count)."""
