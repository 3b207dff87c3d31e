"""`provcheck index` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl


def test_add_then_info(index_dir: Path) -> None:
    info = json.loads(run_cli(["index", "info", index_dir, "--format", "json"]).stdout)
    assert info["references"] == 3 and info["texts"] == 3 and info["shards"] == 1
    assert info["sources"]["share"]["provider"] == "openai" and info["sources"]["share"]["records"] == 3
    assert info["fingerprint"] == {"shingle_size": 5, "window": 8, "seed": 1, "tokenizer": 6, "code": 2}
    text = run_cli(["index", "info", index_dir]).stdout
    assert "wmh1-tok6-n5-w8-s1-code2" in text and "share" in text and "MiB on disk" in text


def test_add_reports_counts_and_meta(tmp_path: Path, index_dir: Path) -> None:
    more = write_jsonl(tmp_path / "more.jsonl", [{"text": t} for t in REFERENCE_TEXTS] + [{"broken": 1}])
    result = run_cli(
        [
            "index",
            "add",
            index_dir,
            more,
            "--source",
            "plain",
            "--meta",
            "origin=generated",
            "--meta",
            "date=2024-05-01",
        ],
        4,
    )
    assert "3 records" in result.stderr and "no text found" in result.stderr
    info = json.loads(run_cli(["index", "info", index_dir, "--format", "json"]).stdout)
    assert info["sources"]["plain"]["meta"] == {"origin": "generated", "date": "2024-05-01"}
    assert info["shards"] == 2
    # --quiet keeps the errors and drops the summary.
    again = run_cli(["index", "add", index_dir, more, "--source", "plain2", "-q"], 4)
    assert "no text found" in again.stderr and "records" not in again.stderr
    run_cli(["index", "add", index_dir, more, "--source", "x", "--meta", "nokey"], 2)


def test_build_from_a_sources_manifest(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "src" / "a.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    write_jsonl(
        tmp_path / "src" / "b.jsonl", [{"messages": [{"role": "assistant", "content": REFERENCE_TEXTS[1]}]}]
    )
    manifest = tmp_path / "src" / "sources.yaml"
    manifest.write_text(
        "sources:\n  - {path: a.jsonl, source: a, provider: openai}\n"
        "  - {path: b.jsonl, source: b, license: CC-BY-NC-4.0, meta: {date: 2023-01-05}}\n"
    )
    run_cli(["index", "build", tmp_path / "idx", "--sources", manifest, "-q"])
    info = json.loads(run_cli(["index", "info", tmp_path / "idx", "--format", "json"]).stdout)
    assert set(info["sources"]) == {"a", "b"} and info["sources"]["b"]["meta"]["date"] == "2023-01-05"
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {path: a.jsonl, source: a, colour: red}\n  - {source: b}\n")
    result = run_cli(["index", "build", tmp_path / "idx2", "--sources", bad], 2)
    assert f"{bad}:2: unknown key 'colour'" in result.stderr and "'path' is required" in result.stderr


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2025-10-32", "'2025-10-32' is not a date (day is out of range for month)"),
        ("01/10/2025", "'01/10/2025' is not a date in ISO 8601 form"),
    ],
)
def test_a_meta_date_is_an_iso_date_or_a_usage_error(tmp_path: Path, value: str, why: str) -> None:
    """A date that is not one must not become "date unknown" (a dated rule would stop applying)."""
    data = write_jsonl(tmp_path / "a.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    idx = tmp_path / "idx"
    result = run_cli(["index", "add", idx, data, "--source", "claude", "--meta", f"date={value}"], 2)
    assert f"--meta date: {why}; expected an ISO 8601 date, YYYY-MM-DD" in result.stderr
    assert not idx.exists()  # nothing written half-way
    run_cli(
        ["index", "add", idx, data, "--source", "claude", "--meta", "generated=2025-10-01T09:30:00Z", "-q"]
    )
    info = json.loads(run_cli(["index", "info", idx, "--format", "json"]).stdout)
    assert info["sources"]["claude"]["meta"] == {"generated": "2025-10-01"}
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(f"sources:\n  - path: a.jsonl\n    source: s\n    meta:\n      date: {value}\n")
    result = run_cli(["index", "build", tmp_path / "idx2", "--sources", manifest], 2)
    assert f"{manifest}:5: meta date: {why}; expected an ISO 8601 date" in result.stderr


@pytest.mark.parametrize("key", ["Date", "DATE", "Generated"])
def test_a_meta_date_key_spelt_otherwise_is_refused(tmp_path: Path, key: str) -> None:
    """`--meta Date=2025-10-32` was stored unchecked and never read as the material's date."""
    data = write_jsonl(tmp_path / "a.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    idx = tmp_path / "idx"
    result = run_cli(["index", "add", idx, data, "--source", "c", "--meta", f"{key}=2025-10-32"], 2)
    assert f"--meta {key}: did you mean {key.lower()!r}?" in result.stderr
    assert not idx.exists()
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(f"sources:\n  - path: a.jsonl\n    source: s\n    meta:\n      {key}: 2025-10-01\n")
    result = run_cli(["index", "build", tmp_path / "idx2", "--sources", manifest], 2)
    assert f"{manifest}:5: meta {key}: did you mean {key.lower()!r}?" in result.stderr


def test_verify_and_parameter_options(tmp_path: Path, index_dir: Path) -> None:
    assert "every checksum matches" in run_cli(["index", "verify", index_dir]).stderr
    texts = next((index_dir / "shards").iterdir()) / "texts.zst"
    data = bytearray(texts.read_bytes())
    data[5] ^= 1
    texts.write_bytes(bytes(data))
    assert "checksum mismatch" in run_cli(["index", "verify", index_dir], 5).stderr
    refs = write_jsonl(tmp_path / "r.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    result = run_cli(["index", "add", tmp_path / "new", refs, "--source", "s", "--shingle-size", "3"])
    assert "1 records" in result.stderr
    result = run_cli(["index", "add", tmp_path / "new", refs, "--source", "s", "--window", "4", "-q"], 5)
    assert "wmh1-tok6-n3-w8-s1" in result.stderr
