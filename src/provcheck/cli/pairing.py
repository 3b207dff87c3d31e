"""Which report goes where: ``--format`` and ``--output`` paired in order, the format an
output's name says, and the pairings refused before any work is done (moved from
``cli/common.py``, which was at the 600-line limit)."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

from provcheck.cli.common import check_target
from provcheck.errors import UsageError
from provcheck.support import atomic

if TYPE_CHECKING:
    from provcheck.report import OutputFormat


SUFFIX_FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".sarif": "sarif",
    ".md": "markdown",
    ".markdown": "markdown",
    ".csv": "csv",
    ".xml": "junit",
    ".pdf": "pdf",
    ".junit": "junit",
}
"""Output suffixes whose format is clear: ``-o r.json`` without ``-f`` writes JSON."""


def pair_outputs(formats: tuple[str, ...], outputs: tuple[str, ...]) -> list[tuple[OutputFormat, str | None]]:
    """``--format A --output a --format B --output b``: formats and outputs pair in order.

    Without ``--format``, each output's format comes from its suffix (``r.json``, ``r.sarif``,
    ``r.sarif.json``...); an output whose suffix says nothing is refused rather than given a
    text table under a misleading name.
    """
    if not formats and outputs:
        formats = tuple(_format_of(o) for o in outputs)
    from provcheck.report import OutputFormat

    fmts = [OutputFormat(f) for f in formats] or [OutputFormat.TEXT]
    if not outputs:
        if len(fmts) > 1:
            raise UsageError("several --format values need one --output each (at most one may be '-')")
        return [(fmts[0], None)]
    if len(outputs) != len(fmts):
        raise UsageError(
            f"{len(fmts)} --format value(s) but {len(outputs)} --output value(s); give one output per format"
        )
    to_stdout = [o for o in outputs if _is_stdout(o)]
    if len(to_stdout) > 1:
        if all(o == "-" for o in to_stdout):
            raise UsageError("only one --output may be '-' (stdout)")
        # `-o - -o /dev/stdout > r.json`: the second report was renamed over the file the first
        # was written to, and the first was lost, exit 0 (adversarial pass 18).
        raise UsageError(
            f"--output {' and --output '.join(to_stdout)} write to standard output: one report "
            "would replace or run into the other",
            hint="give each --format its own file; at most one may go to standard output",
        )
    files = [o for o in outputs if o != "-"]
    for o in files:
        check_target(o)
    for i, a in enumerate(files):
        for b in files[:i]:
            if atomic.same_file(a, b) and not atomic.is_special(a):
                raise UsageError(
                    f"--output {b} and --output {a} are the same file: one report would replace the other",
                    hint="give each --format its own --output",
                )
    for fmt, o in zip(fmts, outputs, strict=True):
        _refuse_other_suffix(fmt.value, o, formats, outputs)
    return list(zip(fmts, [None if o == "-" else o for o in outputs], strict=True))


def _is_stdout(output: str) -> bool:
    """True for ``-`` and for a name of the file or pipe standard output is (``/dev/stdout``,
    ``/dev/fd/1``, the file the shell redirected it to)."""
    if output == "-":
        return True
    try:
        out, named = os.fstat(1), os.stat(output)
    except OSError:
        return False
    if not (stat.S_ISREG(out.st_mode) or stat.S_ISFIFO(out.st_mode)):
        return False  # a terminal, /dev/null: nothing is lost
    return (named.st_dev, named.st_ino) == (out.st_dev, out.st_ino)


def _refuse_other_suffix(fmt: str, output: str, formats: tuple[str, ...], outputs: tuple[str, ...]) -> None:
    """``-f json -f html -o report.html -o report.json`` (the pairs swapped) wrote JSON, the
    data's markup unescaped, into the page counsel opens in a browser, and HTML into the file a
    CI step parses: an output whose name says another format than its ``--format`` is refused.
    SARIF is JSON (``r.json`` may hold it); a name that says nothing (``-o report``) is taken."""
    if output == "-" or atomic.is_special(output):
        return
    named = _suffix_format(output)
    if named is None or named == fmt or (fmt == "sarif" and named == "json"):
        return
    pairs = " ".join(f"-f {f} -o {o}" for f, o in zip(formats, outputs, strict=True))
    raise UsageError(
        f"--format {fmt} is paired with --output {output}, whose name says {named}: "
        f"formats and outputs pair in order ({pairs})",
        hint=f"did you mean -f {named} -o {output}? Give each --format the --output of its own kind",
    )


def _suffix_format(output: str) -> str | None:
    """The format an output's name says (``r.sarif.json``: sarif), or None."""
    name = os.path.basename(output).lower()
    if name.endswith(".sarif.json"):
        return "sarif"
    return SUFFIX_FORMATS.get(os.path.splitext(name)[1])


def _format_of(output: str) -> str:
    from provcheck.report import OutputFormat

    if output == "-":
        return OutputFormat.TEXT.value
    found = _suffix_format(output)
    if found is None and atomic.is_special(output):
        return OutputFormat.TEXT.value  # -o /dev/stderr, a FIFO: the text table as on a terminal
    if found is None:
        raise UsageError(
            f"--output {output}: cannot tell the report format from the name",
            hint="give --format (text, json, html, sarif, markdown, csv, junit) or a name ending "
            + ", ".join(sorted(SUFFIX_FORMATS)),
        )
    return found
