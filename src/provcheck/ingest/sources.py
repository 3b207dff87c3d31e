"""The sources manifest of ``provcheck index build``: several files and their sources in YAML.

.. code-block:: yaml

    sources:
      - path: data/sharegpt.json      # relative to this file
        source: sharegpt-dump
        provider: openai
        generator: gpt-3.5-turbo
        license: LicenseRef-ShareGPT
        terms: openai-terms-of-use
        schema: sharegpt              # optional, default: detect per record
        text_field: text              # optional
        id_field: id                  # optional
        roles: [gpt]                  # optional, default: the model's turns
        allow_no_turns: true          # optional: a file without reference turns is not an error
        background: true              # optional: independent text, not reference material
        meta: {origin: generated, date: 2023-04-01, basis: "URL or sha256; who indexed it; evidence"}
"""

from __future__ import annotations

import os
from typing import Any

from provcheck.errors import ProvcheckError, SourcesError
from provcheck.ingest.add import AddSpec
from provcheck.inputs.schemas import RecordOptions
from provcheck.matching.segment import MODEL_TURNS, RoleFilter
from provcheck.model import SourceInfo, SourceName, meta_key_problem
from provcheck.policy.licenses import license_problem
from provcheck.policy.sourcecheck import terms_problem
from provcheck.support.dates import DATE_META_KEYS, date_problem, parse_date
from provcheck.yamlfile import LineDict, YamlProblem, line_of, load

_KEYS = {
    "path",
    "source",
    "provider",
    "generator",
    "license",
    "terms",
    "schema",
    "text_field",
    "id_field",
    "roles",
    "allow_no_turns",
    "background",
    "meta",
}
_REQUIRED = ("path", "source")


def source_problems(name: str, meta: dict[str, Any]) -> list[str]:
    """What is wrong with a source's name and facts (one message each, without a location):
    a blank name, or a ``derived_from`` that names the source itself (a cycle a report would
    follow forever or show as its own origin)."""
    problems = []
    if not name.strip():
        problems.append("the source name is empty; give a name that identifies the material")
    derived = meta.get("derived_from")
    if derived is not None and str(derived).strip() == name.strip() and name.strip():
        problems.append(f"derived_from {derived!r} names the source itself; name the source it came from")
    return problems


