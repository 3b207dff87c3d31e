"""Git LFS pointers: recognise them, and find the content they stand for on this machine.

A file tracked by Git LFS is committed as a small pointer (``version``, ``oid sha256:…``,
``size``); the data lives in the local LFS store (``.git/lfs/objects/aa/bb/<oid>``) and, once
checked out, in the working tree. provcheck never runs LFS filters or downloads anything: it
scans an object only when its bytes are already here.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

SPEC = b"version https://git-lfs.github.com/spec/"
MAX_POINTER = 1024
"""Git LFS never writes a pointer larger than this."""
_OID = re.compile(rb"^oid sha256:([0-9a-f]{64})$", re.M)
_SIZE = re.compile(rb"^size (\d+)$", re.M)


@dataclass(frozen=True, slots=True)
class Pointer:
    """What an LFS pointer file says."""

    oid: str
    """SHA-256 of the content, hex."""
    size: int
    """Size of the content in bytes."""

    def short(self) -> str:
        """``sha256:1a2b3c4d…, 1.2 MB`` for messages."""
        return f"sha256:{self.oid[:12]}…, {_human(self.size)}"


def _human(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{size} bytes"  # pragma: no cover - the loop returns


def parse(data: bytes) -> Pointer | None:
    """The pointer in ``data``, or None when ``data`` is not an LFS pointer."""
    if len(data) > MAX_POINTER or not data.startswith(SPEC):
        return None
    oid, size = _OID.search(data), _SIZE.search(data)
    if oid is None or size is None:
        return None
    return Pointer(oid.group(1).decode(), int(size.group(1)))


def object_path(storage: str, pointer: Pointer) -> str:
    """Where git-lfs keeps the object in ``storage`` (``<git dir>/lfs`` by default)."""
    return os.path.join(storage, "objects", pointer.oid[:2], pointer.oid[2:4], pointer.oid)


def sha256_file(path: str) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def locate(pointer: Pointer, storage: str, worktree_file: str | None) -> str | None:
    """A local file holding exactly the pointer's content, or None.

    The LFS store is trusted when the size matches (git-lfs verifies objects when it writes
    them); a working-tree file is used only when its SHA-256 matches the pointer.
    """
    stored = object_path(storage, pointer)
    try:
        if os.path.getsize(stored) == pointer.size:
            return stored
    except OSError:
        pass
    if worktree_file is not None:
        try:
            if os.path.getsize(worktree_file) == pointer.size and sha256_file(worktree_file) == pointer.oid:
                return worktree_file
        except OSError:
            pass
    return None
