"""The HTML report in a real headless Chromium (Debian's ``/usr/bin/chromium`` via Playwright).

Skipped with a message when Chromium or the ``playwright`` package is missing; ``.ci/run``
installs Chromium, so CI always runs them. The screenshot and the printed PDF are left in
``build/test-artifacts/`` for people (``make screenshot`` copies the screenshot to docs/img).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import ARTIFACTS, ROOT, run_cli
from provcheck.report import OutputFormat, ReportContext, formatter
from report_samples import SCRIPT, many, sample, with_run

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("PROVCHECK_CHROMIUM", "/usr/bin/chromium")
LOAD_BUDGET_S = 5.0
"""A report with 10,000 findings must be usable within this (it takes about half a second here)."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set PROVCHECK_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Debian's Chromium, never a downloaded browser; no network is needed or allowed.
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


class Page:
    """A page with every console message, page error and network request recorded."""

    def __init__(self, browser: Any, width: int = 1280, height: int = 900) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.console: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self, path: Path) -> float:
        started = time.perf_counter()
        self.page.goto(path.as_uri(), wait_until="load")
        return time.perf_counter() - started

    def assert_clean(self, path: Path) -> None:
        assert self.console == [], self.console
        assert self.requests == [path.as_uri()], self.requests  # nothing but the file itself


