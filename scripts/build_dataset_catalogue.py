#!/usr/bin/env python3
"""Derive provcheck's catalogue of known datasets from the Data Provenance Initiative metadata.

    python scripts/build_dataset_catalogue.py ../shared/corpora/provenance \
        --commit ce6662d -o src/provcheck/policy/datasets.json

The input is the ``data_summaries__*.json`` files of Data-Provenance-Initiative/
Data-Provenance-Collection (Apache-2.0). The output keeps only facts a policy can act on, per
dataset: licences (as SPDX ids or ``LicenseRef-``; where the dataset's Hugging Face card, as the
metadata records it, names a licence the metadata does not, both are kept: the stricter reading),
the models that generated it (provider and generator), the datasets it derives from, how it came
to be, when it was published and where each fact comes from (``facts_from``). It is
keyed by Hugging Face dataset id (else GitHub ``owner/repo``), with aliases for other names.
No text of the input is copied beyond names, URLs and those facts.

A few generators are refined from the dataset's own documentation where the metadata is
coarser (e.g. Alpaca: "OpenAI GPT-3" -> text-davinci-003); each refinement says where it comes
from (``REFINEMENTS``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

SOURCE_REPO = "https://github.com/Data-Provenance-Initiative/Data-Provenance-Collection"

LICENSES = {
    "MIT License": "MIT",
    "Apache License 2.0": "Apache-2.0",
    "Apache 2.0": "Apache-2.0",
    "CC BY-SA 4.0": "CC-BY-SA-4.0",
    "CC BY-SA 3.0": "CC-BY-SA-3.0",
    "CC BY-SA 2.0": "CC-BY-SA-2.0",
    "CC BY-SA": "LicenseRef-CC-BY-SA-unversioned",
    "CC BY-NC 4.0": "CC-BY-NC-4.0",
    "CC BY-NC 3.0": "CC-BY-NC-3.0",
    "CC BY-NC 2.0": "CC-BY-NC-2.0",
    "CC BY-NC-SA 4.0": "CC-BY-NC-SA-4.0",
    "CC BY-NC-SA 3.0": "CC-BY-NC-SA-3.0",
    "CC BY-NC-ND 4.0": "CC-BY-NC-ND-4.0",
    "CC BY-NC-ND 3.0": "CC-BY-NC-ND-3.0",
    "CC BY-ND 4.0": "CC-BY-ND-4.0",
    "CC BY 4.0": "CC-BY-4.0",
    "CC BY 3.0": "CC-BY-3.0",
    "CC BY 2.5": "CC-BY-2.5",
    "CC BY 2.0": "CC-BY-2.0",
    "CC0 1.0": "CC0-1.0",
    "BSD 3-Clause License": "BSD-3-Clause",
    "BSD 2-Clause License": "BSD-2-Clause",
    "GNU General Public License v3.0": "GPL-3.0-only",
    "GNU General Public License v2.0": "GPL-2.0-only",
    "LGPL 2.1": "LGPL-2.1-only",
    "LGPL 3.0": "LGPL-3.0-only",
    "MPL 2.0": "MPL-2.0",
    "ISC License": "ISC",
    "EPL 1.0": "EPL-1.0",
    "Artistic License 2.0": "Artistic-2.0",
    "Academic Free License v3.0": "AFL-3.0",
    "CDLA Sharing 1.0": "CDLA-Sharing-1.0",
    "CDLA Permissive 1.0": "CDLA-Permissive-1.0",
    "CDLA Permissive 2.0": "CDLA-Permissive-2.0",
    "ODC BY 1.0": "ODC-By-1.0",
    "C-UDA": "C-UDA-1.0",
    "Non Commercial": "LicenseRef-NonCommercial",
    "Academic Research Purposes Only": "LicenseRef-Academic-Research-Only",
    "No License": "LicenseRef-No-License",
    "Llama 2": "LicenseRef-Llama-2",
    "Meta Llama3 Community License": "LicenseRef-Llama-3",
    "LMSYS-Chat-1M Dataset License": "LicenseRef-LMSYS-Chat-1M",
    "BigScience OpenRAIL-M": "LicenseRef-BigScience-OpenRAIL-M",
}
"""The metadata's licence names -> SPDX ids (``LicenseRef-`` where SPDX has none)."""
NOT_LICENSES = {"Unspecified", "Various", ""}
PROVIDER_TERMS = {"OpenAI": "openai", "Anthropic": "anthropic"}
"""'Licences' that mean "subject to this provider's terms": recorded as a generating provider."""

