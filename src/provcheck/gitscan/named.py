"""Files named to ``hook run`` that are neither changed by the commit nor in the index.

``provcheck hook run data/trian.jsonl`` (a typo, a name in the wrong case, a folder, an
untracked file) scanned nothing and said "no staged dataset records to scan", exit 0: the
user took the file for checked (adversarial pass 20). ``scan`` refuses a name that is not there
(exit 4); the hook now refuses a name it cannot find in the commit or the index (exit 2). The
pre-commit framework names files git lists, which are found: when every name is a path the
commit changes, git is not asked again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from provcheck.errors import UsageError

if TYPE_CHECKING:
    from provcheck.gitscan.changes import ChangeSet
    from provcheck.gitscan.repo import Repo

_NAMED_LIMIT = 1000
"""More names than this are looked up in the whole index listing (git's command line is limited)."""


def refuse_unknown_files(repo: Repo, files: Sequence[str], changes: ChangeSet, cwd: str = ".") -> None:
    """``UsageError`` for a name of ``files`` that is no path of the commit nor of the index."""
    from provcheck.gitscan.changes import repo_path

    names = {repo_path(repo, os.path.abspath(cwd), f): f for f in files}
    rest = [n for n in names if n not in changes.staged_paths]
    if not rest:
        return
    specs = rest if len(rest) <= _NAMED_LIMIT else []  # literal: ``GIT_LITERAL_PATHSPECS``
    out = repo.git("ls-files", "-z", "--full-name", "--", *specs)
    known = set(out.decode("utf-8", "surrogateescape").split("\0"))
    missing = [names[n] for n in rest if n not in known]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        folder = os.path.isdir(os.path.join(cwd, missing[0]))
        what = "a folder: hook run takes files" if folder else "not a file of this commit or of the index"
        raise UsageError(
            f"{missing[0]}{more}: {what}; nothing of it would be checked",
            hint="name staged files (names are case-sensitive; git add a new file first), or give "
            "no FILES to check every staged file",
        )
