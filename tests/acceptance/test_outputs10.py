"""Outputs that would replace or nest inside what the user holds (found by adversarial pass 10)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from helpers import run_cli


def test_pack_create_never_replaces_a_file_that_is_not_a_pack(tmp_path: Path, index_dir: Path) -> None:
    data = tmp_path / "refs.jsonl"
    data.write_text('{"text": "the data the index was built from"}\n')
    r = run_cli(["pack", "create", index_dir, "-o", data, "--publisher", "x", "-q"], 2)
    assert "not a pack" in r.stderr
    assert data.read_text() == '{"text": "the data the index was built from"}\n'
    # Someone's zip is no pack either.
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("a.txt", "holiday")
    before = other.read_bytes()
    run_cli(["pack", "create", index_dir, "-o", other, "--publisher", "x", "-q"], 2)
    assert other.read_bytes() == before
    # A pack is replaced by a new one: re-running is how a pack is refreshed.
    pack = tmp_path / "refs.pack"
    run_cli(["pack", "create", index_dir, "-o", pack, "--publisher", "x", "-q"])
    run_cli(["pack", "create", index_dir, "-o", pack, "--publisher", "y", "-q"])
    assert '"publisher": "y"' in zipfile.ZipFile(pack).read("pack.json").decode()


def test_an_index_is_not_made_inside_another_index(
    tmp_path: Path, index_dir: Path, reference_file: Path
) -> None:
    before = sorted(p.relative_to(index_dir) for p in index_dir.rglob("*"))
    for inner in (index_dir / "shards", index_dir / "shards" / "new", index_dir / "sub"):
        r = run_cli(
            ["index", "add", inner, reference_file, "--source", "s2", "--provider", "openai", "-q"], 2
        )
        assert f"inside the index {index_dir.resolve()}" in r.stderr
    assert sorted(p.relative_to(index_dir) for p in index_dir.rglob("*")) == before
    # Beside it is fine.
    run_cli(
        ["index", "add", tmp_path / "other", reference_file, "--source", "s2", "--provider", "openai", "-q"]
    )
