"""``provcheck merge``: the reports and exit code of one scan, from the partials of its shards.

``scan --shard I/N --partial FILE`` scans one share of a run's files; ``merge`` checks that
the partials are all N shares of one run (``provcheck.scan.partial``) and writes what one scan
of everything would: the same reports, finding ids and exit code.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click

from provcheck.cli import options
from provcheck.cli.common import (
    Output,
    check_target,
    format_error,
    handle_errors,
    refuse_outputs_over_inputs,
    stderr,
    write_outputs,
)
from provcheck.cli.pairing import pair_outputs
from provcheck.errors import ExitCode, UsageError
from provcheck.model import ScanResult
from provcheck.report import OutputFormat, ReportContext, formatter
from provcheck.report.terminal import printable, printable_lines
from provcheck.scan.merging import merge as merge_partials
from provcheck.scan.partial import Shard, read_partial
from provcheck.support import atomic


def check_shard_options(
    shard: str | None, partial: str | None, changed_since: str | None, outputs: list[str | None]
) -> Shard | None:
    """``scan --shard I/N --partial FILE``: both or neither, never over another output."""
    if shard is None and partial is None:
        return None
    if shard is None:
        raise UsageError("--partial needs --shard I/N: a partial is one share of a run")
    if partial is None:
        raise UsageError(
            "--shard needs --partial FILE: the share's results are merged from it (provcheck merge)"
        )
    parsed = Shard.parse(shard)
    if changed_since is not None:
        raise UsageError("--shard cannot be combined with --changed-since (a diff-aware scan is not sharded)")
    if partial == "-" or atomic.is_special(partial):
        raise UsageError(f"--partial {partial}: give a regular file (the partial is gzip data)")
    if os.path.isdir(partial):
        raise UsageError(f"--partial {partial} is a directory: give a file name")
    check_target(partial, "--partial")
    for out in outputs:
        if out is not None and out != "-" and atomic.same_file(out, partial):
            raise UsageError(f"--partial {partial} is also an --output: they would replace each other")
    return parsed


@click.command()
@click.argument("partials", nargs=-1, required=True, metavar="PARTIAL...")
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=click.Choice([f.value for f in OutputFormat]),
    help="Report format (default text). Repeatable, paired with --output.",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="FILE",
    help="Write the report here ('-' for stdout). Repeatable, paired with --format.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["block", "review", "warn", "info", "never"]),
    default=None,
    help="Exit 1 on findings with this action or a more severe one.  [default: the shards' --fail-on]",
)
@click.option(
    "--decision",
    "decision_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Counsel's decision to show in the html, pdf, json, markdown, text and sarif reports (as for scan).",
)
@options.QUIET
@handle_errors
def merge(
    partials: tuple[str, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    fail_on: str | None,
    decision_path: str | None,
    quiet: bool,
) -> None:
    """Merge the N partials of `scan --shard I/N --partial FILE` into one scan's reports and exit code.

    Exit codes as for scan (docs/exit-codes.md); partials that are not the N shares of one run
    (missing, given twice, another run) are refused with exit 2.
    """
    from provcheck.cli.scan import check_decision, report_decision, summary
    from provcheck.cli.verdict import ERRORS_SHOWN, fail_on_actions

    targets = pair_outputs(formats, outputs)
    refuse_inputs([o for _, o in targets if o is not None], list(partials))
    decision = report_decision(decision_path, [fmt for fmt, _ in targets])
    if any(fmt is OutputFormat.PDF for fmt, _ in targets):
        from provcheck.report.pdf import check_available

        check_available()
    # Every partial's run record and file list are checked before any body is read.
    heads = [read_partial(p, body=False) for p in partials]
    refuse_outputs_over_inputs(
        [o for _, o in targets if o is not None],
        [*run_inputs(heads[0].run), *([decision_path] if decision_path else [])],
    )
    result = merge_partials(
        heads, load=lambda head: read_partial(head.path), command=("provcheck", *sys.argv[1:])
    )
    given = result.run.fail_on
    if fail_on is None:
        # The shards' own threshold, as they recorded it ([] for never).
        actions = fail_on_actions(_threshold(given))
    else:
        actions = fail_on_actions(fail_on)
        shards = _threshold(given)
        result = _with_fail_on(result, actions, None if fail_on == shards else shards, fail_on)
        if fail_on != shards and not quiet:
            stderr.print(printable(f"note: {_replaced(shards, fail_on)}"), markup=False)
    if decision is not None:
        check_decision(decision, result, actions)
    width = shutil.get_terminal_size((120, 24)).columns
    reports: list[Output] = []
    for fmt, out in targets:
        color = out is None and fmt is OutputFormat.TEXT and sys.stdout.isatty()
        context = ReportContext(fail_on=actions, color=color, width=width, decision=decision)
        writer = formatter(fmt)
        write = writer.write_bytes if writer.binary else writer.write
        reports.append((out, functools.partial(write, result, context), writer.binary))
    write_outputs(reports)  # all or none
    if not quiet:
        for err in result.errors[:ERRORS_SHOWN]:
            stderr.print(format_error(err), markup=False)
        if len(result.errors) > ERRORS_SHOWN:
            stderr.print(
                f"... and {len(result.errors) - ERRORS_SHOWN} more errors (all are in the json report)",
                markup=False,
            )
        stderr.print(printable(f"merged {len(partials)} partial(s)"), markup=False)
        stderr.print(printable_lines(summary(result, actions)), markup=False)
        for fmt, out in targets:
            if out is not None:
                stderr.print(printable(f"{fmt.value} report written to {out}"), markup=False)
    if result.blocking_count(actions):
        sys.exit(ExitCode.FINDINGS)
    if result.errors:
        sys.exit(ExitCode.INPUT)


def refuse_partial_inside(partial: str, paths: Sequence[str]) -> None:
    """A partial written inside a scanned directory would be scanned by the next share."""
    target = os.path.realpath(partial)
    for given in paths:
        if "://" not in given and os.path.isdir(given):
            root = os.path.realpath(given)
            if os.path.commonpath([root, target]) == root:
                raise UsageError(
                    f"--partial {partial} is inside the scanned directory {given}: the other shares "
                    "would scan it as data",
                    hint="write partials outside the data (e.g. --partial ../parts/part-1.pcp)",
                )


def refuse_inputs(outputs: Sequence[str], partials: Sequence[str]) -> None:
    """A report of ``merge`` never replaces one of its partials."""
    for out in outputs:
        if atomic.is_special(out):
            continue
        for p in partials:
            if os.path.exists(p) and atomic.same_file(out, p):
                raise UsageError(f"--output {out} is a partial being merged ({p}): it would be replaced")


def run_inputs(run: Mapping[str, Any]) -> list[str]:
    """What the shards read, as their run record names it (relative to where they ran): the
    data, the policy and its included files, the waivers file, the configuration, the indexes
    and packs."""
    found: list[Any] = [*(run.get("paths") or ()), run.get("waivers"), run.get("config")]
    policy = run.get("policy")
    if isinstance(policy, Mapping):
        found += [policy.get("path"), *(policy.get("files") or ())]
    index = run.get("index")
    if isinstance(index, Mapping):
        found += [
            index.get("path"),
            *(m.get("path") for m in index.get("members") or () if isinstance(m, Mapping)),
        ]
    return [p for p in found if isinstance(p, str) and p and "://" not in p]


def _threshold(recorded: object) -> str:
    """The ``--fail-on`` word a scan's recorded ``fail_on`` (the actions it blocks on) stands for."""
    if not isinstance(recorded, (list, tuple)) or not recorded:
        return "never"
    order = ["info", "warn", "review", "block"]
    return next(word for word in order if word in recorded)


def _replaced(shards: str, given: str) -> str:
    return f"fail_on: {shards} (the shards' --fail-on) replaced by merge --fail-on {given}"


def _with_fail_on(
    result: ScanResult, actions: frozenset[object], shards: str | None, given: str
) -> ScanResult:
    """The run record says which threshold the merge applied, and (``run.replaced``, said in
    every report as a scan's replaced settings are) that it replaced the shards' own: ``merge
    --fail-on never`` was only in ``run.fail_on``."""
    import dataclasses

    from provcheck.model import Absent

    run = dataclasses.replace(result.run, fail_on=tuple(sorted(str(getattr(a, "value", a)) for a in actions)))
    if shards is not None:
        before = () if isinstance(run.replaced, Absent) else tuple(run.replaced)
        run = dataclasses.replace(run, replaced=(*before, _replaced(shards, given)))
    return dataclasses.replace(result, run=run)
