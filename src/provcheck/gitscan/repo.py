"""Git plumbing for diff-aware scans and the pre-commit hook: one ``git`` call per question.

Every call runs with literal pathspecs (file names are never patterns) and in the environment
git gave us, so a hook honours ``GIT_INDEX_FILE`` (``git commit -a`` and ``git commit PATH``
stage into a temporary index). Paths from git are repository-relative, POSIX, unquoted (``-z``).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from provcheck.errors import InputError, UsageError

_ZERO = frozenset({"0" * 40, "0" * 64})
REGULAR_MODES = frozenset({"100644", "100755"})
"""Blob modes of regular files; symlinks (120000) and submodules (160000) hold no data."""
SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"
"""A submodule: a commit of another repository (``gitscan/submodules.py`` reads its changes)."""


class GitError(InputError):
    """A git command failed, or git is missing."""


@dataclass(frozen=True, slots=True)
class DiffEntry:
    """One changed path between a base tree and the index or the working tree."""

    status: str
    """``A`` added, ``M`` modified, ``D`` deleted, ``R`` renamed, ``C`` copied, ``T`` type changed."""
    path: str
    """Repository-relative path after the change (the old path for a deletion)."""
    old_path: str | None
    """Where the content was before: the same path, the rename/copy source, or None when added."""
    old_oid: str | None
    """Blob id in the base, None when added."""
    new_oid: str | None
    """Blob id after the change; None when deleted or when git did not hash the working tree."""
    old_mode: str
    new_mode: str


_LOCAL_ENV = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_OBJECT_DIRECTORY", "GIT_DIR", "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE", "GIT_PREFIX", "GIT_INTERNAL_SUPER_PREFIX", "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
)  # fmt: skip
"""What ``git rev-parse --local-env-vars`` lists but the ``-c`` settings: they name the
repository a hook runs for (``git commit`` sets ``GIT_INDEX_FILE=.git/index``), so git asked
about a submodule from there read the superproject's index path inside the submodule and failed
("index file open failed: Not a directory"). Git clears them the same way when it recurses."""


_DIFF = ("--raw", "--no-abbrev", "-z", "-M", "--ignore-submodules=none")
"""How every change is asked for. ``--ignore-submodules=none``: ``ignore = all`` for a submodule in
``.gitmodules`` (a file of the repository, which any commit may change) or ``diff.ignoreSubmodules``
in a user's git configuration hid a submodule's update from ``git diff``, and the copy it
brought passed the hook and the CI gate unseen (adversarial pass 12)."""


def _git_env(nested: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    if nested:
        for name in _LOCAL_ENV:
            env.pop(name, None)
    env["GIT_LITERAL_PATHSPECS"] = "1"
    # provcheck only reads: a `git status` must not take the index's lock to write refreshed
    # stat data. One asked early and ended when the run stopped on an error (``Pending.close``)
    # left `.git/index.lock` behind, and the user's next git command failed on it.
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env.pop("GIT_EXTERNAL_DIFF", None)
    env.setdefault("LC_ALL", "C")
    return env


def run_git(
    args: Sequence[str], cwd: str, *, stdin: bytes | None = None, check: bool = True, nested: bool = False
) -> bytes:
    """Run ``git ARGS`` in ``cwd``; its stdout. A failure raises ``GitError`` with git's message.
    ``nested``: ``cwd`` is another repository (a submodule) than the one git runs a hook for."""
    return Pending(args, cwd, stdin=stdin, check=check, nested=nested).result()


class Pending:
    """A git process started now and answered later: questions that do not depend on each
    other's answers run at the same time (the hook asks three after the staged diff).

    ``result()`` must be called, or ``close()`` when the answer is no longer wanted (an
    earlier question failed): either waits for the process, so none is left behind.
    """

    def __init__(
        self,
        args: Sequence[str],
        cwd: str,
        *,
        stdin: bytes | None = None,
        check: bool = True,
        nested: bool = False,
    ) -> None:
        self.args = list(args)
        self._stdin = stdin
        self._check = check
        try:
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                ["git", *args],
                cwd=cwd,
                stdin=subprocess.PIPE if stdin is not None else None,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=_git_env(nested),
            )
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH)") from None

    def result(self) -> bytes:
        """The process's stdout; ``GitError`` with git's message when it failed."""
        proc = self._proc
        assert proc is not None, "the answer was already taken"
        self._proc = None
        with proc:
            out, err = proc.communicate(self._stdin)
        if self._check and proc.returncode != 0:
            message = err.decode("utf-8", "replace").strip() or f"exit {proc.returncode}"
            raise GitError(f"git {' '.join(self.args[:3])}: {message}")
        return out

    def close(self) -> None:
        """Stop waiting for the answer: the process is ended and reaped."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with proc:
                if proc.poll() is None:
                    proc.terminate()  # git removes its lock files on SIGTERM, not on SIGKILL
                    try:
                        proc.communicate(timeout=2)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                proc.communicate()


