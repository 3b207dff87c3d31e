"""``provcheck scan``: match datasets against an index and apply a policy."""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import sys

import click
from click.core import ParameterSource

from provcheck import projectfile as project
from provcheck.api import expand_found, resolve, scan_changes, scan_paths, unchanged_records, waivers_of
from provcheck.cli import options
from provcheck.cli.common import (
    Output,
    StderrProgress,
    check_engine,
    format_error,
    handle_errors,
    refuse_outputs_over_inputs,
    refuse_repeated_keys,
    stderr,
    write_outputs,
)
from provcheck.cli.hook import refuse_gate_changes, refuse_gate_mix, scan_widened
from provcheck.cli.merge import check_shard_options, refuse_partial_inside
from provcheck.cli.pairing import pair_outputs
from provcheck.cli.replaced import replaced_settings, same_path
from provcheck.cli.staged import inside, refuse_new_scope_waivers
from provcheck.cli.verdict import ERRORS_SHOWN, fail_on_actions, waiver_lines
from provcheck.errors import ExitCode, ProvcheckError, UsageError
from provcheck.gitscan import changes as changesets
from provcheck.gitscan.deadglobs import refuse_globs_selecting_nothing
from provcheck.gitscan.repo import Repo
from provcheck.matching.params import MatchConfig
from provcheck.model import ABSENT, Absent, Action, ScanResult
from provcheck.model.runextras import GitFacts
from provcheck.report import OutputFormat, ReportContext, formatter
from provcheck.report import overview as ov
from provcheck.report.decision import Decision, DecisionError, load_decision, open_counts
from provcheck.report.overview import coverage
from provcheck.report.serialize import counts_by_action
from provcheck.report.terminal import printable, printable_lines
from provcheck.runtime.executors import WorkerPlan
from provcheck.scan.partial import write_partial
from provcheck.waivers import DEFAULT_FILE as DEFAULT_WAIVERS
from provcheck.waivers import Waivers, load_waivers

FAIL_ON = ["block", "review", "warn", "info", "never"]


DECISION_FORMATS = (
    OutputFormat.HTML,
    OutputFormat.PDF,
    OutputFormat.JSON,
    OutputFormat.MARKDOWN,
    OutputFormat.SARIF,
    OutputFormat.TEXT,
)


def report_decision(path: str | None, formats: list[OutputFormat]) -> Decision | None:
    """The ``--decision`` file, checked before the scan; refused when no report would show it."""
    if path is None:
        return None
    if not any(f in DECISION_FORMATS for f in formats):
        raise UsageError(
            "--decision is shown only in html, pdf, json, markdown, text and sarif reports; add --format "
            "html (or pdf, json, markdown, text, sarif) "
            "with an --output"
        )
    return load_decision(path)


def check_decision(decision: Decision, result: ScanResult, fail_on: frozenset[Action] | None = None) -> None:
    """A decision naming a report must name this one: a decision is never shown on a report it
    was not made on. ``fail_on``: the actions the scan fails on (default block)."""
    from provcheck.report.records import report_identity

    ident = report_identity(result)
    if decision.decision == "approve" and decision.override is None:
        block, _, unreadable = open_counts(result)
        # Under --fail-on review the findings that fail the gate are reviews too (adv22): an
        # approve over them asks for the override as over blocking ones.
        block = max(block, result.blocking_count(fail_on)) if fail_on else block
        if block or unreadable:
            # "Approve, conditions none" was signed beside "FAIL: 3 finding(s) with action block"
            # with nothing saying why (outside counsel 21): the stricter reading asks.
            raise DecisionError(
                [
                    f"{decision.path}: decision 'approve' over {block:,} open finding(s) that fail the "
                    f"scan and {unreadable:,} unreadable file(s) or record(s) of this scan needs 'override:' "
                    "(why the approval stands over the report's verdict)"
                ],
                hint="add 'override: <why>', or use 'approve-with-conditions' with the conditions",
            )
    if decision.report is None:
        # Shown, with a notice in the decision block: nothing ties it to this report.
        stderr.print(
            printable(
                f"note: {decision.path} names no report: the decision is shown as not checked against "
                f"this report; add 'report: {ident.id}' once it is"
            ),
            markup=False,
        )
        return
    if decision.report not in (ident.id, ident.digest):
        raise DecisionError(
            [
                f"{decision.path}: report {decision.report!r} is not this scan's report ({ident.id}, "
                f"digest {ident.digest}): the dataset, index, policy, use or findings differ"
            ],
            hint="re-check the decision against this report, then update or remove 'report:'",
        )


