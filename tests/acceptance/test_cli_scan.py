"""`provcheck scan` as a user runs it: exit codes, reports, errors, inputs of every kind."""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import FIXTURES, REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, write_jsonl

EDITED = REFERENCE_TEXTS[1].replace("reliable", "dependable").replace("connectionless", "connection-free")
BLOCK_POLICY = """\
use: {purpose: train-competing-model}
rules:
  - id: openai-compete
    title: OpenAI output in a competing model
    when: {source.provider: openai, use.purpose: train-competing-model}
    action: block
    message: copies {source.name}
"""


def dataset(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "data" / "train.jsonl",
        [
            {
                "id": "c0",
                "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": UNRELATED_TEXT}],
            },
            {
                "id": "c1",
                "conversations": [
                    {"from": "human", "value": "TCP vs UDP?"},
                    {"from": "gpt", "value": EDITED},
                ],
            },
        ],
    )


def scan_json(args: list[object], code: int) -> dict:  # type: ignore[type-arg]
    result = run_cli(["scan", *args, "--format", "json", "-q"], code)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_without_a_policy_every_match_is_a_review_finding(tmp_path: Path, index_dir: Path) -> None:
    data = dataset(tmp_path)
    doc = scan_json([data, "--index", index_dir], 0)
    (match,) = doc["matches"]
    assert match["record"] == {
        "path": str(data),
        "index": 1,
        "line": 2,
        "id": "c1",
        "content_hash": match["record"]["content_hash"],
        "turn": {"role": "gpt", "kind": "assistant", "position": 1, "field": "conversations[1].value"},
    }
    assert match["reference"]["id"] == "ref-1" and match["reference"]["source"] == "share"
    assert match["reference"]["provider"] == "openai" and match["reference"]["generator"] == "gpt-3.5-turbo"
    assert match["kind"] == "near-duplicate" and 0.9 < match["scores"]["similarity"] < 1.0
    assert set(match["scores"]) == {
        "similarity",
        "containment",
        "coverage",
        "matched_tokens",
        "char_similarity",
        "jaccard",
    }
    span = match["spans"][0]
    assert span["candidate"]["text"].startswith("TCP is connection") and span["reference"]["text"].startswith(
        "TCP"
    )
    (finding,) = doc["findings"]
    assert (
        finding["action"] == "review"
        and finding["rule"] == "reference-match"
        and finding["match"] == match["id"]
    )
    assert len(finding["id"]) == 20 and "share" in finding["message"]
    assert doc["errors"] == [] and doc["stats"]["records"] == 2 and doc["verdict"]["blocking"] is False
    assert doc["run"]["index"]["signature"] == "wmh1-tok6-n5-w8-s1-code2" and doc["schema_version"] == "1.4"


def test_blocking_findings_exit_1_and_fail_on_sets_the_threshold(tmp_path: Path, index_dir: Path) -> None:
    data = dataset(tmp_path)
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    doc = scan_json([data, "-i", index_dir, "-p", policy], 1)
    assert [f["action"] for f in doc["findings"]] == ["block"] and doc["verdict"]["blocking"]
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--fail-on", "never", "-q"], 0)
    # --use adds to the policy's train-competing-model; --use-only replaces it.
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--use", "fine-tune", "-q"], 1)
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--use-only", "--use", "fine-tune", "-q"], 0)
    run_cli(["scan", data, "-i", index_dir, "--fail-on", "review", "-q"], 1)  # default policy: review


def test_text_report_shows_the_evidence(tmp_path: Path, index_dir: Path) -> None:
    data = dataset(tmp_path)
    result = run_cli(["scan", data, "-i", index_dir], 0)
    assert "reference-match" in result.stdout and "candidate:" in result.stdout
    # Excerpts start just before the first difference, so the edit is visible on both sides.
    assert "dependable" in result.stdout and "reliable" in result.stdout
    assert "no blocking finding: checked against the 1 indexed source(s) only" in result.stderr
    assert "PASS" not in result.stderr and "1 match" in result.stderr


def test_unreadable_records_are_reported_and_the_rest_scanned(tmp_path: Path, index_dir: Path) -> None:
    data = dataset(tmp_path)
    with open(data, "a") as fh:
        fh.write('{"broken": \n{"text": ' + json.dumps(REFERENCE_TEXTS[0]) + "}\n")
    doc = scan_json([data, "-i", index_dir], 4)
    assert doc["errors"] == [
        {
            "path": str(data),
            "line": 3,
            "index": 2,
            "field": None,
            "kind": "parse",
            "message": doc["errors"][0]["message"],
        }
    ]
    assert len(doc["matches"]) == 2 and doc["verdict"]["complete"] is False


def test_findings_take_precedence_over_input_errors(tmp_path: Path, index_dir: Path) -> None:
    data = dataset(tmp_path)
    with open(data, "a") as fh:
        fh.write("not json\n")
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "-q"], 1)


