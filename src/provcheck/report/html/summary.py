"""The first pages of the HTML report: executive summary and scope, sources, records, decision.

Counsel reads these and decides; the evidence that follows backs them up. Everything counts
records, not findings (``provcheck.report.records``). Every value from data is escaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TextIO

from provcheck.model import ScanResult
from provcheck.report import overview as ov
from provcheck.report.basis import unrecorded_line
from provcheck.report.headline import record_verdict, rows_said
from provcheck.report.html.charts import bar_chart
from provcheck.report.html.markup import badge, breakable, dl, esc, idents, table
from provcheck.report.html.sources import sources_table
from provcheck.report.kinds import evidence_kinds, short_only
from provcheck.report.meaning import SHORT_ONLY
from provcheck.report.method import (
    CAN_BLOCK_MEANS,
    FALSE_POSITIVE_MEANS,
    RECALL_MEANS,
    Measured,
    can_block_range,
    edited_throughout,
    false_positive,
    measured,
    measured_apart,
    measured_code,
    recall_range,
)
from provcheck.report.records import (
    RUN_ROW,
    WAIVED,
    RecordSummary,
    unruled_line,
)

EVIDENCE_NOTE = "evidence-note"
"""Id of the paragraph that says how much evidence the document shows."""


def _mono(value: object) -> str:
    return f'<span class="mono">{esc(value)}</span>' if value not in (None, "") else ""


def not_scanned(result: ScanResult) -> list[str]:
    """What the scan did not look at, in words (empty when it read everything it was given)."""
    run = result.run
    out: list[str] = []
    if result.errors:
        out.append(f"{len(result.errors):,} unreadable file(s) or record(s) (listed under Unreadable input)")
    files = ov.not_scanned_line(result)
    if files:
        out.append(files)
    roles = ov.fact_text(run.roles)
    if roles:
        out.append(f"turns other than {roles} ({ov.roles_from(run)})")
    since = ov.fact_text(run.changed_since)
    if since:
        out.append(f"records unchanged since {since} (--changed-since)")
    return out


def files_not_scanned(result: ScanResult, limit: int) -> str:
    """Every file found but not scanned, with why: counsel cannot tell from a count and a few
    suffixes whether ``train.jsonl.zip`` or ``.hidden.jsonl`` was among them (empty when none)."""
    items = result.not_scanned
    if not items:
        return ""
    rows = [[_mono(n.path), esc(n.reason)] for n in items[:limit]]
    more = len(items) - len(rows)
    # A card's declarations are findings of this report: "nothing about their content" said the
    # opposite of the Evidence section.
    cards = ov.declared_unscanned(result)
    read = (
        f" Of {', '.join(_mono(p) for p in cards)}, the front matter was read: what it declares is "
        "listed under Evidence with the rules applied to it; the rest of it was not scanned."
        if cards
        else ""
    )
    return (
        f"<h3>Files not scanned</h3><p><b>{len(items):,} file(s) found were not scanned</b> "
        "(not errors: types provcheck does not read, hidden files, reports, files the "
        "configuration leaves out); the verdict says nothing about their content"
        f"{' beyond what is said below' if cards else ''}.{read}</p>"
        + table(["file", "why it was not scanned"], rows)
        + (f'<p class="note">… and {more:,} more in the JSON report.</p>' if more > 0 else "")
    )


def error_rates(result: ScanResult) -> str:
    """The method's measured error rates with their definitions, in plain words (the wording is
    ``report.method``'s, which the text and Markdown reports print too)."""
    m = measured()
    changed = ov.changed_thresholds(result.run)
    caveat = (
        f'<p class="notice"><b>This scan did not use the default thresholds</b> '
        f"({esc('; '.join(changed))}): the rates below were measured at the defaults and do not "
        "describe it (a higher threshold finds fewer copies).</p>"
        if changed
        else ""
    )
    # What the gate does first: a gate failing on block passes the copies found only for review,
    # and "found 96.8%-100%" read as what it stops (outside counsel 20, P18).
    rng = can_block_range(m)
    gate = f"<p><b>Copies that can block</b> ({esc(CAN_BLOCK_MEANS)}): {esc(rng)}. " if rng else "<p>"
    # Which code measured the figures, beside them: "provcheck 0.1.0" names every commit, so it
    # could not tell whether they describe the code that ran (outside counsel 21, P6).
    return caveat + (
        f"{gate}<b>Recall</b> ({esc(RECALL_MEANS)}): {esc(recall_range(m))} ({esc(measured_apart(m))}). "
        f"<b>False-positive rate</b> ({esc(FALSE_POSITIVE_MEANS)}): {esc(false_positive(m))}. "
        f'<span class="measured-code">{esc(measured_code(m, result.run.tool.build))}</span> Other kinds of '
        'text may differ (see <a href="#method">Method and limits</a>).</p>' + _same_prompt_line(m)
    )