MODELS: dict[str, tuple[str | None, str, str | None]] = {
    "OpenAI GPT-1": ("openai", "gpt-1", None),
    "OpenAI GPT-2": ("openai", "gpt-2", None),
    "OpenAI GPT-3": ("openai", "gpt-3", None),
    "OpenAI Codex": ("openai", "codex", None),
    "OpenAI ChatGPT": ("openai", "chatgpt", None),
    "OpenAI GPT-3.5-Turbo": ("openai", "gpt-3.5-turbo", None),
    "OpenAI GPT-3.5-turbo": ("openai", "gpt-3.5-turbo", None),
    "OpenAI GPT-3.5-turbo-instruct": ("openai", "gpt-3.5-turbo-instruct", None),
    "OpenAI GPT-4": ("openai", "gpt-4", None),
    "OpenAI GPT-4-Turbo": ("openai", "gpt-4-turbo", None),
    "OpenAI Playground": ("openai", "openai-playground", None),
    "Anthropic Internal Models": ("anthropic", "anthropic-internal", None),
    "Claude 2.1": ("anthropic", "claude-2.1", None),
    "Command R+": ("cohere", "command-r-plus", None),
    "Llama-2-70b-chat-hf": ("meta", "llama-2-70b-chat", "LicenseRef-Llama-2"),
    "LLaMA-2-chat-70b": ("meta", "llama-2-70b-chat", "LicenseRef-Llama-2"),
    "LLama-2-7B-chat": ("meta", "llama-2-7b-chat", "LicenseRef-Llama-2"),
    "Llama-3-70B-Instruct": ("meta", "llama-3-70b-instruct", "LicenseRef-Llama-3"),
    "Llama-3.1-405B-Instruct": ("meta", "llama-3.1-405b-instruct", "LicenseRef-Llama-3.1"),
    "Llama 13B": ("meta", "llama-13b", None),
    "Mistral-7B-Instruct": ("mistral", "mistral-7b-instruct", None),
    "Mistral-7B-Instruct-v0.2": ("mistral", "mistral-7b-instruct-v0.2", None),
    "Mixtral-8x7B": ("mistral", "mixtral-8x7b", None),
    "Google Translate": ("google", "google-translate", None),
    "Google Cloud Translation API": ("google", "google-cloud-translation", None),
    "T5": ("google", "t5", None),
    "T5-XXL": ("google", "t5-xxl", None),
    "flan-t5": ("google", "flan-t5", None),
    "Flan-T5": ("google", "flan-t5", None),
    "Bing Chat": ("microsoft", "bing-chat", None),
    "DeepL": ("deepl", "deepl", None),
    "01-ai/Yi-34B-Chat": ("01-ai", "yi-34b-chat", None),
}
"""The metadata's model names -> (provider, generator, weights licence where verified)."""
NOT_MODELS = {"templates", "Templates", "Other", ""}
"""Entries of "Model Generated" that name no model."""

