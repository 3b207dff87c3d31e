"""The compiled form of the regular expressions a command compiles is kept beside provcheck's
bytecode (``support/regexcode.py``): a second process parses none of them again, and every
pattern it gets is the one ``re`` makes without it."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAM = r"""
import json, re, sys
from provcheck.support import regexcode
regexcode.location = lambda: sys.argv[1]
if sys.argv[2] == "install":
    regexcode.install()
parsed = []
real = re._parser.parse
re._parser.parse = lambda *a, **k: parsed.append(a[0]) or real(*a, **k)
SOURCES = [
    (r"(?P<year>\d{4})-(?P<month>\d\d)(?:-(\d\d))?", 0),
    (r"[\u0e00-\u0eff\u3040-\u30ff\U00020000-\U0003134f]+|[^\W_]+", re.UNICODE),
    (r"(?<![0-9A-Za-z])def\s+(\w+)\s*\(", re.MULTILINE | re.IGNORECASE),
    (r" a # comment\n | b (?i:C) ", re.VERBOSE),
    (rb"\A\{\s*\"schema_version\"\s*:\s*\"[^\"]*\"", 0),
    (rb"(?P<x>[\x00-\x1f])\1", re.DOTALL),
    (r"(?s).{0,40}?end$", 0),
    (r"(a)|(b)|(?P<c>c)", 0),
]
out = []
for source, flags in SOURCES:
    p = re.compile(source, flags)
    m = p.search("2024-01-02 def Foo( x" if isinstance(source, str) else b'{ "schema_version" : "1"')
    out.append([repr(p), p.flags, p.groups, dict(p.groupindex), m.span() if m else None,
                p.sub("-" if isinstance(source, str) else b"-", "abc 123" if isinstance(source, str)
                      else b"\x01\x01z").__repr__()])
errors = []
try:
    re.compile("(unclosed", 0)
except re.error as exc:
    errors.append(str(exc))
print(json.dumps({"parsed": len(parsed), "patterns": out, "errors": errors}))
"""


def _run(store: Path, mode: str, env: dict[str, str] | None = None) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(store), mode],
        capture_output=True,
        text=True,
        check=True,
        env={**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, **(env or {})},
    )
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_a_second_process_parses_nothing_and_its_patterns_are_the_same(tmp_path: Path) -> None:
    store = tmp_path / "regex.bin"
    plain = _run(store, "plain")
    assert not store.exists()
    first = _run(store, "install")
    assert store.exists() and first["parsed"] == 9  # 8 patterns and the one that fails
    second = _run(store, "install")
    assert second["parsed"] == 1  # only the pattern that does not compile
    for run in (first, second):
        assert {k: v for k, v in run.items() if k != "parsed"} == {
            k: v for k, v in plain.items() if k != "parsed"
        }
    assert plain["errors"] == ["missing ), unterminated subpattern at position 0"]


def test_a_reused_pattern_equals_the_one_re_compiles() -> None:
    """Patterns compare equal on their flags, source and code (``_sre``'s ``==``)."""
    import re

    from provcheck.support import regexcode

    for source, flags in [
        (r"(?P<a>x+)(?(a)y|z)\b", 0),
        (r"[^\W\d_]{2,}(?=\s)", re.IGNORECASE),
        (rb"[\x80-\xff]+", 0),
        (r"(?x) a b  # c", 0),
    ]:
        made = regexcode.compile(source, flags)  # translated, kept
        again = regexcode.compile(source, flags)  # from what was kept
        original = re._compiler.compile(source, flags)  # type: ignore[attr-defined]
        assert made == original and again == original
        assert again.groupindex == original.groupindex and again.groups == original.groups


@pytest.mark.parametrize(
    "damage",
    [b"", b"provcheck regex code 2\n", b"not the header at all", None],
)
def test_a_store_that_cannot_be_read_whole_is_parsed_again_and_replaced(
    tmp_path: Path, damage: bytes | None
) -> None:
    store = tmp_path / "regex.bin"
    _run(store, "install")
    data = store.read_bytes()
    store.write_bytes(data[: len(data) // 2] if damage is None else damage)
    again = _run(store, "install")
    assert again["parsed"] == 9
    assert _run(store, "install")["parsed"] == 1


def test_nothing_is_written_when_bytecode_is_not(tmp_path: Path) -> None:
    store = tmp_path / "regex.bin"
    _run(store, "install", {"PYTHONDONTWRITEBYTECODE": "1"})
    assert not store.exists()


def test_the_store_sits_beside_the_package_bytecode() -> None:
    from provcheck.support import regexcode

    where = regexcode.location()
    bytecode = importlib.util.cache_from_source(regexcode.__file__)  # PYTHONPYCACHEPREFIX too
    assert where is not None and os.path.dirname(where) == os.path.dirname(bytecode)


def test_the_command_line_installs_it_before_click_is_imported(tmp_path: Path) -> None:
    """click's patterns and those of the modules it imports (``platform``, through ``uuid``)
    are kept too: the store is read before ``import click``."""
    program = (
        "import sys\n"
        "from provcheck.support import regexcode\n"
        "regexcode.location = lambda: sys.argv[1]\n"
        "assert 'click' not in sys.modules and 'platform' not in sys.modules\n"
        "import provcheck.cli\n"
        "print(sum(1 for pattern, _ in regexcode._known if b'GLIBC' in "
        "(pattern if isinstance(pattern, bytes) else pattern.encode())))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", program, str(tmp_path / "regex.bin")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == "1"  # platform's libc pattern went through the store


def test_each_kept_pattern_is_read_when_used_and_a_damaged_one_is_parsed_again(tmp_path: Path) -> None:
    import marshal

    from provcheck.support import regexcode

    store = tmp_path / "regex.bin"
    _run(store, "install")
    entries = marshal.loads(store.read_bytes()[len(regexcode.HEADER) :])
    assert len(entries) == 8 and all(type(kept) is bytes for kept in entries.values())
    first, second = list(entries)[:2]
    entries[first] = b"\xff not marshalled"
    entries[second] = marshal.dumps((0, [1, 2, 3], 0, {}, ()))  # code _sre refuses
    store.write_bytes(regexcode.HEADER + marshal.dumps(entries))
    assert _run(store, "install")["parsed"] == 1 + 2
    assert _run(store, "install")["parsed"] == 1


def test_nothing_is_installed_when_re_translates_otherwise() -> None:
    """An interpreter whose ``re`` translates other than the store repeats it (another version's
    internals), or has no ``re._compiler`` (3.10), gets plain ``re``: never a broken compile."""
    program = (
        "import re\n"
        "from provcheck.support import regexcode\n"
        "before = re._compiler.compile\n"
        "real = regexcode._translate\n"
        "regexcode._translate = lambda p, f: (regexcode._original('x', 0), None)\n"
        "regexcode.install()\n"
        "assert re._compiler.compile is before, 'installed over a different translator'\n"
        "regexcode._translate = real\n"
        "regexcode._compiler, kept = None, regexcode._compiler\n"
        "regexcode.install()\n"
        "assert re._compiler.compile is before, 'installed without re._compiler'\n"
        "regexcode._compiler = kept\n"
        "regexcode.install()\n"
        "assert re._compiler.compile is regexcode.compile, 'not installed where it works'\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_a_pattern_re_refuses_raises_its_own_error_through_the_store() -> None:
    from provcheck.support import regexcode

    with pytest.raises(re_error()) as info:
        regexcode.compile("(unclosed", 0)
    assert "missing )" in str(info.value)


def re_error() -> type[Exception]:
    import re

    return re.error
