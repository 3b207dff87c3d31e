"""Streamed responses saved one chunk per record, joined into one record per response.

A chat completion streamed by the API arrives as chunks of a few tokens each; saved one per
line (a common way of logging model output), every chunk is a record far below the matching
floor (``MatchConfig.min_tokens``), so a copy of a whole response matched nothing. Records of
the documented chunk shapes are joined, per file, into the response they are parts of:

- OpenAI Chat Completions chunks (``"object": "chat.completion.chunk"``): chunks with the same
  ``id``, per choice ``index``, in the order they appear; a response ends when every choice has
  its ``finish_reason`` (or at the end of the file).
- Anthropic Messages stream events (``message_start``, ``content_block_start``,
  ``content_block_delta``, ``content_block_stop``, ``message_delta``, ``message_stop``,
  ``ping``): consecutive events, from ``message_start`` (or the first of them) to
  ``message_stop`` (or the first record that is not one of them), text of each content block
  joined.

Only records whose every field is one the documented shape has are joined: a chunk carrying
anything else (tool-call arguments, log probabilities, an unknown field) is left a record of
its own, read as before, so that joining never drops text. The joined record stands at its
first chunk's position (``index``, ``line``) with the last chunk's line as ``end_line``; its
content hash (what finding ids and waivers key on) is that of the joined text, so it does not
depend on where the chunks lie or what else the file holds. A response of one chunk is left
as it was read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from provcheck.inputs.base import RawRecord
from provcheck.inputs.jsonl import UnparsedLine

OPENAI_CHUNK = "chat.completion.chunk"
ANTHROPIC_EVENTS = frozenset(
    {
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
    }
)
_OPENAI_KEYS = frozenset(
    {
        "id",
        "object",
        "created",
        "model",
        "system_fingerprint",
        "service_tier",
        "choices",
    }
)
"""Top-level fields of a documented chunk kept in the joined record."""
_LABEL_KEYS = frozenset({"usage", "obfuscation", "prompt_filter_results"})
"""Fields a chunk may have that the joined record leaves out, when they hold no text (token
counts, ``obfuscation`` padding, Azure OpenAI's content filter verdicts): see ``_labels``."""
_CHOICE_KEYS = frozenset({"index", "delta", "finish_reason", "logprobs", "content_filter_results"})
_TEXT_KEYS = ("content", "reasoning_content", "reasoning")
"""Text a choice's delta streams: the answer, and the reasoning of DeepSeek-R1 and of the
servers that follow it (vLLM, OpenRouter)."""
_DELTA_KEYS = frozenset({"role", "refusal", *_TEXT_KEYS})


_MAY_BE_CHUNK = re.compile(rb'"(?:chat\.completion\.chunk|content_block_|message_|ping")').search
"""Finds a chunk type's name in a line: only such lines are parsed here; other lines are left to
the workers unparsed. One search costs half as much as four substring searches (callgrind,
the lines of alpaca-libre's tasks, 2026-12-06)."""


_NEEDLES = (b"chat.completion.chunk", b'"content_block_')
"""What every stream with text to join holds: an OpenAI chunk's type, an Anthropic event with a
content block (a stream without one has no text to join)."""


def may_hold_chunks(fs_path: str, block: int = 1 << 20) -> bool:
    """True when the file at ``fs_path`` (read as stored: a plain file) may hold chunks of a
    streamed response: ``index add`` with workers reads such a file in one process, where
    chunks are joined, rather than in byte ranges each worker reads (a response would be cut
    between ranges). A byte search into one reused buffer."""
    keep = max(len(n) for n in _NEEDLES) - 1
    buffer = bytearray(block)
    tail = b""
    try:
        with open(fs_path, "rb", buffering=0) as fh:
            while n := fh.readinto(buffer):
                if any(buffer.find(needle, 0, n) >= 0 for needle in _NEEDLES):
                    return True
                seam = tail + bytes(buffer[: min(n, keep)])  # a name across two reads
                if any(needle in seam for needle in _NEEDLES):
                    return True
                tail = bytes(buffer[max(0, n - keep) : n])
    except OSError:
        return True  # read the ordinary way, whose error is located
    return False


MAX_OPEN = 256
"""OpenAI responses kept open at once (interleaved streams); past it the oldest is emitted."""


@dataclass(slots=True)
class StreamCount:
    """Chunks joined and the responses they made, over the files read."""

    chunks: int = 0
    responses: int = 0


@dataclass(slots=True)
class _Group:
    """The chunks of one response read so far."""

    index: int
    line: int | None
    end_line: int | None
    head: dict[str, Any]
    """Fields the joined record keeps (the first chunk's, without its text)."""
    parts: dict[int, list[str]] = field(default_factory=dict)
    """Text per content block index (Anthropic)."""
    texts: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    """Text per choice index and delta field (OpenAI)."""
    roles: dict[int, str] = field(default_factory=dict)
    kinds: dict[int, str] = field(default_factory=dict)
    """Anthropic block kind per index: ``text`` or ``thinking``."""
    finished: set[int] = field(default_factory=set)
    chunks: list[Any] = field(default_factory=list)
    """The items joined (a response of one chunk is given back as it was read)."""
    size: int = 0

    def add(self, item: Any, line: int | None) -> None:
        self.chunks.append(item)
        if line is not None:
            self.end_line = line


def _str_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _labels(value: Any, depth: int = 0) -> bool:
    """True when ``value`` holds no text: numbers, booleans, null, and strings of one short word
    (``"safe"``, padding), in lists and objects nested at most 4 deep."""
    if isinstance(value, str):
        return len(value) <= 64 and not any(c.isspace() for c in value)
    if isinstance(value, dict):
        return depth < 4 and all(_labels(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return depth < 4 and all(_labels(v, depth + 1) for v in value)
    return value is None or isinstance(value, (int, float, bool))


def openai_chunk(data: dict[str, Any]) -> bool:
    """True for an OpenAI chat completion chunk of the documented shape holding no field the
    joined record would lose."""
    if data.get("object") != OPENAI_CHUNK or not isinstance(data.get("id"), str):
        return False
    if not isinstance(data.get("choices"), list):
        return False
    if not all(k in _OPENAI_KEYS or (k in _LABEL_KEYS and _labels(v)) for k, v in data.items()):
        return False
    for choice in data["choices"]:
        if not isinstance(choice, dict) or not choice.keys() <= _CHOICE_KEYS:
            return False
        if not _labels(choice.get("content_filter_results")):
            return False
        if type(choice.get("index")) is not int or choice.get("logprobs") is not None:
            return False
        delta = choice.get("delta")
        if not isinstance(delta, dict) or not delta.keys() <= _DELTA_KEYS:
            return False
        if not all(_str_or_none(delta.get(k)) for k in _DELTA_KEYS) or delta.get("refusal"):
            return False
        if not _str_or_none(choice.get("finish_reason")):
            return False
    return True


def anthropic_event(data: dict[str, Any]) -> bool:
    """True for an Anthropic Messages stream event of the documented shape whose text, if any,
    is a text or thinking delta (a ``message_start`` whose message holds no content yet)."""
    kind = data.get("type")
    if kind not in ANTHROPIC_EVENTS:
        return False
    if kind == "content_block_delta":
        delta = data.get("delta")
        if type(data.get("index")) is not int or not isinstance(delta, dict) or len(data) != 3:
            return False
        if delta.get("type") == "text_delta":
            return delta.keys() == {"type", "text"} and isinstance(delta["text"], str)
        if delta.get("type") == "thinking_delta":
            return delta.keys() == {"type", "thinking"} and isinstance(delta["thinking"], str)
        return delta.get("type") == "signature_delta" and delta.keys() == {"type", "signature"}
    if kind == "content_block_start":
        block = data.get("content_block")
        if type(data.get("index")) is not int or not isinstance(block, dict) or len(data) != 3:
            return False
        if block.get("type") == "text":
            return (
                block.keys() <= {"type", "text", "citations"}
                and block.get("text") == ""
                and not block.get("citations")
            )
        return (
            block.get("type") == "thinking"
            and block.keys() <= {"type", "thinking", "signature"}
            and block.get("thinking") == ""
        )
    if kind == "message_start":
        message = data.get("message")
        return isinstance(message, dict) and message.get("content") == [] and len(data) == 2
    if kind == "message_delta":
        delta = data.get("delta")
        return (
            isinstance(delta, dict)
            and data.keys() <= {"type", "delta", "usage"}
            and all(k in ("stop_reason", "stop_sequence") for k in delta)
        )
    return kind in ("content_block_stop", "message_stop", "ping") and data.keys() <= {"type", "index"}


def join_streams(path: str, items: Iterator[Any], count: StreamCount, max_chars: int) -> Iterator[Any]:
    """``items`` (raw records, unparsed lines, errors) with the chunks of each streamed response
    joined into one ``RawRecord`` (see the module's docstring); ``count`` is added to.
    ``max_chars`` bounds a joined record's text: a longer response is given as several."""
    open_ai: dict[str, _Group] = {}
    done: dict[str, None] = {}
    """Responses emitted lately (in order), whose trailing usage chunk is not a response."""
    claude: _Group | None = None

    def emit(group: _Group, anthropic: bool) -> Iterator[Any]:
        if len(group.chunks) == 1:
            yield group.chunks[0]
            return
        count.chunks += len(group.chunks)
        count.responses += 1
        yield RawRecord(
            group.index, group.line, _anthropic(group) if anthropic else _openai(group), group.end_line
        )

    for item in items:
        if type(item) is UnparsedLine and claude is None and _MAY_BE_CHUNK(item.payload) is None:
            yield item  # the most common case, first and inlined
            continue
        data, line, index = _chunk_data(path, item)
        if data is None:
            if claude is not None:
                yield from emit(claude, True)
                claude = None
            yield item
            continue
        if data.get("object") == OPENAI_CHUNK:
            if not openai_chunk(data):
                yield item
                continue
            key = data["id"]
            group = open_ai.get(key)
            texts = any(c["delta"].get(k) for c in data["choices"] for k in _TEXT_KEYS)
            if group is None and key in done and not texts:
                count.chunks += 1  # the usage chunk after the last (``include_usage``): no text
                continue
            if group is None:
                if len(open_ai) >= MAX_OPEN:
                    yield from emit(open_ai.pop(next(iter(open_ai))), False)
                head = {k: v for k, v in data.items() if k in _OPENAI_KEYS and k != "choices"}
                group = open_ai[key] = _Group(index, line, None, head)
            group.add(item, line)
            for choice in data["choices"]:
                i, delta = choice["index"], choice["delta"]
                if isinstance(delta.get("role"), str):
                    group.roles.setdefault(i, delta["role"])
                for name in _TEXT_KEYS:
                    if delta.get(name):
                        group.texts.setdefault((i, name), []).append(delta[name])
                        group.size += len(delta[name])
                if choice.get("finish_reason") is not None:
                    group.finished.add(i)
            choices = {c["index"] for c in data["choices"]} | {i for i, _ in group.texts} | set(group.roles)
            if (group.finished and group.finished >= choices) or group.size > max_chars:
                yield from emit(open_ai.pop(key), False)
                done[key] = None
                if len(done) > MAX_OPEN:
                    del done[next(iter(done))]
            continue
        if not anthropic_event(data):
            if claude is not None:
                yield from emit(claude, True)
                claude = None
            yield item
            continue
        if data["type"] == "message_start" and claude is not None:
            yield from emit(claude, True)
            claude = None
        if claude is None:
            message = data.get("message") if data["type"] == "message_start" else None
            head = {"type": "message", "role": "assistant"}
            if isinstance(message, dict):
                head.update({k: message[k] for k in ("id", "model") if isinstance(message.get(k), str)})
            claude = _Group(index, line, None, head)
        claude.add(item, line)
        if data["type"] == "content_block_delta":
            i, delta = data["index"], data["delta"]
            text = delta.get("text", delta.get("thinking"))
            if isinstance(text, str) and delta["type"] != "signature_delta":
                claude.kinds.setdefault(i, "thinking" if delta["type"] == "thinking_delta" else "text")
                claude.parts.setdefault(i, []).append(text)
                claude.size += len(text)
        elif data["type"] == "content_block_start":
            claude.kinds.setdefault(data["index"], data["content_block"]["type"])
        if data["type"] == "message_stop" or claude.size > max_chars:
            yield from emit(claude, True)
            claude = None
    if claude is not None:
        yield from emit(claude, True)
    for group in open_ai.values():
        yield from emit(group, False)


def _chunk_data(path: str, item: Any) -> tuple[dict[str, Any] | None, int | None, int]:
    """The fields of ``item`` when it may be a chunk (parsed here only then), its line and
    position; ``(None, ...)`` for any other item."""
    if isinstance(item, UnparsedLine):
        if _MAY_BE_CHUNK(item.payload) is None:
            return None, None, 0
        parsed = item.parse(path)
        if not isinstance(parsed, RawRecord) or type(parsed.data) is not dict:
            return None, None, 0
        return parsed.data, item.line, item.index
    if isinstance(item, RawRecord) and type(item.data) is dict and item.end_line is None:
        data = item.data
        if data.get("object") == OPENAI_CHUNK or data.get("type") in ANTHROPIC_EVENTS:
            return data, item.line, item.index
    return None, None, 0


def _openai(group: _Group) -> dict[str, Any]:
    choices = []
    for i in sorted({i for i, _ in group.texts} | set(group.roles)):
        delta: dict[str, Any] = {"role": group.roles.get(i, "assistant")}
        for key in _TEXT_KEYS:  # reasoning first, as the model gave it
            if (i, key) in group.texts and key != "content":
                delta[key] = "".join(group.texts[(i, key)])
        delta["content"] = "".join(group.texts.get((i, "content"), []))
        choices.append({"index": i, "delta": delta})
    return {**group.head, "choices": choices}


def _anthropic(group: _Group) -> dict[str, Any]:
    content = []
    for i in sorted(group.parts):
        kind = group.kinds.get(i, "text")
        content.append({"type": kind, kind: "".join(group.parts[i])})
    return {**group.head, "content": content}
