"""A rule's condition in plain words, from its structure (``policy.model``): what counsel reads
under *Applies when*, beside the condition as the policy writes it (``str(condition)``).

Every field a condition can test (``loadstate.FIELD_TYPES``, and ``source.meta.KEY``) has a
phrase, and every operator of the policy language (``equals``, ``in``, ``not_in``, ``glob``,
``regex``, ``contains``, ``gte``, ``gt``, ``lte``, ``lt``, ``exists``; ``all``, ``any``,
``not``) its words. The words follow the evaluation exactly: a comparison with a value the
facts do not record is false (``Comparison.holds``), so under ``not`` it holds and the words say
"or not recorded"; a field holding several values (a source's licences, the declared purposes)
passes when one of them does ("includes").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from provcheck.policy.loadstate import FIELD_TYPES
from provcheck.policy.model import All, AnyOf, Comparison, Condition, Not, Rule

FIELDS: dict[str, str] = {
    "source.name": "the matched source's name",
    "source.provider": "the source's provider",
    "source.generator": "the model that wrote the source's text",
    "source.license": "the source's licences",
    "source.terms": "the terms document recorded for the source",
    "source.origin": "the source's origin",
    "source.derived_from": "the datasets the source derives from",
    "source.date": "the source's date",
    "source.url": "the source's URL",
    "use.purpose": "the declared purposes",
    "match.similarity": "the match's similarity (share of aligned tokens that agree)",
    "match.containment": "the share of the record's text the match covers",
    "match.coverage": "the match's coverage (the larger of the shares of either side it covers)",
    "match.char_similarity": "the match's character similarity",
    "match.jaccard": "the shingle overlap (Jaccard) of record and reference",
    "match.tokens": "the number of aligned tokens",
    "match.kind": "the kind of match",
    "match.probability": "the estimated probability of derivation",
    "match.convergence": "the kind of common text the match is explained by",
    "match.relation": "how the record relates to the reference",
    "record.path": "the record's file",
    "record.role": "the role of the matched turn",
    "record.kind": "the kind of the matched turn",
    "record.id": "the record's id",
    "reference.id": "the reference's id",
    "reference.role": "the role of the reference's turn",
    "marker.id": "the marker phrase's id",
    "marker.label": "the marker phrase's label",
    "marker.provider": "the provider the marker phrase points to",
    "marker.text": "the marker text found",
    "marker.count": "the number of times the marker phrase occurs in the turn",
    "declared.key": "the declaration's key",
    "declared.value": "the declared value",
    "declared.file": "the file holding the declaration",
    "declared.dataset": "the dataset the declaration is about",
    "declared.resolved": "the provider the declared name resolves to",
    "declared.by": "what makes the declaration (card, manifest or record)",
    "conflict.records": "the number of records matching the source",
    "conflict.copies": "the number of those records whose match could block (not short, not convergent)",
    "conflict.example": "an example record matching the source (one that could block, where one does)",
    "conflict.source": "the source the records match",
}
"""Each field that is not true/false, as a noun phrase."""
FLAGS: dict[str, tuple[str, str]] = {
    "use.commercial": ("the declared use is commercial", "the declared use is not commercial"),
    "use.distributed": (
        "the declared use distributes the model or data",
        "the declared use does not distribute the model or data",
    ),
    "use.research_only": ("the declared use is research only", "the declared use is not research only"),
    "use.declared": ("a use was declared", "no use was declared"),
    "match.short": (
        "the match is shorter than the blocking floor",
        "the match is at least as long as the blocking floor",
    ),
    "match.explained": (
        "the match is explained as common text (convergence)",
        "the match is not explained as common text (convergence)",
    ),
    "declared.known": (
        "the declared name is one provcheck knows",
        "the declared name is not one provcheck knows",
    ),
    "declared.carries_output": (
        "the record making the declaration holds text the model wrote",
        "the declaration does not come with text the model wrote (a card, a manifest, or a record "
        "without the model's answers)",
    ),
}
"""Each true/false field: what it says when true, and when false."""
_NUMBER = {"gte": "is at least", "gt": "is more than", "lte": "is at most", "lt": "is less than"}
_DATE = {"gte": "is on or after", "gt": "is after", "lte": "is on or before", "lt": "is before"}
_NUMBER_NOT = {"gte": "is less than", "gt": "is at most", "lte": "is more than", "lt": "is at least"}
_DATE_NOT = {"gte": "is before", "gt": "is on or before", "lte": "is after", "lt": "is on or after"}
UNRECORDED = " (or is not recorded)"
"""Added to a negated comparison: a value the facts do not record fails every comparison, so
its negation holds."""


TRAIT_FIELDS = {
    "source.license_traits": "the source's licence",
    "declared.license_traits": "the declared licence",
}
"""Licence classes (``licenses.TRAITS``): the loader takes only whole class words, none of which
holds another, so ``contains`` is membership and is said as "is classed"."""
PLURAL = frozenset({"source.license", "source.derived_from", "use.purpose"})
"""Fields said in the plural ("the declared purposes include")."""
_PLURAL_VERBS = {"is": "are", "includes": "include", "does": "do", "has": "have", "matches": "match"}
_MARKS = ("({})", "({})", "[{}]")


def describe(cond: Condition) -> str:
    """The condition in plain words (``always`` for an empty one)."""
    return _describe(cond, 0)


HANDED_FIELDS = ("source.terms",)  # said as "sources under “openai-eu-terms-of-use”"
"""Fields a rule may leave to other rules by value: a rule that excludes some terms documents
(``not: {source.terms: [...]}``) hands those sources to the rules written for them."""


def handed_over(rule: Rule, rules: Sequence[Rule]) -> str:
    """Where the sources a rule excludes by terms document go: the rules of the same signal that
    require that document, said after *Applies when* (counsel 20: the OpenAI rule was "switched
    off" for the EU terms and the Services Agreement with no word of the rules that take them).
    Empty when the rule excludes none; "no other rule" is said, never left out."""
    said = []
    for field in HANDED_FIELDS:
        for value in _excluded(rule.when, field, negated=False):
            takers = [
                r.id
                for r in rules
                if r.id != rule.id
                and r.enabled
                and r.signal == rule.signal
                and value in _required(r.when, field)
            ]
            whom = ", ".join(takers) if takers else "no other rule of this policy"
            said.append(f"sources under {_value(value)} are judged by {whom} instead")
    return "; ".join(said)


def _excluded(cond: Condition, field: str, negated: bool) -> list[Any]:
    """The values of ``field`` a condition excludes (a comparison on it under ``not``)."""
    if isinstance(cond, Comparison):
        if negated and cond.field == field and cond.op in ("equals", "in"):
            return list(cond.value) if isinstance(cond.value, (list, tuple)) else [cond.value]
        return []
    if isinstance(cond, Not):
        return _excluded(cond.item, field, not negated)
    return [v for item in cond.items for v in _excluded(item, field, negated)]


def _required(cond: Condition, field: str) -> list[Any]:
    """The values of ``field`` a condition can hold for: a comparison on it that is not negated,
    in its ``all`` or one branch of an ``any`` (the rule may then judge such a source)."""
    if isinstance(cond, Comparison):
        if cond.field == field and cond.op in ("equals", "in"):
            return list(cond.value) if isinstance(cond.value, (list, tuple)) else [cond.value]
        return []
    if isinstance(cond, Not):
        return []
    return [v for item in cond.items for v in _required(item, field)]


def _describe(cond: Condition, depth: int) -> str:
    if isinstance(cond, Comparison):
        return _comparison(cond, negated=False)
    if isinstance(cond, Not):
        return _negation(cond.item, depth)
    if isinstance(cond, All) and not cond.items:
        return "always"
    word = "and" if isinstance(cond, All) else "or"
    if len(cond.items) == 1:
        return _describe(cond.items[0], depth)
    if len(cond.items) == 2 and all(isinstance(i, Comparison) for i in cond.items):
        a, b = (_describe(i, depth) for i in cond.items)
        return f"{'both' if word == 'and' else 'either'} {a} {word} {b}"
    head = "all of" if word == "and" else "at least one of"
    return f"{head}: {_listed(cond.items, depth)}"


def _listed(items: tuple[Condition, ...], depth: int) -> str:
    mark = _MARKS[min(depth, 2)]
    labels = [
        str(i) if depth != 1 else "abcdefghijklmnopqrstuvwxyz"[(i - 1) % 26] for i in range(1, len(items) + 1)
    ]
    return "; ".join(
        f"{mark.format(label)} {_describe(item, depth + 1)}"
        for label, item in zip(labels, items, strict=True)
    )


def _negation(item: Condition, depth: int) -> str:
    if isinstance(item, Comparison):
        return _comparison(item, negated=True)
    if isinstance(item, Not):
        return _describe(item.item, depth)
    if not item.items:
        return "never" if isinstance(item, All) else "always"
    if len(item.items) == 1:
        return _negation(item.items[0], depth)
    if isinstance(item, AnyOf):
        if len(item.items) == 2 and all(isinstance(i, Comparison) for i in item.items):
            a, b = (_describe(i, depth) for i in item.items)
            return f"neither {a} nor {b}"
        return f"none of: {_listed(item.items, depth)}"
    return f"not all of: {_listed(item.items, depth)}"


def field_words(name: str) -> str:
    """The field as a noun phrase (a true/false field by what it says when true)."""
    if name.startswith("source.meta."):
        return f"the source's “{name.removeprefix('source.meta.')}”"
    if name in FLAGS:
        return f"whether {FLAGS[name][0]}"
    if name in TRAIT_FIELDS:
        return f"the classes of {TRAIT_FIELDS[name]}"
    return FIELDS.get(name, name)


def _value(v: Any) -> str:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str):
        return f"“{v}”"
    if isinstance(v, float) and 0 <= v <= 1:
        return f"{v:g} ({v:.0%})"
    return str(v)


def _values(vs: Any, last: str = "or") -> str:
    items = [_value(v) for v in (vs if isinstance(vs, (list, tuple)) else [vs])]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {last} " + items[-1]


def _comparison(c: Comparison, negated: bool) -> str:
    name, op, value = c.field, c.op, c.value
    unrecorded = (UNRECORDED.replace(" is ", " are ") if name in PLURAL else UNRECORDED) if negated else ""
    if op == "exists":
        recorded = bool(value) is not negated
        if name in FLAGS:
            return f"{'it is' if recorded else 'it is not'} recorded whether {FLAGS[name][0]}"
        verb = "is recorded" if recorded else "is not recorded"
        return f"{field_words(name)} {_agree(verb, name)}"
    if name in FLAGS and op == "equals" and isinstance(value, bool):
        return FLAGS[name][0 if value is not negated else 1] + (" (or it is not recorded)" if negated else "")
    if name in TRAIT_FIELDS and op != "regex" and op != "glob":
        return f"{TRAIT_FIELDS[name]} {_classed(op, value, negated)}{unrecorded}"
    return f"{field_words(name)} {_agree(_verb(op, value, name, negated), name)}{unrecorded}"


def _agree(verb: str, name: str) -> str:
    if name not in PLURAL:
        return verb
    first, _, rest = verb.partition(" ")
    return " ".join(w for w in (_PLURAL_VERBS.get(first, first), rest) if w)


def _classed(op: str, value: Any, negated: bool) -> str:
    if op == "not_in":
        return f"is classed only {_values(value)}" if negated else f"has a class other than {_values(value)}"
    return f"is {'not ' if negated else ''}classed {_values(value)}"


def _verb(op: str, value: Any, name: str, negated: bool) -> str:
    several = FIELD_TYPES.get(name) == "strs"
    if op in _NUMBER:
        if isinstance(value, dt.date):
            return f"{(_DATE_NOT if negated else _DATE)[op]} {_value(value)}"
        return f"{(_NUMBER_NOT if negated else _NUMBER)[op]} {_value(value)}"
    if op == "regex":
        pattern = getattr(value, "pattern", value)
        return f"{'does not match' if negated else 'matches'} the regular expression “{pattern}”"
    if op == "glob":
        patterns = ", ".join(value) if isinstance(value, (list, tuple)) else str(value)
        said = "does not match" if negated else "matches"
        return f"{said} any of the patterns {patterns} (* stands for any text)"
    if op == "contains":
        if several:
            return f"{'has no entry containing' if negated else 'has an entry containing'} {_value(value)}"
        return f"{'does not contain' if negated else 'contains'} {_value(value)}"
    listed = isinstance(value, (list, tuple)) and len(value) > 1
    if op == "not_in":
        if several:
            return (
                f"includes only {_values(value)}" if negated else f"includes one other than {_values(value)}"
            )
        return _is_one(value, listed) if negated else _not_one(value, listed)
    if several:
        return f"{'does not include' if negated else 'includes'} {_values(value, 'nor' if negated else 'or')}"
    return _not_one(value, listed) if negated else _is_one(value, listed)


def _is_one(value: Any, listed: bool) -> str:
    return f"is one of {_values(value)}" if listed else f"is {_values(value)}"


def _not_one(value: Any, listed: bool) -> str:
    return f"is none of {', '.join(_value(v) for v in value)}" if listed else f"is not {_values(value)}"
