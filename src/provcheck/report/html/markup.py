"""Escaping: every value from data goes through ``esc``; links only to http(s) URLs."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable, Sequence
from typing import TextIO
from urllib.parse import urlsplit

_HIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Characters a page does not show as themselves: control characters (an ANSI escape vanishes
from a file name) and bidirectional overrides (``licensed-\\u202elnosj.tes`` reads as
``licensed-set.jsonl``). Tab, line feed and carriage return are layout, and kept."""


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def esc(value: object) -> str:
    """``value`` as HTML text or attribute content: ``& < > " '`` escaped, and characters that
    would hide or reorder what is shown written as escapes (``\\u202e``), as in the terminal."""
    text = "" if value is None else str(value)
    if _HIDDEN.search(text):
        text = _HIDDEN.sub(_shown, text)
    return html.escape(text, quote=True)


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


def ident_parts(value: str, after: str) -> str:
    """An identifier that may break only after one of the characters ``after`` (a path after
    each '/', a reference after its source's ':' or a '-'), each part whole: a record's absolute
    path or a long source name kept on one line made the records table wider than the page (the
    printed document shrunk to fit, or its last column cut), and letting it break anywhere split
    source names inside a word."""
    pieces = re.split(f"(?<=[{re.escape(after)}])", value)
    return "<wbr>".join(f'<span class="id">{esc(p)}</span>' for p in pieces if p)


def idents(items: Sequence[str], most: int | None = None, split: str = "") -> str:
    """Identifiers that break between each other, never inside one (with ``split``: also after
    each of those characters, ``source:`` / ``reference``, never inside a name)."""
    shown = items if most is None else items[:most]
    last = len(shown) - 1  # the comma stays with its identifier: a line never starts with one

    out = " ".join(
        ident_parts(i + ("," if k < last else ""), split)
        if split
        else f'<span class="id">{esc(i)}{"," * (k < last)}</span>'
        for k, i in enumerate(shown)
    )
    return out + (f" (+{len(items) - len(shown)} more)" if len(items) > len(shown) else "")
