"""Adversarial precision pass 20: independent texts that converge, reported and blocked as copies.

``benchmarks/large_scan.py`` (the trigram route's pairs) and ``benchmarks/heldout_precision.py``
measure them; each test here fails on the code before the fix it names.
"""

from __future__ import annotations

from pathlib import Path

from helpers import write_jsonl
from provcheck.index import IndexWriter, ReferenceIndex
from provcheck.ingest import AddSpec, add_file
from provcheck.inputs.schemas import RecordOptions, to_record
from provcheck.matching.params import MatchConfig
from provcheck.matching.strength import Signals, judge
from provcheck.matching.structure import structure
from provcheck.model import (
    AlignedSpan,
    CharSpan,
    Evidence,
    Location,
    MatchKind,
    Record,
    SourceInfo,
    SourceName,
)
from provcheck.scan.match import Matcher

FILMS = (
    "She's Gotta Have It (1986)",
    "School Daze (1988)",
    "Do the Right Thing (1989)",
    "Mo' Better Blues (1990)",
    "Jungle Fever (1991)",
    "Malcolm X (1992)",
    "Crooklyn (1994)",
    "Clockers (1995)",
    "Girl 6 (1996)",
    "Get on the Bus (1996)",
    "He Got Game (1998)",
    "Summer of Sam (1999)",
    "Bamboozled (2000)",
    "25th Hour (2002)",
    "She Hate Me (2004)",
    "Inside Man (2006)",
    "Miracle at St. Anna (2008)",
    "Red Hook Summer (2012)",
    "Oldboy (2013)",
    "Chi-Raq (2015)",
    "BlacKkKlansman (2018)",
    "Da 5 Bloods (2020)",
)
FILMOGRAPHY = "\n".join(f"{n}. {f}" for n, f in enumerate(FILMS, 1))
# Ten answers that frame the list with a long note of their own (their anchors rank first, they
# are not whole copies of the list), then four that frame it with a line: the texts the trigram
# route prefers, beyond the anchor route's cap of texts a turn.
LONG = [
    f"Note {k}: this answer was written for a film studies class about American directors, and it "
    "lists the feature films the director made for cinemas, leaving out shorts, music videos and "
    "television work entirely."
    for k in range(10)
]
SHORT = [
    "Here is a list of movies directed by Spike Lee, ordered by release date:",
    "Spike Lee's feature films in order:",
    "Sure! These are the films Spike Lee directed:",
    "The movies of Spike Lee, by year:",
]
ANSWER = (
    "Spike Lee is one of the most influential American filmmakers of his generation, known for bold "
    "storytelling about race, politics and city life in Brooklyn and beyond. Over nearly four decades "
    "he has made dramas, comedies, documentaries and thrillers. Here is his filmography as a director, "
    f"in order of release:\n\n{FILMOGRAPHY}\n\nMany of these films were produced by his own company, "
    "40 Acres and a Mule Filmworks, founded in Brooklyn in the early years of his career."
)


def _index(tmp_path: Path, texts: list[str]) -> ReferenceIndex:
    path = tmp_path / "idx"
    with IndexWriter(str(path), None) as writer:
        data = write_jsonl(tmp_path / "r.jsonl", [{"id": f"r{i}", "text": t} for i, t in enumerate(texts)])
        assert not add_file(writer, AddSpec(path=str(data), source=SourceInfo(name=SourceName("s")))).errors
        writer.commit()
    return ReferenceIndex(str(path))


def _record(text: str) -> Record:
    rec = to_record({"text": text}, Location("d.jsonl", 0, 1), RecordOptions())
    assert isinstance(rec, Record)
    return rec


