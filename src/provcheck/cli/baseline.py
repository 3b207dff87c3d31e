"""``provcheck baseline``: accept every current finding, to adopt provcheck on an existing repo."""

from __future__ import annotations

import datetime as dt
import os
import sys

import click

from provcheck.api import effective_use
from provcheck.cli import options
from provcheck.cli.common import (
    StderrProgress,
    handle_errors,
    refuse_outputs_over_inputs,
    stderr,
    write_output,
)
from provcheck.cli.scan import waivers_for
from provcheck.errors import ExitCode, UsageError
from provcheck.index.combined import open_index
from provcheck.inputs.schemas import RecordOptions
from provcheck.matching.segment import RoleFilter
from provcheck.policy import default_policy, load_policy
from provcheck.report.terminal import printable
from provcheck.runtime.executors import default_workers
from provcheck.scan import engine
from provcheck.waivers import DEFAULT_FILE, appended, baseline_entries, dump


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-i", "--index", "index_path", required=True, metavar="INDEX", help="Reference index.")
@click.option("-p", "--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy file.")
@options.USE
@options.USE_ONLY
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False),
    default=DEFAULT_FILE,
    show_default=True,
    help="Waivers file to write; when it exists, new entries are appended to it.",
)
@options.records
@options.SCAN_ROLES
@options.ALLOW_INCLUDE_OUTSIDE
@options.SCAN_WORKERS
@options.QUIET
@handle_errors
def baseline(
    paths: tuple[str, ...],
    index_path: str,
    policy_path: str | None,
    uses: tuple[str, ...],
    use_only: bool,
    output: str,
    schema: str | None,
    text_field: str | None,
    id_field: str | None,
    roles: tuple[str, ...],
    allow_include_outside: bool,
    workers: int | None,
    quiet: bool,
) -> None:
    """Write a waiver for every current finding of a scan of PATHS.

    Each entry waives one finding by id, with a placeholder reason and approver that reports
    flag until a person fills them in. Findings already waived by OUTPUT are left alone; an
    existing OUTPUT keeps its entries, comments and layout. The file is written atomically.
    """
    policy = (
        load_policy(policy_path, allow_outside=allow_include_outside) if policy_path else default_policy()
    )
    refuse_outputs_over_inputs([output], [*paths, *([policy_path] if policy_path else [])])
    declared = effective_use(policy, None, uses, use_only)
    existing = waivers_for(output) if os.path.isfile(output) else None
    if os.path.isdir(output):
        raise UsageError(f"--output {output} is a directory; give a file name")
    scan_options = engine.ScanOptions(
        records=RecordOptions(schema=schema or "auto", text_field=text_field, id_field=id_field),
        roles=RoleFilter.parse(roles) if roles else None,
        workers=workers or default_workers(),
    )
    progress = StderrProgress(not quiet)
    today = dt.datetime.now(dt.timezone.utc).date()
    try:
        result = engine.scan(
            list(paths),
            open_index((index_path,)),
            policy,
            declared.use,
            scan_options,
            progress,
            waivers=existing,
            today=today,
        )
    finally:
        progress.close()
    entries = baseline_entries(result.findings, today)
    if existing is not None:
        with open(output, encoding="utf-8") as fh:
            text = appended(fh.read(), existing, entries)
    else:
        text = dump(entries)
    if entries or existing is None:
        write_output(output, text)
    if not quiet:
        already = result.counts.total_waived
        stderr.print(
            printable(
                f"{len(entries)} waiver(s) written to {output} ({already} finding(s) already waived); "
                "each has a placeholder reason and approver: replace them before relying on the file"
            ),
            markup=False,
        )
        if result.errors:
            stderr.print(
                f"{len(result.errors)} unreadable record(s) or file(s) were not scanned", markup=False
            )
    if result.errors:
        sys.exit(ExitCode.INPUT)
