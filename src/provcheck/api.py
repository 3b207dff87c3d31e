"""Settings from the command line over ``.provcheck.yaml``, and the diff-aware scan run.

Explicit options always win; a setting the command line leaves out comes from the project
configuration, else from the built-in default. Without a configuration file every command
behaves exactly as its options say.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provcheck.errors import ConfigError, UsageError
from provcheck.gitscan.changes import ChangeSet, FileChange
from provcheck.gitscan.repo import Repo
from provcheck.gitscan.selection import DiffSelector
from provcheck.index.combined import Index, open_index
from provcheck.index.remote import is_remote, local_index
from provcheck.inputs import NOT_INCLUDED, discover, suffix_of
from provcheck.inputs.declared import CARD_BODY, is_card
from provcheck.inputs.schemas import RecordOptions
from provcheck.inputs.schemas.base import role_kind
from provcheck.matching.params import MatchConfig
from provcheck.matching.segment import RoleFilter
from provcheck.model import (
    ABSENT,
    Absent,
    CacheFacts,
    ChangeFacts,
    ErrorKind,
    NotScanned,
    RecordError,
    RoleKind,
    ScanResult,
    SkippedPath,
    UseOrigin,
)
from provcheck.policy import (
    EffectiveUse,
    Policy,
    UseLayer,
    default_policy,
    load_policy,
    merge_use,
    use_from_words,
)
from provcheck.policy.use import did_you_mean
from provcheck.projectfile import FILENAME, ProjectConfig
from provcheck.runtime.executors import default_workers
from provcheck.runtime.progress import Progress
from provcheck.scan import engine
from provcheck.waivers import DEFAULT_FILE as DEFAULT_WAIVERS
from provcheck.waivers import Waivers, load_waivers

if TYPE_CHECKING:
    from provcheck.model.runextras import FetchedIndex
    from provcheck.scan.cache import Cache
    from provcheck.scan.partial import Shard


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a scan needs, after the command line and the configuration are merged."""

    config: ProjectConfig | None
    index: str
    policy: str | None
    uses: tuple[str, ...]
    """``--use`` words (added to the configuration's and the policy's declared use)."""
    use_only: bool
    """``--use-only``: the ``--use`` words replace the declared use instead of adding to it."""
    fail_on: str
    records: RecordOptions
    roles: tuple[str, ...]
    workers: int
    allow_include_outside: bool
    match: MatchConfig
    engine: str
    """``local`` or ``ray``."""
    address: str | None
    lfs: str
    cache_dir: str | None
    """None: no cache."""
    waivers: str | None
    more_indexes: tuple[str, ...] = ()
    """Further indexes and packs given with ``--index`` (matched with ``index`` as one set)."""
    workers_from: str = "default"
    """Who asked for ``workers``: ``command line``, ``configuration`` or ``default`` (all usable
    CPUs). A configuration's value comes with the repository: it is capped like ``-j``."""
    roles_from: str | None = None
    """Who asked for ``roles``: ``command line``, ``configuration``, or None (no role filter):
    the report names the one counsel can check, not "--roles or roles:"."""
    shard: Shard | None = None
    """``--shard I/N``: scan this share of the files only (``provcheck.scan.partial``)."""

    def waivers_file(self) -> str:
        """The waivers file of this project: the configuration's ``waivers:``, else
        ``.provcheck-waivers.yaml`` in the configuration's folder (or the current directory)."""
        if self.waivers:
            return os.path.relpath(self.waivers)
        root = self.config.root if self.config else "."
        return os.path.relpath(os.path.join(root, DEFAULT_WAIVERS))

    def load_policy(self) -> Policy:
        """The policy file, or the default (every match a review finding)."""
        if self.policy:
            return load_policy(self.policy, allow_outside=self.allow_include_outside)
        return default_policy()

    def use(self, policy: Policy) -> EffectiveUse:
        """The declared use: the policy's, plus the configuration's, plus ``--use``."""
        return effective_use(policy, self.config, self.uses, self.use_only)

    def role_filter(self) -> RoleFilter | None:
        """The turns to scan."""
        return RoleFilter.parse(self.roles) if self.roles else None


