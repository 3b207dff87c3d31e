"""A dataset card or provenance manifest is read whatever the case of its name (adversarial pass
11): ``Readme.md`` is the card on a case-insensitive disk (macOS, Windows), and a CI runner on
Linux read it as nothing, so a CC BY-NC dataset passed a commercial gate there (exit 0)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitrepo import GitRepo, isolated_env, jsonl
from helpers import UNRELATED_TEXT, run_cli, write_jsonl

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "dataset-licences.yaml"
CARD = "---\nlicense: cc-by-nc-4.0\n---\n# A dataset\n"
MANIFEST = "license: cc-by-nc-4.0\norigin: human\n"


def _scan(target: Path, index_dir: Path, code: int) -> dict:  # type: ignore[type-arg]
    args = [
        "scan",
        target,
        "-i",
        index_dir,
        "-p",
        POLICY,
        "--use",
        "commercial",
        "-f",
        "json",
        "-q",
        "--no-cache",
    ]
    return json.loads(run_cli(args, code=code).stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("name", "text"),
    [("Readme.md", CARD), ("readme.MD", CARD), ("Provenance.yaml", MANIFEST), ("PROVENANCE.yml", MANIFEST)],
)
def test_a_declaration_named_in_another_case_is_read(
    tmp_path: Path, index_dir: Path, name: str, text: str
) -> None:
    ds = tmp_path / "ds"
    write_jsonl(ds / "train.jsonl", [{"id": "a", "text": UNRELATED_TEXT}])
    (ds / name).write_text(text)
    doc = _scan(ds, index_dir, code=1)
    assert [
        (d["value"], d["file"].rsplit("/", 1)[-1]) for d in doc["declarations"] if d["key"] == "license"
    ] == [("cc-by-nc-4.0", name)]
    assert any(f["action"] == "block" for f in doc["findings"])
    # Read as a declaration, not scanned as data: a manifest is not a dataset file.
    assert not any(
        n["path"].endswith(name)
        and n["reason"] != "dataset card, only its front matter read (name it to scan the rest)"
        for n in doc["not_scanned"]
    )


def test_a_card_named_in_another_case_in_a_change_is_read(tmp_path: Path, index_dir: Path) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("ds/train.jsonl", jsonl([{"id": "a", "text": UNRELATED_TEXT}]))
    repo.git("add", ".")
    repo.commit("dataset")
    repo.write("ds/Readme.md", CARD)
    repo.git("add", ".")
    repo.commit("card", "--no-verify")
    args = (
        "scan",
        ".",
        "--changed-since",
        "HEAD~1",
        "-i",
        str(index_dir),
        "-p",
        str(POLICY),
        "--use",
        "commercial",
    )
    doc = json.loads(repo.provcheck(*args, "-f", "json", "-q", code=1).stdout)
    assert [d["value"] for d in doc["declarations"]] == ["cc-by-nc-4.0"]
