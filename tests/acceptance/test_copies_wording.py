"""'Copies' is said only of a near-verbatim whole copy with evidence long enough to block (issue
12, item 6). A counsel reading found an independent 29-token answer re-listing its prompt's
directions headed "copies output of gpt-4-0613" while it could not block: short texts coincide,
so a short whole match "shares aligned passages with" its reference, in the reason and in the
policy message built from ``{match.relation}``."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli, write_jsonl

SHORT = (
    "Preheat the oven to 180 degrees, grease a round tin and line its base with baking paper "
    "before you weigh the butter, the sugar, the eggs and the flour into four separate bowls."
)
LONG = (
    "Preheat the oven to 180 degrees, grease a round tin and line its base with baking paper. "
    "Cream the butter and sugar until pale, then beat in the eggs one at a time, adding a spoon of "
    "flour with the last one so the mixture does not curdle. Fold in the rest of the flour with a "
    "metal spoon, loosen the batter with a splash of milk, scrape it into the tin and bake for "
    "twenty-five minutes, until a skewer pushed into the middle comes out clean and the top springs "
    "back when pressed lightly with a finger."
)
POLICY = """\
name: wording
rules:
  - id: any-match
    title: Any match
    signal: match
    when: {match.similarity: {gte: 0}}
    action: review
    message: "{match.relation} output of {source.name}"
"""


def test_a_short_whole_match_is_not_called_a_copy(tmp_path: Path) -> None:
    refs = write_jsonl(
        tmp_path / "refs.jsonl", [{"id": "short", "text": SHORT}, {"id": "long", "text": LONG}]
    )
    data = write_jsonl(tmp_path / "data.jsonl", [{"id": "s", "text": SHORT}, {"id": "l", "text": LONG}])
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    out = tmp_path / "r.json"
    run_cli(
        ["scan", "-i", index, data, "-p", policy, "-f", "json", "-o", out, "--no-cache", "--fail-on", "never"]
    )
    doc = json.loads(out.read_text())
    by_record = {m["record"]["id"]: m for m in doc["matches"]}
    assert by_record["s"]["short_evidence"], "the short text is below the blocking floor"
    assert by_record["s"]["strength"]["reason"].startswith("Shares aligned passages with the reference")
    assert by_record["l"]["strength"]["reason"].startswith("Copies the reference")
    messages = {f["record"]["id"]: f["message"] for f in doc["findings"]}
    assert messages["s"] == "shares aligned passages with output of gpt"
    assert messages["l"] == "copies output of gpt"
