"""Policy files whose structure already passed the schema check: the check is not run again.

Checking a file's structure against ``policy.schema.json`` imports jsonschema and runs it:
~0.1 s of every ``hook run``, for a policy that changes far less often than the data. A file
whose exact bytes passed once passes again, as long as what checks it is the same, so a pass
is remembered in ``policy-checked.json`` under the user's cache directory
(``$PROVCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/provcheck``, beside the index verification
stamps). The key is the SHA-256 of the file's bytes together with a digest of everything the
verdict depends on: the schema file, the code that parses the YAML and checks it
(``yamlfile.py``, ``policy/schema.py``, this module), the provcheck version and PyYAML's files, and the
installed jsonschema package's files (name, size, modification time).

Only a pass is remembered: a file with a problem is checked, and its problems reported, on
every load. A changed byte, schema or checker is another key and is checked again. Everything
else the loader checks (references, dates, regular expressions, includes) runs every time; it
needs no library. If the stamps cannot be read or written, every load checks (slower, never
less safe). Like the result cache, the stamps trust the user's own cache directory.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
from pathlib import Path

import provcheck
from provcheck.policy.loadstate import packs_dir
from provcheck.support import atomic, paths

FILENAME = "policy-checked.json"
MAX_STAMPS = 1_000
"""Passes kept (newest last); older ones are checked again when next loaded."""
_CHECKER = ("yamlfile.py", "policy/schema.py", "policy/checked.py")
"""The code between a policy file's bytes and the schema's verdict, relative to the package."""


@functools.cache
def checker_digest() -> str:
    """Digest of the schema and of everything that decides whether a file passes it."""
    from provcheck.yamlfile import parser_digest  # PyYAML's files: found, not imported

    parser = parser_digest()
    if parser is None:
        raise RuntimeError("PyYAML's files cannot be read")
    digest = hashlib.sha256(f"provcheck {provcheck.__version__}\nyaml {parser}\n".encode())
    from provcheck.policy.schema import SCHEMA_FILE  # no cycle: schema imports no loader code

    digest.update((packs_dir() / SCHEMA_FILE).read_bytes())
    package = Path(provcheck.__file__).parent
    for name in _CHECKER:
        digest.update(name.encode() + b"\0" + (package / name).read_bytes())
    spec = importlib.util.find_spec("jsonschema")  # finds the package without importing it
    if spec is None or spec.origin is None:
        raise RuntimeError("jsonschema is not installed")
    for entry in sorted(os.scandir(os.path.dirname(spec.origin)), key=lambda e: e.name):
        if entry.name.endswith(".py"):
            st = entry.stat()
            digest.update(f"{entry.name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def key(data: bytes) -> str:
    """The stamp of a policy file's bytes under the current checker."""
    return hashlib.sha256(checker_digest().encode() + b"\0" + data).hexdigest()


class Stamps:
    """The remembered passes, read on first use and written once by ``save``."""

    def __init__(self) -> None:
        self._known: dict[str, None] | None = None
        self._new: list[str] = []

    def passed(self, data: bytes) -> bool:
        """True when these bytes passed the structure check under the current checker."""
        stamp = _key_or_none(data)
        if stamp is None:
            return False
        if self._known is None:
            self._known = _load()
        return stamp in self._known

    def remember(self, data: bytes) -> None:
        """These bytes passed the structure check (written by ``save``)."""
        stamp = _key_or_none(data)
        if stamp is None:
            return
        if self._known is None:
            self._known = _load()
        if stamp not in self._known and stamp not in self._new:
            self._new.append(stamp)

    def save(self) -> None:
        """Write the new passes (newest last, at most ``MAX_STAMPS``); failures are ignored."""
        if not self._new:
            return
        known = [k for k in _load() if k not in self._new]  # another process may have added some
        directory = paths.cache_dir()
        try:
            os.makedirs(directory, exist_ok=True)
            stamps = [*known, *self._new][-MAX_STAMPS:]
            atomic.write_text(os.path.join(directory, FILENAME), json.dumps(stamps))
        except OSError:
            pass  # an unwritable cache only costs a check next time
        self._new = []


def _key_or_none(data: bytes) -> str | None:
    """The stamp, or None when the checker cannot be identified (an install without the
    sources, jsonschema not found): then every load checks, as it would without stamps."""
    try:
        return key(data)
    except (OSError, RuntimeError):
        return None


def _load() -> dict[str, None]:
    """The stored passes, oldest first (an ordered set)."""
    try:
        with open(os.path.join(paths.cache_dir(), FILENAME), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}  # none yet, or damaged: check, then rewrite
    if not isinstance(data, list):
        return {}
    return dict.fromkeys(s for s in data if isinstance(s, str))
