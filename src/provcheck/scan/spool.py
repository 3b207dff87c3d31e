"""A disk-backed, append-only sequence: how a scan keeps any number of matches and findings.

Items are pickled one by one into an anonymous temporary file (held in memory until it
passes a few MB), their offsets kept in an array of 8 bytes per item. The spool is a
``collections.abc.Sequence``: ``len``, indexing, slices and iteration read items back from the
file, so only the items in use are Python objects. ``view`` gives the items in another order
(a permutation computed from small in-memory keys) without moving them.

Why this is hand-written: what a scan needs is narrow (append, then read by position or in
order, from a throwaway file the OS removes even if the process is killed), and the stock
candidates each miss part of it. ``shelve`` is a dict keyed by strings over whichever ``dbm``
the platform has (``dbm.dumb`` is slow, ``gdbm`` may be missing): no positions, no order, and
a named file to clean up. ``sqlite3`` (a table of position and blob) would work, but costs an
SQL round trip per item, a named file and journal to remove, and transactions a throwaway
file does not need. ``diskcache`` is a third-party key-value cache over SQLite, with the same
costs plus eviction to turn off. ``tempfile.SpooledTemporaryFile`` gives the anonymous
memory-then-disk file this module is built on.
"""

from __future__ import annotations

import copyreg
import dataclasses
import enum
import io
import operator
import pickle
import tempfile
import weakref
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, Generic, TypeVar, Union, overload

import numpy as np

from provcheck.errors import TempSpaceError
from provcheck.support.methodcode import exec_source
from provcheck.support.slots import maker

T = TypeVar("T")
U = TypeVar("U")

MEMORY = 4 << 20
"""Bytes of pickled items kept in memory before the spool moves to a temporary file."""
KEEP = 32 << 20
"""Bytes of pickled items a spool made with ``keep=KEEP`` keeps as values once read (their
values take ~1.3 times as much memory): a scan's matches up to ~8,000 of 4 KB."""
_FLUSH = 256 << 10
"""Bytes of new items buffered before they are written to the spool's file."""
_READ = 1 << 20
"""Bytes read at once when items are read in order."""

Order = Union[Sequence[int], "np.ndarray[Any, np.dtype[np.integer[Any]]]"]
"""Positions in a spool: a range, a list, or an integer array (8 bytes per item)."""


_FACTORIES: list[Callable[..., Any]] = []
"""What ``_build`` calls, by code: a dataclass, or an enum's lookup of a member by name."""
_REDUCERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
"""The compact reduction of each registered type, by type."""


def _build(code: int, *args: Any) -> Any:
    """A value of a registered type from its stored form (``compact``)."""
    return _FACTORIES[code](*args)


def _first_build(code: int, cls: type) -> Callable[..., Any]:
    """What ``_build`` calls for the dataclass ``cls`` until a value of it is first read back:
    its ``slots.maker`` (made then, not at registration: most registered types are never
    read back by a command), which then takes its place."""

    def first(*args: Any) -> Any:
        made = _FACTORIES[code] = maker(cls)
        return made(*args)

    return first


def compact(*types: type) -> None:
    """Store values of ``types`` (dataclasses whose fields are all ``__init__`` arguments, and
    enums) in a spool as a call of one function with a number and the fields.

    Why: pickle names each value's class by module and name, and loading resolves every name
    through the import system (~3 µs each, with the memo cleared for every item); a match holds
    a dozen such values, which made reading one back cost ~65 µs, far more than building it.
    Here every value is built through ``_build``, so an item names one function (resolved
    once) and each value costs a list lookup. The numbers are this process's only: a spool
    is never read by another process. Types without ``compact`` pickle as usual.
    """
    for cls in types:
        if cls in _REDUCERS:
            continue
        code = len(_FACTORIES)
        if issubclass(cls, enum.Enum):
            if issubclass(cls, enum.Flag):  # a combination of flags has no name of its own
                raise TypeError(f"{cls!r} is a Flag")
            _FACTORIES.append(cls.__members__.__getitem__)
            # Each member's stored form made once: the reduction is a lookup in C, no call of
            # Python code per member pickled.
            _REDUCERS[cls] = {m: (_build, (code, m.name)) for m in cls}.__getitem__
            continue
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls!r} is neither a dataclass nor an enum")
        fields = dataclasses.fields(cls)
        if any(not f.init for f in fields):
            raise TypeError(f"{cls.__name__} has fields that are not __init__ arguments")
        # Each value is built by filling its slots (``slots.maker``): the dataclass's frozen
        # ``__init__`` was a fifth of reading a match back.
        _FACTORIES.append(_first_build(code, cls))
        _REDUCERS[cls] = _reducer(code, [f.name for f in fields])


