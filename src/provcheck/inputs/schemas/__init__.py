"""Record schemas: detection per record, ``--schema`` to force one, raw records -> ``Record``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from provcheck.errors import UsageError
from provcheck.inputs.base import WrapperMember
from provcheck.inputs.schemas.base import RawTurn, Schema, SchemaError, maybe_json, role_kind
from provcheck.inputs.schemas.chat import (
    MESSAGE_KEYS,
    SHAREGPT_KEYS,
    OpenAIMessages,
    PairedConversations,
    ShareGPT,
)
from provcheck.inputs.schemas.encoded import (
    HEX_SUFFIX,
    JSON_SUFFIX,
    PERCENT_SUFFIX,
    URI_SUFFIX,
    decoded_text,
    decoded_uri,
    decoded_word,
    json_text,
    may_be_json,
    may_be_spaced,
)
from provcheck.inputs.schemas.encoded import SUFFIX as ENCODED_SUFFIX
from provcheck.inputs.schemas.fields import Alpaca, PairedOutputs, PromptResponse, TextField, lookup
from provcheck.inputs.schemas.generic import Generic
from provcheck.inputs.schemas.plain import plain_chat, plain_text
from provcheck.inputs.schemas.runs import Piece, joined
from provcheck.inputs.schemas.walk import (
    MAX_DEPTH,
    MODEL_KEYS,
    classify,
    field_pattern,
    flat_leaves,
    is_prose,
    last_key,
    leaves,
)
from provcheck.matching.normalize import canonical
from provcheck.model import (
    ContentHash,
    ErrorKind,
    Location,
    Record,
    RecordError,
    RoleKind,
    Skipped,
    SkipReason,
    Turn,
)
from provcheck.support.slots import maker

__all__ = [
    "GENERATOR_KEYS",
    "LICENCE_KEYS",
    "MAX_DEPTH",
    "SCHEMAS",
    "RecordOptions",
    "RecordTurns",
    "Schema",
    "field_pattern",
    "limit_errors",
    "to_record",
    "to_turns",
]

SCHEMAS: dict[str, Schema] = {
    s.name: s
    for s in (
        ShareGPT(),
        OpenAIMessages(),
        PairedConversations(),
        Alpaca(),
        PairedOutputs(),
        PromptResponse(),
        TextField(),
        Generic(),
    )
}
"""Schemas in detection order: the first that matches a record reads it."""

_GENERIC = SCHEMAS["generic"]
_OPENAI = SCHEMAS["openai"]
_TEXT = SCHEMAS["text"]
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

    @property
    def auto(self) -> bool:
        """True when every record's schema is detected (no ``--schema``, no ``--text-field``)."""
        return self.schema == "auto" and not self.text_field

    def resolve(self) -> Schema | None:
        """The forced schema, or None for detection."""
        if self.text_field:
            return TextField((self.text_field,))
        return None if self.schema == "auto" else SCHEMAS[self.schema]


_SCALARS = frozenset({str, int, float, bool, type(None)})
"""Value types that are no container (a record of them alone is flat): one set test of its
values' types instead of an ``isinstance`` generator (an object of other types is tested so)."""
_ONE_WORD = (SkipReason.ENCODED, SkipReason.ID)
"""Reasons of a value that may be base64 of text (one ASCII word, see ``classify``)."""
LICENCE_KEYS = frozenset({"license", "licence"})
"""Label fields whose value a record declares about itself: its licence (``"license":
"cc-by-nc-4.0"`` on every row of a dataset), read as a declaration of the record's file."""
GENERATOR_KEYS = frozenset({"model", "generator", "model_name", "model_id", "source_model", *MODEL_KEYS})
"""Fields naming the model that wrote a record's text (LMSYS-Chat and OpenAI-style logs'
``model``, AlpacaEval's ``generator``, FastChat MT-bench answers' ``model_id``; at any depth,
UltraFeedback's ``completions[].model``; and ``walk.MODEL_KEYS``: Chatbot Arena's ``model_a``,
preference sets' ``chosen_model``, lists such as ``models``), read as a declaration of the
record's source when they hold a label or an id, not prose."""
_DECLARING_KEYS = LICENCE_KEYS | GENERATOR_KEYS


