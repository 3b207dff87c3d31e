"""Nothing given or selected is dropped silently (issues 13 and 15): unsupported files and
provcheck's own reports are listed and counted, unreadable directories are located input
errors, Arrow files from `datasets` are read."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest

from gitrepo import REFERENCE_TEXTS, clean, jsonl, restricted
from helpers import check_json_report, run_cli


def scan(args: list[Any], code: int) -> dict[str, Any]:
    result = run_cli(["scan", *args, "-f", "json", "-q"], code)
    doc: dict[str, Any] = json.loads(result.stdout)
    check_json_report(doc)
    return doc


def unsupported_beside(data: Path) -> None:
    """Files a dataset folder often holds that provcheck does not read."""
    row = jsonl([restricted(2)])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("inner.jsonl", row)
    (data / "more.zip").write_bytes(buf.getvalue())
    with tarfile.open(data / "more.tar.gz", "w:gz") as tf:
        info = tarfile.TarInfo("inner.jsonl")
        info.size = len(row.encode())
        tf.addfile(info, io.BytesIO(row.encode()))
    (data / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    (data / "LICENSE").write_text("Apache License 2.0\n")
    (data / "rows.jsonlines").write_text(row)
    (data / "rows").write_text(row)  # extensionless JSON Lines


def test_unsupported_files_are_listed_by_name_and_counted_in_every_summary(
    tmp_path: Path, index_dir: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(jsonl([clean(1)]))
    unsupported_beside(data)
    doc = scan([data, "-i", index_dir], 0)
    listed = {(Path(n["path"]).name, n["reason"], n["kind"]) for n in doc["not_scanned"]}
    assert listed == {
        ("LICENSE", "unsupported type", "LICENSE"),
        ("chart.png", "unsupported type", ".png"),
    }
    assert doc["summary"]["not_scanned"] == 2
    # Archives and datasets under odd names are read (tests/acceptance/test_archives.py).
    read = {Path(f["path"]).name: f.get("read_as") for f in doc["files"]}
    assert read["more.zip!inner.jsonl"] is None and read["more.tar.gz!inner.jsonl"] is None
    assert read["rows"] == read["rows.jsonlines"] == "JSON Lines"
    line = "2 files not scanned: unsupported type (LICENSE, .png)"
    out = tmp_path / "out"
    out.mkdir()
    formats = {"text": "r.txt", "markdown": "r.md", "html": "r.html", "sarif": "r.sarif", "junit": "r.xml"}
    args: list[Any] = ["scan", data, "-i", index_dir]
    for fmt, name in formats.items():
        args += ["-f", fmt, "-o", out / name]
    result = run_cli(args, 0)
    assert line in result.stderr
    for name in ("r.txt", "r.md", "r.html"):
        assert line in (out / name).read_text(), name
    assert line in json.loads((out / "r.sarif").read_text())["runs"][0]["properties"]["summary"]
    props = {p.get("name"): p.get("value") for p in ET.parse(out / "r.xml").iter("property")}
    assert props["not_scanned"] == line


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "text", "html", "sarif", "junit"])
def test_a_report_written_into_the_scanned_folder_is_not_scanned_next_time(
    tmp_path: Path, index_dir: Path, fmt: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(jsonl([restricted(1), clean(2)]))
    suffix = {"json": "json", "csv": "csv", "markdown": "md", "text": "txt", "html": "html", "sarif": "sarif"}
    report = data / f"report.{suffix.get(fmt, 'xml')}"
    run_cli(["scan", data, "-i", index_dir, "-f", fmt, "-o", report, "-q"], 0)
    first = scan([tmp_path / "data" / "train.jsonl", "-i", index_dir], 0)
    again = scan([data, "-i", index_dir], 0)
    assert len(again["matches"]) == len(first["matches"]) == 1  # the report's quotes are not data
    assert [f["path"] for f in again["files"]] == [str(data / "train.jsonl")]
    assert [(Path(n["path"]).name, n["reason"]) for n in again["not_scanned"]] == [
        (report.name, "provcheck report")
    ]


def test_an_unreadable_subdirectory_is_a_located_input_error(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    (data / "locked").mkdir(parents=True)
    (data / "train.jsonl").write_text(jsonl([clean(1)]))
    (data / "locked" / "hidden.jsonl").write_text(jsonl([restricted(1)]))
    locked = str(data / "locked")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        # As root every directory is readable: the permission error is simulated where the
        # walk lists the directory, as a non-root user meets it.
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    doc = scan([data, "-i", index_dir], 4)
    assert [(e["path"], e["kind"]) for e in doc["errors"]] == [(locked, "file")]
    assert "cannot read this directory (Permission denied)" in doc["errors"][0]["message"]
    assert doc["verdict"]["complete"] is False


def test_an_unreadable_directory_given_as_a_path_exits_4(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access, real_scandir = os.access, os.scandir
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: False if Path(p) == locked else real_access(p, mode)
    )

    def scandir(path: Any = ".") -> Any:
        if Path(os.fspath(path)) == locked:
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    out = run_cli(["scan", locked, "-i", index_dir], 4)
    assert f"{locked}: file: cannot read this directory (Permission denied)" in out.stderr


def save_to_disk(folder: Path, rows: list[dict[str, Any]], stream: bool = True) -> None:
    """What `datasets.Dataset.save_to_disk` writes: Arrow IPC stream shards and two JSON files."""
    import pyarrow as pa

    folder.mkdir(parents=True)
    table = pa.Table.from_pylist(rows)
    path = folder / "data-00000-of-00001.arrow"
    with pa.OSFile(str(path), "wb") as sink:
        writer = pa.ipc.new_stream(sink, table.schema) if stream else pa.ipc.new_file(sink, table.schema)
        writer.write_table(table)
        writer.close()
    (folder / "dataset_info.json").write_text(json.dumps({"citation": "", "features": {}}))
    (folder / "state.json").write_text(
        json.dumps({"_data_files": [{"filename": path.name}], "_fingerprint": "x", "_split": None})
    )


@pytest.mark.parametrize("stream", [True, False], ids=["ipc-stream", "ipc-file"])
def test_arrow_files_of_datasets_are_read(tmp_path: Path, index_dir: Path, stream: bool) -> None:
    folder = tmp_path / "saved"
    save_to_disk(folder, [clean(1), restricted(1)], stream)
    doc = scan([folder, "-i", index_dir], 0)
    assert [f["path"] for f in doc["files"]] == [str(folder / "data-00000-of-00001.arrow")]
    assert doc["files"][0]["records"] == 2 and doc["files"][0]["schema"] == "sharegpt"
    assert [m["record"]["id"] for m in doc["matches"]] == ["copy-1"]
    reasons = sorted((Path(n["path"]).name, n["reason"]) for n in doc["not_scanned"])
    assert reasons == [
        ("dataset_info.json", "Hugging Face dataset metadata"),
        ("state.json", "Hugging Face dataset metadata"),
    ]
    assert doc["errors"] == []


def test_the_datasets_library_output_is_read(tmp_path: Path, index_dir: Path) -> None:
    datasets = pytest.importorskip("datasets")
    import pyarrow as pa
    from datasets.table import InMemoryTable

    folder = tmp_path / "hf"
    # Built from a table with a fingerprint given: `from_list` hashes its arguments with dill,
    # which fails on recent pyarrow releases; save_to_disk writes the same either way.
    table = InMemoryTable(pa.Table.from_pylist([clean(1), restricted(1)]))
    datasets.Dataset(table, fingerprint="test").save_to_disk(str(folder))
    doc = scan([folder, "-i", index_dir], 0)
    assert [m["record"]["id"] for m in doc["matches"]] == ["copy-1"] and doc["errors"] == []


def test_a_damaged_arrow_file_is_a_located_error(tmp_path: Path, index_dir: Path) -> None:
    bad = tmp_path / "bad.arrow"
    bad.write_bytes(b"not arrow at all" * 4)
    doc = scan([bad, "-i", index_dir], 4)
    assert (
        doc["errors"][0]["path"] == str(bad)
        and "not a readable Arrow IPC file" in doc["errors"][0]["message"]
    )


def test_compressed_arrow_is_read(tmp_path: Path, index_dir: Path) -> None:
    folder = tmp_path / "saved"
    save_to_disk(folder, [restricted(1)])
    shard = folder / "data-00000-of-00001.arrow"
    packed = tmp_path / "shard.arrow.gz"
    packed.write_bytes(gzip.compress(shard.read_bytes()))
    assert len(scan([packed, "-i", index_dir], 0)["matches"]) == 1


def test_with_include_globs_nothing_found_is_dropped_either(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    (root / "data" / "locked").mkdir(parents=True)
    (root / "notes").mkdir()
    (root / "data" / "train.jsonl").write_text(jsonl([clean(1)]))
    (root / "data" / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    (root / "notes" / "todo.docx").write_bytes(b"x")  # not selected by include: not counted
    (root / ".provcheck.yaml").write_text(f"index: {index_dir}\ninclude: ['data/**']\n")
    monkeypatch.chdir(root)
    locked = str(root / "data" / "locked")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.path.abspath(os.fspath(path)) == locked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    doc = scan([], 4)
    assert [Path(n["path"]).name for n in doc["not_scanned"]] == ["chart.png"]
    assert len(doc["errors"]) == 1 and "cannot read this directory" in doc["errors"][0]["message"]
    assert doc["stats"]["errors"] == 1


@pytest.mark.parametrize(
    ("head", "code"),
    [
        # a tool-calling record that names a tool "provcheck" (was skipped: a marker anywhere)
        ({"tools": [{"name": "provcheck", "description": "checks data"}], **clean(3)}, 0),
        # a first line that copies the opening of a JSON report (a located schema error, exit 4)
        ({"schema_version": "1.1", "tool": {"name": "provcheck", "version": "0"}, "report": {}}, 4),
    ],
)
def test_a_dataset_that_looks_like_a_report_at_its_start_is_still_scanned(
    tmp_path: Path, index_dir: Path, head: dict[str, Any], code: int
) -> None:
    """Skipping a file as "provcheck report" reads none of it: a record must not be able to
    trigger that (fail-open: the copy after it passed with exit 0)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "clean.jsonl").write_text(jsonl([clean(1)]))
    for name, sep in (("spaced.jsonl", (", ", ": ")), ("compact.jsonl", (",", ":"))):
        (data / name).write_text(json.dumps(head, separators=sep) + "\n" + jsonl([restricted(1)]))
    doc = scan([data, "-i", index_dir], code)
    assert doc["not_scanned"] == []
    assert len(doc["matches"]) == 2


