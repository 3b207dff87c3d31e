"""``provcheck hook``: the pre-commit gate (``run``) and a plain git hook (``install``/``uninstall``)."""

from __future__ import annotations

import datetime as dt
import sys

import click

from provcheck import changes as changesets
from provcheck import githook, project
from provcheck.cli.common import StderrProgress, format_error, handle_errors, stderr
from provcheck.cli.project import resolve, scan_changes, unchanged_records, waivers_of
from provcheck.cli.scan import fail_on_actions, waiver_lines
from provcheck.errors import ExitCode
from provcheck.git import Repo
from provcheck.project import FAIL_ON, LFS_MODES
from provcheck.report.hook import refusal
from provcheck.report.serialize import counts_by_action

ERRORS_SHOWN = 20


@click.group()
def hook() -> None:
    """Check staged dataset files before each commit (pre-commit framework or plain git)."""


@hook.command("run")
@click.argument("files", nargs=-1, type=click.Path())
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help=f"Project configuration (default: the nearest {project.FILENAME} from the working directory up).",
)
@click.option(
    "-i",
    "--index",
    "index_path",
    metavar="INDEX",
    help="Reference index (default: `index:` of the configuration).",
)
@click.option("-p", "--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy file.")
@click.option(
    "--use", "uses", multiple=True, metavar="PURPOSE", help="Intended use, overriding the policy's."
)
@click.option(
    "--fail-on",
    type=click.Choice(list(FAIL_ON)),
    default=None,
    help="Refuse the commit on findings with this action or a more severe one [default: block].",
)
@click.option(
    "--lfs",
    "lfs_mode",
    type=click.Choice(list(LFS_MODES)),
    default=None,
    help="Git LFS pointers: report them as unreadable, scan the local LFS object, or skip [default: report].",
)
@click.option(
    "--cache-dir", metavar="DIR", help="Result cache directory [default: $XDG_CACHE_HOME/provcheck]."
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option(
    "-v", "--verbose", is_flag=True, help="Also list the changed paths that are not scanned, and why."
)
@click.option("-q", "--quiet", is_flag=True, help="Print only what refuses a commit.")
@handle_errors
def run(
    files: tuple[str, ...],
    config_path: str | None,
    index_path: str | None,
    policy_path: str | None,
    uses: tuple[str, ...],
    fail_on: str | None,
    lfs_mode: str | None,
    cache_dir: str | None,
    no_cache: bool,
    verbose: bool,
    quiet: bool,
) -> None:
    """Scan the new records of the staged dataset FILES (default: every staged file).

    What is scanned is the staged content (the index), compared with HEAD: only records that
    are new or changed are parsed and matched. Exit 0: nothing blocks. 1: blocking findings
    (the commit is refused). 4: a staged dataset file cannot be read. Other codes: see README.
    """
    config = project.discover(config_path)
    repo = Repo.discover(".")
    settings = resolve(
        config,
        index=index_path,
        policy=policy_path,
        uses=uses,
        fail_on=fail_on,
        lfs=lfs_mode,
        cache_dir=cache_dir,
        no_cache=no_cache,
        cache_by_default=True,
    )
    actions = fail_on_actions(settings.fail_on)
    changes = changesets.staged(repo, list(files) if files else None, config, settings.lfs)
    if not quiet:
        for skip in changes.skipped:
            if verbose or skip.notable:
                stderr.print(f"provcheck: {skip.path}: {skip.reason}", markup=False)
    if not changes.files and not changes.declaring:
        if not quiet:
            others = sum(1 for k in changes.skipped if not k.notable)
            more = f" ({others} changed path(s) not scanned; -v lists them)" if others and not verbose else ""
            stderr.print(f"provcheck: no staged dataset records to scan{more}", markup=False)
        return
    progress = StderrProgress(False)
    result, cache = scan_changes(
        settings,
        changes,
        repo,
        progress,
        run={
            "command": ["provcheck", *sys.argv[1:]],
            "mode": "pre-commit",
            "fail_on": sorted(a.value for a in actions),
            "use_declared_by": settings.uses_from,
        },
        waivers=waivers_of(settings),
    )
    for err in result.errors[:ERRORS_SHOWN]:
        stderr.print(f"provcheck: {format_error(err)}", markup=False)
    if len(result.errors) > ERRORS_SHOWN:
        stderr.print(
            f"provcheck: ... and {len(result.errors) - ERRORS_SHOWN} more unreadable records", markup=False
        )
    lines = refusal(result, actions, waivers_file=settings.waivers_file(), today=dt.date.today().isoformat())
    for line in lines:
        stderr.print(line, markup=False)
    s = result.stats
    counts = ", ".join(f"{n} {a}" for a, n in counts_by_action(result).items() if n) or "none"
    waived = sum(1 for f in result.findings if f.waived)
    if waived:
        counts += f"; {waived} waived"
    unchanged = unchanged_records(result)
    verdict = (
        f"provcheck: scanned {s.records:,} new record(s) in {s.files} file(s)"
        + (f" ({unchanged:,} unchanged skipped)" if unchanged else "")
        + f" against {changes.base} in {s.seconds:.2f} s; findings: {counts}"
    )
    if not quiet:
        for line in waiver_lines(result):
            stderr.print(f"provcheck: {line}", markup=False)
    if cache is not None and cache.problem and not quiet:
        stderr.print(f"provcheck: note: {cache.problem}", markup=False)
    blocking = result.blocking(actions)
    if blocking:
        stderr.print(verdict, markup=False)
        stderr.print(f"provcheck: commit refused: {len(blocking)} blocking finding(s)", markup=False)
        sys.exit(ExitCode.FINDINGS)
    if result.errors:
        stderr.print(verdict, markup=False)
        stderr.print(
            f"provcheck: commit refused: {len(result.errors)} staged dataset file(s) or record(s) "
            "could not be read (fix them, or commit with --no-verify to skip the check)",
            markup=False,
        )
        sys.exit(ExitCode.INPUT)
    if not quiet:
        stderr.print(verdict, markup=False)


@hook.command("install")
@click.option(
    "--force", is_flag=True, help="Replace a pre-commit hook provcheck did not write (kept as a backup)."
)
@handle_errors
def install(force: bool) -> None:
    """Install a git pre-commit hook that runs `provcheck hook run` (no framework needed)."""
    change = githook.install(Repo.discover("."), sys.executable, force=force)
    if change.backup:
        stderr.print(f"moved the existing hook to {change.backup}", markup=False)
    stderr.print(f"{change.action} {change.path}", markup=False)


@hook.command("uninstall")
@handle_errors
def uninstall() -> None:
    """Remove provcheck's git pre-commit hook (any other hook is left alone)."""
    change = githook.uninstall(Repo.discover("."))
    if change.action == "absent":
        stderr.print(f"no pre-commit hook at {change.path}; nothing to remove", markup=False)
        return
    stderr.print(f"removed {change.path}", markup=False)
    if change.backup:
        stderr.print(f"restored the previous hook from {change.backup}", markup=False)
