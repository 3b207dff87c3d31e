"""Inputs and configuration left open by the sixteenth session's note (helper fo19).

1. FAIL-OPEN A CSV cell opened by a quote that never closes (``5,"Quoted start``) read every
   line after it as that one cell (csv and pandas do): a short copy among them was not found,
   exit 0. A row the file's end completes inside a quoted cell, or whose cell quoted over
   several lines is closed by a quote followed by text (the file's next quote closing a cell
   opened rows before), is now read as the rows its lines are, with a located error at the
   quote (exit 4); quoted multi-line cells and prose with commas read as before.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from gitrepo import BLOCK_POLICY
from helpers import REFERENCE_TEXTS, check_json_report, run_cli, seal_partial

SHORT = " ".join(REFERENCE_TEXTS[0].split()[:32])  # a finding alone; a sliver of one long cell


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(BLOCK_POLICY)
    return path


def scan(args: list[Any], code: int) -> dict[str, Any]:
    result = run_cli(["scan", *args, "--no-cache", "-f", "json"], code)
    doc: dict[str, Any] = json.loads(result.stdout)
    check_json_report(doc)
    return doc


# --- 1. a CSV quote left open ------------------------------------------------------------------


def _csv(tmp_path: Path, rows: list[str]) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text("id,text\n" + "\n".join(rows) + "\n")
    return data


def test_a_csv_quote_left_open_to_the_end_does_not_swallow_the_rows_after_it(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    rows = [f"{i},A plain note number {i} about the garden." for i in range(1, 100)]
    rows[4] = '5,"Quoted start of a note, about plants'
    rows[49] = f"50,{SHORT}"
    doc = scan([_csv(tmp_path, rows), "-i", index_dir, "-p", policy], code=4)
    assert doc["summary"]["records"]["scanned"] == 99
    assert [(f["record"]["line"], f["action"]) for f in doc["findings"]] == [(51, "review")]
    (error,) = doc["errors"]
    assert error["line"] == 6
    assert "never closed before the end of the file" in error["message"]
    assert "(to line 100) were read as rows" in error["message"]


def test_a_csv_quote_left_open_until_another_cells_quote_is_found_too(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    rows = [f"{i},A plain note number {i} about the garden." for i in range(1, 40)]
    rows[4] = '5,"Quoted start of a note about plants'
    rows[19] = f"20,{SHORT}"
    rows[29] = '30,"A quoted note, as it should be."'  # its first quote closes the cell of row 5
    doc = scan([_csv(tmp_path, rows), "-i", index_dir, "-p", policy], code=4)
    assert doc["summary"]["records"]["scanned"] == 39
    assert [(f["record"]["line"], f["action"]) for f in doc["findings"]] == [(21, "review")]
    (error,) = doc["errors"]
    assert (error["line"], "the quote that ends it is another cell's" in error["message"]) == (6, True)


def test_quoted_multi_line_csv_cells_and_prose_with_commas_read_as_before(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    rows = [
        '1,"A cell over\nthree lines, with a ""quote"" inside\nand a comma, or two"',
        '2,"def f(x):\n    return x, x\n"',
        "3,Plain prose; no quote",
        '4,"Ends at the file\'s end, closed"',
    ]
    doc = scan([_csv(tmp_path, rows), "-i", index_dir, "-p", policy], code=0)
    assert (doc["summary"]["records"]["scanned"], doc["errors"]) == (4, [])


# --- 2. a partial edited by hand -----------------------------------------------------------------

COPY = json.dumps({"id": "copy", "text": REFERENCE_TEXTS[0]}) + "\n"
CLEAN = json.dumps({"id": "ok", "text": "A short note about tomato plants and their watering."}) + "\n"
KEY = "00112233445566778899aabbccddeeff"


def _share(tmp_path: Path, index_dir: Path, policy: Path, name: str = "part.pcp") -> Path:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "a.jsonl").write_text(COPY)
    (data / "b.jsonl").write_text(CLEAN)
    part = tmp_path / name
    run_cli(
        [
            "scan",
            data,
            "-i",
            index_dir,
            "-p",
            policy,
            "--no-cache",
            "-q",
            "--shard",
            "1/1",
            "--partial",
            part,
        ],
        1,
    )
    return part


def _lowered(part: Path) -> list[str]:
    """The partial's lines with its blocking finding made an ``info`` one (what an edit that
    lets a blocked dataset through writes)."""
    lines = gzip.decompress(part.read_bytes()).decode().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith('{"finding"'))
    assert lines[at].count('"block"') == 1
    lines[at] = lines[at].replace('"block"', '"info"')
    return lines


def test_a_partial_edited_by_hand_is_refused_by_merge_at_its_digest(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    part = _share(tmp_path, index_dir, policy)
    written = part.read_bytes()
    lines = _lowered(part)
    part.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    r = run_cli(["merge", part], 2)
    assert f"{part}:{len(lines)}: the partial's content does not match its digest (sha256)" in r.stderr
    part.write_bytes(written)
    report = tmp_path / "m.json"
    run_cli(["merge", part, "-q", "-f", "json", "-o", report], 1)
    (share,) = json.loads(report.read_text())["run"]["merged"]["partials"]
    assert share["integrity"] == "sha256"


def test_a_key_the_shares_jobs_share_catches_an_edit_whose_digest_was_recomputed(
    tmp_path: Path, index_dir: Path, policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _share(tmp_path, index_dir, policy, "plain.pcp")
    monkeypatch.setenv("PROVCHECK_MERGE_KEY", KEY)
    keyed = _share(tmp_path, index_dir, policy, "keyed.pcp")
    written = keyed.read_bytes()
    # Edited, and its unkeyed digest recomputed by someone without the key.
    keyed.write_bytes(seal_partial(_lowered(keyed)))
    r = run_cli(["merge", keyed], 2)
    assert "holds only an unkeyed digest" in r.stderr
    r = run_cli(["merge", plain], 2)  # a share run without the key, under a merge with one
    assert "holds only an unkeyed digest" in r.stderr
    keyed.write_bytes(written)
    report = tmp_path / "m.json"
    run_cli(["merge", keyed, "-q", "-f", "json", "-o", report], 1)
    (share,) = json.loads(report.read_text())["run"]["merged"]["partials"]
    assert share["integrity"] == "hmac-sha256"
    monkeypatch.setenv("PROVCHECK_MERGE_KEY", "ff" * 16)  # another key
    r = run_cli(["merge", _share(tmp_path, index_dir, policy, "other.pcp")], 1)
    monkeypatch.setenv("PROVCHECK_MERGE_KEY", KEY)
    r = run_cli(["merge", tmp_path / "other.pcp"], 2)
    assert "does not match its signature (HMAC-SHA256 with the key)" in r.stderr
    monkeypatch.delenv("PROVCHECK_MERGE_KEY")
    r = run_cli(["merge", tmp_path / "other.pcp"], 2)
    assert "signed with a key" in r.stderr and "no key is set here" in r.stderr


# --- 3. configuration ---------------------------------------------------------------------------


def test_a_misspelt_waivers_file_in_the_configuration_is_a_located_error(
    tmp_path: Path, index_dir: Path, policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``waivers: .provcheck-waiver.yaml`` beside ``.provcheck-waivers.yaml`` applied no waiver
    and said nothing (a file that does not exist yet holds none, as before: no near name)."""
    repo = tmp_path / "repo"
    data = repo / "data"
    data.mkdir(parents=True)
    (data / "a.jsonl").write_text(CLEAN)
    (repo / ".provcheck-waivers.yaml").write_text("version: 1\nwaivers: []\n")
    monkeypatch.chdir(repo)
    config = repo / ".provcheck.yaml"
    config.write_text(f"index: {index_dir}\npolicy: {policy}\nwaivers: .provcheck-waiver.yaml\n")
    r = run_cli(["scan", data, "--no-cache", "-q"], 6)
    assert f"{config}:3: waivers: '.provcheck-waiver.yaml' does not exist" in r.stderr
    assert "(did you mean '.provcheck-waivers.yaml'?)" in r.stderr
    config.write_text(f"index: {index_dir}\npolicy: {policy}\nwaivers: decisions/waivers.yaml\n")
    run_cli(["scan", data, "--no-cache", "-q"], 0)  # not written yet: no waivers, as before


