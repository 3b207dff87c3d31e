"""The compiled form of the regular expressions a command compiles, kept beside provcheck's own
bytecode so that a command does not parse and compile them again at every start.

``re.compile`` parses a pattern and translates it to the code its matching engine runs
(``re._parser``, ``re._compiler``: pure Python), then hands that code to ``_sre.compile``. A
hook run compiles ~110 patterns at import (the tokenizer's, the readers', the code detector's,
numpy's, the standard library's): ~115 M instructions, a tenth of its chain. ``install`` puts
``compile`` below in front of ``re._compiler.compile`` (which ``re`` looks up at each call):
for a pattern it has seen it hands ``_sre.compile`` the code it was translated to before; a new
one is parsed and translated as ``re`` does it and kept. The same pattern and flags translated
by the same interpreter give the same code, and ``_sre`` validates what it is handed, so each
pattern is the one ``re`` makes without it (patterns compare equal on their code:
``tests/unit/test_regexcode.py``). ``re``'s own cache, flag checks and errors are untouched.
One difference: a pattern that ``re`` warns about (a ``FutureWarning`` on a possible set
operation) warns when it is first translated, not in the runs that reuse it.

What was translated is written, at exit and only when something new was, to
``regex-code.<cache tag>.bin`` in this package's ``__pycache__`` folder, as
``support/methodcode.py`` writes the dataclass methods (and trusted as they and provcheck's
``.pyc`` files are), headed by the interpreter's full version and ``_sre``'s magic number and
limits; not written under ``PYTHONDONTWRITEBYTECODE``; a file that cannot be read whole, of
another format or interpreter, is ignored (and replaced at exit).
"""

from __future__ import annotations

import atexit
import importlib.util
import marshal
import os
import re
import sys
from typing import Any

from provcheck.support import atomic

# ``re._compiler`` is Python 3.11's name (3.10 has ``sre_compile``): on an interpreter without
# it, or whose translator is not the one this module repeats (``_probe``), nothing is installed
# and ``re`` works as it always does.
_compiler: Any = getattr(re, "_compiler", None)
_sre: Any = getattr(_compiler, "_sre", None)

HEADER = (
    b"provcheck regex code 2\n"
    + importlib.util.MAGIC_NUMBER
    + (
        f"{sys.version}\n{_sre.MAGIC} {_sre.CODESIZE} {_sre.MAXREPEAT} {_sre.MAXGROUPS}\n".encode()
        if _sre is not None
        else b"\n"
    )
)
"""First bytes of the file: its format, the interpreter (``re``'s translator is its standard
library) and the matching engine's version and limits."""
MAX_ENTRIES = 4_096
"""Patterns kept; with more, only those used by the run that writes are kept."""

Key = tuple[Any, int]
"""A pattern (``str`` or ``bytes``) and the flags it is compiled with."""
Args = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]
"""What ``_sre.compile`` takes after the pattern: flags, code, groups, group index, group names."""

_known: dict[Key, bytes] = {}
"""What ``_sre.compile`` was handed for each pattern, marshalled: unmarshalled when the pattern
is compiled, so that the store costs a start little more than reading it (it holds the
patterns of every command run: ~250 after the test suite, ~120 of them a hook's)."""
_used: set[Key] = set()
_new: list[Key] = []
_original: Any = getattr(_compiler, "compile", None)


def location() -> str | None:
    """Where the compiled patterns are kept (None when this interpreter keeps no bytecode)."""
    tag = sys.implementation.cache_tag
    if not tag:
        return None
    folder = os.path.dirname(importlib.util.cache_from_source(__file__))
    return os.path.join(folder, f"regex-code.{tag}.bin")


def install() -> None:
    """From now on, patterns compiled through ``re`` reuse the code they were translated to
    (once per process)."""
    if _compiler is None or _compiler.compile is compile or not _probe():
        return
    path = location()
    if path is not None:
        _known.update(_read(path))
    _compiler.compile = compile
    atexit.register(save)


def compile(p: Any, flags: int = 0) -> Any:
    """``re._compiler.compile`` with a known pattern's code instead of parsing it again."""
    if (type(p) is not str and type(p) is not bytes) or flags & _compiler.SRE_FLAG_DEBUG:
        return _original(p, flags)
    key = (p, flags)
    kept = _known.get(key)
    if kept is not None:
        try:
            args = marshal.loads(kept)
            if not _well_formed(args):
                raise ValueError("not what _sre.compile takes")
            pattern = _sre.compile(p, *args)
        except Exception:  # not what _sre accepts: translated again below
            _known.pop(key, None)  # another thread may have dropped it first
        else:
            _used.add(key)
            return pattern
    try:
        pattern, args = _translate(p, flags)
    except re.error:  # a pattern re refuses: the error re.compile raises
        raise
    except Exception:  # not the translator this repeats: re's own
        return _original(p, flags)
    _known[key] = marshal.dumps(args)
    _used.add(key)
    _new.append(key)
    return pattern


def _translate(p: Any, flags: int) -> tuple[Any, Args]:
    """What ``re._compiler.compile`` does, keeping what it hands ``_sre``."""
    parsed = _compiler._parser.parse(p, flags)
    code = [int(op) for op in _compiler._code(parsed, flags)]  # opcodes are int subclasses
    groupindex = parsed.state.groupdict
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    args = (int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup))
    return _sre.compile(p, *args), args


_PROBES = (r"(?P<word>[^\W_]+)|\s+(?=x)", rb"a{2,5}?(b|c)*\Z")


def _probe() -> bool:
    """Whether this interpreter's ``re`` translates as ``_translate`` repeats it: the same
    pattern from both (patterns compare equal on their code), else nothing is installed."""
    try:
        return all(
            _translate(p, 0)[0] == _original(p, 0) and _translate(p, re.I)[0] == _original(p, re.I)
            for p in _PROBES
        )
    except Exception:
        return False


def save() -> None:
    """Write the compiled patterns when this run translated new ones (never fails: it runs at
    exit, where an error would add a traceback to the command's output)."""
    path = location()
    if not _new or path is None or sys.dont_write_bytecode:
        return
    try:
        entries = {**_read(path), **_known}  # another process may have written some meanwhile
        if len(entries) > MAX_ENTRIES:
            entries = {key: args for key, args in entries.items() if key in _used}
        data = HEADER + marshal.dumps(entries)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic.write_atomic(path, lambda fh: fh.write(data), binary=True)
    except Exception:  # an unwritable folder only costs compiling next time
        pass
    _new.clear()


def _read(path: str) -> dict[Key, bytes]:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        if not data.startswith(HEADER):
            return {}
        entries = marshal.loads(memoryview(data)[len(HEADER) :])
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {
        key: kept
        for key, kept in entries.items()
        if type(key) is tuple
        and len(key) == 2
        and type(key[0]) in (str, bytes)
        and type(key[1]) is int
        and type(kept) is bytes
    }


def _well_formed(args: object) -> bool:
    return (
        type(args) is tuple
        and len(args) == 5
        and type(args[0]) is int
        and type(args[1]) is list
        and type(args[2]) is int
        and type(args[3]) is dict
        and type(args[4]) is tuple
    )
