"""Famous public-domain texts two answers quote are not copies of each other.

Two independent answers quoting the Gettysburg Address or a Shakespeare sonnet blocked as copies
of a reference that quotes it (noticed in the fifth session). The most quoted public-domain
texts are now set aside by name like a licence notice (``matching/attributed.py``,
class ``public-domain``); what is left must still verify, so a copy of the reference's own words
around the quotation still blocks. Any other text is set aside only by the common-passage test or
a background source (``tests/acceptance/test_background.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl
from provcheck.matching.attributed import PUBLIC_DOMAIN

GETTYSBURG, SONNET = PUBLIC_DOMAIN[0], PUBLIC_DOMAIN[1]
BLOCKING_POLICY = """\
include: [provcheck:openai]
use: {purpose: train-competing-model, commercial: true}
"""
OWN = REFERENCE_TEXTS[0]
"""The reference's own words around the quotation."""


def _scan(tmp_path: Path, texts: dict[str, str]) -> dict[str, dict]:
    refs = write_jsonl(
        tmp_path / "refs.jsonl",
        [
            {"id": "speech", "text": f"Here is the full text of the address:\n\n{GETTYSBURG}"},
            {"id": "essay", "text": f"{OWN}\n\nAs the sonnet has it:\n\n{SONNET}\n\n{REFERENCE_TEXTS[2]}"},
            {"id": "poem", "text": f'Sonnet 18 reads:\n\n"{SONNET}"\n\nIt is among the most quoted poems.'},
        ],
    )
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "chat", "--provider", "openai", "-q"])
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": k, "text": v} for k, v in texts.items()])
    policy, out = tmp_path / "policy.yaml", tmp_path / "r.json"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    run_cli(["scan", data, "-i", index, "-p", policy, "-q", "--no-cache", "-o", out, "--fail-on", "never"])
    doc = json.loads(out.read_text())
    strength = {m["record"]["id"]: m["strength"] for m in doc["matches"]}
    worst: dict[str, dict] = {}
    for f in doc["findings"]:
        rid = f["record"]["id"]
        if rid not in worst or f["action"] == "block":
            worst[rid] = {"action": f["action"], "strength": strength[rid]}
    return worst


def test_answers_quoting_a_famous_public_domain_text_do_not_block(tmp_path: Path) -> None:
    got = _scan(
        tmp_path,
        {
            "speech": f"Lincoln delivered it in November 1863:\n\n{GETTYSBURG}",
            "poem": f"Shakespeare's eighteenth sonnet:\n\n{SONNET.replace(';', ',')}",
        },
    )
    assert {k: v["action"] for k, v in got.items()} == {"speech": "review", "poem": "review"}
    for v in got.values():
        assert v["strength"]["convergence"] == "public-domain", v["strength"]["reason"]
        assert "famous public-domain text" in v["strength"]["reason"]


def test_a_copy_of_the_reference_around_the_quotation_still_blocks(tmp_path: Path) -> None:
    """The quotation is set aside, the reference's own words (most of it) are left and verify.
    (A copy that is mostly the quotation still blocks while the own words left verify alone, and
    is explained when they do not: test_adversarial8.py.)"""
    got = _scan(tmp_path, {"copy": f"{OWN}\n\nIn the poet's words:\n\n{SONNET}\n\n{REFERENCE_TEXTS[2]}"})
    assert got["copy"]["action"] == "block", got["copy"]["strength"]["reason"]
