"""The counsel-facing reports read as outside counsel signing an opinion, in-house counsel
deciding go/no-go, and an auditor reproducing the decision a year later (second pass).

The case is built here as a user would: an index of four providers' outputs (OpenAI, Anthropic,
Meta Llama 2, Google Gemini API; the texts are written for this test, the clauses are the
shipped packs'), a dataset that copies some, takes an excerpt of one, shares a stock list with
all four (convergent independent answers), holds a record with markup and a file whose name is
markup, and a dataset card declaring CC BY-NC 4.0; the declared use is fine-tuning a commercial
assistant, which makes no rule of the OpenAI or Gemini packs apply. It is scanned through the
real command line to every counsel-facing format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html as htmllib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers import run_cli

STOCK = (
    "1. Drink plenty of water throughout the day. 2. Get seven to nine hours of sleep each night. "
    "3. Eat a balanced diet rich in fruits and vegetables. 4. Exercise for at least thirty minutes "
    "most days. 5. Manage stress through meditation or deep breathing."
)
BLOOM = (
    "A Bloom filter is a compact probabilistic data structure that answers the question whether an "
    "element might be in a set. It keeps an array of bits, all zero at the start, and a handful of "
    "independent hash functions. To insert an element you hash it with every function and set the "
    "bits at those positions to one. To test membership you hash the element again and check those "
    "same positions: if any bit is zero the element was certainly never added, but if all of them "
    "are one it only probably was, because other insertions may have set the same bits. The "
    "false-positive rate grows as the filter fills, and elements cannot be removed without a "
    "counting variant."
)
VACCINE = (
    "Vaccines work by showing the immune system a harmless version or piece of a pathogen so that "
    "it can rehearse its response without the danger of the real infection. The vaccine may contain "
    "a weakened or inactivated virus, a purified protein, or genetic instructions that let your own "
    "cells briefly produce a viral protein. Immune cells called B cells learn to make antibodies "
    "that latch onto that protein, while T cells learn to recognise and destroy infected cells. "
    "Crucially, some of these cells persist as memory cells for years, so when the real pathogen "
    "appears the body mounts a fast, strong defence before illness can take hold."
)
INFLATION = (
    "Inflation is a sustained rise in the general level of prices, and economists usually trace it "
    "to a few broad causes. Demand-pull inflation happens when households, firms and governments "
    "together want to buy more than the economy can produce, so sellers raise prices. Cost-push "
    "inflation comes from the supply side, when wages, energy or raw materials become more "
    "expensive and producers pass those costs on. Expectations matter too: if workers and "
    "businesses expect prices to keep rising, they build that into wage demands and price setting, "
    "which can make inflation self-fulfilling. Central banks respond mainly by raising interest "
    "rates to cool spending."
)
PURR = (
    "Cats purr by rapidly twitching the muscles of the larynx, which makes the vocal folds separate "
    "and vibrate as the cat breathes in and out, producing that steady rumbling sound at roughly "
    "twenty-five to one hundred and fifty vibrations per second. Purring is most familiar as a sign "
    "of contentment, but cats also purr when they are stressed, injured or giving birth, which "
    "suggests it works partly as self-soothing. Some researchers have proposed that vibrations in "
    "that frequency range may even help bones and tissues heal, although that idea remains unproven."
)
SOURCES = """sources:
  - path: refs/gpt.jsonl
    source: chatgpt-shares
    provider: openai
    generator: gpt-4
    license: LicenseRef-ShareGPT
    terms: openai-terms-of-use
    meta: {origin: generated, date: 2024-03-01}
  - path: refs/claude.jsonl
    source: claude-transcripts
    provider: anthropic
    generator: claude-3-opus
    terms: anthropic-consumer-terms
    meta: {origin: generated, date: 2025-10-20}
  - path: refs/llama.jsonl
    source: llama2-chat-outputs
    provider: meta
    generator: llama-2-70b-chat
    license: LicenseRef-Llama-2
    meta: {origin: generated, date: 2023-09-01}
  - path: refs/gemini.jsonl
    source: gemini-api-outputs
    provider: google
    generator: gemini-1.5-pro
    terms: google-gemini-api-terms
    meta: {origin: generated, date: 2024-06-01}
