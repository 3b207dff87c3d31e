"""Checks of the sources a policy and an index name, made when the two meet (a scan, a merge).

A fact that names a source nobody has leads nowhere: ``sources: {my-dump: {provider: openai}}``
for an index source ``mydump``, or ``derived_from: chatgtp``, left the copied source without its
provider, and every copy of it passed without a word. Such names are refused, located.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from provcheck.errors import PolicyError, ReferenceIndexError
from provcheck.model import SourceInfo
from provcheck.policy.model import Policy, comparisons
from provcheck.support.dates import DATE_META_KEYS, date_problem

if TYPE_CHECKING:
    from provcheck.policy.catalogue import Catalogue

NEAR = 0.8
"""How close a name must be to a known one to be taken for its misspelling."""


def check_source_dates(index_sources: Mapping[str, SourceInfo]) -> None:
    """``ReferenceIndexError`` naming every source whose recorded date is not a date (an index built
    before dates were checked): such a date must not silently become "unknown"."""
    problems = []
    for name, info in sorted(index_sources.items()):
        for key in sorted(DATE_META_KEYS & set(info.meta)):
            why = date_problem(info.meta[key])
            if why:
                problems.append(f"index source {name!r}: meta {key}: {why}")
    if problems:
        raise ReferenceIndexError(
            "; ".join(problems),
            hint="add the source again with a valid date (index add --meta date=YYYY-MM-DD)",
        )


def check_source_names(
    policy: Policy, index_sources: Mapping[str, SourceInfo], known: Callable[[], Catalogue]
) -> None:
    """Refuse a policy source that is a near miss of an index source, and a ``derived_from``
    parent (of the policy or of an index source) that neither the policy, the index nor the
    catalogue of known datasets knows (``known``: the catalogue, read only when needed)."""
    indexed = sorted(index_sources)
    problems: list[str] = []

    def where(name: str) -> str:
        path, line = policy.source_lines.get(name, (policy.path or "policy", None))
        return f"{path}:{line}" if line else path

    for name in sorted(policy.sources):
        if name in index_sources and index_sources[name].background:
            problems.append(
                f"{where(name)}: sources: {name!r} is a background source of the index (independent "
                "text, index add --background): its matches are never findings, so its facts would "
                "apply to nothing"
            )
        if name in index_sources:
            continue
        import difflib  # a misspelling's hint only: not on every policy load's path

        close = difflib.get_close_matches(name, indexed, n=1, cutoff=NEAR)
        if close:
            problems.append(
                f"{where(name)}: sources: {name!r} is not a source of the index; did you mean "
                f"{close[0]!r}? (its facts would apply to nothing)"
            )

    problems += _background_rules(policy, index_sources)
    problems += _misnamed_rules(policy, index_sources, known)
    problems += _misnamed_meta(policy, index_sources)

    def unknown(parent: str) -> bool:
        return parent not in policy.sources and parent not in index_sources and known().facts(parent) is None

    def hint(parent: str) -> str:
        names = sorted({*policy.sources, *indexed})
        import difflib  # a misspelling's hint only: not on every policy load's path

        close = difflib.get_close_matches(parent, names, n=1, cutoff=NEAR)
        return f"; did you mean {close[0]!r}?" if close else ""

    for name in sorted(policy.sources):
        for parent in policy.sources[name].derived_from:
            if unknown(parent):
                problems.append(
                    f"{where(name)}: sources: {name!r} derives from {parent!r}, which neither the policy, "
                    f"the index nor the catalogue of known datasets knows{hint(parent)} (its restrictions "
                    "would apply to nothing)"
                )
    if problems:
        raise PolicyError(problems)
    index_problems = []
    for name in indexed:
        parents = index_sources[name].meta.get("derived_from", "")
        for parent in (p.strip() for p in parents.split(",") if p.strip()):
            if unknown(parent):
                index_problems.append(
                    f"index source {name!r}: meta derived_from {parent!r} names no source the policy, the "
                    f"index or the catalogue of known datasets knows{hint(parent)}"
                )
    if index_problems:
        raise ReferenceIndexError(
            "; ".join(index_problems),
            hint="define that source in the policy's sources:, or add the source again with the right "
            "--meta derived_from=NAME",
        )


_DOMAIN = re.compile(r"\.(?:com|ai|org|net|io|co)$")


def _squashed(provider: str) -> str:
    """``OpenAI.com``, ``open-ai`` -> ``openai``: a provider as its spellings share it."""
    return re.sub(r"[^a-z0-9]", "", _DOMAIN.sub("", provider.strip().lower()))


def _squashings(provider: str) -> list[str]:
    """``_squashed``, then the name with its suffix kept: ``x.ai`` is xAI's domain and its name
    (``xai``), which ``_squashed`` alone cut to ``x``."""
    return [_squashed(provider), re.sub(r"[^a-z0-9]", "", provider.strip().lower())]


def _named(policy: Policy, field: str) -> set[str]:
    """The values the policy's rules compare ``field`` with (lower-cased; patterns left out)."""
    named: set[str] = set()
    for rule in policy.rules:
        for c in comparisons(rule.when):
            if c.field == field and c.op != "regex":
                values = c.value if isinstance(c.value, (list, tuple)) else [c.value]
                named.update(v.lower() for v in values if isinstance(v, str) and "*" not in v)
    return named


