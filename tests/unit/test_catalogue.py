"""The catalogue of known datasets: rebuilt from its source, it is the file shipped."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from helpers import ROOT
from provcheck.policy.catalogue import CATALOGUE_FILE, catalogue, parse


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "build_catalogue", ROOT / "scripts" / "build_dataset_catalogue.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_catalogue_is_what_the_script_builds(corpora: Path, tmp_path: Path) -> None:
    script = _script()
    out = tmp_path / "datasets.json"
    assert script.main([str(corpora / "provenance"), "--commit", "ce6662d", "-o", str(out)]) == 0
    assert out.read_text() == CATALOGUE_FILE.read_text()


def test_the_catalogue_keeps_attribution_and_resolves_names() -> None:
    about = catalogue().about
    assert about["source_license"] == "Apache-2.0" and about["source_commit"] == "ce6662d"
    assert "Data-Provenance-Collection" in about["derived_from"]
    known = catalogue()
    assert known.describe("tatsu-lab/alpaca") == "text-davinci-003 output, CC-BY-NC-4.0"
    assert known.key("ALPACA") == known.key("tatsu-lab/stanford_alpaca") == "tatsu-lab/alpaca"
    assert known.describe("databricks/databricks-dolly-15k") == "written by people, CC-BY-SA-3.0"
    assert known.facts("nobody/nothing") is None


def test_a_catalogue_document_parses_into_source_facts() -> None:
    doc = {
        "datasets": {
            "o/d": {
                "name": "D",
                "license": ["MIT", "CC-BY-NC-4.0"],
                "derived_from": ["model:x/y"],
                "date": "2024-01-02",
            }
        },
        "models": {"model:x/y": {"provider": "x", "generator": "y"}},
        "aliases": {"dee": "o/d"},
    }
    cat = parse(json.loads(json.dumps(doc)))
    facts = cat.facts("DEE")
    assert (
        facts is not None and facts.license == "MIT AND CC-BY-NC-4.0" and facts.derived_from == ("model:x/y",)
    )
    assert cat.describe("o/d") == "y output, MIT AND CC-BY-NC-4.0"
