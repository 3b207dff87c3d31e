"""What a scan counts of each record's fields, and the licences records declare in them.

``count_fields`` runs where records are read (in the workers): turns read and strings not read
per file and field pattern, so that totals do not depend on the engine or the number of
processes. A licence a record names in its own ``license`` field is not text to match but what
the record declares about itself: it travels with the counts (a reason ``declared:VALUE``) and
becomes a ``Declaration`` of the record's file, judged by the policy's declaration rules like a
dataset card's ``license:`` (adversarial pass 15: rows saying ``"license": "cc-by-nc-4.0"`` in
a scan for commercial use passed with exit 0, the licences counted as labels not read).

A model a record names in its own generator field (``"model": "gpt-4-0613"``, ``"generator"``,
``inputs.schemas.GENERATOR_KEYS``) travels the same way and becomes a ``generator``
declaration of the file, located at the first record that makes it (``FIRST``) and counted;
the policy resolves the name to its provider (``policy/selfdeclared.py``). The records among
them that also hold model output the scan read (an assistant, reasoning or tool-call turn the
role filter accepts: ``OUTPUT_KINDS``) are counted too (``Declaration.output``): such a record
says who wrote the text in it, one that holds only requests (an OpenAI batch-request file's
``body.model``) names where they go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from provcheck.inputs.schemas import GENERATOR_KEYS, field_pattern
from provcheck.inputs.schemas.walk import last_key
from provcheck.matching.segment import RoleFilter
from provcheck.model import Declaration, ErrorKind, Record, RecordError, RoleKind, SkipReason

FieldKey = tuple[str, str, str]
"""``(path, field pattern, skip reason or "" when read)``."""

DECLARED = "declared:"
"""Prefix of a field count's reason that carries a licence a record declares."""

FIRST = "first:"
"""Prefix of a field count's reason whose count is the first line at which a record makes that
declaration (none in a container without lines): merged by ``min``, not summed (``add``)."""

CARRIES = "\x1f"
"""Put before a declared model name (``DECLARED + CARRIES + name``) to count the records naming
it that hold model output. A declared value is stripped, and ``str.isspace`` holds for this
character, so no value a record declares begins with it."""

OUTPUT_KINDS = frozenset({RoleKind.ASSISTANT, RoleKind.REASONING, RoleKind.TOOL_CALL})
"""Kinds of turn that are a model's output."""

MAX_DECLARED = 50
"""Distinct licences declared in one file's records that become declarations; more are a
located limit error (a file of a million distinct values must not make a million findings)."""

MAX_GENERATORS = 1000
"""The same limit for the models records name, higher: real files hold hundreds (AlpacaEval's
outputs of its 212 generators in one file, Chatbot Arena's battles of over a hundred models)."""


def add(into: Counter[FieldKey], key: FieldKey, n: int) -> None:
    """Add a field count to ``into``: a ``FIRST`` count keeps the least, every other is summed."""
    if key[2].startswith(FIRST) and key in into:
        into[key] = min(into[key], n)
    else:
        into[key] += n


def count_fields(records: Iterable[Record], roles: RoleFilter | None, into: Counter[FieldKey]) -> None:
    """Add to ``into`` the turns each record's fields gave, the strings it did not read and the
    licences and models it declares (with the first line of each)."""
    # A reason's ``_value_`` is its ``value`` without the enum's Python-level property (five
    # strings a chat record).
    role = SkipReason.ROLE.value
    for rec in records:
        path = rec.location.path
        carries = False
        for turn in rec.turns:
            scanned = roles is None or roles.accepts(turn)
            into[(path, field_pattern(turn.field), "" if scanned else role)] += 1
            carries = carries or (scanned and turn.kind in OUTPUT_KINDS)
        for skip in rec.skipped:
            pattern = field_pattern(skip.field)
            into[(path, pattern, skip.reason._value_)] += 1
            if skip.value is not None:
                into[(path, pattern, DECLARED + skip.value)] += 1
                if carries and last_key(pattern).lower() in GENERATOR_KEYS:
                    into[(path, pattern, DECLARED + CARRIES + skip.value)] += 1
                line = rec.location.line  # None in a container without lines (Parquet)
                first = (path, pattern, FIRST + skip.value)
                if line is not None and (first not in into or line < into[first]):
                    into[first] = line  # the least line met (``add``, inlined)


def record_declarations(
    path: str, sha256: str | None, declared: Counter[tuple[str, str]], first: dict[tuple[str, str], int]
) -> tuple[list[Declaration], list[RecordError]]:
    """What one file's records declare in their own fields (``(field pattern, value) ->
    records``, and the first line of each), as declarations of that file: each licence once,
    each generator once per field; past ``MAX_DECLARED`` licences or ``MAX_GENERATORS``
    generators, a limit error."""
    licences: dict[str, int] = {}
    generators: dict[tuple[str, str], int] = {}
    output: dict[tuple[str, str], int] = {}
    for (pattern, value), n in sorted(declared.items()):
        if value.startswith(CARRIES):
            output[(pattern, value[len(CARRIES) :])] = n
        elif last_key(pattern).lower() in GENERATOR_KEYS:
            generators[(pattern, value)] = n
        else:
            licences[value] = licences.get(value, 0) + n
    out = [
        Declaration(path=path, line=None, key="license", value=value, dataset=path, sha256=sha256)
        for value in sorted(licences)[:MAX_DECLARED]
    ]
    out += [
        Declaration(
            path=path,
            line=first.get((pattern, value)),
            key="generator",
            value=value,
            dataset=path,
            sha256=sha256,
            field=pattern,
            records=n,
            output=output.get((pattern, value), 0),
        )
        for (pattern, value), n in sorted(generators.items())[:MAX_GENERATORS]
    ]
    errors = []
    for count, most, what, fields in (
        (len(licences), MAX_DECLARED, "licences", "license"),
        (len(generators), MAX_GENERATORS, "generators", "model or generator"),
    ):
        if count > most:
            errors.append(
                RecordError(
                    path,
                    ErrorKind.LIMIT,
                    f"its records name {count:,} different {what} in their {fields} fields; only "
                    f"the first {most:,} (in sorted order) were judged as declarations",
                )
            )
    return out, errors


__all__ = [
    "CARRIES",
    "DECLARED",
    "FIRST",
    "MAX_DECLARED",
    "MAX_GENERATORS",
    "OUTPUT_KINDS",
    "FieldKey",
    "add",
    "count_fields",
    "record_declarations",
]
