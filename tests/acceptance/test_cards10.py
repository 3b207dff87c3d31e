"""Licences a dataset declares in ways people write them (found by adversarial pass 10): a card's
key written ``License:`` or ``licence:``, a card saved as UTF-16 (PowerShell 5's ``>``), the
``license`` of a ``save_to_disk`` folder's ``dataset_info.json``. Each was read as no declaration,
and a CC BY-NC dataset passed a commercial gate (exit 0)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import UNRELATED_TEXT, run_cli, write_jsonl

ROOT = Path(__file__).resolve().parents[2]


def _scan(ds: Path, index_dir: Path, code: int) -> dict:  # type: ignore[type-arg]
    policy = ROOT / "policies" / "dataset-licences.yaml"
    args = [
        "scan",
        ds,
        "-i",
        index_dir,
        "-p",
        policy,
        "--use",
        "commercial",
        "-f",
        "json",
        "-q",
        "--no-cache",
    ]
    return json.loads(run_cli(args, code=code).stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "card",
    [
        "---\nLicense: cc-by-nc-4.0\n---\n# A dataset\n",
        "---\nlicence: cc-by-nc-4.0\n---\n# A dataset\n",
        "---\nLICENSE:\n  - cc-by-nc-4.0\n---\n",
        "---\r\nlicense: cc-by-nc-4.0\r\n---\r\n# Written on Windows\r\n",
    ],
)
def test_a_card_key_written_by_hand_is_read(tmp_path: Path, index_dir: Path, card: str) -> None:
    ds = tmp_path / "ds"
    write_jsonl(ds / "train.jsonl", [{"id": "a", "text": UNRELATED_TEXT}])
    (ds / "README.md").write_bytes(card.encode())
    doc = _scan(ds, index_dir, code=1)
    assert [d["value"] for d in doc["declarations"]] == ["cc-by-nc-4.0"]
    assert any(f["action"] == "block" for f in doc["findings"])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_card_is_read(tmp_path: Path, index_dir: Path, encoding: str) -> None:
    ds = tmp_path / "ds"
    write_jsonl(ds / "train.jsonl", [{"id": "a", "text": UNRELATED_TEXT}])
    text = "---\r\nlicense: cc-by-nc-4.0\r\n---\r\n# A dataset\r\n"
    data = text.encode(encoding) if encoding == "utf-16" else b"\xfe\xff" + text.encode(encoding)
    (ds / "README.md").write_bytes(data)
    doc = _scan(ds, index_dir, code=1)
    assert [(d["file"], d["line"], d["value"]) for d in doc["declarations"]] == [
        (f"{ds}/README.md", 2, "cc-by-nc-4.0")
    ]


def test_the_licence_of_a_dataset_info_json_is_read(tmp_path: Path, index_dir: Path) -> None:
    """What ``datasets.Dataset.save_to_disk`` writes: ``.arrow`` shards, ``state.json`` and
    ``dataset_info.json`` (metadata, not scanned: its ``license`` was not read either)."""
    pa = pytest.importorskip("pyarrow")
    ds = tmp_path / "ds"
    ds.mkdir()
    table = pa.Table.from_pylist([{"id": "a", "text": UNRELATED_TEXT}])
    with pa.OSFile(str(ds / "data-00000-of-00001.arrow"), "wb") as sink:
        writer = pa.ipc.new_stream(sink, table.schema)
        writer.write_table(table)
        writer.close()
    (ds / "state.json").write_text(json.dumps({"_data_files": [{"filename": "data-00000-of-00001.arrow"}]}))
    info = {"description": "", "citation": "", "license": "cc-by-nc-4.0", "features": {}}
    (ds / "dataset_info.json").write_text(json.dumps(info, indent=2))
    doc = _scan(ds, index_dir, code=1)
    assert [(d["line"], d["value"]) for d in doc["declarations"]] == [(4, "cc-by-nc-4.0")]
    assert any(f["action"] == "block" for f in doc["findings"])
    # The usual empty licence declares nothing; a malformed file is a located error, not a pass.
    (ds / "dataset_info.json").write_text(json.dumps({"license": ""}))
    assert _scan(ds, index_dir, code=0)["declarations"] == []
    (ds / "dataset_info.json").write_text('{"license": "cc-by-nc-4.0",')
    doc = _scan(ds, index_dir, code=4)
    assert [e["path"] for e in doc["errors"]] == [f"{ds}/dataset_info.json"]