def answers(*pending: Pending) -> list[bytes]:
    """The answers of processes started together, in order; when one fails, the others are
    ended before its error is raised."""
    out = []
    try:
        for p in pending:
            out.append(p.result())
    finally:
        for p in pending:
            p.close()
    return out


_PATHSPEC_LIMIT = 1000
"""More paths than this are not passed on git's command line (its length is limited)."""


class Repo:
    """A git working tree: its top directory and the questions provcheck asks it."""

    def __init__(self, root: str, head: bool | None = None, nested: bool = False) -> None:
        self.root = root
        self._head = head
        """Whether HEAD names a commit, when already asked (it does not change during a run)."""
        self.nested = nested
        """A submodule of the repository the run is for: asked without its git environment."""

    @classmethod
    def discover(cls, cwd: str = ".") -> Repo:
        """The repository containing ``cwd``; a usage error outside one."""
        # One process asks for the top and for HEAD (a hook asks both); only when that fails
        # (no commit yet, or not a repository) is the top asked alone, for git's own message.
        try:
            both = run_git(["rev-parse", "--show-toplevel", "--verify", "--quiet", "HEAD^{commit}"], cwd)
        except GitError:
            pass
        else:
            top, _, head = both.rstrip(b"\n").rpartition(b"\n")
            if top and head:
                return cls(top.decode("utf-8", "surrogateescape").strip(), head=True)
        try:
            out = run_git(["rev-parse", "--show-toplevel"], cwd)
        except GitError as exc:
            raise UsageError(
                f"{os.path.abspath(cwd)}: not inside a git working tree ({exc.message})",
                hint="run this in a git repository, or scan without --changed-since",
            ) from None
        return cls(out.decode("utf-8", "surrogateescape").strip())

    def git(self, *args: str, stdin: bytes | None = None, check: bool = True) -> bytes:
        """Run git at the top of the working tree."""
        return run_git(list(args), self.root, stdin=stdin, check=check, nested=self.nested)

    def git_path(self, name: str) -> str:
        """Absolute path of ``name`` under the git directory (honours ``core.hooksPath``)."""
        out = self.git("rev-parse", "--git-path", name).decode("utf-8", "surrogateescape").strip()
        return os.path.normpath(os.path.join(self.root, out))

    def common_dir(self) -> str:
        """The git directory shared by all worktrees (where LFS keeps its objects)."""
        out = self.git("rev-parse", "--git-common-dir").decode("utf-8", "surrogateescape").strip()
        return os.path.normpath(os.path.join(self.root, out))

    def config(self, key: str) -> str | None:
        """A git config value, or None."""
        out = self.git("config", "--get", key, check=False).decode("utf-8", "surrogateescape").strip()
        return out or None

    def has_head(self) -> bool:
        """False before the first commit."""
        if self._head is None:
            self._head = bool(
                self.git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).strip()
            )
        return self._head

    def resolve(self, rev: str) -> str:
        """The commit a revision names; a usage error when it names none."""
        if ".." in rev:
            # `main...HEAD` (how a pull request's diff is written) is a range: rev-parse gave
            # its two ends and git diff failed on them, an "unreadable input" (exit 4).
            start = rev.split("..")[0] or "HEAD"
            raise UsageError(
                f"--changed-since {rev}: a range of revisions; give one revision, the one the "
                "working tree is compared with",
                hint=f"for a branch's own changes: --changed-since $(git merge-base {start} HEAD)",
            )
        out = self.git(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False
        )
        if not out.strip():
            raise UsageError(
                f"--changed-since {rev}: not a commit in {self.root}",
                hint="in CI, fetch the base branch first (e.g. actions/checkout with fetch-depth: 0)",
            )
        return out.decode().strip()

    def empty_tree(self) -> str:
        """The empty tree of this repository's hash function."""
        return self.git("hash-object", "-t", "tree", "--stdin", stdin=b"").decode().strip()

    def staged(self) -> list[DiffEntry]:
        """What the commit being made changes: the index against HEAD (or the empty tree).

        The whole tree is compared, then the caller filters paths: rename detection needs both
        sides of a rename, and a pathspec would hide the old one.
        """
        # No commit named: git compares with HEAD, or before the first commit with nothing
        # (every staged file added), so one process answers both (git diff --cached).
        return parse_raw(self.git("diff", "--cached", *_DIFF, "--"))

    def changed_since(self, commit: str) -> list[DiffEntry]:
        """What differs between ``commit`` and the working tree (tracked files)."""
        return parse_raw(self.git("diff", *_DIFF, commit, "--"))

    def index_entries(self, paths: Sequence[str]) -> list[tuple[str, str, str]]:
        """``(path, blob id, mode)`` of index entries at ``paths`` (regular files only)."""
        out = self.git("ls-files", "-s", "-z", "--full-name", "--", *paths)
        found = []
        for item in out.decode("utf-8", "surrogateescape").split("\0"):
            if not item:
                continue
            meta, path = item.split("\t", 1)
            mode, oid, stage = meta.split()
            if stage == "0" and mode in REGULAR_MODES:
                found.append((path, oid, mode))
        return found

    def untracked(self, paths: Sequence[str]) -> list[str]:
        """Untracked, not ignored files under ``paths`` (repository-relative)."""
        out = self.git("ls-files", "--others", "--exclude-standard", "-z", "--full-name", "--", *paths)
        return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]

    def ignored(self, paths: Sequence[str]) -> list[str]:
        """Untracked files under ``paths`` that git ignores (``.gitignore``, ``info/exclude``):
        git cannot say what changed in them since a revision (repository-relative)."""
        out = self.git(
            "ls-files", "--others", "--ignored", "--exclude-standard", "-z", "--full-name", "--", *paths
        )
        return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]

    def unstaged(self, paths: Sequence[str] | None = None) -> set[str]:
        """Paths (of ``paths``, default all) whose working-tree file differs from the index
        (git's racy-safe stat check: a file written in the second the index was may be hashed
        again, so naming the paths keeps unrelated large files out of it)."""
        return parse_names(self.ask_unstaged(paths).result())

    def ask_unstaged(self, paths: Sequence[str] | None = None) -> Pending:
        """``unstaged``'s git process, started (its answer: ``parse_names``)."""
        named = [] if paths is None or len(paths) > _PATHSPEC_LIMIT else list(paths)
        return self.ask("diff", "--name-only", "-z", "--no-renames", "--ignore-submodules=none", "--", *named)

    def filtered(self, paths: Iterable[str]) -> set[str]:
        """Paths with a ``filter`` attribute (LFS, git-crypt...): their files are not their blobs."""
        paths = list(paths)
        return parse_filtered(self.ask_filtered(paths).result()) if paths else set()

    def ask_filtered(self, paths: Sequence[str]) -> Pending:
        """``filtered``'s git process for one or more ``paths``, started (its answer:
        ``parse_filtered``)."""
        return self.ask(
            "check-attr",
            "-z",
            "--stdin",
            "filter",
            stdin="\0".join(paths).encode("utf-8", "surrogateescape") + b"\0",
        )

    def sizes(self, oids: Iterable[str]) -> dict[str, int]:
        """Sizes of blobs (missing objects are absent from the answer)."""
        oids = list(dict.fromkeys(oids))
        return parse_sizes(self.ask_sizes(oids).result()) if oids else {}

    def ask_sizes(self, oids: Sequence[str]) -> Pending:
        """``sizes``'s git process for one or more distinct ``oids``, started (its answer:
        ``parse_sizes``)."""
        return self.ask(
            "cat-file",
            "--batch-check=%(objectname) %(objecttype) %(objectsize)",
            stdin="\n".join(oids).encode() + b"\n",
        )

    def ask(self, *args: str, stdin: bytes | None = None, check: bool = True) -> Pending:
        """Start git at the top of the working tree; its answer is read later."""
        return Pending(list(args), self.root, stdin=stdin, check=check)

    def blob(self, oid: str) -> bytes:
        """A (small) blob's bytes."""
        return self.git("cat-file", "blob", oid)

    def blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """Several small blobs' bytes from one ``git cat-file --batch`` process (one process per
        blob cost 18 s for a commit of 10,000 files). Missing objects and objects that are not
        blobs are absent from the answer. Only for small blobs: the answer is held in memory."""
        oids = list(dict.fromkeys(oids))
        if not oids:
            return {}
        return parse_batch(self.git("cat-file", "--batch", stdin="\n".join(oids).encode() + b"\n"))

    def blob_to_file(self, oid: str, path: str) -> None:
        """Write a blob to ``path`` without holding it in memory."""
        with open(path, "wb") as out:
            try:
                proc = subprocess.run(
                    ["git", "cat-file", "blob", oid],
                    cwd=self.root,
                    stdout=out,
                    stderr=subprocess.PIPE,
                    env=_git_env(self.nested),
                    check=False,
                )
            except FileNotFoundError:
                raise GitError("git is not installed (or not on PATH)") from None
        if proc.returncode != 0:
            raise GitError(f"git cat-file blob {oid}: {proc.stderr.decode('utf-8', 'replace').strip()}")


