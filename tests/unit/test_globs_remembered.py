"""What wcmatch translates a path glob into is remembered in the user's cache directory
(``support/globs.py``): a process whose globs were all seen before matches with the same
expressions without importing wcmatch, and every path matches as wcmatch matches it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from provcheck.support import globs

PATTERNS = [
    "data/**",
    "**",
    "**/*.jsonl",
    "ds4/*",
    "a/**/b/*.json",
    "*.[jJ]sonl",
    "x[!a-c]?.txt",
    "[]]x",
    "a\\*b",
    ".hidden/*",
    "data/*.JSONL",
    "é/ü*",
    "{a,b}/x",
    "a/../b",
    "./data/**",
    "data/",
    "a**b/c",
]
PATHS = [
    "data/train.jsonl",
    "data/sub/x.jsonl",
    "data",
    "ds4/x.jsonl",
    "ds4/sub/x.jsonl",
    "a/b/c.json",
    "a/x/y/b/c.json",
    "x.JSONL",
    "y.jsonl",
    "xd1.txt",
    "xa1.txt",
    "]x",
    "a*b",
    "axb",
    ".hidden/f",
    "data/B.jsonl",
    "é/üx",
    "{a,b}/x",
    "a/x",
    "b",
    "data/.git/x",
    "new\nline/x",
    "data/../x",
    "aXXb/c",
]


def _fresh() -> None:
    globs._compiled_path.cache_clear()
    globs._translations.cache_clear()


@pytest.mark.parametrize("any_case", [False, True])
def test_remembered_translations_match_as_wcmatch_does(any_case: bool) -> None:
    _fresh()
    first = {(p, q): globs.path_match(q, p, any_case) for p in PATTERNS for q in PATHS}
    _fresh()  # a new process: the translations are read from the cache directory
    again = {(p, q): globs.path_match(q, p, any_case) for p in PATTERNS for q in PATHS}
    assert again == first
    assert any(first.values()) and not all(first.values())
    _fresh()
    assert isinstance(globs._compiled_path("data/**", any_case), globs._Translated)


def test_a_damaged_file_is_ignored(private_cache: Path) -> None:
    _fresh()
    assert globs.path_match("data/x.jsonl", "data/*")
    for damage in ["{", "[]", json.dumps({k: {"include": [[1, 2]]} for k in globs._translations()})]:
        (private_cache / globs.GLOBS_FILE).write_text(damage)
        _fresh()
        assert globs.path_match("data/x.jsonl", "data/*") and not globs.path_match("data/a/x.jsonl", "data/*")


def test_a_second_process_does_not_import_wcmatch(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "from provcheck.support.globs import path_match\n"
        "hits = [path_match('data/a.jsonl', 'data/**'), path_match('data/a.jsonl', 'x/*', True)]\n"
        "print(json.dumps([hits, 'wcmatch' in sys.modules]))\n"
    )
    env = {**os.environ, "PROVCHECK_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(2)
    ]
    assert runs == [[[True, False], True], [[True, False], False]]
