"""Outside counsel 23's points on the policy packs' legal facts and wording (helper pk23).

* P1: the Stanford Alpaca README statement has a date in the reference (§6: "The CC BY NC notice
  was added 2023-03-25"); the pack gave none, so the research-only finding said "the policy gives
  no date" and blocked material dated 2023-03-13, while the OpenAI finding on the same record was
  lowered for a one-day gap. The date is now recorded, labelled as the reference gives it
  ("added"), and the same date rule lowers the finding; DATA_LICENSE, which the reference does
  not date, keeps its block and says so.
* P7: ``LicenseRef-ShareGPT`` met no licence rule, silently. ShareGPT has no licence ("none
  released; unclear terms"): it is read as no licence (a review). Any licence id no rule can read
  is said to be "not assessed" in By source, JSON and Rules checked.
* P6: rule wording kept the clause, the facts and the inference apart: no "so copies … are
  excluded"; a dataset card that names only tatsu-lab/alpaca is not said to say it derives from
  OpenAI output (the link is provcheck's catalogue).
* P9: DeepSeek's permission finding names the document as the reference does (Terms of Service),
  labels its date "Last Update", says its V-P wording is from EU-served snapshots, and asks the
  reader to confirm the facts instead of "Nothing to do".
* P10 (dates): OpenAI's 2023 version is shown "Updated 2023-03-14", not "effective", and the
  reference's "Pre-2023 wording: not verified" is cited in its own words.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import ROOT, run_cli, write_jsonl

REFS = ROOT / "fixtures" / "demo" / "references"
PACKS = ROOT / "policies"
POLICY = """\
version: 1
name: counsel 23 packs
include: [provcheck:default]
use:
  purpose: train-competing-model
  commercial: true
  distributed: true
sources:
  alpaca-nc:
    derived_from: tatsu-lab/alpaca
"""
CARD = (
    "---\nlicense: apache-2.0\nsource_datasets:\n  - tatsu-lab/alpaca\n---\n# Mix\n\nPart of it is Alpaca.\n"
)
ALPACA_LATER = """\
  tatsu-lab/alpaca:
    license: CC-BY-NC-4.0 AND LicenseRef-Alpaca-Research-Use-Only
    derived_from: model:openai/text-davinci-003
    date: 2023-04-01
