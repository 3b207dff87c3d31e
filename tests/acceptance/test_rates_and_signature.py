"""Outside counsel read 21: every report states the error rates with the code that measured them
(P6), and the printed decision block keeps its signature with what it signs (P13).

Built through the command line on the demo (``make demo``'s index, policy and waivers).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import provcheck
from helpers import FIXTURES, run_cli
from provcheck.report.method import measured

DEMO = FIXTURES / "demo"
LIMITS = ("paraphrase (", "translation (", "copies edited throughout (", "sources not in the index (")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rates") / "index"
    run_cli(["index", "build", path, "--sources", DEMO / "sources.yaml", "--quiet"])
    return path


def _scan(index: Path, out: Path, *extra: Any) -> None:
    run_cli(
        [
            "scan", DEMO / "dataset", "--index", index, "--policy", DEMO / "policy.yaml",
            "--waivers", DEMO / "waivers.yaml", "-q", *extra,
        ],
        1,
    )  # fmt: skip


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_text_and_markdown_give_the_rates_what_they_were_measured_on_and_the_limits(
    index: Path, tmp_path: Path
) -> None:
    txt, md, html = tmp_path / "r.txt", tmp_path / "r.md", tmp_path / "r.html"
    doc = tmp_path / "r.json"
    _scan(index, txt, "-f", "text", "-o", txt, "-f", "markdown", "-o", md, "-f", "json", "-o", doc,
          "-f", "html", "-o", html)  # fmt: skip
    build = json.loads(doc.read_text())["run"]["tool"]["build"]
    m = measured()
    low = min(r.can_block or 1.0 for r in m.recall)
    for path in (txt, md):
        text = _flat(path.read_text(encoding="utf-8"))
        assert "Error rates of the method: copies that can block" in text, path
        assert f"{low:.1%}–" in text and f"{min(r.recall for r in m.recall):.1%}–100.0%" in text
        assert (
            "false-positive rate" in text
            and f"{m.false_positive_rate:.2%} ({m.false_positives:,} of " in text
        )
        for limit in (
            "paraphrase (",
            "translation (",
            "copies edited throughout (",
            "sources not in the index (",
        ):
            assert limit in text, (path, limit)
        assert "does not prove that the data was written by people" in text
        # Which code ran beside which measured: the version label alone named every commit.
        if m.matching_sha256 is None:
            assert f"this scan ran code {build['code_sha256'][:12]} (commit {build['commit'][:12]}" in text
            assert "on code not recorded" in text and "cannot be told" in text
        elif m.matching_sha256 == build["matching_sha256"]:  # the figures of this checkout's code
            assert f"on matching code {m.matching_sha256[:12]}" in text
            assert "this scan ran the same matching code" in text
        else:
            assert f"this scan ran matching code {build['matching_sha256'][:12]}" in text
            assert "The matching code has changed since these figures were measured" in text
    page = _flat(html.read_text(encoding="utf-8"))
    assert "Measured with provcheck" not in page
    said = (
        "on code not recorded" if m.matching_sha256 is None else f"on matching code {m.matching_sha256[:12]}"
    )
    assert page.count(said) == 2  # summary, method


@pytest.mark.browser
@pytest.mark.slow
def test_the_printed_signature_stays_with_the_decision_and_names_the_report(
    index: Path, tmp_path: Path
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    from provcheck.report.pdf import chromium_path

    try:
        chromium_path()
    except Exception:
        pytest.skip("Chromium not installed")
    decision = tmp_path / "dec.yaml"
    decision.write_text(
        "decision: approve-with-conditions\nconditions: [Trace sft_mix.jsonl to its origin first.]\n"
        "name: Jane Doe\nrole: Product counsel\ndate: 2026-12-07\n",
        encoding="utf-8",
    )
    for name, extra in (("blank", ()), ("filled", ("--decision", decision))):
        pdf = tmp_path / f"{name}.pdf"
        _scan(index, pdf, "-f", "pdf", "-o", pdf, "-f", "json", "-o", tmp_path / f"{name}.json", *extra)
        pages = subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        pages_of = pages.split("\f")
        signed = [i for i, p in enumerate(pages_of) if re.search(r"^Signature\b", p, re.M)]
        assert len(signed) == 1, name
        page = _flat(pages_of[signed[0]])
        # The choices (or the decision made), its conditions and the names are on the page
        # signed: the demo's signature part fell on the page after "Approve / Reject / Conditions".
        words = ("Approve with conditions", "Reject") if name == "blank" else ("Trace sft_mix.jsonl",)
        for word in (*words, "Conditions", "Name", "Role", "Date"):
            assert word in page, (name, word)
        ident = json.loads((tmp_path / f"{name}.json").read_text())["report"]
        assert f"Signature, for report {ident['id']} (digest {ident['digest']})" in page, name


def test_the_decision_block_keeps_its_signing_part_whole_in_print() -> None:
    css = (Path(provcheck.__file__).parent / "report/html/report.css").read_text(encoding="utf-8")
    assert re.search(r"section\.decision \.sign-part \{ break-inside: avoid; \}", css)


@pytest.mark.browser
@pytest.mark.slow
def test_the_signing_part_is_never_split_whatever_the_paths_length(index: Path, tmp_path: Path) -> None:
    """The facts above the signing part name the dataset's files by path, so their length moves
    where the page breaks: with the demo under one path in ten, Chromium split the signing part's
    grid despite ``break-inside: avoid`` and the signature stood on the page after the choices
    (a fresh clone's ``make test`` under /tmp). The part is now monolithic in print."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    from provcheck.report.pdf import chromium_path

    try:
        chromium_path()
    except Exception:
        pytest.skip("Chromium not installed")
    for n in range(0, 48, 4):
        root = tmp_path / ("x" * n or "y") / "demo"
        shutil.copytree(DEMO, root)
        pdf = root.parent / "r.pdf"
        args: list[Any] = ["scan", root / "dataset", "--index", index, "--policy", root / "policy.yaml"]
        run_cli([*args, "--waivers", root / "waivers.yaml", "-q", "-f", "pdf", "-o", pdf], 1)
        pages = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True)
        (signed,) = [p for p in pages.stdout.split("\f") if re.search(r"^Signature\b", p, re.M)]
        for word in ("Approve with conditions", "Reject", "Conditions", "Name", "Role", "Date"):
            assert word in signed, (n, word)
