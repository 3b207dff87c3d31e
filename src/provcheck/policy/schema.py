"""The structure of a policy file, defined once: ``policies/policy.schema.json`` (the schema
editors use) is what the loader checks every file against, and each error is reported at the
line of the value it is about, in the loader's words.

The Python loader keeps only what a schema cannot say: cross references (clauses cited, rules
disabled, includes, derivation cycles), real dates, regular expressions that compile, the fields
a kind of signal sets, message placeholders.

jsonschema is imported when a policy is loaded, not when provcheck starts (it costs more than
click). fastjsonschema was measured and left out: compiling this schema takes ~0.5 s per process
(or a generated 0.5 MB module kept in step by hand), and it stops at the first error, where
the loader reports every problem of a file at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from provcheck.policy.loadstate import packs_dir
from provcheck.yamlfile import LineDict, LineList

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_FILE = "policy.schema.json"

_TYPES = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "nothing",
}
_SECTIONS = {"rules": "rule", "markers": "marker", "sources": "source", "terms": "terms"}


def schema() -> dict[str, Any]:
    """The policy language's JSON schema, as shipped beside the packs."""
    loaded: dict[str, Any] = json.loads((packs_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    return loaded


@functools.cache
def _validator() -> tuple[Draft202012Validator, dict[int, str]]:
    from jsonschema import Draft202012Validator

    spec = schema()
    defs = spec["$defs"]
    # What an unknown key is called, by the (sub)schema that refused it.
    kinds = {
        id(spec): "key",
        id(defs["use"]): "use key",
        id(defs["source"]): "source key",
        id(defs["terms"]): "terms key",
        id(defs["terms"]["properties"]["versions"]["items"]): "version key",
        id(defs["clause_text"]): "clause key",
        id(defs["marker"]): "marker key",
        id(defs["rule"]): "rule key",
        id(defs["condition"]["oneOf"][1]): "field",
    }
    for branch in defs["rule"]["properties"]["clause"]["oneOf"]:
        kinds[id(branch)] = "clause key"
    for name, body in defs.items():
        if name.startswith("op_"):
            kinds[id(body)] = "operator"
    return Draft202012Validator(spec), kinds


def plain(value: Any, path: tuple[str | int, ...] = ()) -> Any:
    """The loaded YAML as the schema sees it.

    YAML reads ``2024-01-01`` as a date. Where the language takes a date (a source's ``date``,
    an ``effective``, the operands of ``source.date``) it becomes the ISO text an editor's schema
    plugin sees, which the schema checks; anywhere else it stays a date object, which no
    ``"type": "string"`` accepts, so that ``title: 2024-01-01`` is refused, not read as a title.
    """
    if isinstance(value, dict):
        return {str(k): plain(v, (*path, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, (dt.date, dt.datetime)) and _takes_date(path):
        return value.isoformat()
    return value


def _takes_date(path: tuple[str | int, ...]) -> bool:
    return bool(path) and (path[-1] in ("date", "effective", "seen") or "source.date" in path[-2:])


Place = tuple[int | None, int | None]
"""Line and column (from 1) in the file."""


def structure_problems(doc: Any) -> list[tuple[tuple[str | int, ...], Place, str]]:
    """Every structural problem of a policy document: (path of the value, place, message)."""
    from jsonschema.exceptions import best_match

    validator, kinds = _validator()
    out: list[tuple[tuple[str | int, ...], Place, str]] = []
    seen: set[tuple[Place, str]] = set()
    for error in _leaves(validator.iter_errors(plain(doc)), best_match):
        for path, message in _messages(error, kinds):
            place = _place(doc, path)
            key = (place, message)
            if key not in seen:
                seen.add(key)
                out.append((path, place, _context(doc, path) + message))
    out.sort(key=lambda p: (p[1][0] or 0, p[1][1] or 0))
    return out


def _leaves(errors: Iterator[ValidationError], best_match: Any) -> Iterator[ValidationError]:
    """The errors to report: for a ``oneOf`` (a condition is a list or a mapping; a value or
    an operator mapping), every error of the branch that went furthest, as check-jsonschema
    picks it with ``best_match``, and not only the first of them."""
    for error in errors:
        if not error.context:
            yield error
            continue
        leaf = best_match([error])
        assert leaf is not None
        child = leaf
        while child.parent is not None and child.parent is not error:
            child = child.parent
        if child.parent is not error:
            yield leaf
            continue
        branch = child.relative_schema_path[0]
        yield from _leaves(
            iter([e for e in error.context if e.relative_schema_path[0] == branch]), best_match
        )


def _messages(error: ValidationError, kinds: dict[int, str]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    path = tuple(error.absolute_path)
    name = str(path[-1]) if path else "the policy"
    value: Any = error.instance
    kind: Any = error.validator
    spec: Any = error.schema
    limit: Any = error.validator_value
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = list(spec.get("properties", {}))
        patterns = [re.compile(p) for p in spec.get("patternProperties", {})]
        what = kinds.get(id(spec), "key")
        shown = [*allowed, "source.meta.KEY"] if patterns else allowed
        for key in value:
            if key in allowed or any(p.search(key) for p in patterns):
                continue
            import difflib  # a misspelling's hint only: not on every policy load's path

            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ";"
            owner = f"{path[-1]}: " if what == "operator" and path else ""
            yield (*path, key), f"{owner}unknown {what} {key!r}{hint} allowed: {', '.join(shown)}"
    elif kind == "enum":
        options = ", ".join(str(v) for v in limit)
        import difflib  # a misspelling's hint only: not on every policy load's path

        close = difflib.get_close_matches(str(value), [str(v) for v in limit], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ";"
        yield path, f"unknown {name} {value!r}{hint} allowed: {options}"
    elif kind == "const":
        yield path, f"{name} {value!r}; allowed: {limit!r}"
    elif kind == "type":
        wanted = limit if isinstance(limit, list) else [limit]
        expected = " or ".join(_TYPES.get(str(t), str(t)) for t in wanted)
        yield path, f"{_label(path)}: expected {expected}, found {value!r}"
    elif kind == "required" and isinstance(value, dict):
        for key in limit:
            if key not in value:
                yield path, f"'{key}' is required"
    elif kind == "pattern" and path and path[-1] == "id":
        yield path, f"'id' {value!r}: lowercase letters, digits, . _ / - (at most 100)"
    elif kind == "pattern":
        yield path, f"{_label(path)}: {value!r} is not of the form {limit}"
    elif kind in ("minItems", "minProperties"):
        yield path, f"{_label(path)}: must not be empty"
    elif kind == "minLength":
        yield path, f"{_label(path)}: must not be an empty string"
    elif kind == "maxLength":
        yield path, f"{_label(path)}: longer than {limit} characters"
    elif kind in ("oneOf", "anyOf") and error.context:
        # No branch went further than another: name what each would have taken.
        forms: list[str] = []
        for e in error.context:
            if e.validator == "type":
                given: Any = e.validator_value
                wanted = given if isinstance(given, list) else [given]
                forms.extend(_TYPES.get(str(t), str(t)) for t in wanted)
            else:
                forms.append(f"a value that {e.message}")
        expected = " or ".join(dict.fromkeys(forms))
        yield path, f"{_label(path)}: expected {expected}, found {value!r}"
    elif kind == "oneOf":
        yield path, f"{_label(path)}: matches more than one of its forms; give only one"
    else:
        yield path, f"{_label(path)}: {error.message}"


def _label(path: tuple[str | int, ...]) -> str:
    """``when.match.similarity gte``: the path inside the rule, marker, source or terms entry."""
    if len(path) == 1:
        return str(path[0])  # a section's own value (a blank `rules:`), named, not "the policy"
    inner = path[2:] if path and path[0] in _SECTIONS else path
    parts = [f"[{p}]" if isinstance(p, int) else str(p) for p in inner]
    return " ".join(parts) if parts else "the policy"


def _context(doc: Any, path: tuple[str | int, ...]) -> str:
    """``rule 'r1': `` when the problem is inside an entry that has a name."""
    if len(path) < 2 or path[0] not in _SECTIONS or not isinstance(doc, dict):
        return ""
    section: Any = doc.get(str(path[0]))
    try:
        entry = section[path[1]]
    except (KeyError, IndexError, TypeError):
        return ""
    name = entry.get("id") if isinstance(entry, dict) and isinstance(path[1], int) else path[1]
    if (len(path) == 2 and isinstance(path[1], int)) or path[2:] == ("id",):
        return ""  # the entry itself, or its id: the id may be what is wrong
    return f"{_SECTIONS[str(path[0])]} {name!r}: " if isinstance(name, str) else ""


def _place(doc: Any, path: tuple[str | int, ...]) -> Place:
    """Line and column of the key (or list item) at ``path``, or of the nearest enclosing one."""
    line, column = getattr(doc, "line", None) or 1, None
    node = doc
    for step in path:
        if isinstance(node, LineDict) and isinstance(step, str) and step in node:
            line, column = node.line_of(step), node.column_of(step)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line, column = node.item_lines[step], node.item_columns[step]
            node = node[step]
        else:
            break
    return line, column