def _same_prompt_line(m: Measured) -> str:
    """The hardest same-prompt negative set measured, so that the summary's false-positive rate
    is not read as the rate for an index holding many answers to the same prompts (it is not).
    The unfiltered set (b), every answer, where there is one: the filtered set (a) leaves out the
    answers that share most wording, as the rate above does (outside counsel read 19)."""
    rows = [r for r in m.same_prompt if r.records]
    kind = "b" if any(r.set == "b" for r in rows) else "a"
    chosen = [r for r in rows if r.set == kind]
    if not chosen:
        return ""
    worst = max(chosen, key=lambda r: r.matched / r.records)
    share = worst.matched / worst.records
    sets = dict(m.same_prompt_sets)
    answers = m.same_prompt_what.split(", against ", 1)[0]
    what = "; ".join(
        x
        for x in (
            f"from {esc(answers)}" if answers else "",
            f"set ({kind}), {esc(sets[kind])}" if kind in sets else "",
        )
        if x
    )
    what = f" ({what})" if what else ""
    return (
        f"<p><b>Independent answers to the same prompts</b>{what}, against an index holding "
        f"{esc(worst.refs)} answers to each prompt (the hardest case measured, with "
        f"<code>{esc(m.same_prompt_command)}</code>): {worst.matched:,} of {worst.records:,} "
        f"({share:.2%}) matched some reference, {worst.verified:,} "
        f"({worst.verified / worst.records:.2%}) with a match not explained by convergence, "
        f"{worst.not_convergent:,} ({worst.not_convergent / worst.records:.2%}) without being marked as "
        f"likely convergence, and {worst.blocking:,} could block. Such matches are reported for review, "
        "not as copies.</p>"
    )


