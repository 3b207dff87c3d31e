"""``provcheck hook``: the pre-commit gate (``run``) and a plain git hook (``install``/``uninstall``)."""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time

import click

from provcheck import projectfile as project
from provcheck.cli import CheckedGroup, options
from provcheck.cli.common import collector_paused, handle_errors, stderr
from provcheck.gitscan import changes as changesets
from provcheck.gitscan.deadglobs import refuse_globs_selecting_nothing
from provcheck.gitscan.merges import merge_heads, merged_in
from provcheck.gitscan.named import refuse_unknown_files
from provcheck.gitscan.prefix import start_proofs
from provcheck.gitscan.repo import Repo, repository_paths
from provcheck.gitscan.widened import newly_selected
from provcheck.inputs import reader_for
from provcheck.report.terminal import printable


@click.group(cls=CheckedGroup)
def hook() -> None:
    """Check staged dataset files before each commit (pre-commit framework or plain git)."""


@hook.command("run")
@click.argument("files", nargs=-1, type=click.Path(readable=False))
@options.CONFIG
@options.INDEXES
@options.POLICY
@options.USE
@options.USE_ONLY
@options.FAIL_ON
@options.LFS
@options.CACHE_DIR
@options.NO_CACHE
@options.WAIVERS
@click.option(
    "-v", "--verbose", is_flag=True, help="Also list the changed paths that are not scanned, and why."
)
# Not options.QUIET: the hook still prints what refuses a commit when quiet.
@click.option("-q", "--quiet", is_flag=True, help="Print only what refuses a commit.")
@handle_errors
def run(
    files: tuple[str, ...],
    config_path: str | None,
    index_path: tuple[str, ...],
    policy_path: str | None,
    uses: tuple[str, ...],
    use_only: bool,
    fail_on: str | None,
    lfs_mode: str | None,
    cache_dir: str | None,
    no_cache: bool,
    waivers_path: str | None,
    verbose: bool,
    quiet: bool,
) -> None:
    """Scan the new records of the staged dataset FILES (default: every staged file).

    What is scanned is the staged content (the index), compared with HEAD: only records that
    are new or changed are parsed and matched. Exit 0: nothing blocks. 1: blocking findings
    (the commit is refused). 4: a staged dataset file cannot be read. Other codes: docs/exit-codes.md.
    """
    started = time.perf_counter()  # the whole run is reported: git's part can be most of it
    config = project.discover(config_path)
    preload = _MatcherImport()
    if any(reader_for(f) is not None and (config is None or config.selects(f)) for f in files):
        # The pre-commit framework names the staged files: one of them is a dataset file, so
        # the import can start before git is asked anything.
        preload()
    repo = Repo.discover(".")
    lfs = lfs_mode or (config.lfs if config is not None and config.lfs else "report")
    changes = changesets.staged(repo, list(files) if files else None, config, lfs, on_dataset=preload)
    refuse_unknown_files(repo, files, changes)  # a typo in a name checked nothing, exit 0
    if changes.files and (no_cache or (not cache_dir and config is not None and config.cache is False)):
        # Without the result cache, the first thing the scan does is to prove that rows were
        # appended (a hash of the old size of each file): it runs in a background thread from
        # now on, while the checks below wait for git and for the matcher's import (which
        # ``preload`` started when git listed the dataset file). Nothing is printed or refused
        # from it before the scan takes its result.
        if not preload.started:
            preload()
        changes.files = start_proofs(changes.files)
    # Before anything is skipped: a loosened configuration may be what skips the new records.
    refuse_gate_changes(repo, config, changes, policy_path, index_path)
    refuse_globs_selecting_nothing(repo, config, changes)  # a typo in `include:` passed every commit
    scan_widened(repo, config, changes, lfs, quiet)
    if config_path is None:
        # A dataset folder with a `.provcheck.yaml` of its own (a monorepo): its files were
        # judged under the configuration found from the working directory, its own ignored.
        project.refuse_other_configurations(changes.folders(repo.root), config)
    if not quiet:
        for skip in changes.skipped:
            if verbose or skip.notable:
                stderr.print(printable(f"provcheck: {skip.path}: {skip.reason}"), markup=False)
    if not changes.files and not changes.declaring:
        if not quiet:
            others = sum(1 for k in changes.skipped if not k.notable)
            more = f" ({others} changed path(s) not scanned; -v lists them)" if others and not verbose else ""
            stderr.print(f"provcheck: no staged dataset records to scan{more}", markup=False)
        return
    _refuse_configuration_missing_here(repo, changes)
    # The hook does no linear algebra: the thread pool OpenBLAS starts when numpy is imported
    # costs ~60 ms of CPU (its threads spin) and takes the core the proofs run on.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # Matching needs numpy, the engine, the index and the report code: they are imported only
    # when there is something to scan, so a commit without dataset files costs little more
    # than starting Python.
    with collector_paused():
        from provcheck.cli.staged import scan_staged

    scan_staged(
        changes,
        repo,
        config,
        index_path=index_path,
        policy_path=policy_path,
        uses=uses,
        use_only=use_only,
        fail_on=fail_on,
        lfs=lfs,
        cache_dir=cache_dir,
        no_cache=no_cache,
        waivers_path=waivers_path,
        quiet=quiet,
        started=started,
    )


