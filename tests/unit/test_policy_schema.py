"""policies/policy.schema.json (for editors) accepts every shipped pack and agrees with the loader."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from helpers import FIXTURES, ROOT
from provcheck.policy import loadstate as loader

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


def test_the_schema_knows_every_field_and_key_the_loader_knows() -> None:
    condition = SCHEMA["$defs"]["condition"]["oneOf"][1]["properties"]
    assert set(condition) - {"all", "any", "not"} == set(loader.FIELD_TYPES)
    assert set(SCHEMA["properties"]) == set(loader.TOP_KEYS)
    assert set(SCHEMA["$defs"]["rule"]["properties"]) == set(loader.RULE_KEYS)
    assert set(SCHEMA["$defs"]["source"]["properties"]) == set(loader.SOURCE_KEYS)
    assert set(SCHEMA["$defs"]["terms"]["properties"]["versions"]["items"]["properties"]) == set(
        loader.VERSION_KEYS
    )
    for ftype, ops in loader.OPS.items():
        assert set(SCHEMA["$defs"][f"op_{ftype}"]["properties"]) == set(ops)
