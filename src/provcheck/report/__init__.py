"""Report formatters, one class per format, in one registry keyed by ``OutputFormat``."""

from __future__ import annotations

from provcheck.report.base import Formatter, OutputFormat, ReportContext
from provcheck.report.csv_ import CsvFormatter
from provcheck.report.html_ import HtmlFormatter
from provcheck.report.json_ import JsonFormatter
from provcheck.report.junit import JunitFormatter
from provcheck.report.markdown import MarkdownFormatter
from provcheck.report.sarif import SarifFormatter
from provcheck.report.text import TextFormatter

FORMATTERS: dict[OutputFormat, type[Formatter]] = {
    OutputFormat.TEXT: TextFormatter,
    OutputFormat.JSON: JsonFormatter,
    OutputFormat.HTML: HtmlFormatter,
    OutputFormat.SARIF: SarifFormatter,
    OutputFormat.MARKDOWN: MarkdownFormatter,
    OutputFormat.CSV: CsvFormatter,
    OutputFormat.JUNIT: JunitFormatter,
}
"""Every ``OutputFormat`` has exactly one formatter (a test checks it)."""


def formatter(fmt: OutputFormat) -> Formatter:
    """A formatter instance for ``fmt``."""
    return FORMATTERS[fmt]()


__all__ = ["FORMATTERS", "Formatter", "OutputFormat", "ReportContext", "formatter"]
