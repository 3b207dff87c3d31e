"""Fingerprint packs: an index's lookup tables and hashed token n-grams, and no reference text.

A pack is one zip file a publisher can hand out: what matching and verification need of every
reference text except the text itself.

* ``pack.json``: format, publisher, date, the fingerprint parameters, the n-gram size, whether
  the codes are keyed (and a check value that tells a scanner its key is right), the sources'
  facts, and the size and SHA-256 of every other member; its own ``digest`` is the SHA-256 of
  the rest of it, so the pack's identity covers every byte. It is checked on every open: a
  damaged or modified pack is an index error (exit 5).
* ``anchors.npy`` / ``postings.npy`` / ``anchor_counts.npy``: the anchor table, as in an index
  (keyed packs map every anchor through the key, so a guessed passage's anchors cannot be probed);
* ``trigrams.npy`` / ``trigram_postings.npy``: each text's smallest token-trigram hashes
  (``matching.trigrams``, the route for copies with dense word edits), keyed as the anchors are;
* ``codes.npy`` (uint16) + ``code_offsets.npy``: one hashed n-gram code per token of each text
  (``matching.hashed``): what alignment runs on instead of the text's own token codes;
* ``echoes.npy`` + ``echo_offsets.npy``: token ranges of each text that repeat its prompt;
* ``text_keys.npy``: identifies each text (identical texts are stored once);
* ``refs.jsonl`` + ``text_refs.npy``: the reference records of each text (id, source, role,
  field, file), never their text.

Everything is loaded into memory on open (a pack is about 1 KB a reference text; an index is
memory-mapped because it is about three times that and holds the texts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from provcheck import __version__
from provcheck.errors import IndexCorruptError, IndexMismatchError, ReferenceIndexError, UsageError
from provcheck.index.manifest import SourceEntry
from provcheck.index.shard import shared_keys
from provcheck.index.store import ReferenceIndex, TextKey
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.hashed import CODE_BITS, as_string, key_check, keyed_anchors, ngram_codes
from provcheck.matching.params import TOKENIZER_VERSION, FingerprintConfig
from provcheck.matching.trigrams import Deferred, sketch_of_hashes
from provcheck.model import SourceInfo, SourceName
from provcheck.support import atomic
from provcheck.support.arrays import key_ranges

FORMAT = "provcheck-pack"
FORMAT_VERSION = 2
"""2: each text's smallest token-trigram hashes (``matching.trigrams``), keyed as the anchors
are; a pack of version 1 is refused (its publisher makes it again with this provcheck)."""
MANIFEST = "pack.json"
DEFAULT_NGRAM = 3
"""Tokens hashed into each code: 3 keeps recall and precision within the benchmark's bounds of
the index with text (docs/packs.md) while no single word has a code of its own."""
KEY_ENV = "PROVCHECK_PACK_KEY"
"""Environment variable holding the key of a keyed pack, in hex (never stored in a pack)."""

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
_BATCH = 512
_ARRAYS = (
    "anchors",
    "postings",
    "anchor_counts",
    "codes",
    "code_offsets",
    "echoes",
    "echo_offsets",
    "text_keys",
    "text_refs",
    "trigrams",
    "trigram_postings",
)
REFS = "refs.jsonl"
_MAX_RATIO = 64
_SLACK = 64 << 20


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def is_pack(path: str) -> bool:
    """A file (not an index directory) that is a zip: what ``scan --index`` opens as a pack."""
    if not os.path.isfile(path):
        return False
    import zipfile  # here: a hook's index is a directory, and needs none

    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def parse_key(text: str, where: str = KEY_ENV) -> bytes:
    """A publisher key given in hex; at least 16 bytes."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise UsageError(
            f"{where}: not a hexadecimal key", hint="generate one with: openssl rand -hex 32"
        ) from None
    if len(key) < 16:
        raise UsageError(f"{where}: the key has {len(key)} bytes; at least 16 are needed")
    return key


def env_key() -> bytes | None:
    """The key in ``PROVCHECK_PACK_KEY``, if set."""
    value = os.environ.get(KEY_ENV)
    return parse_key(value) if value else None


@dataclass(frozen=True, slots=True)
class PackSummary:
    """What ``pack create`` wrote."""

    path: str
    digest: str
    texts: int
    refs: int
    size: int


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _sources_json(sources: dict[str, SourceEntry]) -> dict[str, Any]:
    # Only facts: the file list of an index names the publisher's own files and their digests.
    return {
        name: {
            "provider": e.info.provider,
            "generator": e.info.generator,
            "license": e.info.license,
            "terms": e.info.terms,
            "meta": dict(e.info.meta),
            **({"background": True} if e.info.background else {}),
            "records": e.records,
            "turns": e.turns,
        }
        for name, e in sorted(sources.items())
    }


