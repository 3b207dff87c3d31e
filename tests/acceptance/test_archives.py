"""Archives and datasets under odd names (trust, fail-open).

An archive of JSON Lines (``.zip``, ``.tar.gz``) in a scanned folder was listed "not scanned:
unsupported type" and the scan passed (exit 0) with a verbatim copy inside; so did a dataset
file renamed to an odd extension or none (``data.jsonlines``, ``train.json.bak``,
``part-00000``). Archives are now read member by member (``inputs/archives.py``), located
``archive.zip!inner/path.jsonl``, with limits against bombs; a file of a name provcheck does
not read is read by its content when that is plainly a dataset, and a located error (exit 4)
when it only looks tabular (``inputs/sniff.py``). The hook and ``--changed-since`` read a
renamed dataset and refuse an archive (exit 4, located). Each test fails on the code before.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from gitrepo import BLOCK_POLICY, GitRepo, clean, isolated_env, jsonl
from helpers import REFERENCE_TEXTS, check_json_report, run_cli

COPY = json.dumps({"id": "copy", "text": REFERENCE_TEXTS[0]}) + "\n"
CLEAN = json.dumps({"id": "ok", "text": "A short note about tomato plants and their watering."}) + "\n"


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(BLOCK_POLICY)
    return path


def scan(args: list[Any], code: int) -> tuple[dict[str, Any], str]:
    """The JSON report and the terminal summary of a scan that must exit ``code``."""
    result = run_cli(["scan", *args, "--no-cache", "-f", "json"], code)
    doc: dict[str, Any] = json.loads(result.stdout)
    check_json_report(doc)
    return doc, result.stderr


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


ARCHIVES = {
    "more.zip": zip_bytes,
    "more.tar": lambda m: tar_bytes(m, "w"),
    "more.tar.gz": lambda m: tar_bytes(m, "w:gz"),
    "more.tgz": lambda m: tar_bytes(m, "w:gz"),
    "more.tar.xz": lambda m: tar_bytes(m, "w:xz"),
    "more.tar.bz2": lambda m: tar_bytes(m, "w:bz2"),
}


def located(doc: dict[str, Any]) -> set[str]:
    """``path:line`` of every finding."""
    return {f"{f['record']['path']}:{f['record']['line']}" for f in doc["findings"]}


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_a_copy_inside_an_archive_in_a_scanned_folder_blocks(
    tmp_path: Path, index_dir: Path, policy: Path, name: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(CLEAN)
    (data / name).write_bytes(ARCHIVES[name]({"inner/part.jsonl": (CLEAN + COPY).encode()}))
    doc, err = scan([data, "-i", index_dir, "-p", policy], 1)
    member = f"{data / name}!inner/part.jsonl"
    assert located(doc) == {f"{member}:2"}
    assert {f["path"]: f["records"] for f in doc["files"]}[member] == 2
    assert not doc["not_scanned"] and not doc["errors"]
    assert "not scanned" not in err
    # Named on the command line it blocks too (it was exit 4, "unsupported file type").
    doc, _ = scan([data / name, "-i", index_dir, "-p", policy], 1)
    assert located(doc) == {f"{member}:2"}


def test_members_are_selected_as_files_in_a_folder_and_what_is_not_read_is_counted(
    tmp_path: Path, index_dir: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for member, body in {
            "a.jsonl": CLEAN.encode(),
            "img/x.png": png,
            ".cache/b.jsonl": COPY.encode(),
        }.items():
            info = tarfile.TarInfo(member)
            info.size = len(body)
            tf.addfile(info, io.BytesIO(body))
        link = tarfile.TarInfo("passwd.jsonl")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    (data / "set.tar.gz").write_bytes(buf.getvalue())
    doc, err = scan([data, "-i", index_dir], 0)
    listed = {(n["path"], n["reason"]) for n in doc["not_scanned"]}
    archive = data / "set.tar.gz"
    assert listed == {
        (f"{archive}!img/x.png", "unsupported type"),
        (f"{archive}!.cache/b.jsonl", "hidden"),
        (f"{archive}!passwd.jsonl", "link inside an archive, not followed"),
    }
    assert "3 files not scanned: unsupported type (.png); hidden (b.jsonl); link inside an archive" in err


def test_a_zip_bomb_and_an_archive_inside_an_archive_are_located_errors(
    tmp_path: Path, index_dir: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    zeros = b"\0" * 2**20
    with zipfile.ZipFile(data / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf, zf.open("big.jsonl", "w") as f:
        for _ in range(300):  # 300 MiB of zeros in 0.3 MB: past 256 MiB and 200 times
            f.write(zeros)
    inner = zip_bytes({"x.jsonl": COPY.encode()})
    (data / "outer.zip").write_bytes(zip_bytes({"inner.zip": inner, "ok.jsonl": CLEAN.encode()}))
    doc, err = scan([data, "-i", index_dir], 4)
    errors = {e["path"]: e for e in doc["errors"]}
    assert set(errors) == {f"{data / 'bomb.zip'}!big.jsonl", f"{data / 'outer.zip'}!inner.zip"}
    assert errors[f"{data / 'bomb.zip'}!big.jsonl"]["kind"] == "limit"
    assert "decompression bomb" in errors[f"{data / 'bomb.zip'}!big.jsonl"]["message"]
    assert "an archive inside an archive is not read" in errors[f"{data / 'outer.zip'}!inner.zip"]["message"]
    assert {f["path"]: f["records"] for f in doc["files"]}[f"{data / 'outer.zip'}!ok.jsonl"] == 1
    assert "INCOMPLETE" in err


def test_an_encrypted_zip_member_is_a_located_error(tmp_path: Path, index_dir: Path) -> None:
    raw = bytearray(zip_bytes({"secret.jsonl": COPY.encode()}))
    for magic, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # the "encrypted" flag bit
        at = raw.index(magic) + flags
        raw[at] |= 1
    (tmp_path / "locked.zip").write_bytes(bytes(raw))
    doc, _ = scan([tmp_path / "locked.zip", "-i", index_dir], 4)
    assert [(e["path"], "encrypted" in e["message"]) for e in doc["errors"]] == [
        (f"{tmp_path / 'locked.zip'}!secret.jsonl", True)
    ]


def test_a_damaged_archive_reads_the_members_before_the_damage_then_one_located_error(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    whole = tar_bytes({"a.jsonl": COPY.encode(), "b.jsonl": (CLEAN * 400).encode()}, "w:gz")
    (tmp_path / "cut.tar.gz").write_bytes(whole[: len(whole) - 64])
    doc, _ = scan([tmp_path / "cut.tar.gz", "-i", index_dir, "-p", policy], 1)
    archive = tmp_path / "cut.tar.gz"
    assert located(doc) == {f"{archive}!a.jsonl:1"}
    assert f"{archive}" in {e["path"] for e in doc["errors"]}
    assert not doc["verdict"]["complete"]
    # A plain tar cut at a member's end (no end-of-archive blocks) is not a whole archive.
    plain = tar_bytes({"a.jsonl": CLEAN.encode(), "b.jsonl": CLEAN.encode()})
    (tmp_path / "cut.tar").write_bytes(plain[:1024])
    doc, _ = scan([tmp_path / "cut.tar", "-i", index_dir], 4)
    assert [e["path"] for e in doc["errors"]] == [str(tmp_path / "cut.tar")]
    assert "end-of-archive" in doc["errors"][0]["message"]
    assert {f["path"]: f["records"] for f in doc["files"]}[f"{tmp_path / 'cut.tar'}!a.jsonl"] == 1


@pytest.mark.parametrize("name", ["data.jsonlines", "train.json.bak", "part-00000"])
def test_a_dataset_under_an_odd_name_is_read_by_content_and_says_so(
    tmp_path: Path, index_dir: Path, policy: Path, name: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(CLEAN)
    (data / name).write_text(CLEAN + COPY)
    (data / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    (data / "mod.pyc").write_bytes(b"\xa7\r\r\n\0\0\0\0" + bytes(range(256)))
    doc, err = scan([data, "-i", index_dir, "-p", policy], 1)
    assert located(doc) == {f"{data / name}:2"}
    assert {f["path"]: f.get("read_as") for f in doc["files"]}[str(data / name)] == "JSON Lines"
    assert f"read by content: {data / name} as JSON Lines" in err
    assert {(Path(n["path"]).name, n["reason"]) for n in doc["not_scanned"]} == {
        ("chart.png", "unsupported type"),
        ("mod.pyc", "unsupported type"),
    }


def test_a_table_under_an_odd_name_is_read_or_refused(tmp_path: Path, index_dir: Path, policy: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    rows = [["instruction", "output"], ["Say it", REFERENCE_TEXTS[1]]]
    (data / "export.dat").write_text("\n".join(",".join(json.dumps(c) for c in r) for r in rows) + "\n")
    doc, err = scan([data, "-i", index_dir, "-p", policy], 1)
    assert located(doc) == {f"{data / 'export.dat'}:2"} and "export.dat as CSV" in err
    # Columns that name no record field: ambiguous, so the scan is incomplete (named, located).
    (data / "numbers.dat").write_text("alpha,beta,gamma\n1,2,3\n4,5,6\n")
    doc, _ = scan([data, "-i", index_dir, "-p", policy], 1)
    assert [(e["path"], "give it its format's suffix" in e["message"]) for e in doc["errors"]] == [
        (str(data / "numbers.dat"), True)
    ]
    assert not doc["verdict"]["complete"]


def test_the_member_limit_stops_with_a_located_error(tmp_path: Path) -> None:
    from provcheck.inputs import Limits, read_units
    from provcheck.model import RecordError

    raw = zip_bytes({f"p{i}.jsonl": CLEAN.encode() for i in range(5)})
    archive = tmp_path / "many.zip"
    archive.write_bytes(raw)
    units = list(read_units(str(archive), str(archive), Limits(max_archive_members=3)))
    errors = [u for u in units if isinstance(u, RecordError)]
    assert len(units) == 4 and len(errors) == 1
    assert errors[0].path == str(archive) and "more than 3 members" in errors[0].message


def test_the_hook_reads_a_renamed_dataset_and_refuses_an_archive(tmp_path: Path, index_dir: Path) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\ninclude: ['data/**']\n")
    repo.write("data/train.jsonl", jsonl(clean(i) for i in range(3)))
    repo.git("add", ".")
    repo.commit("dataset")
    repo.write("data/part-00001", CLEAN + COPY)
    repo.git("add", "data")
    out = repo.provcheck("hook", "run", code=1).stderr
    assert "data/part-00001:2" in out
    repo.git("rm", "-q", "--cached", "data/part-00001")
    os.remove(repo.path / "data" / "part-00001")
    (repo.path / "data" / "more.zip").write_bytes(zip_bytes({"x.jsonl": COPY.encode()}))
    repo.git("add", "data")
    out = repo.provcheck("hook", "run", code=4).stderr
    assert "data/more.zip" in out and "an archive" in out
    doc = json.loads(repo.provcheck("scan", "--changed-since", "HEAD", "-f", "json", "-q", code=4).stdout)
    assert [e["path"] for e in doc["errors"]] == ["data/more.zip"]


def test_include_and_exclude_globs_select_members_as_files_of_a_folder(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    (root / "policy.yaml").write_text(BLOCK_POLICY)
    (root / ".provcheck.yaml").write_text(
        f"index: {index_dir}\npolicy: policy.yaml\n"
        "include: ['data/**/*.jsonl', 'data/*.zip']\nexclude: ['**/scratch/**']\n"
    )
    members = {"keep.jsonl": COPY, "scratch/x.jsonl": COPY, "notes/n.txt": REFERENCE_TEXTS[2]}
    (root / "data" / "a.zip").write_bytes(zip_bytes({k: v.encode() for k, v in members.items()}))
    monkeypatch.chdir(root)
    doc, _ = scan(["data"], 1)
    archive = os.path.join("data", "a.zip")
    assert located(doc) == {f"{archive}!keep.jsonl:1"}
    assert [(n["path"], n["reason"]) for n in doc["not_scanned"]] == [
        (f"{archive}!notes/n.txt", "not matched by include")
    ]


def test_an_archive_without_a_dataset_file_is_an_error_as_an_empty_folder_is(
    tmp_path: Path, index_dir: Path
) -> None:
    (tmp_path / "pictures.zip").write_bytes(zip_bytes({"x.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 32}))
    doc, _ = scan([tmp_path / "pictures.zip", "-i", index_dir], 4)
    assert [(e["path"], "no dataset files in this archive" in e["message"]) for e in doc["errors"]] == [
        (str(tmp_path / "pictures.zip"), True)
    ]


@pytest.mark.parametrize("name", ["more.zip", "more.tar.gz"])
def test_json_lines_named_json_in_an_archive_is_read(
    tmp_path: Path, index_dir: Path, policy: Path, name: str
) -> None:
    """The JSON reader reads a file of JSON Lines named ``.json`` a second time as JSON Lines:
    a member is reopened (zip) or kept in memory (tar), never an error or a traceback."""
    (tmp_path / name).write_bytes(ARCHIVES[name]({"rows.json": (CLEAN + COPY).encode()}))
    doc, _ = scan([tmp_path / name, "-i", index_dir, "-p", policy], 1)
    assert located(doc) == {f"{tmp_path / name}!rows.json:2"}


def test_damaged_archives_are_located_errors_never_a_traceback(tmp_path: Path) -> None:
    """Seeded mutations of small archives (flipped bytes, cuts, inserted noise), each read to
    the end: every problem is a located result."""
    import random

    from provcheck.inputs import Limits, read_units

    rows = (CLEAN * 20).encode()
    seeds = {name: make({"a.jsonl": rows, "odd": rows, "b.json": rows}) for name, make in ARCHIVES.items()}
    rnd = random.Random(16)
    for n in range(120):
        name, data = rnd.choice(sorted(seeds.items()))
        mutated = bytearray(data)
        for _ in range(rnd.randint(1, 6)):
            at = rnd.randrange(len(mutated) + 1)
            if rnd.random() < 0.6:
                mutated[at : at + 1] = bytes([rnd.randrange(256)])
            elif rnd.random() < 0.5:
                del mutated[at:]
            else:
                mutated[at:at] = rnd.randbytes(rnd.randint(1, 40))
        path = tmp_path / f"{n}-{name}"
        path.write_bytes(bytes(mutated))
        for unit in read_units(str(path), str(path), Limits()):
            if isinstance(unit, tuple):
                for _item in unit[1]:
                    pass


def test_the_html_report_says_which_files_were_read_by_content(
    tmp_path: Path, index_dir: Path, policy: Path
) -> None:
    """Counsel reads the HTML report: its scope names a file read as its content showed."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.json.bak").write_text(CLEAN + COPY)
    page = tmp_path / "r.html"
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-f", "html", "-o", page], 1)
    html = page.read_text()
    assert "<dt>Read by content</dt>" in html
    assert f"read by content: {data / 'train.json.bak'} as JSON Lines" in html
