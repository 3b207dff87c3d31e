"""What README.md and docs/ promise a new user, held to the program (docs sweep, 2026-12-06).

Each test quotes the sentence it checks; when the sentence and the program disagree and the
sentence is the behaviour wanted, the test is here and the code was fixed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_cli
from provcheck.index import manifest as index_manifest


@pytest.mark.parametrize("field", ["tokenizer", "code"])
def test_an_index_from_an_earlier_provcheck_is_refused_with_the_command_that_rebuilds_it(
    reference_file: Path, tmp_path: Path, field: str
) -> None:
    """README, "Upgrading": an index built by an earlier provcheck (index format 1, or a
    fingerprint without the current code anchors) "is refused ... and the command that rebuilds
    it; `provcheck index build INDEX --sources SOURCES.yaml` rebuilds from the same manifest"."""
    index = tmp_path / "index"
    run_cli(["index", "add", index, reference_file, "--source", "s", "-q"])
    path = index / "manifest.json"
    body = json.loads(path.read_text())
    body["fingerprint"][field] -= 1  # what an earlier provcheck wrote, checksum and all
    del body["checksum"]
    body["checksum"] = index_manifest._checksum(body)
    path.write_text(json.dumps(body))
    for args in (["scan", reference_file, "-i", index], ["index", "info", index]):
        result = run_cli(args, code=5)
        assert "provcheck index build" in result.stderr, result.stderr
        assert "provcheck index add" in result.stderr, result.stderr


def test_a_shard_from_an_earlier_provcheck_is_refused_with_the_command_that_rebuilds_it(
    reference_file: Path, tmp_path: Path
) -> None:
    """README, "Upgrading", for a shard that lacks a file this provcheck writes (an earlier
    layout): refused with exit 5 and the command that rebuilds the index."""
    index = tmp_path / "index"
    run_cli(["index", "add", index, reference_file, "--source", "s", "-q"])
    path = index / "manifest.json"
    body = json.loads(path.read_text())
    del body["shards"][0]["files"]["codes.bin"]
    del body["checksum"]
    body["checksum"] = index_manifest._checksum(body)
    path.write_text(json.dumps(body))
    result = run_cli(["scan", reference_file, "-i", index], code=5)
    assert "written by an older provcheck" in result.stderr, result.stderr
    assert "provcheck index build" in result.stderr, result.stderr
