"""Which dataset files a commit (or a branch) changes, and where each version's bytes are.

Two questions are answered from git, never from guesses:

- ``staged``: the commit being made, i.e. the **index** against ``HEAD``. What is scanned is
  what will be committed: with part of a file staged, the staged blob, not the working tree.
- ``since``: the **working tree** against a revision (``scan --changed-since REV``).

Each changed file gets its new version and its base version (None when the file is new). A
rename keeps its base (only new records are scanned, reported at the new path); a deletion has
nothing to scan; files provcheck does not read are skipped with a note; submodules are followed.
A staged blob is read from the working-tree file when git says the two are the same (the
cheap path); otherwise it is copied out of git when it is read. Git LFS pointers are handled
by ``lfs`` mode: ``report`` (an unreadable input, the default), ``scan`` (the local LFS object)
or ``skip``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from provcheck.errors import UsageError
from provcheck.gitscan import lfs, outside
from provcheck.gitscan.content import blob_is_report, data_by_content
from provcheck.gitscan.repo import (
    GITLINK_MODE,
    REGULAR_MODES,
    SYMLINK_MODE,
    DiffEntry,
    Repo,
    answers,
    blob_header,
    parse_filtered,
    parse_names,
    parse_sizes,
)
from provcheck.inputs import REPORT, UNSUPPORTED, own_report, reader_for, suffix_of
from provcheck.inputs.declared import CARD_BODY, is_card_name, is_manifest_name
from provcheck.model import NotScanned
from provcheck.projectfile import ProjectConfig

if TYPE_CHECKING:
    from provcheck.gitscan.prefix import Proof


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a file's bytes and how to get them."""

    ident: str | None
    """Identifies the bytes (``git:<blob id>`` or ``lfs:<sha256>``); None when unknown."""
    size: int | None
    """Size of the bytes, when known."""
    path: str | None = None
    """A local file holding exactly these bytes (working tree, LFS store), when known."""
    oid: str | None = None
    """The git blob to copy out when there is no such file."""
    prefix_hash: tuple[str, bytes, str] | None = None
    """``(hash name, header, hex digest)`` of the bytes: lets a cheap test prove that these
    bytes are the start of another version (rows appended to a file)."""


@dataclass(frozen=True, slots=True)
class FileChange:
    """A dataset file to scan: its new version and, when it existed, its base version."""

    display: str
    """Path as shown to the user (relative to the working directory)."""
    path: str
    """Repository-relative path (its suffix chooses the reader)."""
    status: str
    """``added``, ``modified``, ``renamed``, ``copied``, ``untracked`` or ``unchanged``
    (named explicitly and scanned whole)."""
    new: Version
    base: Version | None = None
    """None when every record is new."""
    old_path: str | None = None
    """The rename or copy source."""
    error: str | None = None
    """Why the new version cannot be read (an LFS pointer without its object): reported as
    unreadable input."""
    note: str | None = None
    """Something the user should know (e.g. the base LFS object is missing: whole file scanned)."""
    proof: Proof | None = field(default=None, compare=False, repr=False)
    """The proof that ``base`` starts ``new``, started early in a background thread
    (``prefix.start_proofs``); None: the selector makes it when it reads the file."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A changed path that is not scanned."""

    path: str
    """As shown to the user."""
    reason: str
    notable: bool = False
    """Worth saying even when not asked (data accepted unscanned, a conflict); the rest
    (deleted files, files provcheck does not read, excluded files) is listed with --verbose."""


@dataclass(slots=True)
class ChangeSet:
    """The files to scan and those left out, with why."""

    files: list[FileChange] = field(default_factory=list)
    declaring: list[FileChange] = field(default_factory=list)
    """Changed dataset cards (``README.md`` with front matter) and ``provenance.yaml`` files:
    metadata, read for what they declare, not scanned as records."""
    skipped: list[Skipped] = field(default_factory=list)
    """Changed paths that are not scanned, with why."""
    not_scanned: list[NotScanned] = field(default_factory=list)
    """Changed files of types provcheck does not read, and its own reports: counted in every
    summary like those a full scan finds."""
    base: str = ""
    """What the new versions are compared with (``HEAD``, a commit id, the empty tree)."""
    changed_before: frozenset[str] = frozenset()
    """Every path the commit changes that existed in the base (modified, deleted, renamed or
    copied from, type changed), whether scanned or not: the gate's own configuration among
    them is a change to the gate (``cli/hook.py``)."""
    staged_paths: frozenset[str] = frozenset()
    """Every path the commit adds, changes or removes, whether scanned or not."""
    staged_after: frozenset[str] = frozenset()
    """Every path the commit adds or changes (that it holds after the commit)."""
    renamed_to: dict[str, str] = field(default_factory=dict)
    """Where the commit moves each renamed path."""
    base_commit: str | None = None
    """The commit ``base`` names in ``since`` (None for the hook: ``HEAD``)."""

    def folders(self, root: str) -> list[str]:
        """The folders (absolute, under the repository's ``root``) holding a file to read."""
        return sorted({os.path.dirname(os.path.join(root, c.path)) for c in (*self.files, *self.declaring)})