def near_name(value: str, named: Iterable[str], cutoff: float = NEAR) -> str | None:
    """The name of ``named`` that ``value`` misspells (``open-ai``, ``OpenAI.com`` for
    ``openai``), or None."""
    squashed = {_squashed(n): n for n in named}
    if not squashed:
        return None  # nothing to misspell: the policy names no such field (difflib not imported)
    forms = _squashings(value)
    near = next((squashed[f] for f in forms if f in squashed), None)
    if near is None:
        import difflib  # a misspelling's hint only: not on every policy load's path

        close = difflib.get_close_matches(forms[0], sorted(squashed), n=1, cutoff=cutoff)
        near = squashed[close[0]] if close else None
    return near


TERMS_NEAR = 0.9
"""Terms ids share long tails (``-terms-of-use``): a custom ``acme-terms-of-use`` is not a
misspelling of ``gemma-terms-of-use``, which ``NEAR`` would take it for."""


_PART = re.compile(r"[^a-z0-9]+")


def name_within(value: str, named: Iterable[str]) -> str | None:
    """The name of ``named`` that ``value`` holds as a separate part, or None: ``azure-openai``,
    ``openai-azure`` and ``OpenAI Inc`` hold ``openai``; ``openaiforge`` does not (it is
    another word)."""
    # Dots both ways: ``openai.com`` holds ``openai``, ``X.AI Corp`` holds ``xai``.
    spellings = [[p for p in _PART.split(v) if p] for v in (value.lower(), value.lower().replace(".", ""))]
    for name in sorted(named, key=lambda n: (-len(n), n)):
        want = [p for p in _PART.split(name.lower()) if p]
        for parts in spellings:
            if want and any(parts[i : i + len(want)] == want for i in range(len(parts) - len(want) + 1)):
                return name
    return None


