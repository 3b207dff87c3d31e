"""The counsel-facing reports decidable and signable (third pass): which build of provcheck wrote
a report, each policy file's own digest, what is known of an undated clause's date, and source
names whole in print.

The case is built through the command line: the demo's references under long source names (one
with a 26-letter word), a dataset that copies them, the shipped packs (the CC BY-NC 4.0 clause
among them) and a policy that includes a pack of its own.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import json
import os
import re
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

import pytest

import provcheck
from helpers import FIXTURES, ROOT, run_cli
from provcheck.report.clauses import CONFIDENCE

LONG = {
    "sharegpt-dump": "sharegpt-vicuna-unfiltered-conversations",
    "alpaca-style-nc": "alpacaeval-gpt4turbo-outputs-noncommercial",
    "deepseek-chat-outputs": "deepseek-chat-outputs-from-the-api",
}
DECLARED = "acmeresearch/instruction-tuning-conversations"
"""A dataset the card says it draws on, named as Hugging Face names datasets."""
PACK = """version: 1
name: Acme additions
markers:
  - id: acme-phrase
    label: Acme phrase
    pattern: "(?i)as acme's assistant"
"""


def _renamed(text: str) -> str:
    for old, new in LONG.items():
        text = text.replace(old, new)
    return text


def build_case(root: Path) -> dict[str, Path]:
    demo = FIXTURES / "demo"
    shutil.copytree(demo / "references", root / "references")
    shutil.copytree(demo / "dataset", root / "dataset")
    card = root / "dataset" / "README.md"
    card.write_text(
        card.read_text(encoding="utf-8").replace(
            "  - tatsu-lab/alpaca\n", f"  - tatsu-lab/alpaca\n  - {DECLARED}\n"
        ),
        encoding="utf-8",
    )
    (root / "sources.yaml").write_text(
        _renamed((demo / "sources.yaml").read_text(encoding="utf-8")), encoding="utf-8"
    )
    (root / "acme.yaml").write_text(PACK, encoding="utf-8")
    policy = _renamed((demo / "policy.yaml").read_text(encoding="utf-8"))
    policy = policy.replace("include: [provcheck:default]", "include: [provcheck:default, acme.yaml]")
    (root / "policy.yaml").write_text(policy, encoding="utf-8")
    run_cli(["index", "build", root / "index", "--sources", root / "sources.yaml", "--quiet"])
    return {"root": root, "index": root / "index", "data": root / "dataset", "policy": root / "policy.yaml"}


FORMATS = ("html", "text", "markdown", "json")


def scan(case: dict[str, Path], out: Path, *extra: Any) -> dict[str, str]:
    out.mkdir(exist_ok=True)
    paths = {fmt: out / f"report.{fmt}" for fmt in FORMATS}
    args: list[Any] = ["scan", case["data"], "--index", case["index"], "--policy", case["policy"], "-q"]
    for fmt, path in paths.items():
        args += ["-f", fmt, "-o", path]
    run_cli([*args, *extra], 1)
    return {fmt: path.read_text(encoding="utf-8") for fmt, path in paths.items()}


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_case(tmp_path_factory.mktemp("counsel11"))


@pytest.fixture(scope="module")
def reports(case: dict[str, Path]) -> dict[str, str]:
    return scan(case, case["root"] / "out")


def _words(markup: str) -> str:
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def _section(page: str, start: str, end: str) -> str:
    at = page.index(start)
    return page[at : page.index(end, at)]


def _code_digest(package: Path) -> str:
    """The recipe docs/report.md publishes, written out again here."""
    lines = []
    for path in package.rglob("*"):
        compiled = path.name.endswith(tuple(EXTENSION_SUFFIXES))
        if (
            path.is_file()
            and "__pycache__" not in path.parts
            and path.suffix not in (".pyc", ".pyo")
            and not compiled
        ):
            rel = path.relative_to(package).as_posix()
            lines.append(f"{rel}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n")
    return hashlib.sha256("".join(sorted(lines)).encode()).hexdigest()


def _git(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, env=env, check=True
    ).stdout


# --- 1. the build that wrote the report --------------------------------------------------------


def test_the_report_names_the_commit_and_the_code_digest_of_the_build_that_wrote_it(
    reports: dict[str, str],
) -> None:
    # "provcheck 0.1.0" named every checkout and every edit since the version was set.
    build = json.loads(reports["json"])["tool"]["build"]
    package = Path(provcheck.__file__).resolve().parent
    assert build["code_sha256"] == _code_digest(package)
    if (ROOT / ".git").exists():
        assert build["commit"] == _git("rev-parse", "HEAD").strip()
        package_dir = str(package.relative_to(ROOT)) if package.is_relative_to(ROOT) else "."
        dirty = bool(_git("status", "--porcelain", "--untracked-files=all", "--", package_dir).strip())
        assert build["dirty"] is dirty
        assert build["install"] in ("editable", "source") and build["unknown"] is None
    wanted = [build["code_sha256"], build["commit"] or "commit not recorded"]
    manifest = _words(_section(reports["html"], '<section id="manifest">', "<h3>Dataset files"))
    facts = _words(_section(reports["html"], "<h3>Facts the decision rests on", "</dl>"))
    text_last = reports["text"].strip().splitlines()[-1]
    footer = reports["markdown"].strip().splitlines()[-3]
    for where, shown in (
        ("manifest", manifest),
        ("decision facts", facts),
        ("text", text_last),
        ("md", footer),
    ):
        for value in wanted:
            assert value in shown, (where, value, shown[:600])


def test_version_prints_the_build_the_reports_record(reports: dict[str, str]) -> None:
    out = run_cli(["--version"]).stdout
    build = json.loads(reports["json"])["tool"]["build"]
    assert out.startswith(f"provcheck, version {provcheck.__version__}\n")
    assert f"code sha256 {build['code_sha256']}" in out


def test_outside_a_checkout_the_commit_is_said_to_be_unknown_and_why(tmp_path: Path) -> None:
    # A copy of the package that is no git checkout and not the one pip installed: the commit
    # cannot be determined, and the record says so instead of leaving it out.
    copy = tmp_path / "copy"
    shutil.copytree(
        Path(provcheck.__file__).resolve().parent,
        copy / "provcheck",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    code = (
        "import json, dataclasses, provcheck; from provcheck.scan.build import build_facts; "
        "print(json.dumps([provcheck.__file__, dataclasses.asdict(build_facts())]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(PYTHONPATH=str(copy), GIT_CEILING_DIRECTORIES=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=copy, check=True
    )
    where, build = json.loads(done.stdout)
    assert Path(where).parent == copy / "provcheck"
    assert build["commit"] is None and build["dirty"] is None
    assert build["install"] == "source" and build["origin"] == str(copy)
    assert build["unknown"].startswith("not read from git (")
    assert build["code_sha256"] == _code_digest(copy / "provcheck")


def _installed_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: dict[str, Any] | None) -> Any:
    """build_facts() of a copy of the package with a dist-info beside it, as pip lays one out."""
    from provcheck.scan import build as b

    site = tmp_path / "site"
    shutil.copytree(
        Path(provcheck.__file__).resolve().parent,
        site / "provcheck",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    info = site / f"provcheck-{provcheck.__version__}.dist-info"
    info.mkdir()
    if direct is not None:
        (info / "direct_url.json").write_text(json.dumps(direct), encoding="utf-8")
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    monkeypatch.setattr(b.provcheck, "__file__", str(site / "provcheck" / "__init__.py"))
    return b.build_facts()


def test_an_install_pip_recorded_without_a_commit_says_the_code_digest_identifies_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = _installed_copy(tmp_path, monkeypatch, {"url": "file:///src/provcheck", "dir_info": {}})
    assert (facts.install, facts.origin, facts.commit, facts.dirty) == (
        "directory",
        "file:///src/provcheck",
        None,
        None,
    )
    assert facts.code_sha256 == _code_digest(tmp_path / "site" / "provcheck")
    assert (
        "commit not recorded: pip records no commit for an install from a local directory" in facts.describe()
    )


def test_an_install_from_a_repository_names_the_commit_pip_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    direct = {"url": "https://example.org/provcheck.git", "vcs_info": {"vcs": "git", "commit_id": "ab" * 20}}
    facts = _installed_copy(tmp_path, monkeypatch, direct)
    assert (facts.install, facts.commit, facts.dirty) == ("vcs", "ab" * 20, None)


def test_an_install_from_an_index_says_no_commit_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = _installed_copy(tmp_path, monkeypatch, None)
    assert (facts.install, facts.commit) == ("index", None)
    assert "package index, which records no commit" in facts.describe()


# --- 2. each policy file with its own digest ---------------------------------------------------


def test_every_policy_file_carries_its_own_path_and_sha256(
    case: dict[str, Path], reports: dict[str, str]
) -> None:
    policy = json.loads(reports["json"])["run"]["policy"]
    listed = policy["file_digests"]
    assert [f["path"] for f in listed] == policy["files"]
    assert len(listed) >= 3  # the policy, its own pack, the shipped packs
    for f in listed:
        assert f["sha256"] == hashlib.sha256(Path(f["path"]).read_bytes()).hexdigest(), f["path"]
    assert any(f["path"].endswith("acme.yaml") for f in listed)
    manifest = _words(_section(reports["html"], '<section id="manifest">', "<h3>Dataset files"))
    facts = _words(_section(reports["html"], "<h3>Facts the decision rests on", "</dl>"))
    for shown in (manifest.replace(" :", ":"), facts.replace(" :", ":"), reports["markdown"]):
        for f in listed:
            # A shipped pack says so after its path (test_counsel17.py).
            said = re.escape(f["path"]) + r"( \(shipped with provcheck [^)]+\))?: sha256 " + f["sha256"]
            assert re.search(said, shown), f["path"]


def test_a_changed_pack_changes_its_own_digest_only(case: dict[str, Path], tmp_path: Path) -> None:
    before = json.loads(scan(case, tmp_path / "a")["json"])["run"]["policy"]["file_digests"]
    pack = case["root"] / "acme.yaml"
    original = pack.read_text(encoding="utf-8")
    try:
        pack.write_text(original.replace("Acme phrase", "Acme phrase (v2)"), encoding="utf-8")
        after = json.loads(scan(case, tmp_path / "b")["json"])["run"]["policy"]["file_digests"]
    finally:
        pack.write_text(original, encoding="utf-8")
    changed = [a["path"] for a, b in zip(before, after, strict=True) if a["sha256"] != b["sha256"]]
    assert changed == [str(pack)]


# --- 3. what is known of a clause's date ----------------------------------------------------------


def test_a_creative_commons_clause_states_its_version_and_what_is_known_of_its_date(
    reports: dict[str, str],
) -> None:
    doc = json.loads(reports["json"])
    cc = [
        f["clause"]
        for f in doc["findings"]
        if ((f["clause"] or {}).get("url") or "").endswith("by-nc/4.0/legalcode")
    ]
    assert cc
    for clause in cc:
        assert clause["effective"] is None and clause["version"] == "4.0"
        assert "names its version and no date" in clause["date_note"]
        assert "when the source was made available under CC BY-NC 4.0" in clause["date_note"]
    page, text = _words(reports["html"]), re.sub(r"\s+", " ", reports["text"])
    assert "section 1(g); 1(i); 2(a)(1); 2(a)(2) · version 4.0, no effective date · https://" in page
    assert f"Date: {cc[0]['date_note']}" in page
    assert "section 1(g); 1(i); 2(a)(1); 2(a)(2), version 4.0, no effective date, https://" in text
    assert (
        f"quote confidence V-P ({CONFIDENCE['V-P']}), wording from a copy dated 2023-05-29; "
        f"date: {cc[0]['date_note']}" in text
    )  # counsel18
    # The CC clause never reads "effective date not recorded" (Alpaca's README, cited since counsel
    # 21 for research-only findings, has no effective date on record and says so).
    alpaca = (
        "Stanford Alpaca README (data licence statement) · section not recorded (find the quoted "
        "words in the document) · effective date not recorded"
    )
    assert page.count("effective date not recorded") == page.count(alpaca)


def test_a_clause_with_no_date_says_what_that_means(tmp_path: Path) -> None:
    # An inline clause without 'effective': the report said "effective date not recorded" and
    # left counsel to work out what follows from it.
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "version: 1\nrules:\n  - id: any-copy\n    title: Any copy\n    action: review\n"
        "    when: {match.kind: near-duplicate}\n"
        "    clause: {document: House rules, quote: No copies.}\n",
        encoding="utf-8",
    )
    case = build_case(tmp_path / "c")
    case["policy"] = policy
    out = scan_any(case, tmp_path / "out")
    for fmt in ("html", "text"):
        flat = _words(out[fmt]) if fmt == "html" else re.sub(r"\s+", " ", out[fmt])
        said = "date: the policy gives no date for this wording, so this report cannot show that it was"
        assert "effective date not recorded" in flat and said in flat.replace("Date:", "date:")


def scan_any(case: dict[str, Path], out: Path) -> dict[str, str]:
    out.mkdir(exist_ok=True)
    args: list[Any] = ["scan", case["data"], "--index", case["index"], "--policy", case["policy"], "-q"]
    for fmt in ("html", "text"):
        args += ["-f", fmt, "-o", out / f"r.{fmt}"]
    run_cli(args, 4)  # no finding blocks; the demo's unreadable record makes the scan incomplete
    return {fmt: (out / f"r.{fmt}").read_text(encoding="utf-8") for fmt in ("html", "text")}


def test_a_date_note_beside_an_effective_date_is_refused(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "version: 1\nterms:\n  t:\n    document: T\n    versions:\n"
        "      - effective: 2024-01-01\n        date_note: undated\n"
        "        clauses: {c: {quote: Q}}\n"
        "rules:\n  - id: r\n    title: R\n    action: review\n    when: {match.kind: near-duplicate}\n"
        "    clause: {terms: t, clause: c}\n",
        encoding="utf-8",
    )
    out = run_cli(["policy", "validate", policy], 3)
    assert (
        f"{policy}:7: terms 't': 'date_note' says what is known of the date of a version without 'effective'"
        in out.stderr
    )


# --- 4. source names whole in print ---------------------------------------------------------------


WIDER_THAN_THE_PAGE = """() => { const w = document.documentElement.clientWidth;
  return [...document.querySelectorAll("table, section")].filter((e) => e.checkVisibility()
    && e.getBoundingClientRect().right > w + 1).map((e) => `${e.tagName}.${e.className}#${e.id}`); }"""


@pytest.mark.browser
@pytest.mark.slow
def test_the_printed_report_fits_the_page_and_never_breaks_a_source_name_inside_a_word(
    case: dict[str, Path], tmp_path: Path
) -> None:
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    chromium = os.environ.get("PROVCHECK_CHROMIUM", "/usr/bin/chromium")
    if shutil.which(chromium) is None:
        pytest.skip(f"Chromium not found at {chromium} (apt-get install chromium, or set PROVCHECK_CHROMIUM)")
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    pdf, page_file = tmp_path / "r.pdf", tmp_path / "r.html"
    args = ["scan", case["data"], "--index", case["index"], "--policy", case["policy"], "-q"]
    run_cli([*args, "-f", "pdf", "-o", pdf, "-f", "html", "-o", page_file], 1)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 703, "height": 1000})  # A4 less the margins
            page.emulate_media(media="print")
            page.goto(page_file.as_uri(), wait_until="load")
            # Wider than the page, Chromium shrank the whole printed document to fit (the
            # sources and records tables of this case printed at two thirds of their size).
            wide = page.evaluate(WIDER_THAN_THE_PAGE)
        finally:
            browser.close()
    assert wide == [], wide
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', bbox)[1])  # type: ignore[index]
    right = [float(x) for x in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', bbox)]
    # Nothing runs into the right margin (12 mm, 34 pt) or off the page: a table wider than the
    # page was cut ("BLO" for BLOCK) or shrunk.
    assert right and max(right) <= width - 20, (max(right), width)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    broken = set()
    # The badges too: "BL / OC / K" once they were narrowed to fit.
    for name in (*LONG.values(), DECLARED, "BLOCK", "REVIEW"):
        assert name in text
        for k in range(1, len(name)):
            if name[k - 1].isalnum() and name[k].isalnum():
                for m in re.finditer(re.escape(name[:k]) + r"\s+" + re.escape(name[k:]), text):
                    broken.add(m[0])
    assert not broken, sorted(broken)


# --- fresh read of the demo report ----------------------------------------------------------------


def test_the_decision_asked_leaves_out_what_was_not_scanned(reports: dict[str, str]) -> None:
    # The demo's sft_mix.jsonl has an unreadable record: "Approve: yes, as scanned" covered "the
    # dataset files listed, with their digests", which hold that record, read by no rule.
    question = _words(_section(reports["html"], "<p class='question'>", "</p>"))
    assert "It does not cover what was not scanned (listed under Not scanned below)" in question
    facts = _words(_section(reports["html"], "<h3>Facts the decision rests on", "</dl>"))
    assert "Not scanned 1 unreadable file(s) or record(s)" in facts
