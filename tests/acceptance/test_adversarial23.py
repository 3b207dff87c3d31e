"""Adversarial pass 23: the gate passing what it did not check. Each test fails on the code
before its fix.

1. FAIL-OPEN Bytes after the end of a bzip2, xz or lzma stream that start no other stream (rows
   appended uncompressed, ``cat new.jsonl >> data.jsonl.bz2``; a gzip stream after a bzip2
   one) were never read: Python's ``BZ2File`` and ``LZMAFile`` end there without a word, and
   the scan passed, exit 0, with a copy in those rows. After a gzip or zstd stream the same
   rows were a located error. They are now a located error for every compression (exit 4);
   concatenated streams are read as before, and NUL bytes after an xz stream (its stream
   padding, which ``xz -t`` accepts) are passed over where they were an error
   (``inputs/concatenated.py``).
2. SAID ``hook run`` options that replace settings of ``.provcheck.yaml`` (``--fail-on never``
   over ``fail_on: block``, ``-p lenient.yaml`` over ``policy:``, as the pre-commit framework's
   ``args:`` give them) were applied without a word: the commit passed with "findings: 1 block"
   and nothing said that the configured gate was not the one applied, where ``scan`` says so
   in every report. The hook's summary now says it as ``scan`` does (``cli/replaced.py``).
3. FAIL-OPEN ``--use research-only`` over a policy declaring ``commercial: true`` was taken as
   an addition (the documented reading of ``--use``), and the declared use became commercial
   *and* research-only: ``research-only-licence-outside-research`` tests only the latter, so a
   copy of research-only material passed, exit 0, where ``--use non-commercial`` is refused as
   a contradiction. The two are now refused together wherever they come from (exit 2, naming
   both origins); ``--use-only --use research-only`` replaces the use as before
   (``policy/use.py``).
4. CACHE The result cache's code digest (what invalidates cached matches when the matching code
   changes: in a checkout the version stays ``0.1.0``) covered the matcher's modules but not
   all they import: ``provcheck.support`` (text scanning, arrays, batching), nor the C sources
   of the compiled passes (``scan.rejections`` and ``scan.refcache`` were missing too until
   ``support/matchcode.py`` landed beside this pass). A change there kept serving the matches
   of the code before it, a pass where the new code blocks. Every provcheck module the
   matching code imports is now covered, or named below with why it cannot change a cached
   match, and the C sources are hashed with their package (``scan/cache.py``).
5. DROPPED A ``PROVCHECK_*`` variable spelling an option or setting another way
   (``PROVCHECK_FAILON=review``, ``PROVCHECK_POLICY_FILE=strict.yaml``, ``PROVCHECK_WAIVER``,
   ``PROVCHECK_EXCLUDES``) was "not provcheck's to judge" and dropped without a word: the gate
   ran on ``block`` and the default policy. Such a name (without its underscores, one ``S``
   more or less, or ``_FILE``/``_PATH``/``_DIR``/``_URL``/``_LEVEL`` added) is refused like
   the exact one unless the command line gives the option; other names are left alone
   (``cli/environment.py``).
6. CRASH A staged dataset file whose name is not UTF-8 (``data/bad\\xffname.jsonl``, legal on
   Linux; ``git`` lists it) stopped the hook with an internal error (exit 10) instead of
   scanning it: the paths sent to ``git check-attr`` on its standard input were encoded
   strictly (``gitscan/repo.py``).
7. FAIL-OPEN A commit (or a pull request, ``scan --changed-since``) that changes only
   ``.provcheck.yaml`` to select committed files it did not (an ``exclude:`` removed, an
   ``include:`` widened) passed with "no staged dataset records to scan": those files had never
   been checked, and a copy in them came under the gate unscanned, where moving the file into
   the globs (``git mv``) has it scanned whole. Such files are now scanned whole
   (``gitscan/widened.py``).
8. LOCATED A result cache that git tracks, named by ``PROVCHECK_CACHE_DIR`` (as the GitLab job
   sets it), was refused as "--cache-dir: ...", an option the command line never gave; the
   error now names what named the cache (``api.py``).
"""

from __future__ import annotations

