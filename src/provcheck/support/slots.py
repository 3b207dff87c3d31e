"""Positional constructors of frozen, slotted dataclasses that fill the slots directly.

A frozen dataclass's ``__init__`` sets each field with ``object.__setattr__`` (a global lookup,
an attribute lookup and a call per field), which costs about twice what it does in a plain
class. A scan makes tens of objects per record and per match (turns, skipped strings, the
records; each match and finding read back from the result spool), so ``maker(cls)`` gives a
function ``make(*values)`` that builds the same object, equal field for field, by
``object.__new__`` and each slot's descriptor (``__set__``): ~0.4 µs for a five-field class
against ~0.7 µs. Built on first use, from source text (a closure's free variables cost more
than a function's globals here), once per class; the compiled code is kept with the dataclass
methods' (``support.methodcode``), so a command's start compiles none of it again.

Only classes whose ``__init__`` is the one ``dataclasses`` writes, assigning every field and
nothing more, qualify: a class with ``__post_init__``, an ``InitVar``, a field that is not an
``__init__`` argument or no ``__slots__`` gets itself back (its own constructor).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from provcheck.support.methodcode import exec_source

T = TypeVar("T")

_MADE: dict[type, Callable[..., Any]] = {}


def maker(cls: type[T]) -> Callable[..., T]:
    """``cls(*values)`` (every field, in field order) for a frozen, slotted dataclass, made
    without its ``__init__``; ``cls`` itself for any other class."""
    made = _MADE.get(cls)
    if made is None:
        made = _MADE[cls] = _make(cls)
    return made


def _make(cls: type[T]) -> Callable[..., T]:
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        return cls
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in vars(cls):
        return cls
    fields = dataclasses.fields(cls)
    every = list(vars(cls)["__dataclass_fields__"].values())
    if len(every) != len(fields) or any(not f.init for f in fields):
        return cls  # an InitVar or a class variable's pseudo-field, or a field set otherwise
    names = [f.name for f in fields]
    if not all(n.isidentifier() and not n.startswith("_") and n not in ("self", "make") for n in names):
        return cls
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make({', '.join(names)}):", "    self = _new(_cls)"]
    for name in names:
        scope[f"_set_{name}"] = getattr(cls, name).__set__
        lines.append(f"    _set_{name}(self, {name})")
    lines.append("    return self")
    # Compiled once per source, kept with the dataclass methods' code (``methodcode``): a
    # command's start does not compile these again.
    exec_source("\n".join(lines), scope)
    make: Callable[..., T] = scope["make"]
    make.__qualname__ = f"maker({cls.__qualname__})"
    return make
