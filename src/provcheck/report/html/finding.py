"""One finding as a collapsible card: evidence side by side, location, provenance, clause, waiver."""

from __future__ import annotations

from collections.abc import Sequence

from provcheck.model import Clause, Finding, Match, RecordRef, RuleRef, SourceInfo, WaiverState
from provcheck.report import basis, evidence
from provcheck.report import overview as ov
from provcheck.report import prompt as request
from provcheck.report.clauses import (
    DEFAULT_TERMS,
    NO_URL,
    NO_WORDING,
    date_meaning,
    dating,
    quote,
    retrieval,
    section,
)
from provcheck.report.clauses import label as clause_label
from provcheck.report.evidence import Piece, PieceKind
from provcheck.report.html.markup import dl, esc, fmt_score, link
from provcheck.report.meaning import is_conflict, kind_label, lowered_because, meaning, tested_on
from provcheck.report.overview import where


def render_pieces(pieces: Sequence[Piece]) -> str:
    """Pieces of one text as escaped HTML: marks for aligned text, a note for each fold."""
    out: list[str] = []
    for p in pieces:
        if p.kind is PieceKind.TEXT:
            out.append(esc(p.text))
        elif p.kind is PieceKind.FOLD:
            out.append(f'<span class="fold">[… {p.hidden:,} characters not shown …]</span>')
        else:
            out.append(f'<mark class="{p.kind.value}" data-s="{p.span}">{esc(p.text)}</mark>')
    return "".join(out)


_META_WORDS = {
    "derived_from": "derived from",
    "facts_from": "facts from",
    "declared_in": "declared in",
    "url": "URL",
}
"""A source's ``meta`` keys in words: ``derived_from``, ``facts_from`` and ``catalogued true``
were the engine's key names on a card counsel reads."""


def _meta_fact(key: str, value: str) -> str:
    if key == "catalogued":
        return "in provcheck's catalogue of known datasets and models" if value == "true" else ""
    if key == "date":
        # "date 2024-02-01" did not say a date of what (counsel 19); the clause notes call it
        # the recorded date (source.date) that picks the version of the terms cited.
        return f"material dated {value} (source.date: picks the version of the terms cited)"
    if key == "basis":
        return basis.words(value)
    return f"{_META_WORDS.get(key, key)} {value}"


def source_facts(info: SourceInfo) -> str:
    """A source's facts in one line."""
    facts = [
        f"provider {info.provider}" if info.provider else "",
        f"generator {info.generator}" if info.generator else "",
        f"licence {info.license}" if info.license else "",
        f"terms {info.terms}" if info.terms else "",
        *(_meta_fact(k, v) for k, v in sorted(info.meta.items())),
    ]
    return "; ".join(f for f in facts if f)


def _first_link(f: Finding) -> str:
    """What the first source of a finding's chain is to the finding: a source its record
    matched, or one a dataset card names (``source_datasets``: no record matched it)."""
    d = f.declaration
    if f.match is not None or d is None or is_conflict(f):
        return "matched source"
    if d.key == "source_datasets":
        return f"declared source: {d.path} names it"
    return f"what {d.path} declares"


def chain_html(f: Finding) -> str:
    """The provenance chain, nearest source first; the source that triggered the rule in bold."""
    chain = f.chain or ((f.match.reference.source,) if f.match else ())
    if not chain:
        return ""
    trigger = f.source.name if f.source else None
    items = []
    for i, info in enumerate(chain):
        rel = _first_link(f) if i == 0 else "derived from the one above"
        cls = ' class="trigger"' if info.name == trigger else ""
        note = " — the rule applies through this source" if info.name == trigger and len(chain) > 1 else ""
        facts = source_facts(info)
        if i == 0 and f.match is not None and not info.background and basis.recorded(info) is None:
            # The matched source's facts are the index builder's word: said where they are shown.
            facts = "; ".join(x for x in (facts, basis.NOT_RECORDED) if x)
        items.append(
            f"<li{cls}><b>{esc(info.name)}</b> ({esc(rel)}): {esc(facts) or 'no facts recorded'}"
            f"{esc(note)}</li>"
        )
    return f'<ol class="chain">{"".join(items)}</ol>'


