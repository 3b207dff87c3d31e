"""A loaded policy: declared use, source facts, dated terms, rules with conditions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from provcheck.model import Action, Clause
from provcheck.policy.paths import SPELLINGS
from provcheck.policy.use import PURPOSES
from provcheck.policy.use import Use as Use  # re-exported: a policy declares a use
from provcheck.support.dates import parse_date
from provcheck.support.globs import name_match, path_match

if TYPE_CHECKING:  # a policy's terms documents (``policy.terms``): built when a policy has them
    from provcheck.policy.terms import Citation, Terms

SIGNALS = ("match", "marker", "declaration", "conflict")
PATH_FIELDS = frozenset({"record.path", "declared.file", "declared.dataset"})
"""Fields compared as file paths: globs on them are case-sensitive; on every other field not."""


@dataclass(frozen=True, slots=True)
class SourceFacts:
    """What is known of a source, from the index and from the policy's ``sources:``."""

    name: str
    provider: str | None = None
    generator: str | None = None
    license: str | None = None
    terms: str | None = None
    origin: str | None = None
    """``generated`` (by a model), ``human``, ``derived`` (from another source) or ``mixed``."""
    derived_from: tuple[str, ...] = ()
    date: dt.date | None = None
    """When the material was generated or collected."""
    url: str | None = None
    meta: Mapping[str, str] = field(default_factory=dict)


def overlay(old: SourceFacts, new: SourceFacts) -> SourceFacts:
    """Facts of ``new`` where it gives them, else those of ``old``."""
    values = {}
    for name in ("provider", "generator", "license", "terms", "origin", "date", "url"):
        values[name] = getattr(new, name) if getattr(new, name) is not None else getattr(old, name)
    return replace(
        old,
        **values,
        derived_from=new.derived_from or old.derived_from,
        meta={**old.meta, **new.meta},
    )


@dataclass(frozen=True, slots=True)
class ClauseRef:
    """A rule's citation: a clause of a terms document, or an inline clause."""

    terms: str | None = None
    key: str | None = None
    inline: Clause | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    """One comparison of a field with a value."""

    field: str
    op: str
    value: Any
    line: int | None = None

    def __str__(self) -> str:
        if self.op == "exists":
            return f"{self.field} is {'set' if self.value else 'missing'}"
        value = self.value.pattern if self.op == "regex" else self.value
        if isinstance(value, dt.date):
            return f"{self.field} {_OP_WORDS.get(self.op, self.op)} {value.isoformat()}"
        if isinstance(value, list) and value and isinstance(value[0], dt.date):
            value = [v.isoformat() for v in value]
        return f"{self.field} {_OP_WORDS.get(self.op, self.op)} {value!r}"

    def holds(self, ctx: Mapping[str, Any]) -> bool:
        """True when the field's value in ``ctx`` passes the comparison.

        A missing value passes only ``exists: false``; a list passes when one item does.
        """
        actual = ctx.get(self.field)
        if self.field in PATH_FIELDS and self.op != "exists":
            # Every spelling of the path (``policy/paths.py``): as given, and relative to the
            # policy's folder and the folders above it up to the project's top.
            actual = ctx.get(self.field + SPELLINGS, actual)
        if self.op == "exists":
            present = actual is not None and actual != () and actual != ""
            return present is bool(self.value)
        if actual is None:
            return False
        values = actual if isinstance(actual, (tuple, list, frozenset, set)) else (actual,)
        if self.op == "not_in" and self.field in PATH_FIELDS:
            # A path is one value however spelt: not in the list under any of its spellings.
            return all(_compare(self.op, v, self.value) for v in values)
        if self.op == "glob":
            patterns = self.value if isinstance(self.value, (list, tuple)) else [self.value]
            match = path_match if self.field in PATH_FIELDS else name_match
            return any(match(str(v), str(p)) for v in values for p in patterns)
        return any(_compare(self.op, v, self.value) for v in values)


