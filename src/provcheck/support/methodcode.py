"""The compiled code of the methods ``dataclasses`` writes for each class, kept beside
provcheck's own bytecode so that a command does not compile them again at every start.

``@dataclass`` writes the source of each class's ``__init__``, ``__repr__``, ``__eq__``,
``__hash__`` (and ``__setattr__``/``__delattr__`` for a frozen class) and compiles each with
``exec``: ~0.65 ms of CPU a frozen class on Python 3.11, ~85 % of it the compiler, and a hook run
defines ~100 classes. ``install`` makes ``dataclasses`` look its ``exec`` up here (a module
global in front of the builtin), which compiles a source it has not seen and reuses the code of
one it has: the same text compiled by the same interpreter under the same flags is the same
code, so every class, method and behaviour is what ``dataclasses`` makes without it.

What was compiled is written, at exit and only when something new was, to
``dataclass-methods.<cache tag>.bin`` in this package's ``__pycache__`` folder (where Python
keeps provcheck's bytecode: ``importlib.util.cache_from_source``, so ``PYTHONPYCACHEPREFIX`` is
followed), headed by the interpreter's bytecode magic number. It is trusted exactly as
provcheck's own ``.pyc`` files are, which sit beside it, and like them it is not written when
``sys.dont_write_bytecode`` is set (``PYTHONDONTWRITEBYTECODE``, ``-B``), nor when the folder
cannot be written: then each start compiles, as before. A file that cannot be read whole, of
another format or interpreter, is ignored (and replaced at exit).
"""

from __future__ import annotations

import atexit
import builtins
import dataclasses
import importlib.util
import marshal
import os
import sys
import types
from typing import Any

from provcheck.support import atomic

HEADER = b"provcheck dataclass methods 2\n" + importlib.util.MAGIC_NUMBER
"""First bytes of the file: its format and the interpreter's bytecode version."""
MAX_ENTRIES = 4_096
"""Sources kept; with more, only those used by the run that writes are kept."""

_known: dict[str, types.CodeType | bytes] = {}
"""Each source's code; marshalled as read from the file, unmarshalled when a class uses it: the
file holds the methods of every command run (and of the test suite's classes), a hook uses
about half of them."""
_used: set[str] = set()
_new: list[str] = []
_compile = builtins.compile
_exec = builtins.exec


def location() -> str | None:
    """Where the compiled methods are kept (None when this interpreter keeps no bytecode)."""
    tag = sys.implementation.cache_tag
    if not tag:
        return None
    folder = os.path.dirname(importlib.util.cache_from_source(__file__))
    return os.path.join(folder, f"dataclass-methods.{tag}.bin")


def install() -> None:
    """From now on, classes made by ``dataclasses`` reuse the methods' compiled code (once per
    process; a no-op when another ``exec`` is already in front of the builtin)."""
    if "exec" in vars(dataclasses):
        return
    path = location()
    if path is not None:
        _known.update(_read(path))
    dataclasses.exec = exec_source  # type: ignore[attr-defined]
    atexit.register(save)


def exec_source(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    """``exec`` as ``dataclasses`` calls it, with a known source's code instead of its text."""
    if globals is None:  # the caller's namespaces, as the builtin would take them
        frame = sys._getframe(1)
        globals, locals = frame.f_globals, frame.f_locals if locals is None else locals
    if type(source) is str:
        code = _code(source)
        if code is None:
            # The builtin compiles a string under the calling code's __future__ flags, and
            # dataclasses has none: dont_inherit keeps this module's out.
            code = _compile(source, "<string>", "exec", dont_inherit=True)
            _known[source] = code
            _new.append(source)
        _used.add(source)
        source = code
    _exec(source, globals, locals)


def _code(source: str) -> types.CodeType | None:
    """The code kept for ``source`` (unmarshalled on first use), or None."""
    kept = _known.get(source)
    if not isinstance(kept, bytes):
        return kept
    try:
        code = marshal.loads(kept)
    except (ValueError, EOFError, TypeError):
        code = None
    if not isinstance(code, types.CodeType):
        _known.pop(source, None)  # another thread may have dropped it first
        return None
    _known[source] = code
    return code


def save() -> None:
    """Write the compiled methods when this run compiled new ones (never fails: it runs at
    exit, where an error would add a traceback to the command's output)."""
    path = location()
    if not _new or path is None or sys.dont_write_bytecode:
        return
    try:
        entries = {**_read(path), **_known}  # another process may have written some meanwhile
        entries = {s: c if type(c) is bytes else marshal.dumps(c) for s, c in entries.items()}
        if len(entries) > MAX_ENTRIES:
            entries = {source: code for source, code in entries.items() if source in _used}
        data = HEADER + marshal.dumps(entries)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic.write_atomic(path, lambda fh: fh.write(data), binary=True)
    except Exception:  # an unwritable folder only costs compiling next time
        pass
    _new.clear()


def _read(path: str) -> dict[str, types.CodeType | bytes]:
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
    return {s: c for s, c in entries.items() if type(s) is str and type(c) is bytes}
