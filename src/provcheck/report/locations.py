"""Dataset paths as a repository sees them: relative to its top, with links to file lines.

A scan run inside a git checkout records ``run.git`` (the command line fills it in: the
directory the scan ran in relative to the top of the working tree, the commit checked out and
the web address of the ``origin`` remote, credentials removed). Pull-request comments and
SARIF logs then name files as the repository does, whatever directory the scan ran in, and
link each record to its line at that commit.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import quote, urlsplit

from provcheck.model import RunRecord

_SCP = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>(?!/)[\w./-]+?)(?:\.git)?/?$")
"""``git@github.com:owner/repo.git``: the scp-like form of an ssh remote."""


def web_url(remote: str | None) -> str | None:
    """The https address of a repository from its remote URL, without any credentials; None
    when the remote is not a web-hosted repository (a local path, an unknown scheme)."""
    if not remote:
        return None
    remote = remote.strip()
    scp = _SCP.match(remote)
    if scp and "://" not in remote:
        return f"https://{scp['host']}/{scp['path']}"
    try:
        parts = urlsplit(remote)
    except ValueError:
        return None
    if parts.scheme not in ("https", "http", "ssh", "git") or not parts.hostname:
        return None
    path = parts.path.rstrip("/")
    if path.endswith(".git"):
        path = path[:-4]
    if not path.strip("/"):
        return None
    # userinfo (a token in https://user:token@host/...) and ports are never kept.
    return f"https://{parts.hostname}{path}"


def repo_path(path: str, run: RunRecord) -> str:
    """``path`` (as given to the scan) relative to the top of the repository the scan ran in;
    unchanged outside a checkout, or for a path outside the repository."""
    if not run.git:
        return path
    prefix, root = run.git.prefix, run.git.root
    p = path.replace("\\", "/")
    if posixpath.isabs(p):
        if p == root or p.startswith(root.rstrip("/") + "/"):
            return posixpath.relpath(p, root)
        return path
    joined = (
        posixpath.normpath(posixpath.join(prefix, p)) if prefix not in ("", ".") else posixpath.normpath(p)
    )
    return path if joined.startswith("../") or joined == ".." else joined


def line_url(path: str, line: int | None, run: RunRecord) -> str | None:
    """A link to ``path`` (at ``line``) at the commit scanned, when the repository is on the web."""
    if not run.git or run.git.web is None or run.git.commit is None:
        return None
    base, commit = run.git.web, run.git.commit
    rel = repo_path(path, run)
    if rel == path and posixpath.isabs(path.replace("\\", "/")):
        return None
    if rel.startswith("../"):
        return None
    return f"{base}/blob/{commit}/{quote(rel)}" + (f"#L{line}" if line else "")
