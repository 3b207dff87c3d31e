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


def breakable(value: object, after: str = "/") -> str:
    """``value`` escaped, with a line-break opportunity after each of the characters ``after``:
    Chromium breaks a name after a '-' but never after a '/', ':' or '=', so a dataset name
    (``org/name``), a path or a reference (``source:id``) printed as one unbreakable run made
    its table wider than the page."""
    text = esc(value)
    for c in after:
        text = text.replace(c, c + "<wbr>")
    return text


def idents(items: Sequence[str], most: int | None = None, cls: str = "id") -> str:
    """Identifiers that break between each other, never inside one (``cls="name"``: a long one
    may also break after a '/', ':', '=' or '-' of its own, never inside a word)."""
    shown = items if most is None else items[:most]
    last = len(shown) - 1  # the comma stays with its identifier: a line never starts with one
    texts = [esc(i) if cls == "id" else breakable(i, "/:=") for i in shown]
    out = " ".join(f'<span class="{cls}">{t}{"," if k < last else ""}</span>' for k, t in enumerate(texts))
    return out + (f" (+{len(items) - len(shown)} more)" if len(items) > len(shown) else "")


def badge(action: str | None) -> str:
    """An action as a coloured badge, or ``none``."""
    if action is None:
        return '<span class="none">none</span>'
    return f'<span class="badge {esc(action)}">{esc(action)}</span>'


def pct(share: float) -> str:
    return f"{share:.1%}"
