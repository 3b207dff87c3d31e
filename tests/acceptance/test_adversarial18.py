"""Adversarial pass 18 on inputs: plausible paths and files that made the gate stop looking and
pass, played as a user with datasets as they come. Each test fails on the code before its fix.

1. REPORT Two members of one name in an archive (``tar -r`` appends a newer copy; ``zipfile``
   writes a second entry of a name) were both read and located ``a.zip!x.jsonl``: the JSON
   report's ``files`` had one entry for the two, and a finding's ``a.zip!x.jsonl:1`` did not
   say which member held the copy. The second is now ``a.zip!x.jsonl (2)``, in archive order
   (``inputs/archives.py``'s ``Locations``).
2. FAIL-OPEN A member whose path holds ``..`` (read since pass 17) was matched against
   ``include:``/``exclude:`` as written: ``a.zip/../notes.jsonl`` is ``notes.jsonl``, so an
   ``exclude: [notes.jsonl]`` meant for a file beside the archive left the member out,
   uncounted, and the scan passed (exit 0) with the copy inside. An ``include: [a.zip/**]``
   listed it "not matched by include". The globs now match the path extractors write, inside
   the archive's folder (``a.zip/notes.jsonl``).
3. FAIL-OPEN ``provcheck index add`` did not join streamed chunks, as a scan does: a source
   saved as OpenAI or Anthropic stream chunks was indexed chunk by chunk, each under the
   matching floor, so a scan of a whole copy of its responses said "No findings" (exit 0). The
   chunks are now joined the same way (``inputs/streams.py``), counted in the add's summary;
   with workers, a file holding a chunk type's name is read in one process.
4. FAIL-OPEN A dataset compressed with lz4 (``train.jsonl.lz4``, as ``lz4`` writes it), lzip,
   lzop, ``compress`` or framed Snappy, or named ``.br``/``.lzma`` after a dataset's suffix,
   was "unsupported type" in a scanned folder: listed, and beside another dataset file the scan
   passed (exit 0) with a copy inside. provcheck does not read these; each is now a located
   error (exit 4) that names the compression and the command that undoes it
   (``inputs/sniff.py``).
5. FAIL-OPEN A TSV row whose cell opens with a quote never closed (``5\t"Quoted start of a
   note``: TSV files are mostly written without quoting) read every following line, up to the
   file's next quote, as one cell, as csv and pandas do: 95 rows became one record without a
   word, and a short copy among them (under the 40 tokens an excerpt needs) matched nothing,
   exit 0. A multi-line TSV cell holding at least two lines that read as rows (as many cells
   as the header, none empty) is now read as those rows, unquoted, with a located error at the
   quote (``inputs/csv.py``).
6. FAIL-OPEN A dataset folder kept as a link (``data/part-2 -> /mnt/big/part-2``, a dataset
   spread over disks, DVC's and other tools' links) was listed "symbolic link to a folder, not
   followed" and never read: the scan passed (exit 0) with a copy in it. A link to a folder
   outside the scanned one is now walked, as a trainer reading the folder reads it; a link into
   the scanned folder or to a folder walked already (a loop, a second name) is listed as before
   (``inputs/__init__.py``'s ``discover``).
7. FAIL-OPEN A JSON file of texts under a wrapper key (``{"data": ["...", ...]}``,
   ``{"train": [...]}``, as ``json.dump({"data": texts})`` writes) was one record whose strings
   were joined as one text (a list of short pieces): a short copy among 200 texts matched
   nothing, where the same texts as an array (``["...", ...]``) or as JSON Lines found it. Such
   strings are now records, as in an array (``inputs/json.py``).
8. FAIL-OPEN A streamed response saved as its HTTP body, Server-Sent Events (``data: {chunk}``
   lines, ``data: [DONE]``; ``curl -N ... > response.txt``), was one record of text with the
   answer cut into pieces between the chunks' JSON: a copy of a whole indexed answer matched
   nothing, exit 0; named ``.log`` or ``.sse`` it was "unsupported type". A text whose lines are
   all event-stream fields, with a JSON object in one, is now read event by event, and the
   chunks are joined as JSON Lines chunks are (``inputs/sse.py``).
"""

from __future__ import annotations

import io
import json
import tarfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xxhash
from test_split_records import anthropic_events, openai_chunks