_STATUS = {"A": "added", "M": "modified", "R": "renamed", "C": "copied", "T": "modified"}


def _blob_version(oid: str, size: int | None, path: str | None = None) -> Version:
    algo = "sha1" if len(oid) == 40 else "sha256"
    prefix = (algo, blob_header(size), oid) if size is not None else None
    return Version(ident=f"git:{oid}", size=size, path=path, oid=oid, prefix_hash=prefix)


def _lfs_version(pointer: lfs.Pointer, path: str | None) -> Version:
    return Version(
        ident=f"lfs:{pointer.oid}",
        size=pointer.size,
        path=path,
        prefix_hash=("sha256", b"", pointer.oid),
    )


class _Builder:
    """Shared by ``staged`` and ``since``: filters, LFS, display paths."""

    def __init__(self, repo: Repo, cwd: str, config: ProjectConfig | None, lfs_mode: str) -> None:
        self.repo = repo
        self.cwd = os.path.abspath(cwd)
        self.config = config
        self.lfs_mode = lfs_mode
        self.out = ChangeSet()
        self._storage: str | None = None
        self.gitlinks: list[DiffEntry] = []  # changed submodules (``submodules.add``)
        self.scopes = [""]  # the paths a scan since a revision is limited to (repository paths)

    def display(self, path: str) -> str:
        return os.path.relpath(os.path.join(self.repo.root, path), self.cwd)

    def storage(self) -> str:
        """The local LFS store (``lfs.storage`` or ``<git common dir>/lfs``)."""
        if self._storage is None:
            common = self.repo.common_dir()
            configured = self.repo.config("lfs.storage")
            self._storage = os.path.join(common, configured) if configured else os.path.join(common, "lfs")
        return self._storage

    def wanted(self, path: str, named: bool, oid: str | None = None) -> bool:
        """A dataset file the configuration selects; otherwise noted as skipped. ``oid`` is the
        staged blob that will be scanned, when it is not the working-tree file."""
        display = self.display(path)
        name = os.path.basename(path)
        if (
            reader_for(path) is None
            and not is_manifest_name(name)
            and not data_by_content(self.repo, path, oid)
        ):
            self.out.skipped.append(Skipped(display, "not a dataset file provcheck reads"))
            if self.selects(path):
                self.out.not_scanned.append(NotScanned(display, UNSUPPORTED, suffix_of(name)))
            return False
        if own_report(os.path.join(self.repo.root, path)) and (oid is None or blob_is_report(self.repo, oid)):
            self.out.skipped.append(Skipped(display, "a report provcheck wrote"))
            self.out.not_scanned.append(NotScanned(display, REPORT, suffix_of(name)))
            return False
        if not named and self.config is not None:
            reason = self.config.left_out(os.path.join(self.repo.root, path))
            if reason is not None:
                self.out.skipped.append(Skipped(display, reason))
                return False
        return True

    def selects(self, path: str) -> bool:
        """True when the configuration's globs select the repository path (or there is none)."""
        return self.config is None or self.config.selects(os.path.join(self.repo.root, path))

    def scanned_before(self, e: DiffEntry) -> bool:
        """True when the base version of ``e`` was itself subject to the scan: a file moved or
        copied from a path the configuration does not select (or that provcheck does not read)
        was never checked, so every record of it is new."""
        if e.status not in ("R", "C") or e.old_path is None or e.old_path == e.path:
            return True
        return reader_for(e.old_path) is not None and self.selects(e.old_path)

    def inside(self, link: str, target: str) -> str | None:
        """The repository path a symlink at ``link`` points to, or None when it leads outside."""
        if os.path.isabs(target):
            full = os.path.normpath(target)
        else:
            full = os.path.normpath(os.path.join(self.repo.root, os.path.dirname(link), target))
        rel = os.path.relpath(full, self.repo.root)
        if rel == "." or rel == ".." or rel.startswith(".." + os.sep):
            return None
        return rel.replace(os.sep, "/")

    def add(self, change: FileChange) -> None:
        """A readable new version: a dataset file, or a card or manifest (declarations)."""
        name = os.path.basename(change.path)
        if is_manifest_name(name) or (is_card_name(name) and self._is_card(change.new)):
            self.out.declaring.append(change)
            if is_card_name(name):  # its body is counted as not scanned, as a full scan does
                self.out.not_scanned.append(NotScanned(change.display, CARD_BODY, name))
        else:
            self.out.files.append(change)

    def _is_card(self, version: Version) -> bool:
        """A README.md that opens with YAML front matter (the Hugging Face convention)."""
        try:
            if version.path is not None:
                with open(version.path, "rb") as fh:
                    head = fh.read(8)
            elif version.oid is not None:
                head = self.repo.blob(version.oid)[:8]
            else:
                return False
        except OSError:
            return False
        return head.removeprefix(b"\xef\xbb\xbf").startswith(b"---")

    def pointers(self, oids: Sequence[str], sizes: dict[str, int]) -> dict[str, lfs.Pointer]:
        """The LFS pointers among small blobs."""
        small = [oid for oid in dict.fromkeys(oids) if sizes.get(oid, lfs.MAX_POINTER + 1) <= lfs.MAX_POINTER]
        found = {}
        for oid, data in self.repo.blobs(small).items():  # one git process for them all
            pointer = lfs.parse(data)
            if pointer is not None:
                found[oid] = pointer
        return found

    def new_lfs(
        self, path: str, status: str, pointer: lfs.Pointer, base: Version | None, old_path: str | None
    ) -> None:
        """A new version that is an LFS pointer, handled by the LFS mode."""
        display = self.display(path)
        if self.lfs_mode == "skip":
            self.out.skipped.append(
                Skipped(display, f"Git LFS pointer ({pointer.short()}) accepted unscanned (lfs: skip)", True)
            )
            return
        if self.lfs_mode == "report":
            error = (
                f"Git LFS pointer ({pointer.short()}): the data is in Git LFS and was not scanned; "
                "pass --lfs scan (or set `lfs: scan` in .provcheck.yaml) to scan the local LFS "
                "object, or --lfs skip to accept LFS files unscanned"
            )
            self.out.files.append(
                FileChange(display, path, status, Version(None, None), None, old_path, error)
            )
            return
        local = lfs.locate(pointer, self.storage(), os.path.join(self.repo.root, path))
        if local is None:
            error = (
                f"Git LFS object {pointer.short()} is not on this machine (not in "
                f"{self.storage()} nor in the working tree); run `git lfs pull` to scan it"
            )
            self.out.files.append(
                FileChange(display, path, status, Version(None, None), None, old_path, error)
            )
            return
        self.add(FileChange(display, path, status, _lfs_version(pointer, local), base, old_path))

    def base_version(
        self, oid: str, sizes: dict[str, int], pointers: dict[str, lfs.Pointer]
    ) -> tuple[Version | None, str | None]:
        """The base version of a blob (its LFS object when it is a pointer) and a note."""
        pointer = pointers.get(oid)
        if pointer is None:
            return _blob_version(oid, sizes.get(oid)), None
        if self.lfs_mode != "scan":
            return None, None
        local = lfs.locate(pointer, self.storage(), None)
        if local is None:
            return None, f"base LFS object {pointer.short()} is not on this machine: every record is scanned"
        return _lfs_version(pointer, local), None


