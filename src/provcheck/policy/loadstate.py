"""What loading a policy accumulates, shared by the loader and its section readers: the
merged state, every problem with its place, and the tables of keys each section allows."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import provcheck
from provcheck.policy.model import (
    Marker,
    Rule,
    SourceFacts,
)
from provcheck.support.dates import DateError, parse_date

if TYPE_CHECKING:
    from provcheck.policy.terms import Terms


def packs_dir() -> Path:
    """Where the shipped policy packs (and the policy schema) are: in the installed package, or
    in the source tree."""
    # Anchored on the package, not on this module, so that moving the module cannot lose the packs.
    here = Path(provcheck.__file__).resolve().parent
    installed = here / "policies"
    if installed.is_dir():
        return installed
    return here.parent.parent / "policies"


PACK_PREFIX = "provcheck:"
MAX_INCLUDE_DEPTH = 16

FIELD_TYPES: dict[str, str] = {
    "source.name": "str",
    "source.provider": "str",
    "source.generator": "str",
    "source.license": "strs",
    "source.terms": "str",
    "source.origin": "str",
    "source.derived_from": "strs",
    "source.date": "date",
    "source.url": "str",
    "source.license_traits": "strs",
    "use.purpose": "strs",
    "use.commercial": "bool",
    "use.distributed": "bool",
    "use.research_only": "bool",
    "use.declared": "bool",
    "match.similarity": "num",
    "match.containment": "num",
    "match.coverage": "num",
    "match.char_similarity": "num",
    "match.jaccard": "num",
    "match.tokens": "num",
    "match.kind": "str",
    "match.short": "bool",
    "match.probability": "num",
    "match.convergence": "str",
    "match.explained": "bool",
    "match.relation": "str",
    "record.path": "str",
    "record.role": "str",
    "record.kind": "str",
    "record.id": "str",
    "reference.id": "str",
    "reference.role": "str",
    "marker.id": "str",
    "marker.label": "str",
    "marker.provider": "str",
    "marker.text": "str",
    "marker.count": "num",
    "declared.key": "str",
    "declared.value": "str",
    "declared.file": "str",
    "declared.dataset": "str",
    "declared.known": "bool",
    "declared.resolved": "str",
    "declared.license_traits": "strs",
    "declared.by": "str",
    "declared.carries_output": "bool",
    "conflict.records": "num",
    "conflict.copies": "num",
    "conflict.example": "str",
    "conflict.source": "str",
}
"""Fields a condition can test, with their types. ``source.meta.KEY`` is also a string field."""
TEMPLATE_EXTRA = {"rule.id", "rule.title", "action"}
SIGNAL_FIELDS: dict[str, tuple[str, ...]] = {
    "match": ("source.", "use.", "match.", "record.", "reference."),
    "marker": ("marker.", "use.", "record."),
    "declaration": ("declared.", "source.", "use."),
    "conflict": ("declared.", "source.", "use.", "conflict."),
}
"""Which fields each kind of signal sets: a rule may only test and show those."""
# Which keys each section allows, their types, the operators of each type of field: the schema
# (policies/policy.schema.json, checked by policy/schema.py) says it, and only it.
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([a-z_][a-z0-9_.]*)\}")
"""``{field}`` placeholders of a message; ``{{`` and ``}}`` are a literal brace (findall: '')."""


@dataclass
class LoadState:
    """Accumulates the merged policy and every problem while files are read."""

    roots: list[Path]
    allow_outside: bool
    problems: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    file_sha256: list[str] = field(default_factory=list)
    """SHA-256 of each of ``files``, in the same order."""
    digest: Any = field(default_factory=lambda: hashlib.sha256())
    rules: list[Rule] = field(default_factory=list)
    use: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, SourceFacts] = field(default_factory=dict)
    source_lines: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    """Where each source's ``derived_from`` (else its entry) was last given: cycles are located."""
    terms: dict[str, Terms] = field(default_factory=dict)
    markers: list[Marker] = field(default_factory=list)
    name: str | None = None
    stack: list[Path] = field(default_factory=list)
    broken_rules: set[str] = field(default_factory=set)
    """Ids of rules the schema refused (already reported)."""
    overrides: list[str] = field(default_factory=list)
    """Rules of shipped packs that a file of the user's turned off or redefined, in words
    (``Policy.overrides``)."""
    references: list[str] = field(default_factory=list)
    """The legal references the files name (``reference:``), first named first."""

    def problem(self, path: str, line: int | None, message: str, column: int | None = None) -> None:
        where = f"{path}:{line}:{column}" if line and column else f"{path}:{line}" if line else path
        self.problems.append(f"{where}: {message}")


def shipped_pack(path: str) -> str | None:
    """``provcheck:NAME`` when ``path`` (a policy file as read, or a rule's ``file:line``
    origin) is a shipped pack's file, else None."""
    file = Path(path.rsplit(":", 1)[0] if path.rsplit(":", 1)[-1].isdigit() else path)
    try:
        in_packs = file.resolve().parent == packs_dir().resolve()
    except OSError:
        return None
    return f"{PACK_PREFIX}{file.stem}" if in_packs else None


def unknown(what: str, value: Any, allowed: tuple[str, ...] | list[str]) -> str:
    return f"unknown {what} {value!r}; allowed: {', '.join(allowed)}"


def policy_date(state: LoadState, display: str, line: int | None, value: Any, what: str) -> dt.date | None:
    try:
        return parse_date(value)
    except DateError as exc:
        state.problem(display, line, f"{what}: {exc}")
        return None
