"""Outside counsel 23, points 2 and 3: a signature binds what was signed, and a decision file
cannot sign for no one.

- P2: the report's id and digest left out the dataset card and the waivers file the decision
  says it rests on (a card's body or a waiver's reason edited gave the same id, and a decision
  made on the one was shown on the other), and nothing recorded the decision file's content.
- P3: ``approve-with-conditions`` with the condition ``n/a`` by ``name: "-"`` was accepted over
  four blocking findings; a decision dated 2031 was shown as on record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from helpers import FIXTURES, run_cli

DEMO = FIXTURES / "demo"


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("demo23") / "index"
    run_cli(["index", "build", index, "--sources", DEMO / "sources.yaml", "-q"])
    return index


def _copy_demo(tmp_path: Path) -> Path:
    """The demo's dataset, policy and waivers, in a directory the test may edit."""
    root = tmp_path / "demo"
    shutil.copytree(DEMO / "dataset", root / "dataset")
    shutil.copy(DEMO / "policy.yaml", root / "policy.yaml")
    shutil.copy(DEMO / "waivers.yaml", root / "waivers.yaml")
    return root


def _scan(root: Path, index: Path, *extra: object, code: int = 1) -> dict:
    out = root.parent / f"r{len(list(root.parent.glob('r*.json')))}.json"
    args: list[object] = ["scan", root / "dataset", "--index", index, "--policy", root / "policy.yaml"]
    args += ["--waivers", root / "waivers.yaml", "-q", "-f", "json", "-o", out, *extra]
    run_cli(args, code)
    return json.loads(out.read_text())


def _decision(path: Path, report: str | None = None, **fields: str) -> Path:
    body = {
        "decision": "reject",
        "name": "Jane Doe",
        "role": "Product counsel",
        "date": dt.datetime.now(dt.timezone.utc).date().isoformat(),
        **fields,
    }
    if report is not None:
        body["report"] = report
    path.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in body.items()))
    return path


def test_a_changed_card_or_waiver_reason_changes_the_report_id(tmp_path: Path, demo_index: Path) -> None:
    root = _copy_demo(tmp_path)
    before = _scan(root, demo_index)["report"]
    assert _scan(root, demo_index)["report"] == before  # the same inputs give the same id
    card = root / "dataset" / "README.md"
    card.write_text(card.read_text() + "\nA sentence added to the card's body.\n")
    after_card = _scan(root, demo_index)["report"]
    assert after_card["id"] != before["id"]
    waivers = root / "waivers.yaml"
    text = waivers.read_text()
    assert "being removed in the next release" in text
    waivers.write_text(text.replace("being removed in the next release", "kept until a later release"))
    after_waivers = _scan(root, demo_index)["report"]
    assert after_waivers["id"] not in (before["id"], after_card["id"])
    # A decision made on the first report is refused on the edited inputs.
    decision = _decision(tmp_path / "d.yaml", before["id"])
    out = tmp_path / "refused.json"
    args: list[object] = ["scan", root / "dataset", "--index", demo_index, "--policy", root / "policy.yaml"]
    result = run_cli([*args, "--waivers", waivers, "-q", "--decision", decision, "-f", "json", "-o", out], 2)
    assert "is not this scan's report" in result.stderr and not out.exists()


