"""The index format: what a shard stores is what the previous format stored, in less space.

The digests below were computed with provcheck's format-1 writer (uncompressed texts, UTF-32
codes; ``main`` before the compact format) on the same corpus: the compact writer, its worker
processes and the batch tokenizer must reproduce every anchor, posting, code, echo, text and
reference record bit for bit.

Tokenizer 6 (2026-12-06: accents fold, Cyrillic lookalikes from Unicode's confusables data)
changed the tokens of the synthetic shard's ``naïve``, ``café``, ``résumé`` and ``алгоритм``:
shard 3's anchors, postings, anchor counts, text keys and codes were re-recorded then (with one
and with two workers, which agree); its texts, echoes and references, and shards 0-2, are still
format 1's digests.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xxhash

from helpers import run_cli, write_jsonl
from provcheck.index import ReferenceIndex
from provcheck.index import manifest as mf
from provcheck.index.blocks import join_codes, split_codes
from provcheck.index.writer import IndexWriter
from provcheck.ingest.add import AddSpec, add_file
from provcheck.ingest.sources import load_sources
from provcheck.model import SourceInfo, SourceName

ROOT = Path(__file__).resolve().parents[2]

FORMAT_1 = {
    "0": {"anchors": "89c76be974a4fbb5", "postings": "63caf72822e4d723", "anchor_counts": "92e117d5a132fc65",
          "text_keys": "82e5afca776863af", "codes": "cb702ef9c1215f01", "echoes": "d2aec3ce94fc6e21",
          "texts": "f4a357d5d767577e", "refs": "39e1b405e7a75c73"},
    "1": {"anchors": "75e108df73d51fe2", "postings": "bba1fbcaf939ffb3", "anchor_counts": "369de5da3c2e7173",
          "text_keys": "642a0d0b425a7f28", "codes": "b72523e1359f9e00", "echoes": "6e1fefe05871a5b7",
          "texts": "0de1427a4d88e815", "refs": "3422563e08df5924"},
    "2": {"anchors": "48041eb04430d7db", "postings": "b38e2a092340d747", "anchor_counts": "55ebf18f36c2aaf4",
          "text_keys": "766efce93b925d24", "codes": "b61fabdab088ea2c", "echoes": "6e1fefe05871a5b7",
          "texts": "01f94265049ceea1", "refs": "cb02fed32a258c79"},
    "3": {"anchors": "3845703f3332fdcc", "postings": "1d727b502f738159", "anchor_counts": "810decd945483173",
          "text_keys": "3eacf2d32b0990d2", "codes": "60ee4daa6abf89a6", "echoes": "82b606da6e15ba3b",
          "texts": "6f7e3d35d76762de", "refs": "c0839b9e10dda162"},
}  # fmt: skip


def synthetic(path: Path) -> Path:
    """1,500 chat records (two batches): characters folding to several, outside the BMP,
    unspaced scripts, answers quoting their prompt, repeated answers, answers without words."""
    rng = random.Random(17)
    words = [
        "the",
        "model",
        "answer",
        "data",
        "policy",
        "index",
        "shard",
        "token",
        "copy",
        "straße",
        "naïve",
        "café",
        "résumé",
        "…",
        "😀",
        "中文",
        "测试",
        "ﬁle",
        "½",
        "𝐁𝐨𝐥𝐝",
        "алгоритм",
    ]
    recs: list[dict[str, Any]] = []
    for i in range(1500):
        prompt = " ".join(rng.choice(words) for _ in range(rng.randrange(3, 30)))
        answer = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 120)))
        if i % 5 == 0:
            answer = prompt + " " + answer
        if i % 7 == 0 and recs:
            answer = recs[rng.randrange(len(recs))]["messages"][1]["content"]
        if i % 11 == 0:
            answer = "!!! 😀"
        recs.append(
            {
                "id": f"r{i}",
                "messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}],
            }
        )
    return write_jsonl(path, recs)


def build(tmp_path: Path, workers: int) -> Path:
    idx = tmp_path / f"idx{workers}"
    specs = load_sources(str(ROOT / "fixtures" / "demo" / "sources.yaml"))
    data = synthetic(tmp_path / "synthetic.jsonl")
    specs.append(AddSpec(path=str(data), source=SourceInfo(name=SourceName("synthetic"))))
    with IndexWriter(str(idx)) as writer:
        for spec in specs:
            add_file(writer, spec, workers=workers)
        writer.commit()
    return idx


def digests(idx: Path) -> dict[str, dict[str, str]]:
    index = ReferenceIndex(str(idx))
    out = {}
    for s, sh in enumerate(index.shards):
        n = len(sh.text_keys)

        def h(data: bytes) -> str:
            return xxhash.xxh3_64_hexdigest(data)

        # Request keys (``matching.request``, added after format 1) are checked on their own.
        refs = [
            [
                {**{k: v for k, v in r.items() if k != "request"}, "path": os.path.basename(r["path"])}
                for r in sh.refs(t)
            ]
            for t in range(n)
        ]
        out[str(s)] = {
            "anchors": h(np.ascontiguousarray(sh.anchors).tobytes()),
            "postings": h(np.ascontiguousarray(sh.postings).tobytes()),
            "anchor_counts": h(np.ascontiguousarray(sh.anchor_counts).tobytes()),
            "text_keys": h(np.ascontiguousarray(sh.text_keys).tobytes()),
            "codes": h("\x00".join(sh.codes(t) for t in range(n)).encode("utf-32-le", "surrogatepass")),
            "echoes": h(json.dumps([sh.echo(t) for t in range(n)]).encode()),
            "texts": h("\x00".join(sh.text(t) for t in range(n)).encode("utf-8", "surrogatepass")),
            "refs": h(json.dumps(refs, sort_keys=True).encode()),
        }
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_the_compact_format_stores_what_format_1_stored_bit_for_bit(tmp_path: Path, workers: int) -> None:
    assert digests(build(tmp_path, workers)) == FORMAT_1


def test_reference_records_keep_the_key_of_their_request(tmp_path: Path) -> None:
    from provcheck.matching.request import request_key

    index = ReferenceIndex(str(build(tmp_path, 1)))
    refs = [r for sh in index.shards for t in range(len(sh.text_keys)) for r in sh.refs(t)]
    keyed = [r for r in refs if "request" in r]
    assert keyed, "records with a request keep its key"
    assert all(isinstance(r["request"], str) and len(r["request"]) == 16 for r in keyed)
    assert request_key(["Say hi."]) == request_key(["say HI"])


def test_token_codes_pack_into_20_bits_and_back() -> None:
    values = np.array([0, 1, 0xD6FF, 0xD700, 0xD701, 0xFFFF, 0x10000, 0xFFFFF], dtype=np.uint32) + 0x100
    values[values >= 0xD800] += 0x800  # as fingerprint._codes shifts them past the surrogates
    codes = values.tobytes().decode("utf-32-le")
    low, high = split_codes(codes)
    assert int(high.max()) == 15 and join_codes(low, high) == codes


@pytest.mark.parametrize("version", [1, 2])
def test_an_index_of_a_previous_format_is_refused_with_a_request_to_rebuild(
    tmp_path: Path, version: int
) -> None:
    idx = tmp_path / "idx"
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"text": "a reference text with enough words to index"}])
    run_cli(["index", "add", idx, refs, "--source", "s", "-q"])
    body = json.loads((idx / "manifest.json").read_text())
    del body["checksum"]
    body["format_version"] = version
    body["checksum"] = mf._checksum(body)
    (idx / "manifest.json").write_text(json.dumps(body))
    for args in (
        ["scan", refs, "--index", idx, "-q"],
        ["index", "info", idx],
        ["index", "add", idx, refs, "--source", "t", "-q"],
    ):
        err = run_cli(args, 5).stderr
        assert f"index format version {version}; this provcheck reads version 3" in err
        assert "token-trigram hashes" in err
        assert "provcheck index add NEW_INDEX FILE --source NAME" in err


def test_index_info_shows_bytes_per_reference_by_component(tmp_path: Path) -> None:
    idx = build(tmp_path, 1)
    info = json.loads(run_cli(["index", "info", idx, "--format", "json"]).stdout)
    parts = info["size_by_component"]
    assert set(parts) == {"anchors", "trigrams", "text", "codes", "echoes", "refs"}
    assert sum(parts.values()) == info["size_bytes"]
    assert "bytes per reference" in run_cli(["index", "info", idx]).stdout


def test_a_full_verification_cache_keeps_the_newest_stamps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stamps of other indexes whose paths sort after this one's fill the cache: cutting the
    # sorted list dropped this index's stamps, and every open read every file again.
    from provcheck.index import integrity

    cache = tmp_path / "cache"
    monkeypatch.setenv("PROVCHECK_CACHE_DIR", str(cache))
    cache.mkdir()
    (cache / "verified.json").write_text(json.dumps([f"~/zz/{i}" for i in range(integrity._MAX_STAMPS)]))
    idx = tmp_path / "idx"
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"text": "a reference text with enough words to index"}])
    run_cli(["index", "add", idx, refs, "--source", "s", "-q"])
    settled = __import__("time").time() - integrity.RACY_SECONDS - 1
    for f in (idx / "shards").glob("*/*"):
        os.utime(f, (settled, settled))
    ReferenceIndex(str(idx))
    reads: list[str] = []
    real = integrity.file_digest
    monkeypatch.setattr(integrity, "file_digest", lambda p: reads.append(p) or real(p))
    ReferenceIndex(str(idx))
    assert reads == []


def test_stamps_of_files_that_are_gone_leave_the_verification_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A day of benchmark runs filled the cache with 20,000 stamps of deleted work directories,
    # parsed on every index open; the next save drops them.
    from provcheck.index import integrity

    cache = tmp_path / "cache"
    monkeypatch.setenv("PROVCHECK_CACHE_DIR", str(cache))
    cache.mkdir()
    gone = [f"{tmp_path}/removed/{i}.npy|0|1|2|3" for i in range(100)]
    (cache / "verified.json").write_text(json.dumps(gone))
    idx = tmp_path / "idx"
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"text": "a reference text with enough words to index"}])
    run_cli(["index", "add", idx, refs, "--source", "s", "-q"])
    settled = __import__("time").time() - integrity.RACY_SECONDS - 1
    for f in (idx / "shards").glob("*/*"):
        os.utime(f, (settled, settled))
    ReferenceIndex(str(idx))
    kept = json.loads((cache / "verified.json").read_text())
    assert kept and not any(s.startswith(f"{tmp_path}/removed/") for s in kept)
    assert all(s.startswith(str(idx)) for s in kept)
