"""The two glob dialects provcheck understands, each in one place (see docs/globs.md).

- **Path globs** (``.provcheck.yaml`` ``include``/``exclude``, a waiver's ``path``, policy
  conditions on ``record.path``, ``declared.file``, ``declared.dataset``): ``*`` and ``?``
  never cross ``/``; ``**`` as a whole path segment spans any number of folders; ``[...]`` is
  a character class (``[!...]`` negated). A pattern matches whole file paths, never a folder
  prefix: ``ds4/*`` matches ``ds4/x.jsonl`` and not ``ds4/sub/x.jsonl``. Matching is
  case-sensitive but for ``include`` (which selects files to scan: there the wider reading
  wins), a leading dot is an ordinary character, and every character of a file name (a
  newline included) is matched like any other. The matching is wcmatch's (``GLOBSTAR |
  DOTGLOB | FORCEUNIX``), a maintained library with exactly these rules.
- **Name globs** (a policy's ``generators``, ``glob`` conditions on other fields, a waiver's
  ``rule`` and ``source``): names are not paths (``meta-llama/Llama-2-7b``), so ``*`` matches
  any run of characters, ``/`` included; case-insensitive.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from typing import Any

from wcmatch import glob as _wc

_PATH_FLAGS = _wc.GLOBSTAR | _wc.DOTGLOB | _wc.FORCEUNIX | _wc.CASE
"""Only ``*``, ``?``, ``**`` and ``[...]`` are special: braces, extended globs and ``!``
negation are opt-in wcmatch flags left off (a ``{`` in a file name is just a ``{``)."""


def normalize_path(path: str) -> str:
    """POSIX separators, no leading ``./``: the form path globs are matched against."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


@functools.lru_cache(maxsize=512)
def _compiled_path(pattern: str, any_case: bool = False) -> Any:
    flags = _PATH_FLAGS & ~_wc.CASE | _wc.IGNORECASE if any_case else _PATH_FLAGS
    return _wc.compile(pattern, flags=flags)


def path_match(path: str, pattern: str, any_case: bool = False) -> bool:
    """True when the relative path ``path`` matches the path glob ``pattern``; ``any_case``:
    letters match in either case (``.provcheck.yaml``'s ``include:``, where the wider reading
    scans more: ``data/*.jsonl`` takes ``data/b.JSONL``)."""
    return bool(_compiled_path(normalize_path(pattern), any_case).match(normalize_path(path)))


@functools.lru_cache(maxsize=512)
def _compiled_name(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern.lower()))


def name_match(name: str, pattern: str) -> bool:
    """True when ``name`` matches the name glob ``pattern`` (``*`` spans ``/``; any case)."""
    return _compiled_name(pattern).match(name.lower()) is not None


def path_glob_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a path glob, or None."""
    if not pattern.strip():
        return "empty pattern"
    if pattern == "/":
        return "'/' alone matches nothing; use '**' for everything"
    if pattern.count("[") != pattern.count("]"):
        return "unbalanced [ ]"
    if ".." in pattern.replace("\\", "/").split("/"):
        return "'..' cannot lead out of the configuration's folder (globs are relative to it)"
    return None
