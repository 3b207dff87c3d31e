"""The models records name in their own generator fields, judged as declarations.

A row such as ``{"model": "gpt-4-0613", "messages": [...]}`` says which model wrote its text.
provcheck read only the text, so a competing-model scan of GPT-4 output with no matching index
source said "No findings" and exited 0 though the data said what it was. Such a name is now a
declaration of the record's file (``scan/fields.py``: once per file, field and name, located at
the first record that makes it, with the number of records), and:

- a name the catalogue of model names resolves (``policy/generators.py``) is tested by the
  policy's declaration rules as the dataset's own origin, with the resolved provider and the
  name as ``source.provider`` and ``source.generator``, exactly as a ``provenance.yaml`` naming
  that provider and generator is (``openai-declared-source`` and the other packs'
  ``*-declared-source`` rules; their action is the pack's);
- names no catalogue knows are never dropped: one finding per file of the built-in rule
  ``declared-generator-unknown`` lists them with their record counts (``foo-7b (12)``). It is
  ``review`` when a declaration rule of the policy would hold under the declared use had the
  name been any known provider's model (the stricter reading: a person has to find out whose
  model it is, as an unreadable declared licence is reviewed), ``info`` otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from os.path import basename
from typing import TYPE_CHECKING, Any

from provcheck.inputs.declared import is_manifest_name
from provcheck.model import Action, Declaration, Finding, RuleRef
from provcheck.policy.generators import PROVIDER_GLOBS, Generators, Resolved, fold
from provcheck.policy.model import Rule, SourceFacts
from provcheck.policy.paths import spelt

if TYPE_CHECKING:
    from provcheck.policy.evaluate import Evaluator

RULE_ID = "declared-generator-unknown"
RULE = RuleRef(
    id=RULE_ID,
    title="Records name a model provcheck does not know",
    rationale=(
        "A record's own model or generator field says which model wrote its text, and the "
        "policy's rules apply to a provider's output; a name the catalogue of model names does "
        "not resolve to a provider matches none of them, so the records would pass in silence. "
        "Built into provcheck: it applies under every policy."
    ),
    remediation=(
        "Find out whose model it is and have a person check its terms; waive the finding with "
        "that reading (a provenance.yaml naming the provider and generator makes the packs' "
        "declaration rules apply to the dataset), or remove the records."
    ),
)


def declared_by(d: Declaration) -> dict[str, Any]:
    """``declared.by`` (``card``, ``manifest`` or ``record``: ``load_rules.DECLARED_BY``) and
    ``declared.carries_output`` of a declaration: true for a model that records name in their
    own fields when at least one of them also holds model output the scan read."""
    by = "record" if d.field is not None else "manifest" if is_manifest_name(basename(d.path)) else "card"
    return {"declared.by": by, "declared.carries_output": bool(d.output) and d.key == "generator"}


def is_records(d: Declaration) -> bool:
    """True for a generator that records name in their own fields (not a card's)."""
    return d.field is not None and d.key == "generator"


def generator_findings(ev: Evaluator, declared: Sequence[Declaration], rules: list[Rule]) -> list[Finding]:
    """The findings of the models records name (see the module's docstring)."""
    from provcheck.policy.evaluate import finding_id, info_of  # evaluate imports this module

    if not declared:
        return []
    names = Generators(ev.policy, ev.known.models)
    bases = ev._bases
    out: list[Finding] = []
    unknown: dict[str, list[Declaration]] = {}
    for d in declared:
        found = names.resolve(d.value)
        if found is None:
            unknown.setdefault(d.dataset, []).append(d)
            continue
        facts = _facts(d, found)
        ctx = {**_ctx(ev, d, bases, found), **ev._source_ctx(facts)}
        for rule in rules:
            if not rule.when.holds(ctx):
                continue
            ref, action = ev.cited(rule, None, facts)
            out.append(
                Finding(
                    id=finding_id(rule.id, d.dataset, d.field, d.value.lower(), facts.name),
                    rule=ref,
                    action=action,
                    message=ev._message(rule, action, ctx),
                    declaration=d,
                    source=info_of(facts),
                    chain=(info_of(facts),),
                )
            )
    for dataset, items in sorted(unknown.items()):
        out.append(_unknown(ev, dataset, items, rules, finding_id))
    return out


def _facts(d: Declaration, found: Resolved) -> SourceFacts:
    generator = d.value.strip().lower()
    return SourceFacts(
        name=f"model:{found.provider}/{fold(d.value)}",
        provider=found.provider,
        generator=generator,
        license=found.license,
        origin="generated",
        meta={"declared_in": d.path, "declared_by": f"field {d.field}", "resolved_by": found.how},
    )


def _resolved(d: Declaration, found: Resolved | None) -> str:
    who = f"{found.provider}'s model, resolved by {found.how}" if found else "a model provcheck does not know"
    first = f", the first at line {d.line}" if d.line else ""
    holding = f", {d.output:,} of them holding model output the scan read" if d.output else ""
    return f"{who}; field {d.field} of {d.records or 0:,} record(s){first}{holding}"


def _ctx(ev: Evaluator, d: Declaration, bases: tuple[str, ...], found: Resolved | None) -> dict[str, Any]:
    return {
        **ev._use_ctx,
        "declared.key": "generator",
        "declared.value": d.value,
        **spelt("declared.file", d.path, bases),
        **spelt("declared.dataset", d.dataset, bases),
        "declared.known": found is not None,
        "declared.resolved": _resolved(d, found),
        "declared.license_traits": (),
        **declared_by(d),
    }


def _unknown(
    ev: Evaluator, dataset: str, items: list[Declaration], rules: list[Rule], finding_id: Any
) -> Finding:
    """One finding for the names no catalogue knows in one file, with their record counts."""
    items = sorted(items, key=lambda d: (-(d.records or 0), d.value))
    could = []
    for rule in rules:
        for d in items:
            base = _ctx(ev, d, ev._bases, None)
            probes = (
                SourceFacts(name="probe", provider=p, generator=d.value.lower()) for p in PROVIDER_GLOBS
            )
            if any(rule.when.holds({**base, **ev._source_ctx(f)}) for f in probes):
                could.append(rule.id)
                break
    total = sum(d.records or 0 for d in items)
    listed = ", ".join(f"{d.value} ({d.records or 0:,})" for d in items[:20])
    more = f" and {len(items) - 20} more" if len(items) > 20 else ""
    fields = ", ".join(sorted({str(d.field) for d in items}))
    said = (
        f"had it been a known provider's model, the policy's rules {', '.join(could)} could apply: "
        "a person has to find out whose model it is"
        if could
        else "no declaration rule of the policy applies under the declared use, so it is listed only"
    )
    first = min(items, key=lambda d: d.line or 0)
    return Finding(
        id=finding_id(RULE_ID, dataset, fields, ",".join(sorted(d.value.lower() for d in items))),
        rule=RULE,
        action=Action.REVIEW if could else Action.INFO,
        message=(
            f"{total:,} record(s) of {dataset} name a generator provcheck does not know "
            f"(field {fields}): {listed}{more}; {said}"
        ),
        declaration=first,
    )


__all__ = ["RULE", "RULE_ID", "declared_by", "generator_findings", "is_records"]
