"""Gate files a merge commit brings as they are on the branch merged in.

``git merge main`` on a branch, after main changed its policy in a commit of its own (the way
the hook asks for) and took other commits, was refused as a change of the gate beside other
paths, and the refusal's way out (commit the configuration on its own) cannot be taken in a
merge: leaving the other paths out would drop them from it (adversarial pass 12). A gate file the
merge holds exactly as a commit merged in holds it, whose last change there was a commit of gate
files only, was judged on its own where it was made, and is not a change of this commit. A
resolution that edits it, or a branch that changed it beside other paths (``--no-verify``), is
still refused.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Collection

from provcheck.gitscan.repo import Repo

_MERGED_ENV = re.compile(r"GITHEAD_[0-9a-f]{40,64}")
"""Git's pre-merge-commit hook runs before MERGE_HEAD is written; git names each commit being
merged in its environment then (``GITHEAD_<id>=branch``)."""


def merge_heads(repo: Repo) -> list[str]:
    """The commits being merged: ``MERGE_HEAD`` (``git commit`` concluding a merge), or git's
    environment during ``pre-merge-commit``; empty outside a merge."""
    heads = [k[len("GITHEAD_") :] for k in os.environ if _MERGED_ENV.fullmatch(k)]
    with contextlib.suppress(OSError), open(repo.git_path("MERGE_HEAD"), encoding="ascii") as fh:
        heads += fh.read().split()
    return list(dict.fromkeys(heads))


def merged_in(repo: Repo, paths: list[str], gate: Collection[str] = ()) -> set[str]:
    """Of the gate's ``paths`` that a merge commit changes, those it brings as a commit merged
    in holds them, last changed there by a commit of gate files only (``paths`` and ``gate``)."""
    heads = merge_heads(repo)
    if not heads or not paths or any("\n" in p for p in paths):  # one question a line
        return set()
    asked = [f":{p}" for p in paths] + [f"{h}:{p}" for h in heads for p in paths]
    out = repo.git("cat-file", "--batch-check=%(objectname)", stdin="".join(f"{a}\n" for a in asked).encode())
    lines = out.decode("utf-8", "surrogateescape").splitlines()
    oids = [None if line.endswith(" missing") else line.strip() for line in lines]
    n, allowed = len(paths), {*paths, *gate}
    found = set()
    for i, path in enumerate(paths):
        for h, head in enumerate(heads):
            if oids[n + h * n + i] == oids[i] and _changed_alone(repo, head, path, allowed):
                found.add(path)
                break
    return found


def _changed_alone(repo: Repo, head: str, path: str, allowed: set[str]) -> bool:
    """True when the last commit (not a merge) of ``head``'s history that changed ``path``
    changed nothing but ``allowed`` paths."""
    last = repo.git("log", "-1", "--no-merges", "--format=%H", head, "--", path).decode().strip()
    if not last:
        return False
    out = repo.git("diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "--root", last)
    return {p for p in out.decode("utf-8", "surrogateescape").split("\0") if p} <= allowed
