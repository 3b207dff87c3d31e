"""Which rules could not fire on a scan, and why (counsel 21, P7).

"Rules checked" said "no finding" of every rule that made none: a rule about Anthropic output
read as a clean check against Anthropic's terms when the index held no Anthropic source, so no
match could ever have met it. A match (or conflict) rule is tested against a matched source and
every source it derives from (``Evaluator.chain``), each with its facts as the evaluator reads
them (the index's, the policy's ``sources:``, the catalogue's): the ``source.*`` fields of a
test are those of one of these sources. A rule whose condition holds for none of them, whatever
the match, record, declaration and declared use, could not fire.

Sound, not complete: each source's ``source.*`` fields are known; every other field is taken as
able to hold either way (each comparison on its own), so a rule is said unable to fire only when
the facts of the sources alone rule it out. When unsure, a rule counts as evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from provcheck.policy.model import All, AnyOf, Comparison, Condition, Not, Rule, SourceFacts, comparisons

if TYPE_CHECKING:
    from provcheck.policy.evaluate import Evaluator

TURNED_OFF = "turned off (enabled: false)"
NO_SOURCE = "the index holds no source to match against (background sources aside)"
NO_PROVIDER = "no indexed source from "
"""The start of the reason of a rule about providers of which the index holds no source."""
NO_FACTS = "no indexed source is recorded with the "
"""The start of the reason of a rule whose other source facts (terms, licence, model) no indexed
source has."""

_EITHER = frozenset({True, False})
_WORDS = {
    "source.generator": "model",
    "source.terms": "terms",
    "source.license": "licence",
    "source.license_traits": "licence",
    "source.provider": "provider",
}
"""What each source field is, in a reason's words (others by their field name)."""


def matchable_sources(ev: Evaluator) -> tuple[Mapping[str, Any], ...] | None:
    """The ``source.*`` fields a match or conflict rule can be tested on: those of every
    non-background index source and of each source in its chain, as the evaluator gives them
    to a rule; None when the index holds no such source (no match can be made)."""
    # Only the fields the rules test, each set of values once: an index of thousands of sources
    # from a few providers is a few sets of facts to test the rules on.
    tested = {c.field for r in ev.policy.rules for c in comparisons(r.when) if c.field.startswith("source.")}
    names: set[str] = set()
    seen: dict[tuple[tuple[str, str], ...], Mapping[str, Any]] = {}
    for info in ev.index_sources.values():
        if info.background:
            continue
        for facts in ev.chain(info):
            if facts.name in names:
                continue
            names.add(facts.name)
            known = {k: v for k, v in ev._source_ctx(facts).items() if k in tested}
            seen.setdefault(tuple(sorted((k, repr(v)) for k, v in known.items())), known)
    if not names:
        return None
    # A reference whose source the manifest does not list is matched with no facts but its name
    # (``index.store``): such a source is one more to test on, whatever its name.
    bare = {
        k: v for k, v in ev._source_ctx(SourceFacts(name="")).items() if k in tested and k != "source.name"
    }
    seen.setdefault(tuple(sorted((k, repr(v)) for k, v in bare.items())), bare)
    return tuple(seen.values())


def _outcomes(cond: Condition, known: Mapping[str, Any], fields: frozenset[str] | None) -> frozenset[bool]:
    """The values ``cond`` can take when the ``source.*`` fields of ``known`` are as given (only
    ``fields`` of them when not None) and every other field any value (each comparison taken on
    its own: a superset of what can happen)."""
    if isinstance(cond, Comparison):
        if not cond.field.startswith("source.") or (fields is not None and cond.field not in fields):
            return _EITHER
        if cond.field == "source.name" and cond.field not in known:  # the bare source: any name
            return _EITHER
        return frozenset({cond.holds(known)})
    if isinstance(cond, Not):
        return frozenset(not v for v in _outcomes(cond.item, known, fields))
    parts = [_outcomes(item, known, fields) for item in cond.items]
    if isinstance(cond, All):
        can_hold, can_fail = all(True in p for p in parts), any(False in p for p in parts)
    else:
        assert isinstance(cond, AnyOf)
        can_hold, can_fail = any(True in p for p in parts), all(False in p for p in parts)
    return frozenset(v for v, possible in ((True, can_hold), (False, can_fail)) if possible)


def _can_hold(rule: Rule, sources: Sequence[Mapping[str, Any]], fields: frozenset[str] | None) -> bool:
    return any(True in _outcomes(rule.when, known, fields) for known in sources)


def could_not_fire(rule: Rule, sources: Sequence[Mapping[str, Any]] | None) -> str | None:
    """Why ``rule`` (one of the evaluator's policy) could not fire on a scan whose matches can
    be tested on ``sources`` (``matchable_sources``: only the fields the policy's rules test), in
    words; None when it could (or it is not known that it could not)."""
    if not rule.enabled:
        return TURNED_OFF
    if rule.signal not in ("match", "conflict"):
        return None
    if sources is None:
        return NO_SOURCE
    if _can_hold(rule, sources, None):
        return None
    named = rule.providers()
    if named and not _can_hold(rule, sources, frozenset({"source.provider"})):
        return NO_PROVIDER + " or ".join(named)
    # The facts that rule it out on their own (the terms of OpenAI's Services Agreement, say,
    # where OpenAI sources are indexed); else every fact it tests, which together do.
    tested = list(dict.fromkeys(c.field for c in comparisons(rule.when) if c.field.startswith("source.")))
    alone = [f for f in tested if not _can_hold(rule, sources, frozenset({f}))]
    words = list(dict.fromkeys(_WORDS.get(f, f) for f in alone or tested))
    if not words:  # a condition that holds for nothing (an empty "any of"): not the index's doing
        return None
    said = ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]
    return f"{NO_FACTS}{said} its condition requires"