def check_source_providers(policy: Policy, index_sources: Mapping[str, SourceInfo]) -> None:
    """Refuse an index source whose provider is a near spelling of one the policy's rules name,
    or holds one as a part of its name (``azure-openai``, ``OpenAI Inc``).

    ``index add --provider open-ai`` was a provider of its own: no rule of the packs (which name
    ``openai``) applied, and a verbatim copy of ChatGPT output passed without a finding; so did
    ``azure-openai``. A provider the policy's ``sources:`` sets for the source overrides the
    index's, and is the way to say what it is (or re-add the source with the provider's usual
    name): one that holds a named provider as a part is taken from there as written (the
    policy's author chose it, e.g. ``azure-openai`` for rules of its own), a misspelling never."""
    named = _named(policy, "source.provider")
    problems = []
    for name, info in sorted(index_sources.items()):
        facts = policy.sources.get(name)
        stated = facts is not None and bool(facts.provider)
        provider = facts.provider if facts is not None and facts.provider else info.provider
        if not provider or provider.lower() in named:
            continue
        near = near_name(provider, named)
        if near is not None:
            problems.append(
                f"index source {name!r}: provider {provider!r}: did you mean {near!r}? (the policy's "
                f"rules name {near!r}; none of them applies to {provider!r})"
            )
        elif not stated and (within := name_within(provider, named)) is not None:
            problems.append(
                f"index source {name!r}: provider {provider!r} holds {within!r}, which the policy's "
                f"rules name: did you mean {within!r}? (none of them applies to {provider!r}; if it "
                "is a provider of its own, say so in the policy's sources:)"
            )
    if problems:
        raise ReferenceIndexError(
            "; ".join(problems),
            hint="add the source again with the provider's usual name (index add --provider NAME), "
            "or set it in the policy's sources: (SOURCE: {provider: NAME})",
        )


_NAMING = ("equals", "in", "glob", "regex")
"""Comparisons of ``source.name`` that select the sources they name."""


def check_source_terms(policy: Policy, index_sources: Mapping[str, SourceInfo]) -> None:
    """Refuse an index source whose terms id is a near spelling of one the policy defines or its
    rules name (``openai-term-of-use``, ``OpenAI Terms of Use``): no rule citing those terms
    applied to it. The policy's ``sources:`` may set the terms instead."""
    named = {t.lower() for t in policy.terms} | _named(policy, "source.terms")
    problems = []
    for name, info in sorted(index_sources.items()):
        facts = policy.sources.get(name)
        terms = facts.terms if facts is not None and facts.terms else info.terms
        if not terms or terms.lower() in named:
            continue
        near = near_name(terms, named, TERMS_NEAR)
        if near is not None:
            problems.append(
                f"index source {name!r}: terms {terms!r}: did you mean {near!r}? (the policy names "
                f"{near!r}; none of its rules on those terms applies to {terms!r})"
            )
    if problems:
        raise ReferenceIndexError(
            "; ".join(problems),
            hint="add the source again with the terms id the policy uses (index add --terms ID), "
            "or set it in the policy's sources: (SOURCE: {terms: ID})",
        )


@functools.cache
def shipped_terms() -> frozenset[str]:
    """Every terms id the shipped policy packs define or their rules name (read once)."""
    from provcheck.policy.loader import load_policy
    from provcheck.policy.loadstate import packs_dir

    out: set[str] = set()
    for path in sorted(packs_dir().glob("*.yaml")):
        pack = load_policy(str(path))
        out |= set(pack.terms) | _named(pack, "source.terms")
    return frozenset(out)


def terms_problem(terms: str) -> str | None:
    """Why a terms id given to ``index add`` is refused: a misspelling of one the shipped packs
    know (``openai-term-of-use``; ``OpenAI Terms of Use`` for ``openai-terms-of-use``), with a
    "did you mean"; None for a known id or one of a policy of the user's own."""
    known = shipped_terms()
    if terms.lower() in {t.lower() for t in known}:
        return None
    near = near_name(terms, {t.lower() for t in known}, TERMS_NEAR)
    if near is None:
        return None
    return (
        f"unknown terms {terms!r}; did you mean {near!r}? (the shipped policies' rules on those "
        f"terms would never apply to {terms!r})"
    )


