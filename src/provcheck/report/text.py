"""``--format text``: a findings table and the evidence of each finding, for a terminal."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from itertools import islice
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from provcheck.model import Action, Finding, ScanResult, SourceInfo, WaiverState
from provcheck.report import basis, checked, clauses
from provcheck.report import overview as ov
from provcheck.report.base import Formatter, ReportContext
from provcheck.report.decision import decision_line
from provcheck.report.evidence import token_ranges, withheld_note
from provcheck.report.headline import record_verdict, rows_said
from provcheck.report.meaning import (
    CLEAN_LIMITS,
    PROBABILITY_BASIS,
    kind_label,
    lowered_because,
    meaning,
    tested_on,
)
from provcheck.report.method import measured, rates_paragraph
from provcheck.report.overview import coverage
from provcheck.report.records import (
    DATASET_LEVEL_NOTE,
    SOURCE_FACTS_NOTE,
    RecordSummary,
    provenance_bases,
    record_view,
    sources_basis,
    unruled_line,
    via_text,
    with_share,
)
from provcheck.report.terminal import printable

_STYLE = {
    Action.BLOCK: "bold red",
    Action.REVIEW: "yellow",
    Action.WARN: "magenta",
    Action.INFO: "cyan",
}
_STYLE_OF = {a.value: style for a, style in _STYLE.items()} | {"waived": "dim"}
EVIDENCE_SHOWN = 20
"""Findings whose evidence is printed in full; the rest are in the table only."""
TABLE_ROWS = 200
"""Records listed in the table (the most severe first); the rest are counted. A terminal is
for people: every record and finding is in the json, html, csv and sarif reports."""
_EXCERPT = 320


def _min_width(table: Table) -> int:
    """Columns the table needs so that no cell is folded or cut (borders and padding counted)."""
    widths = [0] * len(table.columns)
    for i, col in enumerate(table.columns):
        cells = [col.header, *col.cells]
        for cell in cells:
            text = cell.plain if isinstance(cell, Text) else str(cell)
            widths[i] = max(widths[i], *(len(line) for line in text.split("\n")))
    return sum(widths) + 3 * len(widths) + 1


def where(f: Finding) -> str:
    """``path:line`` (or ``path#index``) and the turn."""
    rec = f.record
    if rec is None:
        return printable(f.path)
    loc = rec.location
    at = f"{loc.path}:{loc.lines}" if loc.line else f"{loc.path}#{loc.index}"
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


def _cell(text: str, style: str = "") -> Text:
    return Text(printable(text), style=style)


def _lines(items: Sequence[str]) -> Text:
    return Text("\n".join(printable(i) for i in items))


class TextFormatter(Formatter):
    """Human-readable report: verdict in records, sources, records with findings, evidence."""

    def write(self, result: ScanResult, context: ReportContext, out: TextIO) -> None:
        """Sources and records tables first (records, not findings, are what is affected), then
        the evidence of the first ``EVIDENCE_SHOWN`` findings."""
        rs = record_view(result, context.fail_on)
        verdict = ov.verdict(result, context.fail_on)
        sources = self._sources(rs)
        records = self._records(rs)
        # Identifiers (paths, rule ids, source names) are never folded mid-word: the tables are
        # as wide as their widest identifier needs, even when that is wider than the terminal.
        need = max(_min_width(sources), _min_width(records) if records is not None else 0)
        console, wide = (
            Console(
                file=out,
                force_terminal=context.color,
                no_color=not context.color,
                width=width,
                highlight=False,
                emoji=False,  # data is shown as written: ":warning:" in a record stays text
                soft_wrap=False,
            )
            for width in (context.width, max(context.width, need))
        )
        read = coverage(result)
        # One line, never wrapped: own_report() recognises a text report by its start.
        heading = printable("provcheck report · " + " · ".join(ov.summary_lines(result)))
        console.print(heading, markup=False, soft_wrap=True)
        console.print(
            printable(
                record_verdict(
                    rs.counts, verdict, ov.declared_use(result.run), ov.fact_text(result.run.changed_since)
                )
            ),
            markup=False,
        )
        if unbased := basis.unrecorded_line(result):
            console.print(printable(unbased), markup=False)
        if context.decision is not None:
            line = decision_line(context.decision, result, rs.identity.digest)
            console.print(printable(line), markup=False)
        console.print("\nBy source (records; after +, dataset-level findings):", markup=False)
        wide.print(sources)
        console.print(printable(sources_basis(rs.counts.scanned)), markup=False)
        if any(src.indexed for src in rs.sources):
            console.print(printable(SOURCE_FACTS_NOTE), markup=False)
        if (bases := provenance_bases(rs.sources)) is not None:
            console.print(printable(bases), markup=False)
        if any(src.declared for src in rs.sources):
            console.print(printable(DATASET_LEVEL_NOTE), markup=False)
        if unruled := unruled_line(rs, ov.declared_use(result.run)):
            console.print(printable(unruled), markup=False)
        if missing := ov.providers_not_indexed(result.run):
            console.print(printable(missing), markup=False)
        if records is None:
            console.print(f"No findings. {CLEAN_LIMITS}", markup=False)
            if read:
                console.print(read, markup=False)
            console.print("\n" + printable(_rates(result)), markup=False)
            self._rules(console, result)
            console.print(printable(ov.scanned_line(result.run)), markup=False, soft_wrap=True)
            console.print(printable(_written_by(result, rs)), markup=False, soft_wrap=True)
            return
        console.print(printable(f"Records with findings ({rows_said(rs.rows)}):"), markup=False)
        wide.print(records)
        unlisted = len(rs.rows) - TABLE_ROWS
        if unlisted > 0:
            console.print(
                f"… {unlisted:,} more records with findings: see the json or html report "
                f"(this table lists the first {TABLE_ROWS}, most severe first)",
                markup=False,
            )
        quoted: set[str] = set()  # each clause's words in full once, then referred to
        for f in islice(result.findings, EVIDENCE_SHOWN):
            self._evidence(console, f, quoted)
        hidden = len(result.findings) - EVIDENCE_SHOWN
        if hidden > 0:
            console.print(f"\n… evidence of {hidden} more findings is in the json and html reports")
        shown = [m for f in islice(result.findings, EVIDENCE_SHOWN) if (m := meaning(f)) is not None]
        if any(m.probability for m in shown):
            console.print()
            console.print(
                printable(f"Every estimated probability of derivation is {PROBABILITY_BASIS}."), markup=False
            )
        legend = clauses.legend_line(f.rule.clause for f in islice(result.findings, EVIDENCE_SHOWN))
        if legend:
            console.print()
            console.print(printable(legend), markup=False)
        if read:
            console.print("\n" + read, markup=False)
        console.print("\n" + printable(_rates(result)), markup=False)
        self._rules(console, result)
        console.print()
        console.print(printable(ov.scanned_line(result.run)), markup=False, soft_wrap=True)
        console.print(printable(_written_by(result, rs)), markup=False, soft_wrap=True)

    @staticmethod
    def _sources(rs: RecordSummary) -> Table:
        table = Table(expand=False)
        table.add_column("source", no_wrap=True)
        for name in ("provider", "licence", "terms"):
            table.add_column(name, no_wrap=True)
        # Records that block, and records with review, warn or info only, each with its share;
        # after "+", dataset-level findings, which are not records (counsel 23: its title said records).
        for name in (
            "texts",
            "records that block",
            "records review/warn/info only (+ dataset-level findings)",
        ):
            table.add_column(name, no_wrap=True, justify="right")
        table.add_column("worst", no_wrap=True)
        table.add_column("no rule", no_wrap=True, justify="right")  # matched under no rule
        for src in rs.sources:
            texts = "" if src.texts is None else f"{src.texts:,}"
            table.add_row(
                _cell(
                    src.source
                    + ("" if src.indexed else " (not indexed)")
                    + via_text(src)
                    + (" (background)" if src.background else "")  # independent: never findings
                ),
                _cell(src.provider or ""),
                _cell(src.license or ""),
                _cell(src.terms or ""),
                Text(
                    texts + (" (empty)" if src.indexed and src.texts == 0 else ""),
                    style="bold red" if src.texts == 0 else "",
                ),
                with_share(src.blocking, src.blocking_share),
                # A declaration's findings are about the dataset, not a record: without them the
                # row of a source named only by the card read "0 / 0" beside a worst of review.
                with_share(src.not_blocking, src.not_blocking_share)
                + (f" + {src.declared:,} dataset-level" if src.declared else ""),
                _cell(src.worst or "", _STYLE_OF.get(src.worst or "", "")),
                f"{src.unruled:,}" if src.unruled else "",
            )
        return table

    @staticmethod
    def _records(rs: RecordSummary) -> Table | None:
        if not rs.rows:
            return None
        table = Table(expand=False)
        table.add_column("worst", no_wrap=True)
        table.add_column("record", no_wrap=True)
        table.add_column("id", no_wrap=True)
        table.add_column("rules", no_wrap=True)
        table.add_column("sources", no_wrap=True)
        table.add_column("findings", no_wrap=True, justify="right")
        for r in rs.rows[:TABLE_ROWS]:
            table.add_row(
                _cell(r.worst or "", _STYLE_OF.get(r.worst or "", "")),
                _cell(r.location),
                _cell(r.id or ""),
                _lines(r.labelled_rules),  # one identifier per line, never folded
                _lines(r.sources),
                f"{r.findings:,}",
            )
        return table

    @staticmethod
    def _rules(console: Console, result: ScanResult) -> None:
        """Every rule of the policy, fired or not (counsel 21: what was and was not tested)."""
        console.print()
        rules = checked.rules_checked(result)
        console.print(printable(checked.rules_line(result) + (":" if rules else "")), markup=False)
        # The rules that made findings in full; the others by id (the demo's policy has 72: a
        # line each buried the findings; JSON and HTML give each its title and clause).
        if rules:
            console.print(printable(f"  ({checked.CLAUSE_NOTE}.)"), markup=False)
        for r in rules or ():
            if r.enabled and r.findings:
                console.print(
                    printable(f"  [{r.action}] {r.id}: {r.title}; clause: {r.clause_cited}; {r.outcome}"),
                    markup=False,
                )
        for said, group in checked.quiet_groups(rules or ()):
            console.print(printable(f"  {said} ({len(group):,}): {', '.join(group)}"), markup=False)

    @staticmethod
    def _evidence(console: Console, f: Finding, quoted: set[str]) -> None:
        console.print()
        action = f"{f.action.value} (waived)" if f.waived else f.action.value
        console.print(Text(f"[{action}] {printable(f.rule.id)}: {where(f)}", style=_STYLE[f.action]))
        if f.downgraded_from:
            why = lowered_because(f)
            console.print(f"  (rule action {f.downgraded_from.value}; lowered: {why})", markup=False)
        if f.match is not None:
            m = f.match
            ev = m.evidence
            ref = m.reference
            console.print(
                f"  {kind_label(ev)}; similarity {ev.similarity:.2f}, containment "
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
                printable(f"  reference {ref.id} of {chain} ({_author(ref.source)})"),
                markup=False,
            )
            rests = basis.permission_note(f)
            if rests is not None and not rests[1]:  # a permission on the index builder's word alone
                console.print(printable(f"  rests on: {rests[0]}"), markup=False)
            span = max(ev.spans, key=lambda s: s.matched_tokens)
            note = withheld_note(ref)
            if note is not None:
                # No reference text to compare: the candidate's aligned passage, and who withholds the rest.
                cand = Text(_clip(m.record.turn.text[span.candidate.start : span.candidate.end]))
                refx = Text(printable(f"{note}; aligned tokens {token_ranges(m)}"))
            else:
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
            place = f"{d.path}:{d.line}" if d.line else f"{d.path} (its records' own fields)"
            if d.field is not None and d.key == "generator":
                at = f"{d.path}:{d.line}" if d.line else d.path
                place = f"{at} (field {d.field} of {d.records or 0:,} record(s))"
            console.print(printable(f"  declared in {place}: {d.key} = {d.value}"), markup=False)
            if d.field is not None and d.key == "generator":
                console.print(printable(f"  {f.message}"), markup=False)
            if f.chain:
                chain = " <- ".join(s.name for s in f.chain)
                console.print(printable(f"  resolves to {chain}"), markup=False)
        said = meaning(f)
        if said is not None:
            console.print(Text("  shows: ", style="bold") + Text(printable(said.shows)))
            console.print(Text("  does not show: ", style="bold") + Text(printable(said.does_not_show)))
        if f.rule.when:
            console.print(
                Text("  applies when: ", style="bold") + Text(printable(f.rule.when_words or f.rule.when))
            )
            if (whose := tested_on(f)) is not None:
                console.print(printable(f"  ({whose})"), markup=False)
            if f.rule.when_words:
                console.print(
                    Text("  as written in the policy: ", style="bold") + Text(printable(f.rule.when))
                )
        if f.rule.clause is not None:
            c = f.rule.clause
            # In full: clipped at 400 characters, the CC BY-NC quote lost the definition of
            # NonCommercial (section 1(i)) that its citation names (counsel 20, P15). Repeated
            # clauses are referred to, not printed again.
            if not c.quote:
                shown = clauses.NO_WORDING
            elif c.quote in quoted:
                shown = "as quoted in full above (the same words of the same document)"
            else:
                quoted.add(c.quote)
                shown = f"“{printable(' '.join(c.quote.split()))}”"
            console.print(Text("  clause: ", style="bold") + Text(shown))
            console.print(printable("    " + clauses.citation(c)), markup=False)
            if c.note:
                console.print(printable(f"    note: {c.note}"), markup=False)
        if f.waiver is not None:
            w = f.waiver
            if f.waiver_state is WaiverState.NOT_CREDITED:
                state = f"{ov.NOT_CREDITED.upper()}, finding open: {'; '.join(w.not_credited)}"
                flag = ""
            else:
                state = f.waiver_state.value
                flag = f" (PLACEHOLDER-LIKE: {ov.waiver_doubts(w)})" if w.placeholder_like else ""
            until = f", until {w.expires}" if w.expires else ""
            console.print(
                printable(f"  waiver ({state}): {w.reason} — {w.approver}, {w.date}{until}{flag}"),
                markup=False,
            )


def _rates(result: ScanResult) -> str:
    """The method's error rates and main limits: a verdict printed without them read as exact
    (counsel 21, P6); the wording is the HTML report's (``report.method``)."""
    return rates_paragraph(measured(), result.run.tool.build, ov.changed_thresholds(result.run))


def _author(source: SourceInfo) -> str:
    """Who wrote the reference's text, as the index records it: ``openai/gpt-4``; "?/?" for a
    source without either read as a fault of the report (counsel 19), so what is not recorded
    is said in words."""
    if source.provider is None and source.generator is None:
        who = "provider and model not recorded in the index"
    else:
        who = f"{source.provider or 'provider not recorded'}/{source.generator or 'model not recorded'}"
    # What those facts rest on (outside counsel 21): the basis itself is under By source.
    return who + ("; basis recorded, under By source" if basis.recorded(source) else f"; {basis.SHORT}")


def _written_by(result: ScanResult, rs: RecordSummary) -> str:
    """Which report, written by which build, under which policy files: what a reader quoting this
    output needs to name exactly (each file's SHA-256 is in the json and html reports)."""
    files = ov.policy_files(result.run)
    return (
        f"Report {rs.identity.id}, written by {ov.tool_text(result.run)}; policy digest "
        f"{ov.fact_text(result.run.policy.digest) or 'none'} over {len(files):,} file(s), each with "
        "its own SHA-256 in the json and html reports."
    )
