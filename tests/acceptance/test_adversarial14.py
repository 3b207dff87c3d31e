"""Adversarial pass 14: policies, encodings and inputs of real users that let a copy of indexed
text through the gate or made it cry wolf. Each test fails on the code before its fix.

1. FAIL-OPEN A rule condition written with a glob as a plain value (``source.generator:
   "gpt-*"``, ``source.name: [other, "sha*"]``, ``record.path: "*.jsonl"``), as the packs'
   ``generators:`` lists and every waiver write globs, compared the text as written: no
   generator is called ``gpt-*``, the rule never fired and a verbatim copy passed (exit 0).
   A value holding ``*`` under ``equals``, ``in``, ``not_in`` or ``contains`` is now refused
   where it is (exit 3) with the ``{glob: ...}`` to write (``policy/load_rules.py``).
2. FAIL-OPEN A rule naming an index source misspelt (``when: {source.name: sharegtp}`` for the
   index's ``sharegpt``) was accepted and never fired (exit 0), though the same typo in the
   policy's ``sources:`` is refused. A ``source.name`` value that is a near spelling of an
   index source and that neither the index, the policy's ``sources:`` nor the catalogue knows
   is now refused when the policy meets the index (exit 3, "did you mean"); one beside the
   right spelling (``[sharegpt, sharegpt-v2]``) is another source on purpose
   (``policy/sourcecheck.py``).
3. FAIL-OPEN A copy kept as hexadecimal digits of its bytes (``text.encode().hex()``, one word:
   counted as an ``id``, never read) or percent-encoded (``urllib.parse.quote``, one word: read,
   counted as read and never matched) passed (exit 0), where base64 of it blocks. Such a word
   of 64 or more characters whose bytes are UTF-8 text of words is now read decoded at
   ``FIELD#hex`` or ``FIELD#percent``, in any field and in a schema's turns
   (``inputs/schemas/encoded.py``). No string of the shared corpora decodes so.
4. FAIL-OPEN A file was listed as "Hugging Face dataset metadata" by its name alone: a JSON
   array of records saved as ``dataset_dict.json`` (anywhere), or as ``state.json`` or
   ``dataset_info.json`` beside a ``save_to_disk`` ``.arrow`` file, was never read, and the copy
   in it passed (exit 0). A file under those names is metadata only when it holds what that
   file holds (``splits``; ``_`` keys without prose; the keys of ``DatasetInfo``); anything
   else is read as a dataset file (``inputs/__init__.py``; a malformed ``dataset_info.json``
   stays the located error of its declarations, exit 4).
5. FAIL-OPEN A misspelt word of a fixed vocabulary in a rule (``source.license_traits:
   noncomercial``, ``{contains: non-commercial}``, ``[research_only]``, ``match.convergence:
   comon-passage``) was accepted by ``policy validate`` and the scan, and never matched: the
   rule never fired (or, under ``not_in``, always did). The licence traits and convergence
   classes are now closed vocabularies like ``match.kind`` (``policy/load_rules.py``; a test
   keeps the classes in step with ``matching/strength.py``). So was a misspelt licence id
   (``source.license: CC-BY-NC-4``), which no index can hold (``index add`` refuses ids it
   cannot read): a value near a known id that SPDX does not know is refused with the id
   (``policy/licenses.py``).
6. FAIL-OPEN A rule testing a meta key misspelt (``source.meta.modalities: image``,
   ``source.meta.Modality``) for an index built with ``--meta modality=image`` was accepted and
   never fired (exit 0): meta keys are compared as written. A ``source.meta.KEY`` that no index
   source (nor the policy's ``sources:``) has, near one that a source has, is now refused when
   the policy meets the index (exit 3, "did you mean", ``policy/sourcecheck.py``).
7. FAIL-OPEN A policy rule on a path (``record.path: {glob: "data/**"}``, as a team scopes a
   block to its training data; ``declared.file`` and ``declared.dataset`` alike) was matched
   against the path as given on the command line: it fired for ``provcheck scan data`` from
   the project's top and never for ``scan $PWD/data`` (a CI step's absolute path), ``scan .``
   from inside ``data/`` or ``scan repo/data`` from above, where the copy passed (exit 0).
   A path is now also matched relative to the policy file's folder and each folder above it
   up to the project's top (``.git`` or ``.provcheck.yaml``); messages show it as given
   (``policy/paths.py``, ``policy/model.py``; message rendering moved to ``policy/render.py``
   to keep ``policy/evaluate.py`` under 600 lines). CRY-WOLF on the same ground: ``record.path:
   {not_in: [data/accepted.jsonl]}`` held for the file given as ``./data/accepted.jsonl`` or
   by its absolute path, and the rule fired on the very file it leaves out; ``not_in`` now
   holds only when no spelling is listed.
8. FAIL-OPEN (with item 4) ``dataset_info.json`` beside ``.arrow`` files was read only for its
   ``license``: a copy in its ``description`` (free text) was listed as metadata and passed.
   A sidecar holding prose is now read as a data file. (Not changed: the body of a
   ``README.md`` card found in a folder is listed as "only its front matter read".)
9. FAIL-OPEN (with item 3) Hex and percent-encoded text inside decoded JSON text (``json_text``)
   was not decoded (base64 and ``data:`` URIs were): a serialised chat whose answer is hex
   passed. It is now read decoded there too.
10. FAIL-OPEN A policy's ``sources: {share: {provider: ""}}`` (a template's variable left
    unset, as ``envsubst`` leaves it) erased the index's provider (``openai``): no rule applied
    and a verbatim copy passed under ``provcheck:default`` (exit 0), where ``provider: null``
    is refused. So did an empty ``license``, ``generator``, ``terms``, ``url`` or ``meta``
    value. Each is now refused where it is (exit 3) (``policy/loader.py``). The same on the
    index's side: ``index add --provider "$PROVIDER"`` with the variable unset (or
    ``--generator ""``, ``--terms ""``, ``--meta modality=``, a sources manifest's
    ``provider: ""`` or ``meta: {modality: ''}``) made a source of no provider, whose copies
    matched under no rule (exit 0); ``--license ""`` alone was refused. Each is now a usage
    error (exit 2) before anything is written (``cli/index.py``, ``ingest/sources.py``).

Checked and found sound (no test here): CSV with ``;`` (and ``sep=;``), ``|`` and tab
delimiters, extra cells, no header, legacy encodings (cp1252, latin-1: located errors); JSON
Lines with U+2028 in strings, ``\\r`` line ends, RFC 7464 record separators, two objects on a
line, pretty-printed objects, a NUL line; ``save_to_disk`` Arrow streams and ``DatasetDict``
layouts; ``.ndjson``, UTF-16 with a BOM, ``.jsonl.gz``; Markdown re-formatting of a copy
(fences, bullets, tables, quotes, headings, bold or links around every word, one word a line,
HTML lists, code comments, a Python string literal); partial merges with a shard twice, a
shard missing, other data or other waivers; the result cache after ``index add`` and across
``--min-probability``/``--match``; ``.provcheck.yaml`` values of the wrong shape or case;
policy duplicate keys, ``any: []``, unknown operators and actions; reference roles of every
spelling (``chatgpt``, ``bing``, ``model``, ``character``...) and system prompts left out of
the index; ``hook run`` and ``scan --changed-since`` in a linked worktree, a sparse checkout
(exit 4) and a rename that changes case; JUnit, SARIF, HTML and Markdown with control
characters, bidi marks and invalid surrogates in names and ids.

Found and NOT FIXED (noted):

11. FAIL-OPEN (noted, needs an index format change) A light edit repeated every few words
    defeats candidate generation: an anchor needs a run of ``n + w - 1 = 12`` unedited tokens
    (``matching/fingerprint.py``), so a copy with every 4th or 5th word replaced (``wordly``
    for ``word``), deleted, or followed by an inserted word matched nothing at all (exit 0),
    every 6th sometimes; every 7th blocks. Reproduce with the three ``REFERENCE_TEXTS`` of
    ``tests/helpers.py`` indexed as ``conftest.index_dir`` does and
    ``" ".join(w + "ly" if j % 5 == 4 else w for j, w in enumerate(text.split()))``: no match,
    where the alignment would find 80%+ similarity. Random edits at the same rate mostly
    leave runs of 12 (the benchmark's kinds are found). A second anchor family with shorter runs
    (or skip-grams) would close it; it changes the index format and the benchmarks.
12. (noted; fixed by the lead after the pass) The CSV report had one row per finding and
    nothing else: a scan that read nothing (every file unreadable, exit 4) wrote a header-only
    CSV, indistinguishable in a spreadsheet from a clean scan. SARIF said
    ``executionSuccessful: true`` with error notifications in the same case. Each unreadable
    input is now a CSV row (``action`` ``unreadable``), and SARIF's flag is false
    (``tests/acceptance/test_cli_reports.py``).
13. (noted, policy content) Under ``provcheck:default``, ``use: {purpose: distill}`` (or
    ``fine-tune``, ``train-model``) gives no finding for a verbatim copy of OpenAI output (the
    OpenAI pack's rules name ``train-competing-model`` only); the report says the records
    matched under no rule. Whether distillation for a model that does not compete is allowed
    is the pack authors' reading of the terms, not a defect of the gate. (Fixed by the lead
    after the pass: where a clause forbids competing models, a training purpose that does not
    say whether the model competes is ``review``; ``tests/policy_cases/openai.yaml``.)
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from gitrepo import BLOCK_POLICY, isolated_env
from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

COPY = REFERENCE_TEXTS[0]
OWN = "A short note of our own about tomato plants, with nothing copied in it at all."
RULE = """\
use: {purpose: train-competing-model}
rules:
  - id: r
    title: OpenAI output in a competing model
    when: {WHEN}
    action: block
