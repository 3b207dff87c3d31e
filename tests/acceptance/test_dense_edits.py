"""A copy with one word in every five replaced shares no anchor with its source: the trigram
route (``matching.trigrams``) lists it, and keeps it where its strength allows a block."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_cli, write_jsonl
from provcheck.index import IndexWriter, ReferenceIndex
from provcheck.ingest import AddSpec, add_file
from provcheck.inputs.schemas import RecordOptions, to_record
from provcheck.matching.params import MatchConfig
from provcheck.matching.trigrams import FEATURE
from provcheck.model import Location, Record, SourceInfo, SourceName
from provcheck.scan.match import Matcher

STORY = (
    "The lighthouse keeper climbed the spiral stairs every evening before sunset, carrying a small tin "
    "of oil and a cloth folded into his coat pocket. He polished the great lens until it shone like a "
    "second moon, then trimmed the wick and waited for the first ships to appear on the darkening "
    "horizon. In the winter months the storms arrived without warning, and he would sit for hours "
    "beside the window, counting the seconds between flashes of lightning and the deep answering roll "
    "of thunder across the bay. His daughter sent letters from the city describing crowded trains, "
    "bright theatres and markets that never closed, but he found that he could not imagine such noise "
    "after so many years of wind and water. When the coastal authority finally installed an automatic "
    "beacon, they offered him a comfortable pension and a cottage in the village, yet he asked only to "
    "keep the key to the tower, so that on calm nights he might still climb the stairs and watch the "
    "beam turn slowly over the sleeping sea."
)
SHORT = STORY[: STORY.index(" In the winter")]
OTHERS = [
    f"Note {i} on cooking pasta with garlic, olive oil and fresh basil from the garden, served warm "
    "with bread and a glass of water for lunch on a sunny day near the old harbour wall."
    for i in range(4)
]
WORDS = ["quiet", "river", "paper", "golden", "simple", "window", "distant", "morning", "silver", "garden"]


def dense_copy(text: str) -> str:
    """One word in every five replaced by an unrelated one (no run of 12 tokens survives)."""
    return " ".join(WORDS[i % len(WORDS)] if i % 5 == 2 else w for i, w in enumerate(text.split(" ")))


def test_a_copy_with_one_word_in_five_replaced_is_found_and_can_block(tmp_path: Path) -> None:
    refs = write_jsonl(
        tmp_path / "refs.jsonl", [{"id": "story", "text": STORY}] + [{"text": t} for t in OTHERS]
    )
    data = write_jsonl(tmp_path / "data.jsonl", [{"id": "copy", "text": dense_copy(STORY)}])
    run_cli(["index", "add", tmp_path / "idx", refs, "--source", "novels", "-q"])
    out = tmp_path / "report.json"
    run_cli(["scan", data, "--index", tmp_path / "idx", "-f", "json", "-o", out, "--fail-on", "never", "-q"])
    doc = json.loads(out.read_text())
    (m,) = doc["matches"]
    assert m["reference"]["id"] == "story" and m["strength"]["can_block"]
    assert m["strength"]["features"][FEATURE] == 1 and "token trigrams" in m["strength"]["reason"]
    assert doc["summary"]["trigram_route"] == 1 and doc["summary"]["matches"] == 1
    # The route's work is counted in the run record: the pair it listed, aligned and kept.
    assert doc["run"]["trigram_route"] == {"candidates": 1, "aligned": 1, "kept": 1}


def test_the_routes_work_of_every_share_is_summed_by_merge(tmp_path: Path) -> None:
    refs = write_jsonl(
        tmp_path / "refs.jsonl", [{"id": "story", "text": STORY}] + [{"text": t} for t in OTHERS]
    )
    run_cli(["index", "add", tmp_path / "idx", refs, "--source", "novels", "-q"])
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "a.jsonl", [{"id": "copy", "text": dense_copy(STORY)}])
    write_jsonl(data / "b.jsonl", [{"id": "half", "text": dense_copy(STORY[: len(STORY) * 2 // 3])}])
    scan = ["scan", data, "--index", tmp_path / "idx", "--fail-on", "never", "-q", "-j", "1"]
    run_cli([*scan, "-f", "json", "-o", tmp_path / "one.json"])
    parts = [tmp_path / f"{i}.partial" for i in (1, 2)]
    for i, part in enumerate(parts, 1):
        run_cli([*scan, "--shard", f"{i}/2", "--partial", part])
    run_cli(["merge", *parts, "-f", "json", "-o", tmp_path / "merged.json", "--fail-on", "never"])
    one = json.loads((tmp_path / "one.json").read_text())["run"]["trigram_route"]
    merged = json.loads((tmp_path / "merged.json").read_text())["run"]["trigram_route"]
    # Each share kept one (a merge taking the first share's record would say 1).
    assert one["kept"] == 2 and merged == one


@pytest.mark.parametrize("keyed", [False, True])
def test_a_fingerprint_pack_finds_it_too_keyed_or_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keyed: bool
) -> None:
    refs = write_jsonl(
        tmp_path / "refs.jsonl", [{"id": "story", "text": STORY}] + [{"text": t} for t in OTHERS]
    )
    data = write_jsonl(tmp_path / "data.jsonl", [{"id": "copy", "text": dense_copy(STORY)}])
    run_cli(["index", "add", tmp_path / "idx", refs, "--source", "novels", "-q"])
    if keyed:
        monkeypatch.setenv("PROVCHECK_PACK_KEY", "00112233445566778899aabbccddeeff" * 2)
    pack = tmp_path / "novels.pack"
    run_cli(
        [
            "pack",
            "create",
            tmp_path / "idx",
            "-o",
            pack,
            "--publisher",
            "p",
            "-q",
            *(["--keyed"] if keyed else []),
        ]
    )
    out = tmp_path / "report.json"
    run_cli(["scan", data, "--index", pack, "-f", "json", "-o", out, "--fail-on", "never", "-q"])
    doc = json.loads(out.read_text())
    assert [m["reference"]["id"] for m in doc["matches"]] == ["story"]
    assert doc["summary"]["trigram_route"] == 1


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


def test_a_pair_only_the_route_lists_is_dropped_unless_it_can_block(tmp_path: Path) -> None:
    # The short copy verifies (about 60 tokens at 80%) but its strength allows no block: an
    # answer in a fixed frame with other words looks the same, so the route's pair is dropped.
    matcher = Matcher(_index(tmp_path, [STORY, SHORT[::-1], *OTHERS]), MatchConfig())
    assert matcher.records([_record(dense_copy(SHORT))], None) == []
    assert matcher.trigram_added == 1 and matcher.trigram_kept == 0
    (found,) = matcher.records([_record(dense_copy(STORY))], None)
    assert found.strength is not None and found.strength.features[FEATURE] == 1
    assert matcher.trigram_added == 2 and matcher.trigram_kept == 1
    # Anchored pairs are judged as before, the route adds nothing to a copy anchors list.
    (plain,) = matcher.records([_record(STORY)], None)
    assert plain.strength is not None and FEATURE not in plain.strength.features
    assert matcher.trigram_added == 2


def test_a_pack_of_the_format_before_the_trigram_route_is_refused(tmp_path: Path) -> None:
    import zipfile

    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "story", "text": STORY}])
    run_cli(["index", "add", tmp_path / "idx", refs, "--source", "novels", "-q"])
    pack, old = tmp_path / "new.pack", tmp_path / "old.pack"
    run_cli(["pack", "create", tmp_path / "idx", "-o", pack, "--publisher", "p", "-q"])
    with zipfile.ZipFile(pack) as src, zipfile.ZipFile(old, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "pack.json":
                body = json.loads(data)
                body["format_version"] = 1
                data = json.dumps(body).encode()
            dst.writestr(name, data)
    err = run_cli(["scan", refs, "--index", old, "-q"], 5).stderr
    assert "pack format version 1; this provcheck reads version 2" in err
    assert "ask the publisher for a pack made by this version of provcheck" in err