REFINEMENTS: dict[str, dict[str, Any]] = {
    "tatsu-lab/alpaca": {
        "generators": [("openai", "text-davinci-003", None)],
        "license": ["CC-BY-NC-4.0", "LicenseRef-Alpaca-Research-Use-Only"],
        "why": [
            "stanford_alpaca README: outputs 'as generated by text-davinci-003'",
            "stanford_alpaca README (V-P): 'Alpaca is intended and licensed for research use only. The "
            "dataset is CC BY NC 4.0 (allowing only non-commercial use) and models trained using the "
            "dataset should not be used outside of research purposes.' (kept as "
            "LicenseRef-Alpaca-Research-Use-Only beside CC-BY-NC-4.0: the restriction reaches models "
            "trained on it)",
            "stanford_alpaca datasheet.md (V-P): 'This dataset is generated by using the OpenAI's API. "
            "Therefore, this dataset cannot be used for commerical usage that compete with OpenAI.'",
            "licence conflict (V-P): datasheet.md says 'distributed under [the ODC-By license]' and "
            "model_card.md says 'Code and data are licensed under the Apache 2.0 license'; the most "
            "restrictive reading is kept (CC-BY-NC-4.0 and the research-only statement)",
        ],
    },
    "teknium/GPT4-LLM-Cleaned": {
        "generators": [("openai", "gpt-4", None)],
        "why": "GPT-4-LLM README: generated by GPT-4",
    },
    "WizardLM/evol_instruct_70k": {
        "generators": [("openai", "gpt-3.5-turbo", None)],
        "why": "WizardLM Evol_Instruct/openai_access.py: model='gpt-3.5-turbo'",
    },
    "project-baize/baize-chatbot": {
        "generators": [("openai", "gpt-3.5-turbo", None)],
        "why": "Baize collect.py: ChatGPT self-chat (openai.ChatCompletion)",
    },
    "anon8231489123/ShareGPT_Vicuna_unfiltered": {
        "generators": [("openai", "chatgpt", None)],
        "license": ["LicenseRef-No-License"],
        "why": "FastChat README: user-shared ChatGPT conversations from ShareGPT.com, and 'We will not "
        "release the ShareGPT dataset': no licence was given (the metadata says Unspecified)",
    },
    "databricks/databricks-dolly-15k": {
        "origin": "human",
        "why": "Dolly README: written by Databricks employees, told to avoid generative AI",
    },
    "sahil2801/CodeAlpaca-20k": {
        "generators": [("openai", "text-davinci-003", None)],
        "license": ["CC-BY-NC-4.0"],
        "why": "sahil280114/codealpaca (commit 2f78ddc): DATA_LICENSE is CC BY-NC 4.0, the README gives "
        "each output 'as generated by text-davinci-003' and generate_instruction.py calls "
        "text-davinci-003; the metadata's 'GPT-4' and the Hugging Face card's cc-by-4.0 tag disagree "
        "with the source repository",
    },
    "OpenAssistant/oasst1": {
        "license": ["Apache-2.0"],
        "origin": "human",
        "why": "oasst1 Hugging Face card and Open-Assistant repository: apache-2.0 (the metadata's own "
        "'HF Yaml License' and 'GitHub License'; its 'CC BY 4.0' disagrees with both); written by "
        "LAION-AI annotators (the metadata's License Notes)",
    },
    "stingning/ultrachat": {
        "license": ["MIT", "LicenseRef-UltraChat-Research-and-Education-Only"],
        "why": "UltraChat README: 'The dataset is intended solely for research and educational purposes' "
        "and 'distributed under the MIT license' (the card and the repository say MIT; the metadata's "
        "'CC BY-NC 4.0' is stated by neither): MIT with the research-only statement, the stricter "
        "reading",
    },
    "HuggingFaceH4/ultrachat_200k": {
        "license": ["MIT", "LicenseRef-UltraChat-Research-and-Education-Only"],
        "why": "a filtered UltraChat: the card says MIT (the metadata's 'HF Yaml License'), and UltraChat's "
        "README limits the data to research and education (see stingning/ultrachat)",
    },
    "allenai/WildChat": {
        "generators": [("openai", "gpt-3.5-turbo", None), ("openai", "gpt-4", None)],
        "why": "the metadata's own entries are named gpt-3.5-turbo and gpt-4 (its 'Model Generated' says "
        "GPT-3 for the first)",
    },
}
"""Facts from the datasets' own documentation (../shared/reference/terms-and-licences.md §6,
verified in the primary sources; quotes verbatim, with the reference's confidence) that refine
the metadata: where the metadata and the dataset's own card or repository disagree, what the
licensor states wins, and each refinement says where it comes from (it is cited in the entry's
``facts_from`` beside the metadata file; ``why`` may be a list: one entry each)."""

_HF = re.compile(r"(?:huggingface\.co|hf\.co)/datasets/([^/?#]+(?:/[^/?#]+)?)")
_GH = re.compile(r"github\.com/([^/?#]+/[^/?#]+)")
_DATES = ("HF Date", "Github Date", "S2 Date", "PwC Date")


def dataset_key(entry: dict[str, Any]) -> str | None:
    """Hugging Face id, else GitHub owner/repo, else None."""
    inferred = ((entry.get("Inferred Metadata") or {}).get("HF Dataset") or "").strip()
    if re.fullmatch(r"[\w.-]+(?:/[\w.-]+)?", inferred):
        return inferred
    m = _HF.search(entry.get("Hugging Face URL") or "")
    if m:
        return m.group(1).removesuffix("/viewer").strip()
    for field in ("GitHub URL", "Hugging Face URL", "Dataset URL"):
        m = _GH.search(entry.get(field) or "")
        if m:
            return m.group(1).removesuffix(".git")
    return None


def _slug(name: str) -> str:
    return "LicenseRef-" + re.sub(r"[^A-Za-z0-9.]+", "-", name).strip("-")


