"""An indexed source's provenance basis (outside counsel 21, P1).

An indexed source's provider, generator and date are what the person who built the index wrote;
reports stated them with nothing to say what they rest on, and a DeepSeek permission ("Nothing
to do") cleared records on that word alone. A source now records its basis (``meta.basis``:
where its text came from, who indexed it, the evidence for its facts), the reports show it
beside the source, and say "basis not recorded" where it is absent; a permission resting on a
source without one says so in its card.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, run_cli

STAND_IN = "stand-in text written for provcheck's test fixtures (references/deepseek_chat.jsonl)"


def _scan(root: Path, sources_text: str) -> dict[str, str]:
    shutil.copytree(FIXTURES / "demo", root / "demo")
    demo = root / "demo"
    (demo / "sources.yaml").write_text(sources_text, encoding="utf-8")
    run_cli(["index", "build", root / "index", "--sources", demo / "sources.yaml", "--quiet"])
    args: list[object] = ["scan", demo / "dataset", "--index", root / "index"]
    args += ["--policy", demo / "policy.yaml", "--waivers", demo / "waivers.yaml", "-q"]
    args += ["-f", "text", "-o", root / "r.txt", "-f", "markdown", "-o", root / "r.md"]
    run_cli([*args, "-f", "html", "-o", root / "r.html", "-f", "json", "-o", root / "r.json"], 1)
    return {fmt: (root / f"r.{fmt}").read_text(encoding="utf-8") for fmt in ("txt", "md", "html", "json")}


def _without_basis(text: str) -> str:
    """The demo's sources file with every ``basis:`` (and its folded lines) taken out."""
    return re.sub(r"      basis: >-\n(?:        .*\n)+", "", text)


