"""What a record schema does: recognise a record and list its text-carrying turns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from provcheck.inputs.base import keep_repeated_keys
from provcheck.model import RoleKind, Skipped

ASSISTANT_ROLES = frozenset(
    {
        "gpt",
        "chatgpt",
        "assistant",
        "model",
        "bot",
        "ai",
        "bard",
        "bing",
        "claude",
        "gpt-4",
        "gpt4",
        "output",
        "response",
        "completion",
        "answer",
        "chosen",
        "rejected",
    }
)
REASONING_ROLES = frozenset({"reasoning", "reasoning_content", "thinking", "redacted_thinking", "think"})
TOOL_CALL_ROLES = frozenset({"tool_call", "tool_calls", "function_call", "tool_use"})
USER_ROLES = frozenset({"human", "user", "prompter", "instruction", "input", "prompt", "question", "query"})
SYSTEM_ROLES = frozenset({"system", "developer"})
TOOL_ROLES = frozenset({"tool", "function", "observation", "ipython", "tool_result", "function_response"})


_KINDS: dict[str, RoleKind] = {}
"""``role_kind`` of the role names seen (a few per dataset; bounded: names come from data)."""
_MAX_KINDS = 4096


def role_kind(role: str) -> RoleKind:
    """The kind of a role name, whatever schema spells it."""
    found = _KINDS.get(role)
    if found is None:
        found = _role_kind(role)
        if len(_KINDS) < _MAX_KINDS:
            _KINDS[role] = found
    return found


def _role_kind(role: str) -> RoleKind:
    name = role.strip().lower()
    if name in ASSISTANT_ROLES:
        return RoleKind.ASSISTANT
    if name in REASONING_ROLES:
        return RoleKind.REASONING
    if name in TOOL_CALL_ROLES:
        return RoleKind.TOOL_CALL
    if name in USER_ROLES:
        return RoleKind.USER
    if name in SYSTEM_ROLES:
        return RoleKind.SYSTEM
    if name in TOOL_ROLES:
        return RoleKind.TOOL
    return RoleKind.TEXT


@dataclass(frozen=True, slots=True)
class RawTurn:
    """A turn before canonicalization: role, where its text is, the text."""

    role: str
    field: str
    text: str
    parts: tuple[str, ...] = ()
    """Paths of the record's strings this turn's text is made of, when not just ``field``
    (content parts joined, a tool call's arguments): each counts as read."""

    def paths(self) -> tuple[str, ...]:
        """The record strings this turn reads."""
        return self.parts or (self.field,)


Part = RawTurn | Skipped
"""What a schema finds in a record: a turn to read, or a string it knows is not text."""


class SchemaError(Exception):
    """A record looks like a schema but breaks it; the message says what was expected."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Schema(Protocol):
    """One record schema (ShareGPT, OpenAI messages, Alpaca, ...)."""

    name: str
    """Short name used with ``--schema`` and in reports."""

    def matches(self, data: dict[str, Any]) -> bool:
        """True when ``data`` has this schema's shape."""
        ...

    def turns(self, data: dict[str, Any]) -> list[Part]:
        """The turns of the parts the schema recognises (and strings it knows are not text,
        such as encrypted reasoning); raises ``SchemaError`` when the shape is broken.

        Every string the schema does not list is read by the generic walker (``walk``).
        """
        ...


def maybe_json(value: Any) -> Any:
    """A JSON-encoded list or object (as CSV cells hold them) decoded; anything else as is."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value, object_pairs_hook=keep_repeated_keys)
        except ValueError:
            return value
    return value
