"""``scan.build.build_facts_started``: the build facts a scan records, computed in a background
thread while it scans, are those ``build_facts()`` gives, and its failure is the caller's."""

from __future__ import annotations

import threading

import pytest

from provcheck.scan import build


def test_the_started_facts_are_build_facts() -> None:
    assert build.build_facts_started()() == build.build_facts()


def test_they_are_computed_in_another_thread_while_the_caller_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    where: list[str] = []
    real = build.build_facts

    def slow() -> build.BuildFacts:
        where.append(threading.current_thread().name)
        release.wait(10)
        return real()

    monkeypatch.setattr(build, "build_facts", slow)
    result = build.build_facts_started()  # returns at once: the caller is not kept waiting
    release.set()
    assert result() == real()
    assert where == ["provcheck-build"]


def test_what_it_raised_is_raised_where_the_facts_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> build.BuildFacts:
        raise OSError("the package's folder went away")

    monkeypatch.setattr(build, "build_facts", broken)
    result = build.build_facts_started()
    with pytest.raises(OSError, match="went away"):
        result()


def test_a_run_that_is_recorded_reads_its_build_and_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    from provcheck.scan import facts

    monkeypatch.setattr(build, "build_facts", lambda: "the build")
    tool, versions = facts.tool_facts_started(True)()
    assert tool.build == "the build"
    assert versions == facts.versions()


def test_a_hook_run_whose_record_is_not_written_reads_neither(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hook prints its verdict and writes no run record: the build's ``git status`` and the
    hash of the package's files, and the libraries' versions, are not read for it."""
    from provcheck.model import ABSENT
    from provcheck.scan import facts

    def forbidden() -> dict[str, str]:
        raise AssertionError("read for a record that is not written")

    monkeypatch.setattr(build, "build_facts_started", forbidden)
    monkeypatch.setattr(facts, "versions", forbidden)
    tool, versions = facts.tool_facts_started(False)()
    assert (tool.name, tool.build, versions) == ("provcheck", ABSENT, {})
