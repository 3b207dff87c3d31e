"""Proof that a file starts with its base version's bytes (rows were appended), in one pass.

The hook's common case: a JSON Lines file to which rows were appended. Its committed version
(the base) is never read: hashing the first ``size`` bytes of the new file and comparing with
the base's git blob id (or with a cached xxh3 digest of the base) proves that they are the
base, and the lines past that point are the new ones. Lines are counted on the way, so that
the new records get their place in the file without a second walk over the old ones.

The pass reads into one reused buffer; newlines and lines starting with whitespace (which may
be blank, i.e. not records, and are then counted line by line by the caller) are found one
``mmap.find`` (memchr) at a time while lines are long, as a dataset's rows are, and by numpy
over the rest of a chunk once they prove short. On a 40 MB file the SHA-1 of git's blob id is
most of what is left.

**Started early** (``start_proofs``): the hook knows which files it will prove as soon as git
has answered, before it imports the matcher (~0.2 s of CPU in the main thread). The proof then
runs in a background thread meanwhile — hashlib, numpy and file reads release the GIL — and
the diff selector takes its result instead of hashing again. It is the same function on the
same arguments (checked when the result is taken), so the answer cannot differ.
"""

from __future__ import annotations

import codecs
import hashlib
import mmap
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from provcheck.gitscan import keyed
from provcheck.inputs import line_oriented
from provcheck.inputs.source import sniff_compression

if TYPE_CHECKING:
    from provcheck.gitscan.changes import FileChange

CHUNK = 1 << 23
PARALLEL = 1 << 22
"""A prefix this large has its git hash computed in a second thread (when the proof runs in
the caller's thread: a proof started early runs in one thread of its own)."""
WHITESPACE = b" \t\r\n\x0b\x0c"
"""What ``bytes.strip()`` removes: a line of only these is blank (not a record)."""
_NEWLINE = 10
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # UTF-32 BOMs start like UTF-16's


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


def scan_prefix(
    path: str, size: int, git: tuple[str, bytes, str] | None, *, count: bool, parallel: bool = True
) -> Prefix | None:
    """Hash the first ``size`` bytes of ``path`` (and check them against ``git``'s blob id when
    given: hash name, object header, expected hex digest), counting newlines on the way when
    ``count``; None when the file is shorter or the git check fails. ``parallel``: a large
    prefix's git hash runs in a second thread (faster, a little more CPU: the file is read
    twice); else every hash is fed from the one read."""
    fast = keyed.digest()
    slow = _GitHash(path, size, git) if git is not None and parallel else None
    inline = None
    if git is not None and not parallel:
        inline = hashlib.new(git[0])
        inline.update(git[1])
    try:
        counts = _walk(path, size, fast, count, inline)
    except _Shorter:
        return None
    finally:
        digest = slow.hexdigest() if slow is not None else None  # the thread ends before us
    if inline is not None:
        digest = inline.hexdigest()
    if git is not None and digest != git[2]:
        return None
    return Prefix(size, fast, counts)


class _Shorter(Exception):
    """The file is shorter than the base: not a prefix."""


def _walk(path: str, size: int, fast: Any, count: bool, inline: Any = None) -> tuple[int, int] | None:
    """Feed the first ``size`` bytes to ``fast`` (and ``inline``); (lines, records) when
    ``count`` and every line is a record, else None."""
    lines = 0
    plain = count
    after_newline = True  # the next byte starts a line
    left = size
    buffer = _buffer(size)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as fh:
        while left > 0:
            got = fh.readinto(view[: min(left, CHUNK)])
            if not got:
                raise _Shorter
            chunk = view[:got]
            fast.update(chunk)
            if inline is not None:
                inline.update(chunk)
            if plain:
                found, blank = _newlines(buffer, got, after_newline)
                lines += found
                # A line that starts with whitespace may be blank (not a record): the caller
                # counts them line by line instead.
                plain = not blank
                after_newline = chunk[-1] == _NEWLINE
            left -= got
    return (lines, lines) if plain and after_newline else None


def _buffer(size: int) -> mmap.mmap:
    """A buffer for reading ``size`` bytes a chunk at a time: anonymous memory, whose pages the
    kernel zeroes as the first read touches them, with the GIL released. ``bytearray(8 MiB)``
    zeroes them itself with the GIL held (~5 ms per proof), stalling the matcher's import in
    the main thread while the proof runs in the background. Unmapped when the last view of it
    goes, as a bytearray is freed."""
    return mmap.mmap(-1, min(size, CHUNK) or 1)


