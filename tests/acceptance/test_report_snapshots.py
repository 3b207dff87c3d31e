"""Golden files: every format of the demo scan and of the hand-built sample, volatile fields masked.

A change to any report shows up here as a diff a reviewer reads. When the change is intended,
regenerate the files and commit them with it:

    PROVCHECK_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/acceptance/test_report_snapshots.py

Masked: times, tool and library versions, the build (commit, code digest), digests (index,
policy, each policy file, file sha256), the command line, the scan's duration, and the absolute
paths of the checkout and of pytest's temporary directory (``<ROOT>``, ``<TMP>``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest

from helpers import FIXTURES, ROOT, run_cli
from provcheck.api import use_origin
from provcheck.index import ReferenceIndex
from provcheck.model import BuildFacts, ScanResult
from provcheck.policy import UseLayer, load_policy, merge_use
from provcheck.report import OutputFormat, ReportContext, formatter
from provcheck.scan import engine
from provcheck.waivers import load_waivers
from report_samples import sample

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots" / "reports"
UPDATE = os.environ.get("PROVCHECK_UPDATE_SNAPSHOTS") == "1"
SUFFIX = {
    OutputFormat.TEXT: "txt",
    OutputFormat.JSON: "json",
    OutputFormat.HTML: "html",
    OutputFormat.SARIF: "sarif",
    OutputFormat.MARKDOWN: "md",
    OutputFormat.CSV: "csv",
    OutputFormat.JUNIT: "xml",
    OutputFormat.PDF: "print.html",
}
"""The PDF's golden file is the page it prints (the PDF itself carries Chromium's dates and
object ids); tests/acceptance/test_html_browser.py prints it and reads its text."""


def render(fmt: OutputFormat, result: ScanResult) -> str:
    """The report as text: for the PDF, the HTML written for print."""
    if fmt is OutputFormat.PDF:
        from provcheck.report.html.page import HtmlFormatter

        return HtmlFormatter(for_print=True).render(result, ReportContext())
    return formatter(fmt).render(result, ReportContext())


DEMO_COMMAND = [
    "provcheck",
    "scan",
    "fixtures/demo/dataset",
    "-i",
    "demo-index",
    "-p",
    "fixtures/demo/policy.yaml",
    "--waivers",
    "fixtures/demo/waivers.yaml",
]


BUILD = BuildFacts(
    "<code-sha256>", "editable", "file://<ROOT>", "<commit>", False, None, "<alignment>", "<matching-sha256>"
)
"""The build that wrote the demo report: its commit and code digest change with every commit."""


def mask_result(result: ScanResult) -> ScanResult:
    """The result with its volatile facts replaced by fixed placeholders."""
    run = replace(
        result.run,
        tool=replace(result.run.tool, version="<version>", build=BUILD),
        versions=dict.fromkeys(result.run.versions, "<version>"),
        started_at="<time>",
        finished_at="<time>",
        index=replace(
            result.run.index, digest="<digest>", created="<time>", updated="<time>", written_by="<tool>"
        ),
        policy=replace(
            result.run.policy,
            digest="<digest>",
            file_digests=tuple(replace(f, sha256="<sha256>") for f in result.run.policy.file_digests or ()),
        ),
        command=tuple(DEMO_COMMAND),
    )
    files = tuple(replace(f, sha256="<sha256>") for f in result.files)
    return replace(result, run=run, files=files, stats=replace(result.stats, seconds=1.0))


def mask_paths(text: str, tmp: Path) -> str:
    """Absolute paths of this checkout and of the temporary directory as placeholders."""
    for path, mark in ((tmp, "<TMP>"), (ROOT, "<ROOT>")):
        text = text.replace(quote(str(path)), mark).replace(str(path), mark)
    return text


def check_snapshot(name: str, text: str) -> None:
    """Compare with the golden file (or write it when PROVCHECK_UPDATE_SNAPSHOTS=1)."""
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        return
    if not path.exists():
        raise AssertionError(f"{path} is missing; create it with PROVCHECK_UPDATE_SNAPSHOTS=1")
    with open(path, encoding="utf-8", newline="") as fh:
        expected = fh.read()
    if text != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(keepends=True), text.splitlines(keepends=True), str(path), "now", n=1
                )
            )[:60]
        )
        raise AssertionError(
            f"{name} differs from its golden file; if the change is intended, run "
            f"PROVCHECK_UPDATE_SNAPSHOTS=1 .venv/bin/pytest {Path(__file__).relative_to(ROOT)} "
            f"and commit the files.\n{diff[:6000]}"
        )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScanResult, Path]:
    tmp = tmp_path_factory.mktemp("demo")
    index = tmp / "demo-index"
    run_cli(["index", "build", index, "--sources", FIXTURES / "demo" / "sources.yaml", "-q"])
    policy = load_policy(str(FIXTURES / "demo" / "policy.yaml"))
    # Paths relative to the checkout, as the README's demo command gives them: the text report
    # wraps long lines, so an absolute path would make the golden file depend on where the
    # checkout is.
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        result = engine.scan(
            [str((FIXTURES / "demo" / "dataset").relative_to(ROOT))],
            ReferenceIndex(str(index)),
            policy,
            policy.use,
            engine.ScanOptions(workers=1),
            waivers=load_waivers("fixtures/demo/waivers.yaml"),
            today=dt.date(2026, 11, 26),  # the waivers' expiry dates are judged on a fixed day
        )
    finally:
        os.chdir(here)
    run = replace(
        result.run,
        command=tuple(DEMO_COMMAND),
        fail_on=("block",),
        use_declared_by="policy",
        use_origin=use_origin(merge_use([UseLayer("policy", "policy.yaml", policy.use)])),
    )
    result = replace(result, run=run)
    return mask_result(result), tmp


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=lambda f: f.value)
def test_demo_scan_reports_match_their_golden_files(fmt: OutputFormat, demo: tuple[ScanResult, Path]) -> None:
    result, tmp = demo
    # The demo data's findings, as the README describes them: 5 matches, 2 declarations, 1 marker,
    # the card's apache-2.0 over rows copied from CC BY-NC material (a licence conflict), and the
    # same label over rows of OpenAI output, twice (gpt-3.5-turbo, text-davinci-003): info notes
    # that the label does not lift the generator's terms. Alpaca's research-only statement (its
    # README, in the catalogue since outside counsel 21, P8) adds three: the copied Alpaca row,
    # the card's source_datasets, and the card's licence over research-only rows. The same label
    # over DeepSeek's chat output adds one since trust 23: that output has no licence of its own
    # (the MIT the demo gave it is DeepSeek-R1's weights' licence), only the service's terms.
    assert len(result.findings) == 15
    text = render(fmt, result)
    check_snapshot(f"demo.{SUFFIX[fmt]}", mask_paths(text, tmp))


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=lambda f: f.value)
def test_sample_reports_match_their_golden_files(fmt: OutputFormat) -> None:
    check_snapshot(f"sample.{SUFFIX[fmt]}", render(fmt, sample()))


def test_every_golden_file_belongs_to_a_test() -> None:
    expected = {f"{kind}.{SUFFIX[f]}" for kind in ("demo", "sample") for f in OutputFormat}
    if UPDATE:
        for stale in {p.name for p in SNAPSHOTS.iterdir()} - expected:
            (SNAPSHOTS / stale).unlink()
    assert {p.name for p in SNAPSHOTS.iterdir()} == expected
