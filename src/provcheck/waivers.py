"""Waivers: reviewers' recorded decisions to accept findings, kept in the dataset's repository.

A waivers file (default ``.provcheck-waivers.yaml`` in the current directory) lists entries,
each either for one finding (``id``: finding ids hash the rule, the record's content, the turn
and the reference, so they survive re-ordering and re-formatting of files) or for a scope: a
``rule`` (named: a pattern is refused) with an optional ``source`` (glob over the finding's
source and its chain) and ``path`` (glob over the dataset file). Every entry says why
(``reason``), who (``approver``), when (``date``), optionally until when (``expires``) and where
it was decided (``ticket``/``link``).

Applying waivers never hides a finding: a waived finding is reported as waived (and does not
fail the scan); one whose waiver has expired is re-opened; one whose waiver names an approver or
ticket at a domain reserved for examples (``example.com``…) is claimed, not credited, and stays
open; an entry that matches no finding is reported as stale. ``provcheck baseline`` writes an
entry per current finding with placeholder reason and approver, which reports flag until a
person fills them in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from provcheck.errors import PolicyError
from provcheck.model import Action, Finding, StaleWaiver, Waiver, WaiverReport, WaiverState
from provcheck.support.dates import DateError, parse_date
from provcheck.support.globs import name_match, path_match
from provcheck.support.reserved import reserved_domain as reserved_domain
from provcheck.waiver_doubts import NO_EXPIRY as NO_EXPIRY
from provcheck.waiver_doubts import PLACEHOLDER_APPROVER as PLACEHOLDER_APPROVER
from provcheck.waiver_doubts import doubts, not_credited, refuse_future, refuse_near_rules
from provcheck.yamlfile import LineDict, LineList, YamlProblem, line_of, load

DEFAULT_FILE = ".provcheck-waivers.yaml"
PLACEHOLDER_REASON = "TODO: say why this finding is acceptable (written by provcheck baseline)"
_KEYS = (
    "id",
    "rule",
    "source",
    "path",
    "action",
    "reason",
    "approver",
    "ticket",
    "link",
    "date",
    "expires",
    "note",
)
_ID = re.compile(r"^[0-9a-f]{20}$")
_WILDCARD = re.compile(r"[*?]|\[!?\]?[^\]]*\]")
"""What makes a ``rule`` a pattern as ``fnmatch`` reads it (``*``, ``?``, a set ``[…]``; a ``[``
that no ``]`` closes is a literal): refused."""
_BLANK = {
    "reason": "say why this finding is acceptable",
    "approver": "name who accepted it",
    "source": "give a source (glob), or leave the key out to cover every source",
    "path": "give a path glob, or leave the key out to cover every file",
    "expires": "give the last day it covers (YYYY-MM-DD), or leave the key out for no expiry",
    "date": "give the day it was decided (YYYY-MM-DD)",
}
_BLANK_OTHER = "give one, or leave the key out"
_TEMPLATE = re.compile(r"^<[^<>@]*>$")
"""A value that is all placeholder, as the entry ``hook run`` prints has them (``<who decided>``);
not an address in angle brackets (``<legal@example.com>``)."""


@dataclass(frozen=True, slots=True)
class WaiverEntry:
    """One entry of a waivers file."""

    waiver: Waiver
    file: str
    line: int | None
    id: str | None = None
    rule: str | None = None
    source: str | None = None
    path: str | None = None
    action: Action | None = None
    """The most severe action this entry accepts (``provcheck baseline`` writes the action the
    finding had): a finding the gate now gives a more severe action is not covered."""

    def stale(self) -> StaleWaiver:
        """This entry as reported when it matches nothing."""
        return StaleWaiver(
            self.file,
            self.line,
            self.id,
            self.rule,
            self.source,
            self.path,
            self.waiver.reason,
            approver=self.waiver.approver,
            date=self.waiver.date,
        )

    def matches(self, finding: Finding, base: str | None) -> bool:
        """True when this entry covers ``finding``."""
        if self.action is not None and finding.action.severity > self.action.severity:
            # Accepted as `review` under one policy or declared use, now `block` under the
            # gate's: the stricter reading wins, the finding is open again (the entry is stale).
            return False
        if self.id is not None:
            return finding.id == self.id
        if self.rule is not None and not name_match(finding.rule.id, self.rule):
            return False
        if self.source is not None:
            names = {s.name for s in finding.chain}
            if finding.source is not None:
                names.add(finding.source.name)
            if finding.match is not None:
                names.add(finding.match.reference.source.name)
            if not any(name_match(n, self.source) for n in names):
                return False
        if self.path is not None:
            # A declaration's finding is about a directory; its declaring file is tried too.
            paths = [finding.path]
            if finding.declaration is not None:
                paths.append(finding.declaration.path)
            if not any(path_match(c, self.path) for c in _relative_paths(paths, base)):
                return False
        return True

    def in_force(self, today: dt.date) -> bool:
        """False once ``expires`` has passed (the day it names is still covered)."""
        return self.waiver.expires is None or parse_date(self.waiver.expires) >= today


def _relative_paths(paths: Sequence[str], base: str | None) -> list[str]:
    """The spellings of ``paths`` a waiver's ``path`` glob is matched against.

    A file under the waivers file's folder is named relative to that folder only: matched also
    as reported or relative to the current directory, the repository's ``legacy/**`` waived
    ``data/legacy/`` in a scan run from ``data/``, one decision covering other files depending
    on where the scan ran. A file outside it (a waivers file kept elsewhere) is named as
    reported and relative to the current directory.
    """
    out: list[str] = []
    for p in paths:
        if not p:
            continue
        if "://" in p:
            out.append(p)
            continue
        full = os.path.abspath(p)
        if base is not None:
            rel = os.path.relpath(full, base)
            if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
                out.append(rel)
                continue
        out += [p, os.path.relpath(full, os.getcwd())]
    return out


@dataclass(frozen=True, slots=True)
class Waivers:
    """A loaded waivers file."""

    path: str
    entries: tuple[WaiverEntry, ...]
    sha256: str | None = None
    """SHA-256 of the file's bytes as read (reports name it so the decision can be reproduced)."""

    @property
    def base(self) -> str:
        """Directory that relative ``path`` globs are also tried against."""
        return os.path.dirname(os.path.abspath(self.path))

    def covers_only(self, old: str, new: str) -> WaiverEntry | None:
        """An entry whose ``path`` glob covers the file ``old`` but not ``new`` (a file moved
        out of a waived folder), or None. Its records were accepted where they were, not where
        they go: a diff-aware scan must look at them again."""
        for entry in self.entries:
            if entry.path is None:
                continue
            pattern = entry.path
            if any(path_match(c, pattern) for c in _relative_paths([old], self.base)) and not any(
                path_match(c, pattern) for c in _relative_paths([new], self.base)
            ):
                return entry
        return None


