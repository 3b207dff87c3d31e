"""Record schemas: detection per record, ``--schema`` to force one, raw records -> ``Record``."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from provcheck.errors import UsageError
from provcheck.inputs.schemas.base import RawTurn, Schema, SchemaError, role_kind
from provcheck.inputs.schemas.chat import OpenAIMessages, ShareGPT
from provcheck.inputs.schemas.fields import Alpaca, PromptResponse, TextField, lookup
from provcheck.inputs.schemas.generic import Generic
from provcheck.matching.normalize import canonical
from provcheck.model import ContentHash, ErrorKind, Location, Record, RecordError, RoleKind, Turn

__all__ = ["SCHEMAS", "RecordOptions", "Schema", "to_record"]

SCHEMAS: dict[str, Schema] = {
    s.name: s for s in (ShareGPT(), OpenAIMessages(), Alpaca(), PromptResponse(), TextField(), Generic())
}
"""Schemas in detection order: the first that matches a record reads it."""

_GENERIC = SCHEMAS["generic"]
_HINT = (
    "expected one of: conversations (ShareGPT), messages (OpenAI), instruction/output (Alpaca), "
    "prompt/completion, text/content, or --text-field"
)


@dataclass(frozen=True, slots=True)
class RecordOptions:
    """How to read records: schema, fields."""

    schema: str = "auto"
    """A name from ``SCHEMAS``, or ``auto`` to detect per record."""
    text_field: str | None = None
    """Read only this (dotted) field as text; implies the ``text`` schema."""
    id_field: str | None = None
    """Take record ids from this (dotted) field instead of ``id``."""

    def __post_init__(self) -> None:
        if self.schema != "auto" and self.schema not in SCHEMAS:
            allowed = ", ".join(["auto", *SCHEMAS])
            raise UsageError(f"unknown schema {self.schema!r}; allowed: {allowed}")

    def resolve(self) -> Schema | None:
        """The forced schema, or None for detection."""
        if self.text_field:
            return TextField((self.text_field,))
        return None if self.schema == "auto" else SCHEMAS[self.schema]


def _detect(data: dict[str, Any]) -> Schema:
    for schema in SCHEMAS.values():
        if schema.matches(data):
            return schema
    return SCHEMAS["generic"]  # unreachable: generic always matches


def _record_id(data: dict[str, Any], id_field: str | None) -> str | None:
    value = lookup(data, id_field) if id_field else data.get("id")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int)):
        return str(value)
    return None


def content_hash(turns: Sequence[Turn | RawTurn]) -> ContentHash:
    """Digest of roles and texts; the same content in another file or order hashes the same."""
    digest = hashlib.blake2b(digest_size=16)
    for t in turns:
        digest.update(t.role.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
        digest.update(t.text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return ContentHash(digest.hexdigest())


def _clean(text: str) -> str:
    """NFC text with lone surrogates (legal in JSON escapes, not in UTF-8) replaced."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return canonical(text)


def to_record(data: dict[str, Any], location: Location, options: RecordOptions) -> Record | RecordError:
    """Apply the forced or detected schema; a record with no text is a located error."""
    schema = options.resolve() or _detect(data)
    try:
        raw = schema.turns(data)
        read = schema.keys(data) | ({options.id_field.split(".")[0]} if options.id_field else set())
        # Strings outside the schema (extra columns, metadata) are scanned too: copied text
        # hides anywhere. Forced --text-field reads only that field.
        extra = (
            []
            if options.text_field
            else [
                RawTurn(t.role, t.field, t.text, None)
                for t in _GENERIC.turns({k: v for k, v in data.items() if str(k) not in read})
            ]
        )
    except SchemaError as exc:
        return RecordError(
            location.path,
            ErrorKind.SCHEMA,
            f"{schema.name}: {exc}",
            line=location.line,
            index=location.index,
            field=exc.field,
        )
    count = len(raw)
    turns = tuple(
        Turn(
            role=t.role,
            kind=role_kind(t.role) if i < count or schema is _GENERIC else RoleKind.FIELD,
            position=i if t.position is None else t.position,
            field=t.field,
            text=_clean(t.text),
        )
        for i, t in enumerate(raw + extra)
        if t.text.strip()
    )
    if not turns:
        keys = ", ".join(sorted(map(str, data))[:20]) or "none"
        return RecordError(
            location.path,
            ErrorKind.SCHEMA,
            f"no text found ({schema.name}); the record has fields: {keys}; {_HINT}",
            line=location.line,
            index=location.index,
        )
    return Record(
        location=location,
        id=_record_id(data, options.id_field),
        schema=schema.name,
        turns=turns,
        # Extra fields (timestamps, scores...) do not change what the record *is*.
        content_hash=content_hash([t for t in turns if t.kind is not RoleKind.FIELD] or turns),
    )
