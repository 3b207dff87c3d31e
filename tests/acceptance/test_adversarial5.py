"""Adversarial pass 5: places a hostile but realistic user put a copy of indexed output where the
gate did not look (a JSON wrapper's metadata, a dataset card's body, ...), and inputs that made
it cry wolf. Each test is a way a realistic user met a wrong answer, and fails on the code before
its fix."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import REFERENCE_TEXTS, run_cli

BLOCKING_POLICY = """\
include: [provcheck:openai]
use: {purpose: train-competing-model, commercial: true}
"""

CLEAN = "an answer of its own, in words nobody indexed anywhere at all"


def _policy(tmp_path: Path) -> Path:
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    return policy


def _report(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_text_beside_the_record_list_of_a_json_wrapper_is_scanned_and_located(
    tmp_path: Path, index_dir: Path
) -> None:
    # `{"data": [...], "description": "<a copied answer>"}`: the members beside the record list
    # were decoded "to check them" and dropped, so a copy put in the description, or in a nested
    # metadata object, passed with exit 0 and "every string in the records was read".
    data, out = tmp_path / "export.json", tmp_path / "r.json"
    doc = {
        "version": "1.0",
        "description": REFERENCE_TEXTS[0],
        "data": [{"id": "own", "text": CLEAN}],
        "meta": {"notes": [REFERENCE_TEXTS[1]]},
        "size": 1,
    }
    data.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    run_cli(["scan", data, "-i", index_dir, "-p", _policy(tmp_path), "-q", "--no-cache", "-o", out], code=1)
    report = _report(out)
    assert report["summary"]["records"]["blocking"] == 2
    fields = sorted(f["record"]["turn"]["field"] for f in report["findings"])
    assert fields == ["description", "meta.notes[0]"]
    lines = {f["record"]["turn"]["field"]: f["record"]["line"] for f in report["findings"]}
    assert lines["description"] == 3  # located at the member's line
    (summary,) = report["files"]
    assert {"field": "version", "reason": "number", "count": 1} in summary["fields"]["skipped"]


def test_metadata_of_a_json_wrapper_without_text_is_neither_an_error_nor_dropped(
    tmp_path: Path, index_dir: Path
) -> None:
    # The other side: a wrapper's version, licence and name hold no text a copy could be; they
    # must not become "no text found" errors (exit 4), under a forced schema or --text-field too,
    # and the strings are counted as not read.
    data, out = tmp_path / "export.json", tmp_path / "r.json"
    doc = {"version": "2.0", "license": "mit", "data": [{"text": CLEAN}], "id": "ds-1", "n": 1}
    data.write_text(json.dumps(doc), encoding="utf-8")
    for extra in ([], ["--schema", "text"], ["--text-field", "text"]):
        run_cli(["scan", data, "-i", index_dir, "-q", "--no-cache", "-o", out, *extra])
        report = _report(out)
        assert report["summary"]["errors"] == 0
        skipped = {s["field"] for s in report["files"][0]["fields"]["skipped"]}
        assert {"version", "license", "id"} <= skipped
