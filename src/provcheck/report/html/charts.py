"""Small horizontal bar charts as inline SVG (no library, no script, prints as vectors)."""

from __future__ import annotations

from provcheck.report.html.markup import esc

MAX_BARS = 8
"""Bars per chart; the rest is summed into one "other" bar."""
_ROW = 22
_CHAR_W = 7
"""Width of a character of a label at the chart's font size, generously (labels are never cut:
a cut label such as ``alpacaeval-gpt4-110…`` can name two sources)."""
_LABEL_MIN = 100
_BAR_W = 150
PALETTE = {
    "block": "#b42318",
    "review": "#b54708",
    "warn": "#6941c6",
    "info": "#175cd3",
    "waived": "#667085",
}
_DEFAULT = "#2e90fa"


def bar_chart(title: str, rows: list[tuple[str, int]], caption: str = "") -> str:
    """A chart of ``rows`` (label, count), largest as given first; labels are data and escaped."""
    if len(rows) > MAX_BARS:
        rest = sum(n for _, n in rows[MAX_BARS - 1 :])
        rows = [*rows[: MAX_BARS - 1], (f"{len(rows) - MAX_BARS + 1} other", rest)]
    total = sum(n for _, n in rows)
    peak = max((n for _, n in rows), default=0) or 1
    height = max(1, len(rows)) * _ROW + 6
    label_w = max([_LABEL_MIN, *(len(label) * _CHAR_W + 12 for label, _ in rows)])
    width = label_w + _BAR_W + 60
    desc = "; ".join(f"{label}: {n}" for label, n in rows) or "nothing to count"
    parts = [
        f'<figure class="chart"><figcaption>{esc(title)}</figcaption>',
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{esc(title)}: {esc(desc)}</title>',
    ]
    if not rows or total == 0:
        parts.append(f'<text x="0" y="16" class="none">{esc("none")}</text>')
    for i, (label, n) in enumerate(rows):
        y = i * _ROW + 3
        w = round(_BAR_W * n / peak) if n else 0
        color = PALETTE.get(label, _DEFAULT)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{esc(label)}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{max(w, 1 if n else 0)}" height="{_ROW - 8}" '
            f'rx="2" fill="{color}"/>'
            f'<text x="{label_w + w + 6}" y="{y + 14}" class="n">{n:,}</text>'
        )
    parts.append("</svg>")
    if caption:
        parts.append(f'<p class="caption">{esc(caption)}</p>')
    parts.append("</figure>")
    return "".join(parts)
