"""``--index URL``: the index is fetched once per node into the cache, checked, and opened like a
local one; a damaged download is an index error (exit 5), never a partial index."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, write_jsonl

fsspec = pytest.importorskip("fsspec")


def _upload(index_dir: Path) -> str:
    url = f"memory://idx-{secrets.token_hex(4)}"
    fs = fsspec.filesystem("memory")
    fs.put(str(index_dir), url.removeprefix("memory://"), recursive=True)
    assert fs.exists(url.removeprefix("memory://") + "/manifest.json")
    return url


def _shard_file(url: str, name: str) -> str:
    fs = fsspec.filesystem("memory")
    (found,) = [p for p in fs.find(url.removeprefix("memory://")) if p.endswith("/" + name)]
    return str(found)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "d.jsonl", [{"text": REFERENCE_TEXTS[0]}, {"text": UNRELATED_TEXT}])


def test_an_index_at_a_url_is_fetched_once_and_gives_the_local_results(
    tmp_path: Path, index_dir: Path, data: Path, private_cache: Path
) -> None:
    url = _upload(index_dir)
    local, remote = tmp_path / "local.json", tmp_path / "remote.json"
    run_cli(["scan", data, "-i", index_dir, "-f", "json", "-o", local, "-q"])
    run_cli(["scan", data, "-i", url, "-f", "json", "-o", remote, "-q"])
    one, two = json.loads(local.read_text()), json.loads(remote.read_text())
    assert [f["id"] for f in two["findings"]] == [f["id"] for f in one["findings"]] and one["findings"]
    assert two["run"]["index"]["digest"] == one["run"]["index"]["digest"]
    assert two["run"]["index_fetched"]["url"] == url
    copy = Path(two["run"]["index_fetched"]["copy"])
    assert copy.parent == private_cache / "indexes" and copy.name == one["run"]["index"]["digest"]
    # Fetched once: damage at the URL after the fetch is not read again (the digest is the same).
    fs = fsspec.filesystem("memory")
    fs.pipe(_shard_file(url, "texts.zst"), b"damaged")
    run_cli(["scan", data, "-i", url, "-f", "json", "-o", remote, "-q"])
    assert json.loads(remote.read_text())["run"]["index_fetched"]["copy"] == str(copy)


def test_a_damaged_or_missing_download_is_an_index_error_naming_the_file(
    tmp_path: Path, index_dir: Path, data: Path, private_cache: Path
) -> None:
    url = _upload(index_dir)
    fs = fsspec.filesystem("memory")
    path = _shard_file(url, "texts.zst")
    good = fs.cat_file(path)
    fs.pipe(path, good[:-1] + bytes([good[-1] ^ 1]))  # one flipped bit, same size
    r = run_cli(["scan", data, "-i", url, "-q"], code=5)
    assert "texts.zst" in r.stderr and "digest" in r.stderr
    fs.pipe(path, good[:-3])  # cut short
    r = run_cli(["scan", data, "-i", url, "-q"], code=5)
    assert "texts.zst" in r.stderr and "bytes" in r.stderr
    fs.rm(path)
    r = run_cli(["scan", data, "-i", url, "-q"], code=5)
    assert "missing" in r.stderr
    # Nothing half-fetched was kept.
    assert not [e for e in os.listdir(private_cache / "indexes") if not e.startswith(".")]
    manifest = url.removeprefix("memory://") + "/manifest.json"
    fs.pipe(manifest, fs.cat_file(manifest).replace(b'"texts"', b'"textz"', 1))
    r = run_cli(["scan", data, "-i", url, "-q"], code=5)
    assert "checksum" in r.stderr
    run_cli(["scan", data, "-i", "memory://nothing-here", "-q"], code=5)


def test_a_changed_index_is_fetched_again(
    tmp_path: Path, index_dir: Path, data: Path, reference_file: Path, private_cache: Path
) -> None:
    url = _upload(index_dir)
    out = tmp_path / "r.json"
    run_cli(["scan", data, "-i", url, "-f", "json", "-o", out, "-q"])
    first = json.loads(out.read_text())["run"]["index"]["digest"]
    run_cli(["index", "add", index_dir, reference_file, "--source", "again", "-q"])
    fsspec.filesystem("memory").rm(url.removeprefix("memory://"), recursive=True)
    fsspec.filesystem("memory").put(str(index_dir), url.removeprefix("memory://"), recursive=True)
    run_cli(["scan", data, "-i", url, "-f", "json", "-o", out, "-q"])
    second = json.loads(out.read_text())["run"]["index"]["digest"]
    assert second != first
    assert sorted(os.listdir(private_cache / "indexes")) == sorted([first, second])


def test_a_file_url_works_and_local_paths_never_touch_fsspec(
    tmp_path: Path, index_dir: Path, data: Path
) -> None:
    from provcheck.index.remote import local_index

    assert local_index(str(index_dir), root=str(tmp_path / "nowhere")) == str(index_dir)
    assert not (tmp_path / "nowhere").exists()
    run_cli(["scan", data, "-i", f"file://{index_dir}", "-q"])


def test_a_damaged_cached_copy_is_fetched_again(
    tmp_path: Path, index_dir: Path, data: Path, private_cache: Path
) -> None:
    """A cached copy damaged after its fetch was refused on every run (exit 5, "restore or
    rebuild") although the index at the URL was sound: the user was stuck with it."""
    url = _upload(index_dir)
    out = tmp_path / "r.json"
    run_cli(["scan", data, "-i", url, "-f", "json", "-o", out, "-q"])
    first = json.loads(out.read_text())
    copy = Path(first["run"]["index_fetched"]["copy"])
    (damaged,) = list(copy.rglob("texts.zst"))
    damaged.write_bytes(b"damaged in the cache")
    run_cli(["scan", data, "-i", url, "-f", "json", "-o", out, "-q"])
    again = json.loads(out.read_text())
    assert [f["id"] for f in again["findings"]] == [f["id"] for f in first["findings"]]
    assert again["run"]["index_fetched"]["copy"] == str(copy)
    assert damaged.read_bytes() != b"damaged in the cache"
