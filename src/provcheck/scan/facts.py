"""What a scan's run record says of its index, policy, declared use and library versions.

Kept apart from the engine so that the engine reads as the pipeline it wires; ``engine.scan``
adds the facts of the run itself (workers, roles, what was read).
"""

from __future__ import annotations

import os
import platform
import re
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from provcheck import __version__
from provcheck.index.combined import Index, IndexSet
from provcheck.model import (
    ABSENT,
    BASIS,
    Absent,
    IndexFacts,
    LegalReference,
    PolicyFacts,
    PolicyFile,
    SourceFacts,
    SourceInfo,
    ToolFacts,
    UseFacts,
)
from provcheck.policy import Policy, Use

if TYPE_CHECKING:  # built only by a run that writes its record (not a hook's)
    from provcheck.model.runextras import RuleFacts
    from provcheck.policy import Evaluator


def tool_facts_started(recorded: bool) -> Callable[[], tuple[ToolFacts, Mapping[str, str]]]:
    """The run record's program, build and library versions, the build's facts started now in
    a background thread (``scan.build``: a ``git status`` of a checkout and the SHA-256 of the
    package's files); call what is returned for them. Not ``recorded`` (a hook run, which
    prints a verdict and writes no record): neither the build nor the versions are determined
    (``tool.build`` absent, no versions), and ``scan.build`` is not imported."""
    if not recorded:
        return lambda: (ToolFacts(name="provcheck", version=__version__), {})
    from provcheck.scan.build import build_facts_started

    build = build_facts_started()
    return lambda: (ToolFacts(name="provcheck", version=__version__, build=build()), versions())


def versions() -> dict[str, str]:
    """Versions of provcheck, Python and the libraries that shape results."""
    out = {"provcheck": __version__, "python": platform.python_version()}
    for dist in ("numpy", "rapidfuzz", "xxhash", "pyarrow"):
        out[dist] = _installed_version(dist)
    return out


def _installed_version(dist: str) -> str:
    """``importlib.metadata.version(dist)``, read from the name of the package's only
    ``NAME-VERSION.dist-info`` folder on ``sys.path`` (what a wheel installs) when there is one:
    importing ``importlib.metadata`` (email, zipfile, csv...) cost a hook ~25 ms."""
    found: list[tuple[str, str]] = []
    wanted = _normalized(dist)
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            m = _METADATA_DIR.fullmatch(name)
            if m and _normalized(m[1]) == wanted:
                found.append((m[2], m[3]))
        if found:
            break  # the first entry that has it is the one importlib.metadata reads
    if len(found) == 1 and found[0][1] == "dist-info":
        return found[0][0]
    from importlib import metadata  # anything else (an egg, two versions side by side)

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # pragma: no cover - declared dependencies
        return "missing"


_METADATA_DIR = re.compile(r"([A-Za-z0-9_.\-]+?)-([^-]+)\.(dist-info|egg-info)")


def _normalized(name: str) -> str:
    """A distribution name as importlib.metadata compares them (PEP 503, with underscores)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def use_facts(use: Use) -> UseFacts:
    """The declared use the policy was evaluated under."""
    return UseFacts(
        purpose=tuple(sorted(use.purposes)),
        commercial=use.commercial,
        distributed=use.distributed,
        research_only=use.research_only,
    )


def index_facts(index: Index) -> IndexFacts:
    """The index (or indexes and packs) matched against, with every source it holds."""
    # When and by what the index was written: counsel signs for the index as it was (an index
    # set's members carry their own facts).
    single = None if isinstance(index, IndexSet) else index.manifest
    return IndexFacts(
        path=index.path,
        digest=index.digest,
        signature=index.config.signature,
        fingerprint=index.config.to_dict(),
        sources=tuple(sorted(index.sources)),
        members=index.member_facts() if isinstance(index, IndexSet) else ABSENT,
        created=ABSENT if single is None else single.created,
        updated=ABSENT if single is None else single.updated,
        written_by=ABSENT if single is None else single.tool,
        # Reports list every indexed source, those the scan found nothing of included,
        # with what it holds: a source of 0 texts cannot have been checked against.
        source_details=tuple(
            SourceFacts(
                name=name,
                provider=e.info.provider,
                generator=e.info.generator,
                license=e.info.license,
                terms=e.info.terms,
                records=e.records,
                texts=e.turns,
                background=True if e.info.background else ABSENT,
                basis=e.info.meta.get(BASIS) or ABSENT,
            )
            for name, e in sorted(index.manifest.sources.items())
        ),
        providers=tuple(
            sorted(
                {
                    e.info.provider.lower()
                    for e in index.manifest.sources.values()
                    if e.info.provider and not e.info.background
                }
            )
        ),
    )


def policy_facts(
    policy: Policy,
    index_sources: Mapping[str, SourceInfo] | None = None,
    *,
    rules: bool = True,
    evaluator: Evaluator | None = None,
) -> PolicyFacts:
    """The policy evaluated: its file, name, digest and every file it includes, what of the
    shipped packs and of the index's source facts (``index_sources``) it overrides, and (with
    ``rules``: not for a hook, which writes no record) every rule it checks, with why each could
    not fire when the scan's ``evaluator`` shows it could not."""
    overrides = (*policy.overrides, *source_overrides(policy, index_sources or {}))
    return PolicyFacts(
        path=policy.path or None,
        name=policy.name,
        digest=policy.digest or None,
        files=tuple(policy.files),
        file_digests=tuple(PolicyFile(p, d) for p, d in zip(policy.files, policy.file_sha256, strict=True))
        if policy.files
        else ABSENT,
        providers=policy.providers(),
        overrides=overrides or ABSENT,
        rules=rule_facts(policy, evaluator) if rules else ABSENT,
        references=_references(policy),
    )


