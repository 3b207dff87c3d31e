"""Any other shape: every string value in the record is a turn, named by its path.

So no text is left unscanned when a dataset uses a schema provcheck does not know.
"""

from __future__ import annotations

from typing import Any

from provcheck.inputs.schemas.base import RawTurn

_SKIP_KEYS = frozenset(
    {
        "id",
        "_id",
        "uuid",
        "idx",
        "index",
        "source",
        "url",
        "lang",
        "language",
        "model",
        "generator",
        "dataset",
        "license",
        "split",
        "category",
        "label",
    }
)
MAX_DEPTH = 64
"""Deeper values are not read (hostile nesting must not exhaust the stack)."""


class Generic:
    """Every string leaf of the record, except identifier-like fields."""

    name = "generic"

    def matches(self, data: dict[str, Any]) -> bool:
        """Always: this is the fallback."""
        return True

    def keys(self, data: dict[str, Any]) -> set[str]:
        """Everything."""
        return set(map(str, data))

    def turns(self, data: dict[str, Any]) -> list[RawTurn]:
        """String leaves in document order, with their paths."""
        out: list[RawTurn] = []
        stack: list[tuple[str, Any, int]] = [("", data, 0)]
        while stack:
            path, value, depth = stack.pop()
            if isinstance(value, str):
                if path:
                    out.append(RawTurn(path.rsplit(".", 1)[-1].split("[")[0] or "text", path, value))
            elif depth < MAX_DEPTH and isinstance(value, dict):
                items = [
                    (k, v) for k, v in value.items() if not (depth == 0 and str(k).lower() in _SKIP_KEYS)
                ]
                for key, child in reversed(items):
                    stack.append((f"{path}.{key}" if path else str(key), child, depth + 1))
            elif depth < MAX_DEPTH and isinstance(value, list):
                for i in reversed(range(len(value))):
                    stack.append((f"{path}[{i}]", value[i], depth + 1))
        return out
