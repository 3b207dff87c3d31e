"""The rules a scan checked, fired or not: every format's "Rules checked" (counsel 21).

A report listed only the rules that made findings: counsel could not tell a rule that was
checked and found nothing from one the policy never had. The run record lists every rule of
the policy with the clause it cites (``run.policy.rules``); this adds what each did here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from provcheck.model import ABSENT, ScanResult

NOT_RECORDED = (
    "not recorded: the run record predates listing the rules checked; provcheck policy list "
    "with the same policy lists them"
)
"""What a report says when its run record lists no rules (written before they were recorded)."""


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

    @property
    def outcome(self) -> str:
        """What the rule did here, in words."""
        if not self.enabled:
            return "turned off (enabled: false): not checked"
        if not self.findings:
            return "no finding"
        waived = f", {self.waived:,} waived" if self.waived else ""
        return f"{self.findings:,} finding(s){waived}"


def rules_checked(result: ScanResult) -> list[CheckedRule] | None:
    """Every rule of the policy in its order, with what it did; None when not recorded."""
    rules = result.run.policy.rules
    if rules is ABSENT:
        return None
    made = Counter(f.rule.id for f in result.findings)
    waived = Counter(f.rule.id for f in result.findings if f.waived)
    out = []
    for r in rules:
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
            )
        )
    return out


def rules_line(result: ScanResult) -> str:
    """How many rules were checked and how many made findings, in one line."""
    rules = rules_checked(result)
    if rules is None:
        return f"Rules checked: {NOT_RECORDED}"
    on = [r for r in rules if r.enabled]
    fired = sum(1 for r in on if r.findings)
    off = len(rules) - len(on)
    return (
        f"Rules checked: {len(on):,} of the policy's {len(rules):,}"
        + (f" ({off:,} turned off)" if off else "")
        + f"; {fired:,} made findings, {len(on) - fired:,} found nothing"
    )
