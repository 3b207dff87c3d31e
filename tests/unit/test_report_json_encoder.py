"""The JSON report's encoder (orjson, for speed) writes what ``json`` would write."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest

from provcheck.report.json import dumps


def _stdlib(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class _Point:
    x: int


@pytest.mark.parametrize(
    "value",
    [
        {"text": "naïve — 日本語 \U0001f600", "n": 3, "f": 0.8125, "none": None, "flags": [True, False]},
        [{"nested": {"deep": [1, 2.5, "x"]}}, (), {}],
        {"quote": 'a "quoted" \\ back\nslash\t\x00\x1f'},
        {"lone": "a\udcff b"},  # undecodable bytes kept by surrogateescape: orjson refuses, json writes it
        {"big": 2**70},  # past 64 bits: orjson refuses
        {1: "int key"},  # json turns it into "1"
        {"point": _Point(3), "when": dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.timezone.utc)},
    ],
)
def test_the_same_text_as_json(value: object) -> None:
    assert dumps(value) == _stdlib(value)