def effective_use(
    policy: Policy, config: ProjectConfig | None, uses: Sequence[str], use_only: bool = False
) -> EffectiveUse:
    """The declared use: the policy's, plus the configuration's, plus ``--use``.

    Each layer adds to the ones before it; a contradiction is an error unless the layer
    replaces (``--use-only``, ``use_only: true``). Every word is checked against the purposes
    the policy knows, so a typo cannot quietly leave a purpose undeclared.
    """
    known = policy.purposes()
    layers: list[UseLayer] = []
    if policy.use.declared:
        where = f"{policy.path or 'the default policy'}: use"
        use_from_words(sorted(policy.use.purposes), known, where)  # unknown purposes raise
        layers.append(UseLayer("policy", policy.path or "default policy", policy.use))
    if config is not None and config.use:
        where = f"{config.where('use')}: use"
        layers.append(
            UseLayer("configuration", where, use_from_words(config.use, known, where), config.use_only)
        )
    if uses:
        layers.append(UseLayer("command line", "--use", use_from_words(uses, known), use_only))
    elif use_only:
        raise UsageError("--use-only replaces the declared use with the --use values: give --use too")
    return merge_use(layers)


def resolve(
    config: ProjectConfig | None,
    *,
    index: str | None,
    more_indexes: tuple[str, ...] = (),
    policy: str | None = None,
    uses: tuple[str, ...] = (),
    use_only: bool = False,
    fail_on: str | None = None,
    schema: str | None = None,
    text_field: str | None = None,
    id_field: str | None = None,
    roles: tuple[str, ...] = (),
    workers: int | None = None,
    allow_include_outside: bool = False,
    match: MatchConfig | None = None,
    engine: str = "local",
    address: str | None = None,
    lfs: str | None = None,
    cache_dir: str | None = None,
    no_cache: bool = False,
    cache_by_default: bool = False,
) -> Settings:
    """Merge options (explicit values win) with the configuration and the defaults."""
    c = config
    index = index or (c.index if c else None)
    if not index:
        raise UsageError(
            "no reference index: pass --index INDEX"
            + (f" or set `index:` in {c.path}" if c else f" or create {FILENAME} with `index:`")
        )
    cache: str | None = None
    if not no_cache:
        configured = c.cache if c else None
        if cache_dir:
            cache = cache_dir
        elif isinstance(configured, str):
            cache = configured
        elif configured is True or (configured is None and cache_by_default):
            from provcheck.scan.cache import default_dir

            cache = default_dir()
    return Settings(
        config=c,
        index=index,
        policy=policy or (c.policy if c else None),
        uses=uses,
        use_only=use_only,
        fail_on=fail_on or (c.fail_on if c and c.fail_on else "block"),
        records=RecordOptions(
            schema=schema or (c.schema if c and c.schema else "auto"),
            text_field=text_field or (c.text_field if c else None),
            id_field=id_field or (c.id_field if c else None),
        ),
        roles=roles or (c.roles if c else ()),
        workers=workers or (c.workers if c and c.workers else default_workers()),
        allow_include_outside=allow_include_outside or bool(c and c.allow_include_outside),
        match=match or MatchConfig(),
        engine=engine,
        address=address,
        lfs=lfs or (c.lfs if c and c.lfs else "report"),
        cache_dir=cache,
        waivers=c.waivers if c else None,
        more_indexes=more_indexes,
        workers_from="command line" if workers else ("configuration" if c and c.workers else "default"),
        roles_from="command line" if roles else ("configuration" if c and c.roles else None),
    )


def waivers_of(settings: Settings, explicit: str | None = None) -> Waivers | None:
    """The waivers to apply: ``--waivers FILE`` (which must exist), else the project's waivers
    file when it exists (a configured file that does not exist yet holds no waivers)."""
    if explicit is not None:
        if not os.path.isfile(explicit):
            raise UsageError(f"--waivers {explicit}: no such file")
        return load_waivers(explicit)
    path = settings.waivers_file()
    return load_waivers(path) if os.path.isfile(path) else None


def open_cache(settings: Settings) -> Cache | None:
    """The result cache, when the settings ask for one."""
    if not settings.cache_dir:
        return None  # sqlite3 and the cache code not imported (docs/startup.md)
    from provcheck.scan.cache import Cache

    return Cache(settings.cache_dir)


def results_context(index: Index, options: engine.ScanOptions) -> str:
    """What cached matches depend on besides the record itself. Not ``min_probability``: the
    cache holds every verified match, and the scan's collector applies the threshold (and
    counts what it leaves out) to cached matches as to new ones."""
    from provcheck.scan.cache import context_digest

    match = {k: v for k, v in options.match.to_dict().items() if k != "min_probability"}
    return context_digest(index.digest, index.config.signature, match, str(options.roles))


