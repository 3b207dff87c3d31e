"""What a record schema does: recognise a record and list its text-carrying turns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from provcheck.model import RoleKind

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
USER_ROLES = frozenset({"human", "user", "prompter", "instruction", "input", "prompt", "question", "query"})
SYSTEM_ROLES = frozenset({"system", "developer"})
TOOL_ROLES = frozenset({"tool", "function", "function_call", "observation", "ipython", "tool_call"})


def role_kind(role: str) -> RoleKind:
    """The kind of a role name, whatever schema spells it."""
    name = role.strip().lower()
    if name in ASSISTANT_ROLES:
        return RoleKind.ASSISTANT
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
    position: int | None = None
    """Position in the record's own list of turns, when the schema has one."""


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

    def turns(self, data: dict[str, Any]) -> list[RawTurn]:
        """The record's turns; raises ``SchemaError`` when the shape is broken."""
        ...

    def keys(self, data: dict[str, Any]) -> set[str]:
        """Top-level keys the schema reads (the rest are scanned as extra fields)."""
        ...


def maybe_json(value: Any) -> Any:
    """A JSON-encoded list or object (as CSV cells hold them) decoded; anything else as is."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def text_of(value: Any) -> str | None:
    """The text of a content value: a string, or OpenAI-style content parts joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [p.get("text") for p in value if isinstance(p, dict)]
        texts = [p for p in parts if isinstance(p, str)]
        if texts:
            return "\n".join(texts)
    return None