def load_sources(path: str) -> list[AddSpec]:
    """Parse and validate a sources manifest; all problems are reported at once."""
    try:
        doc = load(path)
    except YamlProblem as exc:
        raise SourcesError([str(exc)]) from None
    problems: list[str] = []
    base = os.path.dirname(os.path.abspath(path))
    entries = doc.get("sources") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SourcesError([f"{path}:{line_of(doc) or 1}: expected a top-level 'sources:' list of entries"])
    specs = []
    for i, entry in enumerate(entries):
        where = f"{path}:{line_of(entries, i)}"
        if not isinstance(entry, LineDict):
            problems.append(f"{where}: entry {i + 1} is not a mapping")
            continue
        for key in entry:
            if key not in _KEYS:
                problems.append(
                    f"{path}:{entry.line_of(key)}: unknown key {key!r}; allowed: {', '.join(sorted(_KEYS))}"
                )
        for key in _REQUIRED:
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                problems.append(f"{where}: '{key}' is required and must be a string")
        strings = ("provider", "generator", "license", "terms", "schema", "text_field", "id_field")
        for key in strings:
            if key in entry and not isinstance(entry[key], str):
                problems.append(f"{path}:{entry.line_of(key)}: '{key}' must be a string")
            elif key in entry and not entry[key].strip():
                # `provider: ""` made a source of no provider: no rule applied to its copies.
                problems.append(f"{path}:{entry.line_of(key)}: '{key}' is empty; give it or leave it out")
        terms = entry.get("terms")
        if isinstance(terms, str) and (why := terms_problem(terms)) is not None:
            problems.append(f"{path}:{entry.line_of('terms')}: terms: {why}")
        licence = entry.get("license")
        if isinstance(licence, str) and (why := license_problem(licence)) is not None:
            problems.append(f"{path}:{entry.line_of('license')}: license: {why}")
        meta = entry.get("meta", {})
        if not isinstance(meta, dict):
            problems.append(f"{path}:{entry.line_of('meta')}: 'meta' must be a mapping")
            meta = {}
        for key in sorted(k for k in meta if isinstance(k, str) and k not in DATE_META_KEYS):
            if key.strip().lower() in DATE_META_KEYS:  # `Date:` would be stored, never read
                line = meta.line_of(key) if isinstance(meta, LineDict) else entry.line_of("meta")
                problems.append(f"{path}:{line}: meta {key}: did you mean {key.strip().lower()!r}?")
        for key in sorted(k for k in meta if isinstance(k, str) and k.strip().lower() not in DATE_META_KEYS):
            if (why := meta_key_problem(key.strip())) is not None:  # `derived-from:` never read
                line = meta.line_of(key) if isinstance(meta, LineDict) else entry.line_of("meta")
                problems.append(f"{path}:{line}: meta {key}: {why}")
        for key in sorted(
            k for k in meta if meta[k] is None or (isinstance(meta[k], str) and not meta[k].strip())
        ):
            line = meta.line_of(key) if isinstance(meta, LineDict) else entry.line_of("meta")
            problems.append(f"{path}:{line}: meta {key}: empty; give it or leave it out")
        for key in sorted(k for k in meta if isinstance(meta[k], (list, dict))):
            # `derived_from: [tatsu-lab/alpaca]` and `basis: [...]` were stored as Python's repr
            # ("['tatsu-lab/alpaca']"): a parent no one knows, a basis in brackets (adversarial 22).
            line = meta.line_of(key) if isinstance(meta, LineDict) else entry.line_of("meta")
            listed = "names separated by commas" if key == "derived_from" else "one text"
            problems.append(
                f"{path}:{line}: meta {key}: a {'list' if isinstance(meta[key], list) else 'mapping'} "
                f"cannot be stored; write {listed}"
            )
        for key in sorted(DATE_META_KEYS & set(meta)):
            why = date_problem(meta[key])
            if why:
                line = meta.line_of(key) if isinstance(meta, LineDict) else entry.line_of("meta")
                problems.append(f"{path}:{line}: meta {key}: {why}")
        roles = entry.get("roles")
        if (
            roles is not None
            and not (isinstance(roles, list) and all(isinstance(r, str) for r in roles))
            and not isinstance(roles, str)
        ):
            problems.append(f"{path}:{entry.line_of('roles')}: 'roles' must be a list of names")
            roles = None
        allow_no_turns = entry.get("allow_no_turns", False)
        if not isinstance(allow_no_turns, bool):
            problems.append(
                f"{path}:{entry.line_of('allow_no_turns')}: 'allow_no_turns' must be true or false"
            )
        background = entry.get("background", False)
        if not isinstance(background, bool):
            problems.append(f"{path}:{entry.line_of('background')}: 'background' must be true or false")
        if problems:
            continue
        for message in source_problems(entry["source"], meta):
            key = "meta" if "derived_from" in message else "source"
            problems.append(f"{path}:{entry.line_of(key)}: {message}")
        file_path = entry["path"]
        if not os.path.isabs(file_path):
            file_path = os.path.join(base, file_path)
            # A manifest is often shared with its data; a relative path that climbs out of its
            # folder (../../home/...) would index files the reader never saw listed.
            real_base = os.path.realpath(base)
            if os.path.commonpath([real_base, os.path.realpath(file_path)]) != real_base:
                problems.append(
                    f"{path}:{entry.line_of('path')}: path {entry['path']!r} leads outside the manifest's "
                    f"folder {base}; write an absolute path to index a file elsewhere"
                )
                continue
        if problems:
            continue
        try:
            options = RecordOptions(
                schema=entry.get("schema", "auto"),
                text_field=entry.get("text_field"),
                id_field=entry.get("id_field"),
            )
            role_filter = (
                MODEL_TURNS
                if roles is None
                else RoleFilter.parse([roles] if isinstance(roles, str) else roles)
            )
        except ProvcheckError as exc:
            problems.append(f"{where}: {exc.message}")
            continue
        specs.append(
            AddSpec(
                path=file_path,
                source=SourceInfo(
                    name=SourceName(entry["source"]),
                    provider=entry.get("provider"),
                    generator=entry.get("generator"),
                    license=entry.get("license"),
                    terms=entry.get("terms"),
                    meta={str(k): _meta_value(str(k), v) for k, v in meta.items()},
                    background=background,
                ),
                options=options,
                roles=role_filter,
                allow_no_turns=allow_no_turns,
                listed_in=os.path.abspath(path),
            )
        )
    if problems:
        raise SourcesError(problems)
    return specs


def _meta_value(key: str, value: Any) -> str:
    # A date-time keeps its date only, as ``--meta`` stores it (checked above).
    return parse_date(value).isoformat() if key in DATE_META_KEYS else _plain(value)


def _plain(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
