"""Which rules could not fire on a scan, and why (counsel 21, P7).

"Rules checked" said "no finding" of every rule that made none: a rule about Anthropic output
read as a clean check against Anthropic's terms when the index held no Anthropic source, so no
match could ever have met it. A match (or conflict) rule is tested against a matched source and
every source it derives from (``Evaluator.chain``): the providers it can see are those of the
index's sources (background sources aside) and of their chains, with the policy's ``sources:``
and the catalogue's facts as the evaluator reads them. A rule whose condition cannot hold for any
of them could not fire.

Sound, not complete: only ``source.provider`` is tested here; every other field is taken as able
to hold either way, so a rule is said unable to fire only when its provider comparisons alone
rule it out. When unsure, a rule counts as evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from provcheck.policy.model import All, AnyOf, Comparison, Condition, Not, Rule

if TYPE_CHECKING:
    from provcheck.policy.evaluate import Evaluator

TURNED_OFF = "turned off (enabled: false)"
NO_SOURCE = "the index holds no source to match against (background sources aside)"
NO_PROVIDER = "no indexed source from "
"""The start of the reason of a rule about providers of which the index holds no source."""

_EITHER = frozenset({True, False})


def matchable_providers(ev: Evaluator) -> frozenset[str | None] | None:
    """The providers a match or conflict rule can see: those of every non-background index
    source and of each source in its chain, as the evaluator reads them (``None``, no provider,
    is always one of them); None when the index holds no such source (no match can be made)."""
    out: set[str | None] = set()
    for info in ev.index_sources.values():
        if info.background:
            continue
        out.update(facts.provider for facts in ev.chain(info))
    return frozenset({*out, None}) if out else None


def _outcomes(cond: Condition, providers: Iterable[str | None]) -> frozenset[bool]:
    """The values ``cond`` can take when ``source.provider`` is one of ``providers`` and every
    other field any value (each comparison taken on its own: a superset of what can happen)."""
    if isinstance(cond, Comparison):
        if cond.field != "source.provider":
            return _EITHER
        return frozenset(cond.holds({"source.provider": p}) for p in providers)
    if isinstance(cond, Not):
        return frozenset(not v for v in _outcomes(cond.item, providers))
    parts = [_outcomes(item, providers) for item in cond.items]
    if isinstance(cond, All):
        can_hold, can_fail = all(True in p for p in parts), any(False in p for p in parts)
    else:
        assert isinstance(cond, AnyOf)
        can_hold, can_fail = any(True in p for p in parts), all(False in p for p in parts)
    return frozenset(v for v, possible in ((True, can_hold), (False, can_fail)) if possible)


def could_not_fire(rule: Rule, providers: frozenset[str | None] | None) -> str | None:
    """Why ``rule`` could not fire on a scan whose matches can see ``providers`` (from
    ``matchable_providers``), in words; None when it could (or it is not known that it could not)."""
    if not rule.enabled:
        return TURNED_OFF
    if rule.signal not in ("match", "conflict"):
        return None
    if providers is None:
        return NO_SOURCE
    if True in _outcomes(rule.when, sorted(providers, key=lambda p: p or "")):
        return None
    named = rule.providers()
    return NO_PROVIDER + (" or ".join(named) if named else "a provider its condition allows")