def load_waivers(path: str) -> Waivers:
    """Read and validate a waivers file; every problem at once (``PolicyError``, exit 3)."""
    try:
        doc = load(path)
    except YamlProblem as exc:
        raise PolicyError([str(exc)], what="waivers file") from None
    digest = _sha256(path)
    problems: list[str] = []

    def problem(line: int | None, message: str) -> None:
        problems.append(f"{path}:{line}: {message}" if line else f"{path}: {message}")

    entries: list[WaiverEntry] = []
    if doc is None:
        return Waivers(path, (), digest)
    if not isinstance(doc, LineDict):
        raise PolicyError([f"{path}:1: a waivers file is a mapping with 'waivers:'"], what="waivers file")
    for key in doc:
        if key not in ("version", "waivers"):
            problem(doc.line_of(key), f"unknown key {key!r}; allowed: version, waivers")
    if doc.get("version", 1) != 1:
        problem(doc.line_of("version"), f"version {doc.get('version')!r}; allowed: 1")
    raw = doc.get("waivers", [])
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        problem(doc.line_of("waivers"), "'waivers' must be a list of entries")
        raw = []
    for i, item in enumerate(raw):
        entry = _entry(path, line_of(raw, i) if isinstance(raw, LineList) else None, item, problem)
        if entry is not None:
            entries.append(entry)
    if problems:
        raise PolicyError(problems, what="waivers file")
    return Waivers(path, tuple(entries), digest)


