"""A streamed response saved as its Server-Sent Events body (``curl -N ... > response.txt``).

The HTTP body of a streamed chat completion is lines of ``data: {chunk}`` (and ``event:``,
``id:``, ``retry:``, ``: comment``) with a blank line after each event, ending with
``data: [DONE]`` (OpenAI). Saved as ``.txt`` it was one record of text: the answer's words cut
into pieces between the chunks' JSON, so a copy of the whole response matched nothing and the
scan passed (adversarial pass 18); under a name of no type (``.log``, ``.sse``) it was
"unsupported type". A text whose every line is such a field, with at least one event of a JSON
object, is read event by event: each event's data is a record at its first line (a JSON object
as it is, other data as text), so the chunks of one response are joined as JSON Lines chunks
are (``inputs.streams``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from provcheck.inputs.base import RawItem, RawRecord, keep_repeated_keys, string_or_error
from provcheck.inputs.source import Limits, json_strings_over, too_many_strings
from provcheck.model import ErrorKind, RecordError

_FIELD = re.compile(r"(?:data|event|id|retry)(?::|$)|:")
"""A line of an event stream: a field (``data: x``, ``event`` alone) or a comment (``: ping``)."""
_DONE = "[DONE]"
"""OpenAI's end of stream: not data."""
_HEAD_LINES = 64
"""Lines looked at to tell an event stream."""
_HEAD_CHARS = 1 << 16
"""Characters they are looked for in (a text file may be 1 GiB)."""
_DECODER = json.JSONDecoder(object_pairs_hook=keep_repeated_keys)


def is_event_stream(text: str) -> bool:
    """True when ``text``'s first lines are all fields or comments of an event stream, with
    at least one ``data:`` line holding a JSON object."""
    seen = objects = 0
    lines = text[:_HEAD_CHARS].split("\n")
    if len(text) > _HEAD_CHARS:
        lines.pop()  # cut by the head's end
    for line in lines:
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        if not _FIELD.match(line):
            return False
        if line.startswith("data:") and _object(_value(line)) is not None:
            objects += 1
        seen += 1
        if seen >= _HEAD_LINES:
            break
    return objects > 0


def events(path: str, text: str, limits: Limits) -> Iterator[RawItem]:
    """The records of event stream ``text`` (``is_event_stream``): one per event's data, each
    bounded as a JSON Lines record is (bytes, strings)."""
    data: list[str] = []
    first = 0
    index = 0
    lines = text.split("\n")
    for number, line in enumerate([*lines, ""], start=1):
        line = line.removesuffix("\r")
        if line.startswith("data:"):
            first = first or number
            data.append(_value(line))
            continue
        if line.strip():
            continue  # event, id, retry, a comment: labels of the event, not its text
        payload = "\n".join(data)
        if data and payload.strip() and payload.strip() != _DONE:
            strings = json_strings_over(payload, limits.max_record_strings)
            if len(payload) > limits.max_record_bytes or strings is not None:
                why = (
                    too_many_strings(strings, limits.max_record_strings)
                    if strings is not None
                    else f"record is larger than the {limits.max_record_bytes // 2**20} MiB limit; skipped"
                )
                yield RecordError(path, ErrorKind.LIMIT, why, line=first, index=index)
                index += 1
                data, first = [], 0
                continue
            value = _object(payload)
            if value is not None:
                yield RawRecord(index=index, line=first, data=value)
            else:
                yield string_or_error(path, index, first, payload)
            index += 1
        data, first = [], 0


def _value(line: str) -> str:
    value = line[len("data:") :]
    return value[1:] if value.startswith(" ") else value


def _object(payload: str) -> dict[str, object] | None:
    if not payload.lstrip().startswith("{"):
        return None
    try:
        value = _DECODER.decode(payload)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
