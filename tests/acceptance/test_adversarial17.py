"""Adversarial pass 17: archives read member by member and files read by content, played as
a user hiding a copy of indexed output from the gate. Each test fails on the code before its
fix.

1. FAIL-OPEN A member whose path holds ``..`` or ``.`` (``../train.jsonl``,
   ``./x/../train.jsonl``), as zip and tar tools write when given such paths, was listed as
   "hidden" (a part starting with a dot) and never read: beside one clean member the scan
   passed (exit 0) with the copy inside. Every extractor writes it as ``train.jsonl``. A part
   ``.`` or ``..`` is a step, not a hidden name (``inputs/unpack.py``).
2. FAIL-OPEN A zip member whose mode bits say "symbolic link" (one byte of the central
   directory; ``zipfile`` and every reader of the member's bytes ignore it) was listed "link
   inside an archive, not followed" however many records it held, and the scan passed (exit
   0). A link's bytes are its target's path: a "link" whose bytes cannot be one (longer than
   a path, a line break or NUL in it, or a dataset by content) is read as the member it is.
3. FAIL-OPEN A zip entry named as a folder (``x.jsonl/``) that holds bytes was skipped as a
   folder without a word (exit 0 beside a clean member). Such an entry is now a located error
   (exit 4): a folder holds no bytes.
4. FAIL-OPEN A zip archive renamed ``.docx``, ``.xlsx``, ``.epub`` (or another name of the
   formats that are zip files by construction) was taken for that document and listed as
   "unsupported type": a dataset so renamed passed (exit 0). A zip of such a name is read as an
   archive when it holds a member of a dataset type that the format never holds (``.jsonl``,
   ``.csv``, ``.parquet``...), and only then (``inputs/sniff.py`` decides by name,
   ``inputs/__init__.py`` looks at the members).
5. REPORT A ``.tar.gz`` that is really a zip (or a ``.zip`` that is a tar) was "archive is
   corrupt or truncated (truncated header)": a damaged archive to the reader of the report,
   though nothing is damaged. The archive's kind is now told by its first bytes when they
   say zip or tar, as for a file of a name provcheck does not read.

7. FAIL-OPEN Bytes of a zip that no member its central directory lists spans were never read:
   a copy put before the archive (``cat copy.jsonl data.zip > data.zip``: ``zipfile`` finds the
   members from the end) or an entry left out of the central directory but kept as a local
   entry (``bsdtar`` and other streaming readers extract it) passed (exit 0). Such bytes are now
   a located error (exit 4); the listed members are read. 400 zip files and wheels found on
   this machine have none.
8. REPORT ``provcheck merge`` compared the partials' library versions, and every build of a
   development line is ``0.1.0``: shares scanned by other code (a node with an older checkout,
   an upgrade part-way through a job array; before item 1's fix one of them passes a copy)
   merged into one report naming only the merging build. A partial whose
   ``tool.build.code_sha256`` differs is now refused (exit 2), as another version is
   (``scan/merging.py``).
9. FAIL-OPEN A policy in parts that makes a pack's rule stricter in its own file included
   before the pack (``include: [strict.yaml, provcheck:default]``, ``strict.yaml`` redefining
   ``openai-declared-source`` at ``block`` as the README suggests) lost the redefinition: the
   pack, read later, replaced it (a later definition wins) without a word, and a record of
   ``"model": "gpt-4-0613"`` passed at ``review`` (exit 0). So did ``include:
   [provcheck:openai, strict.yaml, provcheck:default]``. Such a policy is now refused at the
   user's rule (exit 3) with the order to write (``policy/load_rules.py``).
10. FAIL-OPEN A zip compressed again (``a.zip.gz``, ``a.zip.xz``, a ``.gz`` of any name
    holding a zip) was "unsupported type": listed, and beside another dataset file the scan
    passed (exit 0) with a copy inside. It is now a located error (exit 4) that says to
    decompress it (``inputs/sniff.py``); a tar so compressed was and is read.
11. FAIL-OPEN A 7z or RAR archive (``train.jsonl.7z``, as some dataset repositories ship
    them) was "unsupported type": listed, and beside another dataset file the scan passed
    (exit 0). provcheck does not read them; each is now a located error (exit 4) that says to
    extract it (``inputs/sniff.py``, by magic bytes).

Found and not fixed (reproduction commands in the session report):

- A ``part-00000`` of text lines (Hadoop's ``saveAsTextFile``) or a header-less CSV (Spark's
  default ``write.csv`` without ``header``) under a name of no type is prose to ``sniff`` and
  listed "unsupported type", never read; beside another dataset file the scan passes.
- Two members of one name in a zip or tar (``tar -r`` appends a newer copy) are both read and
  reported under the same ``a.zip!x.jsonl``: ``files`` sums them, and a finding's
  ``a.zip!x.jsonl:1`` does not say which member (``unzip`` keeps the last). A distinct display
  name would change the path globs match (``scan/engine.py``'s ``_left_out``, loop17's).
- A member path is matched against ``include:``/``exclude:`` as written (``a.zip/../x.jsonl``),
  not as extractors write it; no glob tried here selected or left out a member wrongly.
"""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from gitrepo import BLOCK_POLICY
from helpers import REFERENCE_TEXTS, check_json_report, run_cli, seal_partial

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


