"""``support.slots.maker``: a frozen, slotted dataclass built by filling its slots is the object
its constructor makes; other classes get their own constructor back. Reading a chat record and
reading the result spool back build their objects so (issue 17: the frozen ``__init__`` was a
sixth of reading a chat record)."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import InitVar, dataclass, field
from typing import Any, ClassVar

import pytest

from provcheck import model
from provcheck.inputs.schemas import RecordOptions, to_record
from provcheck.model import Location, Record, RoleKind, Skipped, SkipReason, Turn
from provcheck.scan.spool import Spool
from provcheck.support.slots import maker


@dataclass(frozen=True, slots=True)
class _Point:
    x: int
    y: int = 0
    label: str = ""


@dataclass(frozen=True, slots=True)
class _Checked:
    x: int

    def __post_init__(self) -> None:
        if self.x < 0:
            raise ValueError("negative")


@dataclass(frozen=True)
class _NoSlots:
    x: int


@dataclass(slots=True)
class _Mutable:
    x: int


@dataclass(frozen=True, slots=True)
class _WithInitVar:
    x: int
    scale: InitVar[int] = 1


@dataclass(frozen=True, slots=True)
class _WithClassVar:
    x: int
    unit: ClassVar[str] = "m"


@dataclass(frozen=True, slots=True)
class _NotInit:
    x: int
    y: int = field(default=0, init=False)


def test_a_made_object_is_the_one_the_constructor_makes() -> None:
    make = maker(_Point)
    assert make is not _Point
    made, built = make(1, 2, "a"), _Point(1, 2, "a")
    assert type(made) is _Point
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert pickle.loads(pickle.dumps(made)) == built
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.x = 3  # type: ignore[misc]
    assert maker(_Point) is make  # made once per class


@pytest.mark.parametrize("cls", [_Checked, _NoSlots, _Mutable, _WithInitVar, _NotInit, dict])
def test_other_classes_keep_their_constructor(cls: type) -> None:
    assert maker(cls) is cls
    if cls is _Checked:
        with pytest.raises(ValueError, match="negative"):
            maker(cls)(-1)


def test_a_class_variable_is_no_field() -> None:
    assert maker(_WithClassVar)(4) == _WithClassVar(4)


def test_every_model_dataclass_with_slots_is_made_alike() -> None:
    classes = [c for c in vars(model).values() if isinstance(c, type) and dataclasses.is_dataclass(c)]
    made = [c for c in classes if maker(c) is not c]
    assert {Turn, Skipped, Record} <= set(made)


def test_a_chat_record_is_read_without_the_dataclass_constructors(monkeypatch: pytest.MonkeyPatch) -> None:
    data = {
        "id": "r/1",
        "messages": [
            {"role": "user", "content": "Tell me about the harbour."},
            {"role": "assistant", "content": "The harbour was built in 1820 by the town's merchants."},
        ],
    }
    want = to_record(data, Location("f.jsonl", 0, 1), RecordOptions())

    def refused(self: Any, *args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"{type(self).__name__}.__init__ called")

    for cls in (Turn, Skipped, Record):
        monkeypatch.setattr(cls, "__init__", refused)
    got = to_record(data, Location("f.jsonl", 0, 1), RecordOptions())
    assert got == want
    assert isinstance(got, Record)
    assert [(t.role, t.kind, t.position, t.field) for t in got.turns] == [
        ("user", RoleKind.USER, 0, "messages[0].content"),
        ("assistant", RoleKind.ASSISTANT, 1, "messages[1].content"),
    ]
    assert [(s.field, s.reason) for s in got.skipped] == [
        ("id", SkipReason.ID),
        ("messages[0].role", SkipReason.LABEL),
        ("messages[1].role", SkipReason.LABEL),
    ]


def test_the_spool_reads_model_values_back_without_constructors(monkeypatch: pytest.MonkeyPatch) -> None:
    import provcheck.scan.results  # noqa: F401 - registers the model's types with the spool

    rec = to_record(
        {"id": "r/2", "messages": [{"role": "user", "content": "What is the capital of Peru?"}]},
        Location("f.jsonl", 1, 2),
        RecordOptions(),
    )
    assert isinstance(rec, Record)
    spool: Spool[Any] = Spool()
    items = [rec, rec.turns[0], rec.skipped[0], RoleKind.TOOL, (rec.location, SkipReason.EMPTY)]
    spool.extend(items)

    def refused(self: Any, *args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"{type(self).__name__}.__init__ called")

    for cls in (Turn, Skipped, Record, Location):
        monkeypatch.setattr(cls, "__init__", refused)
    assert list(spool) == items
    assert [spool[i] for i in range(len(items))] == items
    assert spool[3] is RoleKind.TOOL


def test_a_json_lines_record_is_parsed_without_the_dataclass_constructors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from provcheck.inputs.base import RawRecord
    from provcheck.inputs.jsonl import parse_line

    line = b'{"id": "r/3", "messages": [{"role": "user", "content": "Name three rivers."}]}'
    want = parse_line("f.jsonl", line, 4, 5, 100, 10_000)
    assert isinstance(want, RawRecord)
    where = want.location("f.jsonl")
    assert want == RawRecord(4, 5, want.data, None)
    assert where == Location("f.jsonl", 4, 5, None, None)

    def refused(self: Any, *args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"{type(self).__name__}.__init__ called")

    for cls in (RawRecord, Location):
        monkeypatch.setattr(cls, "__init__", refused)
    got = parse_line("f.jsonl", line, 4, 5, 100, 10_000)
    assert got == want
    assert got.location("f.jsonl") == where
