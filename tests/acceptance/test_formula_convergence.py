"""A standard formula written independently is convergence, not a copy (issue 12).

Maxwell's equations have one usual LaTeX form: two answers that each state them, and nothing
else, are a whole near-verbatim match (similarity 1.0 over 42 tokens). It was worded "Copies the
reference", estimated 99% derived, and blocked under a policy blocking every match. It is now
found and shown, class ``formula``, and reviewed; a copy of prose around the same formula still
blocks."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

MAXWELL_REF = (
    "$$\n\\begin{aligned}\n\\nabla \\cdot \\mathbf{E} &= \\frac{\\rho}{\\varepsilon_0} \\\\\n"
    "\\nabla \\cdot \\mathbf{B} &= 0 \\\\\n"
    "\\nabla \\times \\mathbf{E} &= -\\frac{\\partial \\mathbf{B}}{\\partial t} \\\\\n"
    "\\nabla \\times \\mathbf{B} &= \\mu_0 \\mathbf{J} + \\mu_0 \\varepsilon_0 "
    "\\frac{\\partial \\mathbf{E}}{\\partial t}\n\\end{aligned}\n$$"
)
# Written apart: another environment, other line breaks.
MAXWELL_OWN = (
    "\\begin{align}\n\\nabla \\cdot \\mathbf{E} &= \\frac{\\rho}{\\varepsilon_0} \\\\\n"
    "\\nabla \\cdot \\mathbf{B} &= 0 \\\\\n\\nabla \\times \\mathbf{E} &= "
    "-\\frac{\\partial \\mathbf{B}}{\\partial t} \\\\\n\\nabla \\times \\mathbf{B} &= "
    "\\mu_0 \\mathbf{J} + \\mu_0 \\varepsilon_0 \\frac{\\partial \\mathbf{E}}{\\partial t}\n\\end{align}"
)
BLOCK_ALL = """\
name: block every match
rules:
  - id: any-match
    title: Any match
    signal: match
    when: {match.similarity: {gte: 0}}
    action: block
"""


def scan(tmp_path: Path, reference: str, answer: str, code: int) -> dict:
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "ref", "text": reference}])
    data = write_jsonl(
        tmp_path / "data.jsonl",
        [{"id": "own", "instruction": "State Maxwell's equations.", "input": "", "output": answer}],
    )
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_ALL)
    out = tmp_path / "r.json"
    run_cli(["scan", "-i", index, data, "-p", policy, "-f", "json", "-o", out, "--no-cache"], code=code)
    return json.loads(out.read_text())


def test_a_standard_formula_written_independently_is_reviewed_not_blocked(tmp_path: Path) -> None:
    doc = scan(tmp_path, MAXWELL_REF, MAXWELL_OWN, 0)
    (match,) = doc["matches"]  # still found and shown to a reviewer
    strength = match["strength"]
    assert strength["convergence"] == "formula" and not strength["can_block"]
    assert strength["reason"].startswith("Shares aligned passages with the reference")
    assert "mathematical notation" in strength["reason"]
    assert [f["action"] for f in doc["findings"]] == ["review"]


def test_a_copy_of_prose_around_a_formula_still_blocks(tmp_path: Path) -> None:
    prose = f"{REFERENCE_TEXTS[0]}\n\n{MAXWELL_REF}\n\n{REFERENCE_TEXTS[1]}"
    doc = scan(tmp_path, prose, prose, 1)
    (match,) = doc["matches"]
    assert match["strength"]["convergence"] is None and match["strength"]["can_block"]
    assert [f["action"] for f in doc["findings"]] == ["block"]
