"""``--format text``: a findings table and the evidence of each finding, for a terminal."""

from __future__ import annotations

import difflib
from itertools import islice
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from provcheck.model import Action, Finding, ScanResult
from provcheck.report.base import Formatter, ReportContext
from provcheck.report.terminal import printable

_STYLE = {
    Action.BLOCK: "bold red",
    Action.REVIEW: "yellow",
    Action.WARN: "magenta",
    Action.INFO: "cyan",
}
EVIDENCE_SHOWN = 20
"""Findings whose evidence is printed in full; the rest are in the table only."""
TABLE_ROWS = 200
"""Findings listed in the table (the most severe first); the rest are counted. A terminal is
for people: every finding is in the json, html, csv and sarif reports."""
_EXCERPT = 320


def where(f: Finding) -> str:
    """``path:line`` (or ``path#index``) and the turn."""
    rec = f.record
    if rec is None:
        return printable(f.path)
    loc = rec.location
    at = f"{loc.path}:{loc.line}" if loc.line else f"{loc.path}#{loc.index}"
    return printable(f"{at} record {loc.index} {rec.turn.role}[{rec.turn.position}]")


def _clip(text: str, limit: int = _EXCERPT) -> str:
    text = printable(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def side_by_side(cand: str, ref: str, limit: int = _EXCERPT) -> tuple[Text, Text]:
    """Both excerpts, starting a little before their first difference, differences styled."""
    a, b = printable(cand).split(), printable(ref).split()
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    first = next((op for op in ops if op[0] != "equal"), None)
    back = 12
    start_a = max(0, first[1] - back) if first else 0
    start_b = max(0, first[3] - back) if first else 0

    def render(words: list[str], start: int, changed: set[int]) -> Text:
        out = Text("… " if start else "")
        used = len(out)
        for i in range(start, len(words)):
            if used + len(words[i]) + 1 > limit:
                out.append("…")
                break
            out.append(words[i], style="bold red" if i in changed else "")
            out.append(" ")
            used += len(words[i]) + 1
        return out

    changed_a = {i for tag, i1, i2, _, _ in ops if tag != "equal" for i in range(i1, i2)}
    changed_b = {j for tag, _, _, j1, j2 in ops if tag != "equal" for j in range(j1, j2)}
    return render(a, start_a, changed_a), render(b, start_b, changed_b)


class TextFormatter(Formatter):
    """Human-readable report."""

    def write(self, result: ScanResult, context: ReportContext, out: TextIO) -> None:
        """Table of findings (the first ``TABLE_ROWS``), then evidence blocks."""
        console = Console(
            file=out,
            force_terminal=context.color,
            no_color=not context.color,
            width=context.width,
            highlight=False,
            soft_wrap=False,
        )
        if not result.findings:
            console.print("No findings.")
            return
        table = Table(show_lines=False, expand=True)
        # The message says most: it gets the most room; scores never wrap.
        table.add_column("action", no_wrap=True)
        for name in ("rule", "record", "source"):
            table.add_column(name, overflow="fold", ratio=2)
        for name in ("sim", "cont"):
            table.add_column(name, no_wrap=True, justify="right")
        table.add_column("message", overflow="fold", ratio=4)
        for f in islice(result.findings, TABLE_ROWS):
            action = f.action.value + (" (waived)" if f.waived else "")
            src = f.source.name if f.source else ""
            sim = f"{f.match.evidence.similarity:.2f}" if f.match else ""
            cont = f"{f.match.evidence.containment:.2f}" if f.match else ""
            table.add_row(
                Text(action, style=_STYLE[f.action]),
                escape(printable(f.rule.id)),
                escape(where(f)),
                escape(printable(src)),
                sim,
                cont,
                escape(printable(f.message)),
            )
        console.print(table)
        unlisted = len(result.findings) - TABLE_ROWS
        if unlisted > 0:
            console.print(
                f"… {unlisted:,} more findings: see the json or html report "
                f"(this table lists the first {TABLE_ROWS}, most severe first)",
                markup=False,
            )
        for f in islice(result.findings, EVIDENCE_SHOWN):
            self._evidence(console, f)
        hidden = len(result.findings) - EVIDENCE_SHOWN
        if hidden > 0:
            console.print(f"\n… evidence of {hidden} more findings is in the json and html reports")

    @staticmethod
    def _evidence(console: Console, f: Finding) -> None:
        console.print()
        console.print(Text(f"[{f.action.value}] {printable(f.rule.id)}: {where(f)}", style=_STYLE[f.action]))
        if f.downgraded_from:
            st = f.match.strength if f.match is not None else None
            why = (
                "evidence is short"
                if st is None or (f.match is not None and f.match.evidence.short)
                else (
                    f"likely convergence ({st.convergence})"
                    if st.convergence
                    else "probability of derivation too low"
                )
            )
            console.print(f"  (rule action {f.downgraded_from.value}; lowered: {why})", markup=False)
        if f.match is not None:
            m = f.match
            ev = m.evidence
            ref = m.reference
            console.print(
                f"  {ev.kind.value}: similarity {ev.similarity:.2f}, containment "
                f"{ev.containment:.2f}, coverage {ev.coverage:.2f}, {ev.matched_tokens} tokens",
                markup=False,
            )
            if m.strength is not None:
                console.print(printable(f"  {m.strength.reason}"), markup=False)
                if len(m.strength.sources) > 1:
                    console.print(
                        printable(f"  also matches: {', '.join(m.strength.sources[1:])}"), markup=False
                    )
            chain = " <- ".join(s.name for s in f.chain) or ref.source.name
            console.print(
                printable(
                    f"  reference {ref.id} of {chain} ({ref.source.provider or '?'}/"
                    f"{ref.source.generator or '?'})"
                ),
                markup=False,
            )
            span = max(ev.spans, key=lambda s: s.matched_tokens)
            cand, refx = side_by_side(
                m.record.turn.text[span.candidate.start : span.candidate.end],
                ref.turn.text[span.reference.start : span.reference.end],
            )
            console.print(Text("  candidate: ", style="bold") + cand)
            console.print(Text("  reference: ", style="bold") + refx)
        if f.marker is not None:
            mk = f.marker
            times = f", {mk.count} times in the turn" if mk.count > 1 else ""
            console.print(
                Text("  marker: ", style="bold")
                + Text(
                    f"{printable(mk.label)}: «{_clip(mk.text, 120)}» at {mk.span.start}-{mk.span.end}{times}"
                )
            )
        if f.declaration is not None:
            d = f.declaration
            console.print(printable(f"  declared in {d.path}:{d.line}: {d.key} = {d.value}"), markup=False)
            if f.chain:
                chain = " <- ".join(s.name for s in f.chain)
                console.print(printable(f"  resolves to {chain}"), markup=False)
        if f.rule.clause is not None:
            c = f.rule.clause
            console.print(Text("  clause: ", style="bold") + Text(f"“{_clip(c.quote, 400)}”"))
            parts = [c.document, c.section, f"effective {c.effective or '?'}", c.url]
            console.print(
                printable("    " + ", ".join(p for p in parts if p) + f" [{c.confidence or 'unrated'}]"),
                markup=False,
            )
            if c.note:
                console.print(printable(f"    note: {c.note}"), markup=False)
        if f.waiver is not None:
            w = f.waiver
            flag = " (PLACEHOLDER: fill in reason and approver)" if w.placeholder else ""
            until = f", until {w.expires}" if w.expires else ""
            console.print(
                printable(
                    f"  waiver ({f.waiver_state.value}): {w.reason} — {w.approver}, {w.date}{until}{flag}"
                ),
                markup=False,
            )
