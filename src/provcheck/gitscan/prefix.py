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
from dataclasses import dataclass
from typing import Any

import numpy as np
import xxhash

CHUNK = 1 << 23
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
    slow = None
    if git is not None:
        slow = hashlib.new(git[0])
        slow.update(git[1])
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
                return None
            chunk = view[:got]
            fast.update(chunk)
            if slow is not None:
                slow.update(chunk)
            if plain:
                found, blank = _newlines(chunk, after_newline)
                lines += found
                # A line that starts with whitespace may be blank (not a record): the caller
                # counts them line by line instead.
                plain = not blank
                after_newline = chunk[-1] == _NEWLINE
            left -= got
    if git is not None and (slow is None or slow.hexdigest() != git[2]):
        return None
    counts = (lines, lines) if plain and after_newline else None
    return Prefix(size, fast, counts)


def _newlines(chunk: memoryview, after_newline: bool) -> tuple[int, bool]:
    """Newlines in ``chunk``, and whether a line of it starts with whitespace (the first one
    too, when the chunk starts a line)."""
    data = np.frombuffer(chunk, dtype=np.uint8)
    at = np.flatnonzero(data == _NEWLINE)
    if after_newline and _IS_WHITESPACE[data[0]]:
        return len(at), True
    starts = at[: -1 if len(at) and at[-1] == len(data) - 1 else None] + 1
    return len(at), bool(_IS_WHITESPACE[data[starts]].any())
