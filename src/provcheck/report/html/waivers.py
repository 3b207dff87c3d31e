"""The HTML report's waiver register: every waiver applied to a finding (who approved it, when,
until when, why) and every entry of the waivers file that matched no finding.

An entry that matched nothing is a decision someone recorded that took effect nowhere (a
misspelt source, a record that changed since): counted and never listed, counsel could not tell
which decision it was, nor whether a finding it was meant for is open in this report.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from io import StringIO

from provcheck.model import ScanResult, StaleWaiver, WaiverState
from provcheck.report import overview as ov
from provcheck.report.html.markup import esc, table, write_table


def _mono(value: object) -> str:
    return f'<span class="mono">{esc(value)}</span>' if value not in (None, "") else ""


def _applied_rows(result: ScanResult, waived: Iterable[int]) -> Iterator[list[str]]:
    as_of = result.waivers.as_of if result.waivers is not None else None
    for i in waived:
        f = result.findings[i]
        w = f.waiver
        assert w is not None
        state = ov.waiver_state(f)
        late = ""
        if as_of and w.date > as_of:
            # The gate accepts it (adversarial 14 noted it); counsel should not take a decision
            # dated after the scan for one made before it.
            late = f'<br><span class="wrap">(approval dated after the scan\'s date, {esc(as_of)})</span>'
        yield [
            esc(state) + late,
            f'<a href="#f-{esc(f.id)}" class="mono">{esc(f.id)}</a>',
            # What the entry was written for: one finding, or a rule-wide scope that covers this
            # one among others (its file and line, to find the decision recorded).
            esc(w.written_for or "not recorded")
            + (f'<br><span class="mono wrap">{esc(w.entry)}</span>' if w.entry else ""),
            esc(f.rule.id),
            # What the waiver set aside (expired: what is open again), which the row did not say.
            esc(f.action.value),
            _mono(ov.where(f)),
            esc(w.approver),
            esc(w.date),
            esc(w.expires or "never"),
            esc(w.ticket or "") + (f"; link {esc(w.link)}" if w.link else ""),
            esc(w.reason),
        ]


def _scope(s: StaleWaiver) -> str:
    """What the entry was written for, as its file says it: a finding id, or a rule, source and path."""
    parts = [
        (k, v) for k, v in (("finding", s.id), ("rule", s.rule), ("source", s.source), ("path", s.path)) if v
    ]
    return "; ".join(f"{k} {_mono(v)}" for k, v in parts) or "nothing named"


def _stale(stale: tuple[StaleWaiver, ...]) -> str:
    if not stale:
        return ""
    rows = [
        [
            _mono(f"{s.file}:{s.line}" if s.line else s.file),
            _scope(s),
            # Whose decision took effect nowhere, and when it was made.
            esc(s.approver or "not recorded"),
            esc(s.date or "not recorded"),
            esc(s.reason),
        ]
        for s in stale
    ]
    return (
        f"<h3>Waiver entries that matched no finding ({len(stale):,})</h3>"
        "<p>These entries of the waivers file waived nothing in this scan: no finding has the id, "
        "rule, source or path they name. A decision recorded there took effect nowhere; if it was "
        "meant for a finding of this report, that finding is open.</p>"
        + table(["entry", "written for", "approver", "date", "reason"], rows)
    )


def waiver_register(result: ScanResult, waived: Iterable[int]) -> str:
    """The ``Waiver register`` section: applied waivers, then entries that matched nothing."""
    positions = list(waived)
    stale = _stale(result.waivers.stale if result.waivers is not None else ())
    if not positions:
        return f'<section id="waivers"><h2>Waiver register</h2><p>No finding is waived.</p>{stale}</section>'
    out = StringIO()
    out.write('<section id="waivers"><h2>Waiver register</h2>')
    findings = [result.findings[i] for i in positions]
    out.write(f"<p>{esc(ov.register_counts(findings))}.")
    if any(f.waiver_state is WaiverState.NOT_CREDITED for f in findings):
        # Counsel 21 (P4): approved at example.com is approved by no one that can be shown.
        out.write(f" A waiver {esc(ov.NOT_CREDITED)} has {esc(ov.NOT_CREDITED_WHY)}.")
    out.write("</p>")
    head = ["state", "finding", "written for", "rule", "action", "record", "approver", "date", "expires"]
    head += ["ticket", "reason"]
    write_table(out, head, _applied_rows(result, positions), "waivers")
    out.write(stale + "</section>")
    return out.getvalue()