def repo_path(repo: Repo, cwd: str, path: str) -> str:
    """``path`` (relative to ``cwd``) as a repository path; a usage error outside it."""
    full = os.path.normpath(os.path.join(cwd, path))
    rel = os.path.relpath(full, repo.root)
    if rel == ".." or rel.startswith(".." + os.sep):
        raise UsageError(f"{path}: outside the git working tree {repo.root}")
    return "" if rel == "." else rel.replace(os.sep, "/")


def staged(
    repo: Repo,
    files: Sequence[str] | None,
    config: ProjectConfig | None,
    lfs_mode: str = "report",
    cwd: str = ".",
    on_dataset: Callable[[], object] | None = None,
) -> ChangeSet:
    """The dataset files of the commit being made (restricted to ``files`` when given).

    A file named in ``files`` that the commit does not change (``pre-commit run --all-files``)
    is scanned whole, from the index. ``on_dataset`` is called once, as soon as the staged
    paths show a dataset file, before git is asked about its blobs: the hook starts importing
    the matcher then, while git works (docs/startup.md).
    """
    b = _Builder(repo, cwd, config, lfs_mode)
    b.out.base = "HEAD" if repo.has_head() else "the empty tree (first commit)"
    entries = repo.staged()
    _changed_paths(b.out, entries)
    named = None if files is None else {repo_path(repo, b.cwd, f) for f in files}
    chosen: list[DiffEntry] = []
    links: list[tuple[str, str]] = []
    """``(link path, target path)`` of staged symlinks to files in the repository."""
    for e in entries:
        if named is not None and e.path not in named and e.new_mode != GITLINK_MODE:
            continue  # pre-commit names only files its pattern matches: never a submodule
        if e.status == "D":
            b.out.skipped.append(Skipped(b.display(e.path), "deleted: nothing to scan"))
        elif e.status == "U" or e.new_oid is None:
            b.out.skipped.append(Skipped(b.display(e.path), "unmerged: resolve the conflict first", True))
        elif e.new_mode == SYMLINK_MODE:
            target = _link_target(b, e.path, repo.blob(e.new_oid).decode("utf-8", "surrogateescape"))
            if target is not None and b.wanted(e.path, False):
                links.append((e.path, target))
        elif e.new_mode == GITLINK_MODE:
            b.gitlinks.append(e)
        elif e.new_mode not in REGULAR_MODES:
            b.out.skipped.append(Skipped(b.display(e.path), "not a regular file (submodule)"))
        elif b.wanted(e.path, False, e.new_oid):  # pre-commit hands over every staged file it matches
            chosen.append(e)
    unchanged: list[tuple[str, str, str]] = []
    if named:
        changed = {e.path for e in entries}
        rest = sorted(named - changed)
        if rest:
            unchanged = [u for u in repo.index_entries(rest) if b.wanted(u[0], False, u[1])]
    # A link is scanned whole through the staged version of its target (once, if the target
    # is not scanned already for its own change).
    linked: list[tuple[str, str, str, str]] = []
    if links:
        scanned = {e.path for e in chosen} | {u[0] for u in unchanged}
        found = {path: (oid, mode) for path, oid, mode in repo.index_entries([t for _, t in links])}
        for link, target in links:
            if target in scanned:
                continue
            if target not in found:
                b.out.skipped.append(
                    Skipped(b.display(link), f"symbolic link to {target}, which is not a staged file", True)
                )
                continue
            linked.append((link, target, *found[target]))
            scanned.add(target)
        unchanged += [(target, oid, mode) for _, target, oid, mode in linked]
    oids = [e.new_oid for e in chosen if e.new_oid] + [e.old_oid for e in chosen if e.old_oid]
    oids += [oid for _, oid, _ in unchanged]
    paths = [e.path for e in chosen] + [u[0] for u in unchanged]
    sizes: dict[str, int] = {}
    dirty: set[str] = set()
    if paths:
        if on_dataset is not None:
            on_dataset()
        # Three questions that do not wait for each other's answers: asked at once.
        blobs, unstaged, filtered = answers(
            repo.ask_sizes(list(dict.fromkeys(oids))), repo.ask_unstaged(paths), repo.ask_filtered(paths)
        )
        sizes = parse_sizes(blobs)
        dirty = parse_names(unstaged) | parse_filtered(filtered)
    pointers = b.pointers(oids, sizes)

    def worktree(path: str, oid: str) -> str | None:
        """The working-tree file when git says it is the staged blob (and the sizes agree)."""
        full = os.path.join(repo.root, path)
        if path in dirty:
            return None
        try:
            return full if os.path.getsize(full) == sizes.get(oid) else None
        except OSError:
            return None

    for e in chosen:
        assert e.new_oid is not None
        base, note = (None, None)
        if e.old_oid is not None and e.old_mode in REGULAR_MODES and e.status != "T":
            if b.scanned_before(e):
                base, note = b.base_version(e.old_oid, sizes, pointers)
            else:
                note = f"moved from {e.old_path}, which is not scanned: every record is scanned"
        status = _STATUS.get(e.status, "modified")
        old_path = e.old_path if e.status in ("R", "C") else None
        pointer = pointers.get(e.new_oid)
        if pointer is not None:
            b.new_lfs(e.path, status, pointer, base, old_path)
            continue
        new = _blob_version(e.new_oid, sizes.get(e.new_oid), worktree(e.path, e.new_oid))
        b.add(FileChange(b.display(e.path), e.path, status, new, base, old_path, note=note))
    via = {target: link for link, target, _, _ in linked}
    for path, oid, _mode in unchanged:
        pointer = pointers.get(oid)
        if pointer is not None:
            b.new_lfs(path, "unchanged", pointer, None, None)
            continue
        new = _blob_version(oid, sizes.get(oid), worktree(path, oid))
        via_link = via.get(path)
        note = f"symbolic link {b.display(via_link)} to this file: scanned whole" if via_link else None
        status = "linked" if via_link else "unchanged"
        b.add(FileChange(b.display(path), path, status, new, note=note))
    from provcheck.gitscan import submodules  # it calls ``since`` for each submodule

    return submodules.add(b, staged=True)