def test_the_decision_digest_binds_the_decision_file_and_is_shown_where_it_is_signed(
    tmp_path: Path, demo_index: Path
) -> None:
    root = _copy_demo(tmp_path)
    report = _scan(root, demo_index)["report"]
    first = _decision(tmp_path / "first.yaml", report["id"])
    second = _decision(tmp_path / "second.yaml", report["id"], notes="Reviewed again.")
    docs = []
    for decision in (first, second):
        html, text = tmp_path / f"{decision.stem}.html", tmp_path / f"{decision.stem}.txt"
        sarif = tmp_path / f"{decision.stem}.sarif"
        shown = ("-f", "html", "-o", html, "-f", "text", "-o", text, "-f", "sarif", "-o", sarif)
        doc = _scan(root, demo_index, "--decision", decision, *shown)
        assert doc["report"] == report  # the report's own identity leaves the decision out
        file_sha = hashlib.sha256(decision.read_bytes()).hexdigest()
        bound = hashlib.sha256(f"{report['digest']}\n{file_sha}".encode()).hexdigest()
        assert doc["decision"]["file_sha256"] == file_sha and doc["decision"]["sha256"] == bound
        signature = html.read_text().split('<div class="signature">')[-1].split("</div>")[0]
        assert f'decision digest <span class="mono">{bound}</span>' in signature
        assert f"decision digest {bound}" in " ".join(text.read_text().split())
        assert json.loads(sarif.read_text())["runs"][0]["properties"]["decision"]["sha256"] == bound
        docs.append(doc)
    assert docs[0]["decision"]["sha256"] != docs[1]["decision"]["sha256"]


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"name": "-"}, "name '-' names no one"),
        ({"role": "n/a"}, "role 'n/a' names no one"),
        ({"decision": "approve-with-conditions", "conditions": "n/a"}, "condition 'n/a' says nothing"),
        ({"decision": "approve", "override": "none"}, "override 'none' says nothing"),
        ({"date": "2031-05-05"}, "date 2031-05-05 is in the future"),
    ],
)
def test_a_decision_that_signs_for_no_one_or_is_dated_ahead_is_refused(
    tmp_path: Path, demo_index: Path, fields: dict[str, str], said: str
) -> None:
    root = _copy_demo(tmp_path)
    decision = _decision(tmp_path / "d.yaml", **fields)
    out = tmp_path / "r.json"
    args: list[object] = ["scan", root / "dataset", "--index", demo_index, "--policy", root / "policy.yaml"]
    result = run_cli([*args, "-q", "--decision", decision, "-f", "json", "-o", out], 2)
    assert said in result.stderr and f"{decision}:" in result.stderr and not out.exists()


def test_a_decision_dated_before_the_scan_says_so(tmp_path: Path, demo_index: Path) -> None:
    root = _copy_demo(tmp_path)
    decision = _decision(tmp_path / "d.yaml", date="2020-01-01")
    md = tmp_path / "r.md"
    _scan(root, demo_index, "--decision", decision, "-f", "markdown", "-o", md)
    assert "2020-01-01 (dated before this scan ran on" in md.read_text()
    assert "and the file names no report)" in md.read_text()


def test_the_facts_signed_name_the_least_verified_quote_relied_on(tmp_path: Path, demo_index: Path) -> None:
    """P4: the quote confidence was shown beside each quote and in a legend, not among the facts
    the decision is signed on; the demo's OpenAI clause is verified in a secondary copy only."""
    root = _copy_demo(tmp_path)
    html = tmp_path / "r.html"
    _scan(root, demo_index, "-f", "html", "-o", html)
    page = html.read_text()
    facts = page[page.index("Facts the decision rests on") :]
    row = facts[facts.index("<dt>Quotes relied on</dt>") :].split("</dd>")[0]
    assert "the least verified: quote confidence V-S" in row
    assert "OpenAI Terms of Use, section 2(c)(iii), effective 2023-03-14" in row
    # A policy whose rules cite no clause gives no such row (nothing is claimed of quotes).
    policy = tmp_path / "bare.yaml"
    policy.write_text(
        "use: {purpose: train-competing-model}\nrules:\n  - id: openai-compete\n"
        "    title: OpenAI output\n    when: {source.provider: openai}\n    action: review\n"
        "    message: copies {source.name}\n"
    )
    bare = tmp_path / "bare.html"
    args: list[object] = ["scan", root / "dataset", "--index", demo_index, "--policy", policy, "-q"]
    run_cli([*args, "--fail-on", "never", "-f", "html", "-o", bare], 4)  # 4: the demo's unreadable record
    assert "Quotes relied on" not in bare.read_text()