def _declares(name: str, reason: SkipReason | None) -> bool:
    """True when a value of the field ``name`` (lower case, one of ``_DECLARING_KEYS``) not read
    for ``reason`` is a licence or model name the record declares: a label (or, for a model, an
    id: ``model_id``), not prose."""
    return reason is SkipReason.LABEL or (reason is SkipReason.ID and name in GENERATOR_KEYS)


def _named(value: object) -> tuple[str, bool] | None:
    """What a model field that holds no string names, and whether it is a number: a number or a
    flag as written (counted as a name no catalogue knows, not lost), an object by its ``name``,
    ``id`` or ``model`` string (``{"name": "gpt-4", "temperature": 0}``), or ``(an object)``."""
    if type(value) in (int, float, bool):
        return str(value), True
    if isinstance(value, dict):
        for key in ("name", "id", "model"):
            inner = value.get(key)
            if isinstance(inner, str) and inner.strip() and len(inner) <= 100:
                return inner.strip(), False
        return "(an object)", False
    return None


def _nested_models(item: Any, here: str, level: int) -> list[tuple[str, Any]]:
    """``(path, value)`` of every model field below the top level that holds no string (a
    number, a flag, an object; or such an item of a list), for ``_named``: strings there are
    leaves, read as labels. Containers past ``MAX_DEPTH`` are not entered (a limit error)."""
    out: list[tuple[str, Any]] = []
    if level >= MAX_DEPTH:
        return out
    if isinstance(item, dict):
        for key, child in item.items():
            if isinstance(child, str) or child is None:
                continue
            at = f"{here}.{key}" if here else str(key)
            if isinstance(key, str) and key.lower() in GENERATOR_KEYS:
                if isinstance(child, list):  # ``"models": [...]``, at the top level too
                    out += [(f"{at}[{i}]", v) for i, v in enumerate(child) if not isinstance(v, str)]
                elif level:  # the top level's are read by ``to_turns``
                    out.append((at, child))
            if isinstance(child, (dict, list)):
                out += _nested_models(child, at, level + 1)
    elif isinstance(item, list):
        for i, child in enumerate(item):
            if isinstance(child, (dict, list)):
                out += _nested_models(child, f"{here}[{i}]", level + 1)
    return out


_DECODINGS = (ENCODED_SUFFIX, URI_SUFFIX, JSON_SUFFIX, HEX_SUFFIX, PERCENT_SUFFIX)
"""Suffixes of a field read decoded: not decoded again as one word."""


def _detect(data: dict[str, Any]) -> Schema:
    for schema in SCHEMAS.values():
        if schema.matches(data):
            return schema
    return SCHEMAS["generic"]  # unreachable: generic always matches


_SHAPES: dict[tuple[tuple[Any, ...], tuple[type, ...]], Schema] = {}
"""The schema detected for each shape of flat record (its keys, and its values' types)."""
_MAX_SHAPES = 1024


def _detect_flat(data: dict[str, Any]) -> Schema:
    """``_detect`` of a record none of whose values is a container.

    Without a list, no chat schema matches, and the others test which keys are present and
    whether their values are strings: a record of the same keys and value types gets the
    same schema (detection was a quarter of reading a record). A key of ``_DECODED`` may hold
    a JSON-encoded list that a schema reads: such records are detected one by one.
    """
    if not _DECODED.isdisjoint(data):
        return _detect(data)
    shape = (tuple(data), tuple(map(type, data.values())))
    found = _SHAPES.get(shape)
    if found is None:
        found = _detect(data)
        if len(_SHAPES) < _MAX_SHAPES:
            _SHAPES[shape] = found
    return found