def _link_target(b: _Builder, link: str, target: str) -> str | None:
    """The repository path a symlink leads to; a link leading outside is read through when it
    leads to a file (``outside.readable``: a full scan reads it), else noted and skipped."""
    inside = b.inside(link, target)
    if inside is None:
        full = os.path.realpath(os.path.join(b.repo.root, os.path.dirname(link), target))
        if outside.readable(full):
            if b.wanted(link, False):
                b.add(outside.change(b.display(link), link, full))
            return None
        b.out.skipped.append(
            Skipped(b.display(link), f"symbolic link to {target}, outside the repository: not scanned", True)
        )
    return inside


def since(
    repo: Repo,
    rev: str,
    paths: Sequence[str],
    config: ProjectConfig | None,
    lfs_mode: str = "report",
    cwd: str = ".",
    commit: str | None = None,
) -> ChangeSet:
    """Dataset files under ``paths`` whose working-tree content differs from ``rev``.

    Untracked files (not ignored) are new. Files named exactly are scanned even when the
    configuration's globs exclude them; files found under a directory are filtered.
    ``commit`` is what ``rev`` names, when already known (a tree-ish: the empty tree too).
    """
    b = _Builder(repo, cwd, config, lfs_mode)
    commit = commit or repo.resolve(rev)
    b.out.base = f"{rev} ({commit[:12]})"
    scopes = b.scopes = [repo_path(repo, b.cwd, p) for p in paths]
    exact = {s for s, p in zip(scopes, paths, strict=True) if not os.path.isdir(os.path.join(b.cwd, p))}

    def in_scope(path: str) -> bool:  # a submodule holding a path given is in scope too
        return any(
            s in ("", path) or path.startswith(s.rstrip("/") + "/") or s.startswith(path + "/")
            for s in scopes
        )

    every = repo.changed_since(commit)
    b.out.base_commit = commit
    entries = [e for e in every if in_scope(e.path)]
    chosen: list[DiffEntry] = []
    links: list[str] = []
    for e in entries:
        if e.status == "D":
            b.out.skipped.append(Skipped(b.display(e.path), "deleted: nothing to scan"))
        elif e.new_mode == SYMLINK_MODE:
            if _worktree_link(b, e.path) and b.wanted(e.path, e.path in exact):
                links.append(e.path)
        elif e.new_mode == GITLINK_MODE:
            b.gitlinks.append(e)
        elif e.new_mode not in REGULAR_MODES:
            b.out.skipped.append(Skipped(b.display(e.path), "not a regular file (symlink or submodule)"))
        elif b.wanted(e.path, e.path in exact):
            chosen.append(e)
    untracked = [p for p in repo.untracked([s or "." for s in scopes]) if b.wanted(p, p in exact)]
    # A dataset file git ignores (a large file kept out of git, a DVC output) is in no revision:
    # every record of it is new. It was dropped without a word, even when named; it is scanned
    # whole, as a full scan reads it (in hidden folders, which a full scan skips, only if named).
    ignored = [
        p
        for p in repo.ignored([s or "." for s in scopes])
        if (p in exact or not _hidden_below(p, scopes))
        and (reader_for(p) is not None or is_manifest_name(os.path.basename(p)))  # a dataset file
        and b.wanted(p, p in exact)
    ]
    # Every path changed since ``rev``, scanned or not, as for a commit: the gate's own
    # configuration among them is a change to the gate (``cli/scan.py``, adversarial pass 11).
    _changed_paths(b.out, every, [*untracked, *ignored])
    olds = [e.old_oid for e in chosen if e.old_oid]
    sizes = repo.sizes(olds)
    pointers = b.pointers(olds, sizes)
    for e in chosen:
        base, note = (None, None)
        if e.old_oid is not None and e.old_mode in REGULAR_MODES and e.status != "T":
            if b.scanned_before(e):
                base, note = b.base_version(e.old_oid, sizes, pointers)
            else:
                note = f"moved from {e.old_path}, which is not scanned: every record is scanned"
        _worktree_file(
            b,
            e.path,
            _STATUS.get(e.status, "modified"),
            base,
            e.old_path if e.status in ("R", "C") else None,
            note,
        )
    for path in untracked:
        if os.path.islink(os.path.join(repo.root, path)) and not _worktree_link(b, path):
            continue
        _worktree_file(b, path, "untracked", None, None, None)
    for path in ignored:
        _worktree_file(b, path, "untracked", None, None, "ignored by git: every record is scanned")
    for path in links:  # read through the link: the target's content, scanned whole
        _worktree_file(b, path, "linked", None, None, "symbolic link: its target is scanned whole")
    from provcheck.gitscan import submodules  # it calls ``since`` for each submodule

    return submodules.add(b, staged=False)


