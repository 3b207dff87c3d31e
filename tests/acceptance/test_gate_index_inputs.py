"""The files a reference index was built from are the gate's own, as its policy is.

FAIL-OPEN (left from earlier passes, fixed in the eleventh session). The documented CI job
(``docs/ci/github-actions.yml``) builds the index from the checkout's ``provenance/sources.yaml``
and the reference files it lists, then scans the pull request with ``--changed-since``. A pull
request that dropped a source from that manifest, or the copied lines from a reference file,
beside a copy of them was scanned against an index built from what it brings: the copy matched
nothing and the gate passed (exit 0). The index now records where each file and its manifest
were, and a change to them beside other paths is refused (exit 6) like a change to the policy;
on its own it lands, and what follows is judged by the index in force.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitrepo import BLOCK_POLICY, GitRepo, clean, isolated_env, jsonl, restricted
from helpers import REFERENCE_TEXTS

SHARE = "  - {path: share.jsonl, source: share, provider: openai, generator: gpt-3.5-turbo}\n"
OTHER_SOURCE = "  - {path: other.jsonl, source: other, provider: example}\n"
SOURCES = "sources:\n" + SHARE + OTHER_SOURCE
OTHER = (
    "Compost heaps need a balance of green and brown material, turned every week or two so that "
    "air reaches the middle; a heap kept as damp as a wrung-out sponge breaks down within months."
)


def _refs(texts: list[str]) -> str:
    return jsonl(
        {"id": f"r{i}", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": t}]}
        for i, t in enumerate(texts)
    )


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[GitRepo, str]:
    """A dataset repository whose index is built from its own ``provenance/``, as in CI."""
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", "index: .provcheck/index\npolicy: policy.yaml\ninclude: ['data/**']\n")
    repo.write(".gitignore", ".provcheck/\n")
    repo.write("provenance/sources.yaml", SOURCES)
    repo.write("provenance/share.jsonl", _refs(list(REFERENCE_TEXTS)))
    repo.write("provenance/other.jsonl", _refs([OTHER]))
    repo.write("data/train.jsonl", jsonl([clean(1)]))
    repo.git("add", ".")
    repo.commit("base", "--no-verify")
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("checkout", "-q", "-b", "pr")
    return repo, base


def _build(repo: GitRepo) -> None:
    """The CI job's step: the index of the checkout's manifest."""
    repo.provcheck("index", "build", ".provcheck/index", "--sources", "provenance/sources.yaml", "-q")


def _drop_copied_source(repo: GitRepo, how: str) -> str:
    if how == "manifest":
        repo.write("provenance/sources.yaml", "sources:\n" + OTHER_SOURCE)
        return "provenance/sources.yaml"
    texts = [t for i, t in enumerate(REFERENCE_TEXTS) if i != 1 % len(REFERENCE_TEXTS)]  # restricted(1)
    repo.write("provenance/share.jsonl", _refs(texts))
    return "provenance/share.jsonl"


@pytest.mark.parametrize("how", ["manifest", "reference-file"])
def test_a_pull_request_dropping_the_copied_source_beside_a_copy_is_refused(
    dataset: tuple[GitRepo, str], how: str
) -> None:
    repo, base = dataset
    changed = _drop_copied_source(repo, how)
    repo.write("data/new.jsonl", jsonl([restricted(1)]))
    repo.git("add", ".")
    repo.commit("drop a source and add data", "--no-verify")
    _build(repo)
    refused = repo.provcheck("scan", "--changed-since", base, "-q", code=6).stderr
    assert changed in refused and "on its own first" in refused


def test_the_manifest_change_on_its_own_lands_and_later_data_is_judged(dataset: tuple[GitRepo, str]) -> None:
    repo, base = dataset
    _build(repo)
    repo.write("data/new.jsonl", jsonl([restricted(1)]))
    repo.git("add", ".")
    repo.commit("data", "--no-verify")
    repo.provcheck("scan", "--changed-since", base, "-q", code=1)  # the copy blocks
    repo.git("reset", "-q", "--hard", base)
    _drop_copied_source(repo, "manifest")
    repo.git("add", ".")
    repo.commit("manifest on its own", "--no-verify")
    _build(repo)
    repo.provcheck("scan", "--changed-since", base, "-q", code=0)


def test_the_index_records_where_its_files_and_manifest_were(dataset: tuple[GitRepo, str]) -> None:
    repo, _ = dataset
    _build(repo)
    manifest = json.loads((repo.path / ".provcheck/index/manifest.json").read_text(encoding="utf-8"))
    files = [f for s in manifest["sources"].values() for f in s["files"]]
    top = repo.path.resolve()
    assert {Path(f["abspath"]).resolve() for f in files} == {
        top / "provenance/share.jsonl",
        top / "provenance/other.jsonl",
    }
    assert {Path(f["listed_in"]).resolve() for f in files} == {top / "provenance/sources.yaml"}


def test_the_hook_refuses_a_commit_editing_a_reference_file_beside_data(dataset: tuple[GitRepo, str]) -> None:
    repo, _ = dataset
    repo.git("checkout", "-q", "-")
    _build(repo)
    _drop_copied_source(repo, "reference-file")
    repo.write("data/new.jsonl", jsonl([restricted(1)]))
    repo.git("add", ".")
    refused = repo.provcheck("hook", "run", code=6).stderr
    assert "provenance/share.jsonl" in refused
