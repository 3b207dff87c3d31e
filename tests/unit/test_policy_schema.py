"""policies/policy.schema.json (for editors) accepts every shipped pack and agrees with the loader."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from helpers import FIXTURES, ROOT
from provcheck.errors import PolicyError
from provcheck.policy import load_policy
from provcheck.policy import loadstate as loader
from provcheck.policy.load_rules import CLOSED
from provcheck.policy.model import comparisons

SCHEMA = json.loads((ROOT / "policies" / "policy.schema.json").read_text())
PACKS = sorted((ROOT / "policies").glob("*.yaml"))


def _plain(value: Any) -> Any:
    """YAML as an editor's JSON-schema plugin sees it: dates are strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA)


@pytest.mark.parametrize("path", [*PACKS, FIXTURES / "demo" / "policy.yaml"], ids=lambda p: p.name)
def test_every_shipped_pack_matches_the_schema(path: Path) -> None:
    errors = [e.message for e in _validator().iter_errors(_plain(yaml.safe_load(path.read_text())))]
    assert errors == []


def test_the_schema_rejects_what_the_loader_rejects() -> None:
    bad = {
        "colour": "blue",
        "rules": [
            {"id": "r", "title": "t", "action": "nuke"},
            {"id": "r2", "title": "t", "action": "warn", "when": {"source.provder": "x"}},
            {"id": "r3", "title": "t", "action": "warn", "when": {"match.similarity": {"gte": "high"}}},
        ],
    }
    messages = " | ".join(e.message for e in _validator().iter_errors(bad))
    assert "'colour' was unexpected" in messages
    paths = {tuple(e.absolute_path) for e in _validator().iter_errors(bad)}
    assert ("rules", 0, "action") in paths and ("rules", 1, "when") in paths and ("rules", 2, "when") in paths


def _sample(ftype: str, op: str) -> Any:
    if op == "exists":
        return True
    if op in ("in", "not_in"):
        return ["x", "y"]
    if op in ("glob", "regex", "contains"):
        return "x*" if op == "glob" else "x"
    return {"num": 0.5, "bool": True, "date": "2024-01-01"}.get(ftype, "x")


def _signal_of(field: str) -> str:
    return next(s for s, prefixes in loader.SIGNAL_FIELDS.items() if field.startswith(prefixes))


def test_the_schema_and_the_loader_know_the_same_fields() -> None:
    condition = SCHEMA["$defs"]["condition"]["oneOf"][1]
    assert set(condition["properties"]) - {"all", "any", "not"} == set(loader.FIELD_TYPES)
    for field, ftype in loader.FIELD_TYPES.items():
        forms = condition["properties"][field]["oneOf"]
        assert {"$ref": f"#/$defs/op_{ftype}"} in forms, field
        ops = SCHEMA["$defs"][f"op_{ftype}"]["properties"]
        # A plain list means `in` (policy/load_rules.py): allowed only where `in` is an operator.
        assert any(f.get("type") == "array" for f in forms) == ("in" in ops), field


@pytest.mark.parametrize("field", sorted(loader.FIELD_TYPES))
def test_every_operator_the_schema_allows_loads_and_evaluates(field: str, tmp_path: Path) -> None:
    """Stronger than comparing key tables: each field with each of its operators (and its
    plain forms) is accepted by the loader and evaluated without error."""
    ftype = loader.FIELD_TYPES[field]
    ops = list(SCHEMA["$defs"][f"op_{ftype}"]["properties"])
    plain = _sample(ftype, "equals")
    conditions = [{field: {op: _sample(ftype, op)}} for op in ops] + [{field: plain}]
    if "in" in ops:
        conditions.append({field: ["x", "y"]})
    if field in CLOSED:  # a fixed set of words: the loader refuses others (x, y)
        words = sorted(CLOSED[field])
        swap = {"x": words[0], "y": words[-1]}

        def closed(value: Any) -> Any:
            if isinstance(value, list):
                return [swap.get(v, v) for v in value]
            return swap.get(value, value) if isinstance(value, str) else value

        conditions = [
            {
                field: {op: closed(v) for op, v in w[field].items()}
                if isinstance(w[field], dict)
                else closed(w[field])
            }
            for w in conditions
        ]
    doc = {
        "rules": [
            {"id": f"r{i}", "title": "t", "action": "warn", "signal": _signal_of(field), "when": when}
            for i, when in enumerate(conditions)
        ]
    }
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(doc))
    policy = load_policy(str(path))
    value = {"num": 0.7, "bool": False, "date": dt.date(2024, 6, 1)}.get(ftype, "xy")
    for rule in policy.rules:
        for comparison in comparisons(rule.when):
            assert comparison.holds({field: value}) in (True, False)