def repository_paths(root: str, path: str) -> list[str]:
    """The repository paths (relative to ``root``, POSIX) of ``path`` and of every symbolic link
    on the way to the file it names, those inside the repository.

    A policy kept as ``policy.yaml -> policies/strict.yaml``: the gate knew the file the link
    led to, so a change that retargets the link (``ln -sfn policies/lenient.yaml policy.yaml``)
    beside a copy changed no file of the gate and passed (adversarial pass 12).
    """
    top = os.path.realpath(root)
    found: list[str] = []
    here = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on links followed
        # The folders above may be links themselves: the name is the link's, in its real folder,
        # and each folder link on the way is named too (`conf -> conf-strict`, retargeted).
        folder = os.path.dirname(here)
        while folder != os.path.dirname(folder):
            if os.path.islink(folder):
                found.append(_named_in_real_folder(folder))
            folder = os.path.dirname(folder)
        found.append(_named_in_real_folder(here))
        if not os.path.islink(here):
            break
        here = os.path.join(os.path.dirname(here), os.readlink(here))
    found.append(os.path.realpath(path))
    rels = dict.fromkeys(os.path.relpath(f, top).replace(os.sep, "/") for f in found)
    return [r for r in rels if r != ".." and not r.startswith("../")]


def _named_in_real_folder(path: str) -> str:
    """``path`` with the folders above it resolved, its own name kept (a link stays the link)."""
    return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))


