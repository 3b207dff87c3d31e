"""Item 1 of tests/acceptance/test_failopen9.py on a real local Ray cluster: matches that
``--min-probability`` leaves out are counted the same on Ray as on the local engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

pytest.importorskip("ray")

# The session's cluster (tests/conftest.py), shared with tests/acceptance/test_ray.py.
pytestmark = [pytest.mark.ray, pytest.mark.slow, pytest.mark.usefixtures("ray_state")]


def test_min_probability_counts_the_same_on_ray(tmp_path: Path, index_dir: Path, ray_cluster: str) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": t} for t in REFERENCE_TEXTS] * 20)
    everything = tmp_path / "all.json"
    run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", "-f", "json", "-o", everything])
    top = max(m["strength"]["probability"] for m in json.loads(everything.read_text())["matches"])
    counts = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.json"
        args = ["scan", data, "-i", index_dir, "--no-cache", "--min-probability", top, "--engine", engine]
        run_cli(
            [*args, *(["--address", ray_cluster] if engine == "ray" else []), "-q", "-f", "json", "-o", out]
        )
        doc = json.loads(out.read_text())
        assert doc["run"]["engine"] == engine
        counts[engine] = (doc["run"]["below_threshold"], len(doc["matches"]))
    assert counts["ray"] == counts["local"]
    below = counts["local"][0]
    assert below["matches"] > 0 and below["matches"] + counts["local"][1] == len(REFERENCE_TEXTS) * 20
