"""Fingerprint packs as a user meets them: ``pack create``, ``scan --index PACK``, every report,
what a pack holds (no reference text), tampering, the keyed variant, packs beside indexes."""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import zstandard

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, check_json_report, run_cli, write_jsonl
from provcheck.index import ReferenceIndex
from provcheck.index.store import iter_texts
from provcheck.matching.normalize import canonical

KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
EDITED = REFERENCE_TEXTS[1].replace("reliable", "dependable").replace("connectionless", "connection-free")
EXCERPT = "Here is what I found. " + REFERENCE_TEXTS[2][:330] + " That is the short version."


def _dataset(tmp_path: Path) -> Path:
    rows = [
        ("c0", UNRELATED_TEXT),
        ("c1", EDITED),
        ("c2", REFERENCE_TEXTS[0]),
        ("c3", EXCERPT),
    ]
    return write_jsonl(
        tmp_path / "data" / "train.jsonl",
        [
            {"id": i, "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": t}]}
            for i, t in rows
        ],
    )


def _pack(index: Path, out: Path, *extra: object, publisher: str = "Acme Models") -> Path:
    run_cli(["pack", "create", index, "-o", out, "--publisher", publisher, "-q", *extra])
    return out


def _scan(data: Path, *indexes: Path, code: int = 0, fmt: str = "json") -> str:
    args: list[object] = ["scan", data, "--format", fmt, "-q", "--fail-on", "never", "--no-cache"]
    for i in indexes:
        args += ["--index", i]
    return run_cli(args, code).stdout


def _pairs(doc: dict) -> set[tuple[str, str, str]]:  # type: ignore[type-arg]
    return {(m["record"]["id"], m["reference"]["id"], m["kind"]) for m in doc["matches"]}


def test_a_pack_finds_what_its_index_finds_located_and_with_the_text_withheld(
    tmp_path: Path, index_dir: Path
) -> None:
    data = _dataset(tmp_path)
    pack = _pack(index_dir, tmp_path / "refs.pack")
    with_text = json.loads(_scan(data, index_dir))
    doc = json.loads(_scan(data, pack))
    check_json_report(doc)
    assert _pairs(doc) == _pairs(with_text)
    assert {m["record"]["id"] for m in doc["matches"]} == {"c1", "c2", "c3"}
    by_id = {m["record"]["id"]: m for m in doc["matches"]}
    for rid, plain in ((r, m) for m in with_text["matches"] for r in [m["record"]["id"]]):
        m = by_id[rid]
        assert m["reference"]["withheld"] == "Acme Models"
        assert "withheld" not in plain["reference"]
        # Located on the candidate side exactly as with text; the reference side in tokens.
        assert [s["candidate"] for s in m["spans"]] == [s["candidate"] for s in plain["spans"]]
        assert all(s["reference"]["unit"] == "token" and s["reference"]["text"] == "" for s in m["spans"])
        assert m["scores"]["matched_tokens"] == plain["scores"]["matched_tokens"]
    excerpt = by_id["c3"]["spans"][0]["candidate"]["text"]
    assert excerpt in EXCERPT and len(excerpt) > 200
    (member,) = doc["run"]["index"]["members"]
    assert member["kind"] == "pack" and member["publisher"] == "Acme Models" and member["keyed"] is False
    assert doc["run"]["index"]["sources"] == ["share"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "sarif", "csv", "junit"])
def test_every_report_shows_the_candidate_and_says_the_reference_is_withheld(
    tmp_path: Path, index_dir: Path, fmt: str
) -> None:
    data = _dataset(tmp_path)
    pack = _pack(index_dir, tmp_path / "refs.pack", publisher="Acme <Models>")
    out = _scan(data, pack, fmt=fmt)
    if fmt == "sarif":
        assert "withheld by the pack's publisher (Acme <Models>)" in out
    elif fmt == "html":
        assert "withheld by the pack&#x27;s publisher (Acme &lt;Models&gt;)" in out
        assert "<Models>" not in out  # escaped like every string from an index
        assert 'class="same"' in out  # the candidate's aligned regions are marked
    elif fmt in ("text", "markdown"):
        assert "withheld by the pack's publisher (Acme" in out
    elif fmt == "junit":
        assert "withheld by the pack&apos;s publisher (Acme &lt;Models&gt;)" in out or (
            "withheld by the pack's publisher (Acme &lt;Models&gt;)" in out
        )
    elif fmt == "csv":
        header, *rows = csv.reader(io.StringIO(out))
        at = header.index("reference_withheld")
        assert rows and all(r[at] == "Acme <Models>" for r in rows if r[header.index("match_id")])
    if fmt in ("text", "html", "csv"):
        assert "three-way" in out  # the candidate's aligned text is shown