def _reducer(code: int, names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """``value -> (_build, (code, value.<field>, ...))`` for a dataclass of fields ``names``:
    one function reading each field by name (a partial of a function unpacking an
    ``attrgetter``'s tuple was three calls a value, and a match pickles a dozen values)."""
    if not all(n.isidentifier() and n != "value" for n in names):
        get = operator.attrgetter(*names)
        if len(names) == 1:
            return lambda value: (_build, (code, get(value)))
        return lambda value: (_build, (code, *get(value)))
    source = f"def reduce(value):\n    return _build, ({code}, {''.join(f'value.{n}, ' for n in names)})"
    scope: dict[str, Any] = {"_build": _build}
    exec_source(source, scope)  # compiled once, kept with the dataclass methods' code
    reduce: Callable[[Any], tuple[Any, ...]] = scope["reduce"]
    return reduce


class Spool(Sequence[T]):
    """Append-only sequence of picklable items stored in an anonymous temporary file."""

    def __init__(self, memory: int | None = None, keep: int = 0, hold: bool = False) -> None:
        """``memory``: bytes held in memory before the items go to a file (default ``MEMORY``).
        ``keep``: bytes of pickled items whose values are kept once read (see ``_kept``).
        ``hold``: items are kept from the moment they are appended, while ``keep`` lasts, so
        that the first read of each is not a decoding either (a scan's matches: every one is
        read back for the report; decoding them was ~4% of a scan's CPU)."""
        size = MEMORY if memory is None else memory
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=size)  # noqa: SIM115
        # The file is closed when the spool is collected or at exit, never left to the garbage
        # collector of the file object (which warns).
        self._closer = weakref.finalize(self, self._file.close)
        self._offsets = array("q")
        self._size = 0
        """Bytes written to the file."""
        self._pending = io.BytesIO()
        # Model values pickle as constructor calls by their own __reduce__ (support/pickling.py);
        # here, the types given to ``compact`` (registered by then) as ``_build`` calls.
        self._pickler = pickle.Pickler(self._pending, protocol=pickle.HIGHEST_PROTOCOL)
        self._pickler.dispatch_table = {**copyreg.dispatch_table, **_REDUCERS}
        self._kept: dict[int, T] = {}
        """Items already read (with ``hold``: appended), by position, while their pickled sizes
        add up to ``keep`` bytes: a report reads each match more than once (with its findings,
        then in match order), and reading one back costs more than writing its text. The first
        items read (appended) are kept, none is dropped, so the memory held is bounded by
        ``keep`` whatever the scan finds."""
        self._keep = keep
        self._hold = hold

    # ---- writing

    def append(self, item: T) -> int:
        """Store ``item`` at the end; returns its position."""
        self._offsets.append(self._size + self._pending.tell())
        self._pickler.clear_memo()  # every item loads on its own
        self._pickler.dump(item)
        position = len(self._offsets) - 1
        if self._hold and self._keep > 0:
            self._remember(position, item)
        if self._pending.tell() >= _FLUSH:
            self._flush()
        return position

    def extend(self, items: Iterable[T]) -> None:
        """Store every item, in order."""
        for item in items:
            self.append(item)

    def _flush(self) -> None:
        n = self._pending.tell()
        if not n:
            return
        try:
            self._file.seek(self._size)
            self._file.write(self._pending.getbuffer()[:n])
        except OSError as exc:  # past memory, in $TMPDIR: full, gone or read-only
            raise TempSpaceError.of(exc) from None
        self._size += n
        self._pending.seek(0)
        self._pending.truncate()

    def close(self) -> None:
        """Release the file; the spool cannot be read afterwards."""
        self._closer()
        self._kept.clear()

    @property
    def nbytes(self) -> int:
        """Bytes of pickled items stored."""
        return self._size + self._pending.tell()

    # ---- reading

    def _end(self, position: int) -> int:
        return self._offsets[position + 1] if position + 1 < len(self._offsets) else self.nbytes

    def _read(self, first: int, last: int) -> memoryview:
        """The bytes of items ``first`` to ``last`` (inclusive)."""
        self._flush()
        start = self._offsets[first]
        self._file.seek(start)
        return memoryview(self._file.read(self._end(last) - start))

    def _load(self, position: int) -> T:
        if position in self._kept:
            return self._kept[position]
        item: T = pickle.loads(self._read(position, position))
        self._remember(position, item)
        return item

    def _remember(self, position: int, item: T) -> None:
        if self._keep > 0:
            size = self._end(position) - self._offsets[position]
            if size <= self._keep:
                self._keep -= size
                self._kept[position] = item

    def _runs(self, positions: Iterable[int]) -> Iterator[T]:
        """Items at ``positions``, in that order; runs of consecutive positions are read at once."""
        run: list[int] = []
        kept = self._kept
        for p in positions:
            if p in kept:
                if run:
                    yield from self._run(run)
                    run = []
                yield kept[p]
                continue
            if run and (p != run[-1] + 1 or self._end(p) - self._offsets[run[0]] > _READ):
                yield from self._run(run)
                run = []
            run.append(p)
        if run:
            yield from self._run(run)

    def _run(self, run: list[int]) -> Iterator[T]:
        data = self._read(run[0], run[-1])
        base = self._offsets[run[0]]
        for p in run:
            item: T = pickle.loads(data[self._offsets[p] - base : self._end(p) - base])
            self._remember(p, item)
            yield item

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> SpoolView[T]: ...

    def __getitem__(self, index: int | slice) -> T | SpoolView[T]:
        if isinstance(index, slice):
            return SpoolView(self, range(len(self))[index])
        return self._load(range(len(self))[index])

    def __iter__(self) -> Iterator[T]:
        return self._runs(range(len(self)))

    def view(self, order: Order, convert: Callable[[T], U] | None = None) -> SpoolView[U]:
        """The items at the positions ``order`` (a permutation or a selection), each passed
        through ``convert`` when it is given."""
        return SpoolView(self, order, convert)

    def __eq__(self, other: object) -> bool:
        return _equal(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Spool of {len(self)} items, {self.nbytes:,} bytes>"


class SpoolView(Sequence[U], Generic[U]):
    """Items of a spool in a given order, read on demand."""

    def __init__(self, spool: Spool[Any], order: Order, convert: Callable[[Any], U] | None = None) -> None:
        self._spool = spool
        self._order = order
        self._convert = convert

    def __len__(self) -> int:
        return len(self._order)

    @overload
    def __getitem__(self, index: int) -> U: ...

    @overload
    def __getitem__(self, index: slice) -> SpoolView[U]: ...

    def __getitem__(self, index: int | slice) -> U | SpoolView[U]:
        if isinstance(index, slice):
            return SpoolView(self._spool, self._order[index], self._convert)
        item = self._spool._load(int(self._order[index]))
        return item if self._convert is None else self._convert(item)

    def __iter__(self) -> Iterator[U]:
        items = self._spool._runs(int(p) for p in self._order)
        if self._convert is None:
            return items
        return map(self._convert, items)

    def __eq__(self, other: object) -> bool:
        return _equal(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<SpoolView of {len(self)} items>"


def _equal(a: Sequence[Any], b: object) -> bool:
    """Sequences are equal when their items are (a tuple equals a spool with the same items)."""
    if a is b:
        return True
    if not isinstance(b, Sequence) or isinstance(b, (str, bytes)):
        return False
    return len(a) == len(b) and all(x == y for x, y in zip(a, b, strict=True))
