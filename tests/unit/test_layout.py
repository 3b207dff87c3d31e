"""The layout is the architecture: every module stands under an import contract."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "provcheck"


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layered = next(c for c in contracts if c["type"] == "layers")
    return [name.strip() for layer in layered["layers"] for name in layer.split("|")]


def _modules() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append(".".join(parts))
    return found


def test_every_module_is_under_the_layers_contract() -> None:
    layers = _layers()
    entry_points = {"provcheck", "provcheck.__main__"}
    outside = [
        m
        for m in _modules()
        if m not in entry_points and not any(m == layer or m.startswith(layer + ".") for layer in layers)
    ]
    assert not outside, f"modules outside every layer of pyproject.toml's import contract: {outside}"


def test_few_modules_beside_the_packages_and_none_too_big() -> None:
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 8, top
    big = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert not big, f"modules over 600 lines: {big}"