def _changed_paths(out: ChangeSet, entries: Sequence[DiffEntry], new: Sequence[str] = ()) -> None:
    """Record in ``out`` every path ``entries`` (and the untracked files ``new``) change."""
    out.changed_before = frozenset(e.old_path for e in entries if e.old_path is not None and e.status != "C")
    out.staged_after = frozenset(e.path for e in entries if e.status != "D")
    out.renamed_to = {e.old_path: e.path for e in entries if e.status == "R" and e.old_path}
    out.staged_paths = frozenset({*(e.path for e in entries), *out.changed_before, *new})


def _hidden_below(path: str, scopes: Sequence[str]) -> bool:
    """True when a folder or file of ``path`` below the scope holding it starts with a dot."""
    scope = max((s for s in scopes if s == "" or path.startswith(s.rstrip("/") + "/")), key=len, default="")
    rest = path[len(scope.rstrip("/")) + 1 :] if scope else path
    return any(part.startswith(".") for part in rest.split("/"))


def _worktree_link(b: _Builder, path: str) -> bool:
    """True when the working-tree symlink at ``path`` leads to a file inside the repository."""
    full = os.path.join(b.repo.root, path)
    real = os.path.realpath(full)
    root = os.path.realpath(b.repo.root)
    display = b.display(path)
    if real != root and not real.startswith(root + os.sep) and not outside.readable(real):
        b.out.skipped.append(Skipped(display, "symbolic link outside the repository: not scanned", True))
        return False
    if not os.path.isfile(real):
        b.out.skipped.append(
            Skipped(display, "symbolic link to something that is not a file: not scanned", True)
        )
        return False
    return True


def _worktree_file(
    b: _Builder, path: str, status: str, base: Version | None, old_path: str | None, note: str | None
) -> None:
    full = os.path.join(b.repo.root, path)
    try:
        size = os.path.getsize(full)
        with open(full, "rb") as fh:
            head = fh.read(lfs.MAX_POINTER + 1) if size <= lfs.MAX_POINTER else b""
    except OSError as exc:
        error = f"cannot read: {exc.strerror or exc}"
        b.out.files.append(
            FileChange(b.display(path), path, status, Version(None, None), None, old_path, error)
        )
        return
    pointer = lfs.parse(head) if head else None
    if pointer is not None:  # LFS content not checked out here
        b.new_lfs(path, status, pointer, base, old_path)
        return
    new = Version(ident=None, size=size, path=full)
    b.add(FileChange(b.display(path), path, status, new, base, old_path, note=note))
