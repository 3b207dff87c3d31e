"""Licences a dataset declares that no licence rule can read.

A card's ``license: other`` (with no ``license_name``), ``license: MIT-ish`` or ``license: CC
BY-NC 4.0`` (spaces) is not a licence id: the licence rules read a licence through its traits
(``noncommercial``, ``research-only``), and a value no trait is read from passed every one of
them in silence (a non-commercial dataset in a commercial model, exit 0). Indexed sources are
refused such values (``licenses.license_problem``, exit 2); a dataset's own declaration is data,
so it is reported instead, at the card's line:

- ``review`` when a licence rule of the policy could apply under the declared use (it holds for
  the declaration with some licence in place of the one that cannot be read): the stricter
  reading, the rule could not be evaluated and a person has to read the licence;
- ``info`` otherwise: the value is listed (every format's findings) though no rule reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from provcheck.model import Action, Declaration, Finding, RuleRef
from provcheck.policy.licenses import (
    MODEL_TERMS,
    NO_LICENSE,
    NODERIVATIVES,
    NONCOMMERCIAL,
    PERMISSIVE,
    PUBLIC_DOMAIN,
    RESEARCH_ONLY,
    SHAREALIKE,
    license_problem,
    traits,
)
from provcheck.policy.model import Rule, SourceFacts, comparisons
from provcheck.policy.selfdeclared import declared_by

RULE_ID = "declared-licence-unreadable"
RULE = RuleRef(
    id=RULE_ID,
    title="Dataset declares a licence that cannot be read",
    rationale=(
        "Licence rules read a licence through its traits (non-commercial, research-only, "
        "share-alike); a declared value that is not a licence id gives none, so no licence rule "
        "can hold for it and the dataset would pass them unread. Built into provcheck: it applies "
        "under every policy."
    ),
    remediation=(
        "Declare the licence as an SPDX id or expression (CC-BY-NC-4.0, MIT, Apache-2.0), or "
        "`license: other` with `license_name: <name>` (read as LicenseRef-<name>); or have a "
        "person read the licence and waive the finding with the reading."
    ),
)
LICENCE_FIELDS = frozenset({"source.license", "source.license_traits", "declared.license_traits"})
_PROBES = {
    NONCOMMERCIAL: "CC-BY-NC-4.0",
    RESEARCH_ONLY: "LicenseRef-Academic-Research-Only",
    SHAREALIKE: "CC-BY-SA-4.0",
    NODERIVATIVES: "CC-BY-ND-4.0",
    NO_LICENSE: "LicenseRef-No-License",
    MODEL_TERMS: "LicenseRef-Qwen-Research",
    PERMISSIVE: "MIT",
    PUBLIC_DOMAIN: "CC0-1.0",
}
"""A licence with each trait, put in place of the unreadable value to ask whether a rule could
hold for the declaration had it been readable."""


def reads_licences(rule: Rule) -> bool:
    """True when the rule's condition tests a licence or its traits."""
    return any(c.field in LICENCE_FIELDS for c in comparisons(rule.when))


def unreadable_licences(
    by_file: Iterable[list[Declaration]],
    rules: list[Rule],
    use_ctx: Mapping[str, Any],
    source_ctx: Callable[[SourceFacts], dict[str, Any]],
) -> list[Finding]:
    """A finding per declared licence that cannot be read (see the module's docstring)."""
    # Imported here: evaluate imports this module.
    from provcheck.policy.evaluate import _declared_facts, finding_id, info_of, replace_license

    licence_rules = [r for r in rules if reads_licences(r)]
    out: list[Finding] = []
    for items in by_file:
        own = _declared_facts(items)
        for d in items:
            if d.key != "license" or (why := license_problem(d.value)) is None:
                continue

            def probe(licence: str, d: Declaration = d, own: SourceFacts = own) -> dict[str, Any]:
                return {
                    **use_ctx,
                    "declared.key": "license",
                    "declared.value": licence,
                    "declared.file": d.path,
                    "declared.dataset": d.dataset,
                    "declared.known": False,
                    "declared.resolved": licence,
                    "declared.license_traits": tuple(sorted(traits(licence))),
                    **declared_by(d),
                    **source_ctx(replace_license(own, licence)),
                    "conflict.records": 1,
                    "conflict.copies": 1,
                }

            could = [r.id for r in licence_rules if any(r.when.holds(probe(p)) for p in _PROBES.values())]
            read = ", ".join(sorted(traits(d.value))) or "none"
            if could and read != "none":
                said = (
                    f"the policy's licence rules ({', '.join(could)}) were evaluated on traits "
                    "guessed from it; a person has to read the licence"
                )
            elif could:
                said = (
                    f"the policy's licence rules ({', '.join(could)}) could not be evaluated for it; "
                    "a person has to read the licence"
                )
            else:
                said = "no licence rule of the policy applies under the declared use, so it is listed only"
            reason = why.split(";", 1)[0].removeprefix(f"unknown licence {d.value!r}")
            out.append(
                Finding(
                    id=finding_id(RULE_ID, d.dataset, d.key, d.value.lower()),
                    rule=RULE,
                    action=Action.REVIEW if could else Action.INFO,
                    message=(
                        f"{d.path} declares license {d.value!r}, which cannot be read as a licence"
                        f"{reason} (traits read: {read}): {said}"
                    ),
                    declaration=d,
                    source=info_of(replace_license(own, d.value)),
                )
            )
    return out