"""


def _policy(tmp_path: Path, when: str) -> Path:
    policy = tmp_path / "policy.yaml"
    policy.write_text(RULE.replace("{WHEN}", when), encoding="utf-8")
    return policy


@pytest.mark.parametrize(
    "when",
    [
        '{source.generator: "gpt-*"}',
        '{source.name: [other, "sha*"]}',
        '{record.path: "*.jsonl"}',
        '{source.provider: "openai*"}',
        '{source.name: {not_in: ["other*"]}}',
    ],
)
def test_a_glob_written_as_a_plain_value_is_refused_where_it_is(
    tmp_path: Path, index_dir: Path, when: str
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    policy = _policy(tmp_path, when)
    out = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"], code=3)
    assert f"{policy}:5" in out.stderr and "{glob:" in out.stderr, out.stderr


@pytest.mark.parametrize(
    "when",
    [
        '{source.generator: {glob: "gpt-*"}}',
        '{source.name: {glob: ["other", "sha*"]}}',
        '{record.path: {glob: "**/*.jsonl"}}',
    ],
)
def test_the_same_globs_written_as_globs_block(tmp_path: Path, index_dir: Path, when: str) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    policy = _policy(tmp_path, when)
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"], code=1)


@pytest.mark.parametrize(
    "when",
    [
        "{source.name: sharegtp}",
        "{source.name: [share-gpt, other]}",
        "{source.name: {equals: ShareGTP}}",
    ],
)
def test_a_rule_naming_a_near_spelling_of_an_index_source_is_refused(
    tmp_path: Path, reference_file: Path, when: str
) -> None:
    idx = tmp_path / "idx"
    run_cli(["index", "add", idx, reference_file, "--source", "sharegpt", "--provider", "openai", "-q"])
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    policy = _policy(tmp_path, when)
    out = run_cli(["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"], code=3)
    assert f"{policy}:5" in out.stderr and "did you mean 'sharegpt'" in out.stderr, out.stderr


@pytest.mark.parametrize(
    "when",
    [
        "{source.name: ShareGPT}",
        "{source.name: [sharegpt, sharegpt-v2]}",
        "{source.name: tatsu-lab/alpaca}",
    ],
)
def test_a_rule_naming_an_index_source_or_a_known_dataset_is_taken(
    tmp_path: Path, reference_file: Path, when: str
) -> None:
    idx = tmp_path / "idx"
    run_cli(["index", "add", idx, reference_file, "--source", "sharegpt", "--provider", "openai", "-q"])
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}, {"id": "o", "text": OWN}])
    policy = _policy(tmp_path, when)
    code = 0 if "alpaca" in when else 1
    run_cli(["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"], code=code)


def _scan_json(tmp_path: Path, index: Path, records: list[dict[str, Any]], code: int) -> dict[str, Any]:
    data = write_jsonl(tmp_path / "data" / "d.jsonl", records)
    policy = tmp_path / "block.yaml"
    policy.write_text(BLOCK_POLICY, encoding="utf-8")
    out = tmp_path / "r.json"
    run_cli(["scan", data, "-i", index, "-p", policy, "--no-cache", "-q", "-f", "json", "-o", out], code=code)
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return doc


def _blocked_fields(doc: dict[str, Any]) -> dict[str, str]:
    """The record id of each blocking finding, with the field its turn was read at."""
    return {
        f["record"]["id"]: f["record"]["turn"]["field"] for f in doc["findings"] if f["action"] == "block"
    }


def test_a_percent_encoded_or_hex_copy_is_read_decoded_and_blocks(tmp_path: Path, index_dir: Path) -> None:
    records = [
        {"id": "percent", "text": urllib.parse.quote(COPY)},
        {"id": "form", "text": urllib.parse.quote_plus(COPY)},
        {"id": "hex", "text": COPY.encode().hex()},
        {"id": "HEX", "text": COPY.encode().hex().upper()},
        {"id": "hex-in-id-field", "key": COPY.encode().hex()},
        {
            "id": "hex-turn",
            "conversations": [
                {"from": "human", "value": "question"},
                {"from": "gpt", "value": COPY.encode().hex()},
            ],
        },
        {"id": "percent-turn", "messages": [{"role": "assistant", "content": urllib.parse.quote(COPY)}]},
        # Inside JSON text of escapes (a chat serialised with ensure_ascii): decoded there too.
        {"id": "serialised-hex", "data": json.dumps({"q": "café?", "a": COPY.encode().hex()})},
        {"id": "serialised-percent", "data": json.dumps({"q": "café?", "a": urllib.parse.quote(COPY)})},
        # Not text: left as they were (an id, a digest, a link-like word).
        {"id": "digest", "text": OWN, "sha": hashlib.sha256(b"x").hexdigest() * 2},
        {"id": "path", "text": OWN, "ref": "files/" + "%7E" * 30},
    ]
    doc = _scan_json(tmp_path, index_dir, records, code=1)
    assert _blocked_fields(doc) == {
        "percent": "text#percent",
        "form": "text#percent",
        "hex": "text#hex",
        "HEX": "text#hex",
        "hex-in-id-field": "key#hex",
        "hex-turn": "conversations[1].value#hex",
        "percent-turn": "messages[0].content#percent",
        "serialised-hex": "data#json",
        "serialised-percent": "data#json",
    }


def _save_to_disk(folder: Path, texts: list[str]) -> None:
    """What ``datasets.Dataset.save_to_disk`` writes: an Arrow stream and its sidecars."""
    import pyarrow as pa

    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table({"text": texts})
    arrow = str(folder / "data-00000-of-00001.arrow")
    with pa.OSFile(arrow, "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    state = {"_data_files": [{"filename": "data-00000-of-00001.arrow"}], "_fingerprint": "0a1b2c3d"}
    (folder / "state.json").write_text(json.dumps(state), encoding="utf-8")
    info = {"citation": "", "description": "", "features": {"text": {"dtype": "string"}}, "homepage": ""}
    (folder / "dataset_info.json").write_text(json.dumps(info), encoding="utf-8")


@pytest.mark.parametrize("name", ["dataset_dict.json", "train/state.json", "train/dataset_info.json"])
def test_records_under_a_hugging_face_sidecar_name_are_scanned(
    tmp_path: Path, index_dir: Path, name: str
) -> None:
    ds = tmp_path / "ds"
    _save_to_disk(ds / "train", [OWN])
    (ds / "dataset_dict.json").write_text(json.dumps({"splits": ["train"]}), encoding="utf-8")
    (ds / name).write_text(json.dumps([{"id": "c", "text": COPY}]), encoding="utf-8")
    policy = tmp_path / "block.yaml"
    policy.write_text(BLOCK_POLICY, encoding="utf-8")
    out = run_cli(["scan", ds, "-i", index_dir, "-p", policy, "--no-cache", "-f", "json"], code=1)
    doc = json.loads(out.stdout)
    assert {f["record"]["path"] for f in doc["findings"]} == {str(ds / name)}


def test_a_copy_in_a_dataset_info_description_is_scanned(tmp_path: Path, index_dir: Path) -> None:
    ds = tmp_path / "ds"
    _save_to_disk(ds, [OWN])
    info = {"description": COPY, "citation": "", "features": {"text": {"dtype": "string"}}, "license": ""}
    (ds / "dataset_info.json").write_text(json.dumps(info), encoding="utf-8")
    policy = tmp_path / "block.yaml"
    policy.write_text(BLOCK_POLICY, encoding="utf-8")
    out = run_cli(["scan", ds, "-i", index_dir, "-p", policy, "--no-cache", "-f", "json"], code=1)
    doc = json.loads(out.stdout)
    assert {f["record"]["path"] for f in doc["findings"]} == {str(ds / "dataset_info.json")}


def test_the_sidecars_save_to_disk_writes_are_still_listed_not_read(tmp_path: Path, index_dir: Path) -> None:
    ds = tmp_path / "ds"
    _save_to_disk(ds / "train", [OWN])
    (ds / "dataset_dict.json").write_text(json.dumps({"splits": ["train"]}), encoding="utf-8")
    out = run_cli(["scan", ds, "-i", index_dir, "--no-cache", "-f", "json"], code=0)
    doc = json.loads(out.stdout)
    listed = {Path(n["path"]).name: n["reason"] for n in doc["not_scanned"]}
    assert set(listed) == {"dataset_dict.json", "state.json", "dataset_info.json"}
    assert doc["stats"]["records"] == 1 and not doc["errors"]


@pytest.mark.parametrize(
    ("when", "says"),
    [
        ("{source.license_traits: noncomercial}", "did you mean 'noncommercial'"),
        ("{source.license_traits: {contains: non-commercial}}", "did you mean 'noncommercial'"),
        ("{source.license_traits: [research_only, sharealike]}", "did you mean 'research-only'"),
        ("{match.convergence: {not_in: [comon-passage, crowd]}}", "did you mean 'common-passage'"),
        ("{source.license: CC-BY-NC-4}", "did you mean 'CC-BY-NC-4.0'"),
        ("{source.license: [MIT, cc-by-nc-sa-4]}", "did you mean 'CC-BY-NC-SA-4.0'"),
    ],
)
def test_a_misspelt_licence_id_trait_or_convergence_class_is_refused_where_it_is(
    tmp_path: Path, index_dir: Path, when: str, says: str
) -> None:
    policy = _policy(tmp_path, when)
    out = run_cli(["policy", "validate", policy], code=3)
    assert f"{policy}:5" in out.stderr and says in out.stderr, out.stderr


def test_licence_rules_spelt_right_block(tmp_path: Path, reference_file: Path) -> None:
    idx = tmp_path / "idx"
    args = ["index", "add", idx, reference_file, "--source", "alpaca", "--provider", "openai"]
    run_cli([*args, "--license", "CC-BY-NC-4.0", "-q"])
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    when = (
        "{source.license_traits: {contains: noncommercial}, match.convergence: none,"
        " source.license: [CC-BY-NC-4.0, LicenseRef-Own, CC-BY-NC-2.5]}"
    )
    policy = _policy(tmp_path, when)
    run_cli(["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"], code=1)


def test_the_convergence_classes_a_rule_may_name_are_the_matchers(tmp_path: Path) -> None:
    from provcheck.matching import reasons
    from provcheck.policy.load_rules import CONVERGENCE

    assert {"none", *reasons.WHY, *reasons.ATTRIBUTED} == CONVERGENCE


@pytest.mark.parametrize("key", ["modalities", "Modality", "modallity"])
def test_a_rule_testing_a_misspelt_meta_key_of_the_index_is_refused(
    tmp_path: Path, reference_file: Path, key: str
) -> None:
    idx = tmp_path / "idx"
    args = ["index", "add", idx, reference_file, "--source", "imagegen", "--provider", "openai"]
    run_cli([*args, "--meta", "modality=image", "-q"])
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    policy = _policy(tmp_path, f"{{source.meta.{key}: image}}")
    out = run_cli(["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"], code=3)
    assert f"{policy}:5" in out.stderr and "did you mean 'source.meta.modality'" in out.stderr, out.stderr
    policy.write_text(RULE.replace("{WHEN}", "{source.meta.modality: image}"), encoding="utf-8")
    run_cli(["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"], code=1)


PATH_RULE = """\
use: {purpose: train-competing-model}
rules:
  - id: data-copies
    title: OpenAI output under data/
    when: {source.provider: openai, record.path: {glob: "data/**"}}
    action: block
