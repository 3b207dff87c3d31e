"""Checksums of index files, verified on open without re-reading unchanged files.

Every file's xxh3 digest is in the manifest. Opening an index verifies each file whose
(size, modification time, inode) it has not verified before: a file changed by any write —
one flipped byte included — is read and checked again, so damage is reported on open instead
of becoming a wrong answer. Files verified once are remembered in a small stamp file under the
user's cache directory (``$PROVCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/provcheck``, else
``~/.cache/provcheck``), keyed by the file's absolute path and expected digest, so the next
open costs a ``stat`` per file. If the cache cannot be written, files are verified on every
open (slower, never less safe).

A file modified less than ``RACY_SECONDS`` before it was verified is not remembered (git's
"racy clean" rule): file systems keep modification times in ticks of milliseconds to seconds,
so a write just after the check could leave the same time behind. A fresh index is therefore
read once more by the first open after it settles. ``provcheck index verify`` always reads
every file: a change that also restores the old modification time is found only by it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable

import xxhash

from provcheck.errors import IndexCorruptError
from provcheck.support import atomic, paths

_STAMPS = "verified.json"
_MAX_STAMPS = 20_000


def cache_dir() -> str:
    """Where provcheck keeps per-user state."""
    return paths.cache_dir()


def file_digest(path: str) -> str:
    """xxh3-64 of a file's bytes, hex."""
    h = xxhash.xxh3_64()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


RACY_SECONDS = 2
"""Files modified this recently when verified are verified again next time."""


def _stamp(path: str, digest: str) -> tuple[str, int] | None:
    """The file's identity for the stamp cache, and its modification time (ns)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{os.path.abspath(path)}|{digest}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}", st.st_mtime_ns


_read: tuple[tuple[str, int, int, int], dict[str, None]] | None = None
"""The stamps last read, with the file's (path, inode, size, modification time): an index of
204 sources opens 204 shards, and each checked its files against a fresh parse of the file."""


def _load() -> dict[str, None]:
    """The stamps, oldest first (an ordered set; read-only for callers)."""
    global _read
    path = os.path.join(cache_dir(), _STAMPS)
    try:
        st = os.stat(path)
        identity = (path, st.st_ino, st.st_size, st.st_mtime_ns)
        if _read is not None and _read[0] == identity:
            return _read[1]  # unchanged: it is replaced (a new inode) whenever it is written
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        stamps = dict.fromkeys(str(s) for s in data) if isinstance(data, list) else {}
        _read = (identity, stamps)
        return stamps
    except (OSError, ValueError):
        return {}  # no cache yet, or a damaged one: verify, then rewrite it


def _save(stamps: list[str]) -> None:
    directory = cache_dir()
    # Stamps of files that are gone (indexes of removed work directories) are dropped: they can
    # never match again, and a cache full of them was parsed on every index open (2.6 MB, ~30 ms
    # a command, after a day of benchmark runs). A stat each, only when something was verified.
    stamps = [s for s in stamps if os.path.exists(s.split("|", 1)[0])]
    try:
        os.makedirs(directory, exist_ok=True)
        # The newest are kept: cutting the sorted list instead dropped the stamps of paths that
        # sort first, so a full cache re-read those indexes on every open.
        atomic.write_text(os.path.join(directory, _STAMPS), json.dumps(stamps[-_MAX_STAMPS:]))
    except OSError:
        pass  # an unwritable cache only costs a re-verification next time


def check(files: Iterable[tuple[str, str]]) -> None:
    """Check ``(path, expected digest)`` pairs; raise on the first mismatch."""
    stamps = _load()
    verified: dict[str, None] = {}
    settled = time.time_ns() - RACY_SECONDS * 10**9
    for path, digest in files:
        found = _stamp(path, digest)
        if found is None or found[0] in stamps:
            continue
        if file_digest(path) != digest:
            raise IndexCorruptError(
                f"{path}: checksum mismatch: the file was modified or damaged since it was written",
                hint="restore the index or rebuild it; `provcheck index verify` lists every damaged file",
            )
        stamp, modified = found
        if modified < settled:
            verified[stamp] = None
    if verified:
        _save([*stamps, *(v for v in verified if v not in stamps)])
