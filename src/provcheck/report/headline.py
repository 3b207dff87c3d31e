"""The verdict in one sentence with the record counts: what every report for people leads with
(text, Markdown heading, HTML and PDF executive summary), read and quoted on its own, so it
claims no more than was checked and says what was not read (outside counsel 18-21)."""

from __future__ import annotations

from collections.abc import Sequence

from provcheck.report import overview as ov
from provcheck.report.records import RecordCounts, RecordRow


def record_verdict(counts: RecordCounts, verdict: ov.Verdict, use: str = "", since: str = "") -> str:
    """The verdict in one sentence with the record counts, claiming no more than was checked,
    and the declared use the rules were applied for (``use``, when given): "No blocking finding"
    for fine-tuning says nothing about training a competing model, and the verdict is what is
    read, and quoted, on its own. So is what a diff-aware scan's counts are of (``since``: the
    revision of ``--changed-since``): "1 of 1 records (100.0%)" of a pull request's comment was
    read as the whole dataset."""
    said = _verdict(counts, verdict)
    if since:
        said += (
            f" Only records new or changed since {since} were scanned (--changed-since): the counts "
            "are of those records, not of the whole dataset."
        )
    return f"{said} Rules applied for the declared use: {use}." if use else said


def declared_blocking(counts: RecordCounts) -> str:
    """What else blocks: declarations, counted apart from the records (a scan blocked only by
    records that name their model read "Blocked: 0 of 12 records")."""
    if not counts.declared_blocking:
        return ""
    covered = (
        f"; among them, {counts.declared_records:,} record(s) name in a field of their own the model "
        "that wrote them"
        if counts.declared_records
        else ""
    )
    return (
        f" Also blocking: {counts.declared_blocking:,} declaration(s) (what a dataset card, a manifest "
        f"or records' own fields declare{covered}), counted apart from the records above: see Records "
        "with findings."
    )


def _verdict(counts: RecordCounts, verdict: ov.Verdict) -> str:
    n = counts.scanned
    if verdict.status == "fail":
        return (
            f"Blocked: {counts.blocking:,} of {n:,} records ({_pct(counts.blocking, n)}) have a finding "
            f"with action {'/'.join(verdict.fail_on)}; {counts.with_findings:,} records "
            f"({_pct(counts.with_findings, n)}) have at least one open finding{info_only(counts)}."
            + declared_blocking(counts)
            + (f" Incomplete: {unread(verdict)}; the counts are of what was read." if verdict.unread else "")
            + cards_unread(verdict)
        )
    if verdict.ungated:
        return (
            f"Not gated: {verdict.ungated:,} finding(s) have action block, but this scan fails on "
            f"nothing (fail-on never); {counts.with_findings:,} of {n:,} records "
            f"({_pct(counts.with_findings, n)}) have open findings{info_only(counts)}"
            + (f"; {unread(verdict)}." if verdict.unread else ".")
            + cards_unread(verdict)
        )
    found = (
        f"{counts.with_findings:,} of {n:,} records ({_pct(counts.with_findings, n)}) have open findings "
        f"that do not block{info_only(counts)}"
        if counts.with_findings
        else "no record has an open finding"
        if counts.waived_only
        else f"none of the {n:,} records read matched the indexed sources under a rule that applies"
        + verdict.at_thresholds()
    )
    if counts.waived_only:
        # Every finding waived read "none of the records matched the indexed sources": they did.
        found += f"; {counts.waived_only:,} record(s) have findings, all of them waived (see Waivers)"
    found += unreviewed(counts)
    if verdict.status == "incomplete":
        return (
            f"Incomplete: no blocking finding in what could be read; {found}; {unread(verdict)}."
            + cards_unread(verdict)
        )
    return (
        f"No blocking finding: {found}. This covers only the indexed sources, nothing else."
        + cards_unread(verdict)
    )


def info_only(counts: RecordCounts) -> str:
    """The records of a count of records with open findings whose every open finding is
    information (" (1 of them with information only, action info)"), or "": a record whose only
    finding notes a permission was counted among the records "with at least one open finding"
    beside the copies that block, while JSON ``summary.records.info_only`` counts them (counsel 21)."""
    if not counts.info_only:
        return ""
    return f" ({counts.info_only:,} of them with information only, action info)"


def unread(verdict: ov.Verdict) -> str:
    """The input the scan could not read, where the headline says it: "some input was not read"
    was said only of a scan without a blocking finding, and a blocked scan's headline read as a
    scan of everything (counsel 21), while JSON ``verdict.complete`` was false."""
    shown = ", ".join(verdict.unread_at)
    left = verdict.unread - len(verdict.unread_at)
    more = f", +{left:,} more" if left > 0 else ""
    return (
        f"{verdict.unread:,} file(s) or record(s) could not be read ({shown}{more}; each with its error "
        "in the JSON report) and were not checked"
    )


def cards_unread(verdict: ov.Verdict) -> str:
    """The sentence naming the dataset cards of which only the front matter was read ("Of the
    dataset card README.md only the front matter was read ..."), or "": the headline is read on
    its own, and the line listing the files not scanned is not (counsel 21)."""
    if not verdict.cards:
        return ""
    shown = ", ".join(verdict.cards[: ov.UNREAD_SHOWN])
    more = f", +{len(verdict.cards) - ov.UNREAD_SHOWN:,} more" if len(verdict.cards) > ov.UNREAD_SHOWN else ""
    noun = "card" if len(verdict.cards) == 1 else "cards"
    return (
        f" Of the dataset {noun} {shown}{more} only the front matter was read (what it declares); the "
        "rest was not scanned (name a card to scan it)."
    )


def unreviewed(counts: RecordCounts) -> str:
    """What waivers nobody wrote hide, or "": a baseline's placeholders waive blocking findings
    so that a gate passes, and the verdict read "No blocking finding" to counsel."""
    if not counts.placeholder_failing:
        return ""
    return (
        f"; but {counts.placeholder_failing:,} finding(s) that would block are waived only by a "
        "placeholder written by provcheck baseline, with no reason or approver: nobody has reviewed "
        "them (see Waivers)"
    )


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "0%"


def rows_said(rows: Sequence[RecordRow]) -> str:
    """What the rows of Records with findings are, said alike in every format: "6 rows: 5
    records and 1 dataset-level row (README.md, 7 findings)". "Records with findings (6 …)"
    stood beside "5 records have at least one open finding", the sixth row a dataset card's
    seven findings (outside counsel 23, P11)."""
    records = [r for r in rows if r.index is not None]
    declared = [r for r in rows if r.index is None]
    covered = len({(r.path, i) for r in records for i in r.covers})
    said = f"{len(rows):,} row{'s' * (len(rows) != 1)}"
    if len(records) == covered:
        parts = [f"{covered:,} record{'s' * (covered != 1)}"] if records else []
    else:  # a run of short records read together is one row
        parts = [f"{len(records):,} row(s) of records covering {covered:,} records"]
    if declared:
        where = ", ".join(
            f"{r.path.rsplit('/', 1)[-1]}, {r.findings:,} finding{'s' * (r.findings != 1)}"
            for r in declared[:3]
        )
        more = f", and {len(declared) - 3:,} more" if len(declared) > 3 else ""
        parts.append(f"{len(declared):,} dataset-level row{'s' * (len(declared) != 1)} ({where}{more})")
    return f"{said}: {' and '.join(parts)}" if parts else said