def _background_rules(policy: Policy, index_sources: Mapping[str, SourceInfo]) -> list[str]:
    """A match rule selecting a background source by name: its matches are never findings, so
    the rule would silently never fire on them (``when: {source.name: textbook}`` was accepted,
    and a scan with matches of textbook passed)."""
    background = sorted(name for name, info in index_sources.items() if info.background)
    problems = []
    for rule in policy.rules:
        if not background or rule.signal != "match" or not rule.enabled:
            continue
        for c in comparisons(rule.when):
            if c.field != "source.name" or c.op not in _NAMING:
                continue
            if c.op in ("glob", "regex"):
                # A pattern matching reference sources too is fine; one matching only
                # background sources selects nothing that can be a finding.
                named = [n for n in index_sources if c.holds({"source.name": n})]
                hit = named if named and all(n in background for n in named) else []
            else:
                hit = [n for n in background if c.holds({"source.name": n})]
            for name in hit:
                where = rule.origin or policy.path or "policy"
                if c.line is not None and rule.origin:
                    where = f"{rule.origin.rsplit(':', 1)[0]}:{c.line}"
                problems.append(
                    f"{where}: rule {rule.id!r}: {c}: {name!r} is a background source of the index "
                    "(independent text, index add --background): its matches are never findings, "
                    "so the rule would never fire on them"
                )
    return problems


def _misnamed_rules(
    policy: Policy, index_sources: Mapping[str, SourceInfo], known: Callable[[], Catalogue]
) -> list[str]:
    """A rule selecting by ``source.name`` a near spelling of an index source that neither the
    index, the policy's ``sources:`` nor the catalogue of known datasets holds: the rule would
    never fire. ``when: {source.name: sharegtp}`` for the index's ``sharegpt`` was accepted, and
    every copy of it passed (adversarial pass 14), while the same typo in ``sources:`` was
    refused. Left alone: a near spelling of a source the rules also name as written (another
    source on purpose), and names of declared datasets (``signal: declaration``: the data's own
    words, not the index's)."""
    # An index source the rules name as written is known to their author: a near spelling
    # beside it (`[sharegpt, sharegpt-v2]`) names another source on purpose.
    indexed = {n.lower(): n for n in index_sources if n.lower() not in _named(policy, "source.name")}
    if not indexed:
        return []
    problems = []
    for rule in policy.rules:
        if rule.signal == "declaration" or not rule.enabled:
            continue
        for c in comparisons(rule.when):
            if c.field != "source.name" or c.op not in ("equals", "in"):
                continue
            for value in c.value if isinstance(c.value, (list, tuple)) else [c.value]:
                name = str(value)
                if name.lower() in indexed or name in policy.sources:
                    continue
                near = near_name(name, indexed)
                if near is None or known().facts(name) is not None:
                    continue
                where = rule.origin or policy.path or "policy"
                if c.line is not None and rule.origin:
                    where = f"{rule.origin.rsplit(':', 1)[0]}:{c.line}"
                problems.append(
                    f"{where}: rule {rule.id!r}: {c}: {name!r} is not a source of the index; did you "
                    f"mean {indexed[near]!r}? (the rule would never fire on it)"
                )
    return problems


META_NEAR = 0.75
"""Meta keys are short words: a plural (``modalities`` for ``modality``) is a near spelling."""


def _misnamed_meta(policy: Policy, index_sources: Mapping[str, SourceInfo]) -> list[str]:
    """A rule testing ``source.meta.KEY`` for a key no source has, near one a source has
    (``source.meta.modalities`` for ``--meta modality=image``, ``source.meta.Modality``): meta
    keys are compared as written, and the rule never fired (adversarial pass 14)."""
    keys: dict[str, str] = {}
    for name, info in index_sources.items():
        for key in info.meta:
            keys.setdefault(key, name)
    for name, facts in policy.sources.items():
        for key in facts.meta:
            keys.setdefault(key, name)
    if not keys:
        return []
    problems = []
    for rule in policy.rules:
        if not rule.enabled:
            continue
        for c in comparisons(rule.when):
            if not c.field.startswith("source.meta."):
                continue
            key = c.field[len("source.meta.") :]
            if key in keys:
                continue
            near = near_name(key, keys, META_NEAR)
            if near is None:
                continue
            where = rule.origin or policy.path or "policy"
            if c.line is not None and rule.origin:
                where = f"{rule.origin.rsplit(':', 1)[0]}:{c.line}"
            problems.append(
                f"{where}: rule {rule.id!r}: {c.field}: no source has meta {key!r}; did you mean "
                f"'source.meta.{near}' (source {keys[near]!r} has it)? (the rule would never fire)"
            )
    return problems
