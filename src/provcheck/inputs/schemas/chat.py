"""Chat schemas: ShareGPT (``conversations`` of ``from``/``value``) and OpenAI ``messages``."""

from __future__ import annotations

from typing import Any

from provcheck.inputs.schemas.base import RawTurn, SchemaError, maybe_json, text_of

_SHAREGPT_KEYS = ("conversations", "conversation", "messages", "items")


def _turn_list(data: dict[str, Any], keys: tuple[str, ...], role_key: str) -> tuple[str, list[Any]] | None:
    for key in keys:
        value = maybe_json(data.get(key))
        if isinstance(value, list) and value and isinstance(value[0], dict) and role_key in value[0]:
            return key, value
    return None


class ShareGPT:
    """ShareGPT: ``{"conversations": [{"from": "human", "value": "..."}, ...]}``."""

    name = "sharegpt"

    def keys(self, data: dict[str, Any]) -> set[str]:
        """The conversation list."""
        found = _turn_list(data, _SHAREGPT_KEYS, "from")
        return {found[0]} if found else set()

    def matches(self, data: dict[str, Any]) -> bool:
        """Has a list of ``from``/``value`` turns."""
        return _turn_list(data, _SHAREGPT_KEYS, "from") is not None

    def turns(self, data: dict[str, Any]) -> list[RawTurn]:
        """One turn per conversation entry."""
        found = _turn_list(data, _SHAREGPT_KEYS, "from")
        if found is None:
            raise SchemaError("expected 'conversations': a list of {from, value} turns", "conversations")
        key, items = found
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise SchemaError(f"turn {i} is a {type(item).__name__}, expected an object", f"{key}[{i}]")
            text = text_of(item.get("value"))
            if text is None:
                if "value" not in item:
                    raise SchemaError(f"turn {i} has no 'value'", f"{key}[{i}]")
                continue
            out.append(RawTurn(str(item.get("from", "")), f"{key}[{i}].value", text, i))
        return out


class OpenAIMessages:
    """OpenAI chat: ``{"messages": [{"role": "user", "content": "..."}, ...]}``."""

    name = "openai"

    def keys(self, data: dict[str, Any]) -> set[str]:
        """The message list, and tool definitions (not prose)."""
        found = _turn_list(data, ("messages", "conversations", "conversation"), "role")
        return ({found[0]} if found else set()) | {"tools", "functions"}

    def matches(self, data: dict[str, Any]) -> bool:
        """Has a list of ``role``/``content`` messages."""
        return _turn_list(data, ("messages", "conversations", "conversation"), "role") is not None

    def turns(self, data: dict[str, Any]) -> list[RawTurn]:
        """One turn per message with text content."""
        found = _turn_list(data, ("messages", "conversations", "conversation"), "role")
        if found is None:
            raise SchemaError("expected 'messages': a list of {role, content}", "messages")
        key, items = found
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise SchemaError(
                    f"message {i} is a {type(item).__name__}, expected an object", f"{key}[{i}]"
                )
            text = text_of(item.get("content"))
            if text is None:
                continue  # tool calls and empty assistant messages carry no prose
            out.append(RawTurn(str(item.get("role", "")), f"{key}[{i}].content", text, i))
        return out
