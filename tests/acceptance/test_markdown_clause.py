"""The Markdown summary says where to find a cited clause.

COUNSEL (counsel 12's note, fixed in the eleventh session). The Markdown report's *Findings by
rule* gave a clause's document, date and quote confidence only: a reviewer holding only the
pull request's summary could not find the words the finding rests on. It now gives the section
and the document's URL (as inert text); the quote itself is in the HTML and JSON reports.
"""

from __future__ import annotations

from pathlib import Path

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

POLICY = "use: {purpose: train-competing-model}\ninclude: [provcheck:default]\n"


def test_the_markdown_summary_gives_the_clause_s_section_and_url(tmp_path: Path, index_dir: Path) -> None:
    data = write_jsonl(tmp_path / "data" / "a.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    out = tmp_path / "r.md"
    run_cli(
        ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "markdown", "-o", out], code=1
    )
    text = out.read_text(encoding="utf-8")
    assert "OpenAI Terms of Use, section " in text
    assert ", https://openai.com/policies/" in text
