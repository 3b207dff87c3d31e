"""Finding messages: a rule's ``message`` with its ``{field}`` placeholders filled."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([a-z_][a-z0-9_.]*)\}")
"""A ``{field}`` placeholder, or ``{{`` / ``}}`` for a literal brace."""


def render(template: str, ctx: Mapping[str, Any]) -> str:
    """Fill ``{field}`` placeholders from ``ctx``; ``{{`` and ``}}`` are literal braces; nothing
    else of the template is interpreted."""
    return "".join([part if field is None else _shown(ctx.get(field)) for part, field in _parts(template)])


@functools.lru_cache(maxsize=256)
def _parts(template: str) -> tuple[tuple[str, str | None], ...]:
    """The template as literal text and placeholders' field names (parsed once per template:
    a message is rendered for every finding)."""
    parts: list[tuple[str, str | None]] = []
    at = 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append((template[at : m.start()], None))
        parts.append((m.group()[0], None) if m.group(1) is None else ("", m.group(1)))
        at = m.end()
    parts.append((template[at:], None))
    return tuple(p for p in parts if p != ("", None))


def _shown(v: Any) -> str:
    if v is None or v == ():
        return "unknown"
    if isinstance(v, (tuple, list)):
        return ", ".join(map(str, v))
    if isinstance(v, float):
        return f"{v:.2f}"
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)
