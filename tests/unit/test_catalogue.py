"""The catalogue of known datasets: rebuilt from its source, it is the file shipped."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from helpers import ROOT, SHARED
from provcheck.policy.catalogue import CATALOGUE_FILE, catalogue, parse
from provcheck.policy.licenses import traits


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
    assert known.describe("tatsu-lab/alpaca") == (
        "text-davinci-003 output, CC-BY-NC-4.0 AND LicenseRef-Alpaca-Research-Use-Only"
    )
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


KNOWN = {
    # key: (licences, generating models (catalogue nodes), origin), each from the dataset's own card
    # or repository (../shared/reference/terms-and-licences.md §6; the build script's REFINEMENTS).
    "tatsu-lab/alpaca": (
        ["CC-BY-NC-4.0", "LicenseRef-Alpaca-Research-Use-Only"],
        ["model:openai/text-davinci-003"],
        "generated",
    ),
    "sahil2801/CodeAlpaca-20k": (["CC-BY-NC-4.0"], ["model:openai/text-davinci-003"], "generated"),
    "teknium/GPTeacher-General-Instruct": (["MIT"], ["model:openai/gpt-4"], "generated"),
    "anon8231489123/ShareGPT_Vicuna_unfiltered": (
        ["LicenseRef-No-License"],
        ["model:openai/chatgpt"],
        "generated",
    ),
    "databricks/databricks-dolly-15k": (["CC-BY-SA-3.0"], [], "human"),
    "OpenAssistant/oasst1": (["Apache-2.0"], [], "human"),
    "stingning/ultrachat": (
        ["LicenseRef-UltraChat-Research-and-Education-Only", "MIT"],
        ["model:openai/chatgpt"],
        "generated",
    ),
    "allenai/WildChat": (
        ["LicenseRef-AI2-ImpACT-License-Low-Risk"],
        ["model:openai/gpt-3.5-turbo", "model:openai/gpt-4"],
        "generated",
    ),
}


def test_the_known_datasets_are_pinned_with_where_their_facts_come_from() -> None:
    raw = json.loads(CATALOGUE_FILE.read_text())["datasets"]
    for key, (licences, models, origin) in KNOWN.items():
        entry = raw[key]
        assert entry["license"] == licences, key
        assert [d for d in entry["derived_from"] if d.startswith("model:")] == models, key
        assert entry["origin"] == origin, key
        assert entry["facts_from"][0].startswith("Data Provenance Initiative metadata, data_summaries/"), key
    known = catalogue()
    assert known.describe("sahil2801/CodeAlpaca-20k") == "text-davinci-003 output, CC-BY-NC-4.0"
    assert known.describe("code_alpaca") == "text-davinci-003 output, CC-BY-NC-4.0"
    facts = known.facts("sahil2801/CodeAlpaca-20k")
    assert (
        facts is not None
        and "sahil280114/codealpaca (commit 2f78ddc): DATA_LICENSE is CC BY-NC 4.0"
        in (facts.meta["facts_from"])
    )


def test_every_entry_cites_where_its_facts_come_from() -> None:
    for key, entry in json.loads(CATALOGUE_FILE.read_text())["datasets"].items():
        assert entry["facts_from"] and all(isinstance(x, str) and x for x in entry["facts_from"]), key


def test_every_entry_agrees_with_its_card_or_says_why(corpora: Path) -> None:
    """A licence the dataset's Hugging Face card states (as the metadata records it) is in the
    entry, or the entry cites the dataset's own documentation that overrides it."""
    script = _script()
    raw = json.loads(CATALOGUE_FILE.read_text())["datasets"]
    refined = set(json.loads(CATALOGUE_FILE.read_text())["about"]["refinements"])
    checked = 0
    for path in sorted((corpora / "provenance").glob("data_summaries__*.json")):
        if "_template" in path.name:
            continue
        for entry in json.loads(path.read_text(encoding="utf-8")).values():
            key = script.dataset_key(entry)
            card = ((entry.get("Inferred Metadata") or {}).get("HF Yaml License") or "").strip()
            if key is None or not card or card in script.NOT_LICENSES:
                continue
            spdx = script.LICENSES.get(card) or script._slug(card)
            assert spdx in raw[key]["license"] or key in refined, (path.name, key, card)
            checked += 1
    assert checked > 100


ALPACA_README = (
    "Alpaca is intended and licensed for research use only. The dataset is CC BY NC 4.0 (allowing "
    "only non-commercial use) and models trained using the dataset should not be used outside of "
    "research purposes."
)
ALPACA_DATASHEET = (
    "This dataset is generated by using the OpenAI's API. Therefore, this dataset cannot be used for "
    "commerical usage that compete with OpenAI."
)


def test_alpaca_carries_its_research_only_statement_and_datasheet_sentence() -> None:
    """Outside counsel 21 (P8): Alpaca read as non-commercial only, though its README limits the
    data and the models trained on it to research; the catalogue now carries that statement (as
    a research-only licence the rules read) and the datasheet's OpenAI sentence, each quoted as
    the reference gives it (§6, V-P), and the licence conflict of its own metadata."""
    facts = catalogue().facts("tatsu-lab/alpaca")
    assert facts is not None and facts.license is not None
    assert "research-only" in traits(facts.license) and "noncommercial" in traits(facts.license)
    said = facts.meta["facts_from"]
    assert f"stanford_alpaca README (V-P): '{ALPACA_README}'" in said
    assert f"stanford_alpaca datasheet.md (V-P): '{ALPACA_DATASHEET}'" in said
    assert "datasheet.md says 'distributed under [the ODC-By license]'" in said
    assert "model_card.md says 'Code and data are licensed under the Apache 2.0 license'" in said


def test_the_alpaca_quotes_are_the_references_words() -> None:
    reference = SHARED / "reference" / "terms-and-licences.md"
    if not reference.exists():
        pytest.skip(f"reference not found at {reference}")
    text = reference.read_text(encoding="utf-8")
    for quote in (
        ALPACA_README,
        ALPACA_DATASHEET,
        "distributed under [the ODC-By license]",
        "Code and data are licensed under the Apache 2.0 license",
    ):
        assert quote in text, quote
