"""``--format pdf``: the HTML report printed by Chromium's print engine (``provcheck[pdf]``).

The PDF is the HTML report written for print (``HtmlFormatter(for_print=True)``: evidence
cards open, the first ``PRINT_EVIDENCE`` per rule and source, every record with a finding in
the records list) and printed by the same engine the HTML report is tested in, through
Playwright driving the system's Chromium (Debian's ``chromium``; ``PROVCHECK_CHROMIUM``
names another). Page numbers and the running header come from the report's own ``@page``
rules, so a PDF printed from a browser by hand has them too. Why Chromium rather than
WeasyPrint: docs/report.md.

Nothing is fetched: the page is loaded from a private temporary file, and every request other
than that file is aborted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO, TextIO

from provcheck.errors import ExitCode, ProvcheckError
from provcheck.model import ScanResult
from provcheck.report.base import Formatter, ReportContext
from provcheck.report.html.page import HtmlFormatter

CHROMIUM_ENV = "PROVCHECK_CHROMIUM"
DEFAULT_CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_MS = 600_000
"""Longest a page may take to load and print (a report of 100,000 records prints in about a minute)."""


class PdfUnavailable(ProvcheckError):
    """The PDF format needs what is not installed (a usage error: nothing was written)."""

    exit_code = ExitCode.USAGE


def chromium_path() -> str:
    """The Chromium to print with: ``$PROVCHECK_CHROMIUM``, else the first on ``PATH``."""
    given = os.environ.get(CHROMIUM_ENV)
    if given:
        found = shutil.which(given)
        if found is None:
            raise PdfUnavailable(
                f"{CHROMIUM_ENV}={given}: not an executable",
                hint="point it to a Chromium or Chrome binary, or unset it",
            )
        return found
    for name in DEFAULT_CHROMIUM:
        found = shutil.which(name)
        if found:
            return found
    raise PdfUnavailable(
        "--format pdf prints with Chromium, and none was found on PATH",
        hint="install it (Debian: apt-get install chromium fonts-noto-core fonts-noto-cjk) or set "
        f"{CHROMIUM_ENV}",
    )


def check_available() -> None:
    """Refuse early (before a scan) when the PDF format cannot be written."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise PdfUnavailable(
            "--format pdf needs the playwright package",
            hint="pip install 'provcheck[pdf]' (it uses your system's Chromium; no browser is downloaded)",
        ) from None
    chromium_path()


class PdfFormatter(Formatter):
    """The HTML report, printed to PDF (A4, page numbers, running header)."""

    binary = True

    def write(self, result: ScanResult, context: ReportContext, out: TextIO) -> None:
        """A PDF is bytes: refused as text."""
        raise PdfUnavailable(
            "--format pdf writes a binary file: give it --output FILE.pdf",
            hint="a PDF cannot be written to a text stream",
        )

    def write_bytes(self, result: ScanResult, context: ReportContext, out: BinaryIO) -> None:
        """Render the print HTML to a temporary file, print it, copy the PDF to ``out``."""
        check_available()
        with tempfile.TemporaryDirectory(prefix="provcheck-pdf-") as tmp:
            page_path = os.path.join(tmp, "report.html")
            pdf_path = os.path.join(tmp, "report.pdf")
            with open(page_path, "w", encoding="utf-8") as fh:
                HtmlFormatter(for_print=True).write(result, context, fh)
            # Playwright's synchronous API refuses to run in a thread with an asyncio loop (a
            # notebook, an async application, another Playwright session): it gets a thread.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="provcheck-pdf") as pool:
                pool.submit(_print, page_path, pdf_path).result()
            with open(pdf_path, "rb") as fh:
                shutil.copyfileobj(fh, out)


def _print(page_path: str, pdf_path: str) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    url = "file://" + page_path
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=["--disable-gpu"])
            try:
                page = browser.new_page()
                # Nothing but the report itself is loaded (it asks for nothing; this makes sure).
                page.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
                page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
                page.emulate_media(media="print")
                page.pdf(
                    path=pdf_path, prefer_css_page_size=True, print_background=True, outline=True, tagged=True
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PdfUnavailable(
            f"Chromium could not print the report: {str(exc).splitlines()[0]}",
            hint=f"check the browser ({CHROMIUM_ENV}) and that it runs headless here",
        ) from None