class _GitHash:
    """git's object id of the first ``size`` bytes of ``path``, hashed in a thread of its own
    for a large prefix: hashlib releases the GIL, so the SHA-1 (most of the pass: ~1 GB/s)
    overlaps the reading, xxh3 and counting of the main thread on a second core. The thread
    reads the file itself (from the page cache the main thread fills), into one buffer."""

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
            view = memoryview(_buffer(size))
            with open(path, "rb", buffering=0) as fh:
                while left > 0:
                    got = fh.readinto(view[: min(left, CHUNK)])
                    if not got:
                        return  # shorter than the base: no digest, not a prefix
                    digest.update(view[:got])
                    left -= got
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


_WHITESPACE_TABLE: Any = None
SPARSE = 1024
"""Newlines found one ``find`` at a time before their density is judged (and every as many after)."""
LONG = 256
"""Lines at least this long on average are found one ``find`` at a time; shorter ones by numpy."""


def _newlines(buffer: mmap.mmap, got: int, after_newline: bool) -> tuple[int, bool]:
    """Newlines in ``buffer[:got]``, and whether a line of it starts with whitespace (the first
    one too, when the chunk starts a line); the count means nothing when one does.

    A dataset's rows are long (hundreds of bytes to kilobytes): each newline is found by
    ``mmap.find`` (memchr) from the last, ~2.5 times fewer instructions than numpy's compare and
    ``flatnonzero`` over every byte, with no temporary arrays (whose pages cost system time). Once
    the lines prove short, numpy counts the rest of the chunk."""
    if after_newline and buffer[0] in WHITESPACE:
        return 0, True
    found = 0
    at = buffer.find(b"\n", 0, got)
    while at >= 0:
        found += 1
        start = at + 1
        if start < got and buffer[start] in WHITESPACE:
            return found, True
        if found % SPARSE == 0 and start < found * LONG and start < got:
            more, blank = _newlines_numpy(memoryview(buffer)[start:got], after_newline=False)
            return found + more, blank
        at = buffer.find(b"\n", start, got)
    return found, False


def _newlines_numpy(chunk: memoryview, after_newline: bool) -> tuple[int, bool]:
    """``_newlines`` of ``chunk`` by numpy (short lines)."""
    global _WHITESPACE_TABLE
    # numpy is imported here, not with the module: the hook imports this module before it
    # needs numpy, and starts a proof in a background thread that may import it first while
    # the main thread imports the matcher. They cannot wait on each other's import locks:
    # numpy imports only numpy and the standard library, none of which imports provcheck.
    import numpy as np

    if _WHITESPACE_TABLE is None:
        table = np.zeros(256, dtype=bool)
        table[list(WHITESPACE)] = True
        _WHITESPACE_TABLE = table
    data = np.frombuffer(chunk, dtype=np.uint8)
    at = np.flatnonzero(data == _NEWLINE)
    if after_newline and _WHITESPACE_TABLE[data[0]]:
        return len(at), True
    starts = at[: -1 if len(at) and at[-1] == len(data) - 1 else None] + 1
    return len(at), bool(_WHITESPACE_TABLE[data[starts]].any())


def plain(path: str) -> bool:
    """Uncompressed, no byte-order mark: raw lines are the lines the reader sees."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return sniff_compression(head) is None and not head.startswith(_BOMS)


class Proof:
    """``scan_prefix(path, size, git, count=True)`` running in a background thread."""

    def __init__(self, path: str, size: int, git: tuple[str, bytes, str]) -> None:
        self.args = (path, size, git)
        self._found: Prefix | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="provcheck-prefix", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        path, size, git = self.args
        try:
            # One read feeds every hash: the main thread is busy importing meanwhile, so a
            # second reader thread would add CPU without shortening the run.
            self._found = scan_prefix(path, size, git, count=True, parallel=False)
        except BaseException as exc:  # re-raised in the thread that takes the result
            self._error = exc

    def result(self) -> Prefix | None:
        """What ``scan_prefix`` returned (its exception raised here)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._found


def start_proofs(files: Sequence[FileChange]) -> list[FileChange]:
    """``files``, those whose base may start their new version each with a ``Proof`` started:
    the proof the diff selector makes first when there is no result cache (a git blob id to
    check; ``DiffSelector._prefix``). Only for new versions that are local files, plain JSON
    Lines at least as long as the base; anything else is left to the selector as it was."""
    out = []
    for change in files:
        base = change.base
        path = change.new.path
        if (
            change.error is None
            and base is not None
            and path is not None
            and base.size is not None
            and base.ident is not None
            and base.prefix_hash is not None
            and line_oriented(change.path)
            and plain(path)
        ):
            try:
                longer = os.path.getsize(path) >= base.size
            except OSError:
                longer = False
            if longer:
                change = replace(change, proof=Proof(path, base.size, base.prefix_hash))
        out.append(change)
    return out
