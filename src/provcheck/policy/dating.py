"""A finding's action lowered for its material's date, said to a machine (counsel 21).

Material dated before every wording of a rule's clause on record gets the rule's
``action_before_wording`` (``review`` unless the policy raises it): the clause's note says so in
words; ``DateLowering`` says which date (and whose), which version, from what action to what.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from provcheck.model import Action, Clause, DateLowering
from provcheck.policy.model import Rule, SourceFacts


def dated(*facts: SourceFacts) -> tuple[dt.date | None, str | None]:
    """The material's date and the name of the source whose ``date`` fact it is: the first of
    ``facts`` (the triggering source, then its dataset or chain, nearest first) with a date."""
    found = next((f for f in facts if f.date), None)
    return (found.date, found.name) if found is not None else (None, None)


def lowered(
    rule: Rule, clause: Clause, action: Action, on: dt.date | None, date_of: str | None
) -> tuple[Clause, DateLowering | None]:
    """``clause`` with its note saying the finding is ``action``, not the rule's, and the same
    for a machine (None when the material has no date: a lowering is only ever for a dated one)."""
    clause = replace(
        clause,
        note=f"{clause.note}: the finding is {action.value}, not {rule.action.value}, "
        "until a reviewer confirms the restriction was in force then",
    )
    if on is None:
        return clause, None
    named = rule.clause if rule.clause is not None and rule.clause.inline is None else None
    return clause, DateLowering(
        date=on.isoformat(),
        date_of=date_of,
        effective=clause.effective,
        version=clause.version,
        document=clause.document,
        terms=named.terms if named is not None else None,
        clause=named.key if named is not None else None,
        from_action=rule.action,
        to_action=action,
    )
