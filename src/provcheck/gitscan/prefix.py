"""Proof that a file starts with its base version's bytes (rows were appended), in one pass.

The hook's common case: a JSON Lines file to which rows were appended. Its committed version
(the base) is never read: hashing the first ``size`` bytes of the new file and comparing with
the base's git blob id (or with a cached xxh3 digest of the base) proves that they are the
base, and the lines past that point are the new ones. Lines are counted on the way, so that
the new records get their place in the file without a second walk over the old ones.

The pass reads into one reused buffer; newlines and lines starting with whitespace (which may
be blank, i.e. not records, and are then counted line by line by the caller) are found with
numpy, about three times faster than ``bytes.count`` and a regular expression. On a 40 MB file
the SHA-1 of git's blob id is most of what is left.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import xxhash

CHUNK = 1 << 23
PARALLEL = 1 << 22
"""A prefix this large has its git hash computed in a second thread."""
WHITESPACE = b" \t\r\n\x0b\x0c"
"""What ``bytes.strip()`` removes: a line of only these is blank (not a record)."""
_IS_WHITESPACE = np.zeros(256, dtype=bool)
_IS_WHITESPACE[list(WHITESPACE)] = True
_NEWLINE = 10


@dataclass(slots=True)
class Prefix:
    """The base's bytes start the new version: where its new lines start, and how many lines
    and records come before."""

    end: int
    """Bytes of the base."""
    digest: Any
    """xxh3-128 state over those bytes (continued over the rest: the new version's digest)."""
    counts: tuple[int, int] | None
    """(lines, records) before ``end`` when they are known, i.e. the base ends with a newline
    and no line of it is blank; else None (the old lines are walked)."""


def scan_prefix(path: str, size: int, git: tuple[str, bytes, str] | None, *, count: bool) -> Prefix | None:
    """Hash the first ``size`` bytes of ``path`` (and check them against ``git``'s blob id when
    given: hash name, object header, expected hex digest), counting newlines on the way when
    ``count``; None when the file is shorter or the git check fails."""
    fast = xxhash.xxh3_128()
    slow = _GitHash(path, size, git) if git is not None else None
    try:
        counts = _walk(path, size, fast, count)
    except _Shorter:
        return None
    finally:
        digest = slow.hexdigest() if slow is not None else None  # the thread ends before us
    if git is not None and digest != git[2]:
        return None
    return Prefix(size, fast, counts)


class _Shorter(Exception):
    """The file is shorter than the base: not a prefix."""


def _walk(path: str, size: int, fast: Any, count: bool) -> tuple[int, int] | None:
    """Feed the first ``size`` bytes to ``fast``; (lines, records) when ``count`` and every
    line is a record, else None."""
    lines = 0
    plain = count
    after_newline = True  # the next byte starts a line
    left = size
    buffer = bytearray(min(size, CHUNK) or 1)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as fh:
        while left > 0:
            got = fh.readinto(view[: min(left, CHUNK)])
            if not got:
                raise _Shorter
            chunk = view[:got]
            fast.update(chunk)
            if plain:
                found, blank = _newlines(chunk, after_newline)
                lines += found
                # A line that starts with whitespace may be blank (not a record): the caller
                # counts them line by line instead.
                plain = not blank
                after_newline = chunk[-1] == _NEWLINE
            left -= got
    return (lines, lines) if plain and after_newline else None


class _GitHash:
    """git's object id of the first ``size`` bytes of ``path``, hashed in a thread of its own
    for a large prefix: hashlib releases the GIL, so the SHA-1 (most of the pass: ~1 GB/s)
    overlaps the reading, xxh3 and counting of the main thread on a second core. The thread
    reads the file itself (from the page cache the main thread fills)."""

    def __init__(self, path: str, size: int, git: tuple[str, bytes, str]) -> None:
        self._args = (path, size, git[0], git[1])
        self._digest: str | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if size >= PARALLEL:
            self._thread = threading.Thread(target=self._run, name="provcheck-git-hash", daemon=True)
            self._thread.start()
        else:
            self._run()

    def _run(self) -> None:
        path, size, name, header = self._args
        try:
            digest = hashlib.new(name)
            digest.update(header)
            left = size
            with open(path, "rb", buffering=0) as fh:
                while left > 0:
                    chunk = fh.read(min(left, CHUNK))
                    if not chunk:
                        return  # shorter than the base: no digest, not a prefix
                    digest.update(chunk)
                    left -= len(chunk)
            self._digest = digest.hexdigest()
        except BaseException as exc:  # re-raised in the caller's thread
            self._error = exc

    def hexdigest(self) -> str | None:
        """The object id (hex), or None when the file is shorter than ``size``."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._digest


def _newlines(chunk: memoryview, after_newline: bool) -> tuple[int, bool]:
    """Newlines in ``chunk``, and whether a line of it starts with whitespace (the first one
    too, when the chunk starts a line)."""
    data = np.frombuffer(chunk, dtype=np.uint8)
    at = np.flatnonzero(data == _NEWLINE)
    if after_newline and _IS_WHITESPACE[data[0]]:
        return len(at), True
    starts = at[: -1 if len(at) and at[-1] == len(data) - 1 else None] + 1
    return len(at), bool(_IS_WHITESPACE[data[starts]].any())