_OP_WORDS = {"equals": "=", "gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "not_in": "not in"}


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "equals":
        return bool(_fold(actual) == _fold(expected))
    if op == "in":
        return _fold(actual) in {_fold(e) for e in expected}
    if op == "not_in":
        return _fold(actual) not in {_fold(e) for e in expected}
    if op == "regex":
        return bool(expected.search(str(actual)))
    if op == "contains":
        return _fold(expected) in _fold(actual) if isinstance(actual, str) else False
    try:
        if op == "gte":
            return bool(actual >= expected)
        if op == "gt":
            return bool(actual > expected)
        if op == "lte":
            return bool(actual <= expected)
        if op == "lt":
            return bool(actual < expected)
    except TypeError:
        return False
    raise ValueError(f"unknown operator {op}")


@dataclass(frozen=True, slots=True)
class All:
    """Every condition holds (an empty list always holds)."""

    items: tuple[Condition, ...]

    def __str__(self) -> str:
        if not self.items:
            return "always"
        return " and ".join(f"({i})" if isinstance(i, AnyOf) else str(i) for i in self.items)

    def holds(self, ctx: Mapping[str, Any]) -> bool:
        """Conjunction."""
        return all(c.holds(ctx) for c in self.items)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one condition holds."""

    items: tuple[Condition, ...]

    def __str__(self) -> str:
        return " or ".join(f"({i})" if isinstance(i, All) else str(i) for i in self.items)

    def holds(self, ctx: Mapping[str, Any]) -> bool:
        """Disjunction."""
        return any(c.holds(ctx) for c in self.items)


@dataclass(frozen=True, slots=True)
class Not:
    """The condition does not hold."""

    item: Condition

    def __str__(self) -> str:
        return f"not ({self.item})"

    def holds(self, ctx: Mapping[str, Any]) -> bool:
        """Negation."""
        return not self.item.holds(ctx)


Condition = Comparison | All | AnyOf | Not


def comparisons(cond: Condition) -> list[Comparison]:
    """Every comparison inside a condition."""
    if isinstance(cond, Comparison):
        return [cond]
    if isinstance(cond, Not):
        return comparisons(cond.item)
    return [c for item in cond.items for c in comparisons(item)]


def _positive(cond: Condition) -> list[Comparison]:
    """The comparisons of a condition that must hold for it to hold (none under a ``not``)."""
    if isinstance(cond, Comparison):
        return [cond]
    if isinstance(cond, Not):
        return []
    return [c for item in cond.items for c in _positive(item)]


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: when its condition holds for a signal, it asks for an action."""

    id: str
    title: str
    action: Action
    message: str
    when: Condition = All(())
    signal: str = "match"
    """Which signals the rule looks at: ``match``, ``marker`` or ``declaration``."""
    rationale: str | None = None
    remediation: str | None = None
    clause: ClauseRef | None = None
    enabled: bool = True
    origin: str = ""
    """``file:line`` where the rule is defined (for ``policy explain``)."""
    action_before_wording: Action = Action.REVIEW
    """The action when the material is dated before every wording of the cited clause on
    record (never more severe than ``action``): by default a reviewer decides whether the
    restriction was in force then; a policy that knows it was raises this to ``block``."""

    def providers(self) -> tuple[str, ...]:
        """Providers whose output this rule looks for (``source.provider`` compared with a name,
        outside any ``not``), lower-cased and sorted; none for a rule of another signal than
        ``match`` or ``conflict`` (only those are tested against a matched source)."""
        named: set[str] = set()
        if self.signal in ("match", "conflict"):
            for c in _positive(self.when):
                if c.field == "source.provider" and c.op in ("equals", "in"):
                    values = c.value if isinstance(c.value, (list, tuple)) else [c.value]
                    named.update(str(v).lower() for v in values)
        return tuple(sorted(named))

    def action_for(self, predates: bool) -> Action:
        """The finding's action, given whether the material predates the cited wording."""
        if predates and self.action_before_wording.severity < self.action.severity:
            return self.action_before_wording
        return self.action


@dataclass(frozen=True, slots=True)
class Marker:
    """A phrase or pattern that marks model output without a reference corpus."""

    id: str
    label: str
    pattern: str
    """RE2 pattern (phrases are escaped and joined); compiled where the scan runs."""
    provider: str | None = None
    origin: str = ""
    case_sensitive: bool = False


@dataclass(frozen=True, slots=True)
class Policy:
    """A policy with its includes resolved and overrides applied."""

    path: str
    """The top-level file ('' for the built-in default)."""
    files: tuple[str, ...]
    """Every file that contributed, includes first."""
    digest: str
    """Digest of the contributing files' bytes."""
    rules: tuple[Rule, ...]
    use: Use = Use()
    sources: Mapping[str, SourceFacts] = field(default_factory=dict)
    terms: Mapping[str, Terms] = field(default_factory=dict)
    markers: tuple[Marker, ...] = ()
    name: str | None = None
    source_lines: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)
    """Where each of ``sources`` is defined (file, line), for errors found when the policy meets
    an index."""
    file_sha256: tuple[str, ...] = ()
    """SHA-256 of each of ``files``, in the same order (``digest`` is one for them all)."""
    overrides: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    """The legal references its files name (``reference:``; ``policy.reference.REFERENCES``)."""
    """Rules of shipped packs that a file of the user's turned off or redefined, each in words
    with where (``openai-no-competing-models of provcheck:openai (block) redefined (info) at
    policy.yaml:4``): every report says so, since a finding shows only the rule in force."""

    def purposes(self) -> frozenset[str]:
        """Purposes this policy knows: the shipped vocabulary and every purpose its rules name."""
        named: set[str] = set()
        for rule in self.rules:
            for c in comparisons(rule.when):
                if c.field == "use.purpose" and c.op in ("equals", "in", "not_in"):
                    values = c.value if isinstance(c.value, (list, tuple)) else [c.value]
                    named.update(str(v).lower() for v in values)
        return PURPOSES | named

    def providers(self) -> tuple[str, ...]:
        """Providers whose output the policy's enabled rules look for in matches (``source.provider``
        compared with a name, outside any ``not``), sorted: a provider the index holds no
        source of cannot be matched, whatever these rules say."""
        return tuple(sorted({p for rule in self.rules if rule.enabled for p in rule.providers()}))

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id, if any."""
        return next((r for r in self.rules if r.id == rule_id), None)

    def clause_for(self, rule: Rule, on: dt.date | None, facts: SourceFacts | None = None) -> Clause | None:
        """The clause a finding of ``rule`` cites for material of ``facts`` generated ``on``."""
        cited = self.cite(rule, on, facts)
        return cited.clause if cited else None

    def cite(self, rule: Rule, on: dt.date | None, facts: SourceFacts | None = None) -> Citation | None:
        """``clause_for`` with whether the material predates every wording on record (an
        inline clause's ``effective`` date counts as its only wording)."""
        if rule.clause is None:
            return None
        inline = rule.clause.inline
        if inline is not None:
            from provcheck.policy.terms import Citation

            if on is None or not inline.effective or parse_date(inline.effective) <= on:
                return Citation(inline)
            note = (
                f"the material is dated {on.isoformat()}, before this version took effect "
                f"({inline.effective}); no earlier wording is on record"
            )
            return Citation(replace(inline, note=note), predates=True)
        terms = self.terms.get(rule.clause.terms or "")
        return terms.cite(rule.clause.key or "", on, facts) if terms else None
