"""Diff-aware reading gives exactly the new records of a full read, at their true places."""

from __future__ import annotations

import hashlib
import json
import random
from array import array
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from provcheck import inputs as readers
from provcheck.gitscan import keyed, prefix, selection
from provcheck.gitscan.changes import FileChange, Version
from provcheck.gitscan.repo import Repo, blob_header
from provcheck.gitscan.selection import DiffSelector
from provcheck.inputs import Limits, RawRecord
from provcheck.inputs.schemas import RecordOptions
from provcheck.model import ErrorKind, RecordError
from provcheck.scan.cache import Cache

POOL = [
    *(json.dumps({"id": i, "text": f"record {i}"}).encode() for i in range(30)),
    b"",
    b"   ",
    b"\t",
    b"not json",
    b'{"id": "crlf", "text": "windows"}\r',
    b"[1, 2]",
]


def as_bytes(lines: list[bytes], final_newline: bool = True) -> bytes:
    return b"\n".join(lines) + (b"\n" if final_newline else b"")


def items(found: Iterator[Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for item in found:
        if isinstance(item, RawRecord):
            out.append(("record", item.index, item.line, item.data))
        else:
            assert isinstance(item, RecordError)
            out.append(("error", item.index, item.line, item.kind))
    return out


def expected(new: bytes, base: bytes, tmp_path: Path) -> list[tuple[Any, ...]]:
    """A full read of the new file, keeping what the base does not have (line by line)."""
    old = {line.strip() for line in base.split(b"\n") if line.strip()}
    path = tmp_path / "expected.jsonl"
    path.write_bytes(new)
    lines = new.split(b"\n")
    full = items(readers.read("d.jsonl", str(path), Limits())[1])
    return [i for i in full if i[2] is None or lines[i[2] - 1].strip() not in old]


def diff_read(
    new: bytes, base: bytes, tmp_path: Path, *, git_id: bool = False, limits: Limits = Limits()
) -> tuple[list[Any], str]:
    new_path, base_path = tmp_path / "new.jsonl", tmp_path / "base.jsonl"
    new_path.write_bytes(new)
    base_path.write_bytes(base)
    prefix = None
    ident = "test:base"
    if git_id:
        oid = hashlib.sha1(blob_header(len(base)) + base).hexdigest()
        prefix, ident = ("sha1", blob_header(len(base)), oid), f"git:{oid}"
    change = FileChange(
        display="d.jsonl",
        path="d.jsonl",
        status="modified",
        new=Version(ident="test:new", size=len(new), path=str(new_path)),
        base=Version(ident=ident, size=len(base), path=str(base_path), prefix_hash=prefix),
    )
    with DiffSelector([change], cast(Repo, None), RecordOptions()) as selector:
        _, found = selector.read("d.jsonl", "d.jsonl", limits)
        result = items(found)
        return result, selector.stats["d.jsonl"].method


def _seeded(data: bytes) -> str:
    """The seeded XXH3-128 digest of ``data`` (``keyed.digest``)."""
    d = keyed.digest()
    d.update(data)
    return str(d.hexdigest())


@pytest.mark.parametrize("seed", range(25))
def test_new_lines_are_the_full_reads_new_records(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    base = [rng.choice(POOL) for _ in range(rng.randrange(0, 15))]
    new = list(base)
    for _ in range(rng.randrange(1, 6)):
        op = rng.random()
        if op < 0.4 or not new:
            new.insert(rng.randrange(len(new) + 1), rng.choice(POOL))
        elif op < 0.7:
            del new[rng.randrange(len(new))]
        else:
            new[rng.randrange(len(new))] = rng.choice(POOL)
    final = rng.random() < 0.7
    new_b, base_b = as_bytes(new, final), as_bytes(base)
    got, method = diff_read(new_b, base_b, tmp_path)
    assert method == "lines"
    if not new_b:  # every record deleted: nothing new (a full read calls the file empty)
        assert got == []
    else:
        assert got == expected(new_b, base_b, tmp_path)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("chunk", [1 << 23, 7, 64])
def test_appended_lines_are_found_without_reading_the_base(
    tmp_path: Path, seed: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small reads: whole old blocks are only counted, and the prefix is proved across reads.
    monkeypatch.setattr(selection, "CHUNK", chunk)
    monkeypatch.setattr(prefix, "CHUNK", chunk)
    rng = random.Random(seed)
    base = [rng.choice(POOL) for _ in range(rng.randrange(1, 15))]
    added = [rng.choice(POOL) for _ in range(rng.randrange(1, 6))]
    base_b = as_bytes(base)
    new_b = base_b + as_bytes(added)
    got, method = diff_read(new_b, base_b, tmp_path, git_id=True)
    assert method == "appended"
    # Positional: everything after the base is new, even a line equal to an old one.
    path = tmp_path / "full.jsonl"
    path.write_bytes(new_b)
    full = items(readers.read("d.jsonl", str(path), Limits())[1])
    first_new_line = len(base) + 1
    assert got == [i for i in full if i[2] is not None and i[2] >= first_new_line]


def test_a_base_whose_last_line_grew_rescans_that_line(tmp_path: Path) -> None:
    base = b'{"id": 1, "text": "a"}\n{"id": 2, "te'
    new = base + b'xt": "b"}\n{"id": 3, "text": "c"}\n'
    got, method = diff_read(new, base, tmp_path, git_id=True)
    assert method == "appended"
    assert [(g[1], g[2], g[3]["id"]) for g in got] == [(1, 2, 2), (2, 3, 3)]


def test_a_base_that_is_not_a_prefix_falls_back_to_line_hashes(tmp_path: Path) -> None:
    base = b'{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}\n'
    new = b'{"id": 2, "text": "b"}\n{"id": 1, "text": "a"}\n{"id": 3, "text": "c"}\n'
    got, method = diff_read(new, base, tmp_path, git_id=True)
    assert method == "lines"  # re-ordered: no record is new but the third
    assert [(g[1], g[2], g[3]["id"]) for g in got] == [(2, 3, 3)]


def test_a_line_beyond_the_record_limit_is_reported_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = b'{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}\n'
    new = base + b'{"id": 3, "text": "' + b"x" * 300 + b'"}\n{"id": 4, "text": "d"}\n'
    limits = Limits(max_record_bytes=100)
    for chunk in (1 << 23, 64):  # the line fits a read chunk, or outgrows the limit across chunks
        monkeypatch.setattr(selection, "CHUNK", chunk)
        monkeypatch.setattr(prefix, "CHUNK", chunk)
        for git_id in (False, True):
            got, method = diff_read(new, base, tmp_path, git_id=git_id, limits=limits)
            assert [g[:3] for g in got] == [("error", 2, 3), ("record", 3, 4)], (chunk, git_id)
            assert got[0][3] is ErrorKind.LIMIT
            assert method == ("appended" if git_id and chunk > 64 else "lines")


def test_the_next_commits_base_keys_are_the_bases_plus_the_appended(tmp_path: Path) -> None:
    base = b"".join(json.dumps({"id": i, "text": f"t{i}"}).encode() + b"\n" for i in range(50))
    new = base + b'{"id": "a", "text": "new"}\n\n{"id": "b", "text": "newer"}\n'
    (tmp_path / "base.jsonl").write_bytes(base)
    (tmp_path / "new.jsonl").write_bytes(new)
    oid = hashlib.sha1(blob_header(len(base)) + base).hexdigest()
    new_oid = hashlib.sha1(blob_header(len(new)) + new).hexdigest()

    def hashes(data: bytes) -> set[int]:
        return {keyed.line_hash(line.strip()) for line in data.split(b"\n") if line.strip()}

    change = FileChange(
        display="d.jsonl",
        path="d.jsonl",
        status="modified",
        new=Version(ident=f"git:{new_oid}", size=len(new), path=str(tmp_path / "new.jsonl")),
        base=Version(
            ident=f"git:{oid}",
            size=len(base),
            path=str(tmp_path / "base.jsonl"),
            prefix_hash=("sha1", blob_header(len(base)), oid),
        ),
    )
    with Cache(str(tmp_path / "cache")) as cache:
        cache.put_keyset(f"lines-keyed:git:{oid}", array("Q", sorted(hashes(base))).tobytes())
        with DiffSelector([change], cast(Repo, None), RecordOptions(), cache) as selector:
            _, found = selector.read("d.jsonl", "d.jsonl", Limits())
            assert [r[3]["id"] for r in items(found)] == ["a", "b"]
            assert selector.stats["d.jsonl"].method == "appended"
    with Cache(str(tmp_path / "cache")) as cache:
        stored = cache.keyset(f"lines-keyed:git:{new_oid}")
        assert stored is not None and set(array("Q", stored)) == hashes(new)


def test_a_chain_of_appends_uses_the_cached_digest_and_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proofs: list[str] = []
    real = selection.scan_prefix

    def spy(path: str, size: int, git: Any, *, count: bool) -> Any:
        proofs.append("git id" if git is not None else "cached digest")
        return real(path, size, git, count=count)

    monkeypatch.setattr(selection, "scan_prefix", spy)
    versions = [b"".join(json.dumps({"id": i}).encode() + b"\n" for i in range(n)) for n in (30, 33, 40)]
    versions[2] = versions[1] + b'\n  \n{"id": "after-blank"}\n' + versions[2][len(versions[1]) :]

    def version(i: int) -> Version:
        data = versions[i]
        (tmp_path / f"v{i}.jsonl").write_bytes(data)
        oid = hashlib.sha1(blob_header(len(data)) + data).hexdigest()
        return Version(
            ident=f"git:{oid}",
            size=len(data),
            path=str(tmp_path / f"v{i}.jsonl"),
            prefix_hash=("sha1", blob_header(len(data)), oid),
        )

    for i in (1, 2):  # B -> N1, then N1 -> N2 with N1's digest and counts from the first run
        change = FileChange("d.jsonl", "d.jsonl", "modified", version(i), version(i - 1))
        with Cache(str(tmp_path / "cache")) as cache:
            if i == 2:
                assert cache.keyset(f"digest-keyed:{change.base.ident}") is not None  # type: ignore[union-attr]
            with DiffSelector([change], cast(Repo, None), RecordOptions(), cache) as selector:
                _, found = selector.read("d.jsonl", "d.jsonl", Limits())
                got = items(found)
                assert selector.stats["d.jsonl"].method == "appended"
        path = tmp_path / "full.jsonl"
        path.write_bytes(versions[i])
        full = items(readers.read("d.jsonl", str(path), Limits())[1])
        first_new = versions[i - 1].count(b"\n") + 1
        assert got == [x for x in full if x[2] >= first_new]
    assert [g[3]["id"] for g in got][:2] == ["after-blank", 33]
    assert proofs == ["git id", "cached digest"]


def _reference_prefix(data: bytes) -> tuple[int, int] | None:
    """What ``scan_prefix`` must count: (lines, records) of ``data`` when it ends with a newline
    and no line starts with whitespace (such a line may be blank), else None."""
    if not data.endswith(b"\n") and data:
        return None
    lines = data.split(b"\n")[:-1]
    if any(line[:1] in b" \t\r\n\x0b\x0c" for line in lines):  # b"" too: an empty line
        return None
    return (len(lines), len(lines))


@pytest.mark.parametrize("seed", range(40))
def test_the_prefix_proof_counts_lines_as_the_reader_does_across_reads(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    parts = [b'{"id": 1}', b"", b" ", b"\t{}", b"x", b'{"a": "\\n"}', b"\r", b"\x0c{}"]
    weights = [8, 1, 1, 1, 4, 4, 1, 1]
    lines = [rng.choices(parts, weights)[0] for _ in range(rng.randrange(0, 30))]
    base = b"".join(line + b"\n" for line in lines)
    if lines and rng.random() < 0.2:
        base = base[:-1]  # no final newline: the last line may still grow
    new = base + b'{"id": "new"}\n'
    path = tmp_path / "new.jsonl"
    path.write_bytes(new)
    oid = hashlib.sha1(blob_header(len(base)) + base).hexdigest()
    # sparse: newlines found one at a time before numpy counts the rest of a chunk of short lines
    for chunk, parallel, sparse in [
        (1, 0, 1024),
        (2, 1 << 22, 1),
        (3, 0, 2),
        (7, 1 << 22, 1024),
        (64, 0, 1),
        (64, 0, 3),
        (1 << 23, 1 << 22, 1024),
        (1 << 23, 0, 1),
        (1 << 23, 0, 2),
    ]:
        monkeypatch.setattr(prefix, "CHUNK", chunk)
        monkeypatch.setattr(prefix, "PARALLEL", parallel)  # 0: the git hash in its own thread
        monkeypatch.setattr(prefix, "SPARSE", sparse)
        found = prefix.scan_prefix(str(path), len(base), ("sha1", blob_header(len(base)), oid), count=True)
        assert found is not None and found.end == len(base), chunk
        assert found.counts == _reference_prefix(base), (chunk, base)
        assert found.digest.hexdigest() == _seeded(base)
        wrong = ("sha1", blob_header(len(base)), "0" * 40)
        assert prefix.scan_prefix(str(path), len(base), wrong, count=True) is None
        shorter = prefix.scan_prefix(str(path), len(new) + 1, None, count=True)
        assert shorter is None  # the file is shorter than the base: not a prefix


def _appended(tmp_path: Path, base: bytes, new: bytes, name: str = "d.jsonl") -> FileChange:
    """A staged change of ``name`` whose base is ``base`` (a git blob) and new version ``new``."""
    (tmp_path / name).write_bytes(new)
    oid = hashlib.sha1(blob_header(len(base)) + base).hexdigest()
    old = Version(
        ident=f"git:{oid}", size=len(base), oid=oid, prefix_hash=("sha1", blob_header(len(base)), oid)
    )
    new_oid = hashlib.sha1(blob_header(len(new)) + new).hexdigest()
    return FileChange(name, name, "modified", Version(f"git:{new_oid}", len(new), str(tmp_path / name)), old)


@pytest.mark.parametrize("chunk", [3, 1 << 23])
def test_a_proof_started_early_is_taken_instead_of_hashing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(prefix, "CHUNK", chunk)
    base = as_bytes([json.dumps({"id": i}).encode() for i in range(40)])
    new = base + b'{"id": "new"}\n\n{"id": "newer"}\n'
    change = _appended(tmp_path, base, new)
    calls: list[int] = []
    real = selection.scan_prefix

    def spy(path: str, size: int, git: Any, *, count: bool) -> Any:
        calls.append(size)
        return real(path, size, git, count=count)

    monkeypatch.setattr(selection, "scan_prefix", spy)
    with DiffSelector([change], cast(Repo, None), RecordOptions()) as selector:
        _, found = selector.read("d.jsonl", "d.jsonl", Limits())
        hashed = items(found)
    assert calls == [len(base)]  # the selector proved it itself
    (started,) = prefix.start_proofs([change])
    assert started.proof is not None and started == change  # the proof is not part of the change
    with DiffSelector([started], cast(Repo, None), RecordOptions()) as selector:
        _, found = selector.read("d.jsonl", "d.jsonl", Limits())
        assert items(found) == hashed == expected(new, base, tmp_path)
        assert selector.stats["d.jsonl"].method == "appended"
    assert calls == [len(base)]  # taken from the early proof, not hashed again


def test_a_proof_of_other_bytes_is_not_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = as_bytes([json.dumps({"id": i}).encode() for i in range(10)])
    new = base + b'{"id": "new"}\n'
    change = _appended(tmp_path, base, new)
    assert change.base is not None and change.base.prefix_hash is not None
    other = tmp_path / "other.jsonl"
    other.write_bytes(b"x" * len(new))  # a proof of another file: says "not a prefix"
    wrong = prefix.Proof(str(other), len(base), change.base.prefix_hash)
    assert wrong.result() is None
    calls: list[int] = []
    real = selection.scan_prefix

    def spy(path: str, size: int, git: Any, *, count: bool) -> Any:
        calls.append(size)
        return real(path, size, git, count=count)

    monkeypatch.setattr(selection, "scan_prefix", spy)
    with DiffSelector([replace(change, proof=wrong)], cast(Repo, None), RecordOptions()) as selector:
        _, found = selector.read("d.jsonl", "d.jsonl", Limits())
        assert [i[3]["id"] for i in items(found)] == ["new"]
        assert selector.stats["d.jsonl"].method == "appended"
    assert calls == [len(base)]


def test_proofs_start_only_where_the_selector_would_prove(tmp_path: Path) -> None:
    import gzip

    base = as_bytes([json.dumps({"id": i}).encode() for i in range(10)])
    appended = _appended(tmp_path, base, base + b'{"id": "new"}\n')
    shorter = _appended(tmp_path, base, base[:10], "short.jsonl")
    csv = _appended(tmp_path, b"a\n1\n", b"a\n1\n2\n", "d.csv")
    packed = _appended(tmp_path, base, gzip.compress(base + b"{}\n"), "p.jsonl")
    blob_only = replace(appended, new=replace(appended.new, path=None))
    added = replace(appended, base=None)
    unreadable = replace(appended, error="Git LFS pointer")
    out = prefix.start_proofs([appended, shorter, csv, packed, blob_only, added, unreadable])
    assert [c.proof is not None for c in out] == [True, False, False, False, False, False, False]
    assert out[0].proof is not None and out[0].proof.result() is not None