def git_facts() -> GitFacts | None:
    """Where the scan runs in its git checkout, if it runs in one: the reports' paths are made
    relative to the repository's top and linked to their lines at this commit. The remote's
    address is kept without credentials (``web_url``)."""
    from provcheck.report.locations import web_url

    try:
        repo = Repo.discover(".")
        commit = repo.resolve("HEAD") if repo.has_head() else None
        remote = repo.config("remote.origin.url")
    except ProvcheckError:
        return None
    prefix = os.path.relpath(os.path.realpath("."), os.path.realpath(repo.root))
    return GitFacts(root=repo.root, prefix=prefix.replace(os.sep, "/"), commit=commit, web=web_url(remote))


def _note_replaced(config: project.ProjectConfig, index: str | None, policy: str | None) -> None:
    """Say where an option replaces the index or policy the configuration names: explicit
    values win, and ``-i pack.zip`` meant as an addition dropped the project's index with no
    word in any report (adversarial pass 13)."""
    for option, given, configured, hint in (
        ("--index", index, config.index, "; give it as another -i to search both"),
        ("--policy", policy, config.policy, ""),
    ):
        if given and configured and not same_path(given, configured):
            stderr.print(
                printable(
                    f"note: {option} {given} is used instead of the {option[2:]} that "
                    f"{config.path} names ({configured}){hint}"
                ),
                markup=False,
            )


def waivers_for(path: str | None) -> Waivers | None:
    """The waivers file given, else ``.provcheck-waivers.yaml`` in the current directory if any."""
    if path is not None:
        if not os.path.isfile(path):
            raise UsageError(f"--waivers {path}: no such file")
        return load_waivers(path)
    return load_waivers(DEFAULT_WAIVERS) if os.path.isfile(DEFAULT_WAIVERS) else None


def worker_line(result: ScanResult) -> str | None:
    """``64 workers requested, 2 used (2 usable CPUs, by CPU affinity)`` when fewer were used
    than ``-j`` or ``workers:`` asked for (the default, all usable CPUs, goes unsaid)."""
    run = result.run
    if run.workers_requested is ABSENT or run.workers_from == "default":
        return None
    limit = run.workers_limit if isinstance(run.workers_limit, str) else None
    return WorkerPlan(run.workers_requested, run.workers, limit).sentence()


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
    lines.extend(printable(line) for line in ov.summary_lines(result))
    lines.extend(line for line in [coverage(result)] if line)
    capped = worker_line(result)
    if capped:
        lines.append(capped)
    lines.extend(waiver_lines(result))
    if result.run.changes:
        lines.append(
            f"diff-aware: only records new since {result.run.changes.base} were scanned; "
            f"{unchanged_records(result):,} unchanged record(s) left out"
        )
    if result.errors:
        lines.append(f"{len(result.errors)} unreadable record(s) or file(s): the scan is incomplete")
    blocking = result.blocking_count(fail_on)
    verdict = ov.verdict(result, fail_on)
    if blocking:
        lines.append(f"FAIL: {blocking} finding(s) with action {'/'.join(sorted(a.value for a in fail_on))}")
    elif verdict.ungated:
        lines.append(verdict.headline)
    elif result.errors:
        lines.append("INCOMPLETE: no blocking finding in what could be read")
    else:
        # Never a bare "PASS": a clean gate says what it checked against, nothing more.
        n = len(result.run.index.sources)
        lines.append(
            f"no blocking finding: checked against the {n} indexed source(s) only"
            + verdict.at_thresholds()
            + "; material from sources not in the index, paraphrases and translations are not detected"
        )
    return "\n".join(lines)


