"""A symbolic link in a diff-aware scan that leads outside the repository, to a file.

``scan data`` reads ``data/part-2.jsonl -> /mnt/big/part-2.jsonl`` through the link, as a
trainer reading the folder reads it (adversarial pass 18). The hook and
``scan --changed-since`` skipped such a link with a note ("outside the repository: not
scanned") and passed, exit 0, with a copy in the file it leads to (adversarial pass 20). They
now read it too, whole, at the link's path: the file this machine reads through the link (the
staged link's target for the hook). A link to a folder, to nothing, or into ``/proc``, ``/sys``
or ``/dev`` is still noted and skipped.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provcheck.gitscan.changes import FileChange

SYSTEM = ("/proc", "/sys", "/dev")
"""Never a dataset (a full scan does not follow links into them either)."""
NOTE = "symbolic link outside the repository: its target is scanned whole"


def readable(real: str) -> bool:
    """True when ``real`` (a resolved path) is a regular file outside the system folders."""
    return os.path.isfile(real) and not any(real == s or real.startswith(s + os.sep) for s in SYSTEM)


def change(display: str, link: str, real: str) -> FileChange:
    """The staged link ``link`` read whole through the file it leads to (an unreadable one is
    reported unreadable: the scan is incomplete)."""
    from provcheck.gitscan.changes import FileChange, Version  # which imports this module

    try:
        size = os.path.getsize(real)
    except OSError as exc:
        return FileChange(display, link, "linked", Version(None, None), error=f"cannot read: {exc.strerror}")
    return FileChange(display, link, "linked", Version(ident=None, size=size, path=real), note=NOTE)
