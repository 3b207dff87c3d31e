"""Policy evaluation: signals + declared use -> findings. Pure: no printing, no scan I/O.

Four kinds of signal, each with its own rules (``signal:``):

- a **match** of a record against a reference source: the rule is tested against the matched
  source and, in turn, every source it derives from (``derived_from`` in the index's
  ``--meta``, the policy's ``sources:``, or the catalogue of known datasets): restrictions of a
  parent apply to its copies, and the finding names the source that triggered and the chain;
- a **marker** in a turn (a phrase that marks model output);
- a **declaration** a dataset makes about itself (dataset card, ``provenance.yaml``): a
  declared licence, the declared provider/generator, and each declared source dataset, whose
  catalogue facts and chain are tested like a matched source's.
- a **conflict** between a licence a dataset declares and the sources its records matched
  (``policy/conflicts.py``), tested once every match has been seen.

Every rule applies independently: a record matching several sources gets a finding per rule
and source, and the most severe action among them decides (``ScanResult.blocking``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from provcheck.matching.strength import relation
from provcheck.model import (
    Action,
    Declaration,
    Finding,
    FindingId,
    MarkerHit,
    Match,
    RecordRef,
    RuleRef,
    SourceInfo,
    SourceName,
)
from provcheck.policy.conflicts import MatchedSources, licence_declarations
from provcheck.policy.dating import claimed, dated, dated_declared, lowered
from provcheck.policy.describe import describe, handed_over
from provcheck.policy.licenses import license_ids, traits
from provcheck.policy.model import Policy, Rule, SourceFacts, Use, comparisons, overlay
from provcheck.policy.paths import project_bases, spelt
from provcheck.policy.render import render
from provcheck.policy.selfdeclared import declared_by, generator_findings, is_records
from provcheck.policy.sourcecheck import (
    check_source_dates,
    check_source_names,
    check_source_providers,
    check_source_terms,
)
from provcheck.policy.unreadable import unreadable_licences
from provcheck.support.dates import parse_date

if TYPE_CHECKING:
    from provcheck.policy.catalogue import Catalogue

MAX_CHAIN = 16


def finding_id(rule_id: str, *parts: object) -> FindingId:
    """Digest of what a finding is: rule and content, never positions."""
    digest = hashlib.blake2b(digest_size=10)
    for part in (rule_id, *parts):
        digest.update(str(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return FindingId(digest.hexdigest())


def _meta_date(meta: Mapping[str, str]) -> dt.date | None:
    value = meta.get("date") or meta.get("generated")
    return parse_date(value) if value else None


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
        date=_meta_date(meta),
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

    def __init__(
        self,
        policy: Policy,
        use: Use,
        index_sources: Mapping[str, SourceInfo],
        known: Catalogue | None = None,
    ) -> None:
        check_source_dates(index_sources)
        self._known = known
        check_source_names(policy, index_sources, lambda: self.known)
        check_source_providers(policy, index_sources)
        check_source_terms(policy, index_sources)
        self._matched = MatchedSources()
        self.policy = policy
        self.use = use
        self.index_sources = index_sources
        self._chains: dict[str, tuple[SourceFacts, ...]] = {}
        self._refs: dict[tuple[str, dt.date | None, str, str | None], tuple[RuleRef, Action]] = {}
        self._info_cache: dict[str, tuple[SourceInfo]] = {}
        self._bases = project_bases(policy.path)
        self._use_ctx = {
            "use.purpose": tuple(sorted(use.purposes)),
            "use.commercial": use.commercial,
            "use.distributed": use.distributed,
            "use.research_only": use.research_only,
            "use.declared": use.declared,
        }

    @property
    def known(self) -> Catalogue:
        """The catalogue of known datasets (its module too), read when first needed: parsing it
        costs ~20 ms, which a hook whose findings name only indexed sources need not pay."""
        if self._known is None:
            from provcheck.policy.catalogue import catalogue

            self._known = catalogue()
        return self._known

    @property
    def _conflict_rules(self) -> list[Rule]:
        return self._rules("conflict")

    def facts(self, name: str, info: SourceInfo | None = None) -> SourceFacts:
        """What is known of a source: the index's facts overlaid by the policy's; for a name
        neither knows, the catalogue's facts of a known dataset."""
        base = facts_of(info) if info is not None else None
        if base is None and name in self.index_sources:
            base = facts_of(self.index_sources[name])
        declared = self.policy.sources.get(name)
        if base is None and declared is None:
            return self.known.facts(name) or SourceFacts(name=name)
        if base is None:
            return declared or SourceFacts(name=name)
        if declared is None:
            return base
        return overlay(base, declared)

    def chain(self, info: SourceInfo) -> tuple[SourceFacts, ...]:
        """The source and its ancestors, nearest first, each once."""
        cached = self._chains.get(info.name)
        if cached is None:
            cached = self._chain_of(self.facts(info.name, info))
            self._chains[info.name] = cached
        return cached

    def _chain_of(self, first: SourceFacts) -> tuple[SourceFacts, ...]:
        out: list[SourceFacts] = []
        seen: set[str] = set()
        queue: list[SourceFacts | str] = [first]
        while queue and len(out) < MAX_CHAIN:
            item = queue.pop(0)
            facts = item if isinstance(item, SourceFacts) else self.facts(item)
            if facts.name in seen:
                continue
            seen.add(facts.name)
            out.append(facts)
            queue.extend(facts.derived_from)
        return tuple(out)

    @staticmethod
    def _source_ctx(facts: SourceFacts) -> dict[str, Any]:
        ctx: dict[str, Any] = {
            "source.name": facts.name,
            "source.provider": facts.provider,
            "source.generator": facts.generator,
            "source.license": license_ids(facts.license),
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
            "match.probability": match.strength.probability if match.strength else None,
            "match.convergence": (match.strength.convergence or "none") if match.strength else None,
            "match.explained": match.strength.explained if match.strength else None,
            "match.relation": relation(
                ev,
                match.strength.convergence if match.strength else None,
                match.strength.probability if match.strength else None,
            ),
            **self._record_ctx(rec),
            "reference.id": match.reference.id,
            "reference.role": match.reference.turn.role,
        }

    def rule_ref(self, rule: Rule, on: dt.date | None, facts: SourceFacts | None = None) -> RuleRef:
        """What a finding says about its rule, citing the clause that governs material of
        ``facts`` generated ``on``."""
        return self.cited(rule, on, facts)[0]

    def cited(
        self,
        rule: Rule,
        on: dt.date | None,
        facts: SourceFacts | None = None,
        date_of: str | None = None,
        own: bool = False,
    ) -> tuple[RuleRef, Action]:
        """``rule_ref`` and the finding's action: ``action_before_wording`` (review unless the
        policy raises it) when the material (dated ``on``, the ``date`` of source ``date_of``)
        is dated before every wording on record, unless the date is the dataset's ``own``."""
        cited = self.policy.cite(rule, on, facts)
        action = rule.action_for(cited is not None and cited.predates and not own)
        clause = cited.clause if cited else None
        if clause is not None and own and cited is not None and cited.predates:
            clause = claimed(clause, date_of)
        lowering = None
        if clause is not None and action is not rule.action:
            clause, lowering = lowered(rule, clause, action, on, date_of or (facts.name if facts else None))
        ref = RuleRef(
            id=rule.id,
            title=rule.title,
            rationale=rule.rationale,
            remediation=rule.remediation,
            clause=clause,
            when=str(rule.when) or None,
            when_words=self._when_words(rule),
            date_lowering=lowering,
        )
        return ref, action

    def _when_words(self, rule: Rule) -> str | None:
        """*Applies when* in words, with where the sources the rule excludes go."""
        if not rule.when:
            return None
        handed = handed_over(rule, self.policy.rules)
        return describe(rule.when) + (f" (so {handed})" if handed else "")

    def _rules(self, signal: str) -> list[Rule]:
        return [r for r in self.policy.rules if r.enabled and r.signal == signal]

    def _record_ctx(self, rec: RecordRef) -> dict[str, Any]:
        return {
            **spelt("record.path", rec.location.path, self._bases),
            "record.role": rec.turn.role,
            "record.kind": rec.turn.kind.value,
            "record.id": rec.id,
        }

    def matches(self, matches: Iterable[Match]) -> list[Finding]:
        """Findings of the match rules. A match of a background source (independent text,
        ``SourceInfo.background``) is never one: it stays listed in the report, marked so."""
        matches = (m for m in matches if not m.reference.source.background)
        rules = self._rules("match")
        if self._conflict_rules:
            matches = list(matches)
            self._matched.add(matches)
        findings: list[Finding] = []
        if not rules:
            return findings
        # Most rules test only source facts and the declared use: their outcome is the same for
        # every match of a source, so it is decided once per source and rule.
        static = {
            r.id: all(c.field.startswith(("source.", "use.")) for c in comparisons(r.when)) for r in rules
        }
        decided: dict[tuple[str, str], int] = {}
        source_ctx: dict[str, dict[str, Any]] = {}
        for match in matches:
            name = match.reference.source.name
            chain = self.chain(match.reference.source)
            base = self._match_ctx(match)
            ctxs = []
            for facts in chain:
                if facts.name not in source_ctx:
                    source_ctx[facts.name] = self._source_ctx(facts)
                ctxs.append({**base, **source_ctx[facts.name]})
            for rule in rules:
                key = (rule.id, name)
                which = decided.get(key) if static[rule.id] else None
                if which is None:
                    which = next((i for i, ctx in enumerate(ctxs) if rule.when.holds(ctx)), -1)
                    if static[rule.id]:
                        decided[key] = which
                if which >= 0:
                    findings.append(self._finding(rule, match, chain[which], chain, ctxs[which]))
        return findings

    def _finding(
        self,
        rule: Rule,
        match: Match,
        facts: SourceFacts,
        chain: tuple[SourceFacts, ...],
        ctx: dict[str, Any],
    ) -> Finding:
        on, date_of = dated(facts, *chain)
        rule_ref, action = self._rule_ref_cached(rule, on, facts, date_of)
        downgraded = None
        # Blocking rests on the match's strength: short, convergent or improbable evidence is
        # review at most (``Strength.can_block``).
        weak = match.evidence.short or (match.strength is not None and not match.strength.can_block)
        if action is Action.BLOCK and weak:
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
            rule=rule_ref,
            action=action,
            message=self._message(rule, action, ctx),
            match=match,
            source=self._infos(facts)[0],
            chain=tuple(self._infos(f)[0] for f in chain),
            downgraded_from=downgraded,
        )

    def _rule_ref_cached(
        self, rule: Rule, on: dt.date | None, facts: SourceFacts, date_of: str | None
    ) -> tuple[RuleRef, Action]:
        key = (rule.id, on, facts.name, date_of)
        ref = self._refs.get(key)
        if ref is None:
            ref = self._refs[key] = self.cited(rule, on, facts, date_of)
        return ref

    def _infos(self, facts: SourceFacts) -> tuple[SourceInfo]:
        info = self._info_cache.get(facts.name)
        if info is None:
            info = self._info_cache[facts.name] = (info_of(facts),)
        return info

    def markers(self, hits: Iterable[MarkerHit]) -> list[Finding]:
        """Findings of the marker rules: one per rule and turn, resting on the turn's first hit
        the rule accepts (several markers of one rule in one turn are one finding)."""
        rules = self._rules("marker")
        findings: dict[tuple[str, str, str, int, int], Finding] = {}
        if not rules:
            return []
        for hit in sorted(hits, key=lambda h: h.span.start):
            rec = hit.record
            ctx = {
                **self._use_ctx,
                **self._record_ctx(rec),
                "marker.id": hit.marker,
                "marker.label": hit.label,
                "marker.provider": hit.provider,
                "marker.text": hit.text,
                "marker.count": hit.count,
            }
            for rule in rules:
                slot = (rule.id, rec.location.path, rec.content_hash, rec.location.index, rec.turn.position)
                if slot in findings or not rule.when.holds(ctx):
                    continue
                findings[slot] = Finding(
                    id=finding_id(rule.id, rec.content_hash, rec.turn.position, "marker"),
                    rule=self.rule_ref(rule, None),
                    action=rule.action,
                    message=self._message(rule, rule.action, ctx),
                    marker=hit,
                )
        return list(findings.values())

    def declarations(self, declared: Iterable[Declaration]) -> list[Finding]:
        """Findings of the declaration rules over what datasets declare about themselves.

        Per declaring file: each declared licence is tested as the dataset's own licence; the
        declared provider/generator/terms as the dataset's own origin; each declared source
        dataset through its chain (catalogue facts, the models that generated it, upstream
        datasets), like a matched source."""
        rules = self._rules("declaration")
        findings: list[Finding] = []
        by_file: dict[str, list[Declaration]] = {}
        models: list[Declaration] = []  # what records name in their own model fields
        for d in declared:
            (models if is_records(d) else by_file.setdefault(d.path, [])).append(d)
        findings.extend(generator_findings(self, models, rules))
        if self._conflict_rules:
            for items in by_file.values():
                findings.extend(self._conflicts(items))
        every = [*rules, *self._conflict_rules]
        findings.extend(unreadable_licences(by_file.values(), every, self._use_ctx, self._source_ctx))
        if not rules:
            return findings
        for items in by_file.values():
            own = _declared_facts(items)
            for d in items:
                if d.key == "license":
                    chain: tuple[SourceFacts, ...] = (replace_license(own, d.value),)
                elif d.key == "source_datasets":
                    parent = self.facts(d.value)
                    chain = self._chain_of(parent)
                elif d.key == "provider" or (
                    d.key == "generator" and not any(x.key == "provider" for x in items)
                ):
                    chain = (replace_license(own, None),)
                else:
                    continue
                findings.extend(self._declared(rules, d, own, chain))
        return findings

    def _declared(
        self,
        rules: list[Rule],
        d: Declaration,
        own: SourceFacts,
        chain: tuple[SourceFacts, ...],
    ) -> list[Finding]:
        known = self.known.key(d.value) if d.key == "source_datasets" else None
        base = {
            **self._use_ctx,
            "declared.key": d.key,
            "declared.value": d.value,
            **spelt("declared.file", d.path, self._bases),
            **spelt("declared.dataset", d.dataset, self._bases),
            "declared.known": known is not None,
            "declared.resolved": self.known.whose(d.value) if d.key == "source_datasets" else d.value,
            "declared.license_traits": tuple(sorted(traits(d.value))) if d.key == "license" else (),
            **declared_by(d),
        }
        out: list[Finding] = []
        for rule in rules:
            for facts in chain:
                ctx = {**base, **self._source_ctx(facts)}
                if not rule.when.holds(ctx):
                    continue
                on, date_of, mine = dated_declared(own, facts, chain)
                ref, action = self.cited(rule, on, facts, date_of, mine)
                out.append(
                    Finding(
                        id=finding_id(rule.id, _norm(d.dataset), d.key, d.value.lower(), facts.name),
                        rule=ref,
                        action=action,
                        message=self._message(rule, action, ctx),
                        declaration=d,
                        source=info_of(facts),
                        chain=tuple(info_of(f) for f in chain),
                    )
                )
                break
        return out

    def _conflicts(self, items: list[Declaration]) -> list[Finding]:
        """Findings of the conflict rules for one declaring file: its declared licences
        against each source the records under its dataset matched (and their ancestors)."""
        licences = licence_declarations(items)
        if not licences:
            return []
        d = licences[0]
        declared = " AND ".join(x.value for x in licences)
        base = {
            **self._use_ctx,
            "declared.key": "license",
            "declared.value": declared,
            **spelt("declared.file", d.path, self._bases),
            **spelt("declared.dataset", d.dataset, self._bases),
            "declared.license_traits": tuple(sorted(traits(declared))),
            **declared_by(d),
        }
        own = _declared_facts(items)
        out: list[Finding] = []
        for info, records, copies, example in self._matched.under(d.dataset):
            chain = self.chain(info)
            for rule in self._conflict_rules:
                for facts in chain:
                    ctx = {
                        **base,
                        **self._source_ctx(facts),
                        "conflict.records": records,
                        "conflict.copies": copies,
                        "conflict.example": example,
                        "conflict.source": info.name,
                    }
                    if not rule.when.holds(ctx):
                        continue
                    on, date_of, mine = dated_declared(own, facts, chain)
                    ref, action = self.cited(rule, on, facts, date_of, mine)
                    out.append(
                        Finding(
                            id=finding_id(rule.id, _norm(d.dataset), "conflict", declared.lower(), info.name),
                            rule=ref,
                            action=action,
                            message=self._message(rule, action, ctx),
                            declaration=d,
                            source=info_of(facts),
                            chain=tuple(info_of(f) for f in chain),
                        )
                    )
                    break
        return out

    @staticmethod
    def _message(rule: Rule, action: Action, ctx: Mapping[str, Any]) -> str:
        return render(
            rule.message, {**ctx, "rule.id": rule.id, "rule.title": rule.title, "action": action.value}
        )


