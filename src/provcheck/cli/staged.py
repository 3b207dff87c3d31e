"""What ``provcheck hook run`` does once the commit has dataset files: scan, report, exit."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Iterable

from provcheck.api import resolve, scan_changes, unchanged_records, waivers_of
from provcheck.cli.common import StderrProgress, format_error, stderr
from provcheck.cli.hook import refuse_gate_mix
from provcheck.cli.replaced import replaced_settings
from provcheck.cli.verdict import ERRORS_SHOWN, fail_on_actions, waiver_lines
from provcheck.errors import ExitCode, GateChangeError, ProvcheckError
from provcheck.gitscan.changes import ChangeSet
from provcheck.gitscan.merges import merged_in
from provcheck.gitscan.repo import Pending, Repo, repository_paths
from provcheck.projectfile import ProjectConfig
from provcheck.report.hook import refusal
from provcheck.report.scope import summary_lines
from provcheck.report.serialize import counts_by_action
from provcheck.report.terminal import printable
from provcheck.waivers import WaiverEntry, Waivers, load_waivers


def scan_staged(
    changes: ChangeSet,
    repo: Repo,
    config: ProjectConfig | None,
    *,
    index_path: tuple[str, ...],
    policy_path: str | None,
    uses: tuple[str, ...],
    use_only: bool,
    fail_on: str | None,
    lfs: str,
    cache_dir: str | None,
    no_cache: bool,
    waivers_path: str | None,
    quiet: bool,
    started: float | None = None,
) -> None:
    """Scan the new records of the staged changes; print what refuses the commit; exit.

    ``started`` (``time.perf_counter()``) is when the hook started: the time reported is the
    whole run's, git's questions and the index's opening included, not the matching alone."""
    begun = time.perf_counter()
    settings = resolve(
        config,
        index=index_path[0] if index_path else None,
        more_indexes=index_path[1:],
        policy=policy_path,
        uses=uses,
        use_only=use_only,
        fail_on=fail_on,
        lfs=lfs,
        cache_dir=cache_dir,
        no_cache=no_cache,
        cache_by_default=True,
    )
    actions = fail_on_actions(settings.fail_on)
    progress = StderrProgress(False)
    waivers = waivers_of(settings, waivers_path)
    if waivers is not None:
        refuse_new_scope_waivers(repo, waivers, changes)
    # git's answer about the gate's files is asked for now and read after the scan; when the
    # policy turns out to include other files, it is asked again for all of them.
    known = [config.path if config is not None else None, settings.policy]
    asked = _ask_gate_status(repo, [*known, waivers.path if waivers is not None else None])
    try:
        # The hook writes no run record: which build ran and the libraries' versions are not read.
        result, cache = scan_changes(settings, changes, repo, progress, waivers=waivers, recorded=False)
        replaced = (
            replaced_settings(
                config,
                {
                    "index": ("--index", index_path[0] if index_path else None),
                    "policy": ("--policy", policy_path),
                    "waivers": ("--waivers", waivers_path),
                    "fail_on": ("--fail-on", fail_on),
                    "lfs": ("--lfs", lfs if lfs != (config.lfs or "report") else None),
                    "cache": ("--no-cache", True) if no_cache else ("--cache-dir", cache_dir),
                },
            )
            if config is not None
            else []
        )
        run = dataclasses.replace(
            result.run,
            command=("provcheck", *sys.argv[1:]),
            mode="pre-commit",
            fail_on=tuple(sorted(a.value for a in actions)),
            replaced=tuple(replaced) if replaced else result.run.replaced,
        )
        result = dataclasses.replace(result, run=run)
        gate = [config.path if config is not None else None, *result.run.policy.files]
        # Every file of the policy, the ones it includes too: the hook knew only the policy named
        # before it was read, and a commit softening an included `rules/base.yaml` beside a copy
        # was judged under the softened rule and went in.
        refuse_gate_mix(inside(repo, result.run.policy.files), changes, repo=repo)
        _refuse_uncommitted_gate(repo, [*gate, result.waivers.file if result.waivers else None], asked)
    finally:
        if asked is not None:
            asked[1].close()  # not read (an error came first): the process is ended
    for err in result.errors[:ERRORS_SHOWN]:
        stderr.print(f"provcheck: {format_error(err)}", markup=False)
    if len(result.errors) > ERRORS_SHOWN:
        stderr.print(
            f"provcheck: ... and {len(result.errors) - ERRORS_SHOWN} more unreadable records", markup=False
        )
    lines = refusal(result, actions, waivers_file=settings.waivers_file(), today=dt.date.today().isoformat())
    if lines:  # one print: rich's cost is per call (~0.3 ms), and a refusal has many lines
        stderr.print("\n".join(lines), markup=False)
    s = result.stats
    counts = ", ".join(f"{n} {a}" for a, n in counts_by_action(result).items() if n) or "none"
    waived = result.counts.total_waived
    if waived:
        counts += f"; {waived} waived"
    unchanged = unchanged_records(result)
    verdict = (
        f"provcheck: scanned {s.records:,} new record(s) in {s.files} file(s)"
        + (f" ({unchanged:,} unchanged skipped)" if unchanged else "")
        + f" against {changes.base} in {time.perf_counter() - (started or begun):.2f} s"
        + f" (matching {s.seconds:.2f} s); findings: {counts}"
    )
    # What the verdict is for (the declared use) and what was left out go with it, always.
    verdict += "".join(f"\nprovcheck: {printable(line)}" for line in summary_lines(result))
    if not quiet:
        for line in waiver_lines(result):
            stderr.print(f"provcheck: {line}", markup=False)
    if cache is not None and cache.problem and not quiet:
        stderr.print(f"provcheck: note: {cache.problem}", markup=False)
    blocking = result.blocking_count(actions)
    if blocking:
        stderr.print(verdict, markup=False)
        stderr.print(f"provcheck: commit refused: {blocking} blocking finding(s)", markup=False)
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


