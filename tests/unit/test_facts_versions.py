"""The library versions of the run record are importlib.metadata's, read without importing it."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from provcheck.scan import facts


def test_the_versions_are_importlib_metadata_s() -> None:
    got = facts.versions()
    for dist in ("numpy", "rapidfuzz", "xxhash", "pyarrow"):
        assert got[dist] == metadata.version(dist)


def _dist(entry: Path, folder: str, version: str) -> None:
    (entry / folder).mkdir(parents=True)
    (entry / folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: Fake.Pkg\nVersion: {version}\n")


def test_an_unusual_install_is_left_to_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _dist(first, "fake_pkg-1.2.3.dist-info", "1.2.3")
    _dist(second, "fake_pkg-9.0.dist-info", "9.0")
    monkeypatch.setattr(sys, "path", [str(first), str(second)])
    assert facts._installed_version("Fake.Pkg") == metadata.version("Fake.Pkg") == "1.2.3"
    _dist(first, "Fake_Pkg-0.5.egg-info", "0.5")  # two in the first entry: metadata decides
    assert facts._installed_version("fake-pkg") == metadata.version("fake-pkg")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "nothing")])
    assert facts._installed_version("fake-pkg") == "missing"
