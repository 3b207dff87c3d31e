"""One chat message, whoever published its format: every part that carries the model's or the
user's words becomes a turn.

- OpenAI chat: ``content`` as a string or a list of parts (``text``, ``input_text``,
  ``output_text``), ``tool_calls[].function.arguments`` (a JSON string, decoded), the legacy
  ``function_call``; DeepSeek's ``reasoning_content`` (and ``reasoning``/``thinking`` strings).
- Anthropic Messages: content blocks ``text``, ``thinking``, ``redacted_thinking`` (encrypted:
  counted as not read), ``tool_use`` (its ``input``) and ``tool_result`` (its ``content``).

Anything else in a message (ids, names, images, unknown block types) is left to the generic
walker, which reads it or counts it as skipped with a reason.
"""

from __future__ import annotations

import json
from typing import Any

from provcheck.inputs.base import keep_repeated_keys
from provcheck.inputs.schemas.base import TOOL_ROLES, Part, RawTurn
from provcheck.inputs.schemas.walk import depth_of, leaves
from provcheck.model import Skipped, SkipReason

REASONING_KEYS = ("reasoning_content", "reasoning", "thinking")
"""Message fields holding a model's reasoning as a string (DeepSeek, OpenRouter, others)."""
_TEXT_BLOCKS = frozenset({"text", "input_text", "output_text"})


def message_parts(msg: dict[str, Any], path: str, role: str, content_key: str = "content") -> list[Part]:
    """The turns of one message at ``path``: reasoning first, then its content, then tool calls
    (the order a model produces them)."""
    out: list[Part] = []
    for key in REASONING_KEYS:
        value = msg.get(key)
        if isinstance(value, str):
            out.append(RawTurn(key, f"{path}.{key}", value))
    content = msg.get(content_key)
    if isinstance(content, str) and role.strip().lower() in TOOL_ROLES:
        out.extend(call_parts(content, f"{path}.{content_key}", role))  # tool output is often JSON
    else:
        out.extend(content_parts(content, f"{path}.{content_key}", role))
    calls = msg.get("tool_calls")
    if isinstance(calls, list):
        for k, call in enumerate(calls):
            if isinstance(call, dict):
                function = call.get("function")
                if isinstance(function, dict) and "arguments" in function:
                    where = f"{path}.tool_calls[{k}].function.arguments"
                    out.extend(call_parts(function["arguments"], where))
    legacy = msg.get("function_call")
    if isinstance(legacy, dict) and "arguments" in legacy:
        out.extend(call_parts(legacy["arguments"], f"{path}.function_call.arguments"))
    return out


def content_parts(value: Any, path: str, role: str) -> list[Part]:
    """A content value: a string, or a list of parts/blocks whose text parts make one turn."""
    if isinstance(value, str):
        return [RawTurn(role, path, value)]
    if not isinstance(value, list):
        return []
    texts: list[tuple[str, str]] = []
    out: list[Part] = []
    for j, block in enumerate(value):
        here = f"{path}[{j}]"
        if isinstance(block, str):
            texts.append((here, block))
        elif isinstance(block, dict):
            kind = block.get("type")
            if kind == "thinking" and isinstance(block.get("thinking"), str):
                out.append(RawTurn("thinking", f"{here}.thinking", block["thinking"]))
            elif kind == "redacted_thinking" and isinstance(block.get("data"), str):
                # Encrypted by the provider: no words to match, but counted as not read. Data
                # with spaces is not what the provider writes: read it, as reasoning.
                data = block["data"]
                if any(c.isspace() for c in data.strip()):
                    out.append(RawTurn("redacted_thinking", f"{here}.data", data))
                else:
                    out.append(Skipped(f"{here}.data", SkipReason.ENCODED))
            elif kind == "tool_use" and "input" in block:
                out.extend(call_parts(block["input"], f"{here}.input", "tool_use"))
            elif kind == "tool_result":
                out.extend(content_parts(block.get("content"), f"{here}.content", "tool_result"))
            elif isinstance(block.get("text"), str) and (kind is None or kind in _TEXT_BLOCKS):
                texts.append((f"{here}.text", block["text"]))
    if texts:
        # Text parts are one turn, as a reader sees them (and as earlier versions hashed them).
        turn = RawTurn(role, path, "\n".join(t for _, t in texts), tuple(p for p, _ in texts))
        out.insert(0, turn)
    return out


def call_parts(arguments: Any, path: str, role: str = "tool_call") -> list[Part]:
    """A tool call's arguments (or a tool's output) as one turn: the strings of the
    JSON-encoded value joined, so a text placed in them is matched as written, not as JSON
    escapes; a value that is not JSON is read as it is."""
    if isinstance(arguments, str):
        decoded: Any = None
        if arguments.lstrip()[:1] in ("{", "["):
            try:
                decoded = json.loads(arguments, object_pairs_hook=keep_repeated_keys)
            except ValueError:
                decoded = None
        strings = [s for _, s in leaves(decoded)] if decoded is not None else []
        # Arguments with no strings, or nested past the limit, are read as written.
        whole = not strings or any(s is None for s in strings)
        return [RawTurn(role, path, arguments if whole else "\n".join(s for s in strings if s))]
    if isinstance(arguments, (dict, list)):
        found = [(p, s) for p, s in leaves(arguments, path, depth_of(path))]
        read = [(p, s) for p, s in found if s is not None]
        if read:
            return [RawTurn(role, path, "\n".join(s for _, s in read), tuple(p for p, _ in read))]
    return []