def test_usage_policy_input_and_index_errors_have_their_codes(tmp_path: Path, index_dir: Path) -> None:
    data = dataset(tmp_path)
    run_cli(["scan", data, "-i", index_dir, "--no-such-option"], 2)
    run_cli(["scan", data], 2)
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: x\n    title: t\n    action: nuke\n")
    result = run_cli(["scan", data, "-i", index_dir, "-p", bad], 3)
    assert f"{bad}:4" in result.stderr and "unknown action 'nuke'" in result.stderr
    result = run_cli(["scan", tmp_path / "missing.jsonl", "-i", index_dir], 4)
    assert "no such file or directory" in result.stderr
    result = run_cli(["scan", data, "-i", tmp_path / "no-index"], 5)
    assert "provcheck index add" in result.stderr
    (next((index_dir / "shards").iterdir()) / "anchors.npy").write_bytes(b"x")
    run_cli(["scan", data, "-i", index_dir], 5)


def test_several_formats_in_one_run_and_atomic_outputs(tmp_path: Path, index_dir: Path) -> None:
    data = dataset(tmp_path)
    out = tmp_path / "reports"
    out.mkdir()
    run_cli(
        [
            "scan",
            data,
            "-i",
            index_dir,
            "-f",
            "json",
            "-o",
            out / "r.json",
            "-f",
            "text",
            "-o",
            out / "r.txt",
            "-q",
        ]
    )
    assert json.loads((out / "r.json").read_text())["matches"]
    assert "reference-match" in (out / "r.txt").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["r.json", "r.txt"]  # no temp files left
    result = run_cli(["scan", data, "-i", index_dir, "-f", "json", "-f", "text"], 2)
    assert "one --output each" in result.stderr
    run_cli(["scan", data, "-i", index_dir, "-f", "json", "-o", tmp_path / "nodir" / "r.json"], 2)


def test_directories_are_scanned_with_paths_as_given(tmp_path: Path, index_dir: Path) -> None:
    dataset(tmp_path)
    write_jsonl(tmp_path / "data" / "more" / "extra.jsonl", [{"text": REFERENCE_TEXTS[2]}])
    doc = scan_json([tmp_path / "data", "-i", index_dir], 0)
    paths = sorted(m["record"]["path"] for m in doc["matches"])
    assert paths == [str(tmp_path / "data" / "more" / "extra.jsonl"), str(tmp_path / "data" / "train.jsonl")]
    assert [f["path"] for f in doc["files"]] == paths[::-1] or len(doc["files"]) == 2


def test_fsspec_urls_are_scanned_with_urls_as_paths(tmp_path: Path, index_dir: Path) -> None:
    # Object stores go through fsspec; file:// needs no credentials and takes the same path.
    pytest.importorskip("fsspec")
    dataset(tmp_path)
    write_jsonl(tmp_path / "data" / "more" / "extra.jsonl", [{"text": REFERENCE_TEXTS[2]}])
    url = (tmp_path / "data").as_uri()
    doc = scan_json([url, "-i", index_dir], 0)
    paths = sorted(m["record"]["path"] for m in doc["matches"])
    assert paths == [f"{url}/more/extra.jsonl", f"{url}/train.jsonl"]
    assert all(f["sha256"] for f in doc["files"])


