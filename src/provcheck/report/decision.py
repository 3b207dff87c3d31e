"""Counsel's decision about a report: read from ``--decision FILE`` and shown in the report.

The HTML report has a decision block to fill in by hand (and print); a decision written to a
YAML file instead can be given back to ``provcheck scan --decision`` so that the signed record
is regenerated with the report it refers to. The file is untrusted input: loaded safely, every
key checked, unknown keys refused with the nearest known one.

    decision: approve-with-conditions     # approve | approve-with-conditions | reject
    conditions:
      - Remove the 439 records listed under "Records with findings" before training.
    name: Jane Doe
    role: Product counsel
    date: 2026-12-05
    report: PC-3f2a9c1d7b4e           # optional: refused unless it is this report's id
    signature: /s/ Jane Doe            # optional
    notes: Reviewed with the data team. # optional
    scan_run_by: Sam Lee, data team    # optional: who ran the scan (when the scan recorded no --run-by)
    override: Records are licensed from the provider under contract C-12.  # see below

An unconditional ``approve`` of a report with open blocking findings or unreadable input needs
``override:``, why the approval stands over the report's verdict: without it the signed record
read "Approve, conditions none" beside "FAIL: 3 finding(s) with action block" (outside counsel
21). Every format that shows the decision says what it was given over (``over_verdict``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from provcheck import yamlfile
from provcheck.errors import ExitCode, InvalidFileError
from provcheck.model import Action, ScanResult
from provcheck.support.reserved import NO_ONE

DECISIONS = {
    "approve": "Approve",
    "approve-with-conditions": "Approve with conditions",
    "reject": "Reject",
}
"""Allowed values of ``decision`` and how the report words them."""
_REQUIRED = ("decision", "name", "role", "date")
_OPTIONAL = ("conditions", "report", "signature", "notes", "scan_run_by", "override")


class DecisionError(InvalidFileError):
    """A ``--decision`` file is invalid (a usage error: nothing was scanned yet)."""

    exit_code = ExitCode.USAGE
    what = "decision file"


@dataclass(frozen=True, slots=True)
class Decision:
    """What counsel decided about one report."""

    decision: str
    """One of ``DECISIONS``."""
    name: str
    """Who decided."""
    role: str
    """In what capacity."""
    date: str
    """ISO date of the decision."""
    conditions: tuple[str, ...] = ()
    """Conditions of an approval (required for ``approve-with-conditions``, refused otherwise)."""
    report: str | None = None
    """The report id the decision was made on; checked against the report it is shown in."""
    signature: str | None = None
    """A typed signature (``/s/ name``); a blank line to sign is printed when absent."""
    notes: str | None = None
    scan_run_by: str | None = None
    """Who ran the scan the decision was made on: provcheck records the command and the time,
    not the person, and counsel signs on facts someone vouches for."""
    override: str | None = None
    """Why an approval stands over the report's verdict (required for ``approve`` over open
    blocking findings or unreadable input: ``cli.scan.check_decision``)."""
    path: str = ""
    """The file it was read from."""
    sha256: str | None = None
    """SHA-256 of the decision file's bytes as read: the signed record names the file's content,
    not only its path (``decision_digest``)."""

    @property
    def label(self) -> str:
        """The decision in words."""
        return DECISIONS[self.decision]

    def to_dict(self) -> dict[str, Any]:
        """As plain data (JSON report, run record)."""
        return {
            "decision": self.decision,
            "conditions": list(self.conditions),
            "name": self.name,
            "role": self.role,
            "date": self.date,
            "report": self.report,
            "signature": self.signature,
            "notes": self.notes,
            "scan_run_by": self.scan_run_by,
            "override": self.override,
            "file": self.path,
            "file_sha256": self.sha256,
        }


_TEMPLATE = re.compile(r"^<[^<>@]*>$")
"""A value that is all placeholder (``<why>``), as the hints print it."""


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    return None


def _names_no_one(text: str) -> bool:
    """A name, role or condition that says nothing: no letter or digit (``-``, ``...``), or a word
    that names no one (``n/a``, ``TBD``, ``none``: ``support.reserved.NO_ONE``)."""
    return not any(c.isalnum() for c in text) or text.strip().strip(".").lower() in NO_ONE


def _empty_condition(where: str, text: str) -> str:
    return f"{where}: condition {text!r} says nothing: write what must be done"


def load_decision(path: str, today: dt.date | None = None) -> Decision:
    """Read and check a decision file; every problem is reported, each with its line. ``today``
    (UTC, by default the day it is read) bounds the decision's date: a decision is not dated in
    the future."""
    try:
        raw_bytes = yamlfile.read(path)
        data = yamlfile.parse(raw_bytes, path)
    except yamlfile.YamlProblem as exc:
        raise DecisionError([str(exc)]) from None
    if not isinstance(data, dict):
        raise DecisionError([f"{path}: expected a mapping of {', '.join(_REQUIRED)} (and optional keys)"])
    problems: list[str] = []

    def at(key: str) -> str:
        line = yamlfile.line_of(data, key)
        return f"{path}:{line}" if line else path

    known = (*_REQUIRED, *_OPTIONAL)
    for key in data:
        if key not in known:
            near = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else f"; allowed: {', '.join(known)}"
            problems.append(f"{at(str(key))}: unknown key {str(key)!r}{hint}")
    values: dict[str, str | None] = {}
    for key in (*_REQUIRED, "report", "signature", "notes", "scan_run_by", "override"):
        raw = data.get(key)
        if key == "date" and isinstance(raw, dt.date):
            raw = raw.isoformat()
        values[key] = _text(raw)
        if isinstance(raw, str) and values[key] is None:
            problems.append(f"{at(key)}: {key} is blank; write it, or leave the key out")
        elif raw is not None and values[key] is None:
            problems.append(f"{at(key)}: {key} must be text, got {type(raw).__name__}")
        elif key == "override" and values[key] is not None and _TEMPLATE.match(str(values[key])):
            # The refusal's hint, "add 'override: <why>'", pasted as it is: approve over blocking
            # findings was signed 'override: <why>' (adversarial pass 22).
            problems.append(
                f"{at(key)}: override is still a placeholder, {values[key]!r}: say why the approval "
                "stands over the report's verdict"
            )
        elif values[key] is None and key in _REQUIRED:
            problems.append(f"{at(key)}: missing {key!r}")
        elif (
            key in ("name", "role", "override")
            and values[key] is not None
            and _names_no_one(str(values[key]))
        ):
            # 'name: "-"', 'role: n/a' were signed records of no one (outside counsel 23), as
            # the waivers' 'approver: TBD' was (adversarial pass 22).
            problems.append(
                f"{at(key)}: {key} {values[key]!r} names no one: write who decided, in what capacity, and why"
                if key != "override"
                else f"{at(key)}: override {values[key]!r} says nothing: say why the approval stands "
                "over the report's verdict"
            )
    decision = values["decision"]
    if decision is not None and decision not in DECISIONS:
        near = difflib.get_close_matches(decision, DECISIONS, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        problems.append(f"{at('decision')}: decision {decision!r} is not one of {', '.join(DECISIONS)}{hint}")
    date = values["date"]
    if date is not None:
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            problems.append(f"{at('date')}: date {date!r} is not an ISO date (YYYY-MM-DD)")
        else:
            # One day of grace: the signer's calendar may be a day ahead of UTC.
            limit = (today or dt.datetime.now(dt.timezone.utc).date()) + dt.timedelta(days=1)
            if day > limit:
                problems.append(
                    f"{at('date')}: date {date} is in the future (today is {limit - dt.timedelta(days=1)} "
                    "UTC): a decision is dated the day it was made"
                )
    raw_conditions = data.get("conditions")
    conditions: list[str] = []
    if isinstance(raw_conditions, list):
        for item in raw_conditions:
            text = _text(item)
            if text is None:
                problems.append(f"{at('conditions')}: every condition must be non-empty text")
            elif _names_no_one(text):
                problems.append(_empty_condition(at("conditions"), text))
            else:
                conditions.append(text)
    elif raw_conditions is not None:
        text = _text(raw_conditions)
        if text is None:
            problems.append(f"{at('conditions')}: conditions must be text or a list of texts")
        elif _names_no_one(text):
            problems.append(_empty_condition(at("conditions"), text))
        else:
            conditions.append(text)
    if decision == "approve-with-conditions" and not conditions:
        problems.append(
            f"{at('decision')}: approve-with-conditions needs at least one entry under 'conditions'"
        )
    if decision in ("approve", "reject") and conditions:
        problems.append(
            f"{at('conditions')}: conditions are given but the decision is {decision!r}; "
            "use 'approve-with-conditions' (or remove the conditions)"
        )
    if problems:
        raise DecisionError(problems, hint="see docs/report.md, The decision block")
    assert decision is not None and date is not None
    return Decision(
        decision=decision,
        name=values["name"] or "",
        role=values["role"] or "",
        date=date,
        conditions=tuple(conditions),
        report=values["report"],
        signature=values["signature"],
        notes=values["notes"],
        scan_run_by=values["scan_run_by"],
        override=values["override"],
        path=path,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
    )


def decision_digest(decision: Decision, report_digest: str) -> str | None:
    """SHA-256 over the report's digest and the decision file's bytes (as read): what a signature
    binds. The report's own digest leaves the decision out (a decision refers to the report), so
    a signed, an unsigned and a differently decided rendering of one scan shared every digest
    (outside counsel 23). None when the file's bytes were not recorded."""
    if decision.sha256 is None:
        return None
    return hashlib.sha256(f"{report_digest}\n{decision.sha256}".encode()).hexdigest()