def _date(entry: dict[str, Any]) -> str | None:
    found = []
    for key in _DATES:
        value = (entry.get("Inferred Metadata") or {}).get(key) or ""
        try:
            found.append(dt.date.fromisoformat(str(value)[:10]))
        except ValueError:
            continue
    return min(found).isoformat() if found else None


_GENERIC = frozenset({"dataset", "datasets", "data", "collection", "the", "and", "for", "chat", "instruct"})


def _names_collection(name: str | None, collection: str | None, key: str) -> bool:
    """True when a subset's ``name`` names the dataset it is filed under: it contains a
    distinctive word of its ``collection``'s name, or is the dataset id's name (``prm800k``)."""
    if not name:
        return False
    squashed = re.sub(r"[^a-z0-9]+", "", name.lower())
    repo = re.sub(r"[^a-z0-9]+", "", key.rsplit("/", 1)[-1].lower())
    if squashed and (squashed in repo or repo in squashed):
        return True
    words = {w for w in re.split(r"[^a-z0-9]+", (collection or "").lower()) if len(w) >= 3}
    return any(w in name.lower() for w in words - _GENERIC)


def build(folder: Path, commit: str) -> dict[str, Any]:
    """The catalogue as plain data."""
    merged: dict[str, dict[str, Any]] = {}
    names: dict[str, set[str]] = defaultdict(set)
    skipped = 0
    files = sorted(p for p in folder.glob("data_summaries__*.json") if "_template" not in p.name)
    for path in files:
        entries = json.loads(path.read_text(encoding="utf-8"))
        for uid, entry in entries.items():
            key = dataset_key(entry)
            if key is None:
                skipped += 1
                continue
            item = merged.setdefault(
                key,
                {
                    "name": entry.get("Collection") or entry.get("Dataset Name") or key,
                    "url": entry.get("Dataset URL") or entry.get("Hugging Face URL") or None,
                    "licenses": set(),
                    "generators": set(),
                    "derived_from": set(),
                    "human": False,
                    "dates": set(),
                    "creators": set(),
                    "provider_terms": set(),
                    "files": set(),
                    "cards": set(),
                },
            )
            item["files"].add(path.name)
            card = ((entry.get("Inferred Metadata") or {}).get("HF Yaml License") or "").strip()
            if card and card not in NOT_LICENSES:
                item["cards"].add(LICENSES.get(card) or _slug(card))
            for lic in entry.get("Licenses") or []:
                name = (lic.get("License") or "").strip()
                if name in PROVIDER_TERMS:
                    item["generators"].add((PROVIDER_TERMS[name], None, None))
                    item["provider_terms"].add(PROVIDER_TERMS[name])
                elif name not in NOT_LICENSES:
                    item["licenses"].add(LICENSES.get(name) or _slug(name))
            for model in entry.get("Model Generated") or []:
                if model in NOT_MODELS:
                    continue
                item["generators"].add(MODELS.get(model, (None, model.lower().replace(" ", "-"), None)))
            item["derived_from"].update(d for d in entry.get("Derived from Datasets") or [] if d)
            item["human"] = item["human"] or entry.get("Human Annotation") == "Yes"
            item["creators"].update(c.lower() for c in entry.get("Creators") or [])
            if (date := _date(entry)) is not None:
                item["dates"].add(date)
            # A collection's subset names (LongForm's "wikipedia" and "c4", Thai Dolly's
            # "brainstorming") name a part of it, not the collection: as aliases they made a card
            # declaring `source_datasets: [wikipedia]` (or a dataset derived from Wikipedia) GPT-3
            # output through LongForm. A subset's name is an alias only when it names its
            # collection too (`baize-quora_chat`, `capybara_gpt4llm`); every subset keeps its
            # collection-prefixed identifier (`longform-wikipedia`).
            own_name = entry.get("Dataset Name")
            if len(entries) > 1 and not _names_collection(own_name, entry.get("Collection"), key):
                own_name = None
            for alias in (uid, own_name, entry.get("Collection")):
                if alias:
                    names[alias.strip().lower()].add(key)
            for field in ("GitHub URL",):
                m = _GH.search(entry.get(field) or "")
                if m:
                    names[m.group(1).lower()].add(key)
    models: dict[str, dict[str, Any]] = {}
    datasets: dict[str, dict[str, Any]] = {}
    for key, item in sorted(merged.items()):
        refinement = REFINEMENTS.get(key, {})
        generators = {g for g in item["generators"] if g[1] is not None}
        providers_named = {g[0] for g in generators}
        # A provider's terms flag without a named model: keep it as an unnamed model of theirs.
        generators |= {g for g in item["generators"] if g[1] is None and g[0] not in providers_named}
        # A provider's own release under an open licence (Anthropic's HH-RLHF, MIT) is governed
        # by that licence, not by the terms of use of the provider's service; unless the
        # metadata itself says the provider's terms apply.
        generators = {
            g for g in generators if not _first_party(g[0], item["creators"], item["provider_terms"])
        }
        if "generators" in refinement:
            generators = set(refinement["generators"])
        parents = []
        for provider, generator, weights in sorted(generators, key=lambda g: (g[0] or "", g[1] or "")):
            node = f"model:{provider or 'unknown'}/{generator or 'unnamed'}"
            models[node] = {"provider": provider, "generator": generator, "license": weights}
            parents.append(node)
        upstream = sorted(item["derived_from"])
        origin = refinement.get("origin")
        if origin is None and generators:
            origin = "mixed" if item["human"] or upstream else "generated"
        elif origin is None and upstream:
            origin = "derived"
        facts_from = [
            f"Data Provenance Initiative metadata, data_summaries/{f.removeprefix('data_summaries__')} "
            f"(commit {commit})"
            for f in sorted(item["files"])
        ]
        licenses = set(item["licenses"])
        unstated = sorted(item["cards"] - licenses)
        if "license" in refinement:
            licenses = set(refinement["license"])
        elif unstated:
            # The card says otherwise than the metadata: keep both, the stricter reading.
            licenses |= set(unstated)
            facts_from.append(
                f"the Hugging Face card says {', '.join(unstated)} (the metadata's 'HF Yaml License'), "
                "which the metadata's licences do not include: both are kept, the stricter reading"
            )
        if "why" in refinement:
            why = refinement["why"]
            facts_from.extend([why] if isinstance(why, str) else why)
        datasets[key] = {
            "name": item["name"],
            "url": item["url"],
            "license": sorted(licenses),
            "origin": origin,
            "date": min(item["dates"]) if item["dates"] else None,
            "derived_from": parents + upstream,
            "facts_from": facts_from,
        }
    # Upstream names given as free text resolve to keys where the name is unambiguous.
    aliases = {
        name: next(iter(keys))
        for name, keys in sorted(names.items())
        if len(keys) == 1 and name != next(iter(keys)).lower()
    }
    for entry in datasets.values():
        entry["derived_from"] = [aliases.get(d.lower(), d) for d in entry["derived_from"]]
    return {
        "about": {
            "description": "Known instruction datasets: licences, generating models, derivations.",
            "derived_from": SOURCE_REPO,
            "source_commit": commit,
            "source_license": "Apache-2.0",
            "attribution": "Data Provenance Initiative, Data-Provenance-Collection "
            "(Longpre et al., 'The Data Provenance Initiative', 2023)",
            "built_by": "scripts/build_dataset_catalogue.py",
            "refinements": {
                k: v["why"] if isinstance(v["why"], str) else "; ".join(v["why"])
                for k, v in sorted(REFINEMENTS.items())
            },
            "entries_without_a_dataset_id": skipped,
        },
        "models": dict(sorted(models.items())),
        "datasets": datasets,
        "aliases": aliases,
    }


def _first_party(provider: str | None, creators: set[str], terms: set[str]) -> bool:
    return provider is not None and provider not in terms and any(c.startswith(provider) for c in creators)


def dump(catalogue: dict[str, Any]) -> str:
    """JSON with one dataset, model or alias per line, so a rebuild diffs readably."""
    lines = ["{", f'"about": {json.dumps(catalogue["about"], ensure_ascii=False)},']
    for section in ("models", "datasets", "aliases"):
        items = list(catalogue[section].items())
        lines.append(f'"{section}": {{')
        for i, (key, value) in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            lines.append(
                f"{json.dumps(key, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}{comma}"
            )
        lines.append("}," if section != "aliases" else "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="folder with data_summaries__*.json")
    parser.add_argument("--commit", required=True, help="source repository commit the files are from")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    if not any(args.folder.glob("data_summaries__*.json")):
        print(f"{args.folder}: no data_summaries__*.json files", file=sys.stderr)
        return 2
    text = dump(build(args.folder, args.commit))
    json.loads(text)  # the hand-made layout must still be JSON
    tmp = args.output.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.output)
    print(f"wrote {args.output} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