def _sha256(path: str) -> str | None:
    """The file's digest, or None when it cannot be read again (it was just loaded)."""
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _entry(path: str, line: int | None, item: Any, problem: Any) -> WaiverEntry | None:
    if not isinstance(item, LineDict):
        problem(line, "a waiver is a mapping with 'id' (or 'rule'), 'reason', 'approver' and 'date'")
        return None
    ok, blank = True, False
    for key in item:
        if key not in _KEYS:
            import difflib  # only for a misspelt key

            near = difflib.get_close_matches(key.lower(), _KEYS, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problem(item.line_of(key), f"unknown key {key!r}{hint}; allowed: {', '.join(_KEYS)}")
            ok = False
        elif item[key] is None:
            # `reason:` and `approver:` left blank waived a blocking finding as "None — None";
            # a blank `source:` or `path:` widened a scope to every source or file; a blank
            # `expires:` or `action:` dropped the entry without a word (adversarial pass 18).
            problem(item.line_of(key), f"'{key}' has no value; {_BLANK.get(key, _BLANK_OTHER)}")
            blank = True
    if blank:
        return None  # the checks below would take a blank for a key left out
    strings: dict[str, str | None] = {}
    for key in ("id", "rule", "source", "path", "reason", "approver", "ticket", "link", "note"):
        value = item.get(key)
        if value is None:
            strings[key] = None
        elif isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            strings[key] = str(value).strip()
        else:
            problem(item.line_of(key), f"'{key}' must be a non-empty string, found {value!r}")
            ok = False
            strings[key] = None
    fid, rule = strings["id"], strings["rule"]
    if fid is None and rule is None:
        problem(line, "give 'id' (one finding) or 'rule' (a scope, with optional 'source' and 'path')")
        ok = False
    if fid is not None and any(strings[k] is not None for k in ("rule", "source", "path")):
        problem(line, "give either 'id' or a scope ('rule', 'source', 'path'), not both")
        ok = False
    if rule is not None and _WILDCARD.search(rule):
        # `rule: "*"` waived every rule the record broke, present and future (trust 23): a
        # waiver accepts the risk of one rule, which its approver read.
        problem(
            item.line_of("rule"),
            f"'rule' {rule!r} is a pattern: a waiver accepts the risk of a rule it names; list "
            "each rule, one entry per rule (provcheck policy list shows the rule ids; 'source' "
            "and 'path' may still be globs)",
        )
        ok = False
    if fid is not None and not _ID.match(fid.lower()):
        problem(item.line_of("id"), f"'id' {fid!r} is not a finding id (20 hex digits, as reports show)")
        ok = False
    for key in ("reason", "approver"):
        if strings[key] is None and key not in item:
            problem(line, f"'{key}' is required")
            ok = False
        elif strings[key] is not None and _TEMPLATE.match(str(strings[key])):
            # The entry the hook prints when it refuses a commit, pasted as it is: the finding was
            # waived "because <why this use is acceptable>" (adversarial pass 18).
            problem(item.line_of(key), f"'{key}' is still a placeholder, {strings[key]!r}: {_BLANK[key]}")
            ok = False
    action = _action(item, problem)
    if "action" in item and action is None:
        ok = False
    date = _date(item, "date", problem, required=True)
    expires = _date(item, "expires", problem, required=False)
    if date is None or ("expires" in item and expires is None):
        ok = False
    if date is not None and expires is not None and expires < date:
        problem(item.line_of("expires"), f"'expires' {expires} is before 'date' {date}")
        ok = False
    if not ok:
        return None
    reason, approver = str(strings["reason"]), str(strings["approver"])
    waiver = Waiver(
        reason=reason,
        approver=approver,
        date=str(date),
        expires=str(expires) if expires else None,
        ticket=strings["ticket"] or strings["link"],
        link=strings["link"] if strings["ticket"] else None,
        placeholder=reason == PLACEHOLDER_REASON or approver == PLACEHOLDER_APPROVER,
        doubts=doubts(approver, (strings["ticket"], strings["link"]), expires),
        not_credited=not_credited(approver, strings["ticket"], strings["link"]),
        written_for=written_for(
            fid.lower() if fid else None, rule, strings["source"], strings["path"], action
        ),
        entry=f"{path}:{line}" if line else path,
    )
    return WaiverEntry(
        waiver=waiver,
        file=path,
        line=line,
        id=fid.lower() if fid else None,
        rule=rule,
        source=strings["source"],
        path=strings["path"],
        action=action,
    )


def written_for(
    fid: str | None, rule: str | None, source: str | None, path: str | None, action: Action | None
) -> str:
    """What an entry names, as its file says it: ``finding ID``, or its rule, source and path
    (and the most severe action it accepts)."""
    parts = [
        f"{k} {v}" for k, v in (("finding", fid), ("rule", rule), ("source", source), ("path", path)) if v
    ]
    if action is not None:
        parts.append(f"up to {action.value}")
    return "; ".join(parts) or "nothing named"


def _action(item: LineDict, problem: Any) -> Action | None:
    value = item.get("action")
    if value is None:
        return None
    names = [a.value for a in Action]
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in names:
        return Action(text)
    import difflib  # only for a misspelt action: the hook's start-up imports stay few

    near = difflib.get_close_matches(str(value).lower(), names, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    problem(item.line_of("action"), f"'action' {value!r} is not an action{hint}; allowed: {', '.join(names)}")
    return None


def _date(item: LineDict, key: str, problem: Any, *, required: bool) -> dt.date | None:
    value = item.get(key)
    if value is None:
        if required:
            problem(item.line, f"'{key}' is required (YYYY-MM-DD)")
        return None
    try:
        return parse_date(value)
    except DateError as exc:
        problem(item.line_of(key), f"'{key}': {exc}")
        return None


class Applier:
    """Applies waivers to findings one at a time (a scan's findings arrive batch by batch);
    ``report`` says what the file did once every finding has been seen."""

    def __init__(self, waivers: Waivers, today: dt.date, rules: Collection[str] | None = None) -> None:
        refuse_future(waivers, today)
        if rules is not None:
            refuse_near_rules(waivers, rules)
        self.waivers = waivers
        self.today = today
        self._base = waivers.base
        self._used: set[int] = set()
        self._waived = self._expired = self._placeholders = self._baseline = self._not_credited = 0

    def __call__(self, finding: Finding) -> Finding:
        """``finding`` with its waiver (waived, or expired and re-opened), if one covers it."""
        matching = [(i, e) for i, e in enumerate(self.waivers.entries) if e.matches(finding, self._base)]
        self._used.update(i for i, _ in matching)
        if not matching:
            return finding
        today = self.today
        # In force before expired, credited before not; a waiver for this very finding before a
        # scope; then file order.
        _, chosen = min(
            matching,
            key=lambda ie: (not ie[1].in_force(today), not ie[1].waiver.credited, ie[1].id is None, ie[0]),
        )
        if not chosen.in_force(today):
            state = WaiverState.EXPIRED
            self._expired += 1
        elif not chosen.waiver.credited:
            # Counsel 21 (P4): approved at example.com is approved by no one that can be shown;
            # like an expired waiver, it is reported and waives nothing.
            state = WaiverState.NOT_CREDITED
            self._not_credited += 1
        else:
            state = WaiverState.WAIVED
            self._waived += 1
            self._placeholders += chosen.waiver.placeholder_like
            self._baseline += chosen.waiver.placeholder
        return replace(finding, waiver=chosen.waiver, waiver_state=state)

    def report(self) -> WaiverReport:
        """What the waivers did to the findings seen so far; unused entries are stale."""
        entries = self.waivers.entries
        return WaiverReport(
            file=self.waivers.path,
            entries=len(entries),
            waived=self._waived,
            expired=self._expired,
            placeholders=self._placeholders,
            stale=tuple(e.stale() for i, e in enumerate(entries) if i not in self._used),
            sha256=self.waivers.sha256,
            as_of=self.today.isoformat(),
            from_baseline=self._baseline,
            not_credited=self._not_credited,
        )


def apply(
    findings: Sequence[Finding], waivers: Waivers | None, today: dt.date
) -> tuple[list[Finding], WaiverReport | None]:
    """Findings with their waivers (waived, or expired and re-opened) and what happened."""
    if waivers is None:
        return list(findings), None
    applier = Applier(waivers, today)
    return [applier(f) for f in findings], applier.report()


def baseline_entries(findings: Iterable[Finding], today: dt.date) -> list[dict[str, Any]]:
    """A waiver entry (placeholder reason and approver) per finding that no waiver covers."""
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for f in findings:
        if f.waived or f.id in seen:
            continue
        seen.add(f.id)
        entries.append(
            {
                "id": f.id,
                "action": f.action.value,
                "reason": PLACEHOLDER_REASON,
                "approver": PLACEHOLDER_APPROVER,
                "date": today.isoformat(),
                "note": describe(f),
            }
        )
    return entries


def describe(f: Finding) -> str:
    """One line saying what a finding is, for people reading a waivers file."""
    where = f.path
    rec = f.record
    if rec is not None:
        where = f"{rec.location.path} record {rec.location.index} {rec.turn.role}[{rec.turn.position}]"
    source = f" <- {f.source.name}" if f.source is not None else ""
    if f.marker is not None:
        source = f" marker {f.marker.marker}"
    return f"{f.rule.id} ({f.action.value}): {where}{source}"


def dump(
    entries: Sequence[dict[str, Any]], *, header: bool = True, indent: str = "  ", note: str | None = None
) -> str:
    """YAML text of entries (with the file header when ``header``); each list item starts with
    ``indent`` (the existing file's, when appending); ``note`` is a comment line before them
    (what ``provcheck baseline`` took them under)."""
    lines = []
    if header:
        lines += [
            "# provcheck waivers: decisions to accept findings. See docs/policy.md#waivers.",
            "# Entries written by `provcheck baseline` carry a placeholder reason and approver:",
            "# reports flag them until a person replaces both.",
            "version: 1",
            "waivers:",
        ]
    if note and entries:
        lines.append(indent + "# " + " ".join(note.split()))  # one line, whatever the note holds
    import yaml  # here: a run that only reads waivers parses them through yamlfile

    for entry in entries:
        text = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=1000)
        lines += [indent + line if line else line for line in text.rstrip("\n").split("\n")]
    return "\n".join(lines) + "\n"


def appended(
    existing: str, waivers: Waivers, entries: Sequence[dict[str, Any]], note: str | None = None
) -> str:
    """``existing`` file text with ``entries`` added at the end of its ``waivers:`` list.

    Text is appended (comments and layout of the file are kept, new items indented like the
    existing ones); this needs ``waivers:`` to be the file's last key, as a block list (or
    empty). The result is parsed again before it is returned: text that would not read back as
    the old entries followed by the new ones is refused (``PolicyError``), never written.
    """
    if not entries:
        return existing
    doc_lines = existing.split("\n")
    waivers_line = next((i for i, s in enumerate(doc_lines) if s.startswith("waivers:")), None)
    if waivers_line is None:
        body = existing.rstrip("\n")
        text = (body + "\n" if body else "") + dump(
            entries, header=not body or "version:" not in body, note=note
        )
        return _checked(existing, text, waivers, entries)
    after = doc_lines[waivers_line + 1 :]
    tail = doc_lines[waivers_line][len("waivers:") :].strip()
    if tail not in ("", "[]") or any(s and not s.startswith((" ", "-", "#")) for s in after):
        raise PolicyError(
            [f"{waivers.path}: 'waivers:' must be the last key, a block list, for baseline to append"],
            what="waivers file",
        )
    # The indentation of the list's items as written (PyYAML writes none, people 2 or 4).
    items = [s for s in after if s.lstrip().startswith("-")]
    indent = items[0][: len(items[0]) - len(items[0].lstrip())] if items else "  "
    head = "\n".join(doc_lines[:waivers_line]) + ("\n" if waivers_line else "")
    kept = "\n".join(after).rstrip("\n")
    text = (
        head
        + "waivers:\n"
        + (kept + "\n" if kept.strip() else "")
        + dump(entries, header=False, indent=indent, note=note)
    )
    return _checked(existing, text, waivers, entries)


def _checked(existing: str, text: str, waivers: Waivers, entries: Sequence[dict[str, Any]]) -> str:
    """``text`` if it reads back as ``existing`` plus ``entries`` at the end of its list."""

    def items(doc: Any) -> tuple[dict[str, Any], list[Any]]:
        doc = doc if isinstance(doc, dict) else {}
        listed = doc.get("waivers") or []
        return {k: v for k, v in doc.items() if k != "waivers"}, list(listed) if isinstance(
            listed, list
        ) else []

    import yaml

    try:
        before_rest, before = items(yaml.safe_load(existing))
        after_rest, after = items(yaml.safe_load(text))
    except yaml.YAMLError:
        after_rest, after, before_rest, before = {}, [], {"?": None}, []
    wanted = yaml.safe_load(yaml.safe_dump(list(entries), sort_keys=False, allow_unicode=True))
    if after_rest != before_rest or after != [*before, *wanted]:
        raise PolicyError(
            [
                f"{waivers.path}: the new entries cannot be appended in this file's layout "
                "without changing its meaning; the file is unchanged"
            ],
            what="waivers file",
            hint="write the 'waivers:' list as a block list at the end of the file, or give another --output",
        )
    return text
