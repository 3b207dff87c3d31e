"""A copy cut across records (adversarial pass 15, item 8): streamed chunks of one response
saved one per line are joined into the response; each test fails on the code before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gitrepo import BLOCK_POLICY, GitRepo, isolated_env, jsonl
from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

COPY = REFERENCE_TEXTS[0]


def _pieces(text: str, size: int = 3) -> list[str]:
    words = text.split()
    return [" ".join(words[i : i + size]) + " " for i in range(0, len(words), size)]


def openai_chunks(text: str, cid: str = "chatcmpl-1", model: str = "gpt-4") -> list[dict[str, Any]]:
    """A chat completion as the API streams it: a role chunk, content chunks, a finish chunk."""
    head = {"id": cid, "object": "chat.completion.chunk", "created": 1700000000, "model": model}
    first = {
        "index": 0,
        "delta": {"role": "assistant", "content": ""},
        "logprobs": None,
        "finish_reason": None,
    }
    rows = [{**head, "choices": [first]}]
    for piece in _pieces(text):
        choice = {"index": 0, "delta": {"content": piece}, "logprobs": None, "finish_reason": None}
        rows.append({**head, "choices": [choice]})
    rows.append({**head, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]})
    usage = {"prompt_tokens": 9, "completion_tokens": 90, "total_tokens": 99}
    rows.append({**head, "choices": [], "usage": usage})  # stream_options: {include_usage: true}
    return rows


def anthropic_events(text: str) -> list[dict[str, Any]]:
    """A Messages API response as its stream events."""
    message = {"id": "msg_1", "type": "message", "role": "assistant", "content": [], "model": "claude-3-5"}
    rows: list[dict[str, Any]] = [
        {"type": "message_start", "message": message},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
    ]
    for piece in _pieces(text):
        rows.append(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
        )
    rows += [
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}},
        {"type": "message_stop"},
    ]
    return rows


def _args(data: Path, index_dir: Path) -> list[Any]:
    policy = data.parent / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    return ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"]


def _scan(data: Path, index_dir: Path, code: int) -> dict[str, Any]:
    out = run_cli([*_args(data, index_dir), "-f", "json"], code=code)
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


def test_openai_stream_chunks_of_a_copy_are_joined_and_block(tmp_path: Path, index_dir: Path) -> None:
    own = [{"id": "n", "text": "A note of our own about the weather."}]
    rows = own + openai_chunks(COPY)
    data = write_jsonl(tmp_path / "stream.jsonl", rows)
    doc = _scan(data, index_dir, code=1)
    (record,) = {json.dumps(m["record"], sort_keys=True) for m in doc["matches"]}
    where = json.loads(record)
    # From the role chunk to the finish chunk; the usage chunk after it has no text.
    assert (where["line"], where["end_line"], where["index"]) == (2, len(rows) - 1, 1)
    assert doc["stats"]["records"] == 2 and doc["errors"] == []  # the note and the response
    (summary,) = doc["files"]
    assert (summary["stream_chunks"], summary["stream_responses"]) == (len(rows) - 1, 1)
    text = run_cli(_args(data, index_dir), code=1)
    assert f"{data}:2-{len(rows) - 1}" in "".join(text.stdout.split()), text.stdout
    said = f"{len(rows) - 1} stream chunks joined into 1 response"
    assert said in " ".join(text.stdout.split())
    for kind in ("markdown", "html"):
        assert said in run_cli([*_args(data, index_dir), "-f", kind], code=1).stdout, kind


def test_interleaved_streams_are_joined_by_id_and_the_id_does_not_depend_on_lines(
    tmp_path: Path, index_dir: Path
) -> None:
    a, b = openai_chunks(COPY, "chatcmpl-a"), openai_chunks(REFERENCE_TEXTS[1], "chatcmpl-b")
    mixed = [row for pair in zip(a, b, strict=False) for row in pair] + a[len(b) :] + b[len(a) :]
    first = _scan(write_jsonl(tmp_path / "mixed.jsonl", mixed), index_dir, code=1)
    assert {m["record"]["id"] for m in first["matches"]} == {"chatcmpl-a", "chatcmpl-b"}
    # The same streams one after the other (other lines): the same findings, the same ids.
    moved = [{"id": "n", "text": "Our own line."}, *b, *a]
    second = _scan(write_jsonl(tmp_path / "moved.jsonl", moved), index_dir, code=1)
    assert {f["id"] for f in first["findings"]} == {f["id"] for f in second["findings"]}


def test_anthropic_stream_events_of_a_copy_are_joined_and_block(tmp_path: Path, index_dir: Path) -> None:
    rows = anthropic_events(COPY)
    doc = _scan(write_jsonl(tmp_path / "claude.jsonl", rows), index_dir, code=1)
    assert {(m["record"]["line"], m["record"]["end_line"]) for m in doc["matches"]} == {(1, len(rows))}
    assert doc["files"][0]["stream_chunks"] == len(rows)


def test_chunks_of_another_shape_are_read_one_by_one(tmp_path: Path, index_dir: Path) -> None:
    # A chunk with a field the documented shape does not have is not joined (its text would be
    # lost): each is read as before, as are chunks of own text. Each is a short record of two
    # turns, so runs (``scan.runs``) join their texts role by role and find the copy.
    rows = openai_chunks(COPY)
    for row in rows:
        row["extra"] = "x"
    doc = _scan(write_jsonl(tmp_path / "odd.jsonl", rows), index_dir, code=1)
    assert doc["stats"]["records"] == len(rows) and "stream_chunks" not in doc["files"][0]
    assert [m["record"]["turn"]["role"] for m in doc["matches"] if m["record"].get("end_index")] == [
        "content"
    ]
    own = openai_chunks("Our own answer about tomatoes and the garden, written by us today.")
    doc = _scan(write_jsonl(tmp_path / "own.jsonl", own), index_dir, code=0)
    assert doc["stats"]["records"] == 1 and doc["files"][0]["stream_responses"] == 1


def test_the_hook_joins_the_chunks_it_reads(tmp_path: Path, index_dir: Path) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([{"id": "n", "text": "A note of our own."}]))
    repo.git("add", ".")
    repo.commit("dataset", "--no-verify")
    repo.append("data/train.jsonl", jsonl(openai_chunks(COPY)))
    repo.git("add", ".")
    refused = repo.provcheck("hook", "run", code=1).stderr
    assert "data/train.jsonl:2-" in refused, refused


def test_azure_chunks_and_streamed_reasoning_are_joined(tmp_path: Path, index_dir: Path) -> None:
    # Azure OpenAI adds content filter verdicts to every chunk (and a first chunk with the
    # prompt's); DeepSeek-R1 streams its reasoning in `reasoning_content` before the answer.
    verdicts = {"hate": {"filtered": False, "severity": "safe"}}
    prompt = [{"prompt_index": 0, "content_filter_results": verdicts}]
    rows: list[dict[str, Any]] = [
        {"id": "", "object": "", "created": 0, "model": "", "choices": [], "prompt_filter_results": prompt}
    ]
    for key, text in (("reasoning_content", COPY), ("content", REFERENCE_TEXTS[1])):
        for row in openai_chunks(text, "chatcmpl-r")[1:-2]:
            choice = row["choices"][0]
            choice["delta"] = {key: choice["delta"]["content"]}
            choice["content_filter_results"] = verdicts
            rows.append(row)
    data = write_jsonl(tmp_path / "azure.jsonl", rows)
    doc = _scan(data, index_dir, code=1)
    assert {m["reference"]["id"] for m in doc["matches"]} == {"ref-0", "ref-1"}
    assert doc["files"][0]["stream_responses"] == 1 and doc["errors"] == []
