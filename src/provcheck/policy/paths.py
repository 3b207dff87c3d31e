"""The spellings of a dataset path that a rule's path glob (``record.path``, ``declared.file``,
``declared.dataset``) is matched against.

A path was tested as the scan reported it, which is as it was given on the command line: a
rule ``record.path: {glob: "data/**"}`` fired for ``provcheck scan data`` and not for ``scan
$PWD/data`` (a CI step's absolute path) or ``scan .`` run inside ``data/``, and the copy it
blocks passed (adversarial pass 14). A path is now also tried relative to the policy file's
folder and to every folder above it up to the top of its project (the first holding ``.git``
or ``.provcheck.yaml``), so that a glob means one set of files wherever the scan runs.
"""

from __future__ import annotations

import os
from typing import Any

SPELLINGS = "#spellings"
"""Suffix of the context key holding a path field's other spellings."""
_PROJECT_MARKS = (".git", ".provcheck.yaml")


def project_bases(policy_path: str | None) -> tuple[str, ...]:
    """The policy file's folder and the folders above it up to its project's top (the policy's
    folder alone outside a project); none for a shipped pack or a URL."""
    if not policy_path or "://" in policy_path or policy_path.startswith("provcheck:"):
        return ()
    folder = os.path.dirname(os.path.abspath(policy_path))
    bases = [folder]
    while not any(os.path.lexists(os.path.join(folder, mark)) for mark in _PROJECT_MARKS):
        parent = os.path.dirname(folder)
        if parent == folder:
            return (bases[0],)
        folder = parent
        bases.append(folder)
    return tuple(bases)


def spelt(field: str, path: str | None, bases: tuple[str, ...]) -> dict[str, Any]:
    """``{field: path}`` with, when ``path`` has other spellings under ``bases``, every spelling
    under ``field + SPELLINGS`` (what ``Comparison.holds`` tests; messages show ``path``)."""
    out: dict[str, Any] = {field: path}
    if not path or not bases or "://" in path:
        return out
    full = os.path.abspath(path)
    names = [path]
    for base in bases:
        rel = os.path.relpath(full, base)
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep) and rel not in names:
            names.append(rel)
    if len(names) > 1:
        out[field + SPELLINGS] = tuple(names)
    return out
