"""A copy cut across plain records each under the token floor (adversarial pass 15, item 8,
the half streams did not close): consecutive short records are matched again joined in runs
(``scan.runs``). Each test fails on the code before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gitrepo import BLOCK_POLICY, GitRepo, isolated_env, jsonl
from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

COPY = REFERENCE_TEXTS[0]
OWN = [
    "We met at the market on Sunday.",
    "The bus was late again this morning.",
    "Tomatoes need more sun than lettuce does.",
]


def cut(text: str, size: int) -> list[dict[str, Any]]:
    words = text.split()
    return [{"text": " ".join(words[i : i + size])} for i in range(0, len(words), size)]


def _args(data: Path, index_dir: Path) -> list[Any]:
    policy = data.parent / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    return ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"]


def _scan(data: Path, index_dir: Path, code: int, *more: Any) -> dict[str, Any]:
    out = run_cli([*_args(data, index_dir), *more, "-f", "json"], code=code)
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


def test_a_copy_cut_ten_words_to_a_record_blocks_at_its_lines(tmp_path: Path, index_dir: Path) -> None:
    rows = [{"text": t} for t in OWN] + cut(COPY, 10) + [{"text": t} for t in OWN]
    data = write_jsonl(tmp_path / "cut.jsonl", rows)
    doc = _scan(data, index_dir, code=1)
    (match,) = doc["matches"]
    assert match["reference"]["id"] == "ref-0"
    pieces = len(cut(COPY, 10))
    where = match["record"]
    # Within the copy's lines (the own lines around it are not part of the match).
    assert 4 <= where["line"] < where["end_line"] <= 3 + pieces, where
    assert doc["stats"]["records"] == len(rows) and doc["errors"] == []
    (summary,) = doc["files"]
    assert summary["run_records"] >= pieces and summary["runs"] >= 1
    text = run_cli(_args(data, index_dir), code=1).stdout
    assert f"{data}:{where['line']}-{where['end_line']}" in "".join(text.split()), text
    assert "short records also read as" in " ".join(text.split())
    for kind in ("markdown", "html"):
        assert "short records also read as" in run_cli([*_args(data, index_dir), "-f", kind], code=1).stdout


def test_five_and_twenty_words_to_a_record_block_too(tmp_path: Path, index_dir: Path) -> None:
    for size in (5, 20):
        data = write_jsonl(tmp_path / f"cut{size}.jsonl", cut(REFERENCE_TEXTS[1], size))
        doc = _scan(data, index_dir, code=1)
        assert {m["reference"]["id"] for m in doc["matches"]} == {"ref-1"}, size


def test_the_finding_id_does_not_move_with_the_lines(tmp_path: Path, index_dir: Path) -> None:
    first = _scan(write_jsonl(tmp_path / "a.jsonl", cut(COPY, 10)), index_dir, code=1)
    # Own records before it, and a long record between the two: the copy's window is the same.
    moved = [{"text": t} for t in OWN] + [{"text": " ".join(["word"] * 40)}] + cut(COPY, 10)
    second = _scan(write_jsonl(tmp_path / "b.jsonl", moved), index_dir, code=1)
    assert {f["id"] for f in first["findings"]} == {f["id"] for f in second["findings"]}


def test_a_copy_within_one_record_is_not_a_run_and_own_short_records_match_nothing(
    tmp_path: Path, index_dir: Path
) -> None:
    own = [{"text": t} for t in OWN * 6]
    doc = _scan(write_jsonl(tmp_path / "own.jsonl", own), index_dir, code=0)
    assert doc["matches"] == [] and doc["files"][0]["runs"] >= 1
    # A whole copy in one record is matched as that record, not again as a run.
    rows = [{"text": OWN[0]}, {"text": COPY}, {"text": OWN[1]}]
    doc = _scan(write_jsonl(tmp_path / "one.jsonl", rows), index_dir, code=1)
    assert [(m["record"]["line"], m["record"].get("end_line")) for m in doc["matches"]] == [(2, None)]


def test_records_answered_from_the_cache_still_make_runs(tmp_path: Path, index_dir: Path) -> None:
    data = write_jsonl(tmp_path / "cut.jsonl", cut(COPY, 10))
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY)
    args = ["scan", data, "-i", index_dir, "-p", policy, "-q", "-f", "json"]
    first = json.loads(run_cli(args, code=1).stdout)
    second = json.loads(run_cli(args, code=1).stdout)  # every record from the cache now
    assert [f["id"] for f in first["findings"]] == [f["id"] for f in second["findings"]]


def test_the_hook_blocks_a_run_of_new_short_records(tmp_path: Path, index_dir: Path) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([{"text": t} for t in OWN]))
    repo.git("add", ".")
    repo.commit("dataset", "--no-verify")
    repo.append("data/train.jsonl", jsonl(cut(COPY, 10)))
    repo.git("add", ".")
    refused = repo.provcheck("hook", "run", code=1).stderr
    assert "data/train.jsonl:4-" in refused, refused


def test_shards_merge_to_the_runs_of_one_scan(tmp_path: Path, index_dir: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "a.jsonl", [{"text": t} for t in OWN] + cut(COPY, 10))
    write_jsonl(data / "b.jsonl", cut(REFERENCE_TEXTS[2], 5))
    one = _scan(data, index_dir, code=1)
    parts = []
    for i in (1, 2):
        parts.append(tmp_path / f"{i}.partial")
        run_cli([*_args(data, index_dir), "--shard", f"{i}/2", "--partial", parts[-1]], code=1)
    many = json.loads(run_cli(["merge", *parts, "-f", "json", "-q"], code=1).stdout)
    assert sorted(f["id"] for f in many["findings"]) == sorted(f["id"] for f in one["findings"])
    assert len({f["path"] for f in one["findings"]}) == 2
    assert [f.get("runs") for f in many["files"]] == [f.get("runs") for f in one["files"]]


def test_a_run_counts_every_record_it_covers_in_every_format(tmp_path: Path, index_dir: Path) -> None:
    # Counsel read "Blocked: 1 of 10 records" of a copy cut across ten records.
    rows = cut(COPY, 10) + [{"text": t} for t in OWN]
    data = write_jsonl(tmp_path / "cut.jsonl", rows)
    doc = _scan(data, index_dir, code=1)
    spans = [(m["record"]["index"], m["record"]["end_index"]) for m in doc["matches"]]
    covered = {i for first, last in spans for i in range(first, last + 1)}
    n = len(covered)
    assert n >= len(cut(COPY, 10)) - 1 and n > 1, covered
    counts = doc["summary"]["records"]
    assert (counts["blocking"], counts["with_findings"], counts["scanned"]) == (n, n, len(rows)), counts
    assert [s["records"] for s in doc["summary"]["sources"] if s["source"] == "share"] == [n]
    assert [(r["index"], r["end_index"]) for r in doc["records"]] == sorted(set(spans))
    said = f"Blocked: {n} of {len(rows)} records"
    for kind in ("text", "markdown", "html"):
        out = " ".join(run_cli([*_args(data, index_dir), "-f", kind], code=1).stdout.split())
        assert said in out, (kind, out[:3000])


def _repo(tmp_path: Path, index_dir: Path, committed: list[dict[str, Any]]) -> GitRepo:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl(committed))
    repo.git("add", ".")
    repo.commit("dataset", "--no-verify")
    return repo


def test_the_hook_joins_staged_short_records_with_the_committed_ones_next_to_them(
    tmp_path: Path, index_dir: Path
) -> None:
    # The copy's first seven pieces were committed before; its last two (19 words, under the
    # floor alone) are staged: the hook read only them and let the copy's end in.
    pieces = cut(COPY, 10)
    repo = _repo(tmp_path, index_dir, [{"text": t} for t in OWN] + pieces[:-2])
    repo.append("data/train.jsonl", jsonl(pieces[-2:]))
    repo.git("add", ".")
    refused = " ".join(repo.provcheck("hook", "run", code=1).stderr.split())
    first = 3 + len(pieces) - 1  # the staged records' lines, not the committed ones'
    assert f"data/train.jsonl:{first}-{first + 1}" in refused, refused
    # --changed-since reads a branch's records the same way.
    repo.git("commit", "-q", "--no-verify", "-m", "end of the copy")
    doc = json.loads(repo.provcheck("scan", "--changed-since", "HEAD~1", "-f", "json", "-q", code=1).stdout)
    assert [(f["record"]["line"], f["record"]["end_line"]) for f in doc["findings"]] == [(first, first + 1)]
    counts = doc["summary"]["records"]
    assert (counts["blocking"], counts["scanned"]) == (2, 2), counts


def test_the_hook_does_not_report_again_a_run_committed_before(tmp_path: Path, index_dir: Path) -> None:
    repo = _repo(tmp_path, index_dir, cut(COPY, 10))  # committed past the gate (--no-verify)
    repo.append("data/train.jsonl", jsonl([{"text": t} for t in OWN]))
    repo.git("add", ".")
    repo.provcheck("hook", "run", code=0)


def test_a_chat_cut_one_short_exchange_to_a_record_is_joined_by_role(tmp_path: Path, index_dir: Path) -> None:
    # Each record a short exchange whose assistant turn is ten words of the copy: no record
    # holds 25 tokens, and only plain records of one turn were joined.
    pieces = [p["text"] for p in cut(COPY, 10)]
    rows = [
        {"messages": [{"role": "user", "content": t}, {"role": "assistant", "content": "Sure."}]} for t in OWN
    ]
    rows += [
        {"messages": [{"role": "user", "content": "Go on."}, {"role": "assistant", "content": p}]}
        for p in pieces
    ]
    data = write_jsonl(tmp_path / "chat.jsonl", rows)
    doc = _scan(data, index_dir, code=1)
    (match,) = doc["matches"]
    where = match["record"]
    assert (match["reference"]["id"], where["turn"]["role"]) == ("ref-0", "assistant")
    assert 4 <= where["line"] < where["end_line"] <= len(rows), where
    (summary,) = doc["files"]
    assert len(pieces) <= summary["run_records"] <= len(rows), summary
