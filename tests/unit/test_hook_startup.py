"""What makes `provcheck hook run` start sooner (docs/startup.md), as behaviour: the matcher's
import starts as soon as a staged dataset file is known, and only then; the garbage collector is
paused while modules are imported and the state the caller had is restored."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from provcheck.cli.common import collector_paused
from provcheck.gitscan import changes as changesets
from provcheck.gitscan.repo import Repo


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "r"
    root.mkdir()
    _git(root, "init", "-q")
    _git(root, "config", "user.email", "t@example.org")
    _git(root, "config", "user.name", "t")
    (root / "train.jsonl").write_text('{"output": "one"}\n')
    (root / "notes.txt.bak").write_text("x\n")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "one")
    return root


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _calls(root: Path) -> int:
    calls: list[None] = []
    changesets.staged(Repo(str(root)), None, None, cwd=str(root), on_dataset=lambda: calls.append(None))
    return len(calls)


def test_the_matcher_import_starts_once_when_a_dataset_file_is_staged(root: Path) -> None:
    (root / "train.jsonl").write_text('{"output": "one"}\n{"output": "two"}\n')
    _git(root, "add", "train.jsonl")
    assert _calls(root) == 1


def test_a_commit_without_dataset_files_starts_no_import(root: Path) -> None:
    (root / "notes.txt.bak").write_text("y\n")  # not a file provcheck reads
    _git(root, "add", ".")
    assert _calls(root) == 0
    _git(root, "rm", "-q", "train.jsonl")  # deleted: nothing to scan
    assert _calls(root) == 0


def test_hook_run_imports_the_matcher_on_its_own_thread_when_pre_commit_names_a_dataset_file(
    root: Path,
) -> None:
    """The pre-commit framework's file names start the import before git is asked anything:
    the thread that imports numpy is not the main one (and the commit is still scanned)."""
    (root / "train.jsonl").write_text('{"output": "one"}\n{"output": "two"}\n')
    _git(root, "add", "train.jsonl")
    code = (
        "import sys, threading\n"
        "import provcheck.cli.hook as hook\n"
        "seen, on_main = [], []\n"
        "real = hook._import_matcher\n"
        "def spy():\n"
        "    on_main.append(threading.current_thread() is threading.main_thread())\n"
        "    real()\n"
        "hook._import_matcher = spy\n"
        "start = hook._MatcherImport.__call__\n"
        "def started(self):\n"
        "    seen.append('import')\n"
        "    start(self)\n"
        "hook._MatcherImport.__call__ = started\n"
        "from provcheck.gitscan import repo\n"
        "asked = repo.Repo.discover\n"
        "def discover(path):\n"
        "    seen.append('git')\n"
        "    return asked(path)\n"
        "repo.Repo.discover = discover\n"
        "hook.Repo.discover = discover\n"
        "from provcheck.cli import main\n"
        "sys.argv = ['provcheck', 'hook', 'run', '--no-cache', '--index', sys.argv[1], 'train.jsonl']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(seen, on_main, file=sys.__stderr__)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(root / "no-index")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Started before git was asked, on a thread of its own, whatever the scan then said.
    assert proc.stderr.strip().splitlines()[-1] == "['import', 'git', 'import'] [False]", proc.stderr


def test_collector_paused_restores_the_state_and_freezes_what_was_imported() -> None:
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with collector_paused():
            assert not gc.isenabled()
            import provcheck.cli.staged  # noqa: F401 - may be imported already: then nothing is frozen
        assert gc.isenabled()
        with collector_paused():
            sys.modules.pop("provcheck_test_probe", None)
            sys.modules["provcheck_test_probe"] = sys  # one more module: as after an import
        assert gc.isenabled() and gc.get_freeze_count() > frozen
        gc.disable()
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        sys.modules.pop("provcheck_test_probe", None)
        gc.unfreeze()
        gc.enable()