import ast
import bz2
import gzip
import json
import lzma
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from gitrepo import BLOCK_POLICY, GitRepo, clean, isolated_env, jsonl, restricted
from helpers import REFERENCE_TEXTS, run_cli

BLOCKING_POLICY = """\
include: [provcheck:default]
use: {purpose: train-competing-model, commercial: true}
"""


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(BLOCKING_POLICY, encoding="utf-8")
    return path


def _line(text: str) -> bytes:
    return (json.dumps({"text": text}) + "\n").encode()


BENIGN = _line("A short note about cats and dogs, written for this test.")
COPY = _line(REFERENCE_TEXTS[0])


def _scan(path: Path, index_dir: Path, policy: Path, code: int) -> dict[str, object]:
    out = path.parent / "r.json"
    run_cli(["scan", path, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "json", "-o", out], code)
    doc: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return doc


@pytest.mark.parametrize(
    ("name", "compress", "after"),
    [
        ("d.jsonl.bz2", bz2.compress, COPY),
        ("d.jsonl.xz", lzma.compress, COPY),
        ("d.jsonl.lzma", lambda b: lzma.compress(b, format=lzma.FORMAT_ALONE), COPY),
        ("d.jsonl.bz2", bz2.compress, gzip.compress(COPY)),
    ],
    ids=["bzip2", "xz", "lzma", "gzip-after-bzip2"],
)
def test_rows_appended_after_a_compressed_stream_are_a_located_error(
    tmp_path: Path, index_dir: Path, policy: Path, name: str, compress: Callable[[bytes], bytes], after: bytes
) -> None:
    # The old code read the benign stream and ended quietly at the copy: exit 0.
    path = tmp_path / "data" / name
    path.parent.mkdir()
    path.write_bytes(compress(BENIGN) + after)
    doc = _scan(path, index_dir, policy, code=4)
    (error,) = doc["errors"]  # type: ignore[misc]
    assert error["path"] == str(path)
    assert "not read" in error["message"]
    assert "after the end of the" in error["message"]


@pytest.mark.parametrize(
    ("name", "compress", "between", "tail"),
    [
        ("d.jsonl.bz2", bz2.compress, b"", b""),
        ("d.jsonl.xz", lzma.compress, b"\0" * 4, b"\0" * 8),
        ("d.jsonl.lzma", lambda b: lzma.compress(b, format=lzma.FORMAT_ALONE), b"", b""),
    ],
    ids=["bzip2", "xz-padded", "lzma"],
)
def test_concatenated_streams_are_all_read(
    tmp_path: Path,
    index_dir: Path,
    policy: Path,
    name: str,
    compress: Callable[[bytes], bytes],
    between: bytes,
    tail: bytes,
) -> None:
    path = tmp_path / "data" / name
    path.parent.mkdir()
    path.write_bytes(compress(BENIGN) + between + compress(COPY) + tail)
    doc = _scan(path, index_dir, policy, code=1)
    assert doc["errors"] == []
    assert doc["summary"]["records"]["scanned"] == 2  # type: ignore[index]


