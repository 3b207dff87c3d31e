"""Git questions asked at once (``gitscan.repo.Pending``, ``answers``): the same answers as
asked one by one, and no process left behind when one of them fails."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from provcheck.gitscan.repo import GitError, Pending, Repo, answers, parse_filtered, parse_names, parse_sizes


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "r"
    root.mkdir()

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    (root / ".gitattributes").write_text("*.bin filter=lfs\n")
    (root / "a.jsonl").write_text("{}\n")
    (root / "b.bin").write_text("x\n")
    git("add", ".")
    git("commit", "-q", "-m", "one")
    (root / "a.jsonl").write_text("{}\n{}\n")  # modified, not staged
    return Repo(str(root))


def test_questions_asked_at_once_get_the_answers_asked_one_by_one(repo: Repo) -> None:
    paths = ["a.jsonl", "b.bin"]
    oids = [repo.git("rev-parse", f"HEAD:{p}").decode().strip() for p in paths]
    sizes, unstaged, filtered = answers(
        repo.ask_sizes(oids), repo.ask_unstaged(paths), repo.ask_filtered(paths)
    )
    assert parse_sizes(sizes) == repo.sizes(oids) == dict(zip(oids, [3, 2], strict=True))
    assert parse_names(unstaged) == repo.unstaged(paths) == {"a.jsonl"}
    assert parse_filtered(filtered) == repo.filtered(paths) == {"b.bin"}


def test_a_failed_question_ends_the_others_and_raises_gits_message(repo: Repo) -> None:
    slow = repo.ask("cat-file", "--batch", stdin=b"HEAD\n")  # blocks on its input until asked
    failing = repo.ask("rev-parse", "--verify", "--quiet", "no-such-branch^{commit}", "--")
    pid = slow._proc.pid if slow._proc is not None else -1
    with pytest.raises(GitError, match="git rev-parse --verify --quiet"):
        answers(failing, slow)
    assert slow._proc is None
    with pytest.raises(ChildProcessError):  # reaped: no zombie left
        os.waitpid(pid, os.WNOHANG)


def test_a_pending_answer_is_taken_once(repo: Repo) -> None:
    pending = Pending(["rev-parse", "--show-toplevel"], repo.root)
    assert pending.result().decode().strip() == os.path.realpath(repo.root)
    with pytest.raises(AssertionError):
        pending.result()
    pending.close()  # nothing left to end


def test_a_status_provcheck_asks_never_writes_the_checkout_s_index(repo: Repo) -> None:
    # A stat-dirty index (a file touched, its content unchanged) is refreshed and written back by
    # `git status`, under `.git/index.lock`. The hook asks one early and ends it (SIGKILL, until
    # now) when the run stops on an error: the lock stayed and the user's next git command failed
    # ("index.lock: File exists"). provcheck's git runs take no optional lock.
    root = Path(repo.root)
    index = root / ".git" / "index"
    before = index.stat().st_mtime_ns
    later = before + 5 * 10**9
    os.utime(root / "b.bin", ns=(later, later))  # stat-dirty: the index would be refreshed
    repo.git("status", "--porcelain=v1", "-z")
    assert index.stat().st_mtime_ns == before
    subprocess.run(["git", "status", "--porcelain"], cwd=root, check=True, capture_output=True)
    assert index.stat().st_mtime_ns != before  # git itself would have written it: the test can fail