"""
FORMATS = {"json": "json", "text": "txt", "markdown": "md", "html": "html"}


def _output(path: Path, index: int) -> str:
    return str(json.loads(path.read_text())[index]["output"])


def _turn(path: Path, index: int) -> str:
    line = path.read_text().splitlines()[index]
    turns = json.loads(line).get("conversations") or json.loads(line)["messages"]
    return str(turns[-1].get("value") or turns[-1].get("content"))


def _scan(root: Path, alpaca_date: str, sources: str = "") -> dict[str, Any]:
    """Index stand-ins for Alpaca (dated ``alpaca_date``; ``sources``: more of the policy's
    ``sources:``), ShareGPT, DeepSeek chat output and a
    source under a licence provcheck knows nothing of; scan copies of each with a card that names
    tatsu-lab/alpaca, under every shipped pack."""
    index = root / "index"
    base = ["index", "add", index]
    alpaca = ["--provider", "openai", "--generator", "text-davinci-003", "--license", "CC-BY-NC-4.0"]
    run_cli(
        [
            *base,
            REFS / "alpaca_nc.json",
            "--source",
            "alpaca-nc",
            *alpaca,
            "--meta",
            f"date={alpaca_date}",
            "-q",
        ]
    )
    share = ["--provider", "openai", "--generator", "gpt-3.5-turbo", "--license", "LicenseRef-ShareGPT"]
    share += ["--terms", "openai-terms-of-use", "--roles", "gpt", "--meta", "date=2023-03-20"]
    run_cli([*base, REFS / "chatgpt_share.jsonl", "--source", "sharegpt", *share, "-q"])
    ds = ["--provider", "deepseek", "--generator", "deepseek-chat", "--terms", "deepseek-terms-of-use"]
    run_cli(
        [
            *base,
            REFS / "deepseek_chat.jsonl",
            "--source",
            "deepseek-chat",
            *ds,
            "--meta",
            "date=2025-06-01",
            "-q",
        ]
    )
    acme = write_jsonl(root / "acme.jsonl", [{"id": "acme", "text": "Acme's own words about widgets " * 12}])
    run_cli([*base, acme, "--source", "acme", "--license", "LicenseRef-Acme-Terms", "-q"])
    data = root / "data"
    data.mkdir()
    write_jsonl(
        data / "mix.jsonl",
        [
            {"id": "alpaca", "instruction": "Say.", "output": _output(REFS / "alpaca_nc.json", 0)},
            {"id": "share", "instruction": "Say.", "output": _turn(REFS / "chatgpt_share.jsonl", 1)},
            {"id": "ds", "instruction": "Say.", "output": _turn(REFS / "deepseek_chat.jsonl", 0)},
        ],
    )
    (data / "README.md").write_text(CARD)
    policy = root / "policy.yaml"
    policy.write_text(POLICY + sources)
    out = {fmt: root / f"r.{ext}" for fmt, ext in FORMATS.items()}
    args: list[Any] = ["scan", "-i", index, data, "-p", policy, "--no-cache", "-q"]
    for fmt, target in out.items():
        args += ["-f", fmt, "-o", target]
    run_cli(args, code=1)
    doc = json.loads(out["json"].read_text())
    texts = {fmt: target.read_text() for fmt, target in out.items()}
    return {"doc": doc, **texts}


def _findings(doc: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["rule"] == rule]


def _on(doc: dict[str, Any], rule: str, source: str) -> dict[str, Any]:
    """The one finding of ``rule`` on ``source``."""
    (found,) = [f for f in _findings(doc, rule) if f["source"]["name"] == source]
    return found


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _scan(tmp_path_factory.mktemp("counsel23"), "2023-03-13")


# P1 ------------------------------------------------------------------------------------------


def test_alpaca_statement_dated_as_the_reference_dates_it(reports: dict[str, Any]) -> None:
    """The README statement carries the reference's date, labelled "added", and material dated
    before it is lowered to review by the same rule as OpenAI's, with the reason said."""
    (f,) = _findings(reports["doc"], "research-only-licence-outside-research")
    c = f["clause"]
    assert (c["effective"], c["date_label"]) == ("2023-03-25", "added")
    assert 'The CC BY NC notice was added 2023-03-25 ("Update README.md to clarify license")' in " ".join(
        c["effective_note"].split()
    )
    assert f["action"] == "review"
    low = f["date_lowering"]
    assert (low["date"], low["from"], low["to"]) == ("2023-03-13", "block", "review")
    assert (low["clause"]["effective"], low["clause"]["date_label"]) == ("2023-03-25", "added")
    assert "before this wording's date on record (added 2023-03-25)" in c["note"]
    # The OpenAI finding on the same record is lowered by the same rule.
    o = _on(reports["doc"], "openai-no-competing-models", "alpaca-nc")
    assert o["action"] == "review" and o["date_lowering"] is not None
    # No format says the policy gives no date for the README statement.
    text = " ".join(reports["text"].split())
    said = "Stanford Alpaca README (data licence statement), section not recorded (find the quoted words in "
    said += "the document)"
    assert f"{said}, added 2023-03-25" in text
    for fmt in ("text", "markdown", "html"):
        said = " ".join(reports[fmt].split())
        start = said.find("Stanford Alpaca README")
        assert start != -1
        assert "the policy gives no date" not in said[start : start + 3000], fmt


def test_data_licence_undated_keeps_its_block_and_says_why(reports: dict[str, Any]) -> None:
    """CC BY-NC (Alpaca's DATA_LICENSE) has no date on record: its finding stays block, and its
    date line says the reference gives none for DATA_LICENSE (it dates only the README notice)."""
    (f,) = _findings(reports["doc"], "noncommercial-licence-in-commercial-use")
    assert f["action"] == "block" and f["date_lowering"] is None
    note = " ".join(f["clause"]["date_note"].split())
    assert "The reference gives no date for that" in note
    assert "not DATA_LICENSE itself" in note
    assert "this report does not hold" not in note