def _references(policy: Policy) -> tuple[LegalReference, ...] | Absent:
    """The legal references the policy's files name, as each describes itself; absent when
    none names one."""
    if not policy.references:
        return ABSENT
    from provcheck.policy.reference import REFERENCES

    return tuple(REFERENCES[r] for r in policy.references)


def rule_facts(policy: Policy, evaluator: Evaluator | None = None) -> tuple[RuleFacts, ...]:
    """Every rule of the policy with the clause it cites: listed whether or not it fired; with
    the ``evaluator`` of the scan, why each that could not fire could not (``policy.reach``:
    null for a rule that could, absent without an evaluator)."""
    from provcheck.model.runextras import RuleFacts  # a hook's run lists none: not built there
    from provcheck.policy.reach import could_not_fire, matchable_sources

    sources = matchable_sources(evaluator) if evaluator is not None else None
    out = []
    for rule in policy.rules:
        ref = rule.clause
        document = section = None
        if ref is not None and ref.inline is not None:
            document, section = ref.inline.document, ref.inline.section
        elif ref is not None and (terms := policy.terms.get(ref.terms or "")) is not None:
            key = ref.key or ""
            having = [v for v in terms.versions if key in v.clauses]
            document = terms.document
            if having and not terms.by_licence:  # a licence text's version is one licence's, not the rule's
                latest = having[-1]
                document = latest.document or terms.document
                section = latest.clauses[key].get("section")
        out.append(
            RuleFacts(
                id=rule.id,
                title=rule.title,
                action=rule.action.value,
                signal=rule.signal,
                enabled=rule.enabled,
                document=document,
                terms=ref.terms if ref is not None and ref.inline is None else None,
                clause=ref.key if ref is not None and ref.inline is None else None,
                section=section,
                could_not_fire=could_not_fire(rule, sources) if evaluator is not None else ABSENT,
            )
        )
    return tuple(out)


def source_overrides(policy: Policy, index_sources: Mapping[str, SourceInfo]) -> tuple[str, ...]:
    """``source share: provider openai (index) set to deepseek at policy.yaml:4`` for each fact of
    an index source that the policy's ``sources:`` replaces with another (a fact the index lacks
    and the policy gives is not a change). The policy's facts decide which rules apply, but the
    reports' source tables show the index's: an OpenAI source set to ``deepseek`` read as OpenAI
    output judged under DeepSeek's terms, with nothing saying why."""
    said = []
    for name in sorted(policy.sources):
        info = index_sources.get(name)
        if info is None:
            continue
        facts = policy.sources[name]
        path, line = policy.source_lines.get(name, (policy.path or "policy", None))
        where = f"{path}:{line}" if line else path
        for key in ("provider", "generator", "license", "terms"):
            old, new = getattr(info, key), getattr(facts, key)
            if old and new and old.lower() != new.lower():
                said.append(f"source {name}: {key} {old} (index) set to {new} at {where}")
    return tuple(said)