"""


@pytest.mark.parametrize("how", ["relative", "absolute", "dot-inside", "from-above"])
def test_a_path_rule_fires_however_the_scan_names_the_data(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    repo = tmp_path / "repo"
    env = isolated_env(tmp_path)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env, capture_output=True)
    (repo / "provenance").mkdir()
    policy = repo / "provenance" / "policy.yaml"
    policy.write_text(PATH_RULE, encoding="utf-8")
    write_jsonl(repo / "data" / "d.jsonl", [{"id": "c", "text": COPY}])
    write_jsonl(repo / "other" / "d.jsonl", [{"id": "c", "text": COPY}])
    cwd, data, other = {
        "relative": (repo, "data", "other"),
        "absolute": (repo, str(repo / "data"), str(repo / "other")),
        "dot-inside": (repo / "data", ".", "../other"),
        "from-above": (tmp_path, "repo/data", "repo/other"),
    }[how]
    monkeypatch.chdir(cwd)
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"], code=1)
    # Files outside data/ are still outside it.
    run_cli(["scan", other, "-i", index_dir, "-p", policy, "--no-cache", "-q"], code=0)


@pytest.mark.parametrize(
    ("facts", "key"),
    [
        ('{provider: ""}', "provider"),
        ("{provider: ' '}", "provider"),
        ('{license: "", terms: openai-terms-of-use}', "license"),
        ('{generator: ""}', "generator"),
        ('{meta: {modality: ""}}', "meta.modality"),
    ],
)
def test_an_empty_source_fact_in_a_policy_is_refused_not_taken_for_no_provider(
    tmp_path: Path, index_dir: Path, facts: str, key: str
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    policy = tmp_path / "policy.yaml"
    head = "include: [provcheck:default]\nuse: {purpose: train-competing-model}\n"
    policy.write_text(f"{head}sources:\n  share: {facts}\n", encoding="utf-8")
    out = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"], code=3)
    assert f"{policy}:4" in out.stderr and f"source 'share': {key}: empty" in out.stderr, out.stderr


@pytest.mark.parametrize(
    "option",
    [["--provider", ""], ["--provider", " "], ["--generator", ""], ["--terms", ""], ["--meta", "modality="]],
)
def test_index_add_with_an_empty_fact_is_refused(
    tmp_path: Path, reference_file: Path, option: list[str]
) -> None:
    args = ["index", "add", tmp_path / "idx", reference_file, "--source", "share"]
    provider = [] if option[0] == "--provider" else ["--provider", "openai"]
    out = run_cli([*args, *provider, *option, "-q"], code=2)
    assert "empty" in out.stderr and not (tmp_path / "idx").exists()


@pytest.mark.parametrize("entry", ['provider: ""', "provider: openai\n    meta: {modality: ''}"])
def test_a_sources_manifest_with_an_empty_fact_is_refused(
    tmp_path: Path, reference_file: Path, entry: str
) -> None:
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        f"sources:\n  - path: {reference_file}\n    source: share\n    {entry}\n", encoding="utf-8"
    )
    out = run_cli(["index", "build", tmp_path / "idx", "--sources", manifest], code=2)
    assert f"{manifest}:" in out.stderr and "empty" in out.stderr


def test_a_path_rule_with_not_in_holds_for_no_spelling_of_a_listed_file(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    subprocess.run(
        ["git", "init", "-q", str(repo)], check=True, env=isolated_env(tmp_path), capture_output=True
    )
    policy = repo / "policy.yaml"
    rule = PATH_RULE.replace('{glob: "data/**"}', '{not_in: ["data/accepted.jsonl"]}')
    policy.write_text(rule, encoding="utf-8")
    write_jsonl(repo / "data" / "accepted.jsonl", [{"id": "c", "text": COPY}])
    monkeypatch.chdir(repo)
    for given in ("data/accepted.jsonl", "./data/accepted.jsonl", str(repo / "data" / "accepted.jsonl")):
        run_cli(["scan", given, "-i", index_dir, "-p", policy, "--no-cache", "-q"], code=0)
