"""The HTML report in a real headless Chromium (Debian's ``/usr/bin/chromium`` via Playwright).

Skipped with a message when Chromium or the ``playwright`` package is missing; ``.ci/run``
installs Chromium, so CI always runs them. The screenshot and the printed PDF are left in
``build/test-artifacts/`` for people (``make screenshot`` copies the screenshot to docs/img).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import ARTIFACTS, ROOT, run_cli
from provcheck.report import OutputFormat, ReportContext, formatter
from report_samples import SCRIPT, many, sample

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

pytestmark = pytest.mark.browser

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
            "-q",
        ],
        1,
    )
    report = report.resolve()
    page = Page(browser, height=1750)
    page.open(report)
    p = page.page
    # Alpaca-style material predates OpenAI's earliest wording on record: review, not block.
    assert p.locator(".verdict.fail").inner_text().startswith("FAIL: 3 finding(s)")
    # 5 matches, 2 dataset-card declarations, the card's licence conflict and 1 waived marker.
    assert p.locator("details.finding").count() == 9
    assert "Note: the material is dated 2023-03-13" in p.locator("#findings").inner_text()
    assert p.locator("#quote-confidence").is_visible()
    assert p.locator("details.finding[data-waived='1']").count() == 1
    # Every match finding shows aligned text marked on both sides, and the edits inside it.
    cards = [c for c in p.locator("details.finding").all() if c.locator(".txt.ref").count()]
    assert len(cards) == 5
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
    p.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert p.locator("details.finding[open]").count() == 60
    p.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert p.locator("details.finding[open]").count() == 0
    p.emulate_media(media="print")
    assert p.locator("nav.toc").is_hidden() and p.locator(".controls").is_hidden()
    page.assert_clean(report)