def _norm(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.rstrip("/") or "."


def replace_license(facts: SourceFacts, license_id: str | None) -> SourceFacts:
    """``facts`` with this licence only."""
    return replace(facts, license=license_id)


def _declared_facts(items: list[Declaration]) -> SourceFacts:
    """The dataset's own facts from one declaring file."""
    first = items[0]
    values: dict[str, list[str]] = {}
    for d in items:
        values.setdefault(d.key, []).append(d.value)

    def one(key: str) -> str | None:
        found = values.get(key)
        return found[0] if found else None

    # The readers refuse a malformed date with a located error, so one given here is valid.
    date = parse_date(one("date")) if one("date") else None
    return SourceFacts(
        name=f"dataset:{_norm(first.dataset)}",
        provider=one("provider"),
        generator=one("generator"),
        license=" AND ".join(values.get("license", [])) or None,
        terms=one("terms"),
        origin=one("origin"),
        derived_from=tuple(values.get("source_datasets", [])),
        date=date,
        meta={"declared_in": first.path},
    )


def evaluate(
    policy: Policy, use: Use, index_sources: Mapping[str, SourceInfo], matches: Iterable[Match]
) -> list[Finding]:
    """Findings of ``policy`` for ``use`` over ``matches``."""
    return Evaluator(policy, use, index_sources).matches(matches)