def scan_widened(
    repo: Repo, config: project.ProjectConfig | None, changes: changesets.ChangeSet, lfs: str, quiet: bool
) -> None:
    """Add to ``changes``, whole, the dataset files the configuration change brings under the
    gate (``gitscan.widened``): they were never checked."""
    widened = newly_selected(repo, config, changes)
    if not widened:
        return
    named = [os.path.join(repo.root, p) for p in widened]
    if changes.base_commit is None:  # the hook: a named file the commit leaves as it is is read whole
        whole = changesets.staged(repo, named, config, lfs)
    else:  # every file is new against the empty tree
        whole = changesets.since(repo, repo.empty_tree(), named, config, lfs, commit=repo.empty_tree())
    have = {c.path for c in (*changes.files, *changes.declaring)}
    changes.files += [c for c in whole.files if c.path not in have]
    changes.declaring += [c for c in whole.declaring if c.path not in have]
    if not quiet:
        shown = ", ".join(widened[:5]) + (", ..." if len(widened) > 5 else "")
        stderr.print(
            printable(
                f"provcheck: the configuration {config.path if config else ''} selects "
                f"{len(widened)} dataset file(s) its version in {changes.base_commit or 'HEAD'} "
                f"did not: scanned whole ({shown})"
            ),
            markup=False,
        )


PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
"""Where the pre-commit framework reads the hook's arguments (at the repository's top)."""