LENIENT_POLICY = BLOCK_POLICY.replace("action: block", "action: info")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--fail-on", "never"], "fail_on: block (.provcheck.yaml:3) replaced by --fail-on never"),
        (["-p", "lenient.yaml"], "policy: policy.yaml (.provcheck.yaml:2) replaced by --policy lenient.yaml"),
    ],
    ids=["fail-on", "policy"],
)
def test_a_hook_option_replacing_a_configured_setting_is_said(
    tmp_path: Path, index_dir: Path, args: list[str], said: str
) -> None:
    # The old hook passed the copy (exit 0) saying only "findings: 1 block" or "findings: none".
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write("lenient.yaml", LENIENT_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\nfail_on: block\n")
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.git("add", ".")
    repo.commit("dataset")
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    repo.git("add", ".")
    repo.provcheck("hook", "run", "--no-cache", code=1)
    out = repo.provcheck("hook", "run", "--no-cache", *args)
    line = next(x for x in out.stderr.splitlines() if "options replaced configured settings" in x)
    assert said in line.replace(str(repo.path.resolve()) + "/", "").replace(str(repo.path) + "/", "")


COMMERCIAL_POLICY = """\
include: [provcheck:default]
use: {purpose: train-model, commercial: true, distributed: true}
"""


def test_research_only_is_refused_beside_a_commercial_use(tmp_path: Path) -> None:
    # The old code merged the two; the research-only block was never raised: exit 0.
    refs = tmp_path / "refs.jsonl"
    refs.write_text(json.dumps({"id": "r0", "text": REFERENCE_TEXTS[0]}) + "\n", encoding="utf-8")
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "lab", "--provider", "deepseek", "--license",
             "LicenseRef-Research-Use", "-q"])  # fmt: skip
    data = tmp_path / "data" / "d.jsonl"
    data.parent.mkdir()
    data.write_bytes(COPY)
    policy = tmp_path / "policy.yaml"
    policy.write_text(COMMERCIAL_POLICY, encoding="utf-8")
    args: list[object] = ["scan", data, "-i", index, "-p", policy, "--no-cache", "-q"]
    out = tmp_path / "r.json"
    run_cli([*args, "-f", "json", "-o", out], code=1)
    rules = {f["rule"] for f in json.loads(out.read_text(encoding="utf-8"))["findings"]}
    assert "research-only-licence-outside-research" in rules
    result = run_cli([*args, "--use", "research-only"], code=2)
    assert "'research-only' contradicts 'commercial' declared by the policy" in result.stderr
    run_cli([*args, "--use-only", "--use", "research-only", "--use", "train-model"], code=0)
    run_cli(
        [*args, "--use-only", "--use", "research-only", "--use", "commercial", "--use", "train-model"], code=2
    )


NOT_MATCHING = {
    "provcheck": "the version, which the digest holds",
    "provcheck.errors": "exceptions",
    "provcheck.inputs": "records: the cache key holds every turn read",
    "provcheck.policy": "evaluated afresh on every run",
    "provcheck.runtime": "processes and progress",
    "provcheck.waivers": "applied afresh on every run",
    "provcheck.scan.facts": "the run record",
    "provcheck.scan.fields": "field counts",
    "provcheck.scan.partial": "shards",
    "provcheck.scan.prefilter": "applies the cache",
    "provcheck.scan.remote": "readers on Ray workers, never used with the result cache",
    "provcheck.scan.results": "collects matches after the cache (the threshold applied to both)",
    "provcheck.scan.runs": "runs of short records are matched again on every run",
    "provcheck.scan.tally": "counts",
}


def _provcheck_imports(path: Path, module: str) -> set[str]:
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("provcheck"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            if base.startswith("provcheck"):
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
    return found


def test_the_cache_digest_covers_every_module_the_matching_code_imports() -> None:
    import provcheck
    from provcheck.scan import cache

    root = Path(provcheck.__file__).parent.parent

    def source(name: str) -> Path | None:
        base = root / name.replace(".", "/")
        return (
            base / "__init__.py"
            if base.is_dir()
            else (base.with_suffix(".py") if base.with_suffix(".py").exists() else None)
        )

    def covered(name: str, prefixes: tuple[str, ...]) -> bool:
        return any(name == p or name.startswith(p + ".") for p in prefixes)

    todo = [str(p.relative_to(root).with_suffix("")).replace("/", ".").removesuffix(".__init__")
            for name in cache._MATCHING_CODE for p in cache._module_sources(name)]  # fmt: skip
    seen: set[str] = set()
    missing: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = source(name)
        if path is None:
            continue  # a name imported from a module, not a module
        if not covered(name, cache._MATCHING_CODE):
            if name != "provcheck" and not covered(name, tuple(n for n in NOT_MATCHING if n != "provcheck")):
                missing.add(name)
            continue
        todo.extend(_provcheck_imports(path, name))
    compiled = {p.name for p in cache._module_sources("provcheck.matching") if p.suffix == ".c"}
    assert compiled == {p.name for p in (root / "provcheck" / "matching").glob("*.c")}
    assert not missing, (
        f"modules the matching code imports that the cache digest does not cover: {sorted(missing)}"
    )


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("PROVCHECK_FAILON", "review", "read as PROVCHECK_FAIL_ON, the option --fail-on"),
        ("PROVCHECK_POLICY_FILE", "strict.yaml", "read as PROVCHECK_POLICY, the option --policy"),
        ("PROVCHECK_WAIVER", "w.yaml", "read as PROVCHECK_WAIVERS, the option --waivers"),
        ("PROVCHECK_EXCLUDES", "data/**", "write `exclude:` in .provcheck.yaml"),
    ],
)
def test_a_setting_spelt_another_way_in_the_environment_is_refused(
    tmp_path: Path,
    index_dir: Path,
    policy: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    said: str,
) -> None:
    # The old code left every such name alone: the scan ran without the setting (exit 1 here).
    data = tmp_path / "data" / "d.jsonl"
    data.parent.mkdir()
    data.write_bytes(COPY)
    args: list[object] = ["scan", data, "-i", index_dir, "--no-cache", "-q"]
    monkeypatch.setenv(variable, value)
    out = run_cli(args, code=2)
    assert f"{variable} is set" in out.stderr and said in " ".join(out.stderr.split()), out.stderr
    monkeypatch.delenv(variable)
    for other in ("PROVCHECK_SHARED", "PROVCHECK_USER", "PROVCHECK_VERSION"):  # not provcheck's
        monkeypatch.setenv(other, "x")
    run_cli([*args, "-p", policy], code=1)


