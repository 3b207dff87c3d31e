"""The compiled code of the methods ``dataclasses`` writes is kept beside provcheck's bytecode
(``support/methodcode.py``): a second process compiles none of them again, and every class it
makes behaves as ``dataclasses`` alone makes it."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAM = """
import dataclasses, json, sys
from provcheck.support import methodcode
methodcode.location = lambda: sys.argv[1]
if sys.argv[2] == "install":
    methodcode.install()
compiled = []
real = methodcode._compile
methodcode._compile = lambda *a, **k: compiled.append(a[0]) or real(*a, **k)

@dataclasses.dataclass(frozen=True, slots=True)
class Point:
    '''A point.'''
    x: int
    y: "str | None" = None
    tags: tuple[str, ...] = ()

@dataclasses.dataclass(order=True)
class Plain:
    '''Unfrozen, ordered.'''
    a: int
    b: list[int] = dataclasses.field(default_factory=list)

p, q = Point(1, "a", ("t",)), Plain(2)
errors = []
try:
    p.x = 3
except dataclasses.FrozenInstanceError as exc:
    errors.append(type(exc).__name__)
print(json.dumps({
    "compiled": len(compiled),
    "repr": [repr(p), repr(q)],
    "eq": [p == Point(1, "a", ("t",)), p == Point(2), hash(p) == hash(Point(1, "a", ("t",)))],
    "order": Plain(1) < Plain(2),
    "replace": repr(dataclasses.replace(p, x=5)),
    "annotations": {k: repr(v) for k, v in Point.__init__.__annotations__.items()},
    "code": [Point.__init__.__code__.co_code.hex(), Point.__eq__.__code__.co_consts.__repr__(),
             Point.__init__.__code__.co_filename, Plain.__lt__.__code__.co_code.hex()],
    "errors": errors,
    "slots": Point.__slots__,
}))
"""


def _run(store: Path, mode: str, env: dict[str, str] | None = None) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(store), mode],
        capture_output=True,
        text=True,
        check=True,
        env={**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, **(env or {})},
    )
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_a_second_process_compiles_nothing_and_its_classes_are_the_same(tmp_path: Path) -> None:
    store = tmp_path / "methods.bin"
    plain = _run(store, "plain")
    assert not store.exists()
    first = _run(store, "install")
    assert store.exists() and first["compiled"] == 6 + 7  # Point: 6 methods; Plain: 7
    second = _run(store, "install")
    assert second["compiled"] == 0
    for run in (first, second):
        assert {k: v for k, v in run.items() if k != "compiled"} == {
            k: v for k, v in plain.items() if k != "compiled"
        }
    assert plain["errors"] == ["FrozenInstanceError"] and plain["eq"] == [True, False, True]


@pytest.mark.parametrize(
    "damage",
    [b"", b"provcheck dataclass methods 2\n", b"not the header at all", None],
)
def test_a_store_that_cannot_be_read_whole_is_compiled_again_and_replaced(
    tmp_path: Path, damage: bytes | None
) -> None:
    store = tmp_path / "methods.bin"
    _run(store, "install")
    data = store.read_bytes()
    store.write_bytes(data[: len(data) // 2] if damage is None else damage)
    again = _run(store, "install")
    assert again["compiled"] == 13
    assert _run(store, "install")["compiled"] == 0


def test_nothing_is_written_when_bytecode_is_not(tmp_path: Path) -> None:
    store = tmp_path / "methods.bin"
    _run(store, "install", {"PYTHONDONTWRITEBYTECODE": "1"})
    assert not store.exists()


def test_the_store_sits_beside_the_package_bytecode() -> None:
    from provcheck.support import methodcode

    where = methodcode.location()
    bytecode = importlib.util.cache_from_source(methodcode.__file__)  # PYTHONPYCACHEPREFIX too
    assert where is not None and os.path.dirname(where) == os.path.dirname(bytecode)


def test_each_kept_method_is_read_when_used_and_a_damaged_one_is_compiled_again(tmp_path: Path) -> None:
    """The store's entries are unmarshalled one by one, when a class uses them: one that cannot
    be read costs compiling that method again, not the whole store."""
    import marshal

    from provcheck.support import methodcode

    store = tmp_path / "methods.bin"
    _run(store, "install")
    entries = marshal.loads(store.read_bytes()[len(methodcode.HEADER) :])
    assert all(type(kept) is bytes for kept in entries.values())
    entries[next(iter(entries))] = b"\xff not marshalled code"
    store.write_bytes(methodcode.HEADER + marshal.dumps(entries))
    assert _run(store, "install")["compiled"] == 1
    assert _run(store, "install")["compiled"] == 0