"""
POLICY = """version: 1
name: Acme — fine-tune a commercial assistant
include: [provcheck:default]
use:
  purpose: fine-tune
  commercial: true
  distributed: false
# Counsel has decided that this assistant does not compete with OpenAI, Google or Anthropic: the
# rules that review copies when the declared use leaves that open are turned off, and the ChatGPT
# and Gemini copies are matches no rule applies to (what sections 1 and 5 check); the Claude copy
# is still blocked by the Usage Policy's training rule.
disable:
  - openai-competition-undeclared
  - google-gemini-api-competition-undeclared
  - anthropic-competition-undeclared
"""
HOSTILE_NAME = "<img src=x onerror=alert(1)>.jsonl"


def _conv(rid: str, question: str, answer: str) -> str:
    return json.dumps(
        {
            "id": rid,
            "messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
        }
    )


def _stock(intro: str, outro: str) -> str:
    return f"{intro} {STOCK} {outro}"


def build_case(root: Path) -> dict[str, Path]:
    """The index, dataset and policy described in the module docstring."""
    refs, data = root / "refs", root / "data"
    refs.mkdir()
    data.mkdir()
    health = "How can I stay healthy?"
    references = {
        "gpt.jsonl": [
            ("gpt-0", "Explain how a bloom filter works.", BLOOM),
            (
                "gpt-2",
                health,
                _stock("Here are some simple habits that support good health:", "Small changes add up."),
            ),
        ],
        "claude.jsonl": [
            ("cl-0", "How do vaccines train the immune system?", VACCINE),
            (
                "cl-1",
                health,
                _stock("Staying healthy mostly comes down to daily habits:", "Consistency matters most."),
            ),
        ],
        "llama.jsonl": [
            ("ll-0", "What causes inflation?", INFLATION),
            (
                "ll-1",
                health,
                _stock("Good health rests on a few basics anyone can follow:", "Ask your doctor first."),
            ),
        ],
        "gemini.jsonl": [
            ("gm-0", "Why do cats purr?", PURR),
            (
                "gm-1",
                health,
                _stock("A healthy lifestyle is built from everyday choices:", "See a doctor regularly."),
            ),
        ],
    }
    for name, rows in references.items():
        (refs / name).write_text("".join(_conv(*row) + "\n" for row in rows), encoding="utf-8")
    (root / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (root / "policy.yaml").write_text(POLICY, encoding="utf-8")
    records = [
        _conv("r-000", "Explain how a bloom filter works.", BLOOM.replace("compact", "space-efficient")),
        _conv("r-002", "How do vaccines train the immune system?", VACCINE),
        _conv("r-003", "What causes inflation?", INFLATION.replace("usually", "often")),
        _conv(
            "r-004",
            health,
            _stock(
                "Our nutrition team recommends the following routine for busy people:",
                "Our clinic offers free workshops on each of these habits every Tuesday evening.",
            ),
        ),
        _conv("r-005", "Why do cats purr?", PURR),
        _conv(
            "r-<b>006</b>",
            "Hostile <script>alert('x')</script>",
            "<script>alert(document.cookie)</script> " + BLOOM,
        ),
        _conv("r-007", "Write a haiku about rain.", "Soft rain on tin roofs / the garden drinks in silence."),
    ]
    (data / "mix.jsonl").write_text("".join(r + "\n" for r in records), encoding="utf-8")
    (data / HOSTILE_NAME).write_text(_conv("r-100", "Why do cats purr?", PURR) + "\n", encoding="utf-8")
    (data / "README.md").write_text("---\nlicense: cc-by-nc-4.0\n---\n# Mixed SFT set\n", encoding="utf-8")
    index = root / "index"
    run_cli(["index", "build", index, "--sources", root / "sources.yaml", "--quiet"])
    return {"root": root, "index": index, "data": data, "policy": root / "policy.yaml"}


FORMATS = ("html", "text", "markdown", "json", "sarif")


def scan(case: dict[str, Path], out: Path, *extra: Any, code: int = 1) -> dict[str, Path]:
    """Scan the case to every format in ``FORMATS``; the reports' paths by format."""
    out.mkdir(exist_ok=True)
    paths = {fmt: out / f"report.{fmt}" for fmt in FORMATS}
    args: list[Any] = ["scan", case["data"], "--index", case["index"], "--policy", case["policy"], "-q"]
    for fmt, path in paths.items():
        args += ["-f", fmt, "-o", path]
    run_cli([*args, *extra], code)
    return paths


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_case(tmp_path_factory.mktemp("counsel10"))


