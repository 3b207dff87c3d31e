"""Which build of provcheck is running: the version alone ("0.1.0") names every checkout and
edit between two releases, so a signed report could not say which code produced it.

Recorded as setuptools-scm and pip's ``direct_url.json`` (PEP 610) record it, plus a digest of
the code itself:

- ``code_sha256`` identifies the files that ran, however they were installed: SHA-256 over one
  line per file of the imported ``provcheck`` package (``__pycache__`` and compiled extension
  modules left out), sorted by path: ``<path relative to the package, '/'-separated> NUL
  <sha256 of its bytes> LF``. The same files give the same digest wherever they are installed;
  ``provcheck --version`` prints it, so an auditor can check an installation against a report.
  A compiled module's bytes depend on the compiler and on the folder it was built in (pip builds
  in a random temporary folder, and ``-g`` writes that folder into the file), so the same source
  built on two machines would differ and ``merge`` would refuse the shares of one run: its C
  source (``_align.c``, ``_tokens.c``, shipped in the package) stands for it instead, and which
  compiled code ran is ``alignment``.
- ``matching_sha256``: the same recipe over the files whose change can change what matches
  (``support/matchcode.py`` lists them), the digest the measured error rates are compared by.
- the git commit, and whether a file of the package differed from it or was not in it
  (``dirty``), read when the code runs from a checkout (an editable install or ``src`` on the path);
- otherwise what pip recorded at install time: the commit of a ``pip install git+URL``; for an
  install from a local directory or an archive pip records no commit, and ``unknown`` says so
  rather than leaving the field out;
- which alignment code runs: the compiled extension or the pure-Python path, and why
  (``matching/compiled.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import provcheck
from provcheck.matching.compiled import PATHS
from provcheck.model import BuildFacts
from provcheck.support.matchcode import is_measured

_DIST_INFO = re.compile(r"provcheck-[^-]+\.dist-info")


def code_digest(package: Path) -> str | None:
    """SHA-256 of the package's files (the recipe above), or None when one cannot be read."""
    return _digests(package)[0]


def matching_digest(package: Path) -> str | None:
    """SHA-256 of the files of the package whose change can change what matches
    (``support/matchcode.py`` lists them), by the same recipe; None when one cannot be read."""
    return _digests(package)[1]


def _digests(package: Path) -> tuple[str | None, str | None]:
    """``(code_sha256, matching_sha256)`` from one walk of the package."""
    lines = []
    try:
        for dirpath, dirnames, filenames in os.walk(package):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            for name in filenames:
                if name.endswith((".pyc", ".pyo", *EXTENSION_SUFFIXES)):
                    continue
                path = Path(dirpath, name)
                rel = path.relative_to(package).as_posix()
                lines.append(f"{rel}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n")
    except OSError:
        return None, None
    lines.sort()
    matching = [line for line in lines if is_measured(line.split("\0", 1)[0])]
    return (
        hashlib.sha256("".join(lines).encode()).hexdigest(),
        hashlib.sha256("".join(matching).encode()).hexdigest(),
    )


def build_facts() -> BuildFacts:
    """The build running now."""
    return replace(_build(), alignment=PATHS)


def _build() -> BuildFacts:
    package = Path(provcheck.__file__).resolve().parent
    direct = _direct_url(package)
    if direct is not None and not _editable(direct):
        return _installed(direct, *_digests(package))
    status = _git_status(package)  # git runs while the files are hashed
    digest, matching = _digests(package)
    commit, dirty, why = _git_result(status)
    install = "editable" if direct is not None else "source"
    origin = str(direct.get("url")) if direct is not None else str(package.parent)
    if commit is None:
        why = f"not read from git ({why})"
    return BuildFacts(digest, install, origin, commit, dirty, why, matching_sha256=matching)


def build_facts_started() -> Callable[[], BuildFacts]:
    """``build_facts()`` started now in a background thread: call what is returned for its
    answer (what it raised is raised there). A scan starts it first and takes it last, for its
    run record: git's status of a checkout and the reading and hashing of the package's files
    (file reads, ``git`` and hashlib on all but the smallest files release the GIL) overlap the
    scan instead of following it (~15 ms of a hook's wall time on a loaded machine)."""
    box: list[BuildFacts] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            box.append(build_facts())
        except BaseException as exc:  # re-raised in the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=run, name="provcheck-build", daemon=True)
    thread.start()

    def result() -> BuildFacts:
        thread.join()
        if failed:
            raise failed[0]
        return box[0]

    return result


