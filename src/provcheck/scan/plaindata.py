"""Model values as plain JSON data, and back: how a partial (``scan.partial``) stores them.

The model's dataclasses are written as ``{"$d": name, "f": [fields]}`` and enums as
``{"$e": name, "v": value}``; tuples, sets and mappings are marked so that they come back as
they were. Reading builds only classes of ``provcheck.model``, and checks each field whose
type is plain (str, int, float, bool, None), a model value or an enum, so a file someone else
wrote can neither run code (as pickle would) nor slip a string where a record goes.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any

from provcheck import model
from provcheck.model import build, runextras

_CLASSES: dict[str, type] = {
    name: cls
    for name, cls in {**vars(model), **vars(runextras), **vars(build)}.items()
    if isinstance(cls, type)
    and (cls.__module__ == model.__name__ or cls.__module__.startswith(model.__name__ + "."))
    and (dataclasses.is_dataclass(cls) or issubclass(cls, enum.Enum))
}
"""The only classes a partial may name: the model's values."""


def encode(value: Any) -> Any:
    """A model value as plain JSON data (tuples, sets and enums marked, so they come back)."""
    if value is None or (isinstance(value, (bool, int, float, str)) and not isinstance(value, enum.Enum)):
        return value
    if isinstance(value, enum.Enum):
        return {"$e": type(value).__name__, "v": value.value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "$d": type(value).__name__,
            "f": [encode(getattr(value, f.name)) for f in dataclasses.fields(value)],
        }
    if isinstance(value, tuple):
        return {"$t": [encode(v) for v in value]}
    if isinstance(value, (frozenset, set)):
        return {"$s": sorted((encode(v) for v in value), key=repr)}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        return {"$m": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot write a {type(value).__name__} into a partial")


def decode(data: Any) -> Any:
    """The inverse of ``encode``; only the model's classes are built."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$t" in data:
        return tuple(decode(v) for v in data["$t"])
    if "$s" in data:
        return frozenset(decode(v) for v in data["$s"])
    if "$m" in data:
        return {decode(k): decode(v) for k, v in data["$m"]}
    name = data.get("$d", data.get("$e"))
    cls = _CLASSES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown value type {name!r}")
    if "$e" in data:
        return cls(data["v"])
    values = [decode(v) for v in data["f"]]
    for (field_name, allowed), value in zip(_simple_fields(cls), values, strict=False):
        if allowed and not isinstance(value, allowed):
            raise ValueError(f"{name}.{field_name}: {type(value).__name__} where {allowed} was expected")
    return cls(*values)


_SIMPLE = {str: (str,), int: (int,), float: (int, float), bool: (bool,), type(None): (type(None),)}


@functools.cache
def _simple_fields(cls: type) -> tuple[tuple[str, tuple[type, ...]], ...]:
    """Per field, the types it accepts when they are plain (str, int, float, bool, None), model
    values or enums, or unions of these; () for anything else (tuples, mappings: not checked)."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        hint = hints.get(f.name)
        parts = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        # NewType ids are their base type; an enum must be its own class, not a lookalike string.
        base = [getattr(p, "__supertype__", None) or typing.get_origin(p) or p for p in parts]
        models = set(_CLASSES.values())
        simple = all(b in _SIMPLE or b in models for b in base)
        allowed = tuple(t for b in base for t in _SIMPLE.get(b, (b,))) if simple else ()
        out.append((f.name, allowed))
    return tuple(out)


__all__ = ["decode", "encode"]