def refuse_gate_changes(
    repo: Repo,
    config: project.ProjectConfig | None,
    changes: changesets.ChangeSet,
    policy_path: str | None,
    index_path: tuple[str, ...] = (),
) -> None:
    """Refuse a commit that changes the gate's own configuration (``.provcheck.yaml``, or the
    policy file it runs under) together with anything else.

    The hook reads the configuration being committed: a commit that loosens it (an ``exclude:``
    over the new file, a softened rule) and adds a copy would be checked under
    the looser gate and pass, and an exclude over the new file makes it look like no dataset
    change at all, so any other path in the commit counts. Judging the commit under both
    configurations would be the complete answer; refusing the mix is the strict one, and the
    way out is plain: commit the configuration change on its own, then the rest is checked
    under the gate in force. A
    configuration that did not exist before (the first ``.provcheck.yaml``) weakens nothing.
    Waivers are left out: committing a reviewed waiver with the records it covers is the
    documented way to record a decision, and each waiver names one finding and its approver.
    """
    gate = []
    for path in (
        config.path if config is not None else None,
        policy_path or (config.policy if config is not None else None),
    ):
        if path and not path.startswith("provcheck:"):  # a shipped pack is no file of the repository
            gate += repository_paths(repo.root, path)  # a link to it too: retargeted, it is changed
    # The configuration or policy the change brings where there was none counts too when a
    # gate ran without it: with the index on the command line (the pre-commit framework's
    # `args:`, a CI step), a first `.provcheck.yaml` saying `fail_on: never` beside a copy
    # replaced the gate's defaults and passed (adversarial pass 12). Without such an index the
    # change that brings the configuration is how a repository adopts the gate (none ran
    # before it), as is a repository's first commit.
    gated_before = bool(index_path) and (changes.base_commit is not None or repo.has_head())
    added = list(gate) if gated_before else []
    if os.environ.get("PRE_COMMIT") == "1":
        # Under the pre-commit framework the hook's own options come from the repository's
        # `.pre-commit-config.yaml` (`args: [--fail-on, never]`, `[--use-only, --use, evaluation]`):
        # a commit changing them beside a copy was judged under the options it brings.
        gate.append(PRE_COMMIT_CONFIG)
    # A configuration the commit deletes or renames away is a change to the gate too: the hook
    # no longer finds it and judged the records beside it under no configuration at all (every
    # match a review finding, exit 0). It counts for the paths it governed (its folder down).
    for path in changes.changed_before:
        folder, name = os.path.split(path)
        governed = (
            p for p in changes.staged_paths if p != path and (not folder or p.startswith(folder + "/"))
        )
        if name == project.FILENAME and path not in changes.staged_after and any(governed):
            gate.append(path)
    # A reference index kept in the repository is the gate's too: a commit replacing it with one
    # that lacks a source (or deleting a shard) beside a copy was matched against what it brings.
    # Every staged path inside it is part of that one change.
    for index in index_path or ((config.index,) if config is not None and config.index else ()):
        if "://" not in index:
            for rel in repository_paths(repo.root, index):
                gate += [p for p in changes.staged_paths if p == rel or p.startswith(rel.rstrip("/") + "/")]
            # So are the files of the repository it was built from: CI builds the index from the
            # checkout's sources manifest, so a pull request dropping a source from it (or the
            # copied lines from a reference file) beside a copy was matched against an index
            # that lacks them.
            from provcheck.index.manifest import index_inputs  # the index is opened later anyway

            for path in index_inputs(index):
                gate += repository_paths(repo.root, path)
    refuse_gate_mix(gate, changes, added, repo)


def refuse_gate_mix(
    gate: list[str], changes: changesets.ChangeSet, added: list[str] | None = None, repo: Repo | None = None
) -> None:
    """Refuse a commit that changes one of the ``gate`` files (repository paths) that existed
    in ``HEAD``, or adds one of ``added``, together with any other path (``refuse_gate_changes``).
    ``repo``: the hook's repository, where a merge may bring the gate's files as they are."""
    brought = {p for p in added or () if p in changes.staged_after}
    changed = sorted({p for p in gate if p in changes.changed_before} | brought)
    if changed and repo is not None and changes.base_commit is None:
        changed = [p for p in changed if p not in merged_in(repo, changed, gate)]
    # A configuration renamed away is one change: where it went is no other path.
    others = sorted(changes.staged_paths - set(gate) - {changes.renamed_to.get(p) for p in gate})
    if changed and others:
        from provcheck.errors import GateChangeError

        since = changes.base_commit is not None  # `scan --changed-since REV`, the CI gate
        raise GateChangeError(
            f"{f'the changes since {changes.base}' if since else 'this commit'} change"
            f"{'' if since else 's'} the configuration the gate runs under ({', '.join(changed[:3])}"
            f"{f' and {len(changed) - 3} more' if len(changed) > 3 else ''}) "
            f"together with {len(others)} other path(s) ({', '.join(others[:3])}"
            f"{', ...' if len(others) > 3 else ''}): they would be checked under the configuration "
            f"being {'brought' if since else 'committed'}, which could be the one that lets them through",
            hint=(
                "merge the configuration change on its own first (a pull request of its own): the "
                "records are then checked under the gate in force"
                if since
                else "this is a merge: the branch merged in changes the configuration beside other "
                "paths in one commit, or the resolution edits it: git merge --abort, then merge a "
                "commit that changes the configuration alone first, and the rest after it"
                if repo is not None and merge_heads(repo)
                else "commit the configuration change on its own first (git restore --staged the "
                "other paths, commit, then stage them again): they are then checked under the gate "
                "in force"
            ),
        )


