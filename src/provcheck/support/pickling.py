"""Pickle the model's values as constructor calls: the one definition, used by every pickler.

Matches and findings cross to and from worker processes and go through the result spool, tens
of thousands per scan. Pickle's default for a frozen, slotted dataclass restores each object
through a Python-level ``__setstate__`` that looks up its fields every time, which cost more than
the scan's policy evaluation; calling the class with its values costs a third. Enum members are
pickled by name (``getattr(cls, name)``), cheaper than the default call by value.

Setting ``__reduce__`` on the class (rather than a ``copyreg`` table per pickler) makes the fast
path hold for every pickler: multiprocessing's, Ray's and the spool's.
"""

from __future__ import annotations

import dataclasses
import enum
import operator
from typing import Any


def by_constructor(cls: type) -> None:
    """Make ``cls`` (a dataclass or an enum) pickle as a constructor call (or a member by name).

    Every dataclass field must be an ``__init__`` argument, in field order, or the object
    would not come back equal: refused with ``TypeError`` when the class is registered.
    """
    if isinstance(cls, enum.EnumMeta):

        def reduce_member(self: Any, protocol: object = None) -> tuple[Any, ...]:
            return getattr, (cls, self.name)

        cls.__reduce_ex__ = reduce_member  # type: ignore[method-assign]
        return
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is neither a dataclass nor an enum")
    fields = dataclasses.fields(cls)
    if any(not f.init for f in fields):
        raise TypeError(f"{cls.__name__} has fields that are not __init__ arguments")
    get = operator.attrgetter(*(f.name for f in fields))
    one = len(fields) == 1

    def reduce_fields(self: object) -> tuple[type, tuple[object, ...]]:
        values = get(self)
        return cls, ((values,) if one else values)

    cls.__reduce__ = reduce_fields  # type: ignore[method-assign]