def _windows(text: str, n: int = 8) -> list[str]:
    words = canonical(text).lower().split()
    return [" ".join(words[i : i + n]) for i in range(max(len(words) - n + 1, 1))]


def _decoded(blob: bytes) -> list[bytes]:
    """The blob, and whatever gzip, zlib or zstd make of it."""
    out = [blob]
    for decode in (gzip.decompress, zlib.decompress, lambda b: zstandard.ZstdDecompressor().decompress(b)):
        with contextlib.suppress(Exception):  # not compressed that way
            out.append(decode(blob))
    return out


@pytest.mark.parametrize("keyed", [False, True])
def test_no_reference_passage_or_rare_word_is_in_any_file_of_a_pack(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch, keyed: bool
) -> None:
    if keyed:
        monkeypatch.setenv("PROVCHECK_PACK_KEY", KEY)
    pack = _pack(index_dir, tmp_path / "refs.pack", *(["--keyed"] if keyed else []))
    blobs = [pack.read_bytes()]
    with zipfile.ZipFile(pack) as zf:
        blobs += [zf.read(n) for n in zf.namelist()]
    texts = [b.decode("utf-8", "replace").lower() for blob in blobs for b in _decoded(blob)] + [
        b.decode("utf-16-le", "replace").lower() for blob in blobs for b in _decoded(blob)
    ]
    rare = {w for t in REFERENCE_TEXTS for w in re.findall(r"[a-z]{9,}", t.lower())}
    assert len(rare) > 20
    for text in texts:
        for ref in REFERENCE_TEXTS:
            for window in _windows(ref):
                assert window not in text
        leaked = sorted(w for w in rare if w in text)
        assert not leaked, f"reference words in the pack: {leaked}"
    # ...while the index with text holds them (the test can see a leak).
    # (its texts are zstd blocks since index format 2: read through the index, not the files)
    index_text = " ".join(t for _, t in iter_texts(ReferenceIndex(str(index_dir))))
    assert any(w in index_text.lower() for w in rare)


def _rewrite(pack: Path, out: Path, change: str) -> Path:
    with zipfile.ZipFile(pack) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    if change == "member":
        blob = bytearray(members["codes.npy"])
        blob[-1] ^= 0xFF
        members["codes.npy"] = bytes(blob)
    elif change == "publisher":
        members["pack.json"] = members["pack.json"].replace(b"Acme Models", b"Other Corp!")
    elif change == "extra":
        members["texts.bin"] = b"extra"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    out.write_bytes(buf.getvalue())
    return out


