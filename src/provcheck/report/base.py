"""The formatter interface and what every formatter is given."""

from __future__ import annotations

import abc
import enum
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, ClassVar, TextIO

from provcheck.model import Action, ScanResult

if TYPE_CHECKING:
    from provcheck.report.decision import Decision


@enum.unique
class OutputFormat(str, enum.Enum):
    """Report formats (``--format``)."""

    TEXT = "text"
    JSON = "json"
    HTML = "html"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    CSV = "csv"
    JUNIT = "junit"
    PDF = "pdf"


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything beyond the result that shapes a report."""

    fail_on: frozenset[Action] = frozenset({Action.BLOCK})
    """Actions that make the scan fail."""
    color: bool = False
    """Terminal colour codes (text format only)."""
    width: int = 120
    """Terminal width (text format only)."""
    decision: Decision | None = None
    """Counsel's decision from ``--decision FILE`` (html, pdf, json, markdown, text and sarif
    reports: ``cli.scan.DECISION_FORMATS``)."""


class Formatter(abc.ABC):
    """Renders a ``ScanResult``; its only I/O is writing to the stream it is given.

    A scan's matches and findings may be more than memory holds (they are read back from
    disk one at a time), so a formatter writes its report piece by piece, reading each
    finding when it writes it; what it needs ahead (counts, groups, the rules of a SARIF
    log) it gathers as counters or positions, never as lists of findings.
    """

    binary: ClassVar[bool] = False
    """True for a format written as bytes (``write_bytes``), not text."""

    @abc.abstractmethod
    def write(self, result: ScanResult, context: ReportContext, out: TextIO) -> None:
        """Write the report to ``out``."""

    def write_bytes(self, result: ScanResult, context: ReportContext, out: BinaryIO) -> None:
        """Write a binary report to ``out`` (formats with ``binary``)."""
        raise NotImplementedError(f"{type(self).__name__} writes text")

    def render(self, result: ScanResult, context: ReportContext) -> str:
        """The report as one string (for small results and tests)."""
        buffer = io.StringIO()
        self.write(result, context, buffer)
        return buffer.getvalue()
