"""Trust 23, item 2: where a decision is made, the reports say when findings rest on sources
whose provenance basis is not recorded.

Each indexed source can record its basis (``meta: basis``); reports listed it under the sources
table and in each finding's card, but the headline, the decision facts and SARIF's results
(what a dashboard shows) did not say that the findings rest on the index builder's word alone.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

POLICY = "include: [provcheck:default]\nuse: {purpose: train-competing-model, commercial: true}\n"
LINE = "finding(s) rest on sources whose provenance basis is not recorded: share ("


def _index(tmp_path: Path, reference_file: Path, *meta: str) -> Path:
    idx = tmp_path / "index"
    extra = [x for m in meta for x in ("--meta", m)]
    run_cli(
        [
            "index",
            "add",
            idx,
            reference_file,
            "--source",
            "share",
            "--provider",
            "openai",
            "--generator",
            "gpt-3.5-turbo",
            *extra,
            "-q",
        ]
    )
    return idx


def _scan(tmp_path: Path, idx: Path) -> dict[str, str]:
    data = write_jsonl(tmp_path / "data" / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    out = {k: tmp_path / f"r.{k}" for k in ("txt", "md", "html", "sarif")}
    args: list[object] = ["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"]
    for fmt, path in zip(("text", "markdown", "html", "sarif"), out.values(), strict=True):
        args += ["-f", fmt, "-o", path]
    run_cli(args, code=1)
    return {k: p.read_text(encoding="utf-8") for k, p in out.items()}


def test_findings_on_a_source_with_no_basis_are_said_where_the_decision_is_made(
    tmp_path: Path, reference_file: Path
) -> None:
    reports = _scan(tmp_path, _index(tmp_path, reference_file))
    text = reports["txt"].splitlines()
    # Text: right after the verdict, before the sources table.
    (at,) = (i for i, line in enumerate(text) if line.startswith("Blocked:"))
    after = " ".join(text[at : next(i for i, line in enumerate(text) if line.startswith("By source ("))])
    assert LINE in after and "1 finding)" in after
    # Markdown: under the heading.
    md = reports["md"].split("\n\n")
    assert md[0].startswith("### provcheck: Blocked") and LINE in md[1]
    # HTML: in the executive summary beside the verdict, and among the facts the decision rests on.
    html = reports["html"]
    summary = html[html.index('id="verdict"') : html.index("<h3>Scope</h3>")]
    assert 'id="basis-not-recorded"' in summary and LINE in summary
    facts = html[html.index("<h3>Facts the decision rests on</h3>") :]
    assert "<dt>Provenance basis</dt>" in facts and LINE in facts.split("<dt>Waivers</dt>")[0]
    # SARIF: the message a dashboard shows, and the result's properties.
    (result,) = json.loads(reports["sarif"])["runs"][0]["results"]
    assert "(source share: basis not recorded)" in result["message"]["text"]
    assert result["properties"]["provenanceBasis"] == [{"source": "share", "basis": None}]


def test_a_recorded_basis_is_carried_and_no_warning_is_given(tmp_path: Path, reference_file: Path) -> None:
    said = "exported from sharegpt.com on 2023-04-01 by J. Doe, sha256 9f2c"
    reports = _scan(tmp_path, _index(tmp_path, reference_file, f"basis={said}"))
    assert "provenance basis is not recorded" not in reports["txt"] + reports["md"]
    html = reports["html"]
    assert 'id="basis-not-recorded"' not in html
    facts = html[html.index("<h3>Facts the decision rests on</h3>") :]
    assert "recorded for every indexed source the findings rest on" in facts
    (result,) = json.loads(reports["sarif"])["runs"][0]["results"]
    assert f"(source share: basis: {said})" in result["message"]["text"]
    assert result["properties"]["provenanceBasis"] == [{"source": "share", "basis": said}]


def test_a_parent_in_the_chain_with_no_basis_is_named(tmp_path: Path, reference_file: Path) -> None:
    """A source with a basis, derived from an indexed source with none: the finding rests on the
    parent's facts too (its provider is what the rule tests)."""
    idx = _index(tmp_path, reference_file)  # "share": openai, no basis
    child = write_jsonl(
        tmp_path / "refs" / "distilled.jsonl",
        [{"id": "d-1", "text": REFERENCE_TEXTS[1]}],
    )
    run_cli(
        [
            "index",
            "add",
            idx,
            child,
            "--source",
            "distilled",
            "-q",
            "--meta",
            "derived_from=share",
            "--meta",
            "basis=downloaded from hf.co/acme/distilled",
        ]
    )
    data = write_jsonl(tmp_path / "data" / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[1]}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    out = tmp_path / "r.sarif"
    text = run_cli(
        [
            "scan",
            data,
            "-i",
            idx,
            "-p",
            policy,
            "--no-cache",
            "-f",
            "text",
            "-f",
            "sarif",
            "-o",
            "-",
            "-o",
            out,
        ],
        code=1,
    ).stdout
    results = json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
    chained = [r for r in results if r["properties"]["chain"] == ["distilled", "share"]]
    assert chained, [r["properties"]["chain"] for r in results]
    for r in chained:
        assert r["properties"]["provenanceBasis"] == [
            {"source": "distilled", "basis": "downloaded from hf.co/acme/distilled"},
            {"source": "share", "basis": None},
        ]
        assert "source share: basis not recorded" in r["message"]["text"]
    assert "rest on sources whose provenance basis is not recorded: share (" in " ".join(text.split())
    assert "distilled (" not in text.split("By source")[0]
