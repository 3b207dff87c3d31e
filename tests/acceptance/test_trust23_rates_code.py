"""Trust 23, item 1: the measured error rates are compared with this scan's *matching* code.

``method.json`` records the code that measured the figures every report states. It recorded the
digest of the whole package, which covers ``method.json`` itself: once figures were copied in,
the build shipping them differed from the one that measured them, and every later report said
the code "changed since". The comparison is now by ``tool.build.matching_sha256``, a digest of
the files whose change can change a detection figure (``support/matchcode.py``, one list).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import provcheck
from helpers import REFERENCE_TEXTS, run_cli, write_jsonl
from provcheck.report.method import measured, measured_code
from provcheck.scan.build import build_facts, code_digest, matching_digest
from provcheck.support.matchcode import MEASURED_CODE, is_measured


def _package(root: Path) -> Path:
    package = root / "provcheck"
    for rel, text in {
        "__init__.py": "VERSION = 1\n",
        "matching/verify.py": "MIN = 25\n",
        "matching/_align.c": "int f(void) { return 1; }\n",
        "index/store.py": "OPEN = 1\n",
        "scan/match.py": "CANDIDATES = 8\n",
        "scan/cache.py": "FLUSH = 1\n",
        "inputs/schemas/chat.py": "ROLES = ()\n",
        "inputs/csv.py": "DELIM = ','\n",
        "report/method.json": '{"false_positives": 1}\n',
        "report/text.py": "WIDTH = 80\n",
        "policy/evaluate.py": "RULES = ()\n",
    }.items():
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_text(text, encoding="utf-8")
    return package


def test_a_change_to_matching_code_changes_the_matching_digest_and_a_formatter_does_not(
    tmp_path: Path,
) -> None:
    package = _package(tmp_path)
    before = matching_digest(package), code_digest(package)
    assert before[0] is not None and before[0] != before[1]
    # Newly copied figures, a report's wording, a policy, a container reader, the cache: the
    # package's digest changes, the matching code's does not.
    for rel, text in (
        ("report/method.json", '{"false_positives": 2}\n'),
        ("report/text.py", "WIDTH = 100\n"),
        ("policy/evaluate.py", "RULES = (1,)\n"),
        ("inputs/csv.py", "DELIM = ';'\n"),
        ("scan/cache.py", "FLUSH = 2\n"),
    ):
        (package / rel).write_text(text, encoding="utf-8")
        assert matching_digest(package) == before[0], rel
        assert code_digest(package) != before[1], rel
        before = before[0], code_digest(package)
    # Every file that can change a figure changes it, the C sources and a new module included.
    seen = {before[0]}
    for rel, text in (
        ("matching/verify.py", "MIN = 30\n"),
        ("matching/_align.c", "int f(void) { return 2; }\n"),
        ("index/store.py", "OPEN = 2\n"),
        ("scan/match.py", "CANDIDATES = 9\n"),
        ("inputs/schemas/chat.py", "ROLES = ('gpt',)\n"),
        ("matching/new_route.py", "ROUTE = 1\n"),
    ):
        (package / rel).write_text(text, encoding="utf-8")
        digest = matching_digest(package)
        assert digest not in seen, rel
        seen.add(digest)


def test_the_list_names_files_that_exist_and_leaves_reports_out() -> None:
    package = Path(provcheck.__file__).resolve().parent
    for entry in MEASURED_CODE:
        assert (package / entry).exists(), entry
    assert is_measured("matching/_align.c") and is_measured("scan/match.py")
    assert not is_measured("report/method.json") and not is_measured("report/html/page.py")
    assert not is_measured("scan/matching.py") and not is_measured("matchingx/a.py")


def test_a_report_with_figures_of_this_matching_code_says_it_ran_the_same_code() -> None:
    """The figures' build and this one differ by method.json (and anything else outside the
    matching code): the old comparison said "changed since" of every report."""
    ran = build_facts()
    assert ran.matching_sha256 is not None and ran.matching_sha256 != ran.code_sha256
    m = replace(
        measured(), code_sha256="0" * 64, matching_sha256=ran.matching_sha256, commit="d" * 40, dirty=False
    )
    line = measured_code(m, ran)
    assert f"on matching code {ran.matching_sha256[:12]} (commit {'d' * 12})" in line
    assert "this scan ran the same matching code" in line and "changed" not in line
    # Other matching code: said, with the diff over the matching paths only.
    other = measured_code(replace(m, matching_sha256="b" * 64), replace(ran, commit="c" * 40))
    assert "The matching code has changed since these figures were measured" in other
    assert f"git diff {'d' * 12} {'c' * 12} -- src/provcheck/matching src/provcheck/index" in other
    assert "src/provcheck/report" not in other
    # A scan whose matching digest is not recorded: neither same nor changed.
    unknown = measured_code(m, replace(ran, matching_sha256=None))
    assert "cannot be told" in unknown and "changed" not in unknown and "same" not in unknown


def test_figures_not_recorded_keep_their_wording() -> None:
    m = measured()
    if m.matching_sha256 is None and m.code_sha256 is None:
        line = measured_code(m, build_facts())
        assert "on code not recorded: " in line and "cannot be told" in line


def test_the_scan_records_its_matching_digest(tmp_path: Path, index_dir: Path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "text": REFERENCE_TEXTS[0]}])
    out = tmp_path / "r.json"
    run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", "-f", "json", "-o", out], code=0)
    build = json.loads(out.read_text(encoding="utf-8"))["run"]["tool"]["build"]
    package = Path(provcheck.__file__).resolve().parent
    assert build["matching_sha256"] == matching_digest(package)
    assert build["code_sha256"] == code_digest(package) != build["matching_sha256"]