def _public(ref: dict[str, Any]) -> dict[str, Any]:
    """A reference record as a pack holds it: the file's name, not the publisher's directories,
    and no request key (``matching.request``: an unkeyed digest of the prompt would let anyone
    holding the pack test guessed prompts offline; pack references are then judged as answers
    to other requests, the stricter reading)."""
    out = {k: v for k, v in ref.items() if k != "request"}
    path = out.get("path")
    if path:
        out["path"] = os.path.basename(str(path))
    return out


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


def create(
    index: ReferenceIndex,
    out: str,
    publisher: str,
    *,
    ngram: int = DEFAULT_NGRAM,
    key: bytes | None = None,
    progress: Callable[[int], None] | None = None,
) -> PackSummary:
    """Write the pack of ``index`` to ``out`` (atomically: nothing half-written is left)."""
    if not 2 <= ngram <= 8:
        raise UsageError(
            f"--ngram {ngram} is out of range; allowed: 2 to 8 tokens (1 would spell every word)"
        )
    if not publisher.strip():
        raise UsageError("--publisher must name who publishes the pack")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in publisher):
        # Shown in every report of every scan against the pack: no escapes, no bidi overrides.
        raise UsageError(f"--publisher {publisher!r}: control or formatting characters are not allowed")
    fingerprinter = Fingerprinter(index.config, literal=False)  # not stored in a pack
    ids: dict[int, int] = {}
    keys: list[int] = []
    refs: list[list[dict[str, Any]]] = []
    echoes: list[tuple[int, int]] = []
    echo_offsets = [0]
    codes: list[np.ndarray] = []
    code_offsets = [0]
    anchors: list[U32] = []
    sketches: list[U32] = []
    pending: list[tuple[int, str]] = []

    def flush() -> None:
        prints = fingerprinter.of_texts([t for _, t in pending])
        for (_, _), fp in zip(pending, prints, strict=True):
            c = ngram_codes(fp.tokens, ngram, key)
            codes.append(c)
            code_offsets.append(code_offsets[-1] + len(c))
            a = keyed_anchors(fp.anchors, key) if key is not None else fp.anchors
            anchors.append(np.unique(a))
            t = sketch_of_hashes(fp.tokens)
            sketches.append(np.unique(keyed_anchors(t, key)) if key is not None else t)
        pending.clear()
        if progress:
            progress(len(keys))

    for s, shard in enumerate(index.shards):
        for t in range(len(shard.text_keys)):
            digest = int(shard.text_keys[t])
            tid = ids.get(digest)
            shard_refs = [_public(r) for r in shard.refs(t)]
            if tid is not None:
                refs[tid].extend(shard_refs)
                continue
            tid = len(keys)
            ids[digest] = tid
            keys.append(digest)
            refs.append(list(shard_refs))
            echoes.extend(index.echo(TextKey(s, t)))
            echo_offsets.append(len(echoes))
            pending.append((tid, index.text(TextKey(s, t))))
            if len(pending) >= _BATCH:
                flush()
    if pending:
        flush()
    flat = np.concatenate(anchors) if anchors else np.zeros(0, np.uint32)
    sizes = np.array([len(a) for a in anchors], dtype=np.int64)
    owners = np.repeat(np.arange(len(sizes), dtype=np.uint32), sizes)
    order = np.argsort(flat, kind="stable")
    text_keys = np.array(keys, dtype=np.uint64)
    if key is not None:
        # Without the key, nobody can tell whether a text they hold is in the pack.
        text_keys = np.array(
            [
                int.from_bytes(
                    hashlib.blake2b(k.to_bytes(8, "little"), key=key, digest_size=8).digest(), "little"
                )
                for k in keys
            ],
            dtype=np.uint64,
        )
    counts = np.array([len(r) for r in refs], dtype=np.int64)
    trigrams, trigram_postings = _table(sketches)
    text_refs = np.zeros(len(keys) + 1, dtype=np.uint32)
    np.cumsum(counts, out=text_refs[1:])
    arrays = {
        "anchors": flat[order],
        "postings": owners[order],
        "anchor_counts": sizes.astype(np.uint32),
        "codes": np.concatenate(codes) if codes else np.zeros(0, np.uint16),
        "code_offsets": np.array(code_offsets, dtype=np.uint64),
        "echoes": np.array(echoes, dtype=np.uint32).reshape(-1, 2),
        "echo_offsets": np.array(echo_offsets, dtype=np.uint64),
        "text_keys": text_keys,
        "text_refs": text_refs,
        "trigrams": trigrams,
        "trigram_postings": trigram_postings,
    }
    members = {f"{name}.npy": _npy(a) for name, a in arrays.items()}
    members[REFS] = b"".join(
        json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        for group in refs
        for r in group
    )
    body: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "publisher": publisher.strip(),
        "created": _now(),
        "tool": f"provcheck {__version__}",
        "fingerprint": index.config.to_dict(),
        "signature": index.config.signature,
        # The index the pack was made from: a scan given both would count its texts twice.
        "index_digest": index.digest,
        "ngram": ngram,
        "code_bits": CODE_BITS,
        "keyed": key is not None,
        "key_check": key_check(key) if key is not None else None,
        "texts": len(keys),
        "refs": int(counts.sum()),
        "anchors": len(flat),
        "sources": _sources_json(index.manifest.sources),
        "files": {n: {"size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for n, d in members.items()},
    }
    body["digest"] = _digest(body)

    import zipfile

    def write(fh: IO[Any]) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            zf.writestr(MANIFEST, json.dumps(body, indent=1) + "\n")
            for name, data in members.items():
                zf.writestr(name, data)

    atomic.write_atomic(out, write, binary=True, durable=True)
    return PackSummary(out, body["digest"], len(keys), int(counts.sum()), os.path.getsize(out))


def _table(per_text: list[U32]) -> tuple[U32, U32]:
    """Sorted keys of every text and the text holding each (an anchor table's layout)."""
    flat = np.concatenate(per_text) if per_text else np.zeros(0, np.uint32)
    owners = np.repeat(np.arange(len(per_text), dtype=np.uint32), [len(a) for a in per_text])
    order = np.argsort(flat, kind="stable")
    return flat[order], owners[order]


class Pack:
    """A pack opened for queries: checked whole, then held in memory."""

    def __init__(self, path: str, key: bytes | None = None) -> None:
        import zipfile

        self.path = path
        try:
            with zipfile.ZipFile(path) as zf:
                infos = zf.infolist()
                names = {i.filename for i in infos}
                if MANIFEST not in names or len(names) != len(infos):
                    raise IndexCorruptError(
                        f"{path}: not a provcheck pack (no {MANIFEST}, or a member twice)"
                    )
                # Hashes do not compress: a member far larger than the file is a zip bomb.
                if sum(i.file_size for i in infos) > _MAX_RATIO * os.path.getsize(path) + _SLACK:
                    raise IndexCorruptError(f"{path}: its members claim far more bytes than a pack holds")
                body = json.loads(zf.read(MANIFEST))
                data = {n: zf.read(n) for n in names if n != MANIFEST}
        except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, KeyError, EOFError) as exc:
            raise IndexCorruptError(
                f"{path}: unreadable pack: {exc}", hint="download the pack again or ask its publisher"
            ) from None
        self.body = self._check(body, data)
        self.key = self._check_key(key)
        try:
            self._load(data)
        except (KeyError, TypeError, ValueError, OSError) as exc:
            raise IndexCorruptError(
                f"{path}: malformed pack: {exc!r}", hint="ask the publisher for a pack made by provcheck"
            ) from None

    def _load(self, data: dict[str, bytes]) -> None:
        path = self.path
        arrays = {n: np.load(io.BytesIO(data[f"{n}.npy"]), allow_pickle=False) for n in _ARRAYS}
        self.anchors: U32 = arrays["anchors"]
        self.postings: U32 = arrays["postings"]
        self.anchor_counts = arrays["anchor_counts"]
        self._codes = arrays["codes"]
        self._code_offsets = arrays["code_offsets"]
        self._echoes = arrays["echoes"]
        self._echo_offsets = arrays["echo_offsets"]
        self.text_keys = arrays["text_keys"]
        self._text_refs = arrays["text_refs"]
        self.trigrams: U32 = arrays["trigrams"]
        self.trigram_postings: U32 = arrays["trigram_postings"]
        self._presence = Deferred(self.trigrams)
        """``trigrams.presence`` of ``trigrams``, made once lookups repay it."""
        self._refs = data[REFS].splitlines()
        texts = int(self.body["texts"])
        self._consistent(texts)
        self.config = FingerprintConfig.from_dict(dict(self.body["fingerprint"]))
        self.ngram = int(self.body["ngram"])
        if not 1 <= self.ngram <= 16:
            raise IndexCorruptError(f"{path}: n-gram size {self.ngram} out of range")
        self.publisher = str(self.body["publisher"])
        self.index_digest = str(self.body.get("index_digest") or "")
        self.sources = {
            name: SourceEntry(
                SourceInfo(
                    name=SourceName(name),
                    provider=_opt(s.get("provider")),
                    generator=_opt(s.get("generator")),
                    license=_opt(s.get("license")),
                    terms=_opt(s.get("terms")),
                    meta={str(k): str(v) for k, v in dict(s.get("meta") or {}).items()},
                    background=s.get("background") is True,
                ),
                int(s.get("records", 0)),
                int(s.get("turns", 0)),
            )
            for name, s in dict(self.body["sources"]).items()
        }

    def _consistent(self, texts: int) -> None:
        """Every offset and id inside its array: a pack that passes is safe to index into."""

        def offsets(name: str, array: np.ndarray, total: int) -> None:
            if (
                array.ndim != 1
                or len(array) != texts + 1
                or (len(array) and (int(array[0]) != 0 or int(array[-1]) != total))
                or bool(np.any(np.diff(array.astype(np.int64)) < 0))
            ):
                raise IndexCorruptError(f"{self.path}: {name} disagree with the pack's manifest")

        if (
            len(self.anchors) != int(self.body["anchors"])
            or len(self.postings) != len(self.anchors)
            or len(self.text_keys) != texts
            or len(self.anchor_counts) != texts
            or len(self._refs) != int(self.body["refs"])
            or self._echoes.ndim != 2
            or (len(self.postings) and int(self.postings.max()) >= texts)
            or bool(np.any(np.diff(self.anchors.astype(np.int64)) < 0))
            or len(self.trigram_postings) != len(self.trigrams)
            or (len(self.trigram_postings) and int(self.trigram_postings.max()) >= texts)
            or bool(np.any(np.diff(self.trigrams.astype(np.int64)) < 0))
            or self._codes.dtype != np.uint16
        ):
            raise IndexCorruptError(f"{self.path}: array lengths disagree with the pack's manifest")
        offsets("code offsets", self._code_offsets, len(self._codes))
        offsets("echo offsets", self._echo_offsets, len(self._echoes))
        offsets("reference offsets", self._text_refs, len(self._refs))

    def _check(self, body: Any, data: dict[str, bytes]) -> dict[str, Any]:
        path = self.path
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise IndexCorruptError(f"{path}: not a provcheck pack manifest")
        if body.get("format_version") != FORMAT_VERSION:
            raise IndexMismatchError(
                f"{path}: pack format version {body.get('format_version')}; this provcheck reads "
                f"version {FORMAT_VERSION}",
                hint="ask the publisher for a pack made by this version of provcheck",
            )
        stored = body.pop("digest", None)
        if stored != _digest(body):
            raise IndexCorruptError(
                f"{path}: the pack's manifest does not match its digest: modified or damaged",
                hint="download the pack again and compare its digest with the one its publisher gives",
            )
        body["digest"] = stored
        files = body.get("files")
        if not isinstance(files, dict) or set(files) != set(data):
            raise IndexCorruptError(
                f"{path}: the pack's members differ from its manifest: modified or damaged"
            )
        for name, entry in files.items():
            blob = data[name]
            if len(blob) != entry.get("size") or hashlib.sha256(blob).hexdigest() != entry.get("sha256"):
                raise IndexCorruptError(
                    f"{path}: member {name} fails its SHA-256 check: the pack was modified or damaged",
                    hint="download the pack again and compare its digest with the one its publisher gives",
                )
        tokenizer = dict(body.get("fingerprint") or {}).get("tokenizer")
        if tokenizer != TOKENIZER_VERSION:
            raise IndexMismatchError(
                f"{path}: built with tokenizer version {tokenizer}; this provcheck tokenizes with "
                f"version {TOKENIZER_VERSION}",
                hint="ask the publisher for a pack made by this version of provcheck",
            )
        return body

    def _check_key(self, key: bytes | None) -> bytes | None:
        if not self.body.get("keyed"):
            return None  # an unkeyed pack ignores a key: nothing to key
        if key is None:
            raise ReferenceIndexError(
                f"{self.path}: this pack is keyed by its publisher ({self.body.get('publisher')}); "
                "matching needs their key",
                hint=f"set {KEY_ENV} to the key (hex) the publisher gave you",
            )
        if key_check(key) != self.body.get("key_check"):
            raise ReferenceIndexError(
                f"{self.path}: the key in {KEY_ENV} is not this pack's key",
                hint="ask the publisher for the key of this pack",
            )
        return key

    @property
    def digest(self) -> str:
        """SHA-256 of the manifest, which holds every member's SHA-256."""
        return str(self.body["digest"])

    @property
    def keyed(self) -> bool:
        """Codes and anchors keyed by the publisher's secret."""
        return bool(self.body.get("keyed"))

    def size(self) -> int:
        """Bytes of the pack file."""
        return os.path.getsize(self.path)

    def query_anchors(self, anchors: U32) -> U32:
        """A candidate's anchors in the pack's anchor space."""
        return keyed_anchors(anchors, self.key) if self.key is not None else anchors

    def query_codes(self, tokens: npt.NDArray[np.uint64]) -> str:
        """A candidate's tokens as this pack's codes (what its references are aligned on)."""
        return as_string(ngram_codes(tokens, self.ngram, self.key))

    def codes(self, tid: int) -> str:
        """The hashed n-gram codes of text ``tid``."""
        a, b = int(self._code_offsets[tid]), int(self._code_offsets[tid + 1])
        return as_string(self._codes[a:b])

    def echo(self, tid: int) -> list[tuple[int, int]]:
        """Token ranges of text ``tid`` that repeat its prompt."""
        a, b = int(self._echo_offsets[tid]), int(self._echo_offsets[tid + 1])
        return [(int(x), int(y)) for x, y in self._echoes[a:b]]

    def refs(self, tid: int) -> list[dict[str, Any]]:
        """The reference records of text ``tid``."""
        a, b = int(self._text_refs[tid]), int(self._text_refs[tid + 1])
        out = []
        for line in self._refs[a:b]:
            try:
                out.append(json.loads(line))
            except ValueError as exc:
                raise IndexCorruptError(f"{self.path}: unreadable reference record: {exc}") from None
        return out

    def lookup_many(self, queries: U32, owners: I64, max_postings: int) -> tuple[I64, I64, I64, I64]:
        """As ``Shard.lookup_many``: (query, text, shared anchors, text's anchors) per pair."""
        empty = np.zeros(0, dtype=np.int64)
        if len(self.anchors) == 0 or len(queries) == 0:
            return empty, empty, empty, empty
        lo, lengths = key_ranges(self.anchors, queries)
        keep = (lengths > 0) & (lengths <= max_postings)
        lo, lengths, owners = lo[keep], lengths[keep], owners[keep]
        total = int(lengths.sum())
        if total == 0:
            return empty, empty, empty, empty
        starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        texts = np.asarray(self.postings[starts], dtype=np.int64)
        n = len(self.anchor_counts)
        pair = np.sort(np.repeat(owners, lengths) * n + texts)
        first = np.concatenate(([True], pair[1:] != pair[:-1]))
        keys = pair[first]
        counts = np.diff(np.append(np.flatnonzero(first), len(pair)))
        query, text = np.divmod(keys, n)
        return query, text, counts, np.asarray(self.anchor_counts[text], dtype=np.int64)

    def trigram_lookup_many(
        self, queries: U32, owners: npt.NDArray[np.uint64], max_postings: int, min_shared: int
    ) -> tuple[I64, I64, I64]:
        """As ``Shard.trigram_lookup_many``, the queries' hashes keyed as the pack's are."""
        keyed = self.query_anchors(queries)
        table, found, n = self.trigrams, self._presence(keyed), len(self.text_keys)
        return shared_keys(table, self.trigram_postings, n, keyed, owners, max_postings, min_shared, found)

    def holders(self, anchors: U32) -> tuple[I64, npt.NDArray[np.uint64]]:
        """As ``Shard.holders``: for each posting of ``anchors``, which anchor and which text."""
        empty = np.zeros(0, dtype=np.int64)
        if len(self.anchors) == 0 or len(anchors) == 0:
            return empty, np.zeros(0, dtype=np.uint64)
        lo, lengths = key_ranges(self.anchors, anchors)
        total = int(lengths.sum())
        if total == 0:
            return empty, np.zeros(0, dtype=np.uint64)
        starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        texts = np.asarray(self.postings[starts], dtype=np.int64)
        which = np.repeat(np.arange(len(anchors), dtype=np.int64), lengths)
        return which, np.asarray(self.text_keys[texts], dtype=np.uint64)

    def shared(self, tid: int, anchors: U32) -> U32:
        """The (pack-space) anchors of a query that text ``tid`` holds."""
        if len(self.anchors) == 0 or len(anchors) == 0:
            return anchors[:0]
        lo, lengths = key_ranges(self.anchors, anchors)
        total = int(lengths.sum())
        starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        which = np.repeat(np.arange(len(anchors), dtype=np.int64), lengths)
        held = which[np.asarray(self.postings[starts], dtype=np.int64) == tid]
        out: U32 = anchors[np.unique(held)]
        return out
