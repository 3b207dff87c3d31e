"""The marker scanner: every marker in one pass, spans and counts, linear time."""

from __future__ import annotations

import time

import pytest

from provcheck.matching.segment import RoleFilter
from provcheck.model import ContentHash, Location, Record, RoleKind, Turn
from provcheck.policy.markers import MarkerScanner, MarkerSpec
from provcheck.policy.patterns import PatternError, compile_pattern, escape


def spec(mid: str, pattern: str, case_sensitive: bool = False) -> MarkerSpec:
    return MarkerSpec(mid, mid, pattern, None, case_sensitive)


def record(*texts: str) -> Record:
    turns = tuple(
        Turn(
            "human" if i % 2 == 0 else "gpt",
            RoleKind.USER if i % 2 == 0 else RoleKind.ASSISTANT,
            i,
            f"t{i}",
            t,
        )
        for i, t in enumerate(texts)
    )
    return Record(Location("d.jsonl", 0, 1), None, "sharegpt", turns, ContentHash("h"))


def test_overlapping_markers_are_all_found_with_first_span_and_count() -> None:
    scanner = MarkerScanner(
        [
            spec("short", escape("as an AI")),
            spec("long", escape("as an AI language model")),
            spec("cc", "Copy code", True),
        ]
    )
    text = "Well, As an AI language model I... as an ai. copy code"
    hits = scanner.records([record("q", text)])
    found = {h.marker: (h.text, h.span.start, h.span.end, h.count) for h in hits}
    assert found == {"short": ("As an AI", 6, 14, 2), "long": ("As an AI language model", 6, 29, 1)}
    assert all(h.record.turn.position == 1 for h in hits)


def test_roles_choose_the_turns_scanned() -> None:
    scanner = MarkerScanner([spec("ai", escape("as an AI"))])
    rec = record("as an AI user", "as an AI assistant")
    assert [h.record.turn.role for h in scanner.records([rec])] == ["human", "gpt"]
    assert [h.record.turn.role for h in scanner.records([rec], RoleFilter(["assistant"]))] == ["gpt"]


def test_spans_are_character_offsets_in_non_ascii_text() -> None:
    (hit,) = MarkerScanner([spec("ai", escape("As an AI"))]).records([record("q", "Ünïcödé — as an AI, ok")])
    assert hit.record.turn.text[hit.span.start : hit.span.end] == hit.text == "as an AI"


def test_hostile_patterns_and_texts_stay_linear() -> None:
    scanner = MarkerScanner([spec("evil", "(a|aa)*b"), spec("evil2", "(x+x+)+y")])
    started = time.perf_counter()
    assert scanner.records([record("q", "a" * 200_000 + "x" * 200_000)]) == []
    assert time.perf_counter() - started < 2.0


def test_patterns_that_need_backtracking_are_refused() -> None:
    with pytest.raises(PatternError, match="no backreferences"):
        compile_pattern(r"(a)\1")
    assert not MarkerScanner([])
