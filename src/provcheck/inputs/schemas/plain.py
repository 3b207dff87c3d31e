"""The commonest chat and text records read without detection or a walk of their nesting.

Most chat datasets hold ``{"id": ..., "messages": [{"role": "user", "content": "..."}, ...]}``
and nothing else. Detecting the schema, the schema reading the messages and the walker
listing every string of the record cost two thirds of reading one (issue 17). For a record of
exactly that shape, :func:`plain_chat` gives at once what those three give: the turns
``OpenAIMessages.turns`` lists and the strings ``walk.leaves`` finds besides them, in the same
order; any other record (another key that a schema or the decoding of JSON-encoded lists reads,
a message with another field, a non-string role or content, a tool's message, a nested value
beside the messages) is left to the general path. A property test holds the two to the same
answer (``tests/unit/test_plain_chat.py``).

:func:`plain_text` does the same for the commonest reference record, ``{"id": ..., "text":
...}`` (a ``text`` string, at most an ``id`` string or integer beside it): the ``text`` schema's
one turn and the id as the walker finds it (``tests/unit/test_plain_text.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provcheck.inputs.schemas.base import RawTurn, role_kind
from provcheck.inputs.schemas.walk import KEY_WORDS
from provcheck.model import RoleKind
from provcheck.support.slots import maker

_OTHER_LISTS = frozenset(
    {
        "conversations",
        "conversation",
        "items",
        "system",
        "history",
        "prompt",
        "completion",
        "chosen",
        "rejected",
    }
)
"""Top-level keys a chat schema reads (``system``) or detects first (ShareGPT's lists), or that
hold JSON-encoded lists decoded before detection (``schemas._DECODED``): records with any of
them take the general path."""
_SCALARS = frozenset({str, int, float, bool, type(None)})
_MESSAGE_KEYS = frozenset({"role", "content"})
_KEY_CHARS = 2 * KEY_WORDS - 1
"""As ``walk``: keys shorter than this are not split."""


@dataclass(frozen=True, slots=True)
class PlainChat:
    """What the general path finds in a plain chat record."""

    turns: list[RawTurn]
    """One turn per message, its content at ``messages[i].content`` (``OpenAIMessages.turns``)."""
    claimed: set[str]
    """The paths the turns read."""
    rest: list[tuple[str, str]]
    """Every other string of the record, by path, in document order (``walk.leaves`` without
    the messages' contents)."""


# Built by filling their slots (``support.slots``): two turns a chat record.
_make_raw = maker(RawTurn)
_make_chat = maker(PlainChat)


def plain_chat(data: dict[str, Any]) -> PlainChat | None:
    """The turns and other strings of ``data`` when it is a plain chat record, else None.

    ``data`` must be an exact ``dict`` (not a wrapper's member) read under ``--schema auto``
    with no ``--text-field``: the caller checks the options.
    """
    messages = data.get("messages")
    if type(messages) is not list or not messages:
        return None
    for message in messages:
        if type(message) is not dict or message.keys() != _MESSAGE_KEYS:
            return None
        role = message["role"]
        if type(role) is not str or type(message["content"]) is not str or role_kind(role) is RoleKind.TOOL:
            return None  # a tool's output is read as the strings of its JSON (``call_parts``)
    if not _OTHER_LISTS.isdisjoint(data):
        return None
    turns: list[RawTurn] = []
    claimed: set[str] = set()
    rest: list[tuple[str, str]] = []
    make = _make_raw
    for key, value in data.items():
        if type(key) is not str:
            return None
        if len(key) >= _KEY_CHARS and len(key.split()) >= KEY_WORDS:
            rest.append((f"{key}#key", key))
        if key == "messages":
            # A message holds exactly a role and a content (tested above): its content is a
            # turn, its role one of the other strings.
            for i, message in enumerate(messages):
                role = message["role"]
                at = f"messages[{i}].content"
                turns.append(make(role, at, message["content"], ()))
                claimed.add(at)
                rest.append((f"messages[{i}].role", role))
        elif type(value) is str:
            rest.append((key, value))
        elif type(value) not in _SCALARS:
            return None
    return _make_chat(turns, claimed, rest)


def plain_text(data: dict[str, Any]) -> PlainChat | None:
    """The turn and other strings of ``data`` when it holds a ``text`` string and nothing but
    an ``id`` (a string or an integer) beside it, else None: what the ``text`` schema (which
    detection gives such a record: no other schema reads ``text`` or ``id``) and the walker
    give. The caller's conditions are :func:`plain_chat`'s."""
    text = data.get("text")
    if type(text) is not str:
        return None
    if len(data) == 1:
        rest: list[tuple[str, str]] = []
    elif len(data) == 2 and "id" in data:
        ident = data["id"]
        if type(ident) is str:
            rest = [("id", ident)]
        elif type(ident) is int:
            rest = []  # the walker lists strings only; the record's id is read by the caller
        else:
            return None
    else:
        return None
    return PlainChat([RawTurn("text", "text", text)], {"text"}, rest)
