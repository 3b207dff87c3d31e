"""The HTML report: one self-contained page (``page.HtmlFormatter``)."""

from provcheck.report.html_.page import HtmlFormatter

__all__ = ["HtmlFormatter"]
