"""Report formatters, one class per format, in one registry keyed by ``OutputFormat``."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import ClassVar

from provcheck.report.base import Formatter, OutputFormat, ReportContext


class _Registry(Mapping[OutputFormat, type[Formatter]]):
    """Each format's formatter class, imported when first asked for.

    A scan that writes JSON never loads the HTML formatter, and commands that print one line
    (a pre-commit hook with nothing to scan) load none: importing them all cost 0.2 s of a
    hook's run.
    """

    _WHERE: ClassVar[dict[OutputFormat, tuple[str, str]]] = {
        OutputFormat.TEXT: ("text", "TextFormatter"),
        OutputFormat.JSON: ("json", "JsonFormatter"),
        OutputFormat.HTML: ("html", "HtmlFormatter"),
        OutputFormat.SARIF: ("sarif", "SarifFormatter"),
        OutputFormat.MARKDOWN: ("markdown", "MarkdownFormatter"),
        OutputFormat.CSV: ("csv", "CsvFormatter"),
        OutputFormat.JUNIT: ("junit", "JunitFormatter"),
        OutputFormat.PDF: ("pdf", "PdfFormatter"),
    }

    def __getitem__(self, fmt: OutputFormat) -> type[Formatter]:
        module, name = self._WHERE[fmt]
        cls: type[Formatter] = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        return cls

    def __iter__(self) -> Iterator[OutputFormat]:
        return iter(self._WHERE)

    def __len__(self) -> int:
        return len(self._WHERE)


FORMATTERS: Mapping[OutputFormat, type[Formatter]] = _Registry()
"""Every ``OutputFormat`` has exactly one formatter (a test checks it)."""


def formatter(fmt: OutputFormat) -> Formatter:
    """A formatter instance for ``fmt``."""
    return FORMATTERS[fmt]()


__all__ = ["FORMATTERS", "Formatter", "OutputFormat", "ReportContext", "formatter"]
