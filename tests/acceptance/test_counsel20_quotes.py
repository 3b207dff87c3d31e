"""Outside counsel 20, P15: the terminal report clipped every clause's words at 400 characters,
so the CC BY-NC 4.0 quote cited as "section 2(a)(1); 1(i)" stopped at "NonCo…" before the
definition of NonCommercial (1(i)) it rests on; the Markdown summary cited the section without
any words. Both now give each clause's words in full, once."""

from __future__ import annotations

import re
import shutil

import pytest

from helpers import FIXTURES, run_cli

DEFINITION = (
    "i. NonCommercial means not primarily intended for or directed towards commercial advantage "
    "or monetary compensation."
)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("quotes")
    shutil.copytree(FIXTURES / "demo", root / "demo")
    demo = root / "demo"
    run_cli(["index", "build", root / "index", "--sources", demo / "sources.yaml", "--quiet"])
    args: list[object] = ["scan", demo / "dataset", "--index", root / "index"]
    args += ["--policy", demo / "policy.yaml", "--waivers", demo / "waivers.yaml", "-q"]
    args += ["-f", "text", "-o", root / "r.txt", "-f", "markdown", "-o", root / "r.md"]
    run_cli(args, 1)
    return {fmt: (root / f"r.{fmt}").read_text(encoding="utf-8") for fmt in ("txt", "md")}


def _flat(text: str) -> str:
    return " ".join(text.replace("\\", "").split())


def test_the_terminal_report_quotes_the_definition_it_cites_once(reports: dict[str, str]) -> None:
    text = _flat(reports["txt"])
    assert DEFINITION in text
    assert text.count(DEFINITION) == 1, "each clause's words are printed once, then referred to"
    assert "NonCo…" not in text
    # Every later finding under the same clause points back to the words.
    assert len(re.findall(r"clause: as quoted in full above", text)) >= 2


def test_the_markdown_summary_quotes_each_cited_clause(reports: dict[str, str]) -> None:
    text = _flat(reports["md"])
    assert "Clauses quoted, in full as the policy records them:" in text
    assert DEFINITION in text
    assert (
        "section 2(c)(iii): “(iii) use output from the Services to develop models that compete with OpenAI;”"
        in text
    )
