"""The result cache: exact round trips, keys that cover what a scan reads, failures never fatal."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, write_jsonl
from provcheck.index import ReferenceIndex
from provcheck.inputs.schemas import RecordOptions, to_record
from provcheck.model import Location, Record, ScanResult
from provcheck.policy import Use, default_policy
from provcheck.scan import cache as cachemod
from provcheck.scan import engine
from provcheck.scan.cache import Cache, context_digest, scan_key


def dataset(tmp_path: Path) -> Path:
    rows = [
        {"id": f"r{i}", "text": REFERENCE_TEXTS[i % 3] if i % 2 else UNRELATED_TEXT + f" {i}"}
        for i in range(8)
    ]
    return write_jsonl(tmp_path / "d.jsonl", rows)


def scan(data: Path, index: ReferenceIndex, results: cachemod.Results | None) -> ScanResult:
    options = engine.ScanOptions(workers=1, batch_size=3, cache=results)
    return engine.scan([str(data)], index, default_policy(), Use(), options)


def test_cached_matches_equal_computed_ones(tmp_path: Path, index_dir: Path) -> None:
    index = ReferenceIndex(str(index_dir))
    data = dataset(tmp_path)
    context = context_digest(index.digest, "params")
    with Cache(str(tmp_path / "c")) as c:
        first = scan(data, index, c.results(context, index.sources))
    with Cache(str(tmp_path / "c")) as c:
        results = c.results(context, index.sources)
        second = scan(data, index, results)
    assert results.hits == 8 and len(first.matches) == 4
    assert second.matches == first.matches and [f.id for f in second.findings] == [
        f.id for f in first.findings
    ]
    assert second.stats.records == first.stats.records == 8
    # Another context (other index or parameters) shares nothing.
    with Cache(str(tmp_path / "c")) as c:
        other = c.results(context_digest(index.digest, "other params"), index.sources)
        scan(data, index, other)
    assert other.hits == 0


def test_a_cached_record_is_reported_at_its_new_place(tmp_path: Path, index_dir: Path) -> None:
    index = ReferenceIndex(str(index_dir))
    data = dataset(tmp_path)
    context = context_digest(index.digest)
    with Cache(str(tmp_path / "c")) as c:
        first = scan(data, index, c.results(context, index.sources))
    moved = write_jsonl(
        tmp_path / "moved.jsonl",
        [{"id": "x", "text": UNRELATED_TEXT}, {"id": "r1", "text": REFERENCE_TEXTS[1]}],
    )
    with Cache(str(tmp_path / "c")) as c:
        results = c.results(context, index.sources)
        again = scan(moved, index, results)
    assert results.hits == 1  # the reference copy; the unrelated text is new
    (m,) = again.matches
    expected = next(x for x in first.matches if x.record.id == "r1")
    assert m.record.location == Location(str(moved), 1, 2)
    assert dataclasses.replace(m, record=expected.record) == expected


def test_scan_keys_cover_extra_fields_that_content_hashes_ignore() -> None:
    opts = RecordOptions()
    a = to_record({"text": "same words", "note": "one"}, Location("a", 0), opts)
    b = to_record({"text": "same words", "note": "two"}, Location("b", 5), opts)
    c = to_record({"text": "same words", "note": "one"}, Location("c", 9), opts)
    assert isinstance(a, Record) and isinstance(b, Record) and isinstance(c, Record)
    assert a.content_hash == b.content_hash  # what the record is...
    assert scan_key(a) != scan_key(b)  # ...is not all that is scanned
    assert scan_key(a) == scan_key(c)  # positions do not count


def test_an_unreadable_cache_file_is_rebuilt(tmp_path: Path) -> None:
    directory = tmp_path / "c"
    directory.mkdir()
    (directory / cachemod.FILENAME).write_bytes(b"garbage" * 1000)
    c = Cache(str(directory))
    assert c.enabled and c.problem is not None and "rebuilt" in c.problem
    c.put_keyset("k", b"\x01\x02")
    c.close()
    again = Cache(str(directory))
    assert again.keyset("k") == b"\x01\x02" and again.problem is None
    again.close()


def test_a_cache_that_cannot_be_created_is_off_not_fatal(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    c = Cache(str(blocker / "cache"))
    assert not c.enabled and c.problem is not None and "scanning without it" in c.problem
    assert c.keyset("x") is None
    c.put_keyset("x", b"1")
    c.close()  # nothing to do, no error


def test_old_contexts_and_key_sets_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cachemod, "KEEP_KEYSETS", 2)
    monkeypatch.setattr(cachemod, "KEEP_CONTEXTS", 1)
    for i in range(4):
        with Cache(str(tmp_path)) as c:
            c.put_keyset(f"k{i}", b"x")
            c.results(f"ctx{i}", {}).put([], [])
    with Cache(str(tmp_path)) as c:
        assert [c.keyset(f"k{i}") for i in range(4)] == [None, None, b"x", b"x"]
        db = c._db
        assert db is not None
        assert db.execute("SELECT context FROM contexts").fetchall() == [("ctx3",)]


def test_results_are_written_as_they_accumulate_not_only_at_the_end(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A scan of billions of records must not hold every record's entry until it ends, and an
    # interrupted one keeps what it learned: the next run finds those records in the cache.
    monkeypatch.setattr(cachemod, "FLUSH_RESULTS", 3)
    index = ReferenceIndex(str(index_dir))
    data = dataset(tmp_path)
    context = context_digest(index.digest)
    interrupted = Cache(str(tmp_path / "c"))
    scan(data, index, interrupted.results(context, index.sources))
    assert len(interrupted._results) < 3  # at most FLUSH_RESULTS - 1 waiting
    # Not closed: as if the process had been killed here.
    with Cache(str(tmp_path / "c")) as c:
        results = c.results(context, index.sources)
        again = scan(data, index, results)
    assert results.hits >= 6 and again.stats.records == 8


def test_code_digest_finds_every_matching_module_by_name() -> None:
    """The cache key hashes the matching code by module name: a moved module is still found."""
    from provcheck.scan import cache

    for name in cache._MATCHING_CODE:
        files = cache._module_sources(name)
        assert files and all(f.is_file() and f.suffix in (".py", ".c") for f in files), name
    with pytest.raises(RuntimeError, match="cannot find"):
        cache._module_sources("provcheck.no_such_module")


def test_a_match_explained_by_convergence_stays_so_through_the_cache(tmp_path: Path) -> None:
    """``Strength.explained`` is part of a match: a cached result must not turn a listed,
    convergence-explained match back into a verified one."""
    from test_match_strength import COMMON, FOUR, index_of, record

    from provcheck.matching.params import MatchConfig
    from provcheck.scan.match import Matcher

    texts = {name: [f"{other} {COMMON}"] for name, other in zip("abcd", FOUR, strict=True)}
    index = index_of(tmp_path, texts)
    rec = record(COMMON)
    matches = Matcher(index, MatchConfig()).records([rec], None)
    assert matches and all(m.strength is not None and m.strength.explained for m in matches)
    back = cachemod.decode(cachemod.encode(rec, matches), rec, index.sources)
    assert back == matches


def test_the_reference_s_prompt_passages_survive_the_cache() -> None:
    """``Evidence.prompt_echoes`` is part of a match: a cached result that lost it would show
    a ``prompt`` convergence without the passages it rests on."""
    import dataclasses

    from test_match_strength import record
    from test_prompt_own import whole

    from provcheck.model import CharSpan, Match, MatchId, RecordRef, Reference, ReferenceId, SourceInfo, Turn
    from provcheck.model import SourceName as Name
    from provcheck.scan import cache as cachemod

    rec = record("a turn")
    info = SourceInfo(name=Name("s"))
    turn = rec.turns[0]
    m = Match(
        id=MatchId("m"),
        record=RecordRef(location=rec.location, id=rec.id, content_hash=rec.content_hash, turn=turn),
        reference=Reference(
            id=ReferenceId("r"), source=info, turn=Turn("output", turn.kind, 1, "output", "x" * 30)
        ),
        evidence=dataclasses.replace(whole(), prompt_echoes=(CharSpan(0, 5), CharSpan(9, 20))),
    )
    back = cachemod.decode(cachemod.encode(rec, [m]), rec, {info.name: info})
    assert back == [m] and back[0].evidence.prompt_echoes == (CharSpan(0, 5), CharSpan(9, 20))


def test_every_scan_module_deciding_matches_is_in_the_cache_key() -> None:
    """The modules ``scan.match`` takes its matches from: a change to one (how evidence is
    described, which background matches are set aside) must invalidate cached results."""
    import re

    from provcheck.scan import cache, match

    source = Path(match.__file__).read_text(encoding="utf-8")
    deciding = set(re.findall(r"^from (provcheck\.scan\.\w+) import", source, re.M))
    deciding -= {"provcheck.scan.refcache", "provcheck.scan.rejections"}  # caches of work, not results
    assert deciding <= set(cache._MATCHING_CODE), deciding - set(cache._MATCHING_CODE)