def write_all_formats(base: Path) -> dict[str, Path]:
    """The edited reference as the model's answer, in every container and schema."""
    files: dict[str, Path] = {}
    files["sharegpt.jsonl"] = write_jsonl(
        base / "sharegpt.jsonl",
        [{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": EDITED}]}],
    )
    files["openai.json"] = base / "openai.json"
    files["openai.json"].write_text(
        json.dumps(
            [{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": EDITED}]}]
        )
    )
    files["alpaca.csv"] = base / "alpaca.csv"
    with open(files["alpaca.csv"], "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["instruction", "input", "output"])
        w.writerow(["explain", "", EDITED])
    files["text.parquet"] = base / "text.parquet"
    pq.write_table(pa.table({"content": [UNRELATED_TEXT, EDITED]}), files["text.parquet"])
    files["plain.txt.gz"] = base / "plain.txt.gz"
    files["plain.txt.gz"].write_bytes(gzip.compress(("Notes.\n\n" + EDITED + "\n").encode()))
    files["prompt.jsonl.zst"] = base / "prompt.jsonl.zst"
    import zstandard

    files["prompt.jsonl.zst"].write_bytes(
        zstandard.ZstdCompressor().compress(
            (json.dumps({"prompt": "q", "completion": EDITED}) + "\n").encode()
        )
    )
    return files


@pytest.mark.parametrize(
    ("name", "schema", "role"),
    [
        ("sharegpt.jsonl", "sharegpt", "gpt"),
        ("openai.json", "openai", "assistant"),
        ("alpaca.csv", "alpaca", "output"),
        ("text.parquet", "text", "text"),
        ("plain.txt.gz", "text", "text"),
        ("prompt.jsonl.zst", "prompt-response", "completion"),
    ],
)
def test_every_container_and_schema_finds_the_copy(
    tmp_path: Path, index_dir: Path, name: str, schema: str, role: str
) -> None:
    path = write_all_formats(tmp_path / "in")[name]
    doc = scan_json([path, "-i", index_dir], 0)
    assert [m["record"]["turn"]["role"] for m in doc["matches"]] == [role]
    assert doc["files"][0]["schema"] == schema and doc["files"][0]["sha256"]


def test_schema_and_role_options(tmp_path: Path, index_dir: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"body": {"answer": EDITED}, "text": UNRELATED_TEXT}])
    assert scan_json([path, "-i", index_dir], 0)["matches"][0]["record"]["turn"]["field"] == "body.answer"
    assert scan_json([path, "-i", index_dir, "--text-field", "text"], 0)["matches"] == []
    turns = [{"from": "human", "value": EDITED}, {"from": "gpt", "value": UNRELATED_TEXT}]
    chat = write_jsonl(tmp_path / "c.jsonl", [{"conversations": turns}])
    assert len(scan_json([chat, "-i", index_dir], 0)["matches"]) == 1
    doc = scan_json([chat, "-i", index_dir, "--roles", "assistant"], 0)
    assert doc["matches"] == [] and doc["run"]["turns_selected"] == 1


def test_the_demo_data_blocks_openai_copies(tmp_path: Path) -> None:
    idx = tmp_path / "demo-index"
    run_cli(["index", "build", idx, "--sources", FIXTURES / "demo" / "sources.yaml", "-q"])
    doc = scan_json([FIXTURES / "demo" / "dataset", "-i", idx, "-p", FIXTURES / "demo" / "policy.yaml"], 1)
    # Findings about the dataset's card (declarations) have no record.
    outcomes = {((f["record"] or {}).get("id"), f["rule"], f["action"]) for f in doc["findings"]}
    assert ("conv-002", "openai-no-competing-models", "block") in outcomes
    assert ("conv-004", "openai-no-competing-models", "block") in outcomes
    assert ("conv-005", "deepseek-training-permitted", "info") in outcomes
    assert {r for r, _, _ in outcomes} >= {"conv-002", "conv-004", "conv-005"}
    assert not {"conv-001", "conv-003", "conv-006"} & {r for r, _, _ in outcomes}
    assert len(doc["errors"]) == 1 and doc["errors"][0]["line"] == 4


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_scan_exits_130_and_leaves_no_report(tmp_path: Path, index_dir: Path, sig: int) -> None:
    # A scheduler's SIGTERM (Slurm, Kubernetes, a CI timeout) or Ctrl-C (SIGINT to the whole
    # process group) while worker processes run: no traceback from any process, no report, no
    # temporary file, and an earlier report is left as it was.
    rows = [{"id": f"r{i}", "text": f"{UNRELATED_TEXT} number {i} " * 20} for i in range(40_000)]
    data = write_jsonl(tmp_path / "big.jsonl", rows)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("earlier report", encoding="utf-8")
    report = str(out / "report.json")
    scan = ["scan", str(data), "-i", str(index_dir), "-j", "2", "-q", "-f", "json", "-o", report]
    proc = subprocess.Popen(
        [sys.executable, "-m", "provcheck", *scan],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # A shell runs background jobs with SIGINT ignored, and Python keeps it ignored; a
        # terminal's Ctrl-C reaches a process that has the default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    _wait_for_workers(proc.pid)
    assert proc.poll() is None, proc.communicate()
    os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["report.json"]
    assert (out / "report.json").read_text(encoding="utf-8") == "earlier report"


def _children(pid: int) -> list[int]:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return []
    kids: list[int] = []
    for tid in tasks:
        with contextlib.suppress(OSError):
            kids += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
    return kids


def _wait_for_workers(pid: int, timeout: float = 60.0) -> None:
    """Return once the scan has started its worker processes (a readiness signal, not a sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(_children(pid)) >= 2:
            time.sleep(0.2)  # the workers have been handed their first batches
            return
        time.sleep(0.02)
    raise AssertionError("the scan never started its workers")


def test_every_match_carries_its_strength_and_min_probability_filters(
    tmp_path: Path, index_dir: Path
) -> None:
    data = dataset(tmp_path)
    doc = scan_json([data, "--index", index_dir], 0)
    (match,) = doc["matches"]
    strength = match["strength"]
    assert 0.0 <= strength["probability"] <= 1.0 and strength["sources"] == ["share"]
    assert "aligned tokens" in strength["reason"] and strength["convergence"] is None
    above = min(1.0, strength["probability"] + 0.001)
    assert scan_json([data, "--index", index_dir, "--min-probability", above], 0)["matches"] == []
    kept = scan_json([data, "--index", index_dir, "--min-probability", strength["probability"]], 0)
    assert len(kept["matches"]) == 1 and kept["run"]["match"]["min_probability"] == strength["probability"]
    result = run_cli(["scan", data, "-i", index_dir, "--min-probability", "1.5"], 2)
    assert "1.5" in result.stderr
    both = run_cli(
        ["scan", data, "-i", index_dir, "--min-probability", "0.5", "--match", "min-probability=0.2"], 2
    )
    assert "both given" in both.stderr
