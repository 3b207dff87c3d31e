"""The one way provcheck replaces a file: whole or not at all, and never over something else.

Reports, waivers files, index manifests, verification stamps and the git hook are all written
here, so that every one of them gets the same guarantees:

- a regular file is written to a temporary file beside it and renamed over it once complete
  (an interrupted or failed write leaves the previous file, or nothing);
- a special file (a character device such as ``/dev/null``, a FIFO, a socket, a terminal) is
  written *in place*: renaming over it would replace ``/dev/null`` with a regular file for the
  whole machine when run as root;
- a symbolic link is followed: its target is replaced, the link stays a link;
- the new file gets the mode of the file it replaces, else the usual ``0o666`` less the umask
  (a temporary file from ``mkstemp`` would be ``0o600`` whatever the user asked for);
- ``durable`` writes (index manifests, the data a later run trusts) are fsynced, and so is the
  directory after the rename; reports are flushed only, like any other program's output.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from typing import IO, Any

Writer = Callable[[Any], object]
"""Writes the content to an open stream (text or binary, as asked)."""

_BUFFER = 1 << 20


def is_special(path: str) -> bool:
    """True when ``path`` exists and is neither a regular file nor a directory (after links)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def same_file(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` name the same file: the same existing inode, or the same
    resolved path (for files not yet written)."""
    with contextlib.suppress(OSError):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


class Staged:
    """A regular file written whole to a temporary file beside its target, not yet in place:
    ``commit`` renames it over the target, ``discard`` removes it (a no-op once committed)."""

    __slots__ = ("done", "durable", "target", "tmp")

    def __init__(self, tmp: str, target: str, durable: bool) -> None:
        self.tmp, self.target, self.durable, self.done = tmp, target, durable, False

    def commit(self) -> None:
        os.replace(self.tmp, self.target)
        self.done = True
        if self.durable:
            fsync_dir(os.path.dirname(self.target))

    def discard(self) -> None:
        if not self.done:
            self.done = True
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)


def stage(
    path: str, write: Writer, *, binary: bool = False, durable: bool = False, mode: int | None = None
) -> Staged:
    """The first half of ``write_atomic`` for a regular file (or a link to one, or a new file):
    the content written to a temporary file beside the target, to be committed or discarded.
    Several outputs staged first and committed together are all written or none (a full disk on
    the second report left the first one written). Raises as ``write_atomic`` does."""
    if os.path.isdir(path):
        raise IsADirectoryError(21, "Is a directory", path)
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    try:
        existing = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        existing = None
    import secrets  # here: its import (hmac, base64) is on the path of every command, its use is not

    tmp = os.path.join(directory, f".{os.path.basename(target)}.{secrets.token_hex(4)}.tmp")
    # 0o666 through os.open: the umask applies, as for any file a program creates.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with _open(fd, binary) as fh:
            wanted = mode if mode is not None else existing
            if wanted is not None:
                os.fchmod(fh.fileno(), wanted)
            write(fh)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Staged(tmp, target, durable)


def write_atomic(
    path: str,
    write: Writer,
    *,
    binary: bool = False,
    durable: bool = False,
    mode: int | None = None,
) -> None:
    """Write ``path`` through ``write`` (see the module docstring for what is guaranteed).

    ``mode`` forces the permissions of a new or replaced regular file (the hook is 0o755);
    otherwise an existing file's mode is kept and a new file follows the umask. Raises
    ``OSError`` (``IsADirectoryError`` for a directory) and whatever ``write`` raises; the
    target is then unchanged.
    """
    if os.path.isdir(path):
        raise IsADirectoryError(21, "Is a directory", path)
    if is_special(path):
        # Opened by the name given: /dev/stdout on a pipe resolves to no path realpath can name.
        _write_in_place(path, write, binary)
        return
    staged = stage(path, write, binary=binary, durable=durable, mode=mode)
    try:
        staged.commit()
    finally:
        staged.discard()


def probe(path: str) -> None:
    """Raise the ``OSError`` that ``write_atomic`` would meet creating its temporary file beside
    ``path`` (a folder one may not write to, a read-only or virtual file system), before any
    work is done; a special file is written in place and is not probed."""
    if is_special(path):
        return
    import secrets  # as in ``write_atomic``: not on the path of every command

    target = os.path.realpath(path)
    tmp = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.{secrets.token_hex(4)}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600))
    os.unlink(tmp)


def write_text(path: str, text: str, *, durable: bool = False, mode: int | None = None) -> None:
    """``write_atomic`` of a string."""
    write_atomic(path, lambda fh: fh.write(text), durable=durable, mode=mode)


def fsync_dir(directory: str) -> None:
    """Make a rename in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open(fd: int, binary: bool) -> IO[Any]:
    if binary:
        return os.fdopen(fd, "wb", buffering=_BUFFER)
    return os.fdopen(fd, "w", encoding="utf-8", buffering=_BUFFER)


def _write_in_place(target: str, write: Writer, binary: bool) -> None:
    """A device, FIFO or socket: opened for writing as it is, never truncated or replaced."""
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    with _open(fd, binary) as fh:
        write(fh)
        fh.flush()


def leftovers(path: str) -> list[str]:
    """Temporary files a killed writer of ``path`` left beside it (``write_atomic`` removes its
    own on any error it sees; SIGKILL leaves them)."""
    target = os.path.realpath(path)
    prefix = f".{os.path.basename(target)}."
    try:
        names = os.listdir(os.path.dirname(target))
    except OSError:
        return []
    return [
        os.path.join(os.path.dirname(target), n) for n in names if n.startswith(prefix) and n.endswith(".tmp")
    ]