def clause_html(c: Clause | None) -> str:
    """The clause quoted with its document, section, effective date, URL and confidence."""
    if c is None:
        return '<span class="note">no clause cited by this rule</span>'
    cite = [
        esc(c.document),
        esc(section(c)),
        esc(dating(c)),
        link(c.url) if c.url else NO_URL,
        esc(clause_label(c)),
        esc(retrieval(c) or ""),
    ]
    meaning = date_meaning(c)
    quoted = f'<blockquote class="clause">{esc(quote(c))}</blockquote>' if c.quote else ""
    return (
        (quoted or f'<p class="clause-missing">{esc(NO_WORDING)}</p>')
        + f'<div class="note">{" · ".join(x for x in cite if x)}</div>'
        + (f'<div class="note clause-date">Date: {esc(meaning)}</div>' if meaning else "")
        + (f'<div class="note clause-default">{esc(DEFAULT_TERMS)}</div>' if c.default_terms else "")
        + (f'<div class="note clause-note">Note: {esc(c.note)}</div>' if c.note else "")
    )


def waiver_html(f: Finding) -> str:
    """The waiver, its state and its terms."""
    w = f.waiver
    if w is None:
        return ""
    if f.waiver_state is WaiverState.WAIVED:
        state = "Waived"
    elif f.waiver_state is WaiverState.EXPIRED:
        state = "Waiver expired: the finding counts again"
    elif f.waiver_state is WaiverState.NOT_CREDITED:
        state = "Waiver claimed, not credited: the finding counts as if unwaived"
    else:
        state = "Waiver recorded but not in force"
    parts = [
        f"<b>{esc(state)}</b>",
        f"approved by {esc(w.approver)} on {esc(w.date)}",
        f"expires {esc(w.expires)}" if w.expires else "no expiry",
        f"ticket {esc(w.ticket)}" + (f", link {esc(w.link)}" if w.link else "") if w.ticket else "",
    ]
    reason = f"reason: {esc(w.reason)}"
    if f.waiver_state is WaiverState.NOT_CREDITED:
        reason += f" <b>(not credited: {esc('; '.join(w.not_credited))}; {esc(ov.NOT_CREDITED_MEANS)})</b>"
    elif w.placeholder_like:
        reason += f" <b>(placeholder-like: {esc(ov.waiver_doubts(w))}; not shown to be reviewed)</b>"
    return f'<div class="waiver-box">{" · ".join(p for p in parts if p)}<br>{reason}</div>'


def record_rows(rec: RecordRef) -> list[tuple[str, str]]:
    """Where the candidate is."""
    loc = rec.location
    return [
        ("File", f'<span class="mono">{esc(loc.path)}</span>'),
        ("Line", esc(loc.line) if loc.line else "no lines in this container"),
        ("Record", f"{loc.index:,} (0-based)"),
        ("Record id", esc(rec.id) if rec.id else ""),
        ("Turn", f"{esc(rec.turn.role)} ({esc(rec.turn.kind.value)}), position {rec.turn.position}"),
        ("Field", f'<span class="mono">{esc(rec.turn.field)}</span>'),
        ("Content hash", f'<span class="mono">{esc(rec.content_hash)}</span>'),
    ]