def test_a_policy_using_every_key_of_the_schema_loads(tmp_path: Path) -> None:
    """Every key the schema allows is one the loader reads (or knowingly keeps as text)."""
    defs = SCHEMA["$defs"]
    full = {
        "version": 1,
        "name": "all keys",
        "description": "d",
        "reference": "terms-and-licences",
        "include": [],
        "use": {"purpose": ["fine-tune"], "commercial": True, "distributed": False, "research_only": False},
        "sources": {
            "s": {
                "provider": "p",
                "generator": "g",
                "license": "MIT",
                "terms": "t",
                "origin": "generated",
                "derived_from": [],
                "date": "2024-01-01",
                "url": "https://example.org",
                "description": "d",
                "meta": {"k": "v"},
            }
        },
        "terms": {
            "t": {
                "document": "T",
                "url": "https://example.org",
                "select": "date",
                "versions": [
                    {
                        "effective": "2024-01-01",
                        "effective_note": "the date the version is headed with",
                        "date_label": "Updated",
                        "seen": "2025-11-11",
                        "url": "https://example.org",
                        "document": "T v1",
                        "generators": ["g"],
                        "licenses": ["MIT"],
                        "datasets": ["d"],
                        "clauses": {"c": {"quote": "q", "section": "1", "confidence": "verbatim"}},
                    },
                ],
            },
            "t2": {
                "document": "Licence texts",
                "select": "licence",
                "versions": [
                    {
                        # An undated text (a licence's): its version and what is known of its date.
                        "licenses": ["CC-BY-4.0"],
                        "version": "4.0",
                        "date_note": "no date of this text is on record",
                        "clauses": {"c": {"quote": "q"}},
                    },
                ],
            },
        },
        "markers": [
            {"id": "m", "label": "M", "phrases": ["as an ai"], "provider": "p", "case_sensitive": False}
        ],
        "rules": [
            {
                "id": "r",
                "title": "R",
                "when": {"source.name": "s"},
                "signal": "match",
                "action": "block",
                "action_before_wording": "review",
                "message": "m {source.name}",
                "rationale": "r",
                "remediation": "r",
                "clause": {"terms": "t", "clause": "c"},
                "enabled": True,
                "tags": ["x"],
            }
        ],
        "disable": [],
    }
    assert set(full) == set(SCHEMA["properties"])
    assert set(full["rules"][0]) == set(defs["rule"]["properties"])
    assert set(full["sources"]["s"]) == set(defs["source"]["properties"])
    assert set(full["terms"]["t"]) == set(defs["terms"]["properties"])
    # 'date_note' only on a version without 'effective' (the loader refuses it beside one).
    assert set(full["terms"]["t"]["versions"][0]) | set(full["terms"]["t2"]["versions"][0]) == set(
        defs["terms"]["properties"]["versions"]["items"]["properties"]
    )
    assert set(full["markers"][0]) | {"pattern"} == set(defs["marker"]["properties"])
    assert set(full["use"]) == set(defs["use"]["properties"])
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(full))
    policy = load_policy(str(path))
    assert policy.name == "all keys" and policy.sources["s"].meta == {"k": "v"}
    assert policy.terms["t"].versions[0].datasets == ("d",) and policy.markers[0].provider == "p"
    assert policy.terms["t"].versions[0].seen == dt.date(2025, 11, 11)
    assert policy.terms["t"].versions[0].effective_note == "the date the version is headed with"
    assert policy.terms["t"].versions[0].date_label == "Updated"
    assert policy.references == ("terms-and-licences",)


_ODD_VALUES: list[Any] = [
    None,
    1,
    1.5,
    True,
    "",
    "  ",
    [],
    ["x"],
    [1],
    {},
    {"a": 1},
    "2024-02-30",
    dt.date(2024, 1, 1),
    "Bad Id",
    "x" * 600,
    [{}],
    {"gte": "high"},
    {"in": []},
]
_ODD_KEYS = [
    "colour",
    "id",
    "when",
    "all",
    "not",
    "source.name",
    "match.similarity",
    "source.date",
    "in",
    "glob",
    "effective",
    "select",
    "quote",
    "versions",
    "phrases",
    "pattern",
    "clause",
]


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        out.extend(_nodes(child, (*path, key)))
    return out


def test_mutated_packs_load_or_are_refused_with_located_problems(tmp_path: Path) -> None:
    """Damage the shipped packs at random (a wrong value, a missing or an unknown key): each
    either loads or is refused with every problem located; never a traceback. (A run of 1,500
    such files against main's loader also showed that each one it refused is still refused.)"""
    rng = random.Random(16)
    packs = [yaml.safe_load(p.read_text()) for p in PACKS]
    for n in range(80):
        doc = copy.deepcopy(rng.choice([p for p in packs if p]))
        for _ in range(rng.randint(1, 2)):
            path = rng.choice(_nodes(doc))
            parent = doc
            for step in path[:-1]:
                parent = parent[step]
            roll = rng.random()
            if roll < 0.5 or not isinstance(parent, dict):
                parent[path[-1]] = rng.choice(_ODD_VALUES)
            elif roll < 0.7:
                del parent[path[-1]]
            else:
                parent[rng.choice(_ODD_KEYS)] = rng.choice(_ODD_VALUES)
        target = tmp_path / f"p{n}.yaml"
        target.write_text(yaml.safe_dump(doc, allow_unicode=True))
        try:
            load_policy(str(target))
        except PolicyError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert re.match(rf"{re.escape(str(tmp_path))}/[^:]+\.yaml:\d+(:\d+)?: ", problem), problem
