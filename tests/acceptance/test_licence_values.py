"""A licence given for indexed material must be one a policy can read (never fail open).

``index add --license "CC BY-NC 4.0"`` (spaces) or ``MIT-ish`` was stored and shown, and every
licence rule (``source.license_traits: {contains: noncommercial}``) silently passed the source:
the spaced spelling was read as three licence ids, none known. Now such a value is refused
(exit 2, "did you mean"), from the command line and from a sources manifest (located)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli, write_jsonl


def test_a_licence_no_policy_can_read_is_refused(tmp_path: Path) -> None:
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "r", "text": "some reference text " * 10}])
    index = tmp_path / "index"
    res = run_cli(
        ["index", "add", index, refs, "--source", "s", "--provider", "openai", "--license", "CC BY-NC 4.0"],
        code=2,
    )
    assert "unknown licence 'CC BY-NC 4.0' (did you mean 'CC-BY-NC-4.0'?)" in res.stderr
    assert not index.exists(), "nothing is written"
    res = run_cli(["index", "add", index, refs, "--source", "s", "--license", "other"], code=2)
    assert "LicenseRef-<name>" in res.stderr
    for good in ("CC-BY-NC-4.0", "cc-by-nc-4.0", "MIT AND CC-BY-4.0", "LicenseRef-Acme-Internal", "Zlib"):
        run_cli(["index", "add", tmp_path / good, refs, "--source", "s", "--license", good, "-q"])
    info = run_cli(["index", "info", tmp_path / "CC-BY-NC-4.0", "--format", "json"])
    assert json.loads(info.stdout)["sources"]["s"]["license"] == "CC-BY-NC-4.0"


def test_a_manifest_licence_no_policy_can_read_is_refused_where_it_is(tmp_path: Path) -> None:
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "r", "text": "some reference text " * 10}])
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        f"sources:\n  - path: {refs}\n    source: s\n    provider: openai\n    license: cc-by-nc4.0\n"
    )
    res = run_cli(["index", "build", tmp_path / "index", "--sources", manifest], code=2)
    assert (
        f"{manifest}:5: license: unknown licence 'cc-by-nc4.0' (did you mean 'CC-BY-NC-4.0'?)" in res.stderr
    )
