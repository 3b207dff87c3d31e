"""The spool: a disk-backed sequence that gives back what was appended, in any order asked."""

from __future__ import annotations

import dataclasses
import enum
import gc
import pickle
import random
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest

from provcheck import model
from provcheck.model import Action, Finding, Match
from provcheck.scan import spool as spool_module
from provcheck.scan.spool import Spool
from provcheck.support.pickling import by_constructor
from report_samples import many, sample


def filled(items: list[object], **kwargs: object) -> Spool[object]:
    s: Spool[object] = Spool(**kwargs)  # type: ignore[arg-type]
    positions = [s.append(item) for item in items]
    assert positions == list(range(len(items)))
    return s


def test_an_empty_spool_is_an_empty_sequence() -> None:
    s = filled([])
    assert len(s) == 0 and list(s) == [] and not s
    assert list(s[:]) == [] and list(s.view([])) == [] and list(s.view(np.zeros(0, dtype=np.int64))) == []
    with pytest.raises(IndexError):
        s[0]
    with pytest.raises(IndexError):
        s[-1]
    assert s == () and s == []


def test_items_come_back_by_position_slice_and_iteration() -> None:
    items = [{"n": i, "text": "x" * (i % 50), "tags": (i, str(i))} for i in range(1000)]
    s = filled(items)
    assert len(s) == 1000
    assert list(s) == items
    assert [s[i] for i in range(1000)] == items
    assert s[-1] == items[-1] and s[-1000] == items[0]
    with pytest.raises(IndexError):
        s[1000]
    for sl in (slice(10, 20), slice(None, None, -1), slice(5, 900, 7), slice(-30, None), slice(50, 10)):
        assert list(s[sl]) == items[sl], sl
    assert list(s[100:200][10:20]) == items[110:120]
    assert s == tuple(items) and s != items[:-1] and s != "not a sequence"


def test_a_view_gives_the_items_in_the_order_asked_and_converted() -> None:
    items = [f"item {i}" for i in range(500)]
    s = filled(items)
    order = list(range(500))
    random.Random(7).shuffle(order)
    view = s.view(np.array(order, dtype=np.int64))
    assert list(view) == [items[p] for p in order]
    assert [view[i] for i in (0, 17, -1)] == [items[order[0]], items[order[17]], items[order[-1]]]
    assert list(view[3:9]) == [items[p] for p in order[3:9]]
    # A selection (not every position) and a conversion applied on the way out.
    some = s.view([499, 0, 250, 250], convert=str.upper)
    assert list(some) == ["ITEM 499", "ITEM 0", "ITEM 250", "ITEM 250"]
    assert some[1] == "ITEM 0" and len(some) == 4


def test_items_larger_than_memory_and_than_a_read_go_to_disk_and_come_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    big = "b" * (3 * spool_module._READ)
    items: list[object] = ["small", big, *(f"s{i}" for i in range(2000)), big + "!", "last"]
    s = filled(items, memory=64 << 10)
    assert s.nbytes > 2 * len(big)
    assert s._file._rolled  # type: ignore[attr-defined]  # on disk now, not in memory
    assert s[1] == big and s[-2] == big + "!" and s[-1] == "last"
    assert list(s) == items
    assert list(s.view(range(len(items) - 1, -1, -1))) == items[::-1]
    # The file is anonymous: nothing appears in the temporary directory, even while in use.
    assert list(tmp_path.iterdir()) == []


def test_many_small_items_round_trip_and_order() -> None:
    n = 200_000
    s = filled(list(range(n)))
    assert len(s) == n
    assert sum(s) == n * (n - 1) // 2
    order = np.argsort(np.array([(i * 7919) % n for i in range(n)]), kind="stable")
    assert list(s.view(order)[:5]) == [int(p) for p in order[:5]]


def test_closing_releases_the_file_and_dropping_it_does_not_warn(tmp_path: Path) -> None:
    s = filled([b"x" * 1000 for _ in range(100)], memory=1024)
    file = s._file
    assert not file.closed
    s.close()
    assert file.closed
    s.close()  # twice is fine
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dropped = filled([b"y" * 1000 for _ in range(100)], memory=1024)
        other = dropped._file
        del dropped
        gc.collect()
        assert other.closed


def test_model_values_round_trip_through_the_spool() -> None:
    result = sample()
    for values in (list(result.matches), list(result.findings), list(many(30).findings)):
        s = filled(values)
        assert list(s) == values
        assert all(type(a) is type(b) for a, b in zip(s, values, strict=True))
    f = result.findings[0]
    s = filled([f])
    assert isinstance(s[0], Finding) and s[0].action is Action.BLOCK
    if f.match is not None:
        assert isinstance(s[0].match, Match)


