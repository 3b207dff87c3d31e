"""A diff-aware scan whose configuration's globs select none of the repository's dataset files.

``scan .`` refuses a folder where ``.provcheck.yaml``'s ``include:``/``exclude:`` select none
of its dataset files (``api.py``): a glob that matches nothing is a typo, and the scan would
pass having read nothing. The hook and ``scan --changed-since`` only look at the changed files,
and left a staged copy out as "matched by no include: glob" with exit 0 on every commit
(``include: [datasets/**]`` for a ``data/`` folder; adversarial pass 20). They now refuse the
same case: a changed dataset file left out by the globs while they select no dataset file of the
repository at all. A commit whose dataset files the globs select, or that changes none, costs
nothing more; the repository's files are listed (one ``git ls-files``) only when a changed
dataset file was left out.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from provcheck.errors import ConfigError
from provcheck.inputs import reader_for

if TYPE_CHECKING:
    from provcheck.gitscan.changes import ChangeSet
    from provcheck.gitscan.repo import Repo
    from provcheck.projectfile import ProjectConfig


def refuse_globs_selecting_nothing(repo: Repo, config: ProjectConfig | None, changes: ChangeSet) -> None:
    """``ConfigError`` (exit 6) when a changed dataset file was left out by ``config``'s
    ``include``/``exclude`` globs and they select none of the repository's dataset files
    (tracked, staged or untracked and not ignored, under the configuration's folder)."""
    if config is None or not (config.include or config.exclude):
        return
    left = [
        s.path
        for s in changes.skipped
        if (reason := config.left_out(os.path.abspath(s.path))) is not None and reason == s.reason
    ]
    if not left:
        return
    files: set[str] = set()
    top, folder = os.path.realpath(repo.root), os.path.realpath(config.root)
    scope = config.root if folder == top or folder.startswith(top + os.sep) else repo.root
    # Tracked, staged and untracked files; then those of submodules (git lists them apart).
    for listing in (("--cached", "--others", "--exclude-standard"), ("--cached", "--recurse-submodules")):
        out = repo.git("ls-files", "-z", "--full-name", *listing, "--", scope, check=False)
        files |= {
            p for p in out.decode("utf-8", "surrogateescape").split("\0") if p and reader_for(p) is not None
        }
        if any(config.selects(os.path.join(repo.root, p)) for p in files):
            return
    key = "include" if config.include else "exclude"
    globs = ", ".join(config.include or config.exclude)
    count = max(len(files), len(left))
    raise ConfigError(
        [
            f"{config.where(key)}: {key}: {globs}: the include/exclude globs select none of the "
            f"{count} dataset file(s) of the repository under {config.root}; {left[0]} (changed) "
            "was left out by them, as every dataset file of every commit would be, and the run "
            "would pass having read nothing"
        ],
        hint="correct the globs (docs/globs.md: `*` stays within a folder, `**` spans folders); "
        "when the data they name is not added yet, add it in this commit or leave them out until it is",
    )