_NOT_COMMITTED = {"??": "untracked", "!!": "ignored by git"}


def refuse_new_scope_waivers(repo: Repo, waivers: Waivers, changes: ChangeSet) -> None:
    """Refuse a commit that adds or changes a *scope* waiver (``rule``/``source``/``path``, no
    ``id``) together with other paths.

    A waiver by id names one finding, and committing it with the record it covers is how a
    decision is recorded. A scope names none: ``rule: "*"`` committed beside a copy let it in
    under a waiver the commit itself brought. Like the gate's configuration, it is committed on
    its own (and reviewed as such); then the records are judged under it.
    """
    rels = repository_paths(repo.root, waivers.path)  # the file last, links to it before
    changed = [r for r in rels if r in changes.staged_paths]
    if not changed or not changes.staged_paths - set(rels):
        return
    rel = rels[-1]
    if changes.base_commit is None and set(changed) <= merged_in(repo, changed, rels):
        return  # a merge brings the waivers as a branch holds them (see ``merged_in``)
    before: set[tuple[str | None, ...]] = set()
    base = changes.base_commit or ("HEAD" if repo.has_head() else None)
    if base is not None and changed == [rel]:  # a link retargeted: every scope it leads to is new
        old = repo.git("show", f"{base}:{rel}", check=False)
        if old:
            with tempfile.TemporaryDirectory(prefix="provcheck-waivers-") as tmp:
                copy = os.path.join(tmp, os.path.basename(rel))
                with open(copy, "wb") as fh:
                    fh.write(old)
                with contextlib.suppress(ProvcheckError):  # HEAD's file was invalid: all is new
                    before = {_scope(e) for e in load_waivers(copy).entries if e.id is None}
    new = [e for e in waivers.entries if e.id is None and _scope(e) not in before]
    if new:
        where = ", ".join(f"{rel}:{e.line}" if e.line else rel for e in new[:3])
        others = sorted(changes.staged_paths - set(rels))
        since = changes.base_commit is not None
        raise GateChangeError(
            f"{f'the changes since {changes.base} add' if since else 'this commit adds'} or change"
            f"{'' if since else 's'} waivers that cover findings by scope (rule, source or "
            f"path: {where}) together with {len(others)} other path(s) ({', '.join(others[:3])}"
            f"{', ...' if len(others) > 3 else ''}): the records would pass under a waiver the "
            f"{'changes themselves bring' if since else 'commit itself brings'}",
            hint="commit the scope waiver on its own first, then the records; a waiver by id (as a "
            "refusal prints it) may be committed with the records it covers",
        )


