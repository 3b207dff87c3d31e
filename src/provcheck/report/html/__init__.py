"""The HTML report: one self-contained page (``page.HtmlFormatter``)."""

from provcheck.report.html.page import HtmlFormatter

__all__ = ["HtmlFormatter"]
