"""``provcheck scan``: match datasets against an index and apply a policy."""

from __future__ import annotations

import functools
import os
import shutil
import sys

import click

from provcheck import projectfile as project
from provcheck.api import expand, resolve, scan_changes, scan_paths, unchanged_records, waivers_of
from provcheck.cli.common import (
    ADDRESS,
    ENGINE,
    StderrProgress,
    format_error,
    handle_errors,
    stderr,
    write_output,
)
from provcheck.cli.index import SCHEMA_CHOICES
from provcheck.errors import ExitCode, UsageError
from provcheck.gitscan import changes as changesets
from provcheck.gitscan.repo import Repo
from provcheck.matching.params import MatchConfig
from provcheck.model import Action, ScanResult
from provcheck.projectfile import LFS_MODES
from provcheck.report import OutputFormat, ReportContext, formatter
from provcheck.report.serialize import counts_by_action
from provcheck.report.terminal import printable
from provcheck.waivers import DEFAULT_FILE as DEFAULT_WAIVERS
from provcheck.waivers import Waivers, load_waivers

FAIL_ON = ["block", "review", "warn", "info", "never"]
ERRORS_SHOWN = 20


def fail_on_actions(value: str) -> frozenset[Action]:
    """``--fail-on review`` -> {block, review}: the action and every more severe one."""
    if value == "never":
        return frozenset()
    threshold = Action(value).severity
    return frozenset(a for a in Action if a.severity >= threshold)


def pair_outputs(formats: tuple[str, ...], outputs: tuple[str, ...]) -> list[tuple[OutputFormat, str | None]]:
    """``--format A --output a --format B --output b``: formats and outputs pair in order."""
    fmts = [OutputFormat(f) for f in formats] or [OutputFormat.TEXT]
    if not outputs:
        if len(fmts) > 1:
            raise UsageError("several --format values need one --output each (at most one may be '-')")
        return [(fmts[0], None)]
    if len(outputs) != len(fmts):
        raise UsageError(
            f"{len(fmts)} --format value(s) but {len(outputs)} --output value(s); give one output per format"
        )
    if sum(1 for o in outputs if o == "-") > 1:
        raise UsageError("only one --output may be '-' (stdout)")
    return list(zip(fmts, [None if o == "-" else o for o in outputs], strict=True))


def waivers_for(path: str | None) -> Waivers | None:
    """The waivers file given, else ``.provcheck-waivers.yaml`` in the current directory if any."""
    if path is not None:
        if not os.path.isfile(path):
            raise UsageError(f"--waivers {path}: no such file")
        return load_waivers(path)
    return load_waivers(DEFAULT_WAIVERS) if os.path.isfile(DEFAULT_WAIVERS) else None


def waiver_lines(result: ScanResult) -> list[str]:
    """What the waivers did, for the summary: stale entries and placeholders are flagged."""
    w = result.waivers
    if w is None:
        return []
    lines = [
        f"waivers ({w.file}): {w.waived} finding(s) waived, {w.expired} re-opened (expired), "
        f"{len(w.stale)} stale entr{'y' if len(w.stale) == 1 else 'ies'}"
    ]
    if w.placeholders:
        lines.append(
            f"WARNING: {w.placeholders} waiver(s) still have the baseline placeholder reason or "
            f"approver; fill them in in {w.file}"
        )
    for stale in w.stale[:ERRORS_SHOWN]:
        what = f"id {stale.id}" if stale.id else f"rule {stale.rule}"
        lines.append(f"{stale.file}:{stale.line}: stale waiver ({what}) matches no finding")
    return lines