def over_verdict(decision: Decision, blocking: int, review: int, unreadable: int) -> str | None:
    """What an approval was given over, in words (``approved over 3 blocking finding(s), 4 open
    review finding(s) and 1 unreadable input``, with the override given); None for a rejection
    or an approval over nothing open."""
    if decision.decision == "reject":
        return None
    parts = [
        f"{n:,} {what}"
        for n, what in (
            (blocking, "blocking finding(s)"),
            (review, "open review finding(s)"),
            (unreadable, "unreadable file(s) or record(s)"),
        )
        if n
    ]
    if not parts:
        return None
    said = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    why = f"; override: {decision.override}" if decision.override else ""
    return f"{decision.label} given over {said}{why}"


def open_counts(result: ScanResult) -> tuple[int, int, int]:
    """Open (unwaived) findings with action block, with action review, and unreadable inputs."""
    block = review = 0
    for f in result.findings:
        if not f.waived:
            block += f.action is Action.BLOCK
            review += f.action is Action.REVIEW
    return block, review, len(result.errors)


def decision_over(decision: Decision, result: ScanResult) -> str | None:
    """``over_verdict`` of this scan."""
    return over_verdict(decision, *open_counts(result))


def dated_note(decision: Decision, result: ScanResult) -> str:
    """What a decision's date says beside this scan's: dated before the scan ran, it was made on an
    earlier run (the same report id when the file names one, else nothing ties it to this scan).
    A 2020 date beside a 2026 scan was shown with no comment (outside counsel 23)."""
    scanned = result.run.started_at[:10]
    if decision.date >= scanned:
        return ""
    if decision.report:
        return f" (dated before this scan ran on {scanned}: made on an earlier run with the same report id)"
    return f" (dated before this scan ran on {scanned}, and the file names no report)"


