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

What wcmatch translates a path glob into (its regular expressions) is remembered in the user's
cache directory (``globs.json``), keyed by the pattern, the flags and wcmatch's installed files:
a run whose globs were all seen before does not import wcmatch (~47 M instructions, ~4 % of a
pre-commit hook's start) and matches with the very expressions wcmatch would use.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import os
import re
from typing import Any

from provcheck.support import atomic, paths

_PATH_FLAGS = ("GLOBSTAR", "DOTGLOB", "FORCEUNIX", "CASE")
"""wcmatch's flags for a path glob (``IGNORECASE`` instead of ``CASE`` for any case). Only ``*``,
``?``, ``**`` and ``[...]`` are special: braces, extended globs and ``!`` negation are opt-in
wcmatch flags left off (a ``{`` in a file name is just a ``{``)."""
GLOBS_FILE = "globs.json"
"""The remembered translations, in the user's cache directory."""
MAX_GLOBS = 1_000


def normalize_path(path: str) -> str:
    """POSIX separators, no leading ``./``: the form path globs are matched against."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


class _Translated:
    """A path glob as wcmatch compiles it (without ``REALPATH``): the path matches when one of
    ``include`` matches it whole and none of ``exclude`` does (``wcmatch``'s ``_Match.match``)."""

    __slots__ = ("exclude", "include")

    def __init__(self, include: list[re.Pattern[str]], exclude: list[re.Pattern[str]]) -> None:
        self.include, self.exclude = include, exclude

    def match(self, path: str) -> bool:
        return any(p.fullmatch(path) for p in self.include) and not any(
            p.fullmatch(path) for p in self.exclude
        )


@functools.lru_cache(maxsize=512)
def _compiled_path(pattern: str, any_case: bool = False) -> Any:
    names = (*_PATH_FLAGS[:-1], "IGNORECASE") if any_case else _PATH_FLAGS
    key = _translation_key(pattern, names)
    known = _translations().get(key) if key is not None else None
    if known is not None:
        try:
            return _Translated(
                *([re.compile(p, f) for p, f in known[side]] for side in ("include", "exclude"))
            )
        except (TypeError, ValueError, KeyError, re.error):
            pass  # not a translation: wcmatch compiles it below
    from wcmatch import glob as wc

    flags = 0
    for name in names:
        flags |= getattr(wc, name)
    compiled = wc.compile(pattern, flags=flags)
    if key is not None:
        _remember(key, compiled)
    return compiled


@functools.cache
def _wcmatch_digest() -> str | None:
    """wcmatch's installed files (name, size, modification time), found without importing it;
    None when they cannot be read (then nothing is remembered)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("wcmatch")
        if spec is None or spec.origin is None:
            return None
        digest = hashlib.sha256(b"provcheck.support.globs 1\n")
        for entry in sorted(os.scandir(os.path.dirname(spec.origin)), key=lambda e: e.name):
            if entry.is_file():
                st = entry.stat()
                digest.update(f"{entry.name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    except (OSError, ImportError, ValueError):
        return None
    return digest.hexdigest()


def _translation_key(pattern: str, flags: tuple[str, ...]) -> str | None:
    wcmatch = _wcmatch_digest()
    if wcmatch is None:
        return None
    text = f"{wcmatch}\0{'|'.join(flags)}\0{pattern}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@functools.cache
def _translations() -> dict[str, Any]:
    """The remembered translations (read once a process; damaged or absent: none)."""
    try:
        with open(os.path.join(paths.cache_dir(), GLOBS_FILE), encoding="utf-8") as fh:
            known = json.load(fh)
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def _remember(key: str, compiled: Any) -> None:
    """Write wcmatch's expressions for ``key``; a failure only costs wcmatch next time."""
    try:
        matcher = compiled._matcher  # wcmatch's WcRegexp: what its ``match`` uses
        if matcher._real:  # a real-path match reads the file system: not only expressions
            return
        entry = {
            side: [[p.pattern, p.flags] for p in getattr(matcher, f"_{side}") or ()]
            for side in ("include", "exclude")
        }
        if not all(isinstance(p, str) for side in entry.values() for p, _ in side):
            return
    except (AttributeError, TypeError, ValueError):
        return  # another wcmatch: its object is used as it is, and nothing remembered
    known = _translations()
    known[key] = entry
    try:
        directory = paths.cache_dir()
        os.makedirs(directory, exist_ok=True)
        atomic.write_text(
            os.path.join(directory, GLOBS_FILE), json.dumps(dict(list(known.items())[-MAX_GLOBS:]))
        )
    except (OSError, ValueError):
        pass


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