def _scan(
    settings: Settings,
    paths: list[str],
    selector: DiffSelector | None,
    cache: Cache | None,
    progress: Progress,
    waivers: Waivers | None,
    recorded: bool = True,
) -> ScanResult:
    """``engine.scan`` with the settings, the cache's results and an optional selector.
    ``recorded``: False when the run record will not be written (``ScanOptions.recorded``)."""
    policy = settings.load_policy()
    effective = settings.use(policy)
    use = effective.use
    # Any of them may be a URL: fetched once per node (index.remote).
    local = [local_index(i) for i in (settings.index, *settings.more_indexes)]
    first = local[0]
    index = open_index(local)
    options = engine.ScanOptions(
        records=settings.records,
        roles=settings.role_filter(),
        workers=settings.workers,
        match=settings.match,
        engine=settings.engine,
        address=settings.address,
        selector=selector,
        globs=settings.config
        if settings.config and (settings.config.include or settings.config.exclude)
        else None,
        shard=settings.shard,
        index_url=settings.index if is_remote(settings.index) else None,
        recorded=recorded,
    )
    results = cache.results(results_context(index, options), index.sources) if cache is not None else None
    if results is not None:
        options = dataclasses.replace(options, cache=results)
    result = engine.scan(paths, index, policy, use, options, progress, waivers=waivers)
    _check_roles(settings, result)
    run = dataclasses.replace(
        result.run,
        use_declared_by=effective.declared_by(),
        use_origin=use_origin(effective),
        workers_from=settings.workers_from,
        roles_from=settings.roles_from if settings.roles_from is not None else ABSENT,
        index_fetched=_fetched(settings.index, first),
    )
    if cache is not None and results is not None:
        run = dataclasses.replace(
            run, cache=CacheFacts(path=cache.path, hits=results.hits, stored=results.stored)
        )
    return dataclasses.replace(result, run=run)


def _fetched(index: str, copy: str) -> FetchedIndex | Absent:
    """Where an index given as a URL was fetched from and the local copy used; absent for a
    local index (the common case: ``model.runextras`` is then not imported)."""
    if not is_remote(index):
        return ABSENT
    from provcheck.model.runextras import FetchedIndex

    return FetchedIndex(url=index, copy=copy)


def use_origin(effective: EffectiveUse) -> UseOrigin:
    """Where each part of the declared use came from, for the run record."""
    plain = effective.origin_dict()
    return UseOrigin(
        purpose=plain["purpose"],
        commercial=plain["commercial"],
        distributed=plain["distributed"],
        research_only=plain["research_only"],
        replaced=effective.replaced or ABSENT,
    )


def _check_roles(settings: Settings, result: ScanResult) -> None:
    """``--roles`` that select no turn of any record read: a misspelt role would otherwise
    scan nothing and pass."""
    if not settings.roles or not result.stats.records:
        return
    where = "--roles" if settings.config is None or settings.roles != settings.config.roles else None
    if result.run.turns_selected:
        if where == "--roles":
            _check_role_names(settings, result)
        return
    if where is None and settings.config is not None:
        where = f"{settings.config.where('roles')}: roles"
    seen = result.run.roles_seen or ()
    have = ", ".join(repr(r) for r in seen) if seen else "none"
    raise UsageError(
        f"{where} {','.join(settings.roles)}: no turn of the {result.stats.records:,} record(s) read "
        f"has one of these roles; the data's roles are: {have}",
        hint="give role names as the data spells them, or kinds: " + ", ".join(k.value for k in RoleKind),
    )


def _check_role_names(settings: Settings, result: ScanResult) -> None:
    """``--roles assistant,gtp``: the valid name selected turns, so the typo went unnoticed and
    the data's ``gpt`` turns were not scanned. A name given on the command line that is neither a
    kind, nor a role name provcheck knows, nor a role of the data read is refused."""
    have = {r.strip().lower() for r in result.run.roles_seen or ()}
    kinds = {k.value for k in RoleKind}
    for name in RoleFilter.parse(settings.roles).names:
        if name in kinds or name in have or role_kind(name) is not RoleKind.TEXT:
            continue
        raise UsageError(
            f"--roles {name}: no turn of the {result.stats.records:,} record(s) read has this role, "
            f"and it is not a role kind{did_you_mean(name, [*kinds, *have])}; the data's roles are: "
            + (", ".join(repr(r) for r in sorted(have)) or "none"),
            hint="give role names as the data spells them, or kinds: " + ", ".join(sorted(kinds)),
        )


