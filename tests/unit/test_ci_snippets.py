"""The CI jobs and the configuration shown to users use only what provcheck has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from helpers import ROOT, run_cli
from provcheck import projectfile as project
from provcheck.report import OutputFormat

CI_FILES = [ROOT / "docs" / "ci" / "github-actions.yml", ROOT / "docs" / "ci" / "gitlab-ci.yml"]


def commands(node: object) -> list[str]:
    """Every `provcheck ...` command line in a YAML document's strings (continuations joined)."""
    if isinstance(node, dict):
        return [c for v in node.values() for c in commands(v)]
    if isinstance(node, list):
        return [c for v in node for c in commands(v)]
    if isinstance(node, str):
        text = node.replace("\\\n", " ")
        return [m.group(0) for m in re.finditer(r"provcheck (?:scan|index build|hook \w+)[^\n;|]*", text)]
    return []


@pytest.mark.parametrize("path", CI_FILES, ids=lambda p: p.name)
def test_ci_jobs_use_existing_options_and_formats(path: Path) -> None:
    found = commands(yaml.safe_load(path.read_text()))
    scans = [c for c in found if c.startswith("provcheck scan")]
    assert scans, f"no provcheck scan in {path}"
    help_text = run_cli(["scan", "--help"]).stdout
    for command in scans:
        for option in re.findall(r"(?<!\S)(--[a-z-]+)", command):
            assert option in help_text, f"{path.name}: {option} is not a scan option"
        for fmt in re.findall(r"--format (\w+)", command):
            assert fmt in {f.value for f in OutputFormat}, f"{path.name}: no format {fmt}"
        assert "--changed-since" in command


def test_the_readme_configuration_example_is_valid(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Use in a dataset repository", 1)[1]
    example = re.search(r"```yaml\n(index: .*?)```", section, re.S)
    assert example is not None
    cfg = tmp_path / ".provcheck.yaml"
    cfg.write_text(example.group(1))
    loaded = project.load(str(cfg))
    assert loaded.index == str(tmp_path / ".provcheck" / "index") and loaded.lfs == "scan"