def _installed(direct: dict[str, object], digest: str | None, matching: str | None) -> BuildFacts:
    """A copy pip installed: what its ``direct_url.json`` says of where it came from."""
    return replace(_installed_facts(direct, digest), matching_sha256=matching)


def _installed_facts(direct: dict[str, object], digest: str | None) -> BuildFacts:
    if not direct:
        why = (
            "installed from a package index, which records no commit: the version and code digest identify it"
        )
        return BuildFacts(digest, "index", None, None, None, why)
    url = str(direct.get("url"))
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("commit_id"):
        why = "whether the tree had changes does not apply: pip built the commit as checked out"
        return BuildFacts(digest, "vcs", url, str(vcs["commit_id"]), None, why)
    kind = "directory" if "dir_info" in direct else "archive"
    what = "a local directory" if kind == "directory" else "a file or archive"
    why = (
        f"pip records no commit for an install from {what}, nor whether its tree had changes: "
        "the code digest identifies the files installed"
    )
    return BuildFacts(digest, kind, url, None, None, why)


def _direct_url(package: Path) -> dict[str, object] | None:
    """provcheck's ``direct_url.json`` (``{}`` when installed from an index, which writes none),
    or None when the package imported is not the one pip installed (a copy on ``PYTHONPATH``, a
    checkout's ``src``). Read from the ``provcheck-*.dist-info`` folder on ``sys.path``
    (importing importlib.metadata cost a hook ~25 ms; see ``facts._installed_version``)."""
    for entry in sys.path:
        folder = Path(entry or ".")
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if not _DIST_INFO.fullmatch(name):
                continue
            try:
                data = json.loads((folder / name / "direct_url.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            data = data if isinstance(data, dict) else {}
            if _editable(data):
                where = _file_path(str(data.get("url", "")))
                return data if where is not None and package.is_relative_to(where) else None
            return data if package.parent == folder.resolve() else None
    return None


def _editable(direct: dict[str, object]) -> bool:
    """True for ``pip install -e`` (PEP 660): the code runs from the checkout itself."""
    info = direct.get("dir_info")
    return isinstance(info, dict) and bool(info.get("editable"))


def _file_path(url: str) -> Path | None:
    """The directory a ``file://`` URL names."""
    if not url.startswith("file://"):
        return None
    from urllib.parse import unquote, urlsplit

    return Path(unquote(urlsplit(url).path)).resolve()


_GIT_STATUS = ("git", "status", "--porcelain=v2", "--branch", "--untracked-files=all")


def _git_status(package: Path) -> subprocess.Popen[str] | str:
    """``git status`` of the checkout holding ``package``, started (or why it could not be).

    Dirty means a file of the package differs from the commit or is not in it (an untracked
    module runs too); files elsewhere in the checkout are not code that ran. The variables of a
    hook's repository (``GIT_DIR``, ``GIT_INDEX_FILE``...) are dropped: they name the
    repository scanned, not provcheck's.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_OPTIONAL_LOCKS"] = "0"  # a status must not rewrite the checkout's index
    try:
        return subprocess.Popen(
            [*_GIT_STATUS, "--", "."],
            cwd=package,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    except OSError as exc:
        return f"git could not run: {exc}"


def _git_result(status: subprocess.Popen[str] | str) -> tuple[str | None, bool | None, str | None]:
    """``(commit, dirty, None)``, or ``(None, None, why)``."""
    if isinstance(status, str):
        return None, None, status
    try:
        out, err = status.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        status.kill()
        status.communicate()
        return None, None, "git status took more than 30 s"
    if status.returncode != 0:
        return None, None, (err.strip().splitlines() or ["git failed"])[0]
    commit = None
    dirty = False
    for line in out.splitlines():
        if line.startswith("# branch.oid "):
            commit = line.split()[2]
        elif not line.startswith("#"):
            dirty = True
    if commit is None or commit == "(initial)":
        return None, None, "the checkout has no commit"
    return commit, dirty, None
