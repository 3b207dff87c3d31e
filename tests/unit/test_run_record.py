"""The run record (``provcheck.model.run``): every field serialized, covered by the published
schema, and read back as it was written."""

from __future__ import annotations

import dataclasses
import json
import pickle
from typing import Any

import jsonschema
import pytest

from helpers import REPORT_SCHEMA
from provcheck.matching.params import MatchConfig
from provcheck.model import (
    ABSENT,
    BelowThreshold,
    BuildFacts,
    CacheFacts,
    ChangedFile,
    ChangeFacts,
    FetchedIndex,
    GitFacts,
    IndexFacts,
    IndexMember,
    MergeFacts,
    PartialFacts,
    PolicyFacts,
    PolicyFile,
    RouteCounts,
    RunRecord,
    ShardFacts,
    ShareFile,
    SkippedPath,
    SourceFacts,
    ToolFacts,
    UseFacts,
    UseOrigin,
)
from provcheck.model import build as build_module
from provcheck.model import run as run_module
from provcheck.model import runextras as runextras_module

NOT_IN_SCHEMA: set[str] = set()
"""Run record keys the published schema does not describe (none: the schema describes every key,
and its ``run`` object refuses others, so a report with an undescribed key fails validation)."""

FULL = RunRecord(
    tool=ToolFacts(
        name="provcheck",
        version="1.2.3",
        build=BuildFacts("a" * 64, "editable", "file:///src/provcheck", "c" * 40, False, None),
    ),
    versions={"provcheck": "1.2.3", "python": "3.11.7"},
    started_at="2026-01-02T03:04:05+00:00",
    finished_at="2026-01-02T03:04:06+00:00",
    paths=("data/", "more.jsonl"),
    use=UseFacts(purpose=("fine-tune",), commercial=True, distributed=False, research_only=None),
    index=IndexFacts(
        path="refs/",
        digest="0" * 32,
        signature="wmh1-tok1-n5-w8-s1",
        fingerprint={"shingle_size": 5, "window": 8, "seed": 1, "tokenizer": 1},
        sources=("a",),
        source_details=(
            SourceFacts(
                name="a",
                provider="p",
                generator="g",
                license="MIT",
                terms="t",
                records=2,
                texts=3,
                background=True,
                basis="https://example.org/a.jsonl, indexed by the test",
            ),
        ),
        members=(
            IndexMember(
                path="p.pack",
                kind="pack",
                digest="1" * 32,
                publisher="Acme",
                created="2026-01-01T00:00:00+00:00",
                keyed=True,
                ngram=3,
            ),
        ),
        created="2026-01-01T00:00:00+00:00",
        updated="2026-01-02T00:00:00+00:00",
        written_by="provcheck 0.1.0",
        providers=("openai",),
    ),
    policy=PolicyFacts(
        path="policy.yaml",
        name="p",
        digest="f" * 64,
        files=("policy.yaml",),
        file_digests=(PolicyFile("policy.yaml", "e" * 64),),
        providers=("anthropic", "openai"),
        overrides=(
            "openai-no-competing-models of provcheck:openai (block) redefined (info) at policy.yaml:4",
        ),
        rules=(
            runextras_module.RuleFacts(
                id="openai-no-competing-models",
                title="OpenAI output used to develop a competing model",
                action="block",
                signal="match",
                enabled=True,
                document="OpenAI Terms of Use",
                terms="openai-terms-of-use",
                clause="compete",
                section=None,
                could_not_fire="no indexed source from openai",
            ),
        ),
        references=(
            run_module.LegalReference(
                id="terms-and-licences",
                file="terms-and-licences.md",
                title="Restricted-provenance facts",
                compiled="Compiled by reading primary and secondary sources.",
                currency="it states no date of compilation",
                sha256="d" * 64,
            ),
        ),
    ),
    waivers=".provcheck-waivers.yaml",
    markers=("openai-refusal",),
    match=MatchConfig().to_dict(),
    workers=2,
    workers_requested=4,
    workers_limit="2 usable CPUs",
    engine="local",
    roles="assistant",
    turns_selected=10,
    below_threshold=BelowThreshold(0.9, 3, 2),
    trigram_route=RouteCounts(12, 3, 1),
    roles_seen=("gpt", "human"),
    schema="auto",
    text_field="text",
    id_field="uid",
    command=("provcheck", "scan", "data/"),
    mode="pre-commit",
    fail_on=("block",),
    config=".provcheck.yaml",
    allow_include_outside=False,
    address="auto",
    lfs="report",
    decision="decision.yaml",
    git=GitFacts(root="/w/repo", prefix="sub", commit="abc", web="https://github.com/o/r"),
    changed_since="main",
    use_declared_by="policy, command line",
    use_origin=UseOrigin(
        purpose={"fine-tune": "command line"},
        commercial="policy",
        distributed="configuration",
        research_only=None,
        replaced=("train-competing-model (policy)",),
    ),
    workers_from="command line",
    roles_from="configuration",
    run_by="Sam Lee (data team)",
    run_by_from="environment (PROVCHECK_RUN_BY)",
    replaced=("fail_on: review (.provcheck.yaml:3) replaced by --fail-on never",),
    cache=CacheFacts(path="/c/results.sqlite", hits=1, stored=2),
    changes=ChangeFacts(
        base="HEAD",
        files={
            "data/x.jsonl": ChangedFile(
                status="modified",
                renamed_from=None,
                version="git:1",
                base_version="git:0",
                method="appended",
                unchanged_records=6,
                partial_read=True,
                note="a note",
            )
        },
        skipped=(SkippedPath(path="a.bin", reason="unsupported type"),),
    ),
    reading="workers",
    index_fetched=FetchedIndex(url="s3://b/index", copy="/c/indexes/ab12"),
    shard=ShardFacts(
        index=1,
        count=2,
        inputs="e3b0",
        files=(ShareFile(path="a.jsonl", bytes=10, share=1), ShareFile(path="b.jsonl", bytes=4, share=2)),
        bytes=10,
    ),
    waivers_digest="9f86",
    merged=MergeFacts(
        shards=2,
        inputs="e3b0",
        partials=(
            PartialFacts(
                path="p1",
                shard="1/2",
                seconds=1.5,
                command=("provcheck", "scan"),
                run_by="ci",
                integrity="sha256",
                started_at="2026-01-01T10:00:00+00:00",
                finished_at="2026-01-01T10:00:02+00:00",
            ),
        ),
        command=("provcheck", "merge", "p1"),
        merged_at="2026-01-01T10:05:00+00:00",
    ),
)
"""Every fact the record can hold, each given (``test_the_full_record_gives_every_field``)."""