def _refuse_configuration_missing_here(repo: Repo, changes: changesets.ChangeSet) -> None:
    """Refuse to judge the commit while a ``.provcheck.yaml`` it holds is missing from the
    working tree.

    The configuration is found in the working tree: one deleted there but not in the commit
    (``rm .provcheck.yaml``, not staged) was not found, and the staged records were judged under
    no configuration (or one further up) while the commit carries the one that blocks them.
    Every folder from the working directory and from each changed file up to the repository's
    top is asked (one git call).
    """
    root = os.path.realpath(repo.root)
    candidates: set[str] = set()
    starts = [os.path.realpath("."), *(os.path.realpath(f) for f in changes.folders(repo.root))]
    for start in starts:
        rel = os.path.relpath(start, root).replace(os.sep, "/")
        if rel == ".." or rel.startswith("../"):
            continue
        parts = [] if rel == "." else rel.split("/")
        for depth in range(len(parts), -1, -1):
            candidates.add("/".join([*parts[:depth], project.FILENAME]))
    held = repo.git("ls-files", "-z", "--full-name", "--", *sorted(candidates)).decode(
        "utf-8", "surrogateescape"
    )
    missing = sorted(p for p in held.split("\0") if p and not os.path.lexists(os.path.join(repo.root, p)))
    if missing:
        from provcheck.errors import GateChangeError

        raise GateChangeError(
            f"{', '.join(missing)}: in this commit but not in the working tree (deleted, not "
            "staged): the staged records would be judged without the configuration the commit "
            "carries",
            hint=f"restore it (git restore {missing[0]}), or stage its deletion and commit that on its own",
        )


class _MatcherImport:
    """Import the matcher (numpy, rapidfuzz, the engine, the index and policy code: ~0.2 s of
    CPU) in a background thread, from the moment a staged dataset file is known: named by the
    pre-commit framework, else listed by git.

    The main thread then mostly waits for git (two to five processes) and reads the files'
    sizes: waits that release the GIL, during which the import runs instead of after them. A
    commit without dataset files never starts it. The thread is not a daemon: an error raised
    before the scan (a refused configuration change) waits for the import to finish before
    Python exits. A daemon thread left inside numpy's import while the interpreter shut down
    crashed it (SIGSEGV, exit -11 instead of 6, about one refusal in ten). Called more than
    once, it starts one thread.
    """

    def __init__(self) -> None:
        self.started = False

    def __call__(self) -> None:
        if self.started:
            return
        self.started = True
        # Before numpy is imported (see the same line in ``run``).
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        threading.Thread(target=_import_matcher, name="provcheck-import", daemon=False).start()


def _import_matcher() -> None:
    try:
        with collector_paused():
            importlib.import_module("provcheck.cli.staged")
    except Exception:  # the main thread imports it again and reports what fails
        pass


@hook.command("install")
@click.option(
    "--force", is_flag=True, help="Replace a pre-commit hook provcheck did not write (kept as a backup)."
)
@handle_errors
def install(force: bool) -> None:
    """Install git pre-commit and pre-merge-commit hooks that run `provcheck hook run` (no framework
    needed)."""
    from provcheck.gitscan import hookscript as githook  # not on `hook run`'s path

    for change in githook.install_all(Repo.discover("."), sys.executable, force=force):
        if change.backup:
            stderr.print(printable(f"moved the existing hook to {change.backup}"), markup=False)
        stderr.print(printable(f"{change.action} {change.path}"), markup=False)


@hook.command("uninstall")
@handle_errors
def uninstall() -> None:
    """Remove provcheck's git hooks (any other hook is left alone)."""
    from provcheck.gitscan import hookscript as githook

    for change in githook.uninstall_all(Repo.discover(".")):
        if change.action == "absent":
            stderr.print(printable(f"no pre-commit hook at {change.path}; nothing to remove"), markup=False)
            continue
        stderr.print(printable(f"removed {change.path}"), markup=False)
        if change.backup:
            stderr.print(printable(f"restored the previous hook from {change.backup}"), markup=False)