def located(doc: dict[str, Any]) -> set[str]:
    return {f"{f['record']['path']}:{f['record']['line']}" for f in doc["findings"]}


def zip_bytes(members: dict[str, str | bytes], links: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.create_system, info.external_attr = 3, 0o120777 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def tar_bytes(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            raw = data.encode()
            info.size = len(raw)
            tf.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


# --- 1. `..` and `.` in a member's path -----------------------------------------------------


@pytest.mark.parametrize(
    ("archive", "member"),
    [("a.zip", "../train.jsonl"), ("a.tar.gz", "./x/../train.jsonl"), ("a.zip", "x/./../../train.jsonl")],
)
def test_a_member_path_with_dot_dot_is_read_not_hidden(
    tmp_path: Path, index_dir: Path, policy: Path, archive: str, member: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    make = zip_bytes if archive.endswith(".zip") else tar_bytes
    (data / archive).write_bytes(make({"ok.jsonl": CLEAN, member: CLEAN + COPY}))
    doc = scan([data, "-i", index_dir, "-p", policy], 1)
    assert located(doc) == {f"{data / archive}!{member}:2"}
    assert not doc["not_scanned"]
    # A hidden part is still hidden, wherever the steps put it.
    (data / archive).write_bytes(make({"ok.jsonl": CLEAN, "../.cache/x.jsonl": COPY}))
    doc = scan([data, "-i", index_dir, "-p", policy], 0)
    assert [(n["path"], n["reason"]) for n in doc["not_scanned"]] == [
        (f"{data / archive}!../.cache/x.jsonl", "hidden")
    ]


# --- 2. a zip member marked as a link that holds data ----------------------------------------


def test_a_zip_member_marked_as_a_link_that_holds_records_is_read(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    one_line = COPY.rstrip("\n")  # one record, no line break: still a dataset by content
    members = {"ok.jsonl": CLEAN, "x.jsonl": CLEAN + COPY, "y.jsonl": one_line, "z.txt": REFERENCE_TEXTS[1]}
    (data / "a.zip").write_bytes(zip_bytes(members, links=("x.jsonl", "y.jsonl", "z.txt")))
    doc = scan([data, "-i", index_dir, "-p", policy], 1)
    archive = data / "a.zip"
    assert located(doc) == {f"{archive}!x.jsonl:2", f"{archive}!y.jsonl:1", f"{archive}!z.txt:1"}
    assert not doc["not_scanned"]
    # A real link (its bytes are a path) is listed, not read, as before.
    (data / "a.zip").write_bytes(
        zip_bytes({"ok.jsonl": CLEAN, "l.jsonl": "../other/x.jsonl"}, links=("l.jsonl",))
    )
    doc = scan([data, "-i", index_dir, "-p", policy], 0)
    assert [(n["path"], n["reason"]) for n in doc["not_scanned"]] == [
        (f"{archive}!l.jsonl", "link inside an archive, not followed")
    ]


# --- 3. a folder entry that holds bytes --------------------------------------------------------


def test_a_zip_folder_entry_that_holds_bytes_is_a_located_error(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.zip").write_bytes(zip_bytes({"ok.jsonl": CLEAN, "x.jsonl/": CLEAN + COPY, "empty/": ""}))
    doc = scan([data, "-i", index_dir, "-p", policy], 4)
    assert [(e["path"], "folder entry" in e["message"]) for e in doc["errors"]] == [
        (f"{data / 'a.zip'}!x.jsonl/", True)
    ]
    assert not doc["verdict"]["complete"]


# --- 4. a zip renamed as a document -------------------------------------------------------------


@pytest.mark.parametrize("name", ["notes.docx", "sheet.xlsx", "book.epub"])
def test_a_dataset_zip_renamed_as_a_document_is_read(
    tmp_path: Path, index_dir: Path, policy: Path, name: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(CLEAN)
    (data / name).write_bytes(zip_bytes({"inner/part.jsonl": CLEAN + COPY}))
    doc = scan([data, "-i", index_dir, "-p", policy], 1)
    assert located(doc) == {f"{data / name}!inner/part.jsonl:2"}
    # A document (its own XML parts, no dataset member) stays a document: listed, not read.
    (data / name).write_bytes(zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}))
    doc = scan([data, "-i", index_dir, "-p", policy], 0)
    assert [(n["path"], n["reason"]) for n in doc["not_scanned"]] == [(str(data / name), "unsupported type")]


# --- 5. an archive named as the other kind -------------------------------------------------------


@pytest.mark.parametrize(("name", "make"), [("a.tar.gz", "zip"), ("a.zip", "tar")])
def test_an_archive_named_as_the_other_kind_is_read_as_what_it_is(
    tmp_path: Path, index_dir: Path, policy: Path, name: str, make: str
) -> None:
    raw = zip_bytes({"x.jsonl": CLEAN + COPY}) if make == "zip" else tar_bytes({"x.jsonl": CLEAN + COPY})
    (tmp_path / name).write_bytes(raw)
    doc = scan([tmp_path / name, "-i", index_dir, "-p", policy], 1)
    assert located(doc) == {f"{tmp_path / name}!x.jsonl:2"}
    assert not doc["errors"]


# --- 6. a link to a hidden member ------------------------------------------------------------------


def test_a_link_to_a_hidden_member_is_a_located_error(tmp_path: Path, index_dir: Path, policy: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, body in {"ok.jsonl": CLEAN, ".backup.jsonl": CLEAN + COPY}.items():
            info = tarfile.TarInfo(name)
            info.size = len(body.encode())
            tf.addfile(info, io.BytesIO(body.encode()))
        hard = tarfile.TarInfo("train.jsonl")  # how tar stores a second name of one file
        hard.type, hard.linkname = tarfile.LNKTYPE, ".backup.jsonl"
        tf.addfile(hard)
        soft = tarfile.TarInfo("sub/more.jsonl")
        soft.type, soft.linkname = tarfile.SYMTYPE, "../.backup.jsonl"
        tf.addfile(soft)
        outside = tarfile.TarInfo("elsewhere.jsonl")  # out of the archive: listed, as before
        outside.type, outside.linkname = tarfile.SYMTYPE, "../../.x.jsonl"
        tf.addfile(outside)
    (data / "a.tar.gz").write_bytes(buf.getvalue())
    (data / "b.zip").write_bytes(
        zip_bytes({"ok.jsonl": CLEAN, "l.jsonl": ".hidden/x.jsonl"}, links=("l.jsonl",))
    )
    doc = scan([data, "-i", index_dir, "-p", policy], 4)
    assert sorted((e["path"], "a hidden member" in e["message"]) for e in doc["errors"]) == [
        (f"{data / 'a.tar.gz'}!sub/more.jsonl", True),
        (f"{data / 'a.tar.gz'}!train.jsonl", True),
        (f"{data / 'b.zip'}!l.jsonl", True),
    ]
    assert sorted((n["path"], n["reason"]) for n in doc["not_scanned"]) == [
        (f"{data / 'a.tar.gz'}!.backup.jsonl", "hidden"),
        (f"{data / 'a.tar.gz'}!elsewhere.jsonl", "link inside an archive, not followed"),
    ]


# --- 7. bytes of a zip that its central directory does not list ------------------------------------


def _without_first_listed(raw: bytes) -> bytes:
    """``raw`` (a zip of two members) with the first member left out of its central directory:
    its local entry stays where it was, as streaming readers (bsdtar) still find it."""
    start = raw.index(b"PK\x01\x02")
    end = raw.index(b"PK\x05\x06")
    second = raw.index(b"PK\x01\x02", start + 4)
    kept = raw[second:end]
    record = bytearray(raw[end:])
    record[8:16] = (1).to_bytes(2, "little") * 2 + len(kept).to_bytes(4, "little")
    record[16:20] = start.to_bytes(4, "little")
    return raw[:start] + kept + bytes(record)


def test_zip_bytes_no_listed_member_holds_are_a_located_error(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "prefixed.zip").write_bytes(COPY.encode() + zip_bytes({"ok.jsonl": CLEAN}))
    (data / "unlisted.zip").write_bytes(
        _without_first_listed(zip_bytes({"x.jsonl": COPY, "ok.jsonl": CLEAN}))
    )
    assert zipfile.ZipFile(data / "unlisted.zip").namelist() == ["ok.jsonl"]
    doc = scan([data, "-i", index_dir, "-p", policy], 4)
    assert sorted((e["path"], "belong to no member it lists" in e["message"]) for e in doc["errors"]) == [
        (str(data / "prefixed.zip"), True),
        (str(data / "unlisted.zip"), True),
    ]
    assert {f["path"]: f["records"] for f in doc["files"]}[f"{data / 'unlisted.zip'}!ok.jsonl"] == 1


# --- 8. partials of other code under the same version ----------------------------------------------


def test_partials_scanned_by_other_code_are_not_merged(tmp_path: Path, index_dir: Path, policy: Path) -> None:
    """Every build of a development line is ``0.1.0``: a job array whose nodes ran other code
    (an upgrade part-way, a node with an older checkout) merged into one report that named the
    merging build only, as if every share had been judged by it."""
    import gzip

    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_text(CLEAN + COPY)
    (data / "b.jsonl").write_text(COPY)
    parts = [tmp_path / f"p{i}.gz" for i in (1, 2)]
    for i, part in enumerate(parts, 1):
        args = [
            "scan",
            data,
            "-i",
            index_dir,
            "-p",
            policy,
            "--no-cache",
            "--shard",
            f"{i}/2",
            "--partial",
            part,
        ]
        run_cli([*args, "-q"], code=1)
    run_cli(["merge", *parts, "-q"], code=1)
    lines = gzip.decompress(parts[1].read_bytes()).decode().splitlines()
    head = json.loads(lines[0])
    head["run"]["tool"]["build"]["code_sha256"] = "0" * 64
    parts[1].write_bytes(seal_partial([json.dumps(head), *lines[1:]]))  # the digest recomputed
    result = run_cli(["merge", *parts, "-q"], code=2)
    assert "tool.build.code_sha256 differs" in result.stderr


# --- 9. a pack included after the file that redefines its rule -------------------------------------

STRICT = """\
rules:
  - id: openai-declared-source
    title: Dataset declares it derives from OpenAI output
    signal: declaration
    when: {source.provider: openai, use.purpose: train-competing-model}
    action: block
    message: "{declared.file} declares {declared.key} {declared.value}"
"""
USE = "use: {purpose: train-competing-model, commercial: true}\n"


@pytest.mark.parametrize(
    "includes", ["[strict.yaml, provcheck:default]", "[provcheck:openai, strict.yaml, provcheck:default]"]
)
def test_a_pack_included_after_the_file_that_redefines_its_rule_is_refused(
    tmp_path: Path, index_dir: Path, includes: str
) -> None:
    (tmp_path / "strict.yaml").write_text(STRICT)
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"include: {includes}\n{USE}")
    data = tmp_path / "data"
    data.mkdir()
    chat = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hello, how are your tomatoes?"},
    ]
    (data / "x.jsonl").write_text(json.dumps({"model": "gpt-4-0613", "messages": chat}) + "\n")
    result = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"], 3)
    assert f"{tmp_path / 'strict.yaml'}:2: this rule redefines a rule of provcheck:openai" in result.stderr
    # The pack first, then the file: the redefinition holds and is said (adversarial pass 16).
    policy.write_text(f"include: [provcheck:default, strict.yaml]\n{USE}")
    doc = scan([data, "-i", index_dir, "-p", policy], 1)
    # (The record names its model and holds its output: the pack's own declared-output rule
    # blocks too, decl17.)
    found = sorted((f["rule"], f["action"]) for f in doc["findings"])
    assert found == [("openai-declared-output", "block"), ("openai-declared-source", "block")]


# --- 10. a zip compressed again ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.zip.gz", "a.zip.xz", "part-00000.gz"])
def test_a_compressed_zip_is_a_located_error(
    tmp_path: Path, index_dir: Path, policy: Path, name: str
) -> None:
    import gzip
    import lzma

    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(CLEAN)
    raw = zip_bytes({"x.jsonl": COPY})
    (data / name).write_bytes(lzma.compress(raw) if name.endswith(".xz") else gzip.compress(raw))
    doc = scan([data, "-i", index_dir, "-p", policy], 4)
    assert [(e["path"], e["message"]) for e in doc["errors"]] == [
        (
            str(data / name),
            "a compressed zip archive under a name provcheck does not read: not scanned, so the scan "
            "is incomplete; decompress it and scan the zip, or exclude it",
        )
    ]


# --- 11. archives provcheck does not read ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "magic", "kind"),
    [("train.jsonl.7z", b"7z\xbc\xaf\x27\x1c\x00\x04", "7z"), ("train.rar", b"Rar!\x1a\x07\x01\x00", "RAR")],
)
def test_an_archive_of_a_kind_provcheck_does_not_read_is_a_located_error(
    tmp_path: Path, index_dir: Path, policy: Path, name: str, magic: bytes, kind: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "ok.jsonl").write_text(CLEAN)
    (data / name).write_bytes(magic + bytes(range(256)) * 4)
    doc = scan([data, "-i", index_dir, "-p", policy], 4)
    assert [(e["path"], e["message"].split(" under ")[0]) for e in doc["errors"]] == [
        (str(data / name), f"a {kind} archive")
    ]
    assert "extract it and scan the folder" in doc["errors"][0]["message"]