def test_a_staged_file_whose_name_is_not_utf8_is_scanned(tmp_path: Path, index_dir: Path) -> None:
    # The old hook: "internal error (a bug)", exit 10.
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.git("add", ".")
    repo.commit("dataset")
    (repo.path / "data").joinpath(os.fsdecode(b"bad\xffname.jsonl")).write_text(jsonl([restricted(1)]))
    repo.git("add", ".")
    out = repo.provcheck("hook", "run", "--no-cache", code=1)
    assert "commit refused: 1 blocking finding(s)" in out.stderr


def test_a_configuration_change_that_selects_unchecked_files_scans_them(
    tmp_path: Path, index_dir: Path
) -> None:
    # The old hook and CI gate: "no staged dataset records to scan", exit 0.
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    config = f"index: {index_dir}\npolicy: policy.yaml\ninclude: ['data/**']\nexclude: ['data/scratch/**']\n"
    repo.write(".provcheck.yaml", config)
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.write("data/scratch/old.jsonl", jsonl([restricted(1)]))  # left out, never checked
    repo.git("add", ".")
    repo.commit("dataset")
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.write(".provcheck.yaml", config.replace("exclude: ['data/scratch/**']\n", ""))
    repo.git("add", ".")
    out = repo.provcheck("hook", "run", "--no-cache", code=1)
    assert (
        "selects 1 dataset file(s) its version in HEAD did not: scanned whole (data/scratch/old.jsonl)"
        in (" ".join(out.stderr.split()))
    )
    repo.commit("configuration on its own", "--no-verify")
    repo.provcheck("scan", "--changed-since", base, "--no-cache", "-q", code=1)
    # A change that selects nothing new is scanned as before.
    repo.write(
        ".provcheck.yaml", config.replace("exclude: ['data/scratch/**']\n", "exclude: ['data/zzz/**']\n")
    )
    repo.git("add", ".")
    repo.commit("exclude again", "--no-verify")
    repo.write(".provcheck.yaml", config)
    repo.git("add", ".")
    out = repo.provcheck("hook", "run", "--no-cache")
    assert "scanned whole" not in out.stderr


def test_a_tracked_cache_is_refused_naming_the_variable_that_named_it(
    tmp_path: Path, index_dir: Path
) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.write(".provcheck-cache/planted.sqlite", b"\0")
    repo.git("add", ".")
    repo.commit("dataset")
    repo.append("data/train.jsonl", jsonl([restricted(1)]))
    repo.env = {**repo.env, "PROVCHECK_CACHE_DIR": ".provcheck-cache"}
    out = repo.provcheck("scan", "--changed-since", "HEAD", "-q", code=6)
    assert "PROVCHECK_CACHE_DIR: the result cache .provcheck-cache holds files git tracks" in out.stderr
