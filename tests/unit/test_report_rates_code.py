"""Which code measured the error rates every report states, and whether it is the code that ran
(outside counsel 21, P6): "Measured with provcheck 0.1.0" named every commit between two
releases, so it could not show that the figures describe the scan."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import replace

from helpers import ROOT
from provcheck.model import ABSENT, BuildFacts
from provcheck.report.method import measured, measured_code, rates_paragraph

RAN = BuildFacts("a" * 64, "editable", "file:///src", "c" * 40, False, None)


def test_method_json_records_the_measuring_code_or_says_it_is_not_recorded() -> None:
    raw = json.loads((ROOT / "src/provcheck/report/method.json").read_text(encoding="utf-8"))
    code = raw["benchmark"]["code"]
    m = measured()
    assert (m.code_sha256, m.commit) == (code["code_sha256"], code["commit"])
    if m.code_sha256 is None:  # today's figures: measured before the code was recorded
        assert len(code["why_not_recorded"]) > 20 and m.code_unrecorded == code["why_not_recorded"]


def test_unrecorded_measuring_code_is_said_with_the_code_that_ran() -> None:
    m = replace(
        measured(), code_sha256=None, matching_sha256=None, commit=None, code_unrecorded="measured before"
    )
    line = measured_code(m, RAN)
    assert "on code not recorded: measured before" in line
    assert f"this scan ran code {'a' * 12} (commit {'c' * 12})" in line
    assert "cannot be told" in line and "the same code" not in line
    assert "this scan's code is not recorded" in measured_code(m, ABSENT)


def test_the_same_code_is_said_to_be_the_same() -> None:
    m = replace(measured(), code_sha256="a" * 64, matching_sha256=None, commit="c" * 40)
    assert measured_code(m, RAN).endswith(
        f"on code {'a' * 12} (commit {'c' * 12}); this scan ran the same code."
    )


def test_other_code_is_said_to_have_changed_since() -> None:
    m = replace(measured(), code_sha256="b" * 64, matching_sha256=None, commit="d" * 40)
    line = measured_code(m, replace(RAN, dirty=True))
    assert f"on code {'b' * 12} (commit {'d' * 12})" in line
    assert f"this scan ran code {'a' * 12} (commit {'c' * 12}, with uncommitted changes" in line
    assert "The code has changed since these figures were measured" in line
    assert f"git diff {'d' * 12} {'c' * 12} -- src/provcheck" in line
    # A scan whose digest is not recorded: neither same nor changed.
    unknown = measured_code(m, replace(RAN, code_sha256=None))
    assert "cannot be told" in unknown and "changed" not in unknown and "same code" not in unknown


def test_the_paragraph_gives_rates_what_they_were_measured_on_and_limits() -> None:
    m = measured()
    text = rates_paragraph(m, RAN, [])
    low = min(r.can_block or 1.0 for r in m.recall)
    assert "copies that can block (" in text and f"{low:.1%}" in text
    assert f"{min(r.recall for r in m.recall):.1%}–" in text
    assert f"{m.false_positive_rate:.2%} ({m.false_positives:,} of {m.negatives:,} " in text
    assert m.negatives_description in text
    for limit in (
        "paraphrase (",
        "translation (",
        "copies edited throughout (",
        "sources not in the index (",
    ):
        assert limit in text, limit
    # Which code ran beside which measured (RAN records no matching-code digest).
    assert "this scan ran code" in text or "this scan's matching code is not recorded" in text
    changed = rates_paragraph(m, RAN, ["min_tokens 40 (default 25)"])
    assert "did not use the default thresholds (min_tokens 40 (default 25))" in changed


def test_the_detection_benchmark_records_the_code_of_the_scan_it_measured() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("detection_bench", ROOT / "benchmarks/detection.py")
        assert spec is not None and spec.loader is not None
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    build = {
        "code_sha256": "e" * 64,
        "matching_sha256": "a" * 64,
        "commit": "f" * 40,
        "dirty": False,
        "install": "editable",
    }
    report = {"run": {"tool": {"build": build}}}
    assert bench.measuring_code(report) == {
        "code_sha256": "e" * 64,
        "matching_sha256": "a" * 64,  # what reports compare (trust 23)
        "commit": "f" * 40,
        "dirty": False,
    }