def summary(result: ScanResult, fail_on: frozenset[Action]) -> str:
    """The one-paragraph verdict printed on stderr."""
    counts = counts_by_action(result)
    waived = result.counts.total_waived
    parts = [f"{n} {a}" for a, n in counts.items() if n]
    s = result.stats
    lines = [
        f"scanned {s.records:,} records ({s.turns:,} turns) in {s.files} file(s) in {s.seconds:.1f} s: "
        f"{s.matches} match(es); findings: {', '.join(parts) or 'none'}"
        + (f"; {waived} waived" if waived else "")
    ]
    lines.extend(waiver_lines(result))
    if "changes" in result.run:
        changes = result.run["changes"]
        base = changes.get("base") if isinstance(changes, dict) else None
        lines.append(
            f"diff-aware: only records new since {base} were scanned; "
            f"{unchanged_records(result):,} unchanged record(s) left out"
        )
    if result.errors:
        lines.append(f"{len(result.errors)} unreadable record(s) or file(s): the scan is incomplete")
    blocking = result.blocking_count(fail_on)
    if blocking:
        lines.append(f"FAIL: {blocking} finding(s) with action {'/'.join(sorted(a.value for a in fail_on))}")
    elif result.errors:
        lines.append("INCOMPLETE: no blocking finding in what could be read")
    else:
        lines.append("PASS: no blocking finding")
    return "\n".join(lines)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "-i",
    "--index",
    "index_path",
    metavar="INDEX",
    help="Reference index to match against (required unless .provcheck.yaml sets `index:`).",
)
@click.option(
    "-p",
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help="Policy file (default: every match is a review finding).",
)
@click.option(
    "--use",
    "uses",
    multiple=True,
    metavar="PURPOSE",
    help="Intended use, overriding the policy's: a purpose (train-competing-model, fine-tune...) "
    "or commercial, non-commercial, distributed, internal, research-only. Repeatable.",
)
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
    type=click.Choice(FAIL_ON),
    default=None,
    help="Exit 1 on findings with this action or a more severe one.  [default: block]",
)
@click.option(
    "--schema",
    type=SCHEMA_CHOICES,
    default=None,
    help="Record schema; detected per record by default.  [default: auto]",
)
@click.option("--text-field", metavar="FIELD", help="Read only this (dotted) field as the text.")
@click.option("--id-field", metavar="FIELD", help="Field holding record ids (default: id).")
@click.option(
    "--roles",
    multiple=True,
    metavar="R,...",
    help="Scan only these turns (role names or kinds: system, user, assistant, tool, text).",
)
@click.option(
    "--allow-include-outside",
    is_flag=True,
    help="Let the policy include files outside its directory.",
)
@click.option(
    "-j",
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes matching records (default: all cores; small scans use one).",
)
@ENGINE
@ADDRESS
@click.option(
    "--match",
    "match_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Advanced: override a matching threshold (see README, How matching works). Repeatable.",
)
@click.option(
    "--min-probability",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    metavar="P",
    help="Report only matches whose estimated probability of derivation is at least P (0-1; "
    "default 0: every verified match). Same as --match min-probability=P.",
)
@click.option(
    "--waivers",
    "waivers_path",
    type=click.Path(dir_okay=False),
    default=None,
    help=f"Waivers file (default: `waivers:` of .provcheck.yaml, else {DEFAULT_WAIVERS} in its folder or "
    "the current directory, if present).",
)
@click.option(
    "--changed-since",
    metavar="REV",
    help="Scan only records that are new or changed in the working tree since git revision REV.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help=f"Project configuration (default: the nearest {project.FILENAME} from the working directory up).",
)
@click.option(
    "--lfs",
    "lfs_mode",
    type=click.Choice(list(LFS_MODES)),
    default=None,
    help="With --changed-since, Git LFS pointers: report as unreadable, scan the local LFS object, "
    "or skip.  [default: report]",
)
@click.option(
    "--cache-dir",
    metavar="DIR",
    help="Cache per-record results here (default with --changed-since: $XDG_CACHE_HOME/provcheck).",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@handle_errors
def scan(
    paths: tuple[str, ...],
    index_path: str | None,
    policy_path: str | None,
    uses: tuple[str, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    fail_on: str | None,
    schema: str | None,
    text_field: str | None,
    id_field: str | None,
    roles: tuple[str, ...],
    allow_include_outside: bool,
    workers: int | None,
    engine_name: str,
    address: str | None,
    match_options: tuple[str, ...],
    min_probability: float | None,
    waivers_path: str | None,
    changed_since: str | None,
    config_path: str | None,
    lfs_mode: str | None,
    cache_dir: str | None,
    no_cache: bool,
    quiet: bool,
) -> None:
    """Scan dataset files or directories (PATHS) against INDEX.

    Options left out are taken from .provcheck.yaml when there is one (PATHS default to its
    folder). Exit 0: no blocking finding. 1: blocking findings. 4: some input was unreadable
    (and nothing blocks). Other codes: see README.
    """
    targets = pair_outputs(formats, outputs)
    if min_probability is not None and any(
        o.partition("=")[0].strip().replace("_", "-") == "min-probability" for o in match_options
    ):
        raise UsageError("--min-probability and --match min-probability=... both given; give one of them")
    config = project.discover(config_path)
    settings = resolve(
        config,
        index=index_path,
        policy=policy_path,
        uses=uses,
        fail_on=fail_on,
        schema=schema,
        text_field=text_field,
        id_field=id_field,
        roles=roles,
        workers=workers,
        allow_include_outside=allow_include_outside,
        match=MatchConfig.with_overrides(
            [*match_options, *([f"min-probability={min_probability}"] if min_probability is not None else [])]
        ),
        engine=engine_name,
        address=address,
        lfs=lfs_mode,
        cache_dir=cache_dir,
        no_cache=no_cache,
        cache_by_default=changed_since is not None,
    )
    if not paths:
        if config is None:
            raise UsageError("missing PATHS: name the dataset files or directories to scan")
        paths = (config.root,)
    actions = fail_on_actions(settings.fail_on)
    waivers = waivers_of(settings, waivers_path)
    run = {
        "command": ["provcheck", *sys.argv[1:]],
        "fail_on": sorted(a.value for a in actions),
        "use_declared_by": settings.uses_from,
    }
    progress = StderrProgress(not quiet)
    try:
        if changed_since is not None:
            repo = Repo.discover(".")
            changes = changesets.since(repo, changed_since, list(paths), config, settings.lfs)
            if not quiet:
                for skip in changes.skipped:
                    stderr.print(printable(f"{skip.path}: not scanned: {skip.reason}"), markup=False)
            run["changed_since"] = changed_since
            result, cache = scan_changes(settings, changes, repo, progress, run, waivers)
        else:
            result, cache = scan_paths(settings, expand(paths, config), progress, run, waivers)
    finally:
        progress.close()
    if cache is not None and cache.problem and not quiet:
        stderr.print(f"note: {cache.problem}", markup=False)
    width = shutil.get_terminal_size((120, 24)).columns
    for fmt, out in targets:
        color = out is None and fmt is OutputFormat.TEXT and sys.stdout.isatty()
        context = ReportContext(fail_on=actions, color=color, width=width)
        write_output(out, functools.partial(formatter(fmt).write, result, context))
    if not quiet:
        for err in result.errors[:ERRORS_SHOWN]:
            stderr.print(format_error(err), markup=False)
        if len(result.errors) > ERRORS_SHOWN:
            stderr.print(
                f"... and {len(result.errors) - ERRORS_SHOWN} more errors (all are in the json report)",
                markup=False,
            )
        stderr.print(summary(result, actions), markup=False)
        for fmt, out in targets:
            if out is not None:
                stderr.print(f"{fmt.value} report written to {out}", markup=False)
    if result.blocking_count(actions):
        sys.exit(ExitCode.FINDINGS)
    if result.errors:
        sys.exit(ExitCode.INPUT)