def test_a_passage_many_texts_hold_that_the_trigram_route_lists_again_is_not_kept_as_a_copy(
    tmp_path: Path,
) -> None:
    # Issue 17's workload (one source of 150k answers): held-out answers listing Spike Lee's films
    # were kept by the route as copies of the 17th text holding the list. The anchor route sets such
    # a text aside (its cap of texts a turn; or anchors held by more than max_postings texts); the
    # route listed it again and the same-source "duplicates" exception let it block.
    texts = [f"{intro}\n\n{FILMOGRAPHY}" for intro in LONG + SHORT]
    # max_candidates=1: the cap is the turn's anchors // 4 (9 texts here), as 16 is on the workload.
    matcher = Matcher(_index(tmp_path, texts), MatchConfig(max_candidates=1))
    found = matcher.records([_record(ANSWER)], None)
    assert matcher.trigram_added >= 1
    assert matcher.trigram_kept == 0
    assert not any(m.strength is not None and m.strength.can_block for m in found)
    # Without the cap every text is listed by its anchors, and the route adds nothing: the
    # whole copies of the list in one source still read as that source's duplicates (unchanged).
    matcher = Matcher(_index(tmp_path / "all", texts), MatchConfig())
    assert matcher.trigram_added == 0


def _whole(tokens: int = 98) -> Evidence:
    """A near-verbatim passage, 57% of the candidate and 90% of the reference."""
    span = AlignedSpan(CharSpan(0, 10), CharSpan(0, 10), tokens, 1.0)
    return Evidence(MatchKind.NEAR_DUPLICATE, 1.0, 0.57, 0.9, tokens, 1.0, 0.5, (span,), False)


def test_a_pair_the_anchor_route_set_aside_counts_its_common_anchors_whoever_holds_them() -> None:
    peers = [Signals(_whole(), 1.0, None, "s", text=k) for k in range(3)]
    plain = Signals(_whole(), 1.0, None, "s", text="mine")
    # Same-source texts sharing the passage read as duplicates of one answer: it may block.
    assert judge(plain, peers, MatchConfig()).can_block
    aside = Signals(_whole(), 1.0, None, "s", text="mine", set_aside=True)
    for config in (None, MatchConfig()):
        s = judge(aside, peers, config)
        assert s.convergence == "common-passage" and not s.can_block


# Lines of fields that independent answers write alike: the same record as JSON or YAML, the same
# sentence translated a language a line. None was a structure, so a partial match could block
# (pass 20's benchmark: JSON 4, YAML 6, translations 13 records).
JSON_FIELDS = """\
  "id": 1,
  "name": "John Doe",
  "email": "john.doe@example.com",
  "age": 30,
  "phone": "+1-555-123-4567","""
YAML_FIELDS = "name: John Doe\nemail: john.doe@example.com\nage: 30\naddress:\n  city: Anytown\n  zip: 12345"
TRANSLATIONS = (
    "French: Merci beaucoup pour votre aide.\nSpanish: Muchas gracias por tu ayuda.\n"
    "German: Vielen Dank für Ihre Hilfe.\n\nFrench: Où est la gare ?\nSpanish: ¿Dónde está la "
    "estación de tren?\nGerman: Wo ist der Bahnhof?"
)


def test_lines_of_fields_of_one_record_or_one_sentence_translated_are_a_list() -> None:
    for text in (JSON_FIELDS, YAML_FIELDS, TRANSLATIONS, TRANSLATIONS.replace("French:", "**French:**")):
        assert structure(text) == "list", text
    # 41 tokens, 16% of the candidate and 32% of the reference, verbatim (the benchmark's YAML).
    span = AlignedSpan(CharSpan(0, 10), CharSpan(0, 10), 41, 1.0)
    part = Evidence(MatchKind.NEAR_DUPLICATE, 1.0, 0.16, 0.32, 41, 1.0, 0.2, (span,), False)
    s = judge(Signals(part, 0.0, structure(YAML_FIELDS), "openai"), [])
    assert s.convergence == "list" and not s.can_block


def test_a_dialogue_and_prose_with_colons_stay_what_they_were() -> None:
    # Speakers repeat out of cycle: a copied dialogue is not a record's fields.
    dialogue = (
        "Alice: Hi Bob, where are you going?\nBob: To the store, want to come?\n"
        "Alice: Sure, let me get my coat.\nCarol: Can I come too?\nBob: Of course!"
    )
    assert structure(dialogue) is None
    assert structure("The meeting is at 10:30 today.\nWe discussed: budgets and plans.\nRatio 3:1.") is None
    # Labels before sentences of prose are no fields.
    prose = "\n".join(
        f"{label}: this line is a sentence of plain prose about the topic that runs well past twelve words."
        for label in ("Background", "Method", "Result")
    )
    assert structure(prose) is None
