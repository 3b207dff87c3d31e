"""The catalogue of known datasets: licences, generating models and derivations as source facts.

Built by ``scripts/build_dataset_catalogue.py`` from the Data Provenance Initiative's metadata
(Apache-2.0; attribution and source commit in the file's ``about``) and shipped as package data.
A dataset a card declares (``source_datasets: [tatsu-lab/alpaca]``) or a source derives from
(``derived_from=tatsu-lab/alpaca``) resolves here to facts the rules test: the dataset's licence
and, as its parents, the models whose output it is (``model:openai/text-davinci-003``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provcheck.policy.model import SourceFacts
from provcheck.support.dates import parse_date

CATALOGUE_FILE = Path(__file__).with_name("datasets.json")


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Known datasets and the models that generated them, by name."""

    datasets: Mapping[str, SourceFacts]
    models: Mapping[str, SourceFacts]
    aliases: Mapping[str, str]
    """Lower-cased other names (collection names, GitHub repositories) -> dataset key."""
    about: Mapping[str, Any]
    """Where the facts come from: source repository, commit, licence, attribution."""
    folded: Mapping[str, str]
    """Lower-cased keys -> keys."""

    def key(self, name: str) -> str | None:
        """The catalogue's key for ``name`` (case-insensitive; aliases resolved), if known."""
        if name in self.datasets or name in self.models:
            return name
        folded = name.strip().lower()
        return self.folded.get(folded) or self.aliases.get(folded)

    def facts(self, name: str) -> SourceFacts | None:
        """Facts of a known dataset or model node."""
        key = self.key(name)
        if key is None:
            return None
        return self.datasets.get(key) or self.models.get(key)

    def whose(self, name: str) -> str:
        """``describe`` saying whose facts they are (``provcheck's catalogue: text-davinci-003
        output, CC-BY-NC-4.0``): beside what a card declares, "(text-davinci-003 output)" read as
        the card's own words where the card named only tatsu-lab/alpaca (counsel 23)."""
        if self.facts(name) is None:
            return "not in provcheck's catalogue"
        return f"provcheck's catalogue: {self.describe(name)}"

    def describe(self, name: str) -> str:
        """One line for people: ``text-davinci-003 output, CC-BY-NC-4.0``."""
        facts = self.facts(name)
        if facts is None:
            return "not in the catalogue"
        generators = [
            m.generator or f"{m.provider} model"
            for parent in facts.derived_from
            if (m := self.models.get(parent)) is not None
        ]
        upstream = [p for p in facts.derived_from if p not in self.models]
        parts = []
        if generators:
            parts.append(f"{', '.join(generators)} output")
        elif facts.origin == "human":
            parts.append("written by people")
        if upstream:
            parts.append(f"derived from {', '.join(upstream)}")
        parts.append(facts.license or "licence not stated")
        return ", ".join(parts)


def _date(value: Any) -> dt.date | None:
    # The shipped file is built and tested here: a bad date in it is a bug, not a user's input.
    return parse_date(value) if value else None


def _dataset(key: str, raw: Mapping[str, Any]) -> SourceFacts:
    licenses = [str(x) for x in raw.get("license") or []]
    return SourceFacts(
        name=key,
        license=" AND ".join(licenses) if licenses else None,
        origin=raw.get("origin"),
        derived_from=tuple(str(d) for d in raw.get("derived_from") or []),
        date=_date(raw.get("date")),
        url=raw.get("url"),
        meta={
            "catalogued": "true",
            "title": str(raw.get("name") or key),
            "facts_from": "; ".join(str(x) for x in raw.get("facts_from") or []),
        },
    )


def _model(key: str, raw: Mapping[str, Any]) -> SourceFacts:
    return SourceFacts(
        name=key,
        provider=raw.get("provider"),
        generator=raw.get("generator"),
        license=raw.get("license"),
        origin="generated",
        meta={"catalogued": "true"},
    )


def parse(doc: Mapping[str, Any]) -> Catalogue:
    """A catalogue from its JSON document."""
    datasets = {k: _dataset(k, v) for k, v in doc.get("datasets", {}).items()}
    models = {k: _model(k, v) for k, v in doc.get("models", {}).items()}
    return Catalogue(
        datasets=datasets,
        models=models,
        aliases={str(k).lower(): str(v) for k, v in doc.get("aliases", {}).items()},
        about=dict(doc.get("about", {})),
        folded={k.lower(): k for k in (*datasets, *models)},
    )


@functools.cache
def catalogue() -> Catalogue:
    """The shipped catalogue (read once per process)."""
    with open(CATALOGUE_FILE, encoding="utf-8") as fh:
        return parse(json.load(fh))