def run_by_facts(given: str | None) -> tuple[str | Absent, str | Absent]:
    """``run.run_by`` and where it came from (``--run-by`` or ``$PROVCHECK_RUN_BY``, never
    guessed from git or CI variables); absent when neither was given."""
    if given is None:
        return ABSENT, ABSENT
    source = click.get_current_context().get_parameter_source("run_by")
    origin = "environment (PROVCHECK_RUN_BY)" if source is ParameterSource.ENVIRONMENT else "command line"
    name = " ".join(given.split())
    if not name or not name.isprintable():
        raise UsageError(f"--run-by ({origin}): {given!r} is not a name; give who ran the scan, in words")
    return name, origin


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(readable=False))
@options.INDEXES
@options.POLICY
@options.USE
@options.USE_ONLY
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
@options.FAIL_ON
@options.records
@options.SCAN_ROLES
@options.ALLOW_INCLUDE_OUTSIDE
@options.SCAN_WORKERS
@options.ENGINE
@options.ADDRESS
@click.option(
    "--match",
    "match_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Advanced: override a matching threshold (see docs/matching.md). Repeatable.",
)
@click.option(
    "--min-probability",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    metavar="P",
    help="Report only matches whose estimated probability of derivation is at least P (0-1; "
    "default 0: every verified match). Same as --match min-probability=P.",
)
@options.WAIVERS
@click.option(
    "--changed-since",
    metavar="REV",
    help="Scan only records that are new or changed in the working tree since git revision REV.",
)
@options.CONFIG
@options.LFS
@options.CACHE_DIR
@options.NO_CACHE
@click.option(
    "--decision",
    "decision_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Counsel's decision (YAML: decision, conditions, name, role, date; override to approve over "
    "blocking findings) to show in the html, pdf, json, markdown, text and sarif reports; see "
    "docs/report.md.",
)
@click.option(
    "--run-by",
    envvar="PROVCHECK_RUN_BY",
    default=None,
    help="Who ran the scan (a name, or a CI job's identity), recorded in the reports as given, with "
    "where it came from; default: $PROVCHECK_RUN_BY, else not recorded.",
)
@click.option(
    "--shard",
    "shard_text",
    metavar="I/N",
    default=None,
    help="Scan only share I of N of the files found (dealt by size, the same in every share); "
    "needs --partial. Merge the N partials with `provcheck merge`.",
)
@click.option(
    "--partial",
    "partial_path",
    metavar="FILE",
    default=None,
    help="With --shard: write this share's results here for `provcheck merge` (see docs/scale.md).",
)
@options.QUIET
@handle_errors
def scan(
    paths: tuple[str, ...],
    index_path: tuple[str, ...],
    policy_path: str | None,
    uses: tuple[str, ...],
    use_only: bool,
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
    decision_path: str | None,
    run_by: str | None,
    shard_text: str | None,
    partial_path: str | None,
    quiet: bool,
) -> None:
    """Scan dataset files or directories (PATHS) against INDEX.

    Options left out are taken from .provcheck.yaml when there is one (PATHS default to its
    folder). Exit 0: no blocking finding. 1: blocking findings. 4: some input was unreadable
    (and nothing blocks). Other codes: docs/exit-codes.md.
    """
    targets = pair_outputs(formats, outputs)
    ran_by, ran_by_from = run_by_facts(run_by)
    shard = check_shard_options(shard_text, partial_path, changed_since, [o for _, o in targets])
    decision = report_decision(decision_path, [fmt for fmt, _ in targets])
    if any(fmt is OutputFormat.PDF and out is None and sys.stdout.isatty() for fmt, out in targets):
        raise UsageError(
            "--format pdf writes a binary file: give it --output FILE.pdf, or pipe stdout to a file"
        )
    if any(fmt is OutputFormat.PDF for fmt, _ in targets):
        from provcheck.report.pdf import check_available  # loads the HTML report: only when asked

        check_available()
    if min_probability is not None and any(
        o.partition("=")[0].strip().replace("_", "-") == "min-probability" for o in match_options
    ):
        raise UsageError("--min-probability and --match min-probability=... both given; give one of them")
    config = project.discover(config_path)
    settings = resolve(
        config,
        index=index_path[0] if index_path else None,
        more_indexes=index_path[1:],
        policy=policy_path,
        uses=uses,
        use_only=use_only,
        fail_on=fail_on,
        schema=schema,
        text_field=text_field,
        id_field=id_field,
        roles=roles,
        workers=workers,
        allow_include_outside=allow_include_outside,
        match=_match_config(match_options, min_probability),
        engine=engine_name,
        address=address,
        lfs=lfs_mode,
        cache_dir=cache_dir,
        no_cache=no_cache,
        cache_by_default=changed_since is not None,
    )
    replaced: list[str] = []
    if config is not None:
        replaced = replaced_settings(
            config,
            {
                "index": ("--index", index_path[0] if index_path else None),
                "policy": ("--policy", policy_path),
                "waivers": ("--waivers", waivers_path),
                "fail_on": ("--fail-on", fail_on),
                "lfs": ("--lfs", lfs_mode),
                "schema": ("--schema", schema),
                "text_field": ("--text-field", text_field),
                "id_field": ("--id-field", id_field),
                "roles": ("--roles", roles or None),
                "workers": ("-j", workers),
                "cache": ("--no-cache", True) if no_cache else ("--cache-dir", cache_dir),
            },
        )
    if config is not None and not quiet:
        _note_replaced(config, index_path[0] if index_path else None, policy_path)
        for line in replaced:
            if not line.startswith(("index:", "policy:")):  # said above, with what to do
                stderr.print(printable(f"note: {line}"), markup=False)
    if not paths:
        if config is None:
            raise UsageError("missing PATHS: name the dataset files or directories to scan")
        paths = (config.root,)
    if config_path is None:
        project.refuse_other_configurations(paths, config)
    given = [*paths, *(p for p in (policy_path, waivers_path, config_path, decision_path) if p)]
    # The indexes and the policy (from the command line or the configuration) are inputs too.
    given += [p for p in (settings.index, *settings.more_indexes, settings.policy) if p]
    refuse_outputs_over_inputs([out for _, out in targets if out is not None], given)
    if partial_path is not None:
        refuse_outputs_over_inputs([partial_path], given, what="--partial")
        refuse_partial_inside(partial_path, paths)
    if shard is not None:
        settings = dataclasses.replace(settings, shard=shard)
    actions = fail_on_actions(settings.fail_on)
    waivers = waivers_of(settings, waivers_path)
    # The configuration found from the working directory and the waivers file found by default
    # are inputs too: `-o .provcheck-waivers.yaml -f text` replaced the reviewers' decisions.
    gate = [p for p in (config.path if config else None, waivers.path if waivers else None) if p]
    refuse_outputs_over_inputs([out for _, out in targets if out is not None], gate)
    if partial_path is not None:
        refuse_outputs_over_inputs([partial_path], gate, what="--partial")
    check_engine(settings.engine, settings.address)
    if lfs_mode is not None and changed_since is None:
        raise UsageError(
            "--lfs applies only with --changed-since (a scan of whole files reads no LFS pointer)"
        )
    git = git_facts()
    progress = StderrProgress(not quiet)
    changes = None
    try:
        if changed_since is not None:
            repo = Repo.discover(".")
            changes = changesets.since(repo, changed_since, list(paths), config, settings.lfs)
            # The CI gate as the hook: changes that loosen the gate's configuration (fail_on:
            # never, an exclude:, a softened policy, a scope waiver) beside a copy were judged
            # under the configuration they bring and passed (adversarial pass 11).
            refuse_gate_changes(repo, config, changes, policy_path, index_path)
            refuse_globs_selecting_nothing(repo, config, changes)
            scan_widened(repo, config, changes, settings.lfs, quiet)
            if waivers is not None:
                refuse_new_scope_waivers(repo, waivers, changes)
            if config_path is None:  # a changed file under a nested configuration (as the hook)
                project.refuse_other_configurations(changes.folders(repo.root), config)
            if not quiet:
                for skip in changes.skipped:
                    stderr.print(printable(f"{skip.path}: not scanned: {skip.reason}"), markup=False)
            result, cache = scan_changes(settings, changes, repo, progress, waivers)
        else:
            selected, extras = expand_found(paths, config)
            if shard is not None and shard.index != 1:
                extras = []  # what every share finds alike is share 1's (scan.partial)
            result, cache = scan_paths(settings, selected, progress, waivers, extras)
    finally:
        progress.close()
    run = dataclasses.replace(
        result.run,
        command=("provcheck", *sys.argv[1:]),
        fail_on=tuple(sorted(a.value for a in actions)),
        # Every setting that shapes the run, so that none is accepted and silently dropped.
        config=config.path if config is not None else None,
        allow_include_outside=settings.allow_include_outside,
        address=settings.address,
        lfs=settings.lfs if changed_since is not None else None,
        decision=decision_path if decision is not None and decision_path is not None else ABSENT,
        git=git if git is not None else ABSENT,
        changed_since=changed_since if changed_since is not None else ABSENT,
        run_by=ran_by,
        run_by_from=ran_by_from,
        replaced=tuple(replaced) if replaced else ABSENT,
    )
    result = dataclasses.replace(result, run=run)
    # So are the files the policy includes (known once it is loaded): `-o base.yaml -f text`
    # replaced the policy's own rules with a report, before any output is written.
    included = list(result.run.policy.files)
    refuse_outputs_over_inputs([out for _, out in targets if out is not None], included)
    if changes is not None:  # a file the policy includes is the gate's too (as for the hook)
        refuse_gate_mix(inside(repo, included), changes)
    if partial_path is not None:
        refuse_outputs_over_inputs([partial_path], included, what="--partial")
    if cache is not None and cache.problem and not quiet:
        stderr.print(printable(f"note: {cache.problem}"), markup=False)
    width = shutil.get_terminal_size((120, 24)).columns
    if partial_path is not None:
        write_partial(partial_path, result, (settings.index, *settings.more_indexes))
        if not quiet:
            stderr.print(printable(f"partial of shard {shard} written to {partial_path}"), markup=False)
    if decision is not None:
        check_decision(decision, result, actions)
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
        stderr.print(printable_lines(summary(result, actions)), markup=False)
        for fmt, out in targets:
            if out is not None:
                stderr.print(printable(f"{fmt.value} report written to {out}"), markup=False)
    if result.blocking_count(actions):
        sys.exit(ExitCode.FINDINGS)
    if result.errors:
        sys.exit(ExitCode.INPUT)


def _match_config(items: tuple[str, ...], min_probability: float | None) -> MatchConfig:
    """``--match`` overrides, with ``--min-probability P`` as ``min-probability=P``; a key given
    two values (twice, or by both options) is refused."""
    given = [*items, *([f"min-probability={min_probability}"] if min_probability is not None else [])]
    refuse_repeated_keys("--match", given)
    return MatchConfig.with_overrides(given)