def test_a_text_file_starting_with_the_words_provcheck_report_is_scanned(
    tmp_path: Path, index_dir: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "clean.jsonl").write_text(jsonl([clean(1)]))
    (data / "notes.txt").write_text("provcheck report\n\n" + REFERENCE_TEXTS[1] + "\n")
    doc = scan([data, "-i", index_dir], 0)
    assert doc["not_scanned"] == []
    assert len(doc["matches"]) == 1


def test_hidden_files_and_directories_are_listed_not_dropped(tmp_path: Path, index_dir: Path) -> None:
    """A copy in ``.h.jsonl`` or ``.cache/x.jsonl`` beside a clean file passed with exit 0 and
    no word; hidden entries stay unwalked (``.git``, ``.venv``) but are listed and counted."""
    data = tmp_path / "data"
    (data / ".cache").mkdir(parents=True)
    (data / "train.jsonl").write_text(jsonl([clean(1)]))
    (data / ".h.jsonl").write_text(jsonl([restricted(1)]))
    (data / ".cache" / "x.jsonl").write_text(jsonl([restricted(2)]))
    (data / ".git").mkdir()  # version control and provcheck's own files are not data: not listed
    (data / ".provcheck.yaml").write_text("exclude: []\n")
    # The folder's configuration is named: one that governs a path and is not used is refused.
    config = ["--config", data / ".provcheck.yaml"]
    doc = scan([data, "-i", index_dir, *config], 0)
    listed = {(Path(n["path"]).name, n["reason"], n["kind"]) for n in doc["not_scanned"]}
    assert listed == {(".cache", "hidden", ".cache/"), (".h.jsonl", "hidden", ".h.jsonl")}
    assert doc["summary"]["not_scanned"] == 2
    result = run_cli(["scan", data, "-i", index_dir, *config], 0)
    assert "2 files not scanned: hidden (.cache/, .h.jsonl)" in result.stderr


def test_a_directory_whose_every_file_the_globs_exclude_is_not_a_pass(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`scan data` with `exclude: ['data/*.jsonl']` read 0 records and passed (exit 0)."""
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    (root / "ok").mkdir()
    (root / "data" / "train.jsonl").write_text(jsonl([restricted(1)]))
    (root / "ok" / "a.jsonl").write_text(jsonl([clean(1)]))
    (root / ".provcheck.yaml").write_text(f"index: {index_dir}\nexclude: ['data/*.jsonl']\n")
    monkeypatch.chdir(root)
    doc = scan(["data", "ok"], 4)
    (error,) = doc["errors"]
    assert error["path"] == "data" and "select none of the 1 dataset file(s)" in error["message"]
    assert scan(["ok"], 0)["errors"] == []  # a directory with a selected file is scanned as before
    assert len(scan(["data/train.jsonl"], 0)["matches"]) == 1  # a file named is always scanned
