"""The rules a scan checked, fired or not: every format's "Rules checked" (counsel 21).

A report listed only the rules that made findings: counsel could not tell a rule that was
checked and found nothing from one the policy never had. The run record lists every rule of
the policy with the clause it cites (``run.policy.rules``); this adds what each did here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from provcheck.model import ABSENT, Absent, ScanResult
from provcheck.policy.licenses import not_assessed
from provcheck.policy.reach import NO_FACTS, NO_PROVIDER
from provcheck.report import clauses

NOT_RECORDED = (
    "not recorded: the run record predates listing the rules checked; provcheck policy list "
    "with the same policy lists them"
)
"""What a report says when its run record lists no rules (written before they were recorded)."""

EVALUATED = "evaluated, no finding"
"""A rule that could fire and made no finding: tested on this scan's matches, markers and
declarations, and none met its condition."""

CLAUSE_NOTE = (
    "The clause cited is the latest wording on record; findings cite the version in force for "
    "their material, which may number the clause differently"
)
"""Said beside every format's Rules checked (counsel 21, P9: only the HTML said it)."""


@dataclass(frozen=True, slots=True)
class CheckedRule:
    """One rule of the policy and what it did in this scan."""

    id: str
    title: str
    action: str
    signal: str
    enabled: bool
    clause: str
    """The clause cited, in words (``OpenAI Terms of Use, 2(c)(iii) (openai-terms-of-use:
    compete)``), or that the rule cites none."""
    findings: int
    """Findings it made (waived ones included)."""
    waived: int
    could_not_fire: str | Absent | None = ABSENT
    """Why it could not fire here (``run.policy.rules[].could_not_fire``); None when it could;
    absent when the run record predates recording it."""
    cited: tuple[str, ...] = ()
    """Sections its findings cite where they differ from ``clause``'s (the version in force for
    their material: ``2(c)(iii)`` where the latest wording has ``What you cannot do``)."""

    @property
    def unable(self) -> bool:
        """An enabled rule that made no finding because it could not fire here."""
        return self.enabled and not self.findings and isinstance(self.could_not_fire, str)

    @property
    def outcome(self) -> str:
        """What the rule did here, in words."""
        if not self.enabled:
            return "turned off (enabled: false): not checked"
        if not self.findings:
            if self.unable:
                return f"could not fire: {self.could_not_fire}"
            # An older record does not say whether the rule could fire: no claim either way.
            return "no finding" if isinstance(self.could_not_fire, Absent) else EVALUATED
        waived = f", {self.waived:,} waived" if self.waived else ""
        return f"{self.findings:,} finding(s){waived}"

    @property
    def clause_cited(self) -> str:
        """``clause``, with the sections its findings cite when they differ (counsel 21, P9)."""
        if not self.cited:
            return self.clause
        cited = ", ".join(self.cited)
        return f"{self.clause}; findings here cite {cited} (the version in force for their material)"


def rules_checked(result: ScanResult) -> list[CheckedRule] | None:
    """Every rule of the policy in its order, with what it did; None when not recorded."""
    rules = result.run.policy.rules
    if rules is ABSENT:
        return None
    made = Counter(f.rule.id for f in result.findings)
    waived = Counter(f.rule.id for f in result.findings if f.waived)
    sections: dict[str, set[tuple[str, str]]] = {}
    for f in result.findings:
        clause = f.rule.clause
        if clause is not None and clause.section:
            dated = clauses.dating(clause) if clause.effective else ""
            sections.setdefault(f.rule.id, set()).add((clause.section, dated))
    out = []
    for r in rules:
        differ = tuple(
            section + (f" ({effective})" if effective else "")
            for section, effective in sorted(sections.get(r.id, ()))
            if section != r.section
        )
        if r.document is None:
            cited = "no clause cited"
        else:
            cited = r.document + (f", {r.section}" if r.section else "")
            cited += f" ({r.terms}: {r.clause})" if r.terms else " (the rule's own clause)"
        out.append(
            CheckedRule(
                id=r.id,
                title=r.title,
                action=r.action,
                signal=r.signal,
                enabled=r.enabled,
                clause=cited,
                findings=made[r.id],
                waived=waived[r.id],
                could_not_fire=r.could_not_fire,
                cited=differ if r.document is not None else (),
            )
        )
    return out


def unassessed_line(result: ScanResult) -> str | None:
    """The indexed sources whose licence no licence rule could read, in one line for every
    format's Rules checked; None when there are none (or the run record does not list the
    sources' facts). A licence with no known trait met no licence rule, and "could not fire"
    read as "no such source" (counsel 23: LicenseRef-ShareGPT)."""
    details = result.run.index.source_details
    if isinstance(details, Absent):
        return None
    said = [
        f"{d.name}: {words}"
        for d in details
        if d.background is not True
        and isinstance(d.license, str)
        and (words := not_assessed(d.license)) is not None
    ]
    if not said:
        return None
    return (
        "Licences no licence rule could read: "
        + "; ".join(said)
        + ". No rule (non-commercial, research-only, share-alike, no-derivatives, no licence) "
        "tested these sources' licence, so the rules' silence about it clears nothing: a "
        "reviewer reads the licence, or the index records an SPDX id or a LicenseRef- name "
        "provcheck knows"
    )


def quiet_groups(rules: Iterable[CheckedRule]) -> list[tuple[str, list[str]]]:
    """The ids of the rules that made no finding, by what they did: could not fire (a group per
    reason), evaluated with no finding, turned off; each group in the policy's order."""
    groups: dict[str, list[str]] = {}
    for r in rules:
        if not r.findings:
            groups.setdefault(r.outcome, []).append(r.id)

    def order(said: str) -> tuple[int, str]:
        return (0 if said.startswith("could not fire") else 2 if said.startswith("turned off") else 1, said)

    return sorted(groups.items(), key=lambda g: order(g[0]))


def rules_line(result: ScanResult) -> str:
    """How many rules were checked and how many made findings, in one line."""
    rules = rules_checked(result)
    if rules is None:
        return f"Rules checked: {NOT_RECORDED}"
    on = [r for r in rules if r.enabled]
    fired = sum(1 for r in on if r.findings)
    off = len(rules) - len(on)
    line = (
        f"Rules checked: {len(on):,} of the policy's {len(rules):,}"
        + (f" ({off:,} turned off)" if off else "")
        + f"; {fired:,} made findings, {len(on) - fired:,} found nothing"
    )
    quiet = [r for r in on if not r.findings]
    if not quiet or all(isinstance(r.could_not_fire, Absent) for r in quiet):
        return line  # a record written before it said which could fire: no split claimed
    unable = [r for r in quiet if r.unable]
    if not unable:
        return f"{line}: all {len(quiet):,} evaluated with no finding"
    reasons = [str(r.could_not_fire) for r in unable]
    if all(why.startswith(NO_PROVIDER) for why in reasons):
        why = "no indexed source from their provider"
    elif all(why.startswith((NO_PROVIDER, NO_FACTS)) for why in reasons):
        why = "no indexed source is recorded with the provider, terms, licence or model they test for"
    else:
        why = "each with its reason"
    return (
        f"{line}: {len(unable):,} could not fire ({why}), "
        f"{len(quiet) - len(unable):,} evaluated with no finding"
    )
