"""Data frames written as one JSON object (pandas ``DataFrame.to_json``), read as their rows.

``to_json`` writes a frame as records (an array of objects, read as any array) or, by
``orient``, as one object that the JSON reader took for a single record: ``split``
(``{"columns": [...], "index": [...], "data": [[...], ...]}``) and ``index``
(``{"0": {row}, "1": {row}}``) were one record holding every row, so that every finding named
record 0 and no row's schema was recognised; ``columns`` (pandas' default,
``{"column": {"0": cell, ...}, ...}``) was one record whose fields are dicts, refused by the
schema it resembled. Each shape is recognised here by what only it has, and its rows are given
as records in frame order:

- ``split``: exactly the keys ``columns``, ``data`` and optionally ``index``, distinct string
  column names, and rows of as many cells;
- ``index`` and ``columns``: an object of objects that all have the same keys, where one level's
  keys are row labels (integer strings, what pandas writes for its default index and for any
  integer or epoch-date index) and the other's are not: the row labels are the outer keys for
  ``index``, the inner keys for ``columns``. An object of objects whose keys are labels at both
  levels or at neither cannot be told apart from one record that happens to be so shaped, and
  stays one record (every string of it is still read).

``table`` is an array of records under ``data`` beside a Table Schema (``schema``), which the
reader streams; the schema member is metadata (field names and types), not a record
(``is_table_schema``). ``values`` (an array of arrays) has no field names: each row is refused,
located, with the orient that reads.
"""

from __future__ import annotations

import re
from typing import Any

_LABEL = re.compile(r"-?\d+")

VALUES_HINT = (
    "an array of arrays has no field names, as pandas to_json(orient='values') writes; "
    "write orient='records' (or lines=True) to scan it"
)
"""Why a row that is an array is refused (said with the row's location)."""


def frame_rows(value: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The rows of a frame written with ``orient`` split, index or columns, in order, or None
    when ``value`` is not such a frame (see the module's docstring)."""
    if set(value) in ({"columns", "data"}, {"columns", "index", "data"}):
        return _split(value)
    members = list(value.values())
    if not members or not all(isinstance(m, dict) and m for m in members):
        return None
    inner = list(members[0])
    if any(set(m) != set(inner) for m in members[1:]):
        return None
    outer_labels = all(_LABEL.fullmatch(k) for k in value)
    inner_labels = all(_LABEL.fullmatch(k) for k in inner)
    if outer_labels and not inner_labels:  # orient="index"
        return [dict(m) for m in members]
    if inner_labels and not outer_labels:  # orient="columns"
        return [{column: cells[label] for column, cells in value.items()} for label in inner]
    return None


def _split(value: dict[str, Any]) -> list[dict[str, Any]] | None:
    columns, data = value["columns"], value["data"]
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        return None
    if len(set(columns)) != len(columns) or not isinstance(data, list):
        return None
    if not all(isinstance(row, list) and len(row) == len(columns) for row in data):
        return None
    index = value.get("index", data)
    if not isinstance(index, list) or len(index) != len(data):
        return None
    return [dict(zip(columns, row, strict=True)) for row in data]


def is_table_schema(value: Any) -> bool:
    """True for the Table Schema pandas writes beside ``data`` (``orient="table"``): field names
    and types, and the primary key, which are metadata, not a record."""
    if not isinstance(value, dict) or not isinstance(value.get("fields"), list) or not value["fields"]:
        return False
    if not set(value) <= {"fields", "primaryKey", "pandas_version"}:
        return False
    return all(
        isinstance(f, dict) and isinstance(f.get("name"), (str, int)) and isinstance(f.get("type"), str)
        for f in value["fields"]
    )


__all__ = ["VALUES_HINT", "frame_rows", "is_table_schema"]
