"""What a scan's run record says of its index, policy, declared use and library versions.

Kept apart from the engine so that the engine reads as the pipeline it wires; ``engine.scan``
adds the facts of the run itself (workers, roles, what was read).
"""

from __future__ import annotations

import platform
from importlib import metadata

from provcheck import __version__
from provcheck.index.combined import Index, IndexSet
from provcheck.model import ABSENT, IndexFacts, PolicyFacts, SourceFacts, UseFacts
from provcheck.policy import Policy, Use


def versions() -> dict[str, str]:
    """Versions of provcheck, Python and the libraries that shape results."""
    out = {"provcheck": __version__, "python": platform.python_version()}
    for dist in ("numpy", "rapidfuzz", "xxhash", "pyarrow"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover - declared dependencies
            out[dist] = "missing"
    return out


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
    return IndexFacts(
        path=index.path,
        digest=index.digest,
        signature=index.config.signature,
        fingerprint=index.config.to_dict(),
        sources=tuple(sorted(index.sources)),
        members=index.member_facts() if isinstance(index, IndexSet) else ABSENT,
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
            )
            for name, e in sorted(index.manifest.sources.items())
        ),
    )


def policy_facts(policy: Policy) -> PolicyFacts:
    """The policy evaluated: its file, name, digest and every file it includes."""
    return PolicyFacts(
        path=policy.path or None,
        name=policy.name,
        digest=policy.digest or None,
        files=tuple(policy.files),
    )
