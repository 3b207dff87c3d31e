"""The build's code digest (``scan/build.py``): the same source gives the same digest wherever it
was built, and any change to a Python or C source changes it."""

from __future__ import annotations

from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from provcheck.scan.build import code_digest


def _package(root: Path, module: bytes) -> Path:
    package = root / "provcheck"
    (package / "matching").mkdir(parents=True)
    (package / "__init__.py").write_text("VERSION = 1\n")
    (package / "matching" / "_align.c").write_text("int f(void) { return 1; }\n")
    (package / "matching" / f"_align{EXTENSION_SUFFIXES[0]}").write_bytes(module)
    return package


def test_a_compiled_module_built_elsewhere_leaves_the_digest_as_it_was(tmp_path: Path) -> None:
    """The bytes of a compiled module hold the folder it was built in (gcc -g): two machines
    building the same source differ there, and ``merge`` compares this digest across shares."""
    one = code_digest(_package(tmp_path / "a", b"\x7fELF built in /tmp/pip-build-1"))
    two = code_digest(_package(tmp_path / "b", b"\x7fELF built in /tmp/pip-build-2"))
    assert one is not None and one == two


def test_a_change_to_a_python_or_c_source_changes_the_digest(tmp_path: Path) -> None:
    package = _package(tmp_path, b"\x7fELF")
    before = code_digest(package)
    (package / "matching" / "_align.c").write_text("int f(void) { return 2; }\n")
    after_c = code_digest(package)
    (package / "__init__.py").write_text("VERSION = 2\n")
    assert len({before, after_c, code_digest(package)}) == 3