from gitrepo import BLOCK_POLICY
from helpers import REFERENCE_TEXTS, check_json_report, run_cli, write_jsonl

COPY = json.dumps({"id": "copy", "text": REFERENCE_TEXTS[0]}) + "\n"
CLEAN = json.dumps({"id": "ok", "text": "A short note about tomato plants and their watering."}) + "\n"


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


def zip_bytes(members: list[tuple[str, str]]) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a name written twice
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return buf.getvalue()


def tar_bytes(members: list[tuple[str, str]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            raw = data.encode()
            info.size = len(raw)
            tf.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


# --- 1. two members of one name ------------------------------------------------------------


@pytest.mark.parametrize(("archive", "make"), [("a.zip", zip_bytes), ("a.tar.gz", tar_bytes)])
def test_two_members_of_one_name_are_located_apart(
    tmp_path: Path, index_dir: Path, policy: Path, archive: str, make: Any
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / archive).write_bytes(make([("x.jsonl", CLEAN), ("x.jsonl", COPY), ("x.jsonl", CLEAN)]))
    doc = scan([data, "-i", index_dir, "-p", policy], code=1)
    files = {f["path"]: f["records"] for f in doc["files"]}
    where = f"{data}/{archive}!x.jsonl"
    assert files == {f"{data}/{archive}": 0, where: 1, f"{where} (2)": 1, f"{where} (3)": 1}
    assert {(f["record"]["path"], f["record"]["line"]) for f in doc["findings"]} == {(f"{where} (2)", 1)}
    # The same archive scanned again gives the same locations and finding ids.
    again = scan([data, "-i", index_dir, "-p", policy], code=1)
    assert [f["id"] for f in again["findings"]] == [f["id"] for f in doc["findings"]]


# --- 2. `..` in a member's path, and the include/exclude globs ------------------------------


def test_an_exclude_of_a_file_beside_an_archive_does_not_leave_out_a_dot_dot_member(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.zip").write_bytes(zip_bytes([("x.jsonl", CLEAN), ("../notes.jsonl", COPY)]))
    config = data / ".provcheck.yaml"
    config.write_text("exclude: ['notes.jsonl']\n")
    doc = scan([data, "-i", index_dir, "-p", policy, "--config", config], code=1)
    assert {f["record"]["path"] for f in doc["findings"]} == {f"{data}/a.zip!../notes.jsonl"}


def test_globs_match_a_dot_dot_member_inside_its_archive(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.zip").write_bytes(zip_bytes([("x.jsonl", CLEAN), ("../notes.jsonl", COPY)]))
    (data / "b.jsonl").write_text(CLEAN)
    config = data / ".provcheck.yaml"
    config.write_text("include: ['a.zip', 'a.zip/**', 'b.jsonl']\n")
    doc = scan([data, "-i", index_dir, "-p", policy, "--config", config], code=1)
    assert {f["record"]["path"] for f in doc["findings"]} == {f"{data}/a.zip!../notes.jsonl"}
    assert not [n for n in doc["not_scanned"] if "notes" in n["path"]]
    # Excluding the archive's folder leaves out all its members, `..` ones too (on purpose).
    config.write_text("exclude: ['a.zip/**']\n")
    doc = scan([data, "-i", index_dir, "-p", policy, "--config", config], code=0)
    assert not doc["findings"]
    assert [f["path"] for f in doc["files"]] == [f"{data}/a.zip", f"{data}/b.jsonl"]


# --- 3. index add joins streamed chunks -----------------------------------------------------


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_index_add_joins_streamed_chunks_so_a_copy_of_the_response_blocks(
    tmp_path: Path, policy: Path, kind: str, workers: str
) -> None:
    answer = REFERENCE_TEXTS[1]
    rows = openai_chunks(answer) if kind == "openai" else anthropic_events(answer)
    source = write_jsonl(
        tmp_path / "refs" / "stream.jsonl", [{"id": "n", "text": "An unrelated note."}, *rows]
    )
    index = tmp_path / "index"
    added = run_cli(
        ["index", "add", index, source, "--source", "streamed", "--provider", "openai", "-j", workers]
    )
    assert f"{len(rows)} stream chunks joined into 1 responses" in added.stderr
    data = write_jsonl(tmp_path / "data" / "train.jsonl", [{"text": answer}])
    doc = scan([data, "-i", index, "-p", policy], code=1)
    assert [f["record"]["path"] for f in doc["findings"]] == [str(data)]


# --- 4. compressions provcheck does not read -------------------------------------------------


def lz4_frame(data: bytes) -> bytes:
    """``data`` as ``lz4`` writes it (one uncompressed block: ``lz4 -d`` reads it)."""
    flags, block = 0x60, 0x70
    check = (xxhash.xxh32(bytes([flags, block]), seed=0).intdigest() >> 8) & 0xFF
    size = (len(data) | 0x80000000).to_bytes(4, "little")
    return b"\x04\x22\x4d\x18" + bytes([flags, block, check]) + size + data + b"\0\0\0\0"


@pytest.mark.parametrize(
    ("name", "make", "kind"),
    [
        ("train.jsonl.lz4", lz4_frame, "lz4"),
        ("part-0", lz4_frame, "lz4"),
        ("train.jsonl.lz", lambda d: b"LZIP\x01\x0c" + d, "lzip"),
        ("train.jsonl.Z", lambda d: b"\x1f\x9d\x90" + d, "compress"),
        ("train.jsonl.br", lambda d: b"\x8b\x03\x80\x00\xff" + d, "Brotli"),
    ],
)
def test_a_dataset_compressed_in_a_way_provcheck_does_not_read_is_a_located_error(
    tmp_path: Path, index_dir: Path, policy: Path, name: str, make: Any, kind: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "ok.jsonl").write_text(CLEAN)
    (data / name).write_bytes(make(COPY.encode()))
    doc = scan([data, "-i", index_dir, "-p", policy], code=4)
    (error,) = doc["errors"]
    assert error["path"] == str(data / name)
    assert f"compressed with {kind}" in error["message"] and "decompress it" in error["message"]
    assert not doc["not_scanned"]


def test_a_text_file_under_a_compression_name_is_read_by_content(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl.lz4").write_text(COPY)  # misnamed, not compressed: read as what it is
    doc = scan([data, "-i", index_dir, "-p", policy], code=1)
    assert [f["record"]["path"] for f in doc["findings"]] == [str(data / "train.jsonl.lz4")]


# --- 5. a TSV quote left open -------------------------------------------------------------------


def test_a_tsv_quote_left_open_does_not_swallow_the_rows_after_it(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    short = " ".join(REFERENCE_TEXTS[0].split()[:32])  # a finding alone; a sliver of one long cell
    rows = [f"{i}\tA plain note number {i} about the garden." for i in range(1, 100)]
    rows[4] = '5\t"Quoted start of a note about plants'
    rows[49] = f"50\t{short}"
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.tsv").write_text("id\ttext\n" + "\n".join(rows) + "\n")
    doc = scan([data, "-i", index_dir, "-p", policy], code=4)
    assert doc["summary"]["records"]["scanned"] == 99
    assert [(f["record"]["line"], f["action"]) for f in doc["findings"]] == [(51, "review")]
    (error,) = doc["errors"]
    assert (error["line"], "a quote opens a cell here that runs to line 100" in error["message"]) == (6, True)


def test_a_quoted_multi_line_tsv_cell_is_one_record(tmp_path: Path, index_dir: Path, policy: Path) -> None:
    cell = "def f(x):\n\treturn x\n\nprint(f(1))\tdone"
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.tsv").write_text(f'id\ttext\n1\t"{cell}"\n2\tplain\n')
    doc = scan([data, "-i", index_dir, "-p", policy], code=0)
    assert (doc["summary"]["records"]["scanned"], doc["errors"]) == (2, [])


# --- 6. a linked folder ------------------------------------------------------------------------


def test_a_folder_linked_from_outside_the_scanned_one_is_read(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    elsewhere = tmp_path / "disk2" / "part-2"
    elsewhere.mkdir(parents=True)
    (elsewhere / "train.jsonl").write_text(COPY)
    data = tmp_path / "data"
    data.mkdir()
    (data / "part-1.jsonl").write_text(CLEAN)
    (data / "part-2").symlink_to(elsewhere, target_is_directory=True)
    (data / "again").symlink_to(elsewhere, target_is_directory=True)  # a second name: read once
    (elsewhere / "up").symlink_to(data, target_is_directory=True)  # a loop: not followed
    doc = scan([data, "-i", index_dir, "-p", policy], code=1)
    assert [f["record"]["path"] for f in doc["findings"]] == [str(data / "again" / "train.jsonl")]
    assert sorted((n["path"], n["kind"]) for n in doc["not_scanned"]) == [
        (str(data / "again" / "up"), "up/"),
        (str(data / "part-2"), "part-2/"),
    ]


def test_a_link_to_a_folder_holding_the_scanned_one_or_to_a_system_folder_is_listed_not_walked(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    """Following links outside the scanned folder (item 6) walked ``up -> /`` (the whole machine,
    the scanned folder again under a second name) and ``dev -> /dev`` (``/dev/fd/N``: files
    provcheck itself has open, read as data)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "part-1.jsonl").write_text(COPY)
    (data / "up").symlink_to(tmp_path, target_is_directory=True)
    (data / "root").symlink_to("/", target_is_directory=True)
    (data / "dev").symlink_to("/dev", target_is_directory=True)
    (data / "proc").symlink_to("/proc", target_is_directory=True)
    doc = scan([data, "-i", index_dir, "-p", policy], code=1)
    assert [f["record"]["path"] for f in doc["findings"]] == [str(data / "part-1.jsonl")]
    got = {n["path"]: n["reason"] for n in doc["not_scanned"]}
    holds = "symbolic link to a folder that holds the scanned one, not followed (it would read it again)"
    system = "symbolic link to a system folder (/proc, /sys, /dev), not followed"
    assert got == {
        str(data / "up"): holds,
        str(data / "root"): holds,
        str(data / "dev"): system,
        str(data / "proc"): system,
    }
    assert doc["stats"]["files"] == 1


# --- 7. texts under a wrapper key -------------------------------------------------------------


@pytest.mark.parametrize("wrap", [{"data": None}, {"version": "1.0", "train": None}])
def test_texts_under_a_wrapper_key_are_records_as_in_an_array(
    tmp_path: Path, index_dir: Path, policy: Path, wrap: dict[str, Any]
) -> None:
    texts = [f"A plain note number {i} about the garden and the weather today." for i in range(200)]
    texts[100] = " ".join(REFERENCE_TEXTS[0].split()[:32])  # a finding alone, under the block floor
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.json").write_text(json.dumps({k: texts if v is None else v for k, v in wrap.items()}))
    doc = scan([data, "-i", index_dir, "-p", policy], code=0)
    assert [(f["record"]["index"], f["action"]) for f in doc["findings"]] == [(100 + len(wrap) - 1, "review")]


# --- 8. a stream saved as Server-Sent Events --------------------------------------------------


def sse_body(rows: list[dict[str, Any]], events: bool) -> str:
    body = "".join(
        (f"event: {row['type']}\n" if events else "") + f"data: {json.dumps(row)}\n\n" for row in rows
    )
    return body + ("" if events else "data: [DONE]\n\n")


@pytest.mark.parametrize("name", ["response.txt", "response.log", "response.sse"])
@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_stream_saved_as_server_sent_events_is_read_and_joined(
    tmp_path: Path, index_dir: Path, policy: Path, name: str, kind: str
) -> None:
    answer = REFERENCE_TEXTS[0]
    rows = openai_chunks(answer) if kind == "openai" else anthropic_events(answer)
    data = tmp_path / "data"
    data.mkdir()
    (data / "ok.jsonl").write_text(CLEAN)
    (data / name).write_text(sse_body(rows, events=kind == "anthropic"))
    doc = scan([data, "-i", index_dir, "-p", policy], code=1)
    (finding,) = doc["findings"]
    assert finding["record"]["path"] == str(data / name)
    (entry,) = [f for f in doc["files"] if f["path"] == str(data / name)]
    assert entry["records"] == 1


def test_a_text_that_mentions_data_fields_is_one_record(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "notes.txt").write_text('data: {"a": 1}\nThe next line is prose, so this is a text.\n')
    doc = scan([data, "-i", index_dir, "-p", policy], code=0)
    assert [(f["path"], f["records"]) for f in doc["files"]] == [(str(data / "notes.txt"), 1)]
