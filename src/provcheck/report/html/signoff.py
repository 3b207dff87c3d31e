"""The HTML report's decision block: the question counsel answers, the facts the answer rests
on, and the form (or the decision given with ``--decision``) to sign. Moved from ``summary.py``.
"""

from __future__ import annotations

from provcheck.model import RunRecord, ScanResult
from provcheck.report import clauses
from provcheck.report import overview as ov
from provcheck.report.basis import indexed_bases, rests_on, unrecorded_line
from provcheck.report.decision import DECISIONS, Decision, dated_note, decision_digest, decision_over
from provcheck.report.files import file_lines, unmatched_basis
from provcheck.report.headline import declared_blocking, unreviewed
from provcheck.report.html.markup import dl, esc
from provcheck.report.html.summary import _mono, not_scanned
from provcheck.report.records import RecordSummary


def _not_credited(result: ScanResult) -> str:
    """How many waiver entries were claimed but not credited, and why (counsel 21, P4): the
    Decision counted a waiver approved at example.com as accepted by its approver."""
    entries = ov.not_credited_entries(result.findings)
    if not entries:
        return ""
    n = len(entries)
    why = "; ".join(f"{entry}: {', '.join(reasons)}" for entry, reasons in entries.items())
    return (
        f" {n:,} waiver entr{'y was' if n == 1 else 'ies were'} not credited ({esc(why)}): "
        f"{esc(ov.NOT_CREDITED_MEANS)}; {result.waivers.not_credited if result.waivers else 0:,} "
        "finding(s) they claim to waive are open and decided here like any other."
    )


def policy_files_html(run: RunRecord) -> str:
    """Each policy file with its own SHA-256: one digest for all of them could not say which
    pack changed, nor be checked file by file."""
    rows = ov.policy_files(run)
    if not rows:
        return "none: the built-in default policy (no file was read)"
    return (
        '<ul class="policy-files">'
        + "".join(f"<li>{_mono(path)}: sha256 {_mono(sha)}</li>" for path, sha in rows)
        + "</ul>"
    )


def _run_by(run: RunRecord, decision: Decision | None) -> str:
    """Who ran the scan: as the run recorded it (``--run-by`` or ``$PROVCHECK_RUN_BY``, with
    which), else as the decision file states, else a blank to fill in that says why it is one."""
    stated = decision.scan_run_by if decision is not None else None
    said = ov.run_by_text(run)
    if said is not None:
        said = esc(said)
        if isinstance(run.run_by, str) and stated and stated != run.run_by:
            said += f"; the decision file states: {esc(stated)}"
        return said
    if stated:
        return f"{esc(stated)} (as the decision file states; the scan recorded no --run-by)"
    if decision is not None:
        return (
            "not recorded: the scan was run without --run-by or PROVCHECK_RUN_BY, and the decision "
            "file names no <code>scan_run_by</code>"
        )
    return (
        "not recorded: the scan was run without --run-by or PROVCHECK_RUN_BY; write below who ran "
        "it (command under Reproducibility manifest)"
    )


