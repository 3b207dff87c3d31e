"""The reference index: add, query, grow without rebuilding, refuse what it cannot serve."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import time
import types
from pathlib import Path
from typing import Any

import pytest

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, write_jsonl
from provcheck.errors import (
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexWriteError,
    InputError,
    ReferenceIndexError,
    UsageError,
)
from provcheck.index import IndexWriter, ReferenceIndex, damaged
from provcheck.index.builder import ShardBuilder
from provcheck.index.shard import FILES
from provcheck.ingest import AddSpec, add_file
from provcheck.inputs.schemas import RecordOptions
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.model import SourceInfo, SourceName


def spec(path: Path, name: str, **facts: str) -> AddSpec:
    return AddSpec(path=str(path), source=SourceInfo(name=SourceName(name), **facts))  # type: ignore[arg-type]


def refs_file(tmp_path: Path, name: str, texts: list[str], dupes: int = 0) -> Path:
    rows = [{"id": f"{name}-{i}", "text": t} for i, t in enumerate(texts)]
    rows += [{"text": texts[0]} for _ in range(dupes)]
    return write_jsonl(tmp_path / f"{name}.jsonl", rows)


def add(index: Path, *specs: AddSpec, config: FingerprintConfig | None = None) -> None:
    with IndexWriter(str(index), config) as writer:
        for s in specs:
            report = add_file(writer, s)
            assert not report.errors
        writer.commit()


def query(index: ReferenceIndex, text: str) -> list[str]:
    fp = Fingerprinter(index.config).of_text(text)
    return [index.text(c.key) for c in index.candidates(fp.anchors, MatchConfig())]


def test_added_texts_are_found_and_identical_texts_stored_once(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    add(idx, spec(refs_file(tmp_path, "a", REFERENCE_TEXTS, dupes=3), "a", provider="openai"))
    index = ReferenceIndex(str(idx))
    assert index.manifest.shards[0].texts == 3 and index.manifest.shards[0].refs == 6
    assert query(index, REFERENCE_TEXTS[1])[0] == REFERENCE_TEXTS[1]
    assert query(index, UNRELATED_TEXT) == []
    key = index.candidates(Fingerprinter(index.config).of_text(REFERENCE_TEXTS[0]).anchors, MatchConfig())[
        0
    ].key
    (ref,) = index.references(key)
    assert (ref.id, ref.source.provider, ref.duplicates, ref.index) == ("a-0", "openai", 3, 0)


def test_default_reference_ids_are_source_and_position(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "noid.jsonl", [{"text": t} for t in REFERENCE_TEXTS])
    idx = tmp_path / "idx"
    add(idx, spec(path, "noid"))
    index = ReferenceIndex(str(idx))
    fp = Fingerprinter(index.config).of_text(REFERENCE_TEXTS[2])
    (ref,) = index.references(index.candidates(fp.anchors, MatchConfig())[0].key)
    assert ref.id == "noid#2"


def test_a_second_source_is_added_without_rebuilding(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    add(idx, spec(refs_file(tmp_path, "a", REFERENCE_TEXTS[:2]), "a"))
    before = {p.name for p in (idx / "shards").iterdir()}
    add(idx, spec(refs_file(tmp_path, "b", [REFERENCE_TEXTS[2], REFERENCE_TEXTS[0]]), "b", provider="x"))
    after = {p.name for p in (idx / "shards").iterdir()}
    assert before < after  # the first shard is untouched
    index = ReferenceIndex(str(idx))
    assert set(index.sources) == {"a", "b"}
    fp = Fingerprinter(index.config).of_text(REFERENCE_TEXTS[0])
    sources = sorted(
        r.source.name for c in index.candidates(fp.anchors, MatchConfig()) for r in index.references(c.key)
    )
    assert sources == ["a", "b"]


def test_source_facts_cannot_be_contradicted(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    path = refs_file(tmp_path, "a", REFERENCE_TEXTS[:1])
    add(idx, spec(path, "a", provider="openai"))
    with pytest.raises(UsageError, match="already in the index with provider 'openai'"):
        add(idx, spec(path, "a", provider="anthropic"))
    add(idx, spec(path, "a", generator="gpt-4"))  # new facts merge
    assert ReferenceIndex(str(idx)).sources["a"].generator == "gpt-4"


def test_parameters_are_stored_and_mismatches_refused(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    custom = FingerprintConfig(shingle_size=4, window=6, seed=9)
    add(idx, spec(refs_file(tmp_path, "a", REFERENCE_TEXTS), "a"), config=custom)
    index = ReferenceIndex(str(idx))
    assert index.config == custom and query(index, REFERENCE_TEXTS[0])
    with pytest.raises(IndexMismatchError, match="wmh1-tok6-n4-w6-s9"):
        add(idx, spec(refs_file(tmp_path, "b", REFERENCE_TEXTS), "b"), config=FingerprintConfig())
    with pytest.raises(IndexMismatchError):
        index.check_config(FingerprintConfig())


def test_missing_and_foreign_directories(tmp_path: Path) -> None:
    with pytest.raises(ReferenceIndexError, match="not a directory"):
        ReferenceIndex(str(tmp_path / "nope"))
    with pytest.raises(ReferenceIndexError, match="not a provcheck index"):
        ReferenceIndex(str(tmp_path))


def built(tmp_path: Path) -> Path:
    idx = tmp_path / "idx"
    add(idx, spec(refs_file(tmp_path, "a", REFERENCE_TEXTS), "a"))
    return idx


def shard_file(idx: Path, name: str) -> Path:
    (shard,) = (idx / "shards").iterdir()
    return shard / name


@pytest.mark.parametrize("name", FILES)
def test_truncated_or_missing_files_are_detected_on_open(tmp_path: Path, name: str) -> None:
    idx = built(tmp_path)
    target = shard_file(idx, name)
    target.write_bytes(target.read_bytes()[:-3])
    with pytest.raises(IndexCorruptError, match="truncated or modified"):
        ReferenceIndex(str(idx))
    target.unlink()
    with pytest.raises(IndexCorruptError, match="missing index file"):
        ReferenceIndex(str(idx))


@pytest.mark.parametrize("name", FILES)
def test_a_flipped_byte_is_detected_on_open(tmp_path: Path, name: str) -> None:
    idx = built(tmp_path)
    ReferenceIndex(str(idx))  # sound, and remembered as verified
    target = shard_file(idx, name)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x20
    target.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=f"{name}: checksum mismatch"):
        ReferenceIndex(str(idx))
    assert damaged(str(idx)) == [str(target)]


def test_verified_files_are_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from provcheck.index import integrity

    idx = built(tmp_path)
    files = integrity_files(idx)
    reads: list[str] = []
    real = integrity.file_digest
    monkeypatch.setattr(integrity, "file_digest", lambda p: reads.append(p) or real(p))
    # Just written: verified on every open until the files are older than a clock tick could hide.
    ReferenceIndex(str(idx))
    ReferenceIndex(str(idx))
    assert len(reads) == 2 * len(files)
    settled = time.time() - integrity.RACY_SECONDS - 1
    for f in files:
        os.utime(f, (settled, settled))
    ReferenceIndex(str(idx))
    assert len(reads) == 3 * len(files)
    ReferenceIndex(str(idx))
    assert len(reads) == 3 * len(files)  # remembered
    (tmp_path / "cache" / "verified.json").unlink()
    ReferenceIndex(str(idx))
    assert len(reads) == 4 * len(files)


def test_a_change_that_keeps_size_and_time_is_found_by_index_verify(tmp_path: Path) -> None:
    from provcheck.index import integrity

    idx = built(tmp_path)
    target = shard_file(idx, "texts.zst")
    settled = time.time() - integrity.RACY_SECONDS - 1
    os.utime(target, (settled, settled))
    ReferenceIndex(str(idx))  # verified and remembered by (size, time, inode)
    data = bytearray(target.read_bytes())
    data[5] ^= 0x01
    with open(target, "r+b") as fh:  # same inode, same size, then the old time put back
        fh.write(bytes(data))
    os.utime(target, (settled, settled))
    assert damaged(str(idx)) == [str(target)]


def integrity_files(idx: Path) -> list[Path]:
    (shard,) = (idx / "shards").iterdir()
    return list(shard.iterdir())


def test_edited_manifest_is_detected(tmp_path: Path) -> None:
    idx = built(tmp_path)
    manifest = idx / "manifest.json"
    body = json.loads(manifest.read_text())
    body["sources"]["a"]["provider"] = "someone-else"
    manifest.write_text(json.dumps(body))
    with pytest.raises(IndexCorruptError, match="checksum"):
        ReferenceIndex(str(idx))


def test_interrupted_add_leaves_the_previous_index_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    idx = built(tmp_path)
    digest = ReferenceIndex(str(idx)).digest
    path = refs_file(tmp_path, "b", [UNRELATED_TEXT] * 2500)  # 3 batches of 1,024 records

    calls = {"n": 0}
    real = ShardBuilder.add_chunk

    def flaky(self: ShardBuilder, *args: Any) -> int:
        calls["n"] += 1
        if calls["n"] > 1:
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(ShardBuilder, "add_chunk", flaky)
    with pytest.raises(KeyboardInterrupt), IndexWriter(str(idx)) as writer:
        add_file(writer, spec(path, "b"))
        writer.commit()
    monkeypatch.undo()
    index = ReferenceIndex(str(idx))
    assert index.digest == digest and set(index.sources) == {"a"}
    assert not (idx / "tmp").exists()
    assert len(list((idx / "shards").iterdir())) == 1


def test_interrupted_just_after_the_manifest_was_replaced_keeps_the_new_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provcheck.support import atomic  # every atomic write's directory fsync, the manifest's too

    idx = built(tmp_path)
    real = atomic.fsync_dir

    def interrupted(directory: str) -> None:
        if directory == str(idx):  # the manifest's rename, not the shards'
            raise KeyboardInterrupt
        real(directory)

    monkeypatch.setattr(atomic, "fsync_dir", interrupted)
    with pytest.raises(KeyboardInterrupt):
        add(idx, spec(refs_file(tmp_path, "b", [UNRELATED_TEXT]), "b"))
    monkeypatch.undo()
    index = ReferenceIndex(str(idx))  # the new manifest names the new shard: it must still exist
    assert set(index.sources) == {"a", "b"} and len(index.shards) == 2 and damaged(str(idx)) == []


def test_a_manifest_that_cannot_be_written_leaves_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from provcheck.index import manifest as mf

    idx = built(tmp_path)
    digest = ReferenceIndex(str(idx)).digest

    def full(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), dst)

    monkeypatch.setattr(mf.os, "replace", full)
    with pytest.raises(IndexWriteError, match=r"No space left on device .*manifest\.json.*nothing was added"):
        add(idx, spec(refs_file(tmp_path, "b", [UNRELATED_TEXT]), "b"))
    monkeypatch.undo()
    index = ReferenceIndex(str(idx))
    assert index.digest == digest and len(list((idx / "shards").iterdir())) == 1
    assert not (idx / "manifest.json.tmp").exists() and not (idx / "tmp").exists()


def test_leftovers_of_a_killed_writer_are_cleaned_by_the_next(tmp_path: Path) -> None:
    idx = built(tmp_path)
    (idx / "tmp" / "deadbeef").mkdir(parents=True)
    (idx / "shards" / "000099-orphan").mkdir()
    (idx / "manifest.json.tmp").write_text("{half a manifest")
    add(idx, spec(refs_file(tmp_path, "b", [UNRELATED_TEXT]), "b"))
    assert not (idx / "shards" / "000099-orphan").exists() and not (idx / "manifest.json.tmp").exists()
    assert len(ReferenceIndex(str(idx)).shards) == 2


def _hold_lock(
    path: str, ready: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event
) -> None:
    with IndexWriter(path):
        ready.set()
        release.wait(10)


def test_concurrent_writers_are_serialized(tmp_path: Path) -> None:
    idx = built(tmp_path)
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(idx), ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        started = time.monotonic()
        with (
            pytest.raises(IndexLockedError, match=f"pid {holder.pid}"),
            IndexWriter(str(idx), lock_timeout=0.3),
        ):
            pass
        assert time.monotonic() - started >= 0.3
    finally:
        release.set()
        holder.join(10)
    with IndexWriter(str(idx)) as writer:  # free again
        writer.commit()


def test_empty_reference_file_adds_no_shard(tmp_path: Path) -> None:
    idx = built(tmp_path)
    emoji = write_jsonl(tmp_path / "emoji.jsonl", [{"text": "🙂🙂"}])
    with pytest.raises(InputError, match=r"no reference turn .* 1 turn\(s\) taken had no words"):
        add(idx, spec(emoji, "emoji"))
    assert "emoji" not in ReferenceIndex(str(idx)).manifest.sources  # nothing was added
    add(idx, dataclasses.replace(spec(emoji, "emoji"), allow_no_turns=True))  # the explicit opt-out
    index = ReferenceIndex(str(idx))
    assert len(index.shards) == 1 and index.manifest.sources["emoji"].records == 1


def test_a_source_with_only_prompts_is_an_input_error_naming_the_roles(tmp_path: Path) -> None:
    humans = write_jsonl(
        tmp_path / "humans.jsonl",
        [{"conversations": [{"from": "human", "value": REFERENCE_TEXTS[0]}]}],
    )
    idx = tmp_path / "idx"
    with pytest.raises(InputError) as err:
        add(idx, AddSpec(str(humans), SourceInfo(SourceName("h")), RecordOptions()))
    assert err.value.exit_code == 4
    assert "roles found: human (user)" in err.value.message and "--roles" in str(err.value)


def test_roles_choose_reference_turns(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "chat.jsonl",
        [
            {
                "conversations": [
                    {"from": "human", "value": REFERENCE_TEXTS[0]},
                    {"from": "gpt", "value": REFERENCE_TEXTS[1]},
                ]
            }
        ],
    )
    idx = tmp_path / "idx"
    add(idx, AddSpec(str(path), SourceInfo(SourceName("c")), RecordOptions()))
    index = ReferenceIndex(str(idx))
    assert query(index, REFERENCE_TEXTS[1]) and not query(index, REFERENCE_TEXTS[0])
    assert os.path.isdir(idx / "shards")


def test_batched_lookup_equals_one_query_at_a_time(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    add(idx, spec(refs_file(tmp_path, "a", REFERENCE_TEXTS), "a"))
    add(idx, spec(refs_file(tmp_path, "b", [REFERENCE_TEXTS[1], UNRELATED_TEXT]), "b"))
    index = ReferenceIndex(str(idx))
    f = Fingerprinter(index.config)
    texts = [*REFERENCE_TEXTS, UNRELATED_TEXT, "", REFERENCE_TEXTS[0][:150] + " " + UNRELATED_TEXT]
    queries = [fp.anchors for fp in f.of_texts(texts)]
    config = MatchConfig()
    assert index.candidates_many(queries, config) == [index.candidates(q, config) for q in queries]
    assert sum(len(c) for c in index.candidates_many(queries, config)) >= 6
    # Cut to ``max_candidates`` per query, in the order of the one-query lookup.
    loose = MatchConfig(max_candidates=1, min_hits=1, min_hit_share=0.0, strong_hits=1)
    many = index.candidates_many([q[:3] for q in queries], loose)
    assert many == [index.candidates(q[:3], loose) for q in queries] and max(len(c) for c in many) == 1
    assert index.candidates_many([q[:0] for q in queries], config) == [[] for _ in queries]


def test_worker_processes_build_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from provcheck.ingest import add as build_module

    monkeypatch.setattr(build_module, "_BATCH_RECORDS", 4)  # several batches, so the pool is used
    rows = [{"id": f"r{i}", "text": f"{REFERENCE_TEXTS[i % 3]} variant {i}"} for i in range(30)]
    path = write_jsonl(tmp_path / "many.jsonl", rows)
    digests = []
    for workers in (1, 2):
        idx = tmp_path / f"idx{workers}"
        with IndexWriter(str(idx)) as writer:
            add_file(writer, spec(path, "many"), workers=workers)
            writer.commit()
        index = ReferenceIndex(str(idx))
        shard = index.shards[0]
        digests.append([f.xxh3 for name, f in sorted(shard.entry.files.items())])
    assert digests[0] == digests[1]


def test_reference_text_repeating_its_prompt_is_not_evidence(tmp_path: Path) -> None:
    quoted = REFERENCE_TEXTS[2]
    answer = "Here is a summary of the passage you gave me. " + quoted + " " + REFERENCE_TEXTS[0]
    path = write_jsonl(tmp_path / "alpaca.jsonl", [{"instruction": "Summarize: " + quoted, "output": answer}])
    idx = tmp_path / "idx"
    add(idx, spec(path, "a"))
    index = ReferenceIndex(str(idx))
    key = index.candidates(Fingerprinter(index.config).of_text(answer).anchors, MatchConfig())[0].key
    ((start, end),) = index.echo(key)
    assert end - start >= 70  # the quoted passage
    from provcheck.matching.verify import align

    f = Fingerprinter(index.config)
    prompt_copy = f.of_text("Please summarize this: " + quoted)
    answer_copy = f.of_text(REFERENCE_TEXTS[0])
    assert align(prompt_copy.codes, index.codes(key), MatchConfig()) is not None  # without the echo
    assert align(prompt_copy.codes, index.codes(key), MatchConfig(), index.echo(key)) is None
    assert align(answer_copy.codes, index.codes(key), MatchConfig(), index.echo(key)) is not None


def test_anchor_document_frequency_counts_every_shard(tmp_path: Path) -> None:
    """The frequency convergence rests on stays right as sources and shards are added, and
    counts distinct texts: the same text in two shards or sources is one text."""
    idx = tmp_path / "idx"
    add(idx, spec(refs_file(tmp_path, "a", REFERENCE_TEXTS[:2]), "a"))
    anchors = Fingerprinter(ReferenceIndex(str(idx)).config).of_text(REFERENCE_TEXTS[0]).anchors
    once = ReferenceIndex(str(idx)).frequency(anchors)
    assert once.min() >= 1 and len(once) == len(anchors)
    add(idx, spec(refs_file(tmp_path, "b", [REFERENCE_TEXTS[0]]), "b"))
    assert (ReferenceIndex(str(idx)).frequency(anchors) == once).all()
    add(idx, spec(refs_file(tmp_path, "c", [REFERENCE_TEXTS[0] + " And one more sentence at the end."]), "c"))
    assert (ReferenceIndex(str(idx)).frequency(anchors) >= once + 1).sum() >= len(anchors) // 2
    unrelated = Fingerprinter(ReferenceIndex(str(idx)).config).of_text(UNRELATED_TEXT).anchors
    assert not ReferenceIndex(str(idx)).frequency(unrelated).any()


def test_the_verification_cache_is_parsed_once_while_it_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An index of many sources opens a shard per source, and each shard's check parsed the
    # stamp file again (204 parses for 204 sources); a rewritten file is read again.
    from provcheck.index import integrity

    idx = built(tmp_path)
    settled = time.time() - integrity.RACY_SECONDS - 1
    for f in integrity_files(idx):
        os.utime(f, (settled, settled))
    ReferenceIndex(str(idx))  # verified and remembered
    parses: list[int] = []
    counted = types.SimpleNamespace(load=lambda fh: parses.append(1) or json.load(fh), dumps=json.dumps)
    monkeypatch.setattr(integrity, "json", counted)  # the stamp file's parses, no other
    reads: list[str] = []
    real_digest = integrity.file_digest
    monkeypatch.setattr(integrity, "file_digest", lambda p: reads.append(p) or real_digest(p))
    for _ in range(3):
        ReferenceIndex(str(idx))
    assert len(parses) <= 1 and reads == []
    stamps = tmp_path / "cache" / "verified.json"
    stamps.write_text("[]")  # forgotten: the next open reads the file and verifies again
    ReferenceIndex(str(idx))
    assert len(parses) == 2 and len(reads) == len(integrity_files(idx))