def test_a_blank_rules_key_is_named_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\nname: x\nrules:\n")
    r = run_cli(["policy", "validate", path], 3)
    assert f"{path}:3:1: rules: expected a list" in r.stderr


def test_a_pack_name_given_as_the_policy_file_is_a_usage_error(tmp_path: Path, index_dir: Path) -> None:
    (tmp_path / "d.jsonl").write_text(CLEAN)
    r = run_cli(["scan", tmp_path / "d.jsonl", "-i", index_dir, "-p", "provcheck:default"], 2)
    assert "write `include: [provcheck:default]`" in r.stderr
    r = run_cli(["scan", tmp_path / "d.jsonl", "-i", index_dir, "-p", "provcheck:opnai"], 2)
    assert "did you mean 'provcheck:openai'?" in r.stderr


def test_merge_fail_on_replacing_the_shards_threshold_is_said_in_the_reports(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    part = _share(tmp_path, index_dir, policy)
    doc, text = tmp_path / "m.json", tmp_path / "m.txt"
    r = run_cli(["merge", part, "--fail-on", "never", "-f", "json", "-o", doc, "-f", "text", "-o", text])
    line = "fail_on: block (the shards' --fail-on) replaced by merge --fail-on never"
    assert json.loads(doc.read_text())["run"]["replaced"] == [line]
    assert f"note: {line}" in " ".join(r.stderr.split())
    assert f"options replaced configured settings: {line}" in " ".join(text.read_text().split())
    run_cli(["merge", part, "--fail-on", "block", "-f", "json", "-o", doc], 1)  # the shards' own
    assert "replaced" not in json.loads(doc.read_text())["run"]


# --- 4. inputs ----------------------------------------------------------------------------------


def test_an_excel_sep_line_names_the_separator_and_is_counted(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    """``sep=;`` (Excel's first line) was read as the header, one column named ``sep=;``."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text(f"sep=;\nid;text\n1;A note, with a comma.\n2;{SHORT}\n")
    doc = scan([data, "-i", index_dir, "-p", policy], code=0)
    assert (doc["summary"]["records"]["scanned"], doc["errors"]) == (2, [])
    assert [(f["record"]["line"], f["action"]) for f in doc["findings"]] == [(4, "review")]


def test_an_lzma_file_is_read_like_xz(tmp_path: Path, index_dir: Path, policy: Path) -> None:
    import lzma

    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl.lzma").write_bytes(lzma.compress(COPY.encode(), format=lzma.FORMAT_ALONE))
    doc = scan([data, "-i", index_dir, "-p", policy], code=1)
    assert [f["record"]["path"] for f in doc["findings"]] == [str(data / "train.jsonl.lzma")]


def test_a_json_array_named_jsonl_is_read_as_json_with_one_error(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    """It was one parse error a line (exit 4), nothing read: a copy in it was not found."""
    records = [{"id": i, "text": f"A plain note number {i} about the garden."} for i in range(30)]
    records[7] = json.loads(COPY)
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(json.dumps(records, indent=2))
    doc = scan([data, "-i", index_dir, "-p", policy], code=1)  # exit 4 without the copy
    assert doc["summary"]["records"]["scanned"] == 30
    assert [f["action"] for f in doc["findings"]] == ["block"]
    (error,) = doc["errors"]
    assert error["line"] == 1 and "the file is a JSON array" in error["message"]
    assert "rename it .json" in error["message"]


def test_a_file_named_like_an_archive_member_is_located_apart_from_it(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    import zipfile

    data = tmp_path / "data"
    data.mkdir()
    with zipfile.ZipFile(data / "a.zip", "w") as zf:
        zf.writestr("x.jsonl", COPY)
    (data / "a.zip!x.jsonl").write_text(COPY)
    doc = scan([data, "-i", index_dir, "-p", policy], code=1)
    where = f"{data}/a.zip!x.jsonl"
    assert {f["path"] for f in doc["files"]} == {f"{data}/a.zip", where, f"{where} (2)"}
    assert sorted(f["record"]["path"] for f in doc["findings"]) == [where, f"{where} (2)"]
