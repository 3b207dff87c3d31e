"""What `provcheck hook run` imports on a small staged change, in a real repository (behaviour,
not time: benchmarks/startup.py measures the time). A policy that passed the schema check is
not checked again, so jsonschema is not loaded; a changed policy is checked and refused."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitrepo import BLOCK_POLICY, GitRepo, chat, clean, isolated_env, jsonl, restricted

UNUSED = (
    "jsonschema",
    "pyarrow",
    "datasketch",
    "filelock",
    "multiprocessing",
    "concurrent.futures.process",
    "rich",
    "provcheck.cli.scan",
    "provcheck.scan.remote",
    "sqlite3",
    "provcheck.scan.cache",
    "concurrent.futures",
    "logging",
    "difflib",
    "numpy.ma",
    "numpy.random",
    "provcheck.policy.catalogue",
    "provcheck.scan.build",
    "traceback",
    "csv",
    "shlex",
    "gzip",
    "re2",
    "provcheck.model.runextras",
    "provcheck.model.build",
    "provcheck.policy.terms",
    "provcheck.scan.partial",
    "provcheck.report.overview",
    "provcheck.index.writer",
    "provcheck.index.builder",
    "html.entities",
    "provcheck.inputs.csv",
    "provcheck.inputs.json",
    "provcheck.inputs.parquet",
    "provcheck.inputs.arrow",
    "provcheck.inputs.text",
    "provcheck.inputs.sniff",
)
"""Libraries a hook run on a small change in one process has no use for once its policy is known
(rich: the hook's lines are plain text, written as rich would write them; the scan command and
the Ray scan are not the hook's; sqlite3 and the result cache with ``--no-cache``;
concurrent.futures and logging are for writing shards and pools; difflib for a misspelling's
hint; numpy.ma, which numpy's own ``np.unique`` and ``np.union1d`` import, for nothing:
``support/arrays.py``; numpy.random for the two numbers of the MinHash permutation:
``fingerprint.permutation``; the catalogue of known datasets, for a finding that names a source
no index or policy describes; which build is running, for a run record the hook does not
write: ``ScanOptions.recorded``; traceback for ``PROVCHECK_DEBUG``, csv for a CSV file, shlex for a
report's command line, gzip for a gzipped file or a partial; re2 for a policy's patterns, which
this policy has none of; the run record's occasional facts (a git checkout's, a sharded run's, a
merge's: ``model.runextras``), which build ran (``model.build``), a policy's terms documents
(``policy.terms``, this policy has none), the partials of a sharded run and the overview the
reports for people share (the hook prints its use and coverage lines: ``report.scope``):
classes that cost ~4 M instructions each to build); the index's writer and shard builder (a
hook reads an index), the table of HTML named references (for a record that holds one); the readers
of other containers than JSON Lines (``inputs.containers`` makes each when first asked for), and
what a file's first bytes say it holds (``inputs.sniff``, for a file of a name provcheck does not
read)."""

UNUSED_ONCE_KNOWN = ("platformdirs", "secrets", "hmac", "zipfile", "yaml", "wcmatch")
"""Nor, once the policy and the index are known (their stamps written: a temporary file's name
takes ``secrets``; jsonschema imports zipfile): platformdirs when ``$PROVCHECK_CACHE_DIR`` names
the cache; secrets (and hmac) for a temporary file or a Ray token; zipfile for an index that is
a pack; PyYAML once the configuration's and the policy's bytes were parsed (their parsed form is
remembered by the SHA-256 of their bytes: ``yamlfile.parse``); wcmatch once the configuration's
globs were translated (``support/globs.py`` remembers its expressions). (urllib.parse, for a data URI in
a record, is imported by ``pathlib`` on Python 3.11.)"""


def _hook(repo: GitRepo, unused: tuple[str, ...] = UNUSED) -> tuple[int, list[str], str]:
    """``provcheck hook run`` in a fresh interpreter: exit code, the modules of ``unused`` it
    imported, stderr."""
    code = (
        "import json, sys\n"
        "from provcheck.cli import main\n"
        "sys.argv = ['provcheck', 'hook', 'run', '--no-cache']\n"
        "rc = 0\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    rc = exc.code\n"
        f"print(json.dumps([rc, sorted(m for m in {unused!r} if m in sys.modules)]), file=sys.__stderr__)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=repo.path, env=repo.env, capture_output=True, text=True, timeout=120
    )
    rc, loaded = json.loads(proc.stderr.strip().splitlines()[-1])
    return rc, loaded, proc.stderr


def _untimed(err: str) -> str:
    """The hook's output without its timings and the test's own last line."""
    return re.sub(r"in [0-9.]+ s \(matching [0-9.]+ s\)", "in T", err.rsplit("\n", 2)[0])


@pytest.fixture
def repo(tmp_path: Path, index_dir: Path) -> GitRepo:
    # The index was just written: a file modified less than RACY_SECONDS before it is verified
    # is not remembered (``index/integrity.py``), so on a fast run the second hook verified it
    # again, and its stamp write imported secrets (a flaky failure). Its files are dated back.
    past = time.time() - 60
    for path in index_dir.rglob("*"):
        os.utime(path, (past, past))
    r = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    r.write("policy.yaml", BLOCK_POLICY)
    r.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\ninclude: ['data/**']\n")
    r.write("data/train.jsonl", jsonl(clean(i) for i in range(5)))
    r.git("add", ".")
    r.commit("dataset")
    r.append("data/train.jsonl", jsonl([clean(5), restricted(1, "copy-1")]))
    r.git("add", "data")
    return r


def test_a_known_policy_is_not_checked_again_and_a_changed_one_is(repo: GitRepo) -> None:
    rc, loaded, err = _hook(repo)
    assert rc == 1 and "commit refused: 1 blocking finding" in err
    assert loaded == ["jsonschema"]  # the first run checks the policy's structure
    rc, loaded, again = _hook(repo)
    assert rc == 1 and loaded == []
    assert _untimed(again) == _untimed(err)  # the same findings and verdict, word for word
    # An edit the schema refuses is checked (jsonschema again) and stops the hook, every time.
    repo.write("policy.yaml", BLOCK_POLICY.replace("action: block", "action: blok"))
    for _ in range(2):
        rc, loaded, err = _hook(repo)
        assert rc == 3 and loaded == ["difflib", "jsonschema"]  # difflib: the "did you mean"
        assert "policy.yaml:6" in err and "unknown action 'blok'; did you mean 'block'?" in err
    # A valid edit is checked once, then known. It is committed on its own: the hook refuses
    # to run under a policy the commit does not hold (test_adversarial7).
    repo.git("checkout", "--", "policy.yaml")
    repo.git("stash", "--quiet")
    repo.write("policy.yaml", BLOCK_POLICY.replace("action: block", "action: review"))
    repo.git("add", "policy.yaml")
    repo.commit("policy")
    repo.git("stash", "pop", "--index", "--quiet")
    assert _hook(repo)[:2] == (0, ["jsonschema"])
    assert _hook(repo)[:2] == (0, [])


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads through Linux's /proc")
def test_numpy_starts_no_thread_pool_in_the_hook(repo: GitRepo) -> None:
    """OpenBLAS starts a pool of threads (one per CPU, spinning) when numpy is imported (~60 ms of
    CPU); the hook does no linear algebra. At the end only the main thread is left: the early
    proof's thread is done (it may take a moment to leave the task list: up to 30 s are allowed,
    for a loaded machine, where 2 s once were not), a pool would stay."""
    code = (
        "import os, sys, time\n"
        "from provcheck.cli import main\n"
        "sys.argv = ['provcheck', 'hook', 'run', '--no-cache']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "for _ in range(1500):\n"
        "    if len(os.listdir('/proc/self/task')) == 1:\n"
        "        break\n"
        "    time.sleep(0.02)\n"
        "print('numpy' in sys.modules, len(os.listdir('/proc/self/task')), file=sys.__stderr__)\n"
    )
    env = {k: v for k, v in repo.env.items() if not k.endswith("_NUM_THREADS")}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=repo.path, env=env, capture_output=True, text=True, timeout=120
    )
    assert "commit refused: 1 blocking finding" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "True 1"


CODE_ANSWER = """Here is the function:

def moving_average(values, window):
    total = 0
    averages = []
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        if i >= window - 1:
            averages.append(total / window)
    return averages
"""


def test_a_new_record_holding_code_imports_no_numpy_ma(repo: GitRepo) -> None:
    """Code in a record gets a second set of anchors (identifiers renamed), merged with the
    first: ``np.union1d`` did it and imported numpy.ma (~8 ms of a hook's CPU)."""
    repo.append("data/train.jsonl", jsonl([chat("code-1", CODE_ANSWER)]))
    repo.git("add", "data")
    rc, loaded, err = _hook(repo)
    assert rc == 1 and "commit refused: 1 blocking finding" in err
    assert loaded == ["jsonschema"]  # the first run checks the policy's structure
    rc, loaded, err = _hook(repo, UNUSED + UNUSED_ONCE_KNOWN)
    assert rc == 1 and loaded == []


def test_a_hook_under_a_known_policy_imports_none_of_the_rest(repo: GitRepo) -> None:
    _hook(repo)  # the policy and the index are checked, their stamps written
    rc, loaded, err = _hook(repo, UNUSED + UNUSED_ONCE_KNOWN)
    assert rc == 1 and "commit refused: 1 blocking finding" in err
    assert loaded == []
