"""The dataset files a changed submodule brings into a diff-aware scan.

A submodule is a commit of another repository recorded in its parent's tree (a "gitlink"); its
files live in that repository. ``scan --changed-since REV`` and ``hook run`` saw only the
commit id change and skipped the path, so a copy brought in by a submodule update passed them
(exit 0) while a full scan, which walks the submodule's checked-out folder, blocks it. The
files a submodule changes between the two commits are now found in its own repository
(``changes.since``, recursively for submodules inside it) and scanned **whole**: their earlier
versions are blobs of another repository, which the record selector does not read, and
scanning more is the strict side. A submodule that is not checked out, or not at the commit the
hook judges, cannot be read: an unreadable input (exit 4), never a silent skip.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

from provcheck.errors import InputError
from provcheck.gitscan import changes
from provcheck.gitscan.repo import GITLINK_MODE, Repo

if TYPE_CHECKING:
    from provcheck.gitscan.changes import ChangeSet, FileChange, _Builder


def add(b: _Builder, staged: bool) -> ChangeSet:
    """``b``'s changes with those of every changed submodule; ``staged``: the commit being made
    (each submodule must be checked out at the commit staged for it, with no other change)."""
    for e in b.gitlinks:
        display = b.display(e.path)
        root = os.path.join(b.repo.root, e.path)
        old = e.old_oid if e.old_mode == GITLINK_MODE else None
        # The paths given inside the submodule (`scan --changed-since REV ds/data`), else all of it.
        inner = [os.path.join(b.repo.root, s) for s in b.scopes if s.startswith(e.path + "/")] or [root]
        try:
            sub, base, note = _open(root, e.new_oid if staged else None, old)
            found = changes.since(sub, base, inner, b.config, b.lfs_mode, b.cwd, commit=base)
        except InputError as exc:
            # A submodule whose files cannot be compared is read by no one: unreadable input.
            error = f"submodule: {exc.message}"
            b.out.files.append(
                changes.FileChange(display, e.path, "modified", changes.Version(None, None), error=error)
            )
            continue
        if staged:  # untracked files of the submodule are not in the commit staged for it
            found.files = [c for c in found.files if c.status != "untracked"]
        where = f"in submodule {e.path} ({note}): scanned whole"
        b.out.files += [_inside(c, e.path, where) for c in found.files]
        b.out.declaring += [_inside(c, e.path, where) for c in found.declaring]
        b.out.skipped += found.skipped
        b.out.not_scanned += found.not_scanned
    return b.out


def _inside(change: FileChange, prefix: str, note: str) -> FileChange:
    """A change found in a submodule, as a path of the parent repository, scanned whole."""
    return dataclasses.replace(
        change,
        path=f"{prefix}/{change.path}",
        old_path=f"{prefix}/{change.old_path}" if change.old_path else None,
        base=None,
        note=note if change.note is None else f"{change.note}; {note}",
        proof=None,
    )


def _open(root: str, staged: str | None, old: str | None) -> tuple[Repo, str, str]:
    """The submodule's repository, what its files are compared with, and how it changed."""
    if not os.path.exists(os.path.join(root, ".git")):
        raise InputError(
            "not checked out here, so the files it brings cannot be scanned "
            "(run `git submodule update --init` first)"
        )
    sub = Repo(root, nested=True)
    if staged is not None:
        head = sub.git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).decode().strip()
        if head != staged:
            raise InputError(
                f"the commit stages its commit {staged[:12]}, but {(head or 'no commit')[:12]} is "
                "checked out: check out the staged commit to scan what it brings"
            )
        if sub.git("diff", "--name-only", "--ignore-submodules=none", "HEAD", "--"):
            raise InputError(
                "it has changes its staged commit does not hold: commit or stash them in the submodule first"
            )
    if (
        old is not None
        and sub.git("rev-parse", "--verify", "--quiet", f"{old}^{{commit}}", check=False).strip()
    ):
        return sub, old, f"changed since {old[:12]}"
    why = "added" if old is None else f"its earlier commit {old[:12]} is not in its repository"
    return sub, sub.empty_tree(), f"{why}: every file is new"
