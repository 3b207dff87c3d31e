"""Archives (``.zip``, ``.tar``, ``.tar.gz``/``.tgz``, ``.tar.xz``, ``.tar.bz2``, ``.tar.zst``)
read member by member, streamed, never extracted to disk.

An archive of JSON Lines in a scanned folder was listed as "unsupported type" and the scan
passed (exit 0) with a copy inside. Each member is now selected as a file in a folder is
(hidden, unsupported type) and a dataset member is read as a file of its own, located
``archive.zip!inner/path.jsonl``. What is not read is listed and counted, with the archive
named.

Limits (``Limits``, the same bounds as a compressed file): at most ``max_archive_members``
members; a tar archive's whole stream is decompressed through ``InputSource.open`` (at most
``max_expansion`` times its size, and at least ``min_decompressed``); a zip member whose
declared size is more than ``max_expansion`` times its compressed size (past
``min_decompressed``) is not read, nor members past that total for the whole archive; an
archive inside an archive and an encrypted member are not read: each is a located error, so the
scan is incomplete (exit 4). Links and devices in a tar archive are not followed: counted; a
link to a hidden member of the archive is a located error (what it holds is read under neither
name). A damaged archive: the members before the damage are read, then one located error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from provcheck.inputs.base import unicode_text
from provcheck.inputs.source import Limits
from provcheck.model import NotScanned, RecordError

ARCHIVE_SUFFIXES = {
    ".zip": "zip",
    ".tar": "tar",
    ".tgz": "tar",
    ".tar.gz": "tar",
    ".txz": "tar",
    ".tar.xz": "tar",
    ".tbz": "tar",
    ".tbz2": "tar",
    ".tar.bz2": "tar",
    ".tzst": "tar",
    ".tar.zst": "tar",
}
"""Archive kind per file suffix (lower case)."""
HIDDEN = "hidden"
LINK = "link inside an archive, not followed"
SPECIAL = "device, pipe or other special member of an archive, not read"
NESTED = (
    "an archive inside an archive is not read (the scan is incomplete); extract it and scan the "
    "folder, or exclude the archive"
)
ENCRYPTED = "encrypted member of a zip archive: not read (the scan is incomplete); scan it decrypted"


def archive_kind(name: str) -> str | None:
    """``zip`` or ``tar`` for an archive's name (``x.tar.gz``, ``x.ZIP``), else None."""
    lower = name.lower()
    for suffix, kind in ARCHIVE_SUFFIXES.items():
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return kind
    return None


@dataclass(frozen=True, slots=True)
class Member:
    """A member of an archive to read as a dataset file."""

    display: str
    """``archive.zip!inner/path.jsonl``."""
    name: str
    """Its path inside the archive (chooses the reader, by suffix)."""
    stream: BinaryIO
    """Its bytes (read in order: the next member is not ready before this one is read)."""
    size: int
    """Its size as the archive declares it."""
    reopen: Callable[[], BinaryIO] | None = None
    """A fresh stream of its bytes (a zip member); None when it can be read once (tar)."""

    @property
    def extracted(self) -> str:
        """Its path as extractors write it: ``extracted_path(name)``."""
        return extracted_path(self.name)


def extracted_path(name: str) -> str:
    """A member's path with the steps ``.`` and ``..`` (and empty ones) left out, as extractors
    write it under the folder they extract to (``../x.jsonl`` as ``x.jsonl``): the path
    ``include:``/``exclude:`` globs match, inside the archive's own folder. A ``..`` matched as
    written (``data/a.zip/../x.jsonl`` is ``data/x.jsonl``) let an exclude of a file beside the
    archive leave the member out uncounted (adversarial pass 18)."""
    parts = [p for p in name.split("/") if p not in ("", ".", "..")]
    return "/".join(parts) or name


class Locations:
    """Each member's location in an archive, ``archive.zip!inner/path.jsonl``, unique: a zip or
    tar may hold two members of one name (``tar -r`` appends a newer copy; ``zipfile`` writes a
    second entry of a name with a warning), and both were located ``a.zip!x.jsonl``, so a
    finding at ``a.zip!x.jsonl:1`` did not say which member and their file entries were one
    (adversarial pass 18). The second member of a name is ``a.zip!x.jsonl (2)``, the third
    ``(3)``, in archive order, so a location stays what it is while the archive is unchanged
    (an appended member never renames the ones before it). A file beside the archive literally
    named as the location (``a.zip!x.jsonl``) keeps it; the member is ``a.zip!x.jsonl (2)``."""

    __slots__ = ("_display", "_seen")

    def __init__(self, display: str) -> None:
        self._display = display
        self._seen: set[str] = set()

    def __call__(self, name: str) -> str:
        where = first = f"{self._display}!{unicode_text(name)}"
        n = 1
        if "://" not in where and os.path.lexists(where):
            # A file literally named `a.zip!x.jsonl` beside `a.zip` holds that location: the
            # member was located where the file is, and their findings could not be told apart.
            self._seen.add(where)
        while where in self._seen:
            n += 1
            where = f"{first} ({n})"
        self._seen.add(where)
        return where


Selected = Member | NotScanned | RecordError


def members(display: str, fs_path: str, kind: str, limits: Limits) -> Iterator[Selected]:
    """The members of the archive at ``fs_path`` (``kind``: ``zip`` or ``tar``) in archive
    order: those to read (the caller chooses the reader by name or content, as for a file in a
    folder), and those listed as not read or in error."""
    from provcheck.inputs import unpack  # zipfile and tarfile: only when there is an archive

    if kind == "zip":
        yield from unpack.zip_members(display, fs_path, limits)
    else:
        yield from unpack.tar_members(display, fs_path, limits)