def _absent_fields(value: object, where: str = "run") -> list[str]:
    if isinstance(value, (tuple, list)):
        return [p for i, v in enumerate(value) for p in _absent_fields(v, f"{where}[{i}]")]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _absent_fields(v, f"{where}.{k}")]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = []
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            out += [f"{where}.{f.name}"] if v is ABSENT else _absent_fields(v, f"{where}.{f.name}")
        return out
    return []


def _schema() -> dict[str, Any]:
    return json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _run_schema() -> dict[str, Any]:
    return _schema()["$defs"]["run"]  # type: ignore[no-any-return]


def test_the_full_record_gives_every_field() -> None:
    # A field added to the record must be added to FULL, so that the tests below cover it.
    assert _absent_fields(FULL) == []


def test_every_field_is_serialized_and_read_back() -> None:
    plain = FULL.to_dict()
    assert list(plain) == list(RunRecord.KEYS)
    # Through JSON text, as a report or a merged result carries it.
    again = RunRecord.from_dict(json.loads(json.dumps(plain)))
    assert again == FULL
    assert again.to_dict() == plain


def test_every_serialized_key_is_in_the_published_schema() -> None:
    keys = set(FULL.to_dict())
    described = set(_run_schema()["properties"])
    assert keys - NOT_IN_SCHEMA == described, (
        f"missing from docs/report.schema.json: {sorted(keys - NOT_IN_SCHEMA - described)}; "
        f"described but never written: {sorted(described - keys)}"
    )
    assert not NOT_IN_SCHEMA & described, "the schema now describes these: remove them from NOT_IN_SCHEMA"


def test_the_schema_requires_exactly_the_fields_without_a_default() -> None:
    required = {f.name for f in dataclasses.fields(RunRecord) if f.default is dataclasses.MISSING}
    assert set(_run_schema()["required"]) == required


