"""The dataset cards and provenance manifests whose declarations were read carry their digest.

COUNSEL (counsel 12's note, fixed in the eleventh session). The decision block says it covers
"the dataset files listed, with their digests", but a dataset card whose front matter gave
three findings was listed nowhere with a digest: a card changed after the scan could not be
told from the one the decision rested on. Each declaration now carries the SHA-256 of its
file's bytes (JSON ``declarations[].sha256``, through partial files and ``merge`` too), and the
HTML manifest lists every such file with it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from helpers import run_cli, write_jsonl

CARD = "---\nlicense: cc-by-nc-4.0\nsource_datasets:\n- tatsu-lab/alpaca\n---\n# A dataset\n\nMore text.\n"


def _dataset(tmp_path: Path) -> tuple[Path, str]:
    root = tmp_path / "ds"
    write_jsonl(root / "train.jsonl", [{"text": "a clean note about tomato plants and their care"}])
    (root / "README.md").write_text(CARD, encoding="utf-8")
    return root, hashlib.sha256(CARD.encode()).hexdigest()


def _json(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def test_each_declaration_carries_its_file_s_digest_and_the_manifest_lists_it(
    tmp_path: Path, index_dir: Path
) -> None:
    root, digest = _dataset(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    run_cli(
        [
            "scan",
            root,
            "-i",
            index_dir,
            "--no-cache",
            "-q",
            "-f",
            "json",
            "-o",
            out / "r.json",
            "-f",
            "html",
            "-o",
            out / "r.html",
        ]
    )
    declarations = _json(out / "r.json")["declarations"]
    assert declarations and {d["sha256"] for d in declarations} == {digest}
    html = (out / "r.html").read_text(encoding="utf-8")
    manifest = html[html.index('id="manifest"') :]
    assert "Dataset cards and provenance manifests read" in manifest and digest in manifest


def test_the_digest_survives_a_partial_and_merge(tmp_path: Path, index_dir: Path) -> None:
    root, digest = _dataset(tmp_path)
    part = tmp_path / "p1.pcp"
    run_cli(["scan", root, "-i", index_dir, "--no-cache", "-q", "--shard", "1/1", "--partial", part])
    merged = tmp_path / "m.json"
    run_cli(["merge", part, "-q", "-f", "json", "-o", merged])
    assert {d["sha256"] for d in _json(merged)["declarations"]} == {digest}


def test_the_report_says_when_and_by_what_the_index_was_written(tmp_path: Path, index_dir: Path) -> None:
    """COUNSEL (counsel 12's note): the report gave the index's digest, not when or by which
    provcheck it was written, so counsel could not say which index a decision rested on."""
    root, _ = _dataset(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    run_cli(
        [
            "scan",
            root,
            "-i",
            index_dir,
            "--no-cache",
            "-q",
            "-f",
            "json",
            "-o",
            out / "r.json",
            "-f",
            "html",
            "-o",
            out / "r.html",
        ]
    )
    manifest = _json(index_dir / "manifest.json")
    index = _json(out / "r.json")["run"]["index"]
    assert (index["created"], index["updated"], index["written_by"]) == (
        manifest["created"],
        manifest["updated"],
        manifest["tool"],
    )
    html = (out / "r.html").read_text(encoding="utf-8")
    assert f"last written {manifest['updated']} by {manifest['tool']}" in html