@pytest.fixture(scope="module")
def based(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    text = (FIXTURES / "demo" / "sources.yaml").read_text(encoding="utf-8")
    return _scan(tmp_path_factory.mktemp("based"), text)


@pytest.fixture(scope="module")
def unbased(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    text = _without_basis((FIXTURES / "demo" / "sources.yaml").read_text(encoding="utf-8"))
    assert "basis:" not in text
    return _scan(tmp_path_factory.mktemp("unbased"), text)


def _flat(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&quot;", '"').split())


def _bases(html: str) -> str:
    """The list of bases under the sources table."""
    found = re.search(
        r'<table class="sources">.*?</table>.*?<ul class="note" id="source-bases">.*?</ul>', html, flags=re.S
    )
    assert found is not None
    return found[0][found[0].index('<ul class="note" id="source-bases">') :]


def _card(html: str, rule: str) -> str:
    cards = re.findall(r'<details class="finding".*?</details>', html, flags=re.S)
    found = [c for c in cards if f"<b>{rule}</b>" in c]
    assert found, rule
    return _flat(found[0])


def test_the_demo_records_honestly_that_its_sources_are_stand_ins() -> None:
    text = (FIXTURES / "demo" / "sources.yaml").read_text(encoding="utf-8")
    assert text.count("basis: >-") == 3, "every demo source records its basis"
    assert "not collected from" in " ".join(text.split())


def test_a_recorded_basis_is_shown_beside_the_source_in_every_report(based: dict[str, str]) -> None:
    html = _flat(based["html"])
    sources = _flat(_bases(based["html"]))
    assert f"deepseek-chat-outputs : {STAND_IN}" in sources
    assert "basis not recorded" not in sources
    # The finding's provenance names the matched source's basis.
    card = _card(based["html"], "deepseek-training-permitted")
    assert f"basis: {STAND_IN}" in card
    assert "the basis recorded for those facts: " + STAND_IN in card
    assert html.count("basis not recorded") == 1, "only in the note on what a source's facts are"
    assert "marker:" not in sources, "a marker is not an indexed source"
    for fmt in ("txt", "md"):
        flat = " ".join(based[fmt].replace("\\", "").split())
        assert "Basis of each indexed source's facts: sharegpt-dump: stand-in text" in flat, fmt
    assert "deepseek-chat-outputs (deepseek/deepseek-chat; basis recorded, under By source)" in based["txt"]
    report = json.loads(based["json"])
    rows = {r["source"]: r for r in report["summary"]["sources"]}
    assert rows["deepseek-chat-outputs"]["basis"].startswith(STAND_IN)
    assert "basis" not in rows["marker: AI self-reference (ChatGPT-era filter phrase)"]
    permits = [f for f in report["findings"] if f["rule"] == "deepseek-training-permitted"]
    assert permits and all(f["source"]["basis"].startswith(STAND_IN) for f in permits)
    details = {d["name"]: d for d in report["run"]["index"]["source_details"]}
    assert details["sharegpt-dump"]["basis"].startswith("stand-in text")


def test_without_a_basis_every_report_says_it_is_not_recorded(unbased: dict[str, str]) -> None:
    sources = _flat(_bases(unbased["html"]))
    assert sources.count("basis not recorded") == 3, "one per indexed source"
    card = _card(unbased["html"], "openai-no-competing-models")
    said = "basis not recorded: its provider, generator and date are as the index builder recorded them"
    assert said in card
    for fmt in ("txt", "md"):
        flat = " ".join(unbased[fmt].replace("\\", "").split())
        assert "deepseek-chat-outputs: basis not recorded" in flat, fmt
    assert "(openai/gpt-3.5-turbo; basis not recorded)" in unbased["txt"]
    report = json.loads(unbased["json"])
    assert all(r["basis"] is None for r in report["summary"]["sources"] if r["indexed"])
    assert all(f["source"]["basis"] is None for f in report["findings"] if f.get("match"))
    assert all("basis" not in d for d in report["run"]["index"]["source_details"])


def test_a_permission_on_a_source_without_a_basis_says_what_it_rests_on(unbased: dict[str, str]) -> None:
    """The DeepSeek permission ("Nothing to do") cleared a record on the index builder's word:
    its card and the text report now say so; its action is left as the rule gives it (and what
    to do asks for the facts to be confirmed, counsel 23)."""
    card = _card(unbased["html"], "deepseek-training-permitted")
    assert "Confirm the material is DeepSeek service output" in card
    assert (
        "This finding rests on what the index records of deepseek-chat-outputs (provider deepseek, "
        "generator deepseek-chat, dated 2025-06-01); no basis is recorded for those facts" in card
    )
    assert "If the source was recorded wrongly, this finding is wrong" in card
    assert "rests on: This finding rests on what the index records of deepseek-chat-outputs" in " ".join(
        unbased["txt"].split()
    )
    # Blocking findings carry no such row: it is about permissions.
    assert "This finding rests on" not in _card(unbased["html"], "openai-no-competing-models")
    report = json.loads(unbased["json"])
    permits = [f for f in report["findings"] if f["rule"] == "deepseek-training-permitted"]
    assert permits and all(f["action"] == "info" for f in permits)


def test_basis_is_a_meta_fact_and_unknown_keys_are_still_refused(tmp_path: Path) -> None:
    ref = tmp_path / "ref.jsonl"
    ref.write_text(json.dumps({"text": "A reference text long enough to be indexed as one."}) + "\n")
    idx = tmp_path / "idx"
    base: list[object] = ["index", "add", idx, ref, "--source", "s", "--provider", "acme"]
    # A near miss of the key is refused, not stored as a fact no report reads.
    result = run_cli([*base, "--meta", "Basis=https://example.org/dump sha256 0f0f"], code=2)
    assert "did you mean 'basis'" in result.stderr
    assert not idx.exists()
    run_cli([*base, "--meta", "basis=https://example.org/dump, indexed by J. Doe 2026-01-02"])
    info = run_cli(["index", "info", idx, "--format", "json"]).stdout
    assert "https://example.org/dump, indexed by J. Doe 2026-01-02" in info
    # In a sources file the basis goes under meta; a top-level basis key is an unknown key.
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        f"sources:\n  - path: {ref}\n    source: t\n    basis: written by hand\n", encoding="utf-8"
    )
    result = run_cli(["index", "build", tmp_path / "idx2", "--sources", manifest], code=2)
    assert "sources.yaml:4: unknown key 'basis'" in result.stderr
