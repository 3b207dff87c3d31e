"""The measured error rates the HTML report states come from the detection benchmark."""

from __future__ import annotations

from helpers import ROOT
from provcheck.report.method import measured


def test_method_figures_name_the_benchmark_that_measured_them() -> None:
    m = measured()
    bench = (ROOT / "benchmarks" / "detection.py").read_text(encoding="utf-8")
    assert m.command.startswith("python benchmarks/detection.py")
    for option in m.command.split()[2:]:
        if option.startswith("--"):
            assert f'"{option}"' in bench, f"{option} is not an option of benchmarks/detection.py"
    # Every edit kind the benchmark measures is reported, and nothing else.
    kinds = [r.kind for r in m.recall]
    assert len(kinds) == len(set(kinds)) == 15  # the 12 kinds with targets, and 3 more
    for kind in kinds:
        assert f'"{kind}"' in bench, kind
    assert all(0.0 <= r.recall <= 1.0 for r in m.recall)
    assert 0 <= m.false_positives <= m.negatives and m.negatives > 0
    assert 0.0 <= m.false_positive_rate < 0.01


def test_same_prompt_figures_state_both_sets_and_every_index_size() -> None:
    m = measured()
    assert m.same_prompt_command.startswith("python benchmarks/precision.py")
    assert {k for k, _ in m.same_prompt_sets} == {"a", "b"}
    assert all(len(v) > 40 for _, v in m.same_prompt_sets)  # a definition, not a label
    sizes = {(r.refs, r.set) for r in m.same_prompt}
    assert sizes == {(n, s) for n in ("1", "10", "100+") for s in ("a", "b")}
    assert all(0 <= r.blocking <= r.matched <= r.records for r in m.same_prompt)


def test_the_html_method_section_shows_calibration() -> None:
    from provcheck.matching.calibration import RELIABILITY
    from provcheck.report.html.page import _same_prompt

    html = _same_prompt(measured())
    assert "Independent answers to the same prompts" in html and "Strength of a match" in html
    assert RELIABILITY and all(f">{r['bin']}<" in html for r in RELIABILITY)


def test_every_same_prompt_column_is_read_from_method_json() -> None:
    import json

    raw = json.loads((ROOT / "src" / "provcheck" / "report" / "method.json").read_text(encoding="utf-8"))
    rows = raw["same_prompt"]["rows"]
    assert [(r.matched, r.verified, r.not_convergent, r.blocking) for r in measured().same_prompt] == [
        (r["matched"], r["verified"], r["not_convergent"], r["blocking"]) for r in rows
    ]
    assert all(r.blocking <= r.verified <= r.matched for r in measured().same_prompt)


def test_the_method_section_says_what_explained_means_and_shows_verified_figures() -> None:
    from provcheck.report.html.page import _same_prompt

    html = _same_prompt(measured())
    assert "explained by convergence" in html and "listed, not verified" in html
    assert "false match verified (not explained by convergence)" in html
