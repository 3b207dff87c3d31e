"""``--format markdown``: a compact summary and findings table that fits a pull-request comment.

Data is escaped for GitHub-flavoured Markdown: no markup, links, mentions (``@team``) or issue
references (``#12``) can come from a dataset, and a cell never breaks its table.
"""

from __future__ import annotations

from itertools import islice
from typing import TextIO

from provcheck.model import ScanResult
from provcheck.report import overview as ov
from provcheck.report.base import Formatter, ReportContext
from provcheck.report.terminal import printable

ROWS = 50
"""Findings listed in the table; the count of the rest is given (the full list is in the other formats)."""
CELL = 160
"""Characters of free text per cell."""
_ESCAPES = {
    "\\": "\\\\",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
    "[": "\\[",
    "]": "\\]",
    "|": "\\|",
    "~": "\\~",
    "!": "\\!",
    "<": "&lt;",
    ">": "&gt;",
    "&": "&amp;",
    "@": "&#64;",
    "#": "&#35;",
}
_TABLE = str.maketrans(_ESCAPES)


def md(text: object, limit: int = CELL) -> str:
    """``text`` as inert Markdown on one line, clipped to ``limit`` characters (control and
    bidi characters shown as escapes)."""
    flat = printable(" ".join(str(text or "").split()))
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat.translate(_TABLE)


class MarkdownFormatter(Formatter):
    """Summary, counts and the first findings, for a PR comment or a job summary."""

    def write(self, result: ScanResult, context: ReportContext, out: TextIO) -> None:
        """The comment body (a few KB whatever the scan's size)."""
        out.write(self._body(result, context))

    @staticmethod
    def _body(result: ScanResult, context: ReportContext) -> str:
        run = result.run
        v = ov.verdict(result, context.fail_on)
        out = [f"### provcheck: {md(v.headline, 300)}", ""]
        policy = ov.run_text(run, "policy", "name") or "default policy"
        out.append(
            f"**Dataset** {md(ov.run_text(run, 'paths'))} · **use** {md(ov.declared_use(run))} · "
            f"**policy** {md(policy)} · {result.stats.records:,} records in {result.stats.files:,} file(s)"
        )
        if line := ov.not_scanned_line(result):
            out.append(f"<br>{md(line, 500)}")
        out.append("")
        counts = ov.by_action(result)
        out.append("| " + " | ".join(a for a, _ in counts) + " | unreadable |")
        out.append("|" + "---:|" * (len(counts) + 1))
        out.append("| " + " | ".join(f"{n:,}" for _, n in counts) + f" | {len(result.errors):,} |")
        out.append("")
        if result.findings:
            out += [
                "| action | rule | record | source | similarity | message |",
                "|---|---|---|---|---:|---|",
            ]
            for f in islice(result.findings, ROWS):
                action = f"**{f.action.value}**" + (" (waived)" if f.waived else "")
                sim = f"{f.match.evidence.similarity:.2f}" if f.match else ""
                out.append(
                    f"| {action} | {md(f.rule.id)} | {md(ov.where(f))} | {md(ov.origin(f))} | {sim} | "
                    f"{md(f.message)} |"
                )
            if len(result.findings) > ROWS:
                out += ["", f"… and {len(result.findings) - ROWS:,} more findings in the full report."]
            out.append("")
            out += ["<details><summary>Findings by rule</summary>", ""]
            out += ["| rule | findings | clause |", "|---|---:|---|"]
            for rule, groups in ov.groups(result.findings):
                first = result.findings[groups[0].positions[0]].rule
                clause = first.clause
                cite = ""
                if clause is not None:
                    cite = md(clause.document) + (
                        f", effective {md(clause.effective)}" if clause.effective else ""
                    )
                total = sum(g.size for g in groups)
                out.append(f"| {md(rule)}: {md(first.title)} | {total:,} | {cite} |")
            out += ["", "</details>", ""]
        else:
            out += ["No findings.", ""]
        if result.errors:
            out += [f"<details><summary>{len(result.errors):,} unreadable file(s) or record(s)</summary>", ""]
            for e in result.errors[:20]:
                out.append(f"- {md(e.where())}: {md(e.kind.value)}: {md(e.message)}")
            if len(result.errors) > 20:
                out.append(f"- … and {len(result.errors) - 20:,} more")
            out += ["", "</details>", ""]
        out.append(
            f"<sub>provcheck {md(ov.run_text(run, 'tool', 'version'))} · index digest "
            f"{md(ov.run_text(run, 'index', 'digest'))} · policy digest "
            f"{md(ov.run_text(run, 'policy', 'digest') or 'none')} · not legal advice</sub>"
        )
        return "\n".join(out) + "\n"
