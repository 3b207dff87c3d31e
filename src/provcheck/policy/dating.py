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


def dated_declared(
    own: SourceFacts, facts: SourceFacts, chain: tuple[SourceFacts, ...]
) -> tuple[dt.date | None, str | None, bool]:
    """The date of a declaration's or conflict's finding, its source's name, and whether it is
    the dataset's own claim: the first date of the triggering source and its chain (the index's,
    the policy's and the catalogue's facts), else the dataset's own ``date`` (``own``: its card
    or manifest). A claimed date is cited but never lowers the action (``claimed``): a card
    dating its rows 1990 lowered a block to review over the catalogue's 2023 date of the dataset
    it declares (adversarial pass 21): the data would choose its own verdict."""
    on, date_of = dated(*(f for f in (facts, *chain) if f.name != own.name))
    if on is not None:
        return on, date_of, False
    on, date_of = dated(own)
    return on, date_of, on is not None


def claimed(clause: Clause, date_of: str | None) -> Clause:
    """``clause`` with its note saying the date before every wording is the dataset's own claim,
    which keeps the rule's action (``dated_declared``)."""
    return replace(
        clause,
        note=f"{clause.note}: that date is the dataset's own ({date_of}: its card or manifest), "
        "which does not lower the finding's action",
    )


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
        date_label=clause.date_label,
    )
