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