def write_report(path: Path, result: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(formatter(OutputFormat.HTML).render(result, ReportContext()), encoding="utf-8")
    return path


def test_demo_report_renders_with_evidence_highlighted(browser: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Run from the checkout with relative paths, as a user runs the demo: the screenshot is the
    # README's picture (make screenshot).
    monkeypatch.chdir(ROOT)
    work = ARTIFACTS.relative_to(ROOT)
    shutil.rmtree(work / "demo-index", ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    report = work / "report.html"
    decision = work / "decision.yaml"
    decision.write_text(
        "decision: approve-with-conditions\n"
        "conditions:\n  - Remove the 3 blocking records before training.\n"
        "name: Jane Doe\nrole: Product counsel\ndate: 2026-12-05\nsignature: /s/ Jane Doe\n"
    )
    run_cli(["index", "build", work / "demo-index", "--sources", "fixtures/demo/sources.yaml", "-q"])
    run_cli(
        [
            "scan",
            "fixtures/demo/dataset",
            "-i",
            work / "demo-index",
            "-p",
            "fixtures/demo/policy.yaml",
            "--waivers",
            "fixtures/demo/waivers.yaml",
            "-f",
            "html",
            "-o",
            report,
            "-f",
            "pdf",
            "-o",
            work / "decided.pdf",
            "--decision",
            decision,
            "-q",
        ],
        1,
    )
    # The signed record: the decision printed with the report it refers to.
    signed = pdf_text(work / "decided.pdf")
    assert "Approve with conditions" in signed and "Remove the 3 blocking records" in signed
    assert "Jane Doe" in signed and "Product counsel" in signed and "2026-12-05" in signed
    report = report.resolve()
    page = Page(browser, height=1750)
    page.open(report)
    p = page.page
    # Alpaca-style material predates OpenAI's earliest wording on record: review, not block.
    assert p.locator(".verdict.fail").inner_text().startswith("Blocked: 3 of 11 records")
    assert p.locator("table.records tbody tr").count() == 6
    assert "Approve with conditions" in p.locator("#decision").inner_text()
    # 5 matches, 2 dataset-card declarations, the card's licence conflict and 1 waived marker, the
    # two info notes on its apache-2.0 (counsel 16), and Alpaca's research-only statement on the
    # copied row, the declared source and the card's licence (counsel 21, P8); the same note on
    # the card's apache-2.0 over DeepSeek's chat output, under no licence of its own (trust 23).
    assert p.locator("details.finding").count() == 15
    assert "Note: the material is dated 2023-03-13" in p.locator("#findings").inner_text()
    assert p.locator("#quote-confidence").is_visible()
    # The demo's one waiver in force is approved at example.com: not credited (counsel 21).
    assert p.locator("details.finding[data-waived='1']").count() == 0
    # Every match finding shows aligned text marked on both sides, and the edits inside it.
    cards = [c for c in p.locator("details.finding").all() if c.locator(".txt.ref").count()]
    assert len(cards) == 6  # the Alpaca copy under three rules since counsel 21
    for card in cards:
        assert card.locator(".txt.cand mark.same").count() > 0
        assert card.locator(".txt.ref mark.same").count() > 0
        assert card.locator(".txt.cand mark.same").first.is_visible()
    assert p.locator("mark.changed").count() > 0
    assert p.locator("figure.chart svg rect").count() >= 10
    assert "Not legal advice" in p.locator("#summary").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "report.png"))
    p.pdf(path=str(ARTIFACTS / "report.pdf"), format="A4", print_background=True)
    pdf = (ARTIFACTS / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= 3
    page.assert_clean(report)


def test_a_record_with_markup_shows_as_text_and_runs_nothing(browser: Any, tmp_path: Path) -> None:
    report = write_report(tmp_path / "hostile.html", sample())
    page = Page(browser)
    page.open(report)
    p = page.page
    assert p.evaluate("window.__pwned") is None
    card = p.locator("#f-f-hostile")
    assert card.get_attribute("open") is not None  # few findings: every card is open
    assert "<script>window.__pwned = 1</script>" in card.locator(".txt.cand").inner_text()
    assert SCRIPT.split(">")[0] + ">" in card.locator("summary").inner_text()
    assert p.locator("img").count() == 0
    # A javascript: clause URL is text, not a link.
    assert p.locator("a[href^='javascript']").count() == 0
    page.assert_clean(report)


def test_ten_thousand_findings_open_quickly_and_page(browser: Any, tmp_path: Path) -> None:
    started = time.perf_counter()
    report = write_report(tmp_path / "big.html", many(10_000))
    rendered = time.perf_counter() - started
    page = Page(browser)
    seconds = page.open(report)
    p = page.page
    print(
        f"\n10,000 findings: rendered in {rendered:.2f} s, {report.stat().st_size / 1e6:.1f} MB, "
        f"loaded in Chromium in {seconds:.2f} s"
    )
    assert seconds < LOAD_BUDGET_S
    groups = p.locator(".list")
    assert p.locator("details.finding:visible").count() == 50 * groups.count()
    first = groups.first
    total = int(first.get_attribute("data-total"))
    button = p.locator("button.more").first
    assert f"({total - 50} not shown)" in button.inner_text()
    button.click()
    assert first.locator("details.finding:visible").count() == 100
    # Filtering looks at every finding, not only those on screen.
    status = p.locator("#filter-status")
    p.fill("#search", "finding 9999)")
    expect(status).to_have_text("1 of 10000 findings match", timeout=10_000)
    assert p.locator("details.finding:visible").count() == 1
    p.fill("#search", "")
    p.uncheck("input[data-action='block']")
    expect(status).to_have_text("7500 of 10000 findings match", timeout=10_000)
    assert p.locator("details.finding:visible[data-action='block']").count() == 0
    page.assert_clean(report)


def test_print_opens_the_evidence_of_what_is_shown(browser: Any, tmp_path: Path) -> None:
    report = write_report(tmp_path / "many.html", many(60))
    page = Page(browser)
    page.open(report)
    p = page.page
    assert p.locator("details.finding[open]").count() == 0
    assert p.locator("table.records tbody tr").count() == 60
    p.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert p.locator("details.finding[open]").count() == 60
    p.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert p.locator("details.finding[open]").count() == 0
    p.emulate_media(media="print")
    assert p.locator("nav.toc").is_hidden() and p.locator(".controls").is_hidden()
    page.assert_clean(report)


# ---- complete in print (issue 14)


def two_findings_a_record(n: int) -> Any:
    """``many(n)`` with two findings (two rules) on each record, over 3 indexed sources and an
    empty one: the report must count n / 2 records, not n findings."""
    from dataclasses import replace

    from provcheck.model import Location

    result = many(n)
    findings = []
    matches = []
    for i, f in enumerate(result.findings):
        k = i // 2
        m = f.match
        rec = replace(
            m.record,
            location=Location(f"data/shard-{k % 7}.jsonl", k, k + 1),
            id="记录-😀" if k == 3 else f"rec-{k}",  # a CJK and emoji id: printed with Noto fonts
            content_hash=f"{k:032x}",
        )
        m = replace(m, record=rec)
        matches.append(m)
        findings.append(replace(f, match=m))
    details = [
        {
            "name": s,
            "provider": "openai",
            "license": None,
            "terms": "openai-terms-of-use",
            "records": 9,
            "texts": 9,
        }
        for s in ("sharegpt-dump", "mixed-sft", "gpt4-outputs")
    ]
    details.append({"name": "empty-source", "provider": "x", "records": 0, "texts": 0})
    index = {
        **result.run.to_dict()["index"],
        "sources": [d["name"] for d in details],
        "source_details": details,
    }
    return with_run(replace(result, findings=tuple(findings), matches=tuple(matches)), index=index)


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def test_a_large_report_states_records_and_prints_every_record(browser: Any, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftotext, pdftoppm) not installed")
    import json

    from provcheck.report.pdf import PdfFormatter

    result = two_findings_a_record(1200)
    doc = json.loads(formatter(OutputFormat.JSON).render(result, ReportContext()))
    summary = doc["summary"]
    assert len(result.findings) == 1200 and summary["records"]["scanned"] == 1200
    assert summary["records"]["with_findings"] == len(doc["records"]) == 600
    assert {s["source"] for s in summary["sources"] if s["records"]} >= {
        "sharegpt-dump",
        "mixed-sft",
        "gpt4-outputs",
    }

    # The summary a reader sees says what the JSON says.
    report = write_report(tmp_path / "large.html", result)
    page = Page(browser)
    page.open(report)
    p = page.page
    verdict = p.locator("#verdict").inner_text()
    rec = summary["records"]
    assert f"{rec['blocking']:,} of {rec['scanned']:,} records" in verdict
    assert f"{rec['with_findings']:,} records" in verdict
    rows = p.locator("table.sources tbody tr")
    assert rows.count() == len(summary["sources"])
    for i, src in enumerate(summary["sources"]):
        cells = rows.nth(i).locator("td")
        assert cells.nth(0).inner_text().split(" (")[0] == src["source"]
        # Records that block, then records with review, warn or info only, each with its share.
        other, other_share = src["records"] - src["blocking_records"], src["share"] - src["blocking_share"]
        assert cells.nth(5).inner_text() == f"{src['blocking_records']:,} ({src['blocking_share']:.1%})"
        assert cells.nth(6).inner_text().startswith(f"{other:,} ({max(other_share, 0):.1%})")
    assert "0: empty, matches nothing" in p.locator("table.sources").inner_text()
    # 200 record rows are built when the page opens, the others on "Show all" and in print.
    assert p.locator("table.records tbody tr").count() == 200
    p.click("#all-records")
    assert p.locator("table.records tbody tr").count() == 600
    assert p.locator("#decision input[name=name]").count() == 1
    page.assert_clean(report)

    # Printed, every record with a finding is in the PDF's text, with page numbers and the header.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / "large.pdf"
    with pdf.open("wb") as fh:
        PdfFormatter().write_bytes(result, ReportContext(), fh)
    text = pdf_text(pdf)
    pages = text.split("\f")
    # A location this short never wraps, so it is one word of the text (the narrower printed
    # columns put a row's cells on one line of pdftotext's output).
    words = set(text.split())
    missing = [r for r in doc["records"] if f"{r['path']}:{r['line']}" not in words]
    assert missing == []
    first = pages[0]
    assert re.search(
        r"Evidence in print:.*first 5 findings of each rule and source, (\d[\d,]*) of 1,200 findings",
        " ".join(first.split()),
    )
    assert doc["report"]["digest"] in re.sub(r"\s+", "", first)
    n = len([pg for pg in pages if pg.strip()])
    assert f"page 1 of {n}" in first and f"page {n} of {n}" in pages[n - 1]
    assert all(doc["report"]["id"] in pg for pg in pages if pg.strip())  # running header
    assert "记录-😀" in text
    # Pages as images: the first pages are drawn (not blank), for people to look at.
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "3", str(pdf), str(ARTIFACTS / "large")], check=True
    )
    images = sorted(ARTIFACTS.glob("large-*.png"))
    # Printed at full size (no longer shrunk to fit a table wider than the page), the third page
    # holds the last chart before the decision block, which is kept whole on the next: 12 KB.
    assert len(images) == 3 and all(img.stat().st_size > 8_000 for img in images)


