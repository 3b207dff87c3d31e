"""`.provcheck.yaml`: discovery, validation with located problems, globs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provcheck import projectfile as project
from provcheck.errors import ConfigError, ExitCode


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_relative_paths_resolve_from_the_files_folder(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "repo" / ".provcheck.yaml",
        "index: ../refs\npolicy: policy.yaml\nwaivers: w.yaml\ncache: .provcheck-cache\n"
        "use: train-competing-model\ninclude: ['data/**']\nexclude: [data/raw]\nfail-on: review\n"
        "lfs: scan\nschema: sharegpt\nroles: [gpt]\nworkers: 2\n",
    )
    c = project.load(str(cfg))
    assert c.index == str(tmp_path / "refs") and c.policy == str(tmp_path / "repo" / "policy.yaml")
    assert c.waivers == str(tmp_path / "repo" / "w.yaml") and c.cache == str(
        tmp_path / "repo" / ".provcheck-cache"
    )
    assert c.use == ("train-competing-model",) and c.include == ("data/**",) and c.fail_on == "review"
    assert (c.lfs, c.schema, c.roles, c.workers) == ("scan", "sharegpt", ("gpt",), 2)
    assert c.where("policy") == f"{cfg}:2"


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / ".provcheck.yaml",
        "index: 3\nuse: [ok, 4]\nlfs: maybe\ncache: 7\nworkers: 0\nbogus: 1\ninclude:\n  - data\n  - 'x[a'\n",
    )
    with pytest.raises(ConfigError) as err:
        project.load(str(cfg))
    assert err.value.exit_code == ExitCode.CONFIG
    assert err.value.problems == [
        f"{cfg}:1: index: expected a path (string), found a number",
        f"{cfg}:2: use: expected a string or a list of strings, found a list",
        f"{cfg}:3: lfs: 'maybe' is not allowed; allowed: report, scan, skip",
        f"{cfg}:4: cache: expected true, false or a directory, found a number",
        f"{cfg}:5: workers: expected a whole number of at least 1, found a number",
        f"{cfg}:6: unknown key 'bogus'; allowed: " + ", ".join(sorted(project.ALLOWED_KEYS)),
        f"{cfg}:9: include: 'x[a': unbalanced [ ]",
    ]


def test_yaml_errors_and_non_mappings_are_config_errors(tmp_path: Path) -> None:
    for text, expected in (("index: [\n", "invalid YAML"), ("- a\n", "expected a mapping of settings")):
        cfg = write(tmp_path / ".provcheck.yaml", text)
        with pytest.raises(ConfigError, match=expected):
            project.load(str(cfg))
    assert project.load(str(write(tmp_path / ".provcheck.yaml", ""))).index is None


def test_discovery_walks_up_and_stops_at_the_repository_top(tmp_path: Path) -> None:
    write(tmp_path / ".provcheck.yaml", "index: outside\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    deep = repo / "a" / "b"
    deep.mkdir(parents=True)
    assert project.find(str(deep)) is None  # the config above the repository is not used
    cfg = write(repo / ".provcheck.yaml", "index: i\n")
    assert project.find(str(deep)) == str(cfg)
    assert project.find(str(repo / "a" / "b")) == str(cfg)
    with pytest.raises(ConfigError, match="no such configuration file"):
        project.discover(str(tmp_path / "missing.yaml"))


def test_selects_applies_include_then_exclude_inside_the_folder_only(tmp_path: Path) -> None:
    cfg = write(tmp_path / "repo" / ".provcheck.yaml", "include: ['data/**']\nexclude: ['data/raw/**']\n")
    c = project.load(str(cfg))
    root = tmp_path / "repo"
    assert c.selects(str(root / "data" / "a.jsonl"))
    assert not c.selects(str(root / "data" / "raw" / "a.jsonl"))
    assert not c.selects(str(root / "notes.jsonl"))
    assert c.selects(str(tmp_path / "elsewhere.jsonl"))  # outside the configuration's folder
    assert os.path.isabs(c.path) and c.root == str(root)


def test_relative_paths_cannot_leave_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (repo / "link").symlink_to(outside, target_is_directory=True)
    cfg = write(
        repo / "sub" / ".provcheck.yaml",
        "index: ../idx\n"  # inside the repository (the folder above the config's)
        "policy: ../../elsewhere/p.yaml\n"
        "waivers: ../link/w.yaml\n"  # a symlink committed in the repository, pointing out
        f"cache: {outside / 'cache'}\n"  # absolute: the operator's explicit choice
        "exclude: ['../secrets/**']\n",
    )
    with pytest.raises(ConfigError) as err:
        project.load(str(cfg))
    real = os.path.realpath(repo)
    assert err.value.problems == [
        f"{cfg}:2: policy: '../../elsewhere/p.yaml' leads to {os.path.realpath(outside)}/p.yaml, outside the "
        f"repository {real}; a relative path must stay inside it (give an absolute path for a location "
        "outside the repository)",
        f"{cfg}:3: waivers: '../link/w.yaml' leads to {os.path.realpath(outside)}/w.yaml, outside the "
        f"repository {real}; a relative path must stay inside it (give an absolute path for a location "
        "outside the repository)",
        f"{cfg}:5: exclude: '../secrets/**': '..' cannot lead out of the configuration's folder (globs are "
        "relative to it)",
    ]
    fixed = write(cfg, f"index: ../idx\npolicy: {outside / 'p.yaml'}\nwaivers: ../w.yaml\ncache: ../.cache\n")
    loaded = project.load(str(fixed))
    assert loaded.index == str(repo / "idx") and loaded.policy == str(outside / "p.yaml")
    assert loaded.cache == str(repo / ".cache")
