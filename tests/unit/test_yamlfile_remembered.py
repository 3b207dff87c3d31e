"""A YAML file's parsed form is remembered by the SHA-256 of its bytes (``yamlfile.parse``): read
again, the same bytes give the same values, types, lines and columns without PyYAML; other
bytes, or an entry that cannot be read whole, are parsed (docs/startup.md)."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from provcheck import yamlfile
from provcheck.yamlfile import LineDict, LineList, YamlProblem

DOCUMENT = """\
# every kind of value a policy, a configuration or a waivers file can hold
use: {purpose: train-competing-model, commercial: true}
n: 12
big: 123456789012345678901234567890
ratio: 0.1
neg: -0.0
inf: .inf
nan: .nan
none: null
empty:
day: 2026-12-06
impossible: 2026-02-30
stamp: 2026-12-06T10:11:12.5+05:30
utc: 2026-12-06T10:11:12Z
naive: 2026-12-06 10:11:12
words: "unicode é \\u2028 \\ud800 end"
anchor: &a [1, {k: v}]
alias: *a
1: integer key
rules:
  - id: r1
    when: {source.name: alpacaeval}
    action: block
  -   - nested
      - [deep, [deeper]]
"""


def _shape(value: Any) -> Any:
    """Everything a parsed value holds: types, lines and columns included (NaN made comparable)."""
    if isinstance(value, LineDict):
        return (
            "LineDict",
            value.line,
            [(k, value.key_lines[k], value.key_columns[k], _shape(v)) for k, v in value.items()],
        )
    if isinstance(value, LineList):
        return ("LineList", value.line, value.item_lines, value.item_columns, [_shape(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat(), repr(value.tzinfo))
    return (type(value).__name__, value)


def _parse_without_yaml(monkeypatch: pytest.MonkeyPatch, data: bytes) -> Any:
    def fail(*_: object) -> None:
        raise AssertionError("parsed again")

    with monkeypatch.context() as m:
        m.setattr(yamlfile, "loads", fail)
        return yamlfile.parse(data, "p.yaml")


def test_the_same_bytes_give_the_same_values_lines_and_types_unparsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = DOCUMENT.encode()
    first = yamlfile.parse(data, "p.yaml")
    assert first["impossible"] == "2026-02-30" and first["day"] == dt.date(2026, 12, 6)
    assert first["stamp"].utcoffset() == dt.timedelta(hours=5, minutes=30)
    assert first["utc"].tzinfo is dt.timezone.utc and first["naive"].tzinfo is None
    again = _parse_without_yaml(monkeypatch, data)
    assert _shape(again) == _shape(first)
    assert again["utc"].tzinfo is dt.timezone.utc
    assert again is not first and again["alias"] is not again["anchor"]  # fresh objects, as parsed


def test_other_bytes_are_parsed() -> None:
    yamlfile.parse(b"action: review\n", "p.yaml")
    assert yamlfile.parse(b"action: block\n", "p.yaml") == {"action": "block"}
    assert yamlfile.parse(b"action: block \n", "p.yaml") == {"action": "block"}


def test_a_document_of_nothing_is_remembered_as_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert yamlfile.parse(b"# only a comment\n", "p.yaml") is None
    assert _parse_without_yaml(monkeypatch, b"# only a comment\n") is None


def test_a_problem_is_reported_every_time() -> None:
    for _ in range(2):
        with pytest.raises(YamlProblem, match=r"p.yaml:2: duplicate key 'a'"):
            yamlfile.parse(b"a: 1\na: 2\n", "p.yaml")
        with pytest.raises(YamlProblem, match="not UTF-8"):
            yamlfile.parse(b"a: \xff\n", "p.yaml")


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short
        lambda text: text.replace('"block"', '"never"').replace('"key":"', '"key":"0'),  # another key's
        lambda text: text.replace('"block"', '["x", 1]'),  # an unknown tag
        lambda text: "[]",
    ],
)
def test_an_entry_that_cannot_be_read_whole_is_parsed_again(private_cache: Path, damage: Any) -> None:
    data = b"rules:\n  - action: block\n"
    first = yamlfile.parse(data, "p.yaml")
    (entry,) = (private_cache / yamlfile.PARSED_DIR).iterdir()
    entry.write_text(damage(entry.read_text()))
    assert _shape(yamlfile.parse(data, "p.yaml")) == _shape(first)


def test_an_entry_under_the_key_of_other_bytes_is_not_used(private_cache: Path) -> None:
    yamlfile.parse(b"action: block\n", "p.yaml")
    (entry,) = (private_cache / yamlfile.PARSED_DIR).iterdir()
    other = yamlfile._parsed_key(b"action: never\n")  # the same entry filed under another file's key
    assert other is not None
    entry.rename(entry.with_name(other + ".json"))
    assert yamlfile.parse(b"action: never\n", "p.yaml") == {"action": "never"}


def test_an_unwritable_cache_only_costs_a_parse(private_cache: Path) -> None:
    private_cache.mkdir()
    (private_cache / yamlfile.PARSED_DIR).write_text("not a folder")
    for _ in range(2):
        assert yamlfile.parse(b"a: 1\n", "p.yaml") == {"a": 1}


def test_old_entries_make_room(private_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlfile, "MAX_PARSED", 3)
    for i in range(5):
        yamlfile.parse(f"a: {i}\n".encode(), "p.yaml")
    assert len(os.listdir(private_cache / yamlfile.PARSED_DIR)) == 3


def test_a_remembered_file_is_read_without_importing_pyyaml(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(DOCUMENT)
    code = (
        "import json, sys\n"
        "from provcheck import yamlfile\n"
        "value = yamlfile.load(sys.argv[1])\n"
        "print(json.dumps(['yaml' in sys.modules, value['rules'][0]['action']]))\n"
    )
    env = {**os.environ, "PROVCHECK_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", code, str(tmp_path / "p.yaml")],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(2)
    ]
    assert runs == [[True, "block"], [False, "block"]]