def test_every_model_value_pickles_as_a_constructor_call() -> None:
    m = sample().matches[0]
    fn, args = m.__reduce__()
    assert fn is Match and fn(*args) == m
    fn, args = Action.REVIEW.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    assert fn(*args) is Action.REVIEW
    assert pickle.loads(pickle.dumps(Action.WARN)) is Action.WARN
    # Found by walking the package: no value type is left on pickle's slow default path.
    for value in vars(model).values():
        if isinstance(value, type) and dataclasses.is_dataclass(value):
            assert "__reduce__" in vars(value), value
    with pytest.raises(TypeError):
        by_constructor(dict)

    @dataclasses.dataclass(frozen=True)
    class Derived:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    with pytest.raises(TypeError, match="not __init__ arguments"):
        by_constructor(Derived)


def test_items_read_once_are_kept_up_to_the_budget_and_not_decoded_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = [{"n": i, "text": "t" * 100} for i in range(200)]
    size = len(pickle.dumps(items[0], protocol=pickle.HIGHEST_PROTOCOL))
    s = filled(items, keep=50 * size)  # room for the first 50 items read
    loads = []
    real = pickle.loads
    monkeypatch.setattr(spool_module.pickle, "loads", lambda data: loads.append(1) or real(data))
    order = list(range(200))
    random.Random(3).shuffle(order)
    first = [s[p] for p in order[:60]]  # read by position: 50 are kept, 10 are not
    assert first == [items[p] for p in order[:60]] and len(loads) == 60
    assert sorted(s._kept) == sorted(order[:50])
    loads.clear()
    assert list(s) == items  # in order: only the 150 not kept are decoded
    assert len(loads) == 150
    assert all(s[p] is first[i] for i, p in enumerate(order[:50]))  # the very values kept
    loads.clear()
    assert list(s.view(order[::-1])) == [items[p] for p in order[::-1]] and len(loads) == 150
    assert sum(s._end(p) - s._offsets[p] for p in s._kept) <= 50 * size  # never past the budget
    s.close()
    assert not s._kept
    # Without a budget (the default) nothing is kept.
    plain = filled(items)
    assert list(plain) == items and not plain._kept


def test_compact_types_are_stored_by_number_and_come_back_equal() -> None:
    from provcheck.scan import results  # registers every model type (as a scan does)

    assert Match in spool_module._REDUCERS and Action in spool_module._REDUCERS, results
    result = sample()
    matches, findings = list(result.matches), list(result.findings)
    s = filled([*matches, *findings])
    assert list(s) == [*matches, *findings]
    assert all(type(a) is type(b) for a, b in zip(s, [*matches, *findings], strict=True))
    assert s[len(matches)].action is findings[0].action  # enum members, not copies
    # The stored bytes name one function, not the model's classes (resolved through the import
    # system on every read, which made a match ~3x slower to read back).
    s._flush()
    s._file.seek(0)
    stored = s._file.read()
    assert b"_build" in stored and b"Match" not in stored and b"provcheck.model" not in stored
    # A plain pickle of the same values still names them (the compact form is the spool's only).
    assert b"Match" in pickle.dumps(matches[0])

    class Kind(enum.Flag):
        A = 1
        B = 2

    @dataclasses.dataclass(frozen=True)
    class Derived:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    for refused in (Kind, Derived, dict):
        with pytest.raises(TypeError):
            spool_module.compact(refused)


def test_held_items_are_kept_from_their_append_and_never_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    items = [{"n": i, "text": "t" * 100} for i in range(200)]
    size = len(pickle.dumps(items[0], protocol=pickle.HIGHEST_PROTOCOL))
    s: Spool[dict[str, object]] = Spool(memory=1 << 10, keep=50 * size, hold=True)
    s.extend(items)
    assert sorted(s._kept) == list(range(50))  # the first 50 appended, within the budget
    assert all(s._kept[p] is items[p] for p in range(50))  # the very values appended
    loads = []
    real = pickle.loads
    monkeypatch.setattr(spool_module.pickle, "loads", lambda data: loads.append(1) or real(data))
    assert list(s) == items and len(loads) == 150  # only the 150 not held are decoded
    loads.clear()
    assert s[10] is items[10] and s[120] == items[120] and len(loads) == 1
    assert sum(s._end(p) - s._offsets[p] for p in s._kept) <= 50 * size  # never past the budget
    s.close()
    assert not s._kept