def decision_question(result: ScanResult, rs: RecordSummary, dataset: str, decision: Decision | None) -> str:
    """The question counsel answers and the facts the answer rests on: a signature under
    "Approve" alone did not say approve what, for which use, on which policy and index."""
    run = result.run
    use = ov.declared_use(run)
    policy = ov.policy_label(run, "default (every match is a review finding)")
    digest = ov.fact_text(run.policy.digest)
    gaps = not_scanned(result)
    index = run.index
    run_by = _run_by(run, decision)
    question = (
        f"<p class='question'><b>The decision asked:</b> may the records scanned in {_mono(dataset)} be "
        f"used for the declared use ({esc(use)}), given the findings of this report under the policy "
        f"“{esc(policy)}”? <i>Approve</i>: yes, as scanned. <i>Approve with conditions</i>: yes, once the "
        "conditions written below are met (for example, that the records listed under Records with "
        "findings are removed and the files holding copies traced to where they came from: removing "
        "the records listed does not show the rest clean, see Files below). <i>Reject</i>: no. The "
        "decision covers the dataset files listed, with their digests, under Reproducibility "
        "manifest, for this use only: a changed file, another use or another policy needs a new scan."
        # The findings a waiver set aside were never before the signer: which they are depends on
        # the waivers file and the date expiry was judged on, neither of which the sentence named.
        + (
            " Waived findings (Waiver register) count as accepted by their approvers only where the "
            "waiver was credited: the decision rests on the waivers file named below, with its "
            "digest, and on expiry judged on the date shown; a changed waivers file needs a new scan."
            if result.waivers is not None and (result.waivers.waived or result.waivers.not_credited)
            else ""
        )
        + _not_credited(result)
        # Those files' digests cover text that was not read: "approve, as scanned" did not say
        # whether it approved the unreadable record of a listed file.
        + (
            " It does not cover what was not scanned (listed under Not scanned below): no rule was "
            "applied to it, and approving does not approve it."
            + (
                " A dataset card listed there had its front matter read: its declarations are "
                "findings of this report; the rest of the card is not covered."
                if ov.declared_unscanned(result)
                else ""
            )
            if gaps
            else ""
        )
        + "</p>"
    )
    basis = dl(
        [
            ("Declared use", esc(use)),
            ("Policy", esc(policy) + (f"; digest {_mono(digest)}" if digest else "")),
            # A pack's rule the user's file redefined or turned off reads as the pack's own
            # judgement in the findings: counsel has to see that the file decided it.
            *[("Policy overrides", f"<b>{esc(line)}</b>") for line in [ov.overrides_line(run)] if line],
            *[("Settings replaced", f"<b>{esc(line)}</b>") for line in [ov.replaced_line(run)] if line],
            *[("Read by content", esc(line)) for line in [ov.read_by_content_line(result)] if line],
            *[("Records joined", esc(line)) for line in [ov.joined_line(result)] if line],
            ("Policy files", policy_files_html(run)),
            (
                "Index",
                f"{_mono(index.path)}, digest {_mono(index.digest)}; sources: "
                + (
                    esc(
                        ", ".join(
                            s.source
                            + (" (background: independent text, never a finding)" if s.background else "")
                            for s in rs.sources
                            if s.indexed
                        )
                    )
                    or "none"
                )
                + esc(ov.index_written(run.index))
                # What the decision cannot rest on: the summary said it, the facts signed did not.
                + (f"; <b>{esc(missing)}</b>" if (missing := ov.providers_not_indexed(run)) else ""),
            ),
            (
                "Files",
                "<br>".join(esc(line) for line in file_lines(result, rs))
                + f'<br><span class="note">{esc(unmatched_basis(rs))}</span>',
            ),
            ("Scanned", esc(ov.scan_time(run)) + " by " + _mono(ov.tool_text(run))),
            (
                "Not scanned",
                esc("; ".join(gaps)) if gaps else "nothing left out: every record given was read",
            ),
            # Whether the findings rest on sources with a recorded basis: it was listed under
            # the sources table, not among the facts signed (trust 23).
            (
                "Provenance basis",
                f"<b>{esc(unbased)}</b>"
                if (unbased := unrecorded_line(result))
                else esc(
                    "recorded for every indexed source the findings rest on (listed under By source)"
                    if any(rests_on(f, indexed_bases(result)) for f in result.findings)
                    else "no finding rests on an indexed source"
                ),
            ),
            *[("Quotes relied on", esc(line)) for line in [clauses.weakest_quotes(result.findings)] if line],
            ("Waivers", esc(ov.waivers_fact(result))),
            ("Run by", run_by),
        ]
    )
    return question + "<h3>Facts the decision rests on</h3>" + basis


def _signature(rs: RecordSummary, sign: str, decision: Decision | None = None) -> str:
    """The signature line with the report it signs: printed, the choices and the signature fell
    on separate pages, and a signature page alone did not say what it signed (counsel 21, P13).
    ``sign``: the signature, escaped (empty for a blank line). A decision given with
    ``--decision`` adds its own digest, over the report's and the decision file's bytes: the
    report's leaves the decision out, so it alone bound no decision (counsel 23)."""
    bound = decision_digest(decision, rs.identity.digest) if decision is not None else None
    binds = (
        f"; decision digest {_mono(bound)} (SHA-256 over the report digest and the decision file "
        f"{_mono(decision.path)} as read)"
        if bound is not None and decision is not None
        else ""
    )
    return (
        f'<div class="signature"><span class="sig-line">{sign}</span>Signature, for report '
        f"{_mono(rs.identity.id)} (digest {_mono(rs.identity.digest)}){binds}</div>"
    )