@pytest.fixture(scope="module")
def reports(case: dict[str, Path]) -> dict[str, str]:
    paths = scan(case, case["root"] / "out")
    return {fmt: path.read_text(encoding="utf-8") for fmt, path in paths.items()}


def _words(markup: str) -> str:
    """The visible text of some markup, whitespace collapsed."""
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _section(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


def _sources(page: str) -> dict[str, str]:
    table = _section(page, '<table class="sources">', "</table>")
    return {
        _words(row.split("</td>", 1)[0]): _words(row)
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        if "<td>" in row
    }


# --- 1. verified copies that no rule applies to are said where counsel reads ---------------


def test_a_copy_no_rule_applies_to_is_not_a_zero_in_the_sources_table(reports: dict[str, str]) -> None:
    # r-000 and r-006 copy ChatGPT output and r-005 and the hostile file's record copy Gemini
    # output; the policy turns off the rules that review a use not saying whether the model
    # competes, so no rule applies and they are no findings. The sources table said
    # "chatgpt-shares ... 0 records, none": nothing found.
    page = reports["html"]
    rows = _sources(page)
    assert "matched, no rule applies" in _section(page, '<table class="sources">', "</thead>")
    assert rows["chatgpt-shares"].endswith("3 (1 likely convergence)")
    assert rows["gemini-api-outputs"].endswith("3 (1 likely convergence)")
    proves = _words(_section(page, "<ul class='proves'>", "</ul>"))
    use = "fine-tune (policy), commercial (policy), internal (policy)"
    assert (
        f"4 record(s) hold a verified match to which no rule of this policy applies for the declared use "
        f"({use})" in proves
    )
    assert "This report does not assess whether that use of them is permitted" in proves
    doc = json.loads(reports["json"])
    by_source = {s["source"]: s for s in doc["summary"]["sources"]}
    assert by_source["chatgpt-shares"]["records"] == 0
    assert by_source["chatgpt-shares"]["unruled_records"] == 3
    assert by_source["chatgpt-shares"]["unruled_convergent"] == 1
    assert doc["summary"]["records"]["unruled"] == 4


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_text_and_markdown_reports_say_it_too(reports: dict[str, str], fmt: str) -> None:
    text = _flat(reports[fmt])
    assert "4 record(s) hold a verified match to which no rule of this policy applies" in text
    assert "chatgpt-shares 3 (1 likely convergence), gemini-api-outputs 3 (1 likely convergence)" in text


# --- 2. a convergent match says why in words --------------------------------------------------


def test_a_common_passage_says_why_it_is_not_a_copy_in_one_sentence(reports: dict[str, str]) -> None:
    page = reports["html"]
    cards = {
        fid: _words(body)
        for fid, body in re.findall(
            r'<details class="finding" id="f-([^"]+)"(.*?)</details>', page, flags=re.S
        )
    }
    convergent = [t for t in cards.values() if "Shared text of a kind independent answers also produce" in t]
    assert len(convergent) == 2  # r-004 against Claude's and Llama's outputs
    for text in convergent:
        shows = text[text.index("What this shows") : text.index("What it does not show")]
        # "It is not treated as a copy because Shares aligned passages with the reference: 100%
        # similarity over 45 aligned tokens, ...": the whole reason, figures and all, again.
        assert "because Shares" not in shows and shows.count("similarity over") == 1
        assert (
            "It is neither treated as a copy nor as a verified match because once the text that texts "
            "of 3+ other sources hold is set aside" in shows
        )
    text = _flat(reports["text"])
    assert "because Shares" not in text
    assert text.count("It is neither treated as a copy nor as a verified match because once the text") == 2


# --- 3. waivers: what a baseline hides, and what an auditor needs to reproduce them -----------


@pytest.fixture(scope="module")
def waived(case: dict[str, Path]) -> dict[str, Any]:
    """The case baselined (``provcheck baseline``), then one entry filled in by counsel."""
    root = case["root"]
    base = root / "baseline.yaml"
    run_cli(["baseline", case["data"], "-i", case["index"], "-p", case["policy"], "-o", base, "-q"])
    text = base.read_text(encoding="utf-8")
    entries = text.split("  - id: ")
    claude = next(
        i for i, e in enumerate(entries) if "anthropic-no-training-without-authorization (block)" in e
    )
    entries[claude] = re.sub(
        r"reason: .*\n    approver: TODO",
        "reason: Anthropic authorized these transcripts in writing.\n    approver: counsel@acme-legal.com\n"
        "    expires: 2099-06-30",
        entries[claude],
    )
    waivers = root / "waivers.yaml"
    waivers.write_text("  - id: ".join(entries), encoding="utf-8")
    paths = scan(case, root / "waived", "--waivers", waivers, code=0)
    return {
        "sha256": hashlib.sha256(waivers.read_bytes()).hexdigest(),
        **{fmt: path.read_text(encoding="utf-8") for fmt, path in paths.items()},
    }


UNREVIEWED = (
    "but 2 finding(s) that would block are waived only by a placeholder written by provcheck "
    "baseline, with no reason or approver: nobody has reviewed them"
)


@pytest.mark.parametrize("fmt", ["html", "text", "markdown"])
def test_a_verdict_says_which_blocking_findings_only_a_baseline_placeholder_waives(
    waived: dict[str, Any], fmt: str
) -> None:
    # The dataset card's CC BY-NC finding and the Llama 2 copy block; the baseline waived them
    # with "TODO" and the verdict read "No blocking finding: no record has an open finding".
    text = _words(waived[fmt]) if fmt == "html" else _flat(waived[fmt])
    assert UNREVIEWED in text
    if fmt == "html":
        block = _words(_section(waived["html"], '<section id="decision"', "</section>"))
        assert UNREVIEWED in block
        proves = _words(_section(waived["html"], "<ul class='proves'>", "</ul>"))
        # It said "no rule of this policy applies, for the declared use, to any record that
        # matched", of records whose findings were waived.
        assert "It shows that no rule of this policy applies, for the declared use" not in proves
        assert "every finding they made is waived" in proves


def test_the_decision_facts_and_manifest_name_the_waivers_file_its_digest_and_date(
    waived: dict[str, Any],
) -> None:
    page = waived["html"]
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    fact = (
        f"(sha256 {waived['sha256']}), expiry dates compared with {today} (UTC): 5 finding(s) waived, 4 of "
        "them by a placeholder-like waiver (4 still with provcheck baseline's placeholder reason or "
        "approver): no one can be shown to have approved it"
    )  # the fifth, filled in by counsel with an expiry, is credited and not placeholder-like
    facts = _words(_section(page, "<h3>Facts the decision rests on</h3>", "</dl>"))
    assert "Waivers" in facts and fact in facts
    manifest = _words(_section(page, '<section id="manifest">', "<h3>Dataset files</h3>"))
    assert fact in manifest
    # "Same tool, index, policy and dataset files give the same findings" left out the file that
    # decides which are waived, and the date that decides which waivers are still in force.
    assert "and waivers file (same digest)" in manifest
    assert "a waiver in force on the day of the scan may have expired when it is re-run" in manifest
    doc = json.loads(waived["json"])
    assert doc["waivers"]["sha256"] == waived["sha256"] and doc["waivers"]["as_of"] == today


# --- 4. which use a clause was applied to ---------------------------------------------------


def test_every_finding_states_the_condition_that_applied_its_rule(reports: dict[str, str]) -> None:
    # The Llama 2 clause ("to improve any other large language model") and the Anthropic Usage
    # Policy were applied to "fine-tune"; the report gave the policy author's rationale, never the
    # condition, so counsel could not check which use the clause was applied to.
    explained = run_cli(["policy", "explain", "llama-no-improving-other-llms"]).stdout
    # `policy explain` says the condition in words, then "as written" as the policy spells it.
    when = _flat(explained.split("\n  as written", 1)[1].split("rationale", 1)[0]).strip()
    assert "use.purpose in [" in when and "'fine-tune'" in when
    page = reports["html"]
    head = _words(_section(page, 'id="rule-llama-no-improving-other-llms"', '<div class="group">'))
    # counsel18: the condition is said in plain words; the policy's spelling stays beneath them.
    assert "Applies when all of: (1) the source's provider is “meta”" in head
    assert f"As written in the policy: {when}" in head
    assert "declared use: fine-tune (policy), commercial (policy), internal (policy)" in head
    cards = re.findall(r'<details class="finding" id="f-[^"]+"(.*?)</details>', page, flags=re.S)
    assert cards and all("Applies when" in _words(c) for c in cards)
    doc = json.loads(reports["json"])
    llama = [f for f in doc["findings"] if f["rule"] == "llama-no-improving-other-llms"]
    assert llama and all(f["applies_when"] == when for f in llama)
    assert _flat(reports["text"]).count(f"as written in the policy: {when}") == len(llama)
    sarif = json.loads(reports["sarif"])
    rule = next(
        r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "llama-no-improving-other-llms"
    )
    assert f"(as written in the policy: {when})" in rule["help"]["text"]


# --- 5. contrast (real Chromium) --------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Any:
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


LOW_CONTRAST = """
() => {
  const lum = (c) => {
    const [r, g, b] = c.match(/[\\d.]+/g).map(Number).slice(0, 3).map((v) => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = (el) => {
    for (; el; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor;
      if (c && !c.startsWith("rgba(0, 0, 0, 0)") && c !== "transparent") return c; }
    return "rgb(255, 255, 255)"; };
  const low = [];
  for (const el of document.querySelectorAll("body *")) {
    if (!el.checkVisibility()) continue;
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const s = getComputedStyle(el), a = lum(s.color), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;  // WCAG 2 AA
    const what = el.textContent.trim().slice(0, 30);
    if (ratio < need) low.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)}: ${what}`);
  }
  return [...new Set(low)];
}
"""


@pytest.mark.browser
@pytest.mark.slow
def test_every_text_of_the_report_meets_wcag_aa_contrast(
    browser: Any, waived: dict[str, Any], tmp_path: Path
) -> None:
    # The waived and expired badges (white on #98a2b3, 2.6:1) are what the waiver register and
    # every waived card read; the legend's marks and a folded passage's note were below 4.5:1.
    page_file = tmp_path / "report.html"
    page_file.write_text(waived["html"], encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(page_file.as_uri(), wait_until="load")
        assert page.locator(".badge.waived").count() > 0
        for media in ("screen", "print"):
            page.emulate_media(media=media)
            assert page.evaluate(LOW_CONTRAST) == [], media
    finally:
        page.close()


# --- 6. one finding, one account, in every format ---------------------------------------------


def test_json_and_sarif_say_why_a_finding_was_lowered_as_the_card_does(
    reports: dict[str, str],
) -> None:
    doc = json.loads(reports["json"])
    lowered = [f for f in doc["findings"] if f["downgraded_from"] == "block"]
    assert len(lowered) == 2  # r-004 against Claude's and Llama's outputs
    page = reports["html"]
    for f in lowered:
        card = _words(_section(page, f'id="f-{f["id"]}"', "</details>"))
        # The JSON report, the complete record of the scan, did not say why the finding was
        # lowered; SARIF's warning read as a copy.
        assert f["lowered_because"] == "it looks like convergence (common-passage)"
        assert f"lowered from block: {f['lowered_because']}" in card
    sarif = json.loads(reports["sarif"])
    record4 = [r for r in sarif["runs"][0]["results"] if "record 3 assistant[1]" in r["message"]["text"]]
    assert len(record4) == 2
    for r in record4:
        assert r["level"] == "warning"
        assert (
            "(rule action block; lowered: it looks like convergence (common-passage))" in r["message"]["text"]
        )
    assert (
        _flat(reports["text"]).count(
            "(rule action block; lowered: it looks like convergence (common-passage))"
        )
        == 2
    )


LINES = """
(el) => { const r = document.createRange(); r.selectNodeContents(el);
  return new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top))).size; }
"""


@pytest.mark.browser
@pytest.mark.slow
def test_the_printed_sources_table_breaks_no_identifier_or_date(
    browser: Any, case: dict[str, Path], tmp_path: Path
) -> None:
    # Under a competing use every source has findings and clauses; printed on A4, the terms id
    # read "openai- / terms-of- / use" and a clause's date "effective 2024-03- / 20".
    policy = tmp_path / "competing.yaml"
    policy.write_text(
        POLICY.replace("purpose: fine-tune", "purpose: train-competing-model"), encoding="utf-8"
    )
    out = tmp_path / "r.html"
    args = ["scan", case["data"], "--index", case["index"], "--policy", policy, "-q", "-f", "html", "-o", out]
    run_cli(args, 1)
    page = browser.new_page(viewport={"width": 703, "height": 1000})  # A4 at 96 dpi less the margins
    try:
        page.emulate_media(media="print")
        page.goto(out.as_uri(), wait_until="load")
        rows = page.locator("table.sources tbody tr")
        assert rows.count() >= 4
        checked = 0
        for i in range(rows.count()):
            cells = rows.nth(i).locator("td")
            for col in (2, 3):  # licence, terms
                if cells.nth(col).inner_text().strip():
                    assert cells.nth(col).evaluate(LINES) == 1, cells.nth(col).inner_text()
                    checked += 1
            dates = cells.nth(9).locator("span.id")
            for j in range(dates.count()):
                assert dates.nth(j).evaluate(LINES) == 1, cells.nth(9).inner_text()
                checked += 1
        assert checked >= 8
    finally:
        page.close()


# --- 8. the verdict names the use it holds for ------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "text", "markdown"])
def test_the_verdict_names_the_declared_use_it_was_reached_for(waived: dict[str, Any], fmt: str) -> None:
    # "No blocking finding: ..." is what is read and quoted on its own; for fine-tuning it says
    # nothing about training a competing model, where the OpenAI and Gemini rules apply.
    if fmt == "html":
        verdict = _words(_section(waived["html"], 'id="verdict">', "</div>").split(">", 1)[1])
    elif fmt == "text":
        verdict = _flat(waived["text"].split("\n\nBy source", 1)[0].split("\n", 1)[1])
        # The line on findings resting on sources with no recorded basis follows it (trust 23).
        verdict = re.split(r" [\d,]+ of [\d,]+ finding\(s\) rest on sources", verdict)[0]
    else:
        verdict = waived["markdown"].splitlines()[0]
    assert verdict.startswith(
        ("No blocking finding:", 'id="verdict"> No blocking finding:', "### provcheck: No blocking")
    )
    assert verdict.rstrip().endswith(
        "Rules applied for the declared use: fine-tune (policy), commercial (policy), internal (policy)."
    )


def test_the_matches_no_rule_applies_to_say_which_are_copies_and_which_convergence(
    reports: dict[str, str],
) -> None:
    section = _section(reports["html"], '<section id="unmatched">', "</section>")
    rows = {
        (_words(cells[0]), _words(cells[3])): _words(cells[-1])
        for row in re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)
        if (cells := re.findall(r"<td>(.*?)</td>", row, flags=re.S))
    }
    # r-004's stock list matched ChatGPT's and Gemini's answers too: "near-duplicate 1.00" beside
    # copies, while its cards (Claude, Llama) call the same passage likely convergence.
    r004 = [v for (where, _), v in rows.items() if where.endswith("/data/mix.jsonl:4")]
    assert len(r004) == 2
    assert all(v == "likely convergence (common-passage): not treated as a copy" for v in r004)
    r000 = next(v for (where, _), v in rows.items() if where.endswith("/data/mix.jsonl:1"))
    assert r000.startswith("copies the reference; estimated probability of derivation")
    intro = _words(section.split("<table", 1)[0])
    assert "verified match(es)" not in intro  # a convergent match is not a verified one
    assert "for the declared use (fine-tune (policy), commercial (policy), internal (policy))" in intro