def evidence_html(m: Match) -> str:
    """Candidate and reference side by side, then the scores and the reference's location."""
    ev = m.evidence
    ref = m.reference
    sbs = evidence.side_by_side(m)
    spans = f"{sbs.spans_shown} of {sbs.spans_total} aligned span(s) marked"
    if sbs.spans_shown < sbs.spans_total:
        spans += " (the longest; every span is in the JSON report)"
    ref_where = f"{ref.path}#{ref.index}" if ref.path is not None else "not recorded"
    scores = (
        f"{esc(kind_label(ev))}; similarity {fmt_score(ev.similarity)}, containment "
        f"{fmt_score(ev.containment)}, coverage {fmt_score(ev.coverage)}, {ev.matched_tokens:,} matched "
        f"tokens, character similarity {fmt_score(ev.char_similarity)}, shingle Jaccard "
        f"{fmt_score(ev.jaccard)}"
    )
    if ev.short:
        scores += " — <b>short evidence</b> (below the blocking floor: never blocks on its own)"
    rows = [("Scores", scores)]
    if m.strength is not None:
        st = m.strength
        what = esc(st.reason)
        if st.convergence:
            what = f"<b>likely convergence ({esc(st.convergence)})</b>, never blocks. {what}"
        rows.append(("Strength", what))
        if len(st.sources) > 1:
            rows.append(("Also matches", esc(", ".join(st.sources[1:]))))
        if request.rests_on_prompt(m):
            rows.append(("Reference's prompt", prompt_html(m)))
    return (
        '<div class="sbs">'
        f"<div><h5>Candidate: dataset record ({esc(m.record.turn.role)})</h5>"
        f'<div class="txt cand">{render_pieces(sbs.candidate)}</div></div>'
        f"<div><h5>Reference: {esc(ref.id)} of {esc(ref.source.name)} ({esc(ref.turn.role)})</h5>"
        f'<div class="txt ref">{render_pieces(sbs.reference)}</div></div>'
        "</div>"
        f'<p class="legend"><mark class="same">aligned</mark> <mark class="changed">edited inside an '
        f"aligned span</mark> {esc(spans)}</p>"
        + dl(
            [
                *rows,
                (
                    "Reference",
                    # "turn output output" (an Alpaca reference: role and field both "output")
                    # read as a slip; the candidate's own rows name them Turn and Field.
                    f"{esc(ref.id)} in <span class='mono'>{esc(ref_where)}</span>, turn "
                    f"{esc(ref.turn.role)}, field <span class='mono'>{esc(ref.turn.field)}</span>"
                    + (f"; {ref.duplicates:,} identical copies in the source" if ref.duplicates else ""),
                ),
                *(
                    [
                        (
                            "Reference text",
                            f"{esc(note)}: aligned reference tokens {esc(evidence.token_ranges(m))}",
                        )
                    ]
                    if (note := evidence.withheld_note(ref)) is not None
                    else []
                ),
            ]
        )
    )


PROMPT_CHARS = 2000
"""Characters of the reference's prompt passages shown in a finding (all are in the JSON report)."""


def prompt_html(m: Match) -> str:
    """The reference's passages that repeat its own prompt, which the verdict rests on, and
    where that prompt came from (``report.prompt``)."""
    shown, left = [], PROMPT_CHARS
    parts = request.passages(m)
    for p in parts:
        if left <= 0:
            break
        text = p.text if len(p.text) <= left else p.text[:left] + "…"
        left -= len(p.text)
        shown.append(f"<q>{esc(text)}</q>")
    clipped = " (clipped: every passage is in the JSON report)" if left < 0 or len(shown) < len(parts) else ""
    return (
        f"{round(100 * request.share(m))}% of the reference's aligned text repeats its own prompt, "
        f"in {len(parts)} passage(s){esc(clipped)}: {' … '.join(shown)}<br>From {esc(request.origin(m))}."
    )


def signal_html(f: Finding) -> str:
    """What the finding rests on: a match, a marker or a declaration."""
    if f.match is not None:
        return evidence_html(f.match)
    if f.marker is not None:
        hit = f.marker
        text = render_pieces(evidence.marked(hit.record.turn.text, hit.span))
        return (
            f"<div class='sbs'><div><h5>Marker “{esc(hit.label)}” in the record "
            f"({esc(hit.record.turn.role)})</h5><div class='txt cand'>{text}</div></div>"
            f"<div>{dl([('Marker', esc(hit.marker)), ('Points to', esc(hit.provider))])}</div></div>"
        )
    if f.declaration is not None:
        d = f.declaration
        return dl(
            [
                (
                    "Declared in",
                    f"<span class='mono'>{esc(d.path)}{':' + esc(d.line) if d.line else ''}</span>",
                ),
                ("Declares", f"<span class='mono'>{esc(d.key)}</span> = {esc(d.value)}"),
                ("Covers", f"<span class='mono'>{esc(d.dataset)}</span>"),
            ]
        )
    return ""


