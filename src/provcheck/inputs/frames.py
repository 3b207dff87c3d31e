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
  levels or at neither (a string index: ``df.set_index("id").to_json(orient="index")``) is
  told by two tests that must not disagree: which level's keys are record field names
  (``text``, ``instruction``, ``messages``...: the column names) and which level holds cells of
  one JSON type per column (pandas writes a column of one dtype). When neither decides, or they
  disagree, the object stays one record (every string of it is still read) and, when it is
  shaped like a frame (at least two members of at least two keys each), ``ambiguous_frame``
  says so: the reader reports it as a located error (the per-row structure, and with it
  per-record findings and waivers, is lost), with the orient that reads.

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

CHAT_HINT = (
    "a chat written as a bare array of messages has no field to read it from; "
    'write each as an object ({"messages": [...]}) to scan it'
)
"""Why a record that is an array of messages (``[{"role": ..., "content": ...}, ...]``) is refused:
the pandas hint sent such a file's owner looking for a DataFrame it never came from."""

_MESSAGE_KEYS = frozenset({"role", "from", "speaker", "author"})


LINE_HINT = 'a line that is an array has no field names; write one object a line ({"text": ...})'
"""Why a JSON Lines line that is an array (not of messages) is refused."""


def list_hint(value: list[Any], *, line: bool = False) -> str:
    """Why a record that is a JSON array is refused, in the words of what it looks like
    (``line``: a JSON Lines line, not an element of a JSON file's array)."""
    if value and all(isinstance(m, dict) and _MESSAGE_KEYS & set(m) for m in value):
        return CHAT_HINT
    return LINE_HINT if line else VALUES_HINT


FIELD_NAMES = frozenset(
    {
        *("text", "content", "body", "title", "id", "label", "source", "meta", "metadata"),
        *("instruction", "input", "output", "prompt", "completion", "response", "chosen", "rejected"),
        *("question", "answer", "query", "context", "system", "conversations", "conversation"),
        *("messages", "turns", "dialogue", "history", "reasoning", "thinking", "category"),
    }
)
"""Field names of text datasets: the keys of the level that holds the column names."""


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
    orient = _orient(value, members, inner)
    if orient == "index":
        return [dict(m) for m in members]
    if orient == "columns":
        return [{column: cells[label] for column, cells in value.items()} for label in inner]
    return None


def ambiguous_frame(value: dict[str, Any]) -> str | None:
    """Why an object read as one record may be a frame whose rows were not told apart, or None
    (``frame_rows`` read it, or it is not shaped like a frame)."""
    members = list(value.values())
    if len(members) < 2 or not all(isinstance(m, dict) and len(m) >= 2 for m in members):
        return None
    inner = list(members[0])
    if any(set(m) != set(inner) for m in members[1:]) or frame_rows(value) is not None:
        return None
    return (
        f"one JSON object of {len(members)} objects with the same {len(inner)} keys: a pandas frame "
        "written with orient='index' or 'columns' (a string index), or one record; which level "
        "holds the rows cannot be told (neither level's keys are record field names, or its cells "
        "of one type per column), so it was read as ONE record (every string of it is read, but "
        "findings and waivers name record 0); write the frame with orient='records' (or "
        "lines=True) to scan it row by row"
    )


def _orient(value: dict[str, Any], members: list[Any], inner: list[str]) -> str | None:
    """``index``, ``columns`` or None (undecided) for an object of objects with one key set."""
    outer_labels = all(_LABEL.fullmatch(k) for k in value)
    inner_labels = all(_LABEL.fullmatch(k) for k in inner)
    if outer_labels != inner_labels:
        return "index" if outer_labels else "columns"
    # Row labels at both levels or at neither (a string index): the column names are field
    # names, and a column's cells are of one type.
    by_name = _by_field_names(value, inner)
    by_type = _by_cell_types(members, inner)
    if by_name and by_type and by_name != by_type:
        return None
    return by_name or by_type


def _by_field_names(value: dict[str, Any], inner: list[str]) -> str | None:
    outer = any(k.lower() in FIELD_NAMES for k in value)
    within = any(k.lower() in FIELD_NAMES for k in inner)
    if outer == within:
        return None
    return "columns" if outer else "index"


def _kind(cell: Any) -> str | None:
    if cell is None:
        return None  # a missing cell (NaN, None) is null in any column
    if isinstance(cell, bool):
        return "bool"
    return "number" if isinstance(cell, (int, float)) else type(cell).__name__


def _by_cell_types(members: list[dict[str, Any]], inner: list[str]) -> str | None:
    """``index`` when each inner key's cells are of one type across the members (columns are
    the inner keys) and not each member's; ``columns`` the other way round."""

    def uniform(cells: list[Any]) -> bool:
        return len({k for k in map(_kind, cells) if k is not None}) <= 1

    as_index = all(uniform([m[key] for m in members]) for key in inner)
    as_columns = all(uniform(list(m.values())) for m in members)
    if as_index == as_columns:
        return None
    return "index" if as_index else "columns"


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


__all__ = [
    "CHAT_HINT",
    "FIELD_NAMES",
    "VALUES_HINT",
    "ambiguous_frame",
    "frame_rows",
    "is_table_schema",
    "list_hint",
]
