"""What decides and explains a scan's verdict on the terminal: the ``--fail-on`` threshold
and the waivers' summary lines.

Shared by ``scan`` and the pre-commit hook, and kept apart from ``cli/scan.py`` so that the
hook does not import the scan command's reports and options (docs/startup.md).
"""

from __future__ import annotations

from provcheck.model import Action, ScanResult
from provcheck.report.terminal import printable

ERRORS_SHOWN = 20
"""Unreadable records and stale waivers listed on the terminal (the rest are counted)."""


def fail_on_actions(value: str) -> frozenset[Action]:
    """``--fail-on review`` -> {block, review}: the action and every more severe one."""
    if value == "never":
        return frozenset()
    threshold = Action(value).severity
    return frozenset(a for a in Action if a.severity >= threshold)


def waiver_lines(result: ScanResult) -> list[str]:
    """What the waivers did, for the summary: stale entries and placeholders are flagged."""
    w = result.waivers
    if w is None:
        return []
    lines = [
        f"waivers ({w.file}): {w.waived} finding(s) waived, "
        + (f"{w.not_credited} open (waiver not credited), " if w.not_credited else "")
        + f"{w.expired} re-opened (expired), {len(w.stale)} stale entr{'y' if len(w.stale) == 1 else 'ies'}"
    ]
    if w.from_baseline:
        lines.append(
            f"WARNING: {w.from_baseline} waiver(s) still have the baseline placeholder reason or "
            f"approver; fill them in in {w.file}"
        )
    if w.not_credited:
        lines.append(
            f"WARNING: {w.not_credited} finding(s) open: their waiver's approver or ticket is at a "
            "host reserved for examples or documentation (example.com, 192.0.2.1...) or not publicly "
            f"reachable (127.0.0.1...), so it is claimed, not credited ({w.file})"
        )
    if w.placeholders > w.from_baseline:
        lines.append(
            f"WARNING: {w.placeholders - w.from_baseline} finding(s) waived by a waiver that never "
            f"expires ({w.file})"
        )
    for stale in w.stale[:ERRORS_SHOWN]:
        what = f"id {stale.id}" if stale.id else f"rule {stale.rule}"
        lines.append(f"{stale.file}:{stale.line}: stale waiver ({what}) matches no finding")
    # A waiver's rule or id and its file's name are data: escaped on every path that prints them.
    return [printable(line) for line in lines]