def _record_id(data: dict[str, Any], id_field: str | None) -> str | None:
    value = lookup(data, id_field) if id_field else data.get("id")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str) and is_prose(value):
        return None  # text, read as text, is no one's id (a report's id column held a whole answer)
    if isinstance(value, (str, int)):
        return str(value)
    return None


def content_hash(turns: Sequence[Turn | RawTurn]) -> ContentHash:
    """Digest of roles and texts; the same content in another file or order hashes the same."""
    # One encode and one update of the whole: UTF-8 (with surrogatepass) encodes character by
    # character, so the digest is that of the parts fed one by one.
    joined = "".join([f"{t.role}\x1f{t.text}\x1e" for t in turns])
    digest = hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=16)
    return ContentHash(digest.hexdigest())


def _clean(text: str) -> str:
    """NFC text with lone surrogates (legal in JSON escapes, not in UTF-8) replaced."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return canonical(text)


_DECODED = frozenset({*SHAREGPT_KEYS, *MESSAGE_KEYS, "history", "prompt", "completion", "chosen", "rejected"})
"""Top-level fields that CSV cells and some exports hold as JSON-encoded lists."""


def _decoded(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with JSON-encoded turn lists decoded, so schemas and walker see one structure."""
    if _DECODED.isdisjoint(map(str, data)):  # most records: no set built
        return data
    out = None
    for key in _DECODED.intersection(map(str, data)):
        value = data[key]
        if not isinstance(value, str) or value[:1] != "[":
            continue
        decoded = maybe_json(value)
        turns = isinstance(decoded, list) and decoded and isinstance(decoded[0], dict)
        pairs = key == "history" and isinstance(decoded, list) and decoded and isinstance(decoded[0], list)
        if turns or pairs:
            out = out if out is not None else dict(data)
            out[key] = decoded
    return data if out is None else out


@dataclass(frozen=True, slots=True)
class RecordTurns:
    """A record's turns as its schema reads them: a :class:`Record` without its content hash.

    Building an index reads records only for their turns (``index add`` stores its own text
    keys); digesting every record's turns there cost a sixth of reading it.
    """

    location: Location
    id: str | None
    schema: str
    turns: tuple[Turn, ...]
    skipped: tuple[Skipped, ...] = ()

    def record(self) -> Record:
        """The :class:`Record`, with the digest of its turns."""
        turns = self.turns
        return _make_record(
            self.location,
            self.id,
            self.schema,
            turns,
            # Extra fields (timestamps, scores...) do not change what the record *is*.
            content_hash([t for t in turns if t.kind is not RoleKind.FIELD] or turns),
            self.skipped,
        )


# A record's objects built by filling their slots (``support.slots``): their frozen
# ``__init__`` was a sixth of reading a chat record.
_make_record = maker(Record)
_make_turns = maker(RecordTurns)
_make_turn = maker(Turn)
_make_skipped = maker(Skipped)


def to_record(data: dict[str, Any], location: Location, options: RecordOptions) -> Record | RecordError:
    """Apply the forced or detected schema, then walk every string the schema did not read.

    A string is read as a turn (the schema's, or an extra field) or listed in
    ``Record.skipped`` with a reason; a record with no text at all is a located error.
    """
    read = to_turns(data, location, options)
    return read if isinstance(read, RecordError) else read.record()


