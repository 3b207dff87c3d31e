"""Independent texts that converge do not block because their source names no provider
(adversarial precision pass 23, docs/matching.md "Texts of one source sharing a passage are no
near-copies").

A corpus indexed as one source without a provider (every AlpacaEval output of 212 generators, a
scraped mix) holds the answers of many authors. Text several of its answers share (a textbook
function, a list of facts) was read as near-copies of one answer in a dump, which never makes a
passage common: an independent answer that is only that passage aligned whole and blocked. On
the 164,183 AlpacaEval outputs indexed as one source, 11 of 13,383 held-out records of datasets
the index does not hold blocked so (GPTeacher's longest common subsequence and ``is_prime``,
Spike Lee's films, a distance worked out step by step); now 2 do (whole answers a request
determines that one indexed text holds more closely than the rest). Fixtures: written for
this test (``fixtures/precision23/README.md``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import run_cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "precision23"


def _scan(tmp_path: Path, code: int, *source: str) -> dict[str, list[dict[str, Any]]]:
    """Matches by record id, the fixture references indexed as one source (``source``: options)."""
    index_dir = tmp_path / "index"
    run_cli(["index", "add", index_dir, FIXTURES / "references.jsonl", "--source", "answers", *source, "-q"])
    out = run_cli(
        [
            "scan",
            FIXTURES / "dataset.jsonl",
            "-i",
            index_dir,
            "-p",
            FIXTURES / "policy.yaml",
            "-f",
            "json",
            "-q",
        ],
        code,
    )
    by: dict[str, list[dict[str, Any]]] = {}
    for m in json.loads(out.stdout)["matches"]:
        by.setdefault(m["record"]["id"], []).append(m)
    return by


@pytest.mark.parametrize("record", ["own-lcs", "own-elements"])
def test_an_answer_that_is_only_a_passage_many_answers_share_does_not_block(
    tmp_path: Path, record: str
) -> None:
    """Before: every match of these blocked (probability 0.95-0.97, no convergence class)."""
    matches = _scan(tmp_path, 1)[record]
    assert len(matches) >= 3  # it matches every answer holding the passage, about equally
    for m in matches:
        assert m["scores"]["coverage"] >= 0.95  # the whole candidate aligned: no structure read
        assert m["strength"]["convergence"] == "common-passage"
        assert not m["strength"]["can_block"]
        assert "also occurs in 2+ other reference texts" in m["strength"]["reason"]


def test_whole_copies_of_one_answer_still_block(tmp_path: Path) -> None:
    """A copy of one answer aligns with it far more than with the answers sharing a part of it."""
    by = _scan(tmp_path, 1)
    for record, reference in [("copy-dist-c", "dist-c"), ("copy-elem-c", "elem-c")]:
        (m,) = [m for m in by[record] if m["reference"]["id"] == reference]
        assert m["strength"]["convergence"] is None and m["strength"]["can_block"], record
    assert not any(m["strength"]["can_block"] for r in ("own-lcs", "own-elements", "own-dist") for m in by[r])


def test_a_source_of_one_provider_keeps_its_texts_as_one_authors(tmp_path: Path) -> None:
    """Texts of a source of one provider that share a passage are that provider's text, whichever
    of them is copied (the recall benchmark's OpenAI index, where 14 generators write the same
    planets list): judged on the evidence as before."""
    by = _scan(tmp_path, 1, "--provider", "openai")
    assert all(m["strength"]["can_block"] for m in by["own-lcs"])


def test_near_copies_in_a_source_of_no_provider_still_make_no_crowd(tmp_path: Path) -> None:
    """A dump of near-copies of a popular answer, indexed without a provider: a copy of it blocks
    (its near-copies resemble it, ``duplicates.resembles``), as with a provider."""
    answer = json.loads((FIXTURES / "references.jsonl").read_text().splitlines()[1])["output"]
    dump = tmp_path / "dump.jsonl"
    dump.write_text(
        "".join(
            json.dumps({"id": f"d{i}", "instruction": "LCS in Python?", "output": answer + " Good luck!" * i})
            + "\n"
            for i in range(3)
        )
    )
    index_dir = tmp_path / "index"
    run_cli(["index", "add", index_dir, dump, "--source", "dump", "-q"])
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"id": "x", "instruction": "LCS in Python?", "output": answer}) + "\n")
    out = run_cli(["scan", data, "-i", index_dir, "-p", FIXTURES / "policy.yaml", "-f", "json", "-q"], 1)
    assert any(m["strength"]["can_block"] for m in json.loads(out.stdout)["matches"])