def test_alpaca_statement_in_force_still_blocks(tmp_path: Path) -> None:
    """Material dated after the statement was added is blocked as before: the date, not the
    rule, changed the demo's verdict. (The date tested is the nearest dated source's: Alpaca's
    own in the catalogue, 2023-03-13, unless the policy records another.)"""
    doc = _scan(tmp_path, "2023-04-01", ALPACA_LATER)["doc"]
    (f,) = _findings(doc, "research-only-licence-outside-research")
    assert f["action"] == "block" and f["date_lowering"] is None
    assert f["clause"]["note"] is None


# P7 ------------------------------------------------------------------------------------------


def test_sharegpt_is_read_as_no_licence(reports: dict[str, Any]) -> None:
    """ShareGPT has no released licence: the unlicensed-material rule reviews its copies."""
    found = _findings(reports["doc"], "unlicensed-material")
    assert [f["source"]["name"] for f in found] == ["sharegpt"]
    assert found[0]["action"] == "review"
    (row,) = [s for s in reports["doc"]["summary"]["sources"] if s["source"] == "sharegpt"]
    assert "license_not_assessed" not in row


def test_unknown_licence_is_said_not_assessed(reports: dict[str, Any]) -> None:
    """A licence id with no known trait is never silent: JSON, By source and Rules checked."""
    doc = reports["doc"]
    (row,) = [s for s in doc["summary"]["sources"] if s["source"] == "acme"]
    assert row["license_not_assessed"] == ["LicenseRef-Acme-Terms"]
    said = "licence not assessed (no traits known for LicenseRef-Acme-Terms)"
    for fmt in ("text", "markdown", "html"):
        flat = " ".join(reports[fmt].split())
        assert said in flat, fmt
        assert "Licences no licence rule could read: acme: " + said in flat, fmt


# P6 ------------------------------------------------------------------------------------------


def test_competing_model_rationale_keeps_clause_facts_and_inference_apart(reports: dict[str, Any]) -> None:
    f = _on(reports["doc"], "openai-no-competing-models", "sharegpt")
    why = " ".join(f["rationale"].split())
    assert "are excluded" not in why and "so copies" not in why
    assert "are for counsel" in why
    assert (
        '"Enforceability against third parties who never accepted the provider\'s terms is disputed"' in why
    )
    # The message does not paraphrase the 2024 wording ("Output") for material under the 2023 one.
    assert "Output" not in f["message"]
    assert f["clause"]["quote"].startswith("(iii) use output from the Services to develop models")


def test_declared_source_says_the_link_is_the_catalogue(reports: dict[str, Any]) -> None:
    (f,) = _findings(reports["doc"], "openai-declared-source")
    assert "(provcheck's catalogue: text-davinci-003 output" in f["message"]
    why = " ".join(f["rationale"].split())
    assert "says it derives from material OpenAI's models generated" not in why
    assert "catalogue of known datasets" in why


def test_no_shipped_rationale_states_the_conclusion_as_settled() -> None:
    """Every pack: no rationale concludes "so … are excluded", and no declared-source rule says
    the card itself names the provider's output."""
    for pack in sorted(PACKS.glob("*.yaml")):
        for rule in yaml.safe_load(pack.read_text()).get("rules", []):
            why = " ".join(str(rule.get("rationale", "")).split())
            assert "are excluded" not in why, (pack.name, rule["id"])
            assert "own card or manifest says it derives from material" not in why, (pack.name, rule["id"])
            assert not str(rule.get("remediation", "")).startswith("Nothing to do"), (pack.name, rule["id"])


# P9 ------------------------------------------------------------------------------------------


def test_deepseek_permission_is_not_a_clearance(reports: dict[str, Any]) -> None:
    (f,) = _findings(reports["doc"], "deepseek-training-permitted")
    c = f["clause"]
    assert c["document"] == "DeepSeek Terms of Service"
    assert (c["effective"], c["date_label"]) == ("2025-04-28", "Last Update")
    note = " ".join(c["effective_note"].split())
    assert "EU-served" in note and "2025-11-11" in note
    assert f["remediation"].startswith("Confirm the material is DeepSeek service output")
    assert "covers DeepSeek's own terms only" in f["remediation"]
    for fmt in ("text", "markdown", "html"):
        flat = " ".join(reports[fmt].split())
        assert "Nothing to do" not in flat, fmt
        assert "DeepSeek Terms of Use" not in flat, fmt
        assert "Last Update 2025-04-28" in flat, fmt
        assert "effective 2025-04-28" not in flat, fmt


