"""``--format html``: one self-contained page for reviewers, counsel and archives.

No network, no external assets: the stylesheet and the small script are inlined and pinned by
a Content-Security-Policy hash, the charts are inline SVG. Every value from data is escaped.
"""

from __future__ import annotations

import base64
import hashlib
import json
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import resources
from itertools import islice
from typing import TextIO

from provcheck.matching.calibration import BLOCK_PROBABILITY, FITTED_ON, RELIABILITY
from provcheck.model import Action, Clause, RunRecord, ScanResult
from provcheck.report import overview as ov
from provcheck.report.base import Formatter, ReportContext
from provcheck.report.clauses import DEFAULT_TERMS, NO_RETRIEVAL
from provcheck.report.clauses import legend as quote_legend
from provcheck.report.html.finding import SCORE_LEGEND, card, clause_html, when_html
from provcheck.report.html.limits import PROMPTS, SPLIT_COPIES, heldout_limit
from provcheck.report.html.markup import dl, esc, table
from provcheck.report.html.rules import rules_section
from provcheck.report.html.signoff import decision_block, policy_files_html
from provcheck.report.html.summary import (
    executive_summary,
    files_not_scanned,
    record_charts,
    write_records,
)
from provcheck.report.html.unmatched import unmatched
from provcheck.report.html.waivers import waiver_register
from provcheck.report.identity import DIGEST_COVERS, ReportIdentity
from provcheck.report.method import (
    MATCH_PARAMETERS,
    NOT_INDEXED,
    NOT_PEOPLE,
    PARAPHRASE,
    TRANSLATION,
    Measured,
    edited_cited,
    measured,
    measured_code,
)
from provcheck.report.records import RecordSummary, RecordView, summarize

PAGE = 50
"""Findings shown per group before "Show more"."""
OPEN_LIMIT = 20
"""Reports with at most this many findings open every card (and so print without a script)."""
ROWS_SHOWN = 1000
"""Rows of the error and unmatched-match tables; all rows are in the JSON report."""
PRINT_EVIDENCE = 5
"""Findings per rule and source whose evidence is printed in full (every record with a finding
is printed in the records list; the first page says how much evidence is printed)."""