def _pct(share: float) -> str:
    """A share as a whole percentage, as the card's wording rounds it; never "100%" (identical)
    for a share short of 1, nor "0%" for one above 0."""
    pct = round(share * 100)
    if pct == 100 and share < 1:
        return "over 99%"
    return "under 1%" if pct == 0 and share > 0 else f"{pct}%"


def summary_line(f: Finding) -> str:
    """The one line shown while the card is closed (also what the search box searches)."""
    badge = "waived" if f.waived else f.action.value
    score = ""
    if f.match is not None:
        ev = f.match.evidence
        score = (
            f"{_pct(ev.similarity)} similar · {_pct(ev.containment)} of the reference · "
            f"{ev.matched_tokens:,} matching tokens"
        )
    src = f.match.reference.id if f.match is not None else ""
    return (
        f'<span class="badge {badge}">{esc(badge)}</span>'
        f'<span class="loc">{esc(where(f))}</span>'
        f'<span class="src">{esc(src)}</span><span class="score">{esc(score)}</span>'
        f'<span class="msg">{esc(f.message)}</span>'
    )


def when_html(rule: RuleRef, note: str) -> str:
    """*Applies when*: the rule's condition in plain words, then the policy's own spelling in
    small print for engineers (``note`` follows the words). Not a nested ``<details>``: a card
    is one ``<details>``, and print opens cards, never what is inside them."""
    words = rule.when_words or rule.when or ""
    raw = (
        f"<br><span class='note raw-when'>As written in the policy: <code>{esc(rule.when)}</code></span>"
        if rule.when and rule.when_words
        else ""
    )
    return f"{esc(words)}{note}{raw}"


SCORE_LEGEND = (
    "On each finding's line: “similar” is the share of tokens (words and punctuation marks) "
    "that agree in the aligned passages; “of the reference” is the share of the reference's "
    "text found, aligned, in the record; “matching tokens” counts the tokens identical and in "
    "the same order on both sides. The card's Scores row gives every measure."
)
"""Said once above the findings: what each number of a finding's line measures."""


def card(f: Finding, open_: bool) -> str:
    """The finding's card."""
    rows: list[tuple[str, str]] = []
    said = meaning(f)
    if said is not None:
        rows.append(("What this shows", esc(said.full)))
        rows.append(("What it does not show", esc(said.does_not_show)))
    action = f"<span class='badge {f.action.value}'>{esc(f.action.value)}</span>"
    if f.downgraded_from is not None:
        action += f" lowered from {esc(f.downgraded_from.value)}: {esc(lowered_because(f))}"
    rows.append(("Action", action))
    rows.append(("Rule", f"<b>{esc(f.rule.id)}</b>: {esc(f.rule.title)}"))
    if f.rule.rationale:
        rows.append(("Why", esc(f.rule.rationale)))
    if f.rule.remediation:
        rows.append(("What to do", esc(f.rule.remediation)))
    if (rests := basis.permission_note(f)) is not None:
        # A permission clears records on the index's word about the source (outside counsel 21).
        rested, based = rests
        rows.append(("Rests on", esc(rested) if based else f"<b class='unbased'>{esc(rested)}</b>"))
    if f.rule.when:
        note = " <span class='note'>(the declared use is stated under Scope)</span>"
        if (whose := tested_on(f)) is not None:
            note = f" <span class='note'>({esc(whose)}; the declared use is stated under Scope)</span>"
        rows.append(("Applies when", when_html(f.rule, note)))
    rows.append(("Clause", clause_html(f.rule.clause)))
    rows.append(("Provenance", chain_html(f)))
    rec = f.record
    if rec is not None:
        rows.extend(record_rows(rec))
    rows.append(("Finding id", f"<span class='mono'>{esc(f.id)}</span>"))
    if f.match is not None:
        rows.append(("Match id", f"<span class='mono'>{esc(f.match.id)}</span>"))
    attrs = f'id="f-{esc(f.id)}" data-action="{esc(f.action.value)}" data-waived="{int(f.waived)}"'
    return (
        f'<details class="finding" {attrs}{" open" if open_ else ""}>'
        f"<summary>{summary_line(f)}</summary>"
        f'<div class="body">{waiver_html(f)}{signal_html(f)}{dl(rows)}</div></details>'
    )