def executive_summary(
    result: ScanResult,
    verdict: ov.Verdict,
    rs: RecordSummary,
    evidence_note: str,
    charts: Iterable[str],
) -> str:
    """Verdict with record counts, scope, sources, what a clean result proves, error rates."""
    run = result.run
    c = rs.counts
    indexed = [s for s in rs.sources if s.indexed]
    empty = [s for s in indexed if s.texts == 0]
    background = [s for s in indexed if s.background]
    gaps = not_scanned(result)
    policy = ov.policy_label(run, "default (every match is a review finding)")
    digest = ov.fact_text(run.policy.digest)
    scope = dl(
        [
            ("Dataset", _mono(ov.fact_text(run.paths))),
            (
                "Read",
                f"{c.scanned:,} records ({result.stats.turns:,} texts) in {result.stats.files:,} file(s)",
            ),
            *[("Coverage", esc(line)) for line in [ov.coverage(result)] if line],
            ("Declared use", esc(ov.declared_use(run))),
            ("Policy", esc(policy) + (f"; digest {_mono(digest)}" if digest else "")),
            # A pack's rule the user's file redefined or turned off reads as the pack's own
            # judgement in the findings: counsel has to see that the file decided it.
            *[("Policy overrides", f"<b>{esc(line)}</b>") for line in [ov.overrides_line(run)] if line],
            *[("Settings replaced", f"<b>{esc(line)}</b>") for line in [ov.replaced_line(run)] if line],
            *[("Read by content", esc(line)) for line in [ov.read_by_content_line(result)] if line],
            *[("Records joined", esc(line)) for line in [ov.joined_line(result)] if line],
            (
                "Checked against",
                f"{len(indexed):,} indexed source(s), {sum(s.texts or 0 for s in indexed):,} texts "
                f"(index digest {_mono(ov.fact_text(run.index.digest))})"
                + (
                    f"; <b>{len(empty):,} source(s) hold no text and could match nothing</b>: "
                    + esc(", ".join(s.source for s in empty))
                    if empty
                    else ""
                )
                + (
                    f"; <b>{len(background):,} of them background</b> (independent text: never a "
                    "finding, and a passage it holds is set aside as convergence): "
                    + esc(", ".join(s.source for s in background))
                    if background
                    else ""
                ),
            ),
            (
                "Not scanned",
                esc("; ".join(gaps)) if gaps else "nothing left out: every record given was read",
            ),
            ("Fails on", esc("/".join(verdict.fail_on) or "never")),
            ("Report", f"{_mono(rs.identity.id)}, digest {_mono(rs.identity.digest)}"),
        ]
    )
    records_line = (
        f"<p class='records-line'><b>{c.with_findings:,}</b> of <b>{c.scanned:,}</b> records have "
        f"open findings; <b>{c.blocking:,}</b> block"
        + (f"; {c.info_only:,} with information only (action info)" if c.info_only else "")
        + (
            f"; {c.waived_only:,} more {'record has' if c.waived_only == 1 else 'records have'} "
            "only waived findings"
            if c.waived_only
            else ""
        )
        + (f"; {c.dataset_level:,} dataset-level finding row(s)" if c.dataset_level else "")
        + f". {len(result.findings):,} findings in all (one record can carry several).</p>"
    )
    return (
        '<section id="summary"><h2>Executive summary</h2>'
        f'<div class="verdict {esc(verdict.status)}" id="verdict">'
        f"{esc(record_verdict(c, verdict, ov.declared_use(run), ov.fact_text(run.changed_since)))}</div>"
        + records_line
        + (
            f'<p class="notice" id="basis-not-recorded">{esc(unbased)}</p>'
            if (unbased := unrecorded_line(result))
            else ""
        )
        + '<p class="notice"><b>Not legal advice.</b> This report lists text in the dataset that provcheck '
        "verified, by alignment, as matching the indexed sources (or a marker phrase), and what the "
        "policy says about it; a match is evidence of shared text, not by itself proof of copying. "
        "Whether a use "
        "is permitted is for counsel to decide.</p>"
        + f'<p class="note" id="{EVIDENCE_NOTE}">{evidence_note}</p>'
        + "<h3>Scope</h3>"
        + scope
        + "<h3>By source</h3>"
        + sources_table(rs)
        + "<h3>What this result does and does not prove</h3>"
        + _proves(
            result,
            c.with_findings,
            len(indexed),
            unruled_line(rs, ov.declared_use(run)),
            c.waived_only
            + (result.waivers.waived if result.waivers is not None and not c.waived_only else 0),
        )
        + "<h3>Error rates of the method</h3>"
        + error_rates(result)
        + "<div class='charts'>"
        + "".join(charts)
        + "</div></section>"
    )


def _no_finding(result: ScanResult, waived: int = 0) -> str:
    """What a result without findings shows: "no record matched" only when none did; matches
    that no rule applies to are still matches (listed under Matches no rule applies to); and
    when every finding is waived, that rules did apply (it said "no rule of this policy
    applies", of records whose findings were waived)."""
    if waived:
        return (
            "<li>Rules of this policy apply to records of this dataset, and every finding they made is "
            'waived (see the <a href="#waivers">Waiver register</a>: who accepted each, why, and until '
            "when). A waiver records a decision to accept a finding, not that the finding is wrong.</li>"
        )
    matched = {(m.record.location.path, m.record.location.index) for m in result.unruled}
    if not matched:
        return (
            "<li>It shows that no record matched any of the indexed sources, "
            "under the thresholds stated.</li>"
        )
    return (
        f"<li>It shows that no rule of this policy applies, for the declared use, to any record that "
        f"matched; {len(matched):,} record(s) did match an indexed source and are listed under "
        '<a href="#unmatched">Matches no rule applies to</a>: a different policy or use may apply to '
        "them.</li>"
    )