def scan_paths(
    settings: Settings,
    paths: list[str],
    progress: Progress,
    waivers: Waivers | None,
    extras: Sequence[RecordError | NotScanned] = (),
) -> tuple[ScanResult, Cache | None]:
    """A full scan of files and directories; ``extras`` (from ``expand_found``) join the result."""
    cache = open_cache(settings)
    if cache is None:
        return _with_extras(_scan(settings, paths, None, None, progress, waivers), extras), None
    with cache:
        return _with_extras(_scan(settings, paths, None, cache, progress, waivers), extras), cache


def _with_extras(result: ScanResult, extras: Sequence[RecordError | NotScanned]) -> ScanResult:
    if not extras:
        return result
    errors = [*result.errors, *(e for e in extras if isinstance(e, RecordError))]
    errors.sort(key=lambda e: (e.path, -1 if e.index is None else e.index, e.line or 0))
    not_scanned = (*result.not_scanned, *(n for n in extras if isinstance(n, NotScanned)))
    stats = dataclasses.replace(result.stats, errors=len(errors))
    return dataclasses.replace(result, errors=tuple(errors), not_scanned=not_scanned, stats=stats)


def scan_changes(
    settings: Settings,
    changes: ChangeSet,
    repo: Repo,
    progress: Progress,
    waivers: Waivers | None,
    recorded: bool = True,
) -> tuple[ScanResult, Cache | None]:
    """Scan only the new records of ``changes``; the result's ``run`` says what was compared.
    ``recorded``: False for a hook, which writes no run record (``ScanOptions.recorded``)."""
    if waivers is not None:
        changes.files = [_moved_out_of_waiver(c, repo, waivers) for c in changes.files]
    _refuse_tracked_cache(settings, repo)
    cache = open_cache(settings)
    with contextlib.ExitStack() as stack:
        if cache is not None:
            stack.enter_context(cache)
        selector = stack.enter_context(
            DiffSelector(changes.files, repo, settings.records, cache, changes.declaring)
        )
        paths = [c.display for c in changes.files]
        result = _scan(settings, paths, selector, cache, progress, waivers, recorded)
        files = selector.summary()
        partial = selector.partial()
    # Only new lines of these files were read: the digest computed is not the file's.
    summaries = tuple(dataclasses.replace(f, sha256=None) if f.path in partial else f for f in result.files)
    info = dataclasses.replace(
        result.run,
        changes=ChangeFacts(
            base=changes.base,
            files=files,
            skipped=tuple(SkippedPath(path=k.path, reason=k.reason) for k in changes.skipped),
        ),
    )
    not_scanned = result.not_scanned + tuple(changes.not_scanned)
    return dataclasses.replace(result, run=info, files=summaries, not_scanned=not_scanned), cache


def _refuse_tracked_cache(settings: Settings, repo: Repo) -> None:
    """Refuse a result cache that git tracks in the repository being checked: its entries are
    believed (a record it says matches nothing is not matched again), so a commit or pull
    request could plant one beside a copy. One ``git ls-files``, only for a cache inside the
    repository."""
    if not settings.cache_dir:
        return
    cache, root = os.path.realpath(settings.cache_dir), os.path.realpath(repo.root)
    if cache != root and not cache.startswith(root + os.sep):
        return
    tracked = repo.git("ls-files", "-z", "--", os.path.relpath(cache, root))
    if tracked.strip(b"\0"):
        where = _cache_origin(settings)
        raise ConfigError(
            [
                f"{where}: the result cache {settings.cache_dir} holds files git tracks: "
                "a commit could plant results"
            ],
            hint="keep the cache outside the repository (the default, ~/.cache/provcheck) or untrack it "
            "(git rm -r --cached DIR); --no-cache runs without it",
        )


