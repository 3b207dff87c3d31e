"""The matcher judges every match's strength: a passage many indexed texts share is convergence."""

from __future__ import annotations

from pathlib import Path

from helpers import REFERENCE_TEXTS, write_jsonl
from provcheck.index import IndexWriter, ReferenceIndex
from provcheck.ingest import AddSpec, add_file
from provcheck.inputs.schemas import RecordOptions, to_record
from provcheck.matching.params import MatchConfig
from provcheck.model import Location, Record, SourceInfo, SourceName
from provcheck.scan.match import Matcher
from provcheck.scan.results import above_threshold

COMMON = REFERENCE_TEXTS[0]


def index_of(tmp_path: Path, sources: dict[str, list[str]]) -> ReferenceIndex:
    path = tmp_path / "idx"
    with IndexWriter(str(path), None) as writer:
        for name, texts in sources.items():
            data = write_jsonl(
                tmp_path / f"{name}.jsonl", [{"id": f"{name}-{i}", "text": t} for i, t in enumerate(texts)]
            )
            report = add_file(writer, AddSpec(path=str(data), source=SourceInfo(name=SourceName(name))))
            assert not report.errors
        writer.commit()
    return ReferenceIndex(str(path))


def record(text: str) -> Record:
    rec = to_record({"text": text}, Location("d.jsonl", 0, 1), RecordOptions())
    assert isinstance(rec, Record)
    return rec


def test_a_copy_of_one_reference_is_likely_and_can_block(tmp_path: Path) -> None:
    index = index_of(tmp_path, {"a": [COMMON, REFERENCE_TEXTS[1]]})
    (m,) = Matcher(index, MatchConfig()).records([record(COMMON)], None)
    assert m.strength is not None and m.strength.convergence is None and m.strength.can_block
    assert m.strength.probability > 0.9 and m.strength.sources == ("a",)


def test_a_passage_held_by_many_indexed_texts_is_convergence_listing_every_source(tmp_path: Path) -> None:
    # Three sources hold the same passage inside their own, different texts.
    index = index_of(
        tmp_path,
        {
            name: [f"{other} {COMMON}"]
            for name, other in zip("abc", [*REFERENCE_TEXTS[1:], REFERENCE_TEXTS[1][::-1]], strict=False)
        },
    )
    matches = Matcher(index, MatchConfig()).records([record(COMMON)], None)
    assert len(matches) == 3
    for m in matches:
        assert m.strength is not None and not m.strength.can_block
        assert m.strength.convergence in ("common-passage", "crowd")
        assert set(m.strength.sources) == {"a", "b", "c"}
        assert "not treated as a copy" in m.strength.reason


def test_min_probability_leaves_out_weaker_matches(tmp_path: Path) -> None:
    index = index_of(tmp_path, {"a": [COMMON]})
    (m,) = Matcher(index, MatchConfig()).records([record(COMMON)], None)
    assert m.strength is not None
    p = min(1.0, m.strength.probability + 0.0001)
    # The matcher gives every verified match; the scan's collector applies the threshold and
    # counts what it leaves out (scan.results.above_threshold).
    assert Matcher(index, MatchConfig(min_probability=p)).records([record(COMMON)], None) == [m]
    assert above_threshold([m], p) == ([], [m])
    assert above_threshold([m], m.strength.probability) == ([m], [])


def test_the_same_text_in_several_sources_is_one_text_not_a_crowd(tmp_path: Path) -> None:
    index = index_of(tmp_path, {name: [COMMON] for name in "abc"})
    matches = Matcher(index, MatchConfig()).records([record(COMMON)], None)
    assert len(matches) == 3
    for m in matches:
        assert m.strength is not None and m.strength.convergence is None and m.strength.can_block
        assert set(m.strength.sources) == {"a", "b", "c"}


FOUR = [*REFERENCE_TEXTS[1:], REFERENCE_TEXTS[1][::-1], REFERENCE_TEXTS[2][::-1]]
"""Four different texts to put a common passage in."""


def test_a_passage_many_sources_hold_is_listed_but_explained_by_convergence(tmp_path: Path) -> None:
    """Every aligned token is text that texts of three other sources hold: once it is set aside
    nothing is left to verify, so the matches are explained by convergence, yet all stay listed."""
    index = index_of(
        tmp_path, {name: [f"{other} {COMMON}"] for name, other in zip("abcd", FOUR, strict=True)}
    )
    matches = Matcher(index, MatchConfig()).records([record(COMMON)], None)
    assert len(matches) == 4
    for m in matches:
        assert m.strength is not None and m.strength.explained and not m.strength.can_block
        assert "not a verified match" in m.strength.reason
    # One text holding the passage: a verified match that can block.
    alone = index_of(tmp_path / "one", {"a": [COMMON]})
    (one,) = Matcher(alone, MatchConfig()).records([record(COMMON)], None)
    assert one.strength is not None and not one.strength.explained and one.strength.can_block


def test_text_one_source_repeats_is_not_set_aside(tmp_path: Path) -> None:
    """Four texts of one source holding the passage are that source repeating itself, not
    independent authors: a copy of one of them stays a verified match (counting texts set aside
    5-7% of the excerpts and first halves copied from a one-source index of OpenAI outputs)."""
    index = index_of(tmp_path, {"a": [f"{other} {COMMON}" for other in FOUR]})
    matches = Matcher(index, MatchConfig()).records([record(COMMON)], None)
    assert matches
    for m in matches:
        assert m.strength is not None and not m.strength.explained


def test_a_passage_two_other_sources_hold_stays_verified(tmp_path: Path) -> None:
    """Three sources holding one snippet (a textbook function in three code datasets) are too few
    to call it common: a copy of it stays verified (``FOREIGN_SOURCES`` is 3)."""
    index = index_of(
        tmp_path, {name: [f"{other} {COMMON}"] for name, other in zip("abc", FOUR, strict=False)}
    )
    matches = Matcher(index, MatchConfig()).records([record(COMMON)], None)
    assert len(matches) == 3
    assert all(m.strength is not None and not m.strength.explained for m in matches)
