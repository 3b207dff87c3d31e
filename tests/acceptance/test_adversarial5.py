"""Adversarial pass 5: places a hostile but realistic user put a copy of indexed output where the
gate did not look (a JSON wrapper's metadata, a dataset card's body, ...), and inputs that made
it cry wolf. Each test is a way a realistic user met a wrong answer, and fails on the code before
its fix."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

from gitrepo import BLOCK_POLICY, GitRepo, clean, isolated_env, jsonl
from helpers import REFERENCE_TEXTS, run_cli

BLOCKING_POLICY = """\
include: [provcheck:openai]
use: {purpose: train-competing-model, commercial: true}
"""

CLEAN = "an answer of its own, in words nobody indexed anywhere at all"


def _policy(tmp_path: Path) -> Path:
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    return policy


def _report(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def test_text_beside_the_record_list_of_a_json_wrapper_is_scanned_and_located(
    tmp_path: Path, index_dir: Path
) -> None:
    # `{"data": [...], "description": "<a copied answer>"}`: the members beside the record list
    # were decoded "to check them" and dropped, so a copy put in the description, or in a nested
    # metadata object, passed with exit 0 and "every string in the records was read".
    data, out = tmp_path / "export.json", tmp_path / "r.json"
    doc = {
        "version": "1.0",
        "description": REFERENCE_TEXTS[0],
        "data": [{"id": "own", "text": CLEAN}],
        "meta": {"notes": [REFERENCE_TEXTS[1]]},
        "size": 1,
    }
    data.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    run_cli(["scan", data, "-i", index_dir, "-p", _policy(tmp_path), "-q", "--no-cache", "-o", out], code=1)
    report = _report(out)
    assert report["summary"]["records"]["blocking"] == 2
    fields = sorted(f["record"]["turn"]["field"] for f in report["findings"])
    assert fields == ["description", "meta.notes[0]"]
    assert {f["record"]["turn"]["kind"] for f in report["findings"]} == {"field"}  # beside the records
    lines = {f["record"]["turn"]["field"]: f["record"]["line"] for f in report["findings"]}
    assert lines["description"] == 3  # located at the member's line
    (summary,) = report["files"]
    assert {"field": "version", "reason": "number", "count": 1} in summary["fields"]["skipped"]


def test_metadata_of_a_json_wrapper_without_text_is_neither_an_error_nor_dropped(
    tmp_path: Path, index_dir: Path
) -> None:
    # The other side: a wrapper's version, licence and name hold no text a copy could be; they
    # must not become "no text found" errors (exit 4), under a forced schema or --text-field too,
    # and the strings are counted as not read.
    data, out = tmp_path / "export.json", tmp_path / "r.json"
    doc = {"version": "2.0", "license": "mit", "data": [{"text": CLEAN}], "id": "ds-1", "n": 1}
    data.write_text(json.dumps(doc), encoding="utf-8")
    for extra in ([], ["--schema", "text"], ["--text-field", "text"]):
        run_cli(["scan", data, "-i", index_dir, "-q", "--no-cache", "-o", out, *extra])
        report = _report(out)
        assert report["summary"]["errors"] == 0
        skipped = {s["field"] for s in report["files"][0]["fields"]["skipped"]}
        assert {"version", "license", "id"} <= skipped


def test_a_dataset_cards_body_is_counted_as_not_scanned_and_scanned_when_named(
    tmp_path: Path, index_dir: Path
) -> None:
    # A README.md opening with front matter under a scanned folder was read for its licence and
    # dropped: a copy pasted into its body (an "example record") passed, and no summary said the
    # file was there. It is counted now; named on the command line it is scanned as text.
    data, out = tmp_path / "ds", tmp_path / "r.json"
    data.mkdir()
    (data / "train.jsonl").write_text(json.dumps({"text": CLEAN}) + "\n", encoding="utf-8")
    card = data / "README.md"
    card.write_text(f"---\nlicense: mit\n---\n# Example\n\n{REFERENCE_TEXTS[0]}\n", encoding="utf-8")
    policy = _policy(tmp_path)
    result = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-o", out])
    report = _report(out)
    assert [(n["path"], n["kind"]) for n in report["not_scanned"]] == [(str(card), "README.md")]
    assert "1 file not scanned: dataset card, only its front matter read" in result.stderr
    run_cli(["scan", data, card, "-i", index_dir, "-p", policy, "-q", "--no-cache", "-o", out], code=1)
    assert _report(out)["summary"]["records"]["blocking"] == 1


def test_a_staged_dataset_card_is_counted_by_the_hook_too(tmp_path: Path, index_dir: Path) -> None:
    # The hook read a changed card's front matter and said nothing of the rest of it.
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\ninclude: ['data/**']\n")
    repo.write("data/train.jsonl", jsonl(clean(i) for i in range(2)))
    repo.git("add", ".")
    repo.commit("dataset")
    repo.write("data/README.md", f"---\nlicense: mit\n---\n# Data\n\n{REFERENCE_TEXTS[0]}\n")
    repo.write("data/more.jsonl", jsonl([clean(5)]))
    repo.git("add", "data")
    out = repo.provcheck("hook", "run", code=0).stderr
    assert "1 file not scanned: dataset card, only its front matter read" in out
    doc = json.loads(repo.provcheck("scan", "--changed-since", "HEAD", "-f", "json", "-q").stdout)
    assert [n["path"] for n in doc["not_scanned"]] == ["data/README.md"]


def _blocks_the_copy(tmp_path: Path, index_dir: Path, data: Path, copies: int = 1) -> dict[str, Any]:
    out = tmp_path / "r.json"
    run_cli(["scan", data, "-i", index_dir, "-p", _policy(tmp_path), "-q", "--no-cache", "-o", out], code=1)
    report = _report(out)
    assert report["summary"]["errors"] == 0
    assert report["summary"]["records"]["blocking"] == copies
    return report


def test_a_column_name_given_twice_keeps_both_columns(tmp_path: Path, index_dir: Path) -> None:
    # Rows became dicts keyed by column name: of `instruction,output,output` (a CSV header, or a
    # Parquet table built with repeated names) only the last `output` was kept, and a copy in the
    # first passed with exit 0.
    import csv

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = tmp_path / "dup.csv"
    with open(table, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["instruction", "output", "output"], ["q", REFERENCE_TEXTS[0], CLEAN]])
    report = _blocks_the_copy(tmp_path, index_dir, table)
    (summary,) = report["files"]
    assert {"field": "output (column 3)", "count": 1} in summary["fields"]["read"]
    columns = [pa.array(["q"]), pa.array([REFERENCE_TEXTS[1]]), pa.array([CLEAN])]
    parquet = tmp_path / "dup.parquet"
    pq.write_table(pa.Table.from_arrays(columns, names=["instruction", "output", "output"]), parquet)
    _blocks_the_copy(tmp_path, index_dir, parquet)


def test_text_stored_as_bytes_inside_a_nested_column_is_read(tmp_path: Path, index_dir: Path) -> None:
    # Older writers store text as `binary`; a top-level binary column was decoded, but bytes inside
    # a list or struct column were neither read nor counted: the copy passed beside a clean text.
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = tmp_path / "nested.parquet"
    table = pa.table(
        {
            "text": [CLEAN],
            "extra": pa.array([[REFERENCE_TEXTS[0].encode()]], type=pa.list_(pa.binary())),
            "meta": pa.array(
                [{"note": REFERENCE_TEXTS[1].encode()}], type=pa.struct([("note", pa.binary())])
            ),
        }
    )
    pq.write_table(table, parquet)
    report = _blocks_the_copy(tmp_path, index_dir, parquet)
    fields = {f["field"] for f in report["files"][0]["fields"]["read"]}
    assert {"extra[]", "meta.note"} <= fields


def test_string_view_columns_polars_writes_are_read_not_refused(tmp_path: Path, index_dir: Path) -> None:
    # Arrow's view layouts (`string_view`, what Polars writes) were not taken for text: a file of
    # them was refused as "no column can hold text" (exit 4, nothing scanned).
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"text": pa.array([REFERENCE_TEXTS[0], CLEAN], type=pa.string_view())})
    arrow = tmp_path / "views.arrow"
    with pa.ipc.new_file(str(arrow), table.schema) as writer:
        writer.write_table(table)
    _blocks_the_copy(tmp_path, index_dir, arrow)
    parquet = tmp_path / "views.parquet"
    pq.write_table(table, parquet)
    _blocks_the_copy(tmp_path, index_dir, parquet)


def test_json_lines_files_joined_with_their_byte_order_marks_are_read(
    tmp_path: Path, index_dir: Path
) -> None:
    # `cat a.jsonl b.jsonl` of files a Windows tool wrote with a BOM keeps the second BOM at the
    # start of a line: that record was refused ("Unexpected UTF-8 BOM"), the copy in it unread.
    bom = b"\xef\xbb\xbf"
    part = [bom + (json.dumps({"text": t}) + "\n").encode() for t in (CLEAN, REFERENCE_TEXTS[0])]
    data = tmp_path / "joined.jsonl"
    data.write_bytes(b"".join(part))
    _blocks_the_copy(tmp_path, index_dir, data)


def test_an_id_field_holding_text_is_read_as_text(tmp_path: Path, index_dir: Path) -> None:
    # `--id-field notes` (or `id_field: notes` in .provcheck.yaml) made every value of `notes` an
    # id, never read: a copy there passed as "1 id not read", although a copy "cannot hide in a
    # field named id" (docs/inputs.md). Prose is read whatever the field is; short ids stay ids.
    data, out = tmp_path / "d.jsonl", tmp_path / "r.json"
    rows = [{"text": CLEAN, "notes": REFERENCE_TEXTS[0]}, {"text": CLEAN + " again", "notes": "row-7"}]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    args = ["scan", data, "-i", index_dir, "-p", _policy(tmp_path), "-q", "--no-cache", "-o", out]
    run_cli([*args, "--id-field", "notes"], code=1)
    report = _report(out)
    assert report["summary"]["records"]["blocking"] == 1
    assert report["summary"]["not_read"] == {"id": 1}  # row-7
    assert [r["id"] for r in report["records"]] == [None]  # an answer is no record's id


def test_dataset_files_include_misses_beside_the_ones_it_selects_are_counted(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `include: ['data/*.jsonl']` read data/a.jsonl and dropped, without a word, the compressed
    # and upper-case copies beside it (data/b.jsonl.gz, data/c.JSONL), which provcheck reads when
    # named. Files an `exclude` glob names stay left out on purpose, uncounted.
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    (root / "data" / "a.jsonl").write_text(json.dumps({"text": CLEAN}) + "\n")
    (root / "data" / "b.jsonl.gz").write_bytes(
        gzip.compress((json.dumps({"text": REFERENCE_TEXTS[0]}) + "\n").encode())
    )
    (root / "data" / "c.JSONL").write_text(json.dumps({"text": REFERENCE_TEXTS[1]}) + "\n")
    (root / "data" / "old.jsonl.bak.jsonl").write_text(json.dumps({"text": CLEAN}) + "\n")
    (root / ".provcheck.yaml").write_text(
        f"index: {index_dir}\ninclude: ['data/*.jsonl']\nexclude: ['data/old.*']\n", encoding="utf-8"
    )
    monkeypatch.chdir(root)
    result = run_cli(["scan", "data", "--no-cache", "-f", "json"])
    doc = json.loads(result.stdout)
    listed = sorted((n["path"], n["reason"]) for n in doc["not_scanned"])
    reason = "not matched by include"
    # An include glob matches in any case (eleventh session): data/c.JSONL is scanned.
    assert listed == [("data/b.jsonl.gz", reason)]
    assert "1 file not scanned: not matched by include" in result.stderr
    assert "data/c.JSONL" in {m["record"]["path"].replace(os.sep, "/")[-12:] for m in doc["matches"]}


def test_a_dataset_card_is_counted_the_same_with_include_globs(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With `include:` globs the files found were handed to the engine as if named on the command
    # line, so a card was scanned as text there and only counted without globs: one dataset, two
    # answers depending on the configuration.
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    (root / "data" / "a.jsonl").write_text(json.dumps({"text": CLEAN}) + "\n")
    (root / "data" / "README.md").write_text("---\nlicense: mit\n---\n# Card\n\nSome words.\n")
    (root / ".provcheck.yaml").write_text(f"index: {index_dir}\ninclude: ['data/**']\n", encoding="utf-8")
    monkeypatch.chdir(root)
    doc = json.loads(run_cli(["scan", "--no-cache", "-f", "json", "-q"]).stdout)
    assert [Path(f["path"]).name for f in doc["files"]] == ["a.jsonl"]
    assert [(Path(n["path"]).name, n["kind"]) for n in doc["not_scanned"]] == [("README.md", "README.md")]
    assert [d["key"] for d in doc["declarations"]] == ["license"]


def test_a_match_threshold_or_meta_key_given_two_values_is_refused(
    tmp_path: Path, index_dir: Path, reference_file: Path
) -> None:
    # `--match min-tokens=25 ... --match min_tokens=1000` (a CI template's, then a job's) kept the
    # last: the copy passed, exit 0. `index add --meta date=... --meta date=...` likewise.
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"text": REFERENCE_TEXTS[0]}) + "\n", encoding="utf-8")
    args = ["scan", data, "-i", index_dir, "-p", _policy(tmp_path), "-q", "--no-cache"]
    result = run_cli([*args, "--match", "min-tokens=25", "--match", "min_tokens=1000"], code=2)
    assert "--match min_tokens given twice" in result.stderr
    run_cli([*args, "--match", "min-tokens=25", "--match", "min_tokens=25"], code=1)  # one value
    add = ["index", "add", tmp_path / "idx", reference_file, "--source", "s", "--provider", "openai"]
    result = run_cli([*add, "--meta", "date=2023-01-01", "--meta", "date=2025-01-01"], code=2)
    assert "--meta date given twice" in result.stderr


def test_a_file_given_twice_is_read_once_and_said_so(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `scan data ./data` (a script joining two path lists) or `scan a.jsonl a.jsonl` read the file
    # twice: "Blocked: 2 of 2 records" for a file of one record, every figure counted twice.
    (tmp_path / "data").mkdir()
    rows = [{"text": REFERENCE_TEXTS[0]}, {"text": CLEAN}]
    (tmp_path / "data" / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    policy = _policy(tmp_path)
    for paths in (["data", "./data"], ["data/a.jsonl", "data/a.jsonl"], ["data", "data/a.jsonl"]):
        result = run_cli(["scan", *paths, "-i", index_dir, "-p", policy, "--no-cache", "-f", "json"], code=1)
        doc = json.loads(result.stdout)
        assert doc["summary"]["records"]["scanned"] == 2 and doc["summary"]["records"]["blocking"] == 1
        assert [n["reason"] for n in doc["not_scanned"]] == ["given twice (read once)"]


def test_a_csv_export_separated_by_semicolons_is_read(tmp_path: Path, index_dir: Path) -> None:
    # Excel in a European locale writes `;` between fields: every row was refused ("row has 17
    # fields but the header has 1"), exit 4 with nothing read, the copy never looked at.
    data = tmp_path / "export.csv"
    rows = ["instruction;output", f'q1;"{REFERENCE_TEXTS[0]}"', f"q2;{CLEAN}"]
    data.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    report = _blocks_the_copy(tmp_path, index_dir, data)
    assert report["files"][0]["schema"] == "alpaca"


def test_a_wrapper_member_over_the_record_limit_is_a_located_limit_error(tmp_path: Path) -> None:
    # Past the record lists, a member larger than the record limit ended the file with "invalid
    # JSON object around the record list", a syntax error the file does not have.
    from provcheck.inputs import Limits, RawRecord, RecordError, read
    from provcheck.model import ErrorKind

    data = tmp_path / "w.json"
    rows = [{"text": f"{CLEAN} {i}"} for i in range(3)]
    data.write_text(json.dumps({"data": rows, "notes": "word " * 4_000_000}, indent=1), encoding="utf-8")
    _, items = read(str(data), str(data), Limits(max_record_bytes=2**20))
    got = list(items)
    assert [type(i) for i in got] == [RawRecord] * 3 + [RecordError]
    error = got[-1]
    assert isinstance(error, RecordError) and error.kind is ErrorKind.LIMIT
    assert "'notes'" in error.message and "record limit" in error.message and error.line == 13


def test_a_misspelt_configuration_key_or_value_gets_a_did_you_mean(tmp_path: Path, index_dir: Path) -> None:
    # `inclde:` or `fail_on: blok` were refused with the whole list of keys or values and no
    # pointer to the one meant (the project's rule: refused with a "did you mean").
    root = tmp_path / "repo"
    root.mkdir()
    data = root / "d.jsonl"
    data.write_text(json.dumps({"text": CLEAN}) + "\n", encoding="utf-8")
    config = root / ".provcheck.yaml"
    config.write_text(f"index: {index_dir}\ninclde: ['data/**']\nfail-on: blok\n", encoding="utf-8")
    result = run_cli(["scan", data, "--config", config, "--no-cache", "-q"], code=6)
    assert f"{config}:2: unknown key 'inclde' (did you mean 'include'?)" in result.stderr
    assert f"{config}:3: fail-on: 'blok' is not allowed (did you mean 'block'?)" in result.stderr


def test_the_hook_refuses_a_copy_added_to_a_json_wrappers_metadata(tmp_path: Path, index_dir: Path) -> None:
    # A committed `{"version": ..., "data": [...]}` export: a copy written into its description
    # in a later commit was decoded and dropped by the hook as by the scan.
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\ninclude: ['data/**']\n")
    export = {"version": "1", "description": "our data", "data": [clean(i) for i in range(3)]}
    repo.write("data/export.json", json.dumps(export, indent=1))
    repo.git("add", ".")
    repo.commit("dataset")
    repo.write("data/export.json", json.dumps({**export, "description": REFERENCE_TEXTS[2]}, indent=1))
    repo.git("add", "data")
    refused = repo.provcheck("hook", "run", code=1).stderr
    assert "commit refused: 1 blocking finding(s)" in refused and "data/export.json:3" in refused


def test_records_that_are_strings_are_read_as_text(tmp_path: Path, index_dir: Path) -> None:
    # `["an answer", "another"]` or JSON Lines of quoted strings (a list of generated answers): each
    # was refused as "expected a JSON object, found str", exit 4 with the copies never looked at.
    array = tmp_path / "answers.json"
    array.write_text(json.dumps([CLEAN, REFERENCE_TEXTS[0], CLEAN + " too"], indent=1), encoding="utf-8")
    report = _blocks_the_copy(tmp_path, index_dir, array)
    assert report["summary"]["records"]["scanned"] == 3
    assert report["records"][0]["line"] == 3
    lines = tmp_path / "answers.jsonl"
    lines.write_text("".join(json.dumps(t) + "\n" for t in (CLEAN, REFERENCE_TEXTS[1])), encoding="utf-8")
    _blocks_the_copy(tmp_path, index_dir, lines)