def _proves(result: ScanResult, with_findings: int, sources: int, unruled: str = "", waived: int = 0) -> str:
    asserts, convergent, other = evidence_kinds(result)
    short = short_only(result)
    asserts -= short
    parts = []
    if asserts:
        parts.append(
            f"{asserts:,} record(s) contain text verified, by alignment, to match text of an indexed "
            "source closely enough to suggest it derives from it"
        )
    if short:
        parts.append(f"{short:,} record(s) {SHORT_ONLY}")
    if convergent:
        parts.append(
            f"{convergent:,} record(s) match an indexed source only in ways that independent answers "
            "also do (a common passage, the prompt's own words, code or a template); these are listed "
            "for review and are not evidence of copying"
        )
    if other:
        parts.append(
            f"{other:,} record(s) carry no match but a marker phrase or declaration the policy names"
        )
    found = (
        "<li>It shows that " + "; ".join(parts) + ". Each is listed with its evidence.</li>"
        if with_findings and parts
        else f"<li>{with_findings:,} record(s) have open findings; each is listed with its evidence.</li>"
        if with_findings
        else _no_finding(result, waived)
    )
    if unruled and (with_findings or waived):
        # Without findings, ``_no_finding`` already says it; with them, a verified copy of a
        # source no rule applies to was said nowhere above the evidence.
        found += (
            f"<li>{esc(unruled)} They are listed under "
            '<a href="#unmatched">Matches no rule applies to</a>.</li>'
        )
    return (
        "<ul class='proves'>"
        + found
        + f"<li>It checks only against the {sources:,} indexed source(s) above. Text written by other "
        "models, or by these models but not in the index, is <b>not detected</b>: a clean result does "
        "not show that the data was written by people.</li>"
        + (f"<li><b>{esc(missing)}</b></li>" if (missing := ov.providers_not_indexed(result.run)) else "")
        + "<li>Paraphrases, translations and passages shorter than the matching threshold are not "
        f"detected, nor is a copy edited throughout: {esc(edited_throughout(measured()))}.</li>"
        "<li>A copy cut across records is found only where Method and limits says (<i>Copies cut "
        "across records</i>): pieces long enough to be matched alone, or in shuffled order, are "
        "matched one record at a time.</li>"
        "<li>Files and records listed as not scanned were not checked.</li>"
        "<li>Which rule applies, and its action, come from the policy named above and the declared use; "
        "a different use may give a different result.</li></ul>"
    )


def record_charts(rs: RecordSummary) -> list[str]:
    """Charts of records (never findings): by worst action, by source, by rule."""
    order = ["block", "review", "warn", "info", WAIVED]
    # Per record, not per row: a run of short records is one row covering each of its records
    # (counsel 20: "block: 3" beside "Blocked: 12 of 16 records"); a record in two rows (its
    # own and a run's) counts once, at the worse of the two.
    each: dict[tuple[str, int], str] = {}
    rules: dict[tuple[str, int], set[str]] = {}
    for r in rs.rows:
        action = r.worst or WAIVED
        for i in r.covers:
            key = (r.path, i)
            if key not in each or order.index(action) < order.index(each[key]):
                each[key] = action
            if r.worst != WAIVED:
                rules.setdefault(key, set()).update(r.rules)
    worst = Counter(each.values())
    by_rule: Counter[str] = Counter(rule for held in rules.values() for rule in held)
    note = "records; waived-only records are not counted"
    return [
        bar_chart(
            "Records by worst action",
            [(a, worst[a]) for a in order],
            # The demo's review findings are all dataset-level: "review 0" beside them read as a
            # contradiction of the finding counts.
            _dataset_level_caption(rs) if rs.counts.dataset_level else "",
        ),
        bar_chart(
            "Records by source",
            [(s.source, s.records) for s in rs.sources if s.records],
            note,
        ),
        bar_chart("Records by rule", ov.counts(by_rule), note),
    ]