def _scope(entry: WaiverEntry) -> tuple[str | None, ...]:
    """What a scope waiver covers and until when."""
    return (entry.rule, entry.source, entry.path, entry.waiver.expires)


def inside(repo: Repo, files: Iterable[str]) -> list[str]:
    """The repository paths of ``files`` that lie in the repository (shipped packs do not)."""
    return [rel for f in files if f for rel in repository_paths(repo.root, f)]


def _gate_paths(repo: Repo, files: Iterable[str | None]) -> dict[str, str]:
    """The repository paths of the gate's ``files`` that lie in the repository (the file as
    given, by repository path)."""
    inside: dict[str, str] = {}
    for path in files:
        if path and not path.startswith("provcheck:"):
            inside.update(dict.fromkeys(repository_paths(repo.root, path), path))
    return inside


def _status(paths: Iterable[str]) -> list[str]:
    """``git status`` of ``paths``: untracked, ignored and unstaged changes, one entry a path."""
    flags = ["--porcelain=v1", "-z", "--no-renames", "--untracked-files=all", "--ignored=matching"]
    return ["status", *flags, "--", *sorted(paths)]


def _ask_gate_status(repo: Repo, files: Iterable[str | None]) -> tuple[tuple[str, ...], Pending] | None:
    """``_refuse_uncommitted_gate``'s question about the gate's files known before the scan,
    started now: its answer is read after the scan, which git's ~3 ms no longer follow."""
    inside = sorted(_gate_paths(repo, files))
    return (tuple(inside), repo.ask(*_status(inside))) if inside else None


def _refuse_uncommitted_gate(
    repo: Repo, files: Iterable[str | None], asked: tuple[tuple[str, ...], Pending] | None = None
) -> None:
    """Refuse to judge the staged records under a configuration, policy or waivers file of the
    repository that the commit does not hold as read: untracked, ignored, or changed since it
    was staged.

    The records scanned are the staged ones, but these files were read from the working tree:
    an untracked waivers file waiving ``rule: "*"``, or an unstaged ``fail_on: never``, let a
    copy be committed without the file that let it through. Reading them from the index would
    be the complete answer; refusing is the strict one (the pre-commit framework stashes
    unstaged changes to tracked files first, so there only untracked and ignored files count).
    ``asked``: the same question started earlier (``_ask_gate_status``), taken when it was
    about exactly these files.
    """
    inside = _gate_paths(repo, files)
    if not inside:
        return
    if asked is not None and asked[0] == tuple(sorted(inside)):
        out = asked[1].result()
    else:
        out = repo.git(*_status(inside))
    problems = []
    for entry in out.decode("utf-8", "surrogateescape").split("\0"):
        code, name = entry[:2], entry[3:]
        if name in inside and (code in _NOT_COMMITTED or code[1] != " "):
            problems.append(f"{name} ({_NOT_COMMITTED.get(code, 'not staged')})")
    if problems:
        raise GateChangeError(
            "the gate's own files differ from what this commit holds: "
            + ", ".join(problems)
            + "; the staged records would be judged under a configuration the commit does not carry",
            hint="stage them (git add), or restore or stash them (git stash --keep-index "
            "--include-untracked), then commit",
        )