def test_a_decision_filled_in_the_page_is_kept_when_printed(browser: Any, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    report = write_report(tmp_path / "decide.html", sample())
    page = Page(browser)
    page.open(report)
    p = page.page
    form = p.locator("#decision")
    form.locator("input[value='reject']").check()
    form.locator("textarea[name=conditions]").fill("Not before the licence is cleared.")
    form.locator("input[name=name]").fill("Jane Doe")
    form.locator("input[name=role]").fill("Product counsel")
    form.locator("input[name=date]").fill("2026-12-05")
    form.locator("input[name=name]").press("Enter")  # no submission: nothing is sent, nothing lost
    assert form.locator("input[name=name]").input_value() == "Jane Doe"
    pdf = tmp_path / "decide.pdf"
    p.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    text = pdf_text(pdf)
    assert "Jane Doe" in text and "Product counsel" in text and "Not before the licence is cleared." in text
    page.assert_clean(report)


def test_each_decision_choice_sits_beside_its_words_in_print(browser: Any, tmp_path: Path) -> None:
    """Counsel ticks a box next to "Reject", not one at the far side of the form (seen in the PDF)."""
    report = write_report(tmp_path / "choices.html", sample())
    page = Page(browser, width=794)  # A4 at 96 dpi
    page.open(report)
    p = page.page
    p.emulate_media(media="print")
    for value in ("approve", "approve-with-conditions", "reject"):
        radio = p.locator(f"#decision input[value='{value}']").bounding_box()
        label = p.locator(f"#decision label:has(input[value='{value}'])").bounding_box()
        assert radio is not None and label is not None
        # The radio opens its label's line: on the same line, at its left edge.
        assert abs(radio["x"] - label["x"]) < 12 and radio["width"] < 40, (value, radio, label)
        assert label["height"] < 2.5 * radio["height"], (value, radio, label)
    page.assert_clean(report)


def test_printing_from_the_browser_lists_every_record(browser: Any, tmp_path: Path) -> None:
    report = write_report(tmp_path / "records.html", many(450))
    page = Page(browser)
    page.open(report)
    p = page.page
    assert p.locator("table.records tbody tr").count() == 200
    p.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert p.locator("table.records tbody tr").count() == 450
    assert p.locator("#all-records").count() == 0
    page.assert_clean(report)
