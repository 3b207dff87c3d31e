"""Field schemas: Alpaca-style instruction data, prompt/response pairs, a plain text field."""

from __future__ import annotations

from typing import Any

from provcheck.inputs.schemas.base import Part, RawTurn, SchemaError, maybe_json
from provcheck.inputs.schemas.chat import is_messages, messages_parts

_ALPACA_OUT = ("output", "response", "completion")
_PAIRS = (
    ("prompt", "completion"),
    ("prompt", "response"),
    ("prompt", "chosen"),
    ("question", "answer"),
    ("query", "response"),
    ("input", "output"),
)
_PAIR_EXTRA = ("chosen", "rejected")


def _str_field(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


class Alpaca:
    """Alpaca: ``instruction``, optional ``input``, and ``output`` (or ``response``).

    LLaMA-Factory's ``system`` and ``history`` ([[prompt, answer], ...]) are read too.
    """

    name = "alpaca"

    def matches(self, data: dict[str, Any]) -> bool:
        """Has ``instruction`` and an output field."""
        return "instruction" in data and any(k in data for k in _ALPACA_OUT)

    def turns(self, data: dict[str, Any]) -> list[Part]:
        """System, history pairs, instruction, input, output — in that order (history entries
        of another shape are left to the generic walker)."""
        out: list[Part] = []
        system = _str_field(data, "system")
        if system:
            out.append(RawTurn("system", "system", system))
        history = maybe_json(data.get("history"))
        if isinstance(history, list):
            for i, pair in enumerate(history):
                if isinstance(pair, list) and len(pair) == 2:
                    for j, role in enumerate(("instruction", "output")):
                        if isinstance(pair[j], str):
                            out.append(RawTurn(role, f"history[{i}][{j}]", pair[j]))
        for key in ("instruction", "input"):
            text = _str_field(data, key)
            if text:
                out.append(RawTurn(key, key, text))
        outputs = [k for k in _ALPACA_OUT if k in data]
        for key in outputs:
            value = data[key]
            if isinstance(value, str):
                out.append(RawTurn(key, key, value))
            elif value is not None:
                raise SchemaError(f"'{key}' is a {type(value).__name__}, expected a string", key)
        return out


_PAIRED_OUT = ("output_1", "output_2")


class PairedOutputs:
    """Two answers to one instruction, judged side by side: AlpacaEval's annotations and other
    pairwise judgments, ``{"instruction": ..., "output_1": ..., "generator_1": ...,
    "output_2": ..., "generator_2": ...}``. The outputs are read as answers (role ``output``),
    so ``generator_1``/``generator_2`` declare who wrote text the record holds
    (``scan/fields.py``); the generic walk read them as text of no speaker."""

    name = "paired-outputs"

    def matches(self, data: dict[str, Any]) -> bool:
        """Has ``output_1`` and ``output_2`` (strings) and a string ``instruction``."""
        return isinstance(data.get("instruction"), str) and all(
            isinstance(data.get(key), str) for key in _PAIRED_OUT
        )

    def turns(self, data: dict[str, Any]) -> list[Part]:
        """The instruction, its ``input`` when there is one, then both outputs."""
        for key in _PAIRED_OUT:
            if not isinstance(data.get(key), str):
                got = "missing" if key not in data else f"a {type(data[key]).__name__}"
                raise SchemaError(f"'{key}' is {got}, expected a string (an answer)", key)
        out: list[Part] = []
        for key in ("instruction", "input"):
            text = _str_field(data, key)
            if text:
                out.append(RawTurn(key, key, text))
        out.extend(RawTurn("output", key, data[key]) for key in _PAIRED_OUT)
        return out


class PromptResponse:
    """Pairs: ``prompt``/``completion``, ``prompt``/``response``, ``question``/``answer``,
    ``query``/``response``, ``input``/``output``, and preference data ``prompt``/``chosen``/``rejected``."""

    name = "prompt-response"

    def matches(self, data: dict[str, Any]) -> bool:
        """Has one of the known pairs: a prompt (a string, or messages) and its answer field."""
        return _pair(data) is not None

    def turns(self, data: dict[str, Any]) -> list[Part]:
        """Prompt first, then the answer fields (strings, or messages as in TRL's
        conversational preference data, with their reasoning and tool calls)."""
        pair = _pair(data)
        if pair is None:
            raise SchemaError("expected a prompt/response pair of string fields")
        prompt, answer = pair
        out: list[Part] = []
        for key in [prompt, answer] + [k for k in _PAIR_EXTRA if k in data and k != answer]:
            value = data[key]
            if isinstance(value, str):
                out.append(RawTurn(key, key, value))
            elif is_messages(value):
                out.extend(messages_parts(value, key))
        return out


def _pair(data: dict[str, Any]) -> tuple[str, str] | None:
    for prompt, answer in _PAIRS:
        value = data.get(prompt)
        if answer in data and (isinstance(value, str) or is_messages(value)):
            return prompt, answer
    return None


class TextField:
    """A single text field: ``text`` or ``content`` by default, any field with ``--text-field``."""

    def __init__(self, fields: tuple[str, ...] = ("text", "content")) -> None:
        self.fields = fields
        self.name = "text"

    def matches(self, data: dict[str, Any]) -> bool:
        """Has one of the fields as a string."""
        return any(isinstance(_lookup(data, f), str) for f in self.fields)

    def turns(self, data: dict[str, Any]) -> list[Part]:
        """The field's text."""
        for f in self.fields:
            value = _lookup(data, f)
            if isinstance(value, str):
                return [RawTurn("text", f, value)]
            if value is not None:
                raise SchemaError(f"'{f}' is a {type(value).__name__}, expected a string", f)
        keys = ", ".join(sorted(map(str, data))[:20]) or "none"
        raise SchemaError(
            f"no field {' or '.join(repr(f) for f in self.fields)}; the record has: {keys}",
            self.fields[0],
        )


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    """``a.b.c`` into nested objects (a literal key with dots wins)."""
    if dotted in data:
        return data[dotted]
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


lookup = _lookup
