"""``provcheck baseline``: accept every current finding, to adopt provcheck on an existing repo.

The baseline is taken under the settings the gate uses: ``.provcheck.yaml`` is read with the same
precedence as ``scan`` (``provcheck.api.resolve``: options win, then the configuration, then the
defaults), its include/exclude globs select the files, and the waivers file written by default is
the one ``scan`` and the hook read. A baseline taken under other settings (another policy, a
narrower declared use) accepted findings at a lower action than the gate later gives them; every
entry therefore records the ``action`` it was accepted at, and a finding whose action is now more
severe is not covered by it (``waivers.WaiverEntry.matches``).
"""

from __future__ import annotations

import datetime as dt
import os
import sys

import click

from provcheck import projectfile as project
from provcheck.api import expand_found, resolve, scan_paths
from provcheck.cli import options
from provcheck.cli.common import (
    StderrProgress,
    check_target,
    handle_errors,
    refuse_outputs_over_inputs,
    stderr,
    write_output,
)
from provcheck.errors import ExitCode, UsageError
from provcheck.model import ScanResult
from provcheck.report.overview import declared_use
from provcheck.report.terminal import printable
from provcheck.waivers import DEFAULT_FILE, appended, baseline_entries, dump, load_waivers


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@options.INDEXES
@options.POLICY
@options.USE
@options.USE_ONLY
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False),
    default=None,
    help=f"Waivers file to write (default: the one scan reads: `waivers:` of {project.FILENAME}, else "
    f"{DEFAULT_FILE} in its folder or the current directory); when it exists, new entries are "
    "appended to it.",
)
@options.CONFIG
@options.records
@options.SCAN_ROLES
@options.ALLOW_INCLUDE_OUTSIDE
@options.SCAN_WORKERS
@options.QUIET
@handle_errors
def baseline(
    paths: tuple[str, ...],
    index_path: tuple[str, ...],
    policy_path: str | None,
    uses: tuple[str, ...],
    use_only: bool,
    output: str | None,
    config_path: str | None,
    schema: str | None,
    text_field: str | None,
    id_field: str | None,
    roles: tuple[str, ...],
    allow_include_outside: bool,
    workers: int | None,
    quiet: bool,
) -> None:
    """Write a waiver for every current finding of a scan of PATHS.

    Options left out are taken from .provcheck.yaml when there is one, as `scan` takes them
    (PATHS default to its folder), so the baseline accepts what the gate finds. Each entry
    waives one finding by id at the action it has now, with a placeholder reason and approver
    that reports flag until a person fills them in. Findings already waived by OUTPUT are left
    alone; an existing OUTPUT keeps its entries, comments and layout. The file is written
    atomically.
    """
    config = project.discover(config_path)
    settings = resolve(
        config,
        index=index_path[0] if index_path else None,
        more_indexes=index_path[1:],
        policy=policy_path,
        uses=uses,
        use_only=use_only,
        schema=schema,
        text_field=text_field,
        id_field=id_field,
        roles=roles,
        workers=workers,
        allow_include_outside=allow_include_outside,
    )
    if not paths:
        if config is None:
            raise UsageError("missing PATHS: name the dataset files or directories to baseline")
        paths = (config.root,)
    if config_path is None:
        project.refuse_other_configurations(paths, config)
    output = output or settings.waivers_file()
    given = [*paths, *(p for p in (config_path, config.path if config else None) if p)]
    given += [p for p in (settings.index, *settings.more_indexes, settings.policy) if p]
    refuse_outputs_over_inputs([output], given)
    if os.path.isdir(output):
        raise UsageError(f"--output {output} is a directory; give a file name")
    check_target(output)
    existing = load_waivers(output) if os.path.isfile(output) else None
    today = dt.datetime.now(dt.timezone.utc).date()
    selected, extras = expand_found(paths, config)
    progress = StderrProgress(not quiet)
    try:
        result, _ = scan_paths(settings, selected, progress, existing, extras)
    finally:
        progress.close()
    refuse_outputs_over_inputs([output], list(result.run.policy.files))
    entries = baseline_entries(result.findings, today)
    # The settings go into the file too, beside the entries they produced, for whoever reviews it.
    taken = f"{today.isoformat()} {_settings_line(result, config.path if config else None)}"
    if existing is not None:
        with open(output, encoding="utf-8") as fh:
            text = appended(fh.read(), existing, entries, note=taken)
    else:
        text = dump(entries, note=taken)
    if entries or existing is None:
        write_output(output, text)
    if not quiet:
        stderr.print(printable(_settings_line(result, config.path if config else None)), markup=False)
        already = result.counts.total_waived
        stderr.print(
            printable(
                f"{len(entries)} waiver(s) written to {output} ({already} finding(s) already waived); "
                "each has a placeholder reason and approver: replace them before relying on the file"
            ),
            markup=False,
        )
        if result.not_scanned:
            stderr.print(
                printable(f"{len(result.not_scanned)} file(s) found were not scanned (not baselined)"),
                markup=False,
            )
        if result.errors:
            stderr.print(
                f"{len(result.errors)} unreadable record(s) or file(s) were not scanned", markup=False
            )
    if result.errors:
        sys.exit(ExitCode.INPUT)


def _settings_line(result: ScanResult, config: str | None) -> str:
    """What the baseline was taken under: the gate must use the same settings for its entries
    to cover the same findings (an entry covers a finding at its recorded action or lower)."""
    run = result.run
    policy = run.policy.path or "the default policy"
    parts = [
        f"configuration {config}" if config else f"no {project.FILENAME}",
        f"policy {policy}",
        f"index {run.index.path}",
    ]
    parts.append(f"declared use: {declared_use(run)}")
    return "baseline taken under: " + "; ".join(parts)