def _asset(name: str) -> str:
    return resources.files("provcheck.report.html").joinpath(name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _mono(value: object) -> str:
    return f'<span class="mono">{esc(value)}</span>' if value not in (None, "") else ""


def _paged(out: TextIO, cards: Iterable[str], total: int, for_print: bool = False) -> None:
    """The first page of cards as markup, the others as pages inside HTML comments.

    A browser builds no elements for a comment, so a report with 10,000 findings opens as fast
    as one with a few hundred; the script turns the next page into elements on "Show more" (or
    every page when the reader filters). The cards are this module's own escaped markup: data
    cannot end a comment early, since every ``>`` in data is escaped. Cards are made as they
    are written: one page at a time is in memory.
    """
    cards = iter(cards)
    if for_print:
        # The PDF shows what its first page says it shows, with no script to expand anything.
        for card_ in islice(cards, PRINT_EVIDENCE):
            out.write(card_)
        if total > PRINT_EVIDENCE:
            out.write(
                f'<p class="note">{total - PRINT_EVIDENCE:,} more finding(s) of this group: their records '
                'are in <a href="#records">Records with findings</a>, their evidence in the JSON and '
                "HTML reports.</p>"
            )
        return
    for card_ in islice(cards, PAGE):
        out.write(card_)
    while page := "".join(islice(cards, PAGE)):
        if "-->" in page or "--!>" in page:  # pragma: no cover - escaping makes this impossible
            out.write(page)
        else:
            out.write(f"<!--page {page}-->")
    if total > PAGE:
        out.write(
            f'<noscript><p class="note">{total - PAGE:,} more finding(s) of this group are '
            "shown with JavaScript enabled; all are in the JSON report.</p></noscript>"
        )


def _rule_clauses(overview: _Overview, rule: str, groups: Iterable[ov.Group]) -> list[str]:
    """Each clause a rule cites, quoted once, with the notes of the groups it applies to: the
    same wording with and without a note read as two clauses in the rule's header."""
    notes: dict[Clause, list[str]] = {}
    for g in groups:
        for c in overview.clauses.get((rule, g.origin), ()):
            said = notes.setdefault(replace(c, note=None, default_terms=False), [])
            lines = [f"Note for {ov.origin_words(g.origin)}: {c.note}" if c.note else ""]
            lines.append(f"Note for {ov.origin_words(g.origin)}: {DEFAULT_TERMS}" if c.default_terms else "")
            said += [line for line in lines if line and line not in said]
    return [
        clause_html(c) + "".join(f'<div class="note clause-note">{esc(n)}</div>' for n in said)
        for c, said in notes.items()
    ]


@dataclass(slots=True)
class _Overview:
    """What the page shows ahead of the findings, from one pass over them: counts for the
    charts, groups (positions of findings) and the clauses each group cites."""

    groups: list[tuple[str, list[ov.Group]]]
    tally: dict[str, Counter[str]]
    """Per rule: findings per action, waived ones apart."""
    clauses: dict[tuple[str, str], list[Clause]]
    """Per rule and origin: the clauses cited, in order of first citation."""
    waived: array[int] = field(default_factory=lambda: array("q"))
    """Positions of the findings with a waiver (in force or not)."""
    legend: list[tuple[str, str]] = field(default_factory=list)
    """Quote-confidence labels of the clauses cited, with their meaning."""
    records: RecordSummary | None = None
    """The result record first (rows, sources, counts, identity)."""

    @classmethod
    def of(cls, result: ScanResult, fail_on: frozenset[Action]) -> _Overview:
        grouper = ov.Grouper()
        view = RecordView(result.run, fail_on)
        out = cls([], {}, {})
        cited_all: dict[Clause, None] = {}
        for i, f in enumerate(result.findings):
            grouper.add(i, f)
            view.add(i, f)
            origin = ov.origin(f)
            out.tally.setdefault(f.rule.id, Counter())["waived" if f.waived else f.action.value] += 1
            if f.rule.clause is not None:
                cited_all.setdefault(f.rule.clause, None)
                cited = out.clauses.setdefault((f.rule.id, origin), [])
                if f.rule.clause not in cited:
                    cited.append(f.rule.clause)
            if f.waiver is not None:
                out.waived.append(i)
        out.groups = grouper.groups()
        out.legend = quote_legend(cited_all)
        out.records = summarize(view, result)
        return out

    @property
    def rs(self) -> RecordSummary:
        """The record summary (set by ``of``)."""
        assert self.records is not None
        return self.records

    def printed(self) -> tuple[int, int]:
        """Findings whose evidence is printed in full, of all findings."""
        sizes = [g.size for _, gs in self.groups for g in gs]
        return sum(min(n, PRINT_EVIDENCE) for n in sizes), sum(sizes)


def css_string(text: str) -> str:
    """``text`` as a CSS string literal: anything but letters, digits, space and plain
    punctuation is a hex escape, so data can neither end the string nor the style element."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;_-/#()+=@")
    return '"' + "".join(c if c in safe else f"\\{ord(c):06x} " for c in text) + '"'


def page_style(running: str) -> str:
    """Print pages: a running header (report id, dataset, date) and page numbers."""
    return (
        "@page { size: A4; margin: 16mm 12mm 16mm 12mm;"
        f" @top-left {{ content: {css_string(running)}; font: 8pt sans-serif; color: #475467; }}"
        ' @bottom-right { content: "page " counter(page) " of " counter(pages); font: 8pt sans-serif;'
        " color: #475467; } }"
        " @media print { .list > details.finding:nth-of-type(n+"
        f"{PRINT_EVIDENCE + 1}) {{ display: none; }} }}"
    )


class HtmlFormatter(Formatter):
    """The report for people who decide: summary, evidence, method and manifest in one file."""

    def __init__(self, for_print: bool = False) -> None:
        self.for_print = for_print
        """Written to be printed (the PDF): evidence cards open, limited to ``PRINT_EVIDENCE``
        per group, no controls and no script-held pages."""

    def write(self, result: ScanResult, context: ReportContext, out: TextIO) -> None:
        """The whole page, a finding at a time (one pass over the findings comes first, for
        the summary's counts, the records and the groups)."""
        css = _asset("report.css")
        js = _asset("report.js")
        run = result.run
        verdict = ov.verdict(result, context.fail_on)
        paths = ov.fact_text(run.paths) or ", ".join(f.path for f in result.files)
        overview = _Overview.of(result, context.fail_on)
        rs = overview.rs
        when = ov.scan_time(run)
        running = f"provcheck report {rs.identity.id} · {paths} · {when[:10]}"
        pages = page_style(running)
        csp = (
            f"default-src 'none'; style-src {_csp_hash(css)} {_csp_hash(pages)}; "
            f"script-src {_csp_hash(js)}; base-uri 'none'; form-action 'none'"
        )
        nav = [
            ("summary", "Summary"),
            ("decision", "Decision"),
            ("records", f"Records ({len(rs.rows):,} rows)"),
            ("findings", f"Evidence ({len(result.findings):,} findings)"),
            ("waivers", "Waivers"),
            ("rules", "Rules checked"),
            ("errors", f"Unreadable input ({len(result.errors):,})"),
            ("method", "Method and limits"),
            ("manifest", "Reproducibility"),
        ]
        version = ov.fact_text(run.tool.version)
        shown, total = overview.printed()
        evidence_note = (
            f"<b>Evidence in print:</b> the full side-by-side evidence of the first {PRINT_EVIDENCE} "
            f"findings of each rule and source, {shown:,} of {total:,} findings; every record with a "
            "finding is listed under Records with findings. All findings with their evidence are in "
            "the HTML report (on screen) and the JSON report of this scan, report "
            f"<span class='mono'>{esc(rs.identity.id)}</span>, digest "
            f"<span class='mono'>{esc(rs.identity.digest)}</span>."
            if total > shown
            else f"<b>Evidence in print:</b> the full evidence of all {total:,} findings is shown."
            if total
            else "<b>Evidence in print:</b> this scan has no findings, so there is no evidence to show."
        )
        out.write(
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="generator" content="provcheck">'
            f'<meta name="provcheck-report-id" content="{esc(rs.identity.id)}">'
            f'<meta name="provcheck-report-digest" content="{esc(rs.identity.digest)}">'
            f"<title>provcheck report {esc(rs.identity.id)}: {esc(paths)}</title>"
            f"<style>{css}</style><style>{pages}</style></head>"
            f'<body data-page="{PAGE}" data-print="{PRINT_EVIDENCE}" class="{esc(verdict.status)}'
            f'{" for-print" if self.for_print else ""}">'
            f'<header class="top"><h1>provcheck report: {esc(paths)}</h1>'
            f"<p>Report {esc(rs.identity.id)} · scanned {esc(when)} · provcheck {esc(version)}</p></header>"
            '<nav class="toc">' + "".join(f'<a href="#{a}">{esc(t)}</a>' for a, t in nav) + "</nav>"
            "<main>"
        )
        out.write(executive_summary(result, verdict, rs, evidence_note, record_charts(rs)))
        out.write(decision_block(context.decision, rs, paths, verdict.ungated, result))
        write_records(out, rs, self.for_print)
        self._findings(result, overview, out)
        out.write(unmatched(result, ROWS_SHOWN))
        out.write(waiver_register(result, overview.waived))
        out.write(rules_section(result))
        out.write(self._errors(result))
        out.write(self._method(run))
        out.write(self._manifest(result, rs.identity))
        out.write(
            "</main>"
            "<footer>Generated by provcheck from one scan; its findings, matches and errors are all in "
            f"the JSON report of the same scan (report {esc(rs.identity.id)}). Not legal advice.</footer>"
            + ("" if self.for_print else f"<script>{js}</script>")
            + "</body></html>\n"
        )

    # ---- sections

    def _findings(self, result: ScanResult, overview: _Overview, out: TextIO) -> None:
        if not result.findings:
            out.write(
                '<section id="findings"><h2>Evidence</h2><p>No findings: no verified match that a '
                "rule applies to.</p></section>"
            )
            return
        open_cards = self.for_print or len(result.findings) <= OPEN_LIMIT
        actions = "".join(
            f'<label><input type="checkbox" data-action="{a}" checked> {a}</label>'
            for a in ("block", "review", "warn", "info", "waived")
        )
        controls = (
            f'<div class="controls">{actions}'
            '<input type="search" id="search" placeholder="Filter: file, record, source, message…" '
            'aria-label="Filter findings">'
            '<button type="button" id="expand-all">Expand shown</button>'
            '<button type="button" id="collapse-all">Collapse all</button>'
            '<span id="filter-status" class="note"></span></div>'
        )
        legend = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in overview.legend)
        out.write(
            '<section id="findings"><h2>Evidence</h2>'
            '<p class="note">Every finding, grouped by rule, then by the source copied from (or the marker '
            "or declaration). Each finding opens to show the record and the reference side by side with "
            "the aligned text marked.</p>"
            f'<p class="note" id="score-legend">{esc(SCORE_LEGEND)}</p>'
            + (
                f'<dl class="legend" id="quote-confidence">Quote confidence: {legend}</dl>'
                f'<p class="note">{esc(NO_RETRIEVAL)}</p>'
                if legend
                else ""
            )
            + controls
        )
        findings = result.findings
        for rule, groups in overview.groups:
            first = findings[groups[0].positions[0]]
            by_action = overview.tally[rule]
            order = [*(a.value for a in ov.ACTIONS), "waived"]
            tally = ", ".join(f"{by_action[a]:,} {a}" for a in order if by_action[a])
            worst = groups[0].worst.value  # groups come most severe first
            clauses = _rule_clauses(overview, rule, groups)
            head = dl(
                [
                    ("Why", esc(first.rule.rationale) if first.rule.rationale else ""),
                    ("What to do", esc(first.rule.remediation) if first.rule.remediation else ""),
                    (
                        "Applies when",
                        when_html(first.rule, "; declared use: " + esc(ov.declared_use(result.run)))
                        if first.rule.when
                        else "",
                    ),
                    ("Clause" + ("s" if len(clauses) > 1 else ""), "".join(clauses) or clause_html(None)),
                ]
            )
            out.write(
                f'<details class="rule" open id="rule-{esc(rule)}"><summary>'
                f'<span class="badge {esc(worst)}">{esc(worst)}</span> {esc(rule)}: {esc(first.rule.title)} '
                f'<span class="count">({tally})</span></summary><div class="rule-body">{head}'
            )
            for g in groups:
                out.write(
                    f'<div class="group"><h4>{esc(g.origin)} <span class="count">{g.size:,} '
                    f'finding(s)</span> <span class="shown count"></span></h4>'
                    f'<div class="list" data-total="{g.size}">'
                )
                _paged(out, (card(findings[p], open_cards) for p in g.positions), g.size, self.for_print)
                out.write("</div></div>")
            out.write("</div></details>")
        out.write("</section>")

    @staticmethod
    def _errors(result: ScanResult) -> str:
        files = files_not_scanned(result, ROWS_SHOWN)
        if not result.errors:
            read = "No file or record failed to read." if files else "Every file and record was read."
            return f'<section id="errors"><h2>Unreadable input</h2><p>{read}</p>{files}</section>'
        rows = [
            [_mono(e.where()), esc(e.kind.value), _mono(e.field or ""), esc(e.message)]
            for e in result.errors[:ROWS_SHOWN]
        ]
        more = len(result.errors) - len(rows)
        return (
            '<section id="errors"><h2>Unreadable input</h2>'
            f"<p><b>{len(result.errors):,} file(s) or record(s) could not be read and were not scanned.</b> "
            "The verdict covers only what was read.</p>"
            + table(["where", "kind", "field", "problem"], rows)
            + (f'<p class="note">… and {more:,} more in the JSON report.</p>' if more > 0 else "")
            + files
            + "</section>"
        )

    @staticmethod
    def _method(run: RunRecord) -> str:
        fp = run.index.fingerprint
        n = fp.get("shingle_size", "?")
        w = fp.get("window", "?")
        run_len = (n + w - 1) if isinstance(n, int) and isinstance(w, int) else "?"
        match = run.match
        thresholds = table(
            ["parameter", "value used", "meaning"],
            [[_mono(k), esc(v), esc(MATCH_PARAMETERS.get(str(k), ""))] for k, v in match.items()],
        )
        m = measured()
        held = edited_cited(m)
        recall = table(
            ["copy of a reference", "recall", "of them, can block"],
            [
                [esc(r.what), f"{r.recall:.3f}", "" if r.can_block is None else f"{r.can_block:.3f}"]
                for r in m.recall
            ],
        )
        blockable = [r.can_block for r in m.recall if r.can_block is not None]
        return (
            '<section id="method"><h2>Method and limits</h2>'
            "<h3>How matching works</h3>"
            "<p>Text is normalized (Unicode NFKC, case folding, markup and punctuation dropped) and cut into "
            "tokens: words, or single characters in scripts written without spaces. Each text is "
            f"fingerprinted by windowed MinHash over runs of {esc(n)} tokens (windows of {esc(w)}), so two "
            f"texts that share a run of {esc(run_len)} tokens share a fingerprint wherever the run sits: "
            "excerpts and edited copies are found, not only whole-text duplicates. Every candidate that "
            "shares fingerprints with a reference is then verified by a token alignment; a match is "
            "reported only when the aligned spans pass the thresholds below, and the report shows those "
            "spans. A policy turns matches into findings from the facts of the source (provider, model, "
            "licence, terms) and the declared use.</p>"
            "<h3>Thresholds used in this scan</h3>" + thresholds + "<h3>Measured error rates</h3>"
            f"<p>On real model outputs ({esc(m.references)}), {m.candidates_per_kind:,} edited copies per "
            "kind, recall (copies linked to their true reference) and the share whose match can block "
            "under a blocking rule were:</p>" + recall + f"<p>False "
            f"positives: {m.false_positives:,} of {m.negatives:,} hard negatives "
            f"({m.false_positive_rate:.2%}) matched a reference; hard negatives are "
            f"{esc(m.negatives_description)}. "
            f'<span class="measured-code">{esc(measured_code(m, run.tool.build))}</span> These rates '
            "hold for text like that corpus at the default "
            "thresholds; other thresholds, languages or kinds of text may differ.</p>"
            + _same_prompt(m)
            + "<h3>What a clean report does not prove</h3><ul>"
            f"<li><b>Paraphrase</b>: {esc(PARAPHRASE)}.</li>"
            f"<li><b>Translation</b>: {esc(TRANSLATION)}.</li>"
            "<li><b>Copies edited throughout</b>: candidates are found by runs of "
            f"{esc(run_len)} tokens shared with a reference, and by token trigrams; a copy with one "
            "word in every four to six replaced, dropped or added keeps no such run and is found only "
            f"through its trigrams ({esc(held)}), and one with a "
            "word in every three or four replaced is not found, though it is close to the reference "
            "(with one word in seven changed it is found; measured at the default fingerprint).</li>"
            f"<li><b>Sources not in the index</b>: {esc(NOT_INDEXED)}.</li>"
            "<li><b>Short passages</b>: fewer aligned tokens than <code>min_tokens</code> are never a "
            "match.</li><li><b>What a match establishes</b>: that the texts share the aligned passages "
            "shown, not who wrote them first; a match marked as convergence shares a passage that "
            "independent answers also share, and is not treated as a copy.</li>"
            + (
                "<li><b>A report without blocking findings</b>: blocking needs strong evidence (not "
                "short, not convergent, estimated probability of derivation of at least "
                f"{BLOCK_PROBABILITY:.0%}); of the "
                f"edited copies measured above, {min(blockable):.1%}–{max(blockable):.1%} per kind had "
                "a match that can block, and the others are review findings. A gate that fails only "
                "on <code>block</code> passes them: read the review findings, or fail on "
                "<code>review</code>.</li>"
                if blockable
                else ""
            )
            + heldout_limit(m)
            + SPLIT_COPIES
            + PROMPTS
            + "<li><b>Unreadable input</b>: files and records listed under Unreadable input "
            "were not scanned.</li>"
            f"</ul><p>{esc(NOT_PEOPLE)}</p>"
            '<p class="notice"><b>Not legal advice.</b> Clauses are quoted from the documents named, as '
            "recorded in the policy with their effective dates and how each quote was verified; the policy "
            "author chose which rules apply. Ask counsel whether a use is permitted.</p></section>"
        )

    @staticmethod
    def _manifest(result: ScanResult, identity: ReportIdentity) -> str:
        run = result.run
        versions_text = ", ".join(f"{k} {v}" for k, v in run.versions.items())
        fp_text = ", ".join(f"{k}={v}" for k, v in run.index.fingerprint.items())
        facts = dl(
            [
                (
                    "Report",
                    f"{_mono(identity.id)}, digest {_mono(identity.digest)} ({esc(DIGEST_COVERS)})",
                ),
                ("Tool", _mono(ov.tool_text(run))),
                ("Libraries", esc(versions_text)),
                ("Command", f"<code>{esc(ov.command_line(run))}</code>"),
                ("Started", esc(ov.fact_text(run.started_at))),
                ("Finished", esc(ov.fact_text(run.finished_at))),
                ("Paths", _mono(ov.fact_text(run.paths))),
                ("Declared use", esc(ov.declared_use(run))),
                ("Index", _mono(ov.fact_text(run.index.path))),
                (
                    "Index digest",
                    _mono(ov.fact_text(run.index.digest))
                    + " (XXH3-128 over the index's parameters, every shard file's own digest and its"
                    " sources: equal digests, equal answers)",
                ),
                ("Index parameters", _mono(ov.fact_text(run.index.signature)) + f" ({esc(fp_text)})"),
                ("Index sources", esc(ov.fact_text(run.index.sources))),
                ("Policy", _mono(ov.fact_text(run.policy.path)) or "default policy"),
                (
                    "Policy digest",
                    _mono(ov.fact_text(run.policy.digest))
                    + " (SHA-256 over every policy file's bytes in order; each file's own digest below)",
                ),
                ("Policy files", policy_files_html(run)),
                ("Fail on", esc(ov.fact_text(run.fail_on))),
                ("Waivers", esc(ov.waivers_fact(result))),
                (
                    "Record options",
                    esc(
                        f"schema {ov.fact_text(run.schema) or 'auto'}; "
                        f"roles {ov.fact_text(run.roles) or 'all'}"
                    ),
                ),
                ("Workers", esc(ov.fact_text(run.workers))),
            ]
        )
        files = table(
            ["file", "schema", "records", "errors", "sha256"],
            [
                [_mono(f.path), esc(f.schema or ""), f"{f.records:,}", f"{f.errors:,}", _mono(f.sha256 or "")]
                for f in result.files
            ],
        )
        # The cards and manifests whose declarations were read: their findings rest on them
        # as they were (counsel 12: the card behind three findings had no digest).
        declaring = dict.fromkeys((d.path, d.sha256) for d in result.declarations)
        cards = (
            "<h3>Dataset cards and provenance manifests read</h3>"
            "<p>Their declarations were read (front matter only for a card); findings on them rest "
            "on these files as they were.</p>"
            + table(
                ["file", "sha256"],
                [[_mono(path), _mono(sha or "not recorded")] for path, sha in declaring],
            )
            if declaring
            else ""
        )
        raw = json.dumps(run.to_dict(), indent=2, ensure_ascii=False, default=str, sort_keys=True)
        return (
            '<section id="manifest"><h2>Reproducibility manifest</h2>'
            "<p>Re-running the command with the same tool version, index (same digest), policy (same "
            "digest), dataset files (same digests) and waivers file (same digest) gives the same "
            "findings with the same ids. Which of them are waived also depends on the date each "
            "waiver's expiry is compared with (under Waivers): a waiver in force on the day of the "
            "scan may have expired when it is re-run, and its finding is then open again.</p>"
            f"{facts}<h3>Dataset files</h3>{files}{cards}"
            "<details><summary>Run record (as in the JSON report)</summary>"
            f'<pre class="block">{esc(raw)}</pre>'
            "</details></section>"
        )


def _same_prompt(m: Measured) -> str:
    """False matches on independent answers to the indexed prompts, and the strength model's
    calibration: what a match's probability and a block rest on."""
    if not m.same_prompt:
        return ""
    sets = "".join(f"<li><b>({esc(k)})</b> {esc(v)}</li>" for k, v in m.same_prompt_sets)
    rows = table(
        [
            "same-prompt references",
            "set",
            "records",
            "false match listed (any, explained included)",
            "false match verified (not explained by convergence)",
            "false match not marked convergence",
            "false match that could block",
        ],
        [
            [
                esc(r.refs),
                esc(r.set),
                f"{r.records:,}",
                f"{r.matched:,} ({r.matched / max(r.records, 1):.2%})",
                f"{r.verified:,} ({r.verified / max(r.records, 1):.2%})",
                f"{r.not_convergent:,} ({r.not_convergent / max(r.records, 1):.2%})",
                f"{r.blocking:,} ({r.blocking / max(r.records, 1):.2%})",
            ]
            for r in m.same_prompt
        ],
    )
    reliability = table(
        ["estimated probability", "matches", "mean estimate", "observed share of copies"],
        [
            [esc(r["bin"]), f"{r['matches']:,}", f"{r['predicted']:.3f}", f"{r['observed']:.3f}"]
            for r in RELIABILITY
        ],
    )
    return (
        "<h3>Independent answers to the same prompts</h3><p>Answers of models left out of the index to "
        "instructions the index's references also answer: the hardest negatives (they share topic, "
        f"structure and stock passages). Measured by <code>{esc(m.same_prompt_command)}</code>:</p>"
        f"<ul>{sets}</ul><p>A match is <i>explained by convergence</i> when, once the aligned text that "
        "texts of three or more other sources hold (and, for a request turn, the text the reference repeats "
        "from its own request) is set aside, what is left no longer passes the verification tests; or when "
        "it is part of a piece of code, in a record holding the request the reference answers (independent "
        "solutions of one task share such idioms; a copy of the reference's whole code is not explained); "
        "or when it is a puzzle's grid in a record holding the puzzle; or when, once the text a background "
        "source (indexed as independent text) holds at least as closely is set aside, what is left fails "
        "the tests. Licence notices, placeholder text and a short list of famous public-domain texts are "
        "set aside the same way. "
        "It stays listed in the report, marked explained, and never blocks. A real copy of text that many "
        "sources share, of part of a reference's code under the same request, or of text a background "
        "source holds, is therefore listed, not verified.</p>"
        + rows
        + "<h3>Strength of a match</h3><p>Every match carries an estimated "
        "probability that the candidate derives from the reference: a logistic model over the evidence "
        "(aligned tokens, similarity, share aligned, longest span, how common the shared passage is in the "
        f"index, other sources matched), fitted on {esc(FITTED_ON.get('positives', ''))} and "
        f"{esc(FITTED_ON.get('negatives', ''))}, assuming {esc(FITTED_ON.get('prior', ''))}. A rule's "
        f"<code>block</code> needs at least {BLOCK_PROBABILITY:.0%} and no sign of convergence; otherwise it "
        "is lowered to review. Calibration on instructions the fit did not see:</p>" + reliability
    )
