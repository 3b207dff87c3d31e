"""Escaping: every value from data goes through ``esc``; links only to http(s) URLs."""

from __future__ import annotations

import html
import io
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import urlsplit


def esc(value: object) -> str:
    """``value`` as HTML text or attribute content: ``& < > " '`` escaped."""
    return html.escape("" if value is None else str(value), quote=True)


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL (never ``javascript:``, ``data:``...), else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def link(url: str | None, text: str | None = None) -> str:
    """A link that opens outside the report, or the URL as plain text when it is not http(s)."""
    safe = safe_url(url)
    label = esc(text if text is not None else url)
    if safe is None:
        return label
    return f'<a href="{esc(safe)}" rel="noopener noreferrer" target="_blank">{label}</a>'


def fmt_score(value: float) -> str:
    """A 0-1 score with two decimals."""
    return f"{value:.2f}"


def dl(rows: list[tuple[str, str]], cls: str = "facts") -> str:
    """A definition list; ``rows`` are (escaped label, HTML value) and empty values are skipped."""
    items = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows if value)
    return f'<dl class="{cls}">{items}</dl>'


def table(head: list[str], rows: Iterable[list[str]], cls: str = "") -> str:
    """A table of already-escaped cells."""
    out = io.StringIO()
    write_table(out, head, rows, cls)
    return out.getvalue()


def write_table(out: TextIO, head: list[str], rows: Iterable[list[str]], cls: str = "") -> None:
    """``table``, written a row at a time."""
    th = "".join(f"<th>{h}</th>" for h in head)
    klass = f' class="{cls}"' if cls else ""
    out.write(f"<table{klass}><thead><tr>{th}</tr></thead><tbody>")
    for row in rows:
        out.write("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    out.write("</tbody></table>")
