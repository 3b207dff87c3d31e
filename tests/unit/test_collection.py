"""``support.collection.cycles_paused``: the cyclic collector off inside, as it was after."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from provcheck.support.collection import cycles_paused


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_collector_is_off_inside_and_back_on_after_even_on_error() -> None:
    gc.enable()
    with cycles_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), cycles_paused():
        raise ValueError("a batch failed")
    assert gc.isenabled()

    @cycles_paused()
    def batch() -> bool:
        return gc.isenabled()

    assert batch() is False and batch() is False and gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    with cycles_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