def _cache_origin(settings: Settings) -> str:
    """What named the cache directory: ``.provcheck.yaml:LINE``, ``PROVCHECK_CACHE_DIR`` or
    ``--cache-dir`` (an error named ``--cache-dir`` for a cache only the variable gave)."""
    cache = os.path.realpath(settings.cache_dir or "")
    configured = settings.config.cache if settings.config else None
    if settings.config and isinstance(configured, str) and os.path.realpath(configured) == cache:
        return settings.config.where("cache")
    variable = os.environ.get("PROVCHECK_CACHE_DIR")
    if variable and os.path.realpath(variable) == cache:
        return "PROVCHECK_CACHE_DIR"
    return "--cache-dir"


def _moved_out_of_waiver(change: FileChange, repo: Repo, waivers: Waivers) -> FileChange:
    """A file renamed or copied out of the folder a waiver's ``path`` covers is scanned whole.

    Only new records are scanned otherwise: ``git mv legacy/old.jsonl data/more.jsonl`` took
    the copies a waiver accepted under ``legacy/**`` into ``data/``, where no waiver covers them,
    and the commit passed with nothing scanned (a full scan then blocks)."""
    if change.base is None or change.old_path is None or change.old_path == change.path:
        return change
    old, new = (os.path.join(repo.root, p) for p in (change.old_path, change.path))
    entry = waivers.covers_only(old, new)
    if entry is None:
        return change
    where = f"{entry.file}:{entry.line}" if entry.line else entry.file
    note = (
        f"moved from {change.old_path}, which the waiver at {where} (path {entry.path}) covers and "
        "this path does not: every record is scanned"
    )
    return dataclasses.replace(change, base=None, proof=None, note=note)


def unchanged_records(result: ScanResult) -> int:
    """Records a diff-aware scan recognised as already in the base."""
    return result.run.changes.unchanged_records if result.run.changes else 0


def expand_found(
    paths: Sequence[str], config: ProjectConfig | None
) -> tuple[list[str], list[RecordError | NotScanned]]:
    """Paths to scan with the configuration's globs applied to files found under directories
    (files named on the command line are always scanned), and what discovery found besides
    dataset files there: unreadable directories (always) and files not read that the globs select. The
    engine sees only the selected files, so these are handed on (``scan_paths(extras=...)``)
    rather than dropped."""
    if config is None or not (config.include or config.exclude):
        return list(paths), []
    out: list[str] = []
    extras: list[RecordError | NotScanned] = []
    for given in paths:
        if not os.path.isdir(given):
            out.append(given)
            continue
        items = list(discover([given]))
        found = [item for item in items if isinstance(item, tuple)]
        # A dataset card is metadata whatever the globs say: passed on as a named file it was
        # scanned as text (a full scan without globs counts it as not scanned).
        cards = [display for display, fs_path in found if is_card(fs_path)]
        found = [item for item in found if item[0] not in cards]
        extras += [i for i in items if isinstance(i, NotScanned) and config.selects(i.path)]
        if not found:
            out.append(given)  # the engine reports the empty or unreadable directory
            continue
        extras += [NotScanned(card, CARD_BODY, os.path.basename(card)) for card in cards]
        extras += [i for i in items if isinstance(i, RecordError)]
        selected = [display for display, _ in found if config.selects(display)]
        if not selected:
            # `scan data` read nothing and passed (exit 0) when the globs excluded every file.
            extras.append(
                RecordError(
                    given,
                    ErrorKind.FILE,
                    f"the include/exclude globs of {config.path} select none of the {len(found)} dataset "
                    "file(s) in this directory; nothing in it was scanned (name a file to scan it anyway)",
                )
            )
        out.extend(selected)
        extras += _not_included(found, selected, config)
    return out, extras


def _not_included(
    found: list[tuple[str, str]], selected: list[str], config: ProjectConfig
) -> list[NotScanned]:
    """Dataset files that ``include`` misses, counted (not those an ``exclude`` glob names: left
    out on purpose). ``include: ['data/*.jsonl']`` read ``data/a.jsonl`` and dropped
    ``data/b.jsonl.gz`` and ``data/c.JSONL`` without a word; ``include: ['*.jsonl']`` (read as
    in ``.gitignore``, "every JSON Lines file") dropped every file of ``data/2024/``, a folder
    where it selects nothing. A directory where nothing is selected at all is an error instead."""
    if not selected:
        return []
    chosen = set(selected)
    return [
        NotScanned(display, NOT_INCLUDED, suffix_of(os.path.basename(display)))
        for display, _ in found
        if display not in chosen and not config.excluded(display)
    ]
