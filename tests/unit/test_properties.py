"""Properties that hold for any input: records, segments, tokens and every YAML file provcheck
reads. Whatever the data, only provcheck's own located errors come out, never an exception.

``PROVCHECK_HYPOTHESIS_PROFILE=fuzz`` (``make fuzz``) runs each property on many more inputs.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzzing import JSON_VALUES
from helpers import unread
from provcheck import projectfile as project
from provcheck import yamlfile
from provcheck.errors import ConfigError, PolicyError, SourcesError
from provcheck.ingest import load_sources
from provcheck.inputs.schemas import SCHEMAS, RecordOptions, to_record
from provcheck.matching.normalize import canonical, reference_tokens, tokenize, tokens
from provcheck.matching.segment import CHUNK_CHARS, segments
from provcheck.model import ErrorKind, Location, Record, RecordError, SkipReason
from provcheck.policy import load_policy
from provcheck.waivers import load_waivers

settings.register_profile("fuzz", max_examples=3000, deadline=None)
settings.register_profile("default-properties", max_examples=150, deadline=None)
settings.load_profile(os.environ.get("PROVCHECK_HYPOTHESIS_PROFILE", "default-properties"))

ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=200)
"""Any code points, lone surrogates included (JSON can spell them)."""
OPTIONS = st.sampled_from(
    [RecordOptions(), *(RecordOptions(schema=name) for name in SCHEMAS), RecordOptions(text_field="a.b")]
)
RECORDS = st.dictionaries(
    st.sampled_from(["text", "conversations", "messages", "output", "a"]) | st.text(), JSON_VALUES
)


# ---- records, segments, tokens


@given(RECORDS, OPTIONS, st.integers(0, 10**9), st.none() | st.integers(1, 10**9))
def test_any_json_object_is_a_record_or_a_located_error(
    data: dict[str, Any], options: RecordOptions, index: int, line: int | None
) -> None:
    where = Location("d.jsonl", index, line)
    rec = to_record(data, where, options)
    if isinstance(rec, RecordError):
        assert (rec.path, rec.index, rec.line) == ("d.jsonl", index, line) and rec.message
        return
    assert isinstance(rec, Record) and rec.location == where and rec.turns
    assert all(isinstance(t.text, str) and t.text.strip() for t in rec.turns)
    assert [t.position for t in rec.turns] == sorted({t.position for t in rec.turns})
    assert isinstance(rec.content_hash, str) and rec.content_hash


PROSE = st.lists(
    st.sampled_from(["the", "model", "answer", "reasoning", "копия", "字", "données", "42", "tool", "x"]),
    min_size=25,
    max_size=40,
).map(" ".join) | st.text(st.sampled_from("文字复制内容"), min_size=25, max_size=40)
"""Text as long as the shortest match (25 tokens), spaced or written without spaces."""
PARTS_KEYS = st.sampled_from(
    [
        "reasoning_content",
        "thinking",
        "tool_calls",
        "function",
        "arguments",
        "tool_use",
        "tool_result",
        "redacted_thinking",
        "chosen",
        "rejected",
        "system",
        "source",
        "label",
        "name",
        "signature",
        "url",
        "input",
        "uuid",
    ]
)
SHAPED_VALUES = st.recursive(
    st.none()
    | st.integers()
    | PROSE
    | st.text(max_size=30)
    | st.sampled_from(
        ["text", "thinking", "redacted_thinking", "tool_use", "tool_result", "user", "assistant"]
    ),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["type", "role", "content", "text", "from", "value"]) | PARTS_KEYS,
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)
SHAPED_RECORDS = st.dictionaries(
    st.sampled_from(["messages", "conversations", "prompt", "chosen", "text", "instruction", "output"])
    | PARTS_KEYS,
    SHAPED_VALUES,
    min_size=1,
    max_size=5,
)


@given(SHAPED_RECORDS | RECORDS, OPTIONS)
def test_every_string_long_enough_to_match_is_read_or_skipped_with_a_reason(
    data: dict[str, Any], options: RecordOptions
) -> None:
    rec = to_record(data, Location("d.jsonl", 0, 1), options)
    if isinstance(rec, RecordError):
        # The record as a whole is a located error (a forced schema that does not fit, or a
        # detected one whose shape is broken): counted, never silently passed.
        assert rec.kind is ErrorKind.SCHEMA and rec.line == 1 and rec.message
        return
    for path, _, reason in unread(data, rec):
        # Text this long is only left out when the user chose another field.
        assert reason is SkipReason.NOT_SELECTED and options.text_field, (path, reason)


LONG_TEXT = st.builds(
    lambda parts, times: "".join(parts) * times,
    st.lists(
        st.sampled_from(["word ", "w", " ", "\n", "字", "🙂", "x" * 50]) | ANY_TEXT, min_size=1, max_size=8
    ),
    st.integers(1, 4000),
)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(LONG_TEXT)
def test_segments_cover_the_turn_in_bounded_overlapping_chunks(text: str) -> None:
    rec = to_record({"text": text}, Location("d.jsonl", 0, 1), RecordOptions())
    if isinstance(rec, RecordError):
        assert not text.strip()
        return
    (turn,) = rec.turns
    segs = list(segments(rec))
    assert segs and segs[0].offset == 0
    assert segs[-1].offset + len(segs[-1].text) == len(turn.text)
    for seg in segs:
        assert 0 < len(seg.text) <= CHUNK_CHARS
        assert turn.text[seg.offset : seg.offset + len(seg.text)] == seg.text
    for before, after in itertools.pairwise(segs):
        assert before.offset < after.offset <= before.offset + len(before.text)  # no gap, progress


@given(st.lists(ANY_TEXT, max_size=6))
def test_tokenizing_any_text_never_fails_and_batches_agree(texts: list[str]) -> None:
    batch = tokenize(texts)
    for i, text in enumerate(texts):
        assert batch.strings(i) == tokens(text)
        if not any("\ud800" <= c <= "\udfff" for c in text):
            assert tokens(text) == reference_tokens(text)[0]
            spans = reference_tokens(text)[1]
            assert all(0 <= s < e <= len(canonical(text)) for s, e in spans)


# ---- YAML files provcheck reads: policies, waivers, configuration, sources manifests

POLICY_KEYS = ["name", "include", "use", "sources", "terms", "markers", "rules", "disable", "version"]
YAML_DOCS = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=20)
    | st.sampled_from(["block", "review", "x*", "(a+)+$"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    *POLICY_KEYS,
                    "id",
                    "title",
                    "action",
                    "when",
                    "regex",
                    "any",
                    "all",
                    "not",
                    "purpose",
                    "reason",
                    "approver",
                    "date",
                    "path",
                    "source",
                    "waivers",
                    "index",
                    "policy",
                    "cache",
                    "fail_on",
                ]
            )
            | st.text(max_size=6),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)
YAML_TEXT = (
    YAML_DOCS.map(lambda d: yaml.safe_dump(d, allow_unicode=True))
    | st.text(max_size=300)
    | st.sampled_from(
        [
            "a: &a [1, 2]\nb: *a\n",
            "a: !!python/object/apply:os.system ['true']\n",
            "<<: {a: 1}\n",
            "a: 1\na: 2\n",
            "rules:\n  - {id: r, title: t, action: warn, when: {record.path: {regex: '(a)\\\\1'}}}\n",
            "include: [../../../../etc/passwd, provcheck:nope]\n",
            "\t- broken\n  yaml: [\n",
        ]
    )
)


def _located(problems: list[str], path: Path) -> None:
    for problem in problems:
        assert problem.startswith(str(path)), problem  # file (and line) first, always


@given(YAML_TEXT)
def test_any_policy_file_loads_or_is_reported_with_locations(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_policy(str(path))
    except PolicyError as exc:
        _located(exc.problems, path)


@given(YAML_TEXT)
def test_any_waivers_file_loads_or_is_reported_with_locations(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("waivers") / ".provcheck-waivers.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_waivers(str(path))
    except PolicyError as exc:
        _located(exc.problems, path)


@given(YAML_TEXT)
def test_any_configuration_loads_or_is_reported_with_locations(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("config") / ".provcheck.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        project.load(str(path))
    except ConfigError as exc:
        _located(exc.problems, path)


@given(YAML_TEXT)
def test_any_sources_manifest_loads_or_is_reported_with_locations(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("sources") / "sources.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_sources(str(path))
    except SourcesError as exc:
        _located(exc.problems, path)


@given(st.binary(max_size=300))
def test_any_bytes_as_yaml_give_plain_data_or_a_located_problem(data: bytes) -> None:
    try:
        value = yamlfile.loads(data.decode("utf-8", "replace"), "f.yaml")
    except yamlfile.YamlProblem as exc:
        assert str(exc).startswith("f.yaml")
        return
    json.dumps(value, default=str)  # plain data only: nothing constructed


def test_an_alias_bomb_is_refused_at_the_documented_bound() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]  # 10^9 nodes
    with pytest.raises(yamlfile.YamlProblem, match=f"expands to more than {yamlfile.MAX_NODES:,} nodes"):
        yamlfile.loads("\n".join(levels), "bomb.yaml")
    within = "\n".join(levels[:4])  # 11,110 nodes: under the bound, loads
    assert len(yamlfile.loads(within, "ok.yaml")["a3"]) == 10
