"""Counsel read 21 (outside counsel's read of session 20), points on provenance and policy, each
with a test that fails on the old code.

P12. A merged report recorded each share's scan command but not the ``provcheck merge`` that wrote
     it, and the run's ``command`` was share 1's: the merge command and when it ran are in
     ``run.merged`` (and are the run's ``command``), and said beside each share's command.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from helpers import FIXTURES, check_json_report, run_cli
from provcheck.cli import cli

FORMATS = {"json": "m.json", "html": "m.html", "markdown": "m.md", "text": "m.txt", "junit": "m.xml"}


def _flat(text: str, fmt: str) -> str:
    shown = re.sub(r"<[^>]+>", " ", text) if fmt == "html" else text.replace("\\", "")
    return re.sub(r"\s+", " ", htmllib.unescape(shown))


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo scanned in two shares and merged once into every format, with the merge's own
    command line as a shell gave it."""
    tmp = tmp_path_factory.mktemp("cprov21")
    shutil.copytree(FIXTURES / "demo", tmp / "demo")
    run_cli(["index", "build", tmp / "index", "--sources", tmp / "demo" / "sources.yaml", "-q"])
    base: list[object] = ["scan", tmp / "demo" / "dataset", "--index", tmp / "index", "-q"]
    base += ["--policy", tmp / "demo" / "policy.yaml"]
    parts = [tmp / f"p{i}.partial" for i in (1, 2)]
    args = ["merge", *(str(p) for p in parts), "-q"]
    for fmt, name in FORMATS.items():
        args += ["-f", fmt, "-o", str(tmp / name)]
    saved = sys.argv
    try:  # each command records its own command line, as a shell gives it
        for i, part in enumerate(parts, 1):
            share = [str(a) for a in [*base, "--shard", f"{i}/2", "--partial", part]]
            sys.argv = ["provcheck", *share]
            assert CliRunner().invoke(cli, share, catch_exceptions=False).exit_code in (1, 4)
        sys.argv = ["provcheck", *args]
        run_cli(args, 1)
    finally:
        sys.argv = saved
    out: dict[str, Any] = {fmt: (tmp / name).read_text(encoding="utf-8") for fmt, name in FORMATS.items()}
    out["doc"] = json.loads(out["json"])
    check_json_report(out["doc"])  # the schema knows run.merged.command and merged_at
    out["args"] = args
    return out


def test_the_merge_command_and_its_time_are_recorded_beside_each_shares(merged: dict[str, Any]) -> None:
    run = merged["doc"]["run"]
    facts = run["merged"]
    assert facts["command"] == ["provcheck", *merged["args"]]
    assert run["command"] == facts["command"]  # the command that wrote the report, not share 1's
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", facts["merged_at"])
    assert facts["merged_at"] >= run["finished_at"]
    assert [p["command"][1] for p in facts["partials"]] == ["scan", "scan"]
    for fmt in ("html", "junit"):  # the formats that give the command line
        flat = _flat(merged[fmt], fmt)
        assert f"merge (at {facts['merged_at']}): provcheck merge " in flat, fmt
        start = flat.index("merge (at ")
        assert (
            start
            < flat.index("; shard 1/2: provcheck scan ", start)
            < flat.index("; shard 2/2: provcheck", start)
        )
    for fmt in ("html", "markdown", "text", "junit"):  # every format that says when the scan ran
        assert f"merged {facts['merged_at']} by provcheck merge" in _flat(merged[fmt], fmt), fmt
