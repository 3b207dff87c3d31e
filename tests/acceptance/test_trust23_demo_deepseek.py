"""Trust 23, item 5: the demo's DeepSeek source records what the reference supports.

``fixtures/demo/sources.yaml`` gave the DeepSeek chat outputs ``license: MIT``: MIT is the licence
of the DeepSeek-R1 code and weights ("This code repository and the model weights are licensed
under the MIT License"), not a licence on what DeepSeek's chat service writes, whose use its
Terms of Use govern (§4.2(3): training other models permitted). The source now records the
service's terms and no licence; the card's apache-2.0 over that output is then noted (info) as
over OpenAI's output is, and the permission cites the service terms' clause in force for the
material's date.
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from helpers import FIXTURES, SHARED, run_cli


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("trust23")
    shutil.copytree(FIXTURES / "demo", root / "demo")
    demo = root / "demo"
    run_cli(["index", "build", root / "index", "--sources", demo / "sources.yaml", "--quiet"])
    args: list[object] = ["scan", demo / "dataset", "--index", root / "index", "-q"]
    args += ["--policy", demo / "policy.yaml", "--waivers", demo / "waivers.yaml"]
    run_cli([*args, "-f", "json", "-o", root / "r.json"], 1)
    return dict(json.loads((root / "r.json").read_text(encoding="utf-8")))


def _deepseek() -> dict[str, object]:
    doc = yaml.safe_load((FIXTURES / "demo" / "sources.yaml").read_text(encoding="utf-8"))
    (source,) = (s for s in doc["sources"] if s["source"] == "deepseek-chat-outputs")
    return dict(source)


def test_the_demo_deepseek_chat_source_has_service_terms_and_no_weights_licence() -> None:
    source = _deepseek()
    assert source["generator"] == "deepseek-chat" and source["terms"] == "deepseek-terms-of-use"
    assert "license" not in source  # was MIT, the DeepSeek-R1 weights' licence


def test_the_reference_puts_mit_on_the_weights_and_the_permission_in_the_service_terms() -> None:
    reference = SHARED / "reference" / "terms-and-licences.md"
    if not reference.is_file():
        pytest.skip(f"{reference} is not here (set PROVCHECK_SHARED)")
    text = " ".join(reference.read_text(encoding="utf-8").split())
    assert "This code repository and the model weights are licensed under the MIT License." in text
    assert (
        "| DeepSeek chat / API service | DeepSeek | none (training other models explicitly permitted)" in text
    )


def test_the_demo_reports_the_service_terms_not_a_licence(demo: dict[str, object]) -> None:
    sources = {s["source"]: s for s in demo["summary"]["sources"]}  # type: ignore[index]
    assert sources["deepseek-chat-outputs"].get("license") in (None, "")
    findings = demo["findings"]
    assert isinstance(findings, list)
    (permitted,) = (f for f in findings if f["rule"] == "deepseek-training-permitted")
    assert permitted["action"] == "info" and permitted["source"].get("license") is None
    clause = permitted["clause"]
    # The clause in force for material dated 2025-06-01: the terms of 2025-04-28 (reference:
    # section 4.2(3) from that update to the update of 2026-03-27).
    assert clause["document"] == "DeepSeek Terms of Use" and clause["section"] == "4.2(3)"
    assert clause["effective"] == "2025-04-28"
    assert "training other models (such as model distillation)" in clause["quote"]
    # The card's apache-2.0 over the DeepSeek answer: the label does not lift the service's
    # terms (with MIT on the source, the rule read it as a permissive layer of its own).
    notes = [
        f
        for f in findings
        if f["rule"] == "declared-permissive-licence-over-provider-output"
        and f["source"]["name"] == "deepseek-chat-outputs"
    ]
    assert len(notes) == 1 and notes[0]["action"] == "info"
    assert len(findings) == 15
