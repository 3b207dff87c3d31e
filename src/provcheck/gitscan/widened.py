"""Dataset files a configuration change brings under the gate: scanned whole, as if added.

The hook scans what a commit changes, on the reading that what the repository already holds
was checked when it came in. A file an ``exclude:`` glob left out (or no ``include:`` glob
reached) was never checked, so a commit that changes only ``.provcheck.yaml`` to select it (a
configuration change on its own is allowed, and refused beside other paths) brought a copy
under the gate unscanned, exit 0, where moving the file itself into the globs (``git mv``) has
it scanned whole (``changes._Builder.scanned_before``) (adversarial pass 23); so did the CI
gate, ``scan --changed-since``. Such files are now scanned whole.
"""

from __future__ import annotations

import os

from provcheck.gitscan.changes import ChangeSet
from provcheck.gitscan.repo import Repo
from provcheck.inputs import reader_for
from provcheck.projectfile import ProjectConfig


def _globs(value: object) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def newly_selected(repo: Repo, config: ProjectConfig | None, changes: ChangeSet) -> list[str]:
    """Repository paths of the dataset files that ``config`` (the configuration being committed,
    or the working tree's for ``scan --changed-since``) selects and its version in the base
    (``HEAD``, or the revision) did not; none when the change leaves the configuration as it
    was. A configuration in the base that cannot be read selected nothing."""
    if config is None:
        return []
    rel = os.path.relpath(config.path, repo.root).replace(os.sep, "/")
    if rel not in changes.changed_before or rel not in changes.staged_after:
        return []  # unchanged; or new: a first configuration adopts the gate (docs/hook.md)
    base = changes.base_commit or "HEAD"
    old = repo.git("rev-parse", "--verify", "--quiet", f"{base}:{rel}", check=False).strip()
    if not old:
        return []
    import dataclasses

    import yaml

    try:
        data = yaml.safe_load(repo.blob(old.decode()).decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        data = None
    include = _globs(data.get("include")) if isinstance(data, dict) else None
    exclude = _globs(data.get("exclude")) if isinstance(data, dict) else None
    if include is None or exclude is None:
        previous = None  # unreadable: it selected nothing that was checked
    else:
        previous = dataclasses.replace(config, include=include, exclude=exclude)
    out = repo.git("ls-files", "-z", "--full-name", "--", os.path.relpath(config.root, repo.root))
    found = []
    for path in out.decode("utf-8", "surrogateescape").split("\0"):
        if not path or reader_for(path) is None:
            continue
        full = os.path.join(repo.root, path)
        if config.selects(full) and (previous is None or not previous.selects(full)):
            found.append(path)
    return found