def parse_raw(out: bytes) -> list[DiffEntry]:
    """Entries of ``git diff --raw -z`` output."""
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    entries: list[DiffEntry] = []
    i = 0
    while i < len(fields) and fields[i]:
        meta = fields[i].lstrip(":").split(" ")
        old_mode, new_mode, old_oid, new_oid, status = meta[0], meta[1], meta[2], meta[3], meta[4]
        kind = status[0]
        if kind in ("R", "C"):
            src, dst = fields[i + 1], fields[i + 2]
            i += 3
        else:
            src = dst = fields[i + 1]
            i += 2
        entries.append(
            DiffEntry(
                status=kind,
                path=dst,
                old_path=None if kind == "A" else src,
                old_oid=None if old_oid in _ZERO else old_oid,
                new_oid=None if new_oid in _ZERO else new_oid,
                old_mode=old_mode,
                new_mode=new_mode,
            )
        )
    return entries


def parse_batch(out: bytes) -> dict[str, bytes]:
    """The blobs of ``git cat-file --batch`` output: ``OID TYPE SIZE\\n`` then SIZE bytes and a
    newline per object, ``OID missing\\n`` for an absent one."""
    found: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        end = out.find(b"\n", pos)
        if end == -1:
            break
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3:  # "<oid> missing" (or "ambiguous"): no content follows
            continue
        oid, kind, size = header[0].decode("ascii", "replace"), header[1], int(header[2])
        if kind == b"blob":
            found[oid] = out[pos : pos + size]
        pos += size + 1
    return found


def blob_header(size: int) -> bytes:
    """What git hashes before a blob's bytes: its object id is ``H(header + data)``."""
    return b"blob %d\0" % size


def parse_names(out: bytes) -> set[str]:
    """Paths of ``git diff --name-only -z`` output."""
    return {p for p in out.decode("utf-8", "surrogateescape").split("\0") if p}


def parse_filtered(out: bytes) -> set[str]:
    """Paths of ``git check-attr -z filter`` output whose filter attribute is set."""
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    found = set()
    for i in range(0, len(fields) - 2, 3):
        path, _, value = fields[i : i + 3]
        if value not in ("unspecified", "unset", ""):
            found.add(path)
    return found


def parse_sizes(out: bytes) -> dict[str, int]:
    """Blob sizes of ``git cat-file --batch-check`` output (missing objects are absent)."""
    sizes = {}
    for line in out.decode().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob":
            sizes[parts[0]] = int(parts[2])
    return sizes