@pytest.mark.parametrize("change", ["member", "publisher", "extra", "truncated"])
def test_a_damaged_or_modified_pack_is_an_index_error(tmp_path: Path, index_dir: Path, change: str) -> None:
    pack = _pack(index_dir, tmp_path / "refs.pack")
    if change == "truncated":
        bad = tmp_path / "bad.pack"
        bad.write_bytes(pack.read_bytes()[: pack.stat().st_size // 2])
    else:
        bad = _rewrite(pack, tmp_path / "bad.pack", change)
    data = _dataset(tmp_path)
    result = run_cli(["scan", data, "--index", bad, "-q"], 5)
    assert "bad.pack" in result.stderr and "Traceback" not in result.stderr
    run_cli(["pack", "info", bad], 5)
    run_cli(["pack", "info", pack], 0)


def test_a_keyed_pack_matches_only_with_its_key(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _dataset(tmp_path)
    monkeypatch.setenv("PROVCHECK_PACK_KEY", KEY)
    keyed = _pack(index_dir, tmp_path / "keyed.pack", "--keyed")
    doc = json.loads(_scan(data, keyed))
    monkeypatch.delenv("PROVCHECK_PACK_KEY")
    plain = _pack(index_dir, tmp_path / "plain.pack")
    assert _pairs(doc) == _pairs(json.loads(_scan(data, plain)))
    assert doc["run"]["index"]["members"][0]["keyed"] is True
    with zipfile.ZipFile(keyed) as a, zipfile.ZipFile(plain) as b:
        for name in ("codes.npy", "anchors.npy", "text_keys.npy"):
            assert a.read(name) != b.read(name)
    assert KEY not in keyed.read_bytes().decode("latin-1") and bytes.fromhex(KEY) not in keyed.read_bytes()
    missing = run_cli(["scan", data, "--index", keyed, "-q"], 5)
    assert "PROVCHECK_PACK_KEY" in missing.stderr
    monkeypatch.setenv("PROVCHECK_PACK_KEY", "ff" * 32)
    wrong = run_cli(["scan", data, "--index", keyed, "-q"], 5)
    assert "not this pack's key" in wrong.stderr


def test_packs_and_indexes_combine_in_one_scan(tmp_path: Path, index_dir: Path) -> None:
    data = _dataset(tmp_path)
    pack = _pack(index_dir, tmp_path / "refs.pack")
    other = tmp_path / "other-index"
    refs = write_jsonl(tmp_path / "other.jsonl", [{"id": "tides", "text": UNRELATED_TEXT}])
    run_cli(["index", "add", other, refs, "--source", "tides-src", "--provider", "example", "-q"])
    doc = json.loads(_scan(data, other, pack))
    check_json_report(doc)
    found = {
        (m["record"]["id"], m["reference"]["source"], "withheld" in m["reference"]) for m in doc["matches"]
    }
    assert ("c0", "tides-src", False) in found  # matched with text, from the index
    assert ("c1", "share", True) in found  # matched through the pack, text withheld
    assert [m["kind"] for m in doc["run"]["index"]["members"]] == ["index", "pack"]
    assert doc["run"]["index"]["sources"] == ["share", "tides-src"]


def test_pack_create_refuses_what_it_cannot_do(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "p.pack"
    run_cli(["pack", "create", index_dir, "-o", out, "--publisher", "x", "--ngram", "1"], 2)
    run_cli(["pack", "create", index_dir, "-o", out], 2)  # no publisher
    run_cli(["pack", "create", index_dir, "-o", index_dir, "--publisher", "x"], 2)
    run_cli(["pack", "create", index_dir, "-o", out, "--publisher", "x", "--keyed"], 2)  # no key
    monkeypatch.setenv("PROVCHECK_PACK_KEY", KEY)
    run_cli(["pack", "create", index_dir, "-o", out, "--publisher", "x"], 2)  # key given, not --keyed
    monkeypatch.setenv("PROVCHECK_PACK_KEY", "abcd")
    short = run_cli(["pack", "create", index_dir, "-o", out, "--publisher", "x", "--keyed"], 2)
    assert "at least 16" in short.stderr
    monkeypatch.setenv("PROVCHECK_PACK_KEY", "not hex at all")
    run_cli(["pack", "create", index_dir, "-o", out, "--publisher", "x", "--keyed"], 2)
    assert not out.exists()
    monkeypatch.delenv("PROVCHECK_PACK_KEY")
    run_cli(["pack", "create", tmp_path / "nowhere", "-o", out, "--publisher", "x"], 5)
    assert not out.exists()


def test_pack_info_shows_publisher_date_digest_and_sources(tmp_path: Path, index_dir: Path) -> None:
    pack = _pack(index_dir, tmp_path / "refs.pack")
    info = json.loads(run_cli(["pack", "info", pack, "--format", "json"]).stdout)
    assert info["publisher"] == "Acme Models" and info["keyed"] is False
    assert re.fullmatch(r"[0-9a-f]{64}", info["digest"])
    assert info["sources"]["share"]["provider"] == "openai"
    text = run_cli(["pack", "info", pack]).stdout
    assert "Acme Models" in text and info["digest"] in text and "no reference text" in text


def test_index_commands_given_a_pack_point_to_pack_info(tmp_path: Path, index_dir: Path) -> None:
    pack = _pack(index_dir, tmp_path / "refs.pack")
    for args, code in (
        (["index", "info", pack], 5),
        (["index", "verify", pack], 5),
        (["index", "add", pack, _dataset(tmp_path), "--source", "more"], 2),
    ):
        err = run_cli(args, code).stderr
        assert "fingerprint pack" in err, err
    assert "provcheck pack info" in run_cli(["index", "info", pack], 5).stderr
    assert zipfile.is_zipfile(pack)  # not written to


def test_baseline_accepts_a_pack(tmp_path: Path, index_dir: Path) -> None:
    data = _dataset(tmp_path)
    pack = _pack(index_dir, tmp_path / "refs.pack")
    out = tmp_path / "waivers.yaml"
    run_cli(["baseline", data, "--index", pack, "-o", out, "-q"])
    assert out.read_text().count("<- share") == 3  # c1, c2, c3 matched through the pack


def _forged(pack: Path, out: Path, edit: str) -> Path:
    """A pack whose manifest digest is recomputed after the edit: damage a digest cannot see."""
    with zipfile.ZipFile(pack) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    body = json.loads(members.pop("pack.json"))
    if edit == "postings":
        buf = io.BytesIO()
        np.save(buf, np.full(body["anchors"], 10**6, dtype=np.uint32))
        members["postings.npy"] = buf.getvalue()
    elif edit == "refs":
        members["refs.jsonl"] = b"[1, 2]\n" * body["refs"]
    elif edit == "fields":
        del body["ngram"]
    body["files"] = {n: {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()} for n, b in members.items()}
    body.pop("digest")
    body["digest"] = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=True).encode()).hexdigest()
    members["pack.json"] = json.dumps(body).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    out.write_bytes(buf.getvalue())
    return out


@pytest.mark.parametrize("edit", ["postings", "refs", "fields"])
def test_a_forged_pack_with_a_valid_digest_is_an_index_error_not_a_traceback(
    tmp_path: Path, index_dir: Path, edit: str
) -> None:
    pack = _pack(index_dir, tmp_path / "refs.pack")
    bad = _forged(pack, tmp_path / "forged.pack", edit)
    result = run_cli(["scan", _dataset(tmp_path), "--index", bad, "-q", "-j", "1"], 5)
    assert "forged.pack" in result.stderr and "Traceback" not in result.stderr


def test_one_source_name_with_two_sets_of_facts_is_refused(tmp_path: Path, index_dir: Path) -> None:
    pack = _pack(index_dir, tmp_path / "refs.pack")
    other = tmp_path / "other-index"
    refs = write_jsonl(tmp_path / "other.jsonl", [{"id": "tides", "text": UNRELATED_TEXT}])
    run_cli(["index", "add", other, refs, "--source", "share", "--provider", "anthropic", "-q"])
    result = run_cli(["scan", _dataset(tmp_path), "--index", pack, "--index", other, "-q"], 2)
    assert "source 'share'" in result.stderr


def test_a_pack_holds_no_request_key(tmp_path: Path) -> None:
    """The index keeps each reference record's request key (``matching.request``); a pack must
    not: an unkeyed digest of a prompt would let anyone holding it test guessed prompts offline."""
    refs = write_jsonl(
        tmp_path / "refs.jsonl",
        [
            {"id": f"r{i}", "instruction": f"Explain topic {i}.", "input": "", "output": t}
            for i, t in enumerate(REFERENCE_TEXTS)
        ],
    )
    index = tmp_path / "idx"
    run_cli(["index", "add", index, refs, "--source", "gpt", "-q"])
    held = [
        r
        for shard in ReferenceIndex(str(index)).shards
        for t in range(len(shard.text_keys))
        for r in shard.refs(t)
    ]
    assert held and all("request" in r for r in held)  # the test can see a leak
    pack = _pack(index, tmp_path / "refs.pack")
    with zipfile.ZipFile(pack) as zf:
        lines = [json.loads(line) for line in zf.read("refs.jsonl").splitlines()]
    assert lines and not any("request" in r for r in lines)


def test_a_pack_of_another_tokenizer_is_refused(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pack published before tokenizer 6 holds anchors of tokens this provcheck no longer
    # makes: refused (exit 5) with what to ask for, never matched. Simulated by the next version.
    from provcheck.index import pack as pack_module

    pack = _pack(index_dir, tmp_path / "refs.pack")
    monkeypatch.setattr(pack_module, "TOKENIZER_VERSION", pack_module.TOKENIZER_VERSION + 1)
    result = run_cli(["scan", _dataset(tmp_path), "--index", pack, "-q"], 5)
    assert "built with tokenizer version 6" in result.stderr and "ask the publisher" in result.stderr
