"""Chat schemas: ShareGPT (``conversations`` of ``from``/``value``) and chat ``messages``
(OpenAI, DeepSeek and Anthropic Messages: see ``messages``)."""

from __future__ import annotations

from typing import Any

from provcheck.inputs.schemas.base import TOOL_CALL_ROLES, TOOL_ROLES, Part, RawTurn, SchemaError, maybe_json
from provcheck.inputs.schemas.messages import call_parts, content_parts, message_parts

SHAREGPT_KEYS = ("conversations", "conversation", "messages", "items")
MESSAGE_KEYS = ("messages", "conversations", "conversation")


def _turn_list(data: dict[str, Any], keys: tuple[str, ...], role_key: str) -> tuple[str, list[Any]] | None:
    for key in keys:
        value = data.get(key)
        if value is None:  # most records have none of the keys: no call per key
            continue
        value = maybe_json(value)
        if isinstance(value, list) and value and isinstance(value[0], dict) and role_key in value[0]:
            return key, value
    return None


class ShareGPT:
    """ShareGPT: ``{"conversations": [{"from": "human", "value": "..."}, ...]}``.

    A tool call's or a tool's value (``from: function_call`` / ``observation``, as in
    Glaive/LLaMA-Factory data) is read as the strings of its JSON, so text in it is matched as
    written, not as JSON escapes.
    """

    name = "sharegpt"

    def matches(self, data: dict[str, Any]) -> bool:
        """Has a list of ``from``/``value`` turns."""
        return _turn_list(data, SHAREGPT_KEYS, "from") is not None

    def turns(self, data: dict[str, Any]) -> list[Part]:
        """One turn per conversation entry."""
        found = _turn_list(data, SHAREGPT_KEYS, "from")
        if found is None:
            raise SchemaError("expected 'conversations': a list of {from, value} turns", "conversations")
        key, items = found
        out: list[Part] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise SchemaError(f"turn {i} is a {type(item).__name__}, expected an object", f"{key}[{i}]")
            if "value" not in item:
                raise SchemaError(f"turn {i} has no 'value'", f"{key}[{i}]")
            role = str(item.get("from", ""))
            if role.strip().lower() in TOOL_CALL_ROLES | TOOL_ROLES:
                out.extend(call_parts(item["value"], f"{key}[{i}].value", role))
            else:
                out.extend(content_parts(item["value"], f"{key}[{i}].value", role))
        return out


class OpenAIMessages:
    """Chat messages: ``{"messages": [{"role": "user", "content": "..."}, ...]}``, with content
    parts or blocks, reasoning and tool calls; a top-level ``system`` (Anthropic) too."""

    name = "openai"

    def matches(self, data: dict[str, Any]) -> bool:
        """Has a list of ``role``/``content`` messages."""
        return _turn_list(data, MESSAGE_KEYS, "role") is not None

    def turns(self, data: dict[str, Any]) -> list[Part]:
        """The turns of every message, in order."""
        found = _turn_list(data, MESSAGE_KEYS, "role")
        if found is None:
            raise SchemaError("expected 'messages': a list of {role, content}", "messages")
        key, items = found
        out: list[Part] = content_parts(data.get("system"), "system", "system")
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise SchemaError(
                    f"message {i} is a {type(item).__name__}, expected an object", f"{key}[{i}]"
                )
            out.extend(message_parts(item, f"{key}[{i}]", str(item.get("role", ""))))
        return out


PAIRED_KEYS = ("conversation_a", "conversation_b")


class PairedConversations:
    """Two conversations side by side, each a list of ``role``/``content`` messages: Chatbot
    Arena's ``{"model_a": ..., "model_b": ..., "conversation_a": [...], "conversation_b":
    [...]}``. Read with their roles, so an answer is known as model output (the names in
    ``model_a``/``model_b`` then declare who wrote the text the record holds: ``scan/fields.py``);
    the generic walk read them as text of no speaker."""

    name = "paired-conversations"

    def matches(self, data: dict[str, Any]) -> bool:
        """Has ``conversation_a`` or ``conversation_b`` as a list of role/content messages."""
        return any(is_messages(maybe_json(data.get(key))) for key in PAIRED_KEYS if key in data)

    def turns(self, data: dict[str, Any]) -> list[Part]:
        """The turns of ``conversation_a``, then those of ``conversation_b``."""
        if not any(key in data for key in PAIRED_KEYS):
            raise SchemaError(
                "expected 'conversation_a' and 'conversation_b': lists of {role, content}", PAIRED_KEYS[0]
            )
        out: list[Part] = []
        for key in PAIRED_KEYS:
            value = maybe_json(data.get(key))
            if value is None:
                continue
            if not isinstance(value, list):
                raise SchemaError(f"'{key}' is a {type(value).__name__}, expected a list of messages", key)
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    raise SchemaError(
                        f"message {i} is a {type(item).__name__}, expected an object", f"{key}[{i}]"
                    )
                out.extend(message_parts(item, f"{key}[{i}]", str(item.get("role", ""))))
        return out


def is_messages(value: Any) -> bool:
    """A non-empty list of message objects with roles."""
    return isinstance(value, list) and bool(value) and isinstance(value[0], dict) and "role" in value[0]


def messages_parts(value: list[Any], key: str) -> list[Part]:
    """The turns of a list of messages stored under ``key`` (DPO ``chosen``/``rejected``)."""
    out: list[Part] = []
    for i, msg in enumerate(value):
        if isinstance(msg, dict):
            out.extend(message_parts(msg, f"{key}[{i}]", str(msg.get("role", key))))
    return out


__all__ = ["OpenAIMessages", "PairedConversations", "RawTurn", "ShareGPT", "is_messages", "messages_parts"]
