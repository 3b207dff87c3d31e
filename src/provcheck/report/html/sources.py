"""The sources table of the HTML report: one row per indexed source (those with nothing found
and empty ones included), then each marker or declared source a finding rests on."""

from __future__ import annotations

import re

from provcheck.report import basis as provenance
from provcheck.report.html.markup import badge, breakable, esc, table
from provcheck.report.records import (
    DATASET_LEVEL_NOTE,
    SOURCE_FACTS_NOTE,
    RecordSummary,
    SourceRow,
    sources_basis,
    with_share,
)


def sources_table(rs: RecordSummary) -> str:
    """One row per indexed source (then markers and declarations): what counsel decides on."""
    rows = []
    for s in rs.sources:
        texts = "" if s.texts is None else f"{s.texts:,}"
        if s.indexed and s.texts == 0:
            texts = '<span class="flag">0: empty, matches nothing</span>'
        rows.append(
            [
                # A source name breaks only where its text allows, after a '/' or a '-', never
                # inside a word ("acmeresearchlaboratories/instructiontuningc / onversations" in
                # print, under overflow-wrap: anywhere); a label wraps between its words.
                f'<span class="mono name">{breakable(s.source)}</span>'
                + ("" if s.indexed else ' <span class="note">(not an indexed source)</span>')
                # At the table's size, each name breaking where a source's own name does: as a
                # note (larger in print) a long name widened the printed table past the page.
                + (
                    " via " + ", ".join(f'<span class="mono name">{breakable(v)}</span>' for v in s.via)
                    if s.via
                    else ""
                )
                + (
                    ' <span class="note">(background: independent text, never a finding; it explains '
                    "passages other matches share with it)</span>"
                    if s.background
                    else ""
                ),
                esc(s.provider or ""),
                _ident(s.license),
                _ident(s.terms),
                texts,
                with_share(s.blocking, s.blocking_share),
                with_share(s.not_blocking, s.not_blocking_share)
                + (f' <span class="note">+ {s.declared:,} dataset-level</span>' if s.declared else ""),
                badge(s.worst),
                _unruled_cell(s),
                # "effective 2024-03-" and "20" on two lines read as two things in print.
                _DATE.sub(lambda d: f'<span class="id">{d.group()}</span>', esc("; ".join(s.clauses))),
            ]
        )
    head = [
        "source",
        "provider",
        "licence",
        "terms",
        "texts indexed",
        "records that block (share)",
        "records with review, warn or info only (share)",
        "worst action",
        "matched, no rule applies",
        "clause",
    ]
    # "0" records beside a review read as a finding about nothing: a declaration's finding is
    # about the dataset, and is said to be.
    note = f'<p class="note">{esc(DATASET_LEVEL_NOTE)}</p>' if any(s.declared for s in rs.sources) else ""
    # "share" and "records" had no stated basis (counsel 18).
    basis = f'<p class="note" id="sources-basis">{esc(sources_basis(rs.counts.scanned))}</p>'
    if any(s.indexed for s in rs.sources):
        basis += f'<p class="note" id="source-facts">{esc(SOURCE_FACTS_NOTE)}</p>'
    # Each indexed source's basis, or that none is recorded (outside counsel 21), as a list under
    # the table: a long basis in a cell widened the printed table past the page.
    bases = [
        f'<li><span class="mono">{esc(s.source)}</span>: {esc(s.basis or provenance.SHORT)}</li>'
        for s in rs.sources
        if s.indexed and not s.background
    ]
    if bases:
        basis += (
            '<p class="note">Basis of each indexed source\'s facts:</p>'
            f'<ul class="note" id="source-bases">{"".join(bases)}</ul>'
        )

    return table(head, rows, "sources") + basis + note


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _ident(value: str | None) -> str:
    """An id, never broken inside; a licence expression breaks between its ids and operators,
    and a long id after its hyphens ("CC-BY-NC-4.0 AND LicenseRef-Alpaca-Research-Use-Only", a
    catalogue entry's, widened the printed table past the page as one unbreakable run)."""
    if not value:
        return ""
    return " ".join(
        f'<span class="mono name">{breakable(part, "-")}</span>'
        if len(part) > 24
        else f'<span class="id">{esc(part)}</span>'
        for part in value.split()
    )


def _unruled_cell(s: SourceRow) -> str:
    """Records matched under no rule: a number linked to where they are listed, never blank
    beside a "0 records" that would read as "nothing of this source was found"."""
    if not s.unruled:
        return ""
    convergent = f" ({s.unruled_convergent:,} likely convergence)" if s.unruled_convergent else ""
    return f'<a href="#unmatched">{s.unruled:,}</a>{convergent}'
