"""Policy evaluation: signals + declared use -> findings. Pure: no I/O, no printing.

A rule is tested against the matched source and, in turn, every source it derives from
(``derived_from`` in the index's ``--meta`` or the policy's ``sources:``): restrictions of a
parent apply to its copies, and the finding names the source that triggered and the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from provcheck.model import (
    Action,
    Finding,
    FindingId,
    Match,
    RuleRef,
    SourceInfo,
    SourceName,
)
from provcheck.policy.licenses import traits
from provcheck.policy.model import Policy, Rule, SourceFacts, Use, overlay

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
MAX_CHAIN = 16


def finding_id(rule_id: str, *parts: object) -> FindingId:
    """Digest of what a finding is: rule and content, never positions."""
    digest = hashlib.blake2b(digest_size=10)
    for part in (rule_id, *parts):
        digest.update(str(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return FindingId(digest.hexdigest())


def _parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def facts_of(info: SourceInfo) -> SourceFacts:
    """Facts from an index source: its fields and the recognised ``--meta`` keys."""
    meta = dict(info.meta)
    parents = meta.get("derived_from", "")
    return SourceFacts(
        name=info.name,
        provider=info.provider,
        generator=info.generator,
        license=info.license,
        terms=info.terms,
        origin=meta.get("origin"),
        derived_from=tuple(p.strip() for p in parents.split(",") if p.strip()),
        date=_parse_date(meta.get("date") or meta.get("generated")),
        url=meta.get("url"),
        meta=meta,
    )


def info_of(facts: SourceFacts) -> SourceInfo:
    """Facts as a ``SourceInfo`` for findings and reports."""
    meta = dict(facts.meta)
    if facts.origin:
        meta["origin"] = facts.origin
    if facts.derived_from:
        meta["derived_from"] = ",".join(facts.derived_from)
    if facts.date:
        meta["date"] = facts.date.isoformat()
    return SourceInfo(
        name=SourceName(facts.name),
        provider=facts.provider,
        generator=facts.generator,
        license=facts.license,
        terms=facts.terms,
        meta=meta,
    )


class Evaluator:
    """Evaluates one policy for one declared use against signals."""

    def __init__(self, policy: Policy, use: Use, index_sources: Mapping[str, SourceInfo]) -> None:
        self.policy = policy
        self.use = use
        self.index_sources = index_sources
        self._chains: dict[str, tuple[SourceFacts, ...]] = {}
        self._use_ctx = {
            "use.purpose": tuple(sorted(use.purposes)),
            "use.commercial": use.commercial,
            "use.distributed": use.distributed,
            "use.research_only": use.research_only,
            "use.declared": use.declared,
        }

    def facts(self, name: str, info: SourceInfo | None = None) -> SourceFacts:
        """What is known of a source: the index's facts overlaid by the policy's."""
        base = facts_of(info) if info is not None else None
        if base is None and name in self.index_sources:
            base = facts_of(self.index_sources[name])
        declared = self.policy.sources.get(name)
        if base is None:
            return declared or SourceFacts(name=name)
        if declared is None:
            return base
        return overlay(base, declared)

    def chain(self, info: SourceInfo) -> tuple[SourceFacts, ...]:
        """The source and its ancestors, nearest first, each once."""
        cached = self._chains.get(info.name)
        if cached is not None:
            return cached
        out: list[SourceFacts] = []
        seen: set[str] = set()
        queue: list[tuple[str, SourceInfo | None]] = [(info.name, info)]
        while queue and len(out) < MAX_CHAIN:
            name, maybe_info = queue.pop(0)
            if name in seen:
                continue
            seen.add(name)
            facts = self.facts(name, maybe_info)
            out.append(facts)
            queue.extend((parent, None) for parent in facts.derived_from)
        result = tuple(out)
        self._chains[info.name] = result
        return result

    @staticmethod
    def _source_ctx(facts: SourceFacts) -> dict[str, Any]:
        ctx: dict[str, Any] = {
            "source.name": facts.name,
            "source.provider": facts.provider,
            "source.generator": facts.generator,
            "source.license": facts.license,
            "source.terms": facts.terms,
            "source.origin": facts.origin,
            "source.derived_from": facts.derived_from,
            "source.date": facts.date,
            "source.url": facts.url,
            "source.license_traits": tuple(sorted(traits(facts.license))),
        }
        for key, value in facts.meta.items():
            ctx[f"source.meta.{key}"] = value
        return ctx

    def _match_ctx(self, match: Match) -> dict[str, Any]:
        ev = match.evidence
        rec = match.record
        return {
            **self._use_ctx,
            "match.similarity": ev.similarity,
            "match.containment": ev.containment,
            "match.coverage": ev.coverage,
            "match.char_similarity": ev.char_similarity,
            "match.jaccard": ev.jaccard,
            "match.tokens": ev.matched_tokens,
            "match.kind": ev.kind.value,
            "match.short": ev.short,
            "record.path": rec.location.path,
            "record.role": rec.turn.role,
            "record.kind": rec.turn.kind.value,
            "record.id": rec.id,
            "reference.id": match.reference.id,
            "reference.role": match.reference.turn.role,
        }

    def rule_ref(self, rule: Rule, on: dt.date | None) -> RuleRef:
        """What a finding says about its rule, citing the clause in force ``on``."""
        return RuleRef(
            id=rule.id,
            title=rule.title,
            rationale=rule.rationale,
            remediation=rule.remediation,
            clause=self.policy.clause_for(rule, on),
        )

    def matches(self, matches: Iterable[Match]) -> list[Finding]:
        """Findings of the match rules."""
        rules = [r for r in self.policy.rules if r.enabled and r.signal == "match"]
        findings: list[Finding] = []
        for match in matches:
            chain = self.chain(match.reference.source)
            base = self._match_ctx(match)
            for rule in rules:
                for facts in chain:
                    ctx = {**base, **self._source_ctx(facts)}
                    if not rule.when.holds(ctx):
                        continue
                    findings.append(self._finding(rule, match, facts, chain, ctx))
                    break
        return findings

    def _finding(
        self,
        rule: Rule,
        match: Match,
        facts: SourceFacts,
        chain: tuple[SourceFacts, ...],
        ctx: dict[str, Any],
    ) -> Finding:
        on = facts.date or next((f.date for f in chain if f.date), None)
        action = rule.action
        downgraded = None
        if action is Action.BLOCK and match.evidence.short:
            action, downgraded = Action.REVIEW, Action.BLOCK
        rec = match.record
        ref = match.reference
        return Finding(
            id=finding_id(
                rule.id,
                rec.content_hash,
                rec.turn.position,
                ref.source.name,
                ref.id,
                ref.turn.position,
            ),
            rule=self.rule_ref(rule, on),
            action=action,
            message=render(
                rule.message,
                {**ctx, "rule.id": rule.id, "rule.title": rule.title, "action": action.value},
            ),
            match=match,
            source=info_of(facts),
            chain=tuple(info_of(f) for f in chain),
            downgraded_from=downgraded,
        )


def render(template: str, ctx: Mapping[str, Any]) -> str:
    """Fill ``{field}`` placeholders from ``ctx``; nothing else of the template is interpreted."""

    def value(m: re.Match[str]) -> str:
        v = ctx.get(m.group(1))
        if v is None or v == ():
            return "unknown"
        if isinstance(v, (tuple, list)):
            return ", ".join(map(str, v))
        if isinstance(v, float):
            return f"{v:.2f}"
        if isinstance(v, dt.date):
            return v.isoformat()
        return str(v)

    return _PLACEHOLDER.sub(value, template)


def evaluate(
    policy: Policy, use: Use, index_sources: Mapping[str, SourceInfo], matches: Iterable[Match]
) -> list[Finding]:
    """Findings of ``policy`` for ``use`` over ``matches``."""
    return Evaluator(policy, use, index_sources).matches(matches)