# P10 (dates) ---------------------------------------------------------------------------------


def test_openai_2023_date_labelled_updated(reports: dict[str, Any]) -> None:
    c = _on(reports["doc"], "openai-no-competing-models", "sharegpt")["clause"]
    assert (c["effective"], c["date_label"]) == ("2023-03-14", "Updated")
    note = " ".join(c["effective_note"].split())
    assert '"Pre-2023 wording: not verified"' in note and "pre-2023 unverified" not in note
    assert "No version between 2023-01-01 and 2023-03-13 is on record" in note
    for fmt in ("text", "markdown", "html"):
        flat = " ".join(reports[fmt].split())
        assert "Updated 2023-03-14" in flat, fmt
        assert "effective 2023-03-14" not in flat, fmt


# P10 (the reference) -------------------------------------------------------------------------


def test_every_report_names_the_legal_reference_and_its_currency(reports: dict[str, Any]) -> None:
    """Which reference the packs quote, as it describes itself, in Scope and in the facts the
    decision rests on (HTML), in the text and Markdown headings and in the JSON run record."""
    (ref,) = reports["doc"]["run"]["policy"]["references"]
    assert ref["id"] == "terms-and-licences" and ref["file"].startswith("terms-and-licences.md")
    compiled = "Compiled by reading primary and secondary sources; nothing here is legal advice."
    assert ref["compiled"] == compiled
    assert "The OTA history ends 2026-08-22." in ref["currency"]
    assert "states no date of compilation" in ref["currency"]
    said = r"(?i)legal reference (of the policy's quotes and legal facts: )?terms-and-licences\.md"
    for fmt in ("text", "markdown", "html"):
        flat = " ".join(html.unescape(re.sub(r"<[^>]+>|\*\*", " ", reports[fmt])).split())
        assert re.search(said, flat), fmt
        assert compiled in flat, fmt
    page = reports["html"]
    facts = page[page.index("Facts the decision rests on") :]
    assert "<dt>Legal reference</dt>" in facts and "The OTA history ends 2026-08-22." in facts


def test_a_policy_naming_an_unknown_reference_is_refused(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nreference: my-notes\nrules: []\n")
    out = run_cli(["policy", "validate", policy], code=3)
    assert f"{policy}:2: unknown reference 'my-notes'; allowed: terms-and-licences" in out.stderr


# P15 ------------------------------------------------------------------------------------------


def test_cc_by_nc_is_quoted_as_separate_passages_in_section_order(reports: dict[str, Any]) -> None:
    """§1(g), §1(i), §2(a)(1) and §2(a)(2), each its own quotation with its section, and the
    block's Why says, as the share-alike rule does, that whether the licence reaches the
    material is for counsel."""
    (f,) = _findings(reports["doc"], "noncommercial-licence-in-commercial-use")
    c = f["clause"]
    assert [p["section"] for p in c["parts"]] == ["1(g)", "1(i)", "2(a)(1)", "2(a)(2)"]
    assert c["parts"][0]["quote"].startswith("g. Licensed Rights means")
    assert c["parts"][3]["quote"].startswith("2. Exceptions and Limitations.")
    assert c["section"] == "1(g); 1(i); 2(a)(1); 2(a)(2)"
    joint = "in connection with the exchange.” (section 1(i)); “1. Subject to the terms"
    for fmt in ("text", "markdown", "html"):
        flat = " ".join(html.unescape(reports[fmt]).split())
        assert joint in flat, fmt
        assert "purposes only. […] i. NonCommercial" not in flat, fmt
    why = " ".join(f["rationale"].split())
    assert "Copyright and Similar Rights" in why and "legal questions for your counsel" in why
