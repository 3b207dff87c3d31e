"""One glob dialect for paths (docs/globs.md), one for names; every user of globs goes through them."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from provcheck import projectfile as project
from provcheck.policy.model import Comparison, SourceFacts
from provcheck.policy.terms import TermsVersion
from provcheck.support.globs import name_match, path_glob_problem, path_match


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("data/**", "data/a.jsonl", True),
        ("data/**", "data/x/y/a.jsonl", True),
        ("data/**", "other/data/a.jsonl", False),
        ("ds4/*", "ds4/x.jsonl", True),
        ("ds4/*", "ds4/sub/x.jsonl", False),  # `*` never crosses a folder
        ("ds4/*.jsonl", "ds4/sub/deep.jsonl", False),
        ("ds4/**/*.jsonl", "ds4/sub/deep.jsonl", True),
        ("ds4/**/*.jsonl", "ds4/top.jsonl", True),
        ("**/*.jsonl", "a.jsonl", True),
        ("*.jsonl", "deep/dir/a.jsonl", False),  # a pattern is a whole path, not a name
        ("*.jsonl", "a.csv", False),
        ("data/raw", "data/raw/x.jsonl", False),  # a pattern matches files, not folder prefixes
        ("data/?.jsonl", "data/ab.jsonl", False),
        ("a?c", "a/c", False),  # nor does `?`
        ("data/[ab].jsonl", "data/b.jsonl", True),
        ("data/[!ab].jsonl", "data/b.jsonl", False),
        ("data/*", "data/bad\nname.jsonl", True),  # a newline is a character like any other
        ("data/*.jsonl", "data/.hidden.jsonl", True),
        ("data/{a,b}.jsonl", "data/a.jsonl", False),  # braces are not special
        ("data/{a,b}.jsonl", "data/{a,b}.jsonl", True),
        ("Data/*", "data/x.jsonl", False),  # case-sensitive
        ("./data/*", "data/x.jsonl", True),
    ],
)
def test_path_dialect(pattern: str, path: str, expected: bool) -> None:
    assert path_match(path, pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("*llama-2*", "meta-llama/Llama-2-7b-chat-hf", True),  # names are not paths
        ("openai-*", "OpenAI-No-Competing-Models", True),
        ("gpt-4?", "gpt-4o", True),
        ("gpt-4", "gpt-4o", False),
    ],
)
def test_name_dialect(pattern: str, name: str, expected: bool) -> None:
    assert name_match(name, pattern) is expected


def test_problems() -> None:
    assert path_glob_problem("") == "empty pattern"
    assert path_glob_problem("a/../b")
    assert path_glob_problem("[a")
    assert path_glob_problem("data/**") is None


def test_project_include_uses_the_path_dialect(tmp_path: Path) -> None:
    (tmp_path / ".provcheck.yaml").write_text("include: ['ds4/*', '/top/*.jsonl']\n")
    c = project.load(str(tmp_path / ".provcheck.yaml"))
    assert c.selects(str(tmp_path / "ds4" / "x.jsonl"))
    assert not c.selects(str(tmp_path / "ds4" / "sub" / "x.jsonl"))
    assert c.selects(str(tmp_path / "ds4" / "new\nline.jsonl"))
    assert c.selects(str(tmp_path / "top" / "a.jsonl"))  # a leading '/' is the file's folder
    assert os.path.isabs(c.path)


def test_policy_path_fields_use_the_path_dialect_and_names_the_name_dialect() -> None:
    deep = Comparison("record.path", "glob", "ds4/*.jsonl")
    assert deep.holds({"record.path": "ds4/a.jsonl"})
    assert not deep.holds({"record.path": "ds4/sub/deep.jsonl"})
    version = TermsVersion(dt.date(2023, 1, 1), None, {}, generators=("*llama-2*",))
    assert version.governs(SourceFacts("s", generator="meta-llama/Llama-2-7b-chat-hf"))


def test_an_include_glob_matches_in_any_case_and_other_path_globs_keep_case(tmp_path: Path) -> None:
    config_path = tmp_path / ".provcheck.yaml"
    config_path.write_text("include: ['data/*.jsonl']\nexclude: ['data/old*']\n", encoding="utf-8")
    config = project.load(str(config_path))
    assert config.selects(str(tmp_path / "data" / "b.JSONL"))
    assert config.selects(str(tmp_path / "DATA" / "b.jsonl"))
    assert not config.selects(str(tmp_path / "data" / "sub" / "b.JSONL"))  # still one folder
    assert not config.selects(str(tmp_path / "data" / "old.jsonl"))
    assert config.selects(str(tmp_path / "data" / "OLD.jsonl"))  # exclude keeps case
    assert path_match("data/b.JSONL", "data/*.jsonl", any_case=True)
    assert not path_match("data/b.JSONL", "data/*.jsonl")
