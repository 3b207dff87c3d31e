"""What a changed file's content says, when its name does not: a report provcheck wrote, an
archive, or a dataset under a name provcheck does not read (``gitscan.changes``)."""

from __future__ import annotations

import os
import tempfile

from provcheck.errors import InputError
from provcheck.gitscan.repo import Repo
from provcheck.inputs import own_report, sniffed
from provcheck.inputs.archives import archive_kind


def data_by_content(repo: Repo, path: str, oid: str | None) -> bool:
    """An archive, or a dataset under a name provcheck does not read (``inputs.sniff``): it
    is scanned (or refused, located) as a full scan reads it, never skipped in silence."""
    if archive_kind(os.path.basename(path)):
        return True
    if sniffed(os.path.join(repo.root, path), path) is not None:
        return True
    if oid is None:
        return False
    with tempfile.TemporaryDirectory(prefix="provcheck-blob-") as tmp:
        copy = os.path.join(tmp, "blob")
        try:
            repo.blob_to_file(oid, copy)
        except (OSError, InputError):
            return True  # scanned, and the scan reports what cannot be read
        return sniffed(copy, path) is not None


def blob_is_report(repo: Repo, oid: str) -> bool:
    """The staged blob is a report too: a dataset staged and then overwritten in the working
    tree by a report must not be skipped (what is committed is the dataset)."""
    with tempfile.TemporaryDirectory(prefix="provcheck-blob-") as tmp:
        copy = os.path.join(tmp, "blob")
        try:
            repo.blob_to_file(oid, copy)
        except (OSError, InputError):
            return False  # scanned, and the scan reports what cannot be read
        return own_report(copy)
