"""What a scan counts of each record's fields, and the licences records declare in them.

``count_fields`` runs where records are read (in the workers): turns read and strings not read
per file and field pattern, so that totals do not depend on the engine or the number of
processes. A licence a record names in its own ``license`` field is not text to match but what
the record declares about itself: it travels with the counts (a reason ``declared:VALUE``) and
becomes a ``Declaration`` of the record's file, judged by the policy's declaration rules like a
dataset card's ``license:`` (adversarial pass 15: rows saying ``"license": "cc-by-nc-4.0"`` in
a scan for commercial use passed with exit 0, the licences counted as labels not read).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from provcheck.inputs.schemas import field_pattern
from provcheck.matching.segment import RoleFilter
from provcheck.model import Declaration, ErrorKind, Record, RecordError, SkipReason

FieldKey = tuple[str, str, str]
"""``(path, field pattern, skip reason or "" when read)``."""

DECLARED = "declared:"
"""Prefix of a field count's reason that carries a licence a record declares."""

MAX_DECLARED = 50
"""Distinct licences declared in one file's records that become declarations; more are a
located limit error (a file of a million distinct values must not make a million findings)."""


def count_fields(records: Iterable[Record], roles: RoleFilter | None, into: Counter[FieldKey]) -> None:
    """Add to ``into`` the turns each record's fields gave, the strings it did not read and the
    licences it declares."""
    for rec in records:
        path = rec.location.path
        for turn in rec.turns:
            scanned = roles is None or roles.accepts(turn)
            into[(path, field_pattern(turn.field), "" if scanned else SkipReason.ROLE.value)] += 1
        for skip in rec.skipped:
            pattern = field_pattern(skip.field)
            into[(path, pattern, skip.reason.value)] += 1
            if skip.value is not None:
                into[(path, pattern, DECLARED + skip.value)] += 1


def record_declarations(
    path: str, sha256: str | None, declared: Counter[tuple[str, str]]
) -> tuple[list[Declaration], list[RecordError]]:
    """The licences one file's records declare (``(field pattern, value) -> records``), each
    value once, as declarations of that file; past ``MAX_DECLARED`` values, a limit error."""
    values: dict[str, int] = {}
    for (_, value), n in sorted(declared.items()):
        values[value] = values.get(value, 0) + n
    out = [
        Declaration(path=path, line=None, key="license", value=value, dataset=path, sha256=sha256)
        for value in sorted(values)[:MAX_DECLARED]
    ]
    errors = []
    if len(values) > MAX_DECLARED:
        errors.append(
            RecordError(
                path,
                ErrorKind.LIMIT,
                f"its records name {len(values):,} different licences in their license fields; only "
                f"the first {MAX_DECLARED} (in sorted order) were judged as declarations",
            )
        )
    return out, errors


__all__ = ["DECLARED", "MAX_DECLARED", "FieldKey", "count_fields", "record_declarations"]