def to_turns(data: dict[str, Any], location: Location, options: RecordOptions) -> RecordTurns | RecordError:
    """:func:`to_record` without the content hash (for a reader that never uses it)."""
    # A wrapper's member beside its record lists is walked, whatever the data's schema.
    member = type(data) is not dict and isinstance(data, WrapperMember)
    skipped: dict[str, SkipReason] = {}
    declared: dict[str, str] = {}
    # The commonest text and chat records (``{"id", "text"}``; messages of role and content
    # alone): read without detection, schema and walk, which they would go through to the same
    # turns and strings (``plain``).
    chat, schema = None, _TEXT
    if type(data) is dict and options.auto:
        chat = plain_text(data)
        if chat is None:
            chat, schema = plain_chat(data), _OPENAI
    raw: list[tuple[RawTurn, RoleKind]]
    claimed: set[str]
    found: list[tuple[str, str]] | list[tuple[str, str | None]]
    if chat is not None:
        raw = [(t, role_kind(t.role)) for t in chat.turns]
        claimed = chat.claimed
        found = chat.rest
        flat = True  # no model field below the top level: messages hold a role and a content
    else:
        data = _decoded(data)
        # Most records hold no object or list: detected by their shape, walked without a stack.
        flat = _SCALARS.issuperset(map(type, data.values())) or not any(
            isinstance(v, (dict, list, tuple)) for v in data.values()
        )
        schema = _GENERIC if member else options.resolve() or (_detect_flat(data) if flat else _detect(data))
        try:
            parts = schema.turns(data)
        except SchemaError as exc:
            return RecordError(
                location.path,
                ErrorKind.SCHEMA,
                f"{schema.name}: {exc}",
                line=location.line,
                index=location.index,
                field=exc.field,
            )
        raw = []
        claimed = set()
        for part in parts:
            if isinstance(part, Skipped):
                skipped[part.field] = part.reason
            else:
                raw.append((part, role_kind(part.role)))
                claimed.update(part.paths())
        found = flat_leaves(data) if flat else leaves(data)
    # Strings outside the schema (extra columns, metadata, parts it does not know) are read
    # too: copied text hides anywhere. Forced --text-field reads only that field.
    # A wrapper's member is metadata beside the records: its strings are extra fields (kind
    # `field`: not indexed by `index add`'s default roles, not taken for a model's answer).
    generic = schema is _GENERIC and not member
    text_field, id_field = options.text_field, options.id_field
    for path, text in found:
        if path in claimed or path in skipped:
            continue
        if text is None:
            skipped[path] = SkipReason.LIMIT
        elif text_field:
            skipped[path] = SkipReason.NOT_SELECTED
            name = last_key(path).lower()
            if name in _DECLARING_KEYS and _declares(name, classify(name, text)):
                declared[path] = text.strip()  # not read as text, still what the record says
        elif path == id_field and not is_prose(text):
            # `--id-field notes` made a copy in `notes` an "id", never read.
            skipped[path] = SkipReason.ID
        else:
            key = last_key(path)
            reason = classify(key, text)
            if reason in _ONE_WORD and (plain := decoded_text(text)) is not None:
                # Base64 of text: read as that text, at the field named with the decoding (in
                # an id-named field too: one ASCII word there was an id, adversarial pass 12).
                kind = role_kind(key) if generic else RoleKind.FIELD
                raw.append((RawTurn(key, path + ENCODED_SUFFIX, plain, parts=(path,)), kind))
            elif reason in _ONE_WORD and (word := decoded_word(text)) is not None:
                # Hexadecimal digits of text: one ASCII word, taken for an id or a digest.
                kind = role_kind(key) if generic else RoleKind.FIELD
                raw.append((RawTurn(key, path + word[1], word[0], parts=(path,)), kind))
            elif reason is SkipReason.ID and may_be_json(text) and (plain := json_text(text)) is not None:
                # JSON text of escapes is one ASCII word: in an id-named field it was an id.
                kind = role_kind(key) if generic else RoleKind.FIELD
                raw.append((RawTurn(key, path + JSON_SUFFIX, plain, parts=(path,)), kind))
            elif reason is SkipReason.URL and (carried := decoded_uri(text)) is not None:
                # A data: URI carrying text: read as that text, the decoding named.
                kind = role_kind(key) if generic else RoleKind.FIELD
                raw.append((RawTurn(key, path + carried[1], carried[0], parts=(path,)), kind))
            elif reason is not None:
                skipped[path] = reason
                if (name := key.lower()) in _DECLARING_KEYS and _declares(name, reason):
                    declared[path] = text.strip()  # the record's own licence or model
            else:
                raw.append((RawTurn(key, path, text), role_kind(key) if generic else RoleKind.FIELD))
    for key in () if GENERATOR_KEYS.isdisjoint(data) else GENERATOR_KEYS.intersection(data):
        # A model named by a number or an object.
        if (named := _named(data[key])) is not None:
            skipped.setdefault(key, SkipReason.NUMBER if named[1] else SkipReason.LABEL)
            declared[key] = named[0]
    if not flat:  # the same below the top level (``{"completions": [{"model": {"name": ...}}]}``)
        for path, value in _nested_models(data, "", 0):
            if (named := _named(value)) is not None:
                skipped.setdefault(path, SkipReason.NUMBER if named[1] else SkipReason.LABEL)
                declared[path] = named[0]
    turns: list[Turn] = []
    pieces: list[Piece] = []
    for t, kind in raw:
        decoded = t.field.endswith(_DECODINGS)
        spaced = " " in t.text
        if (
            not decoded
            and (not spaced or may_be_spaced(t.text))
            and (plain := decoded_text(t.text)) is not None
        ):
            # A schema's turn (or a wrapped body read as prose) that is base64 of text.
            t = RawTurn(t.role, t.field + ENCODED_SUFFIX, plain, parts=t.paths())
        elif not decoded and not spaced and (word := decoded_word(t.text)) is not None:
            # Or hexadecimal digits or percent-encoding of text (one word, as base64 is; a text
            # holding a space is neither).
            t = RawTurn(t.role, t.field + word[1], word[0], parts=t.paths())
        if (
            "\\" in t.text  # what ``may_be_json`` looks for first, without a call
            and not t.field.endswith(JSON_SUFFIX)
            and may_be_json(t.text)
            and (plain := json_text(t.text)) is not None
        ):
            # JSON text whose characters are \u escapes (a chat serialised with ensure_ascii), or
            # base64 of it: a decoded text that is JSON text was read with its escapes.
            t = RawTurn(t.role, t.field + JSON_SUFFIX, plain, parts=t.paths())
        text = t.text if t.text.isascii() else _clean(t.text)  # ``_clean`` keeps ASCII as it is
        if not text or text.isspace():  # ``not text.strip()`` without copying the text
            skipped.update(dict.fromkeys(t.paths(), SkipReason.EMPTY))
            continue
        pieces.append((t.role, kind, t.field, text))
    # A text kept as a list of short pieces is read as the one text it is (``runs``).
    for role, kind, field, text in joined(pieces):
        turns.append(_make_turn(role, kind, len(turns), field, text))
    if not turns and not member:
        keys = ", ".join(sorted(map(str, data))[:20]) or "none"
        return RecordError(
            location.path,
            ErrorKind.SCHEMA,
            f"no text found ({schema.name}); the record has fields: {keys}; {_HINT}",
            line=location.line,
            index=location.index,
        )
    return _make_turns(
        location,
        _record_id(data, options.id_field),
        schema.name,
        tuple(turns),
        tuple([_make_skipped(path, reason, declared.get(path)) for path, reason in skipped.items()]),
    )


def limit_errors(records: Iterable[Record | RecordTurns]) -> list[RecordError]:
    """A located error for every part of a record nested past the walker's limit (its strings
    were not read: the scan is incomplete, and says where)."""
    return [
        RecordError(
            rec.location.path,
            ErrorKind.LIMIT,
            f"nested deeper than {MAX_DEPTH} levels: the strings in this part were not read",
            line=rec.location.line,
            index=rec.location.index,
            field=skip.field,
        )
        for rec in records
        for skip in rec.skipped
        if skip.reason is SkipReason.LIMIT
    ]
