"""A text kept as a list of short pieces is read as the one text it is.

FAIL-OPEN (adversarial pass 11, left open; fixed in the eleventh session). A copy of indexed
output cut into list items under the matcher's 25-token floor (``"sentences": [{"text": ...}]``,
``"paragraphs": [...]``, an answer sent as several assistant messages in a row) was read item by
item, and no item could match: a verbatim copy passed with exit 0. Such runs of sibling items of
one role are now read as one text, at a field naming the range (``inputs/schemas/runs.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitrepo import BLOCK_POLICY
from helpers import REFERENCE_TEXTS, run_cli, write_jsonl


def _pieces(text: str, words: int = 8) -> list[str]:
    w = text.split()
    return [" ".join(w[i : i + words]) for i in range(0, len(w), words)]


SHAPES = {
    "sentence-objects": lambda t: {
        "id": "r",
        "sentences": [{"text": p, "n": k} for k, p in enumerate(_pieces(t))],
    },
    "paragraph-strings": lambda t: {"id": "r", "paragraphs": _pieces(t)},
    "assistant-messages": lambda t: {
        "id": "r",
        "messages": [{"role": "user", "content": "Tell me about it."}]
        + [{"role": "assistant", "content": p} for p in _pieces(t, 12)],
    },
}
FIELDS = {
    "sentence-objects": "sentences[0-{last}].text",
    "paragraph-strings": "paragraphs[0-{last}]",
    "assistant-messages": "messages[1-{last1}].content",
}


def _scan(tmp_path: Path, index_dir: Path, records: list[Any], code: int) -> dict[str, Any]:
    data = write_jsonl(tmp_path / "data" / "d.jsonl", records)
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_POLICY, encoding="utf-8")
    report = tmp_path / "r.json"
    run_cli(
        ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "json", "-o", report],
        code=code,
    )
    doc: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return doc


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_copy_cut_into_short_list_items_is_found(tmp_path: Path, index_dir: Path, shape: str) -> None:
    text = REFERENCE_TEXTS[0]
    report = _scan(tmp_path, index_dir, [SHAPES[shape](text)], code=1)
    fields = {m["record"]["turn"]["field"] for m in report["matches"]}
    n = len(_pieces(text))
    expected = FIELDS[shape].format(last=n - 1, last1=len(_pieces(text, 12)))
    assert fields == {expected}
    assert report["stats"]["findings"] >= 1


def test_items_long_enough_to_match_keep_their_own_field(tmp_path: Path, index_dir: Path) -> None:
    report = _scan(tmp_path, index_dir, [{"id": "r", "paragraphs": list(REFERENCE_TEXTS[:2])}], code=1)
    assert {m["record"]["turn"]["field"] for m in report["matches"]} == {"paragraphs[0]", "paragraphs[1]"}


def test_a_joined_run_counts_as_one_text_of_its_list(tmp_path: Path, index_dir: Path) -> None:
    record = {"id": "r", "paragraphs": ["a short note", "about tomato plants", "and their care"]}
    report = _scan(tmp_path, index_dir, [record], code=0)
    assert report["stats"]["turns"] == 1
    (entry,) = report["files"]
    assert [(f["field"], f["count"]) for f in entry["fields"]["read"]] == [("paragraphs[]", 1)]