def _dataset_level_caption(rs: RecordSummary) -> str:
    """What "review 0" leaves out: the dataset-level rows' findings and their worst action
    (outside counsel 21: "review: 0" beside four review findings read as none to review)."""
    rows = [r for r in rs.rows if r.index is None and r.worst != WAIVED]
    findings = sum(r.findings for r in rows)
    worst = min((r.worst or WAIVED for r in rows), key=_ORDER.index, default=None)
    return (
        f"records; not counted: {rs.counts.dataset_level:,} dataset-level row(s) (declarations about "
        f"the dataset, not records) with {findings:,} finding(s)"
        + (f", worst action {worst}" if worst and worst != WAIVED else "")
        + ": listed under Records with findings"
    )


_ORDER = ["block", "review", "warn", "info", WAIVED]


def record_rows(rs: RecordSummary) -> Iterator[list[str]]:
    """One row per record with findings: location, id, rules, references, worst action."""
    for r in rs.rows:
        # A location stays on one line up to LOCATION_WHOLE characters; a longer one (an absolute
        # path) breaks after a '/', and a reference after a '/', ':', '=' or '-': kept whole, they
        # made the table wider than the printed page, which Chromium then shrank to fit.
        loc = (
            breakable(r.location)
            if len(r.location) > LOCATION_WHOLE
            else f'<span class="id">{esc(r.location)}</span>'
        )
        where = f'<a href="#f-{esc(r.first_id)}" class="mono name">{loc}</a>'
        rid = f'<span class="id">{esc(r.id)}</span>' if r.id else ""
        refs = idents(r.references, 3, cls="name")
        yield [where, rid, idents(r.labelled_rules, cls="name"), refs, f"{r.findings:,}", badge(r.worst)]


LOCATION_WHOLE = 40
"""Characters of a record's location (``path:line``) never broken across lines."""
RECORD_ROWS = 200
"""Rows of Records with findings built as elements when the page opens; the others are kept in
HTML comments (a browser builds nothing for them) and become rows on "Show all" or when the
page is printed: a table of 10,000 rows took the page from 1 s to 8 s to open."""
_CHUNK = 1000


def write_records(out: TextIO, rs: RecordSummary, for_print: bool = False) -> None:
    """Every record with a finding, one line each (the printed document's appendix too)."""
    out.write(
        '<section id="records"><h2>Records with findings</h2>'
        f"<p>Every record with a finding, one line each ({esc(rows_said(rs.rows))}), most severe first"
        + (f"; {RUN_ROW}" if any(r.end_index is not None for r in rs.rows) else "")
        + ". "
        "This list is complete in print; the evidence of each finding follows.</p>"
    )
    if not rs.rows:
        out.write("<p>No record has a finding.</p></section>")
        return
    head = "".join(
        f"<th>{h}</th>" for h in ("record", "id", "rules", "references", "findings", "worst action")
    )
    out.write(f'<table class="records"><thead><tr>{head}</tr></thead><tbody>')
    rows = ("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in record_rows(rs))
    if for_print:
        out.writelines(rows)
        out.write("</tbody></table></section>")
        return
    out.writelines(islice(rows, RECORD_ROWS))
    # Cells are this module's escaped markup: no ``>`` from data can end the comment early.
    while chunk := "".join(islice(rows, _CHUNK)):
        out.write(f"<!--rows {chunk}-->")
    out.write("</tbody></table>")
    if len(rs.rows) > RECORD_ROWS:
        out.write(
            f'<button type="button" id="all-records">Show all {len(rs.rows):,} records '
            f"({len(rs.rows) - RECORD_ROWS:,} not shown)</button>"
            f'<noscript><p class="note">{len(rs.rows) - RECORD_ROWS:,} more records are shown with '
            "JavaScript enabled and in print; all are in the JSON report.</p></noscript>"
        )
    out.write("</section>")