@pytest.mark.parametrize(
    ("key", "cls"),
    [
        ("use", UseFacts),
        ("index", IndexFacts),
        ("policy", PolicyFacts),
        ("use_origin", UseOrigin),
        ("cache", CacheFacts),
        ("changes", ChangeFacts),
        ("git", GitFacts),
        ("index_fetched", FetchedIndex),
        ("shard", ShardFacts),
        ("merged", MergeFacts),
    ],
)
def test_nested_facts_match_their_schema_objects(key: str, cls: type) -> None:
    schema = _run_schema()["properties"][key]
    names = {f.name for f in dataclasses.fields(cls)}
    assert set(schema["properties"]) == names
    if key == "index":
        member = schema["properties"]["members"]["items"]["properties"]
        assert set(member) == {f.name for f in dataclasses.fields(IndexMember)}
        source = schema["properties"]["source_details"]["items"]["properties"]
        assert set(source) == {f.name for f in dataclasses.fields(SourceFacts)}
    if key == "shard":
        item = schema["properties"]["files"]["items"]["properties"]
        assert set(item) == {f.name for f in dataclasses.fields(ShareFile)}
    if key == "merged":
        item = schema["properties"]["partials"]["items"]["properties"]
        assert set(item) == {f.name for f in dataclasses.fields(PartialFacts)}
    if key == "changes":
        changed = schema["properties"]["files"]["additionalProperties"]
        assert set(changed["properties"]) == {f.name for f in dataclasses.fields(ChangedFile)}
        required = {f.name for f in dataclasses.fields(ChangedFile) if f.default is dataclasses.MISSING}
        assert set(changed["required"]) == required


def test_the_full_record_is_valid_against_the_schema() -> None:
    schema = _schema()
    validator = jsonschema.validators.validator_for(schema)(
        {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/run"}
    )
    errors = [e.message for e in validator.iter_errors(FULL.to_dict())]
    assert errors == []


def test_absent_is_not_null() -> None:
    minimal = {k: v for k, v in FULL.to_dict().items() if k in set(_run_schema()["required"])}
    record = RunRecord.from_dict(minimal)
    assert record.lfs is ABSENT and record.command is ABSENT
    assert record.to_dict() == minimal  # nothing added
    with_null = RunRecord.from_dict({**minimal, "lfs": None, "text_field": None})
    assert with_null.lfs is None and with_null.to_dict() == {**minimal, "lfs": None, "text_field": None}
    # A fact the command line adds later keeps its place in the key order.
    assert list(dataclasses.replace(record, command=("x",), roles=None).to_dict())[-1] == "command"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lfs_mode": "report"}, "run: unknown key 'lfs_mode'"),
        ({"workers": "2"}, "run.workers: expected an integer, got '2'"),
        ({"workers": True}, "run.workers: expected an integer, got True"),
        ({"paths": "data/"}, "run.paths: expected a list, got 'data/'"),
        ({"schema": None}, "run.schema: expected a string, got None"),
        ({"git": None}, "run.git: must not be null"),
        ({"allow_include_outside": "no"}, "run.allow_include_outside: expected true or false, got 'no'"),
        ({"cache": {"path": "c", "hits": 1}}, "run.cache: missing required key 'stored'"),
        ({"match": {"min_tokens": "25"}}, "run.match.min_tokens: expected a number, got '25'"),
        (
            {"changes": {"base": "HEAD", "files": {"x": []}, "skipped": []}},
            "run.changes.files.x: expected an object",
        ),
    ],
)
def test_a_bad_record_is_refused_with_its_place(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as e:
        RunRecord.from_dict({**FULL.to_dict(), **change})
    assert str(e.value).startswith(message)


def test_a_missing_required_key_is_refused() -> None:
    plain = FULL.to_dict()
    del plain["index"]
    with pytest.raises(ValueError, match="run: missing required key 'index'"):
        RunRecord.from_dict(plain)


def test_ints_stay_ints() -> None:
    again = RunRecord.from_dict(FULL.to_dict())
    assert type(again.match["min_tokens"]) is int and type(again.match["min_similarity"]) is float


def _facts(value: object) -> list[object]:
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _facts(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _facts(v)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [value, *(x for f in dataclasses.fields(value) for x in _facts(getattr(value, f.name)))]
    return []


def test_every_fact_is_built_back_from_its_values_in_field_order() -> None:
    # The model's values pickle as positional constructor calls (to and from workers, the
    # spool, a merge of partial results): each run-record class must take its fields in order.
    facts = _facts(FULL)
    # The run record's classes: ``model.run``'s, its occasional facts' and the build's.
    modules = (run_module, runextras_module, build_module)
    classes = {
        c for m in modules for c in vars(m).values() if isinstance(c, type) and dataclasses.is_dataclass(c)
    }
    assert {type(f) for f in facts} == classes
    for fact in facts:
        again = type(fact)(*(getattr(fact, f.name) for f in dataclasses.fields(fact)))
        assert again == fact
    assert pickle.loads(pickle.dumps(FULL)) == FULL
