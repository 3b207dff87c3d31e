"""The formatter interface and what every formatter is given."""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass

from provcheck.model import Action, ScanResult


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


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything beyond the result that shapes a report."""

    fail_on: frozenset[Action] = frozenset({Action.BLOCK})
    """Actions that make the scan fail."""
    color: bool = False
    """Terminal colour codes (text format only)."""
    width: int = 120
    """Terminal width (text format only)."""


class Formatter(abc.ABC):
    """Renders a ``ScanResult``; pure: no I/O."""

    @abc.abstractmethod
    def render(self, result: ScanResult, context: ReportContext) -> str:
        """The report as text."""