def decision_block(
    decision: Decision | None,
    rs: RecordSummary,
    dataset: str,
    ungated: int = 0,
    result: ScanResult | None = None,
) -> str:
    """Counsel's decision: fillable on screen, kept when printed, or filled from ``--decision``.
    ``ungated``: findings with action block that the scan does not fail on (``Verdict.ungated``);
    ``result``: the scan, for the question asked and the facts it rests on."""
    # Under fail-on never, "0 blocking" alone was what counsel signed for, beside block findings.
    unblocked = (
        f" (this scan fails on nothing, but {ungated:,} finding(s) have action block)" if ungated else ""
    )
    ident = (
        f"<p>This decision refers to report {_mono(rs.identity.id)} (digest {_mono(rs.identity.digest)}, "
        "which identifies the scan, not this file: what it covers is under Reproducibility manifest) "
        f"of {_mono(dataset)}: {rs.counts.with_findings:,} of {rs.counts.scanned:,} records with open "
        f"findings, {rs.counts.blocking:,} blocking{unblocked}{esc(unreviewed(rs.counts))}."
        f"{esc(declared_blocking(rs.counts))}</p>"
    ) + (decision_question(result, rs, dataset, decision) if result is not None else "")
    if decision is not None:
        chosen = decision.label
        over_said = decision_over(decision, result) if result is not None else None
        conditions = (
            "<ol>" + "".join(f"<li>{esc(c)}</li>" for c in decision.conditions) + "</ol>"
            if decision.conditions
            else "none"
        )
        recorded = _mono(decision.path)
        if decision.sha256:
            recorded += f", SHA-256 {_mono(decision.sha256)}"
        facts = dl(
            [
                ("Decision", f"<b>{esc(chosen)}</b>"),
                *[("Given over", f"<b>{esc(over)}</b>") for over in [over_said] if over],
                ("Conditions", conditions),
                ("Name", esc(decision.name)),
                ("Role", esc(decision.role)),
                ("Date", esc(decision.date + (dated_note(decision, result) if result is not None else ""))),
                ("Notes", esc(decision.notes or "")),
                ("Recorded in", recorded),
            ]
        )
        sign = esc(decision.signature) if decision.signature else ""
        # A decision file without `report:` was shown on any later report as if made on it (an
        # "Approve" kept in the repository signed reports with new blocking records).
        unchecked = (
            ""
            if decision.report
            else '<p class="notice"><b>Not checked against this report:</b> the decision file names no '
            f"report (<code>report:</code>), so nothing shows that this decision was made on report "
            f"{_mono(rs.identity.id)}; add <code>report: {esc(rs.identity.id)}</code> to it once checked.</p>"
        )
        return (
            '<section id="decision" class="decision filled"><h2>Decision</h2>'
            + ident
            + unchecked
            + f'<div class="sign-part">{facts}{_signature(rs, sign, decision)}</div></section>'
        )
    options = "".join(
        f'<label><input type="radio" name="decision" value="{esc(k)}"> {esc(v)}</label>'
        for k, v in DECISIONS.items()
    )
    return (
        '<section id="decision" class="decision"><h2>Decision</h2>'
        + ident
        + '<div class="sign-part"><form class="decision-form" autocomplete="off">'
        f"<fieldset><legend>Decision</legend>{options}</fieldset>"
        '<label class="wide">Conditions<textarea name="conditions" rows="3"></textarea></label>'
        '<label>Name<input type="text" name="name"></label>'
        '<label>Role<input type="text" name="role"></label>'
        '<label>Date (YYYY-MM-DD)<input type="text" name="date" inputmode="numeric" '
        'pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}" placeholder="YYYY-MM-DD"></label>'
        '<label>Scan run by<input type="text" name="run_by"></label>'
        "</form>" + _signature(rs, "") + "</div>"
        '<p class="note noprint">Fill in and print (or save as PDF) to sign. To keep a decision with the '
        "report, write it to a YAML file and give it to <code>provcheck scan --decision FILE</code>: "
        "the report is regenerated with the decision in this block.</p></section>"
    )