def numbered(items: tuple[str, ...]) -> str:
    """``(1) Remove … before training. (2) Re-scan …``: joined with "; " they read "before
    training.; Re-scan" (outside counsel 23, P13); a "; " only after an item without its own stop."""
    said = ""
    for i, item in enumerate(items, 1):
        if said:
            said += " " if said.endswith((".", "!", "?", ";", ":")) else "; "
        said += f"({i}) {item}"
    return said


def decision_line(decision: Decision, result: ScanResult, report_digest: str | None = None) -> str:
    """The decision on record in one line, for the text and Markdown reports (they did not show
    it: a pull-request comment could not tell that one existed), with everything the HTML and
    PDF decision block holds: notes, the signature and who ran the scan were left out, and notes
    can qualify an approval (outside counsel 23, P13); with its digest when the report's is given
    (``decision_digest``)."""
    over = decision_over(decision, result)
    checked = "" if decision.report else " (the decision file names no report: not checked against this one)"
    bound = decision_digest(decision, report_digest) if report_digest is not None else None
    # Fields apart with " · ": a note or signature ending in a stop read "stand-ins.; signature".
    return "Decision on record: " + " · ".join(
        [
            over or decision.label,
            *([f"conditions: {numbered(decision.conditions)}"] if decision.conditions else []),
            f"by {decision.name} ({decision.role}), {decision.date}{dated_note(decision, result)}",
            *([f"notes: {decision.notes}"] if decision.notes else []),
            *([f"override: {decision.override}"] if decision.override and not over else []),
            f"signature: {decision.signature}" if decision.signature else "no signature recorded",
            f"scan run by (as the decision file states): {decision.scan_run_by or 'not stated'}",
            f"in {decision.path}{checked}",
            *([f"decision digest {bound}"] if bound is not None else []),
        ]
    )
