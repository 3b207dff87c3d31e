"""A local cache that makes repeated scans of the same records instant.

Two kinds of entries live in one SQLite file (``<cache dir>/provcheck-cache-v1.sqlite``):

- **results**: the verified matches of one record, keyed by the record's scan key (a digest of
  every turn a scan reads) within a *context*: the index digest, the fingerprint signature,
  the match parameters, the role filter and a digest of the matching code. Policies are not
  part of the key: matches are cached and the policy is evaluated afresh on every run (it is
  pure and fast), so editing a policy or the declared use never serves stale findings.
- **key sets**: the raw-line hashes or record keys of one version of a file (a git blob), the
  base a diff-aware scan compares new content with.

Writes are transactions (atomic); a cache file that cannot be read is deleted and rebuilt (one
that another process holds locked is left alone and skipped for the run), and
any cache failure only turns the cache off for the run: it is never fatal. Nothing but plain
data is stored (JSON), so a cache directory someone else wrote cannot run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from provcheck import __version__
from provcheck.model import (
    AlignedSpan,
    CharSpan,
    Evidence,
    Match,
    MatchId,
    MatchKind,
    Record,
    RecordRef,
    Reference,
    ReferenceId,
    RoleKind,
    SourceInfo,
    Strength,
    Turn,
)
from provcheck.support import paths
from provcheck.support.matchcode import DECIDES_MATCHES, module_name

CACHE_VERSION = 1
FILENAME = f"provcheck-cache-v{CACHE_VERSION}.sqlite"
LOCK_WAIT = 5.0
"""Seconds to wait for another process's lock on the cache before this run goes without it."""
KEEP_CONTEXTS = 4
"""Result contexts (index × parameters) kept; older ones are pruned."""
KEEP_KEYSETS = 32
"""File versions whose line hashes or record keys are kept."""
FLUSH_RESULTS = 20_000
"""Results gathered before they are written (one transaction each): a scan of any size holds
at most this many in memory, and an interrupted scan keeps what it had learned."""
_MATCHING_CODE = (
    "provcheck.model",  # cached matches are these values: a change to their shape invalidates them
    *(module_name(path) for path in DECIDES_MATCHES),
    # What the matcher imports besides, which no detection figure is said to rest on
    # (adversarial pass 23: a change there, in a checkout whose version stays 0.1.0, kept
    # serving the matches of the code before it).
    "provcheck.support",  # text scanning, arrays, batching the matcher uses
)
"""Modules and packages whose code decides what matches (``support/matchcode.py``, the one list
of it): a change to any file of them invalidates cached results (a package counts every module
in it, new ones included)."""


def default_dir() -> str:
    """``$PROVCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/provcheck``, else ``~/.cache/provcheck``."""
    return paths.cache_dir()


def scan_key(record: Record) -> str:
    """Digest of everything a scan reads in a record: each turn's role, kind, place and text.

    Unlike ``Record.content_hash`` it covers extra fields too (they are scanned), so two
    records with equal keys always produce equal matches.
    """
    digest = hashlib.blake2b(digest_size=16)
    for t in record.turns:
        for part in (t.role, t.kind.value, str(t.position), t.field, t.text):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\x1f")
        digest.update(b"\x1e")
    return digest.hexdigest()


def code_digest() -> str:
    """Digest of the provcheck version and of the code that decides matches."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{__version__}/{CACHE_VERSION}".encode())
    for name in _MATCHING_CODE:
        # By module name, never by file path: a module that moves is still found, and one that
        # cannot be found is a bug (hashing its name instead would keep stale results forever).
        for source in _module_sources(name):
            digest.update(source.read_bytes())
    return digest.hexdigest()


def _module_sources(name: str) -> list[Path]:
    """The source files of a module, or of every module of a package (its C sources too, where
    they are: a compiled alignment pass decides matches as its Python twin does), sorted."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"the result cache cannot find the matching module {name}")
    origin = Path(spec.origin)
    if spec.submodule_search_locations is not None:
        return sorted([*origin.parent.rglob("*.py"), *origin.parent.rglob("*.c")])
    return [origin]


def context_digest(*parts: object) -> str:
    """A results context: the code digest and every given part (index digest, parameters...)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(code_digest().encode())
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, default=str).encode())
        digest.update(b"\x1f")
    return digest.hexdigest()


class Cache:
    """The cache file of one directory. Every method is safe to call after a failure."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.path = os.path.join(directory, FILENAME)
        self.problem: str | None = None
        """Why the cache was rebuilt or turned off in this run (for a note), else None."""
        self._db: sqlite3.Connection | None = None
        self._results: list[tuple[str, str, bytes]] = []
        self._keysets: dict[str, bytes | None] = {}
        """Key sets to write on ``close`` (None: only mark a stored one as used)."""
        self._contexts: set[str] = set()
        try:
            self._db = self._connect()
        except (sqlite3.Error, OSError) as exc:
            if _busy(exc):
                self._skip(exc)
            else:
                self._rebuild(exc)

    def _connect(self) -> sqlite3.Connection:
        os.makedirs(self.directory, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=LOCK_WAIT, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS results (context TEXT, key TEXT, data BLOB, "
                "PRIMARY KEY (context, key)) WITHOUT ROWID"
            )
            db.execute("CREATE TABLE IF NOT EXISTS contexts (context TEXT PRIMARY KEY, used REAL)")
            db.execute("CREATE TABLE IF NOT EXISTS keysets (ident TEXT PRIMARY KEY, data BLOB, used REAL)")
            db.execute("SELECT count(*) FROM contexts").fetchone()
        except BaseException:
            db.close()
            raise
        return db

    def _rebuild(self, exc: BaseException) -> None:
        """A file that cannot be used is removed and created anew; if that fails too, no cache."""
        self._close_db()
        try:
            for suffix in ("", "-journal", "-wal", "-shm"):
                if os.path.exists(self.path + suffix):
                    os.unlink(self.path + suffix)
            self._db = self._connect()
            self.problem = f"cache {self.path} was unreadable ({exc}); rebuilt"
        except (sqlite3.Error, OSError) as again:
            self._db = None
            self.problem = f"cache {self.path} cannot be used ({again}); scanning without it"

    def _skip(self, exc: BaseException) -> None:
        """Another process holds the cache (a long scan, a hook in another worktree): this run
        goes without it. The file is never removed: it is alive and in use."""
        self._results.clear()
        self._keysets.clear()
        self._close_db()
        self.problem = f"cache {self.path} is in use by another process ({exc}); this run did not use it"

    def _fail(self, exc: BaseException) -> None:
        """A failure mid-run: drop pending writes, turn the cache off, rebuild it next run
        (unless the cache is merely locked by another process: then it is left alone)."""
        if _busy(exc):
            self._skip(exc)
            return
        self._results.clear()
        self._keysets.clear()
        self._close_db()
        self.problem = f"cache {self.path} failed ({exc}); it will be rebuilt"
        with contextlib.suppress(OSError):
            os.unlink(self.path)

    def _close_db(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    @property
    def enabled(self) -> bool:
        """False once the cache is off for this run."""
        return self._db is not None

    def results(self, context: str, sources: Mapping[str, SourceInfo]) -> Results:
        """The result store of one context (see ``context_digest``)."""
        self._contexts.add(context)
        return Results(self, context, sources)

    def load_result(self, context: str, key: str) -> bytes | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT data FROM results WHERE context = ? AND key = ?", (context, key)
            ).fetchone()
        except sqlite3.Error as exc:
            self._fail(exc)
            return None
        return None if row is None else bytes(row[0])

    def store_result(self, context: str, key: str, data: bytes) -> None:
        if self._db is not None:
            self._results.append((context, key, data))
            if len(self._results) >= FLUSH_RESULTS:
                self._flush()

    def _flush(self) -> None:
        """Write the gathered results (and mark their contexts used) in one transaction."""
        db = self._db
        if db is None:
            return
        now = time.time()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", self._results)
            db.executemany(
                "INSERT OR REPLACE INTO contexts VALUES (?, ?)", [(c, now) for c in self._contexts]
            )
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._fail(exc)
            return
        self._results.clear()

    def keyset(self, ident: str) -> bytes | None:
        """The key set of a file version (stored, or put in this run), or None."""
        if self._db is None:
            return None
        pending = self._keysets.get(ident)
        if pending is not None:
            return pending
        try:
            row = self._db.execute("SELECT data FROM keysets WHERE ident = ?", (ident,)).fetchone()
        except sqlite3.Error as exc:
            self._fail(exc)
            return None
        if row is None:
            return None
        self._keysets.setdefault(ident, None)  # marks it used
        return bytes(row[0])

    def put_keyset(self, ident: str, data: bytes) -> None:
        """Store the key set of a file version (written on ``close``)."""
        if self._db is not None:
            self._keysets[ident] = data

    def close(self) -> None:
        """Write what this run learned in one transaction, prune old entries, close."""
        db = self._db
        if db is None:
            return
        now = time.time()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", self._results)
            db.executemany(
                "INSERT OR REPLACE INTO contexts VALUES (?, ?)", [(c, now) for c in self._contexts]
            )
            for ident, data in self._keysets.items():
                if data is None:
                    db.execute("UPDATE keysets SET used = ? WHERE ident = ?", (now, ident))
                else:
                    db.execute("INSERT OR REPLACE INTO keysets VALUES (?, ?, ?)", (ident, data, now))
            db.execute(
                "DELETE FROM contexts WHERE context NOT IN "
                "(SELECT context FROM contexts ORDER BY used DESC LIMIT ?)",
                (KEEP_CONTEXTS,),
            )
            db.execute("DELETE FROM results WHERE context NOT IN (SELECT context FROM contexts)")
            db.execute(
                "DELETE FROM keysets WHERE ident NOT IN "
                "(SELECT ident FROM keysets ORDER BY used DESC LIMIT ?)",
                (KEEP_KEYSETS,),
            )
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._fail(exc)
            return
        self._results.clear()
        self._keysets.clear()
        self._close_db()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self._close_db()


_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
"""SQLite's primary result codes for a lock held by another connection."""


def _busy(exc: BaseException) -> bool:
    """True when SQLite gave up waiting for another process's lock (not a damaged file)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED))
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


class Results:
    """Cached matches of one context; implements the engine's ``ResultCache``."""

    def __init__(self, cache: Cache, context: str, sources: Mapping[str, SourceInfo]) -> None:
        self._cache = cache
        self._context = context
        self._sources = sources
        self.hits = 0
        self.stored = 0

    def get(self, record: Record) -> list[Match] | None:
        """The record's matches when known (with this record's location), else None."""
        data = self._cache.load_result(self._context, scan_key(record))
        if data is None:
            return None
        try:
            matches = decode(data, record, self._sources)
        except (ValueError, KeyError, IndexError, TypeError, zlib.error):
            return None  # an entry that does not decode is a miss; it is overwritten later
        self.hits += 1
        return matches

    def put(self, records: Sequence[Record], matches: Sequence[Match]) -> None:
        """Remember the matches of a batch of records (records without matches too)."""
        by_record: dict[tuple[str, int], list[Match]] = {}
        for m in matches:
            by_record.setdefault((m.record.location.path, m.record.location.index), []).append(m)
        for record in records:
            found = by_record.get((record.location.path, record.location.index), [])
            self._cache.store_result(self._context, scan_key(record), encode(record, found))
            self.stored += 1


def _turn(t: Turn) -> list[Any]:
    return [t.role, t.kind.value, t.position, t.field]


def encode(record: Record, matches: Iterable[Match]) -> bytes:
    """A record's matches as compressed JSON; the candidate side is the record's turn index."""
    items = []
    for m in matches:
        ev, ref = m.evidence, m.reference
        items.append(
            {
                "id": m.id,
                "turn": record.turns.index(m.record.turn),
                "ref": [
                    ref.id,
                    ref.source.name,
                    [*_turn(ref.turn), ref.turn.text],
                    ref.path,
                    ref.index,
                    ref.duplicates,
                ],
                "ev": [
                    ev.kind.value,
                    ev.similarity,
                    ev.containment,
                    ev.coverage,
                    ev.matched_tokens,
                    ev.char_similarity,
                    ev.jaccard,
                    ev.short,
                    [
                        [
                            s.candidate.start,
                            s.candidate.end,
                            s.reference.start,
                            s.reference.end,
                            s.matched_tokens,
                            s.similarity,
                        ]
                        for s in ev.spans
                    ],
                    [[c.start, c.end] for c in ev.prompt_echoes],
                ],
                "st": _strength(m.strength),
            }
        )
    if not items:
        return b""
    return zlib.compress(json.dumps(items, separators=(",", ":")).encode("utf-8", "surrogatepass"), 1)


def decode(data: bytes, record: Record, sources: Mapping[str, SourceInfo]) -> list[Match]:
    """Inverse of ``encode`` for a record with the same scan key (at any location)."""
    if not data:
        return []
    out = []
    for item in json.loads(zlib.decompress(data).decode("utf-8", "surrogatepass")):
        ref_id, source, (role, kind, position, fieldname, text), path, index, dups = item["ref"]
        kind_, sim, cont, cov, tokens, chars, jac, short, spans, *echoes = item["ev"]
        reference = Reference(
            id=ReferenceId(ref_id),
            source=sources[source],
            turn=Turn(role=role, kind=RoleKind(kind), position=position, field=fieldname, text=text),
            path=path,
            index=index,
            duplicates=dups,
        )
        evidence = Evidence(
            kind=MatchKind(kind_),
            similarity=sim,
            containment=cont,
            coverage=cov,
            matched_tokens=tokens,
            char_similarity=chars,
            jaccard=jac,
            spans=tuple(AlignedSpan(CharSpan(a, b), CharSpan(c, d), n, s) for a, b, c, d, n, s in spans),
            short=short,
            prompt_echoes=tuple(CharSpan(a, b) for a, b in (echoes[0] if echoes else ())),
        )
        candidate = RecordRef(
            location=record.location,
            id=record.id,
            content_hash=record.content_hash,
            turn=record.turns[item["turn"]],
        )
        strength = None
        if item.get("st") is not None:
            prob, conv, reason, names, can_block, feats, *rest = item["st"]
            strength = Strength(prob, conv, reason, tuple(names), can_block, feats, bool(rest and rest[0]))
        out.append(
            Match(
                id=MatchId(item["id"]),
                record=candidate,
                reference=reference,
                evidence=evidence,
                strength=strength,
            )
        )
    return out


def _strength(s: Strength | None) -> list[Any] | None:
    """A match's strength as plain values (``decode`` restores it: a cached match that lost it
    would block on the old rule)."""
    if s is None:
        return None
    features = dict(s.features)
    return [s.probability, s.convergence, s.reason, list(s.sources), s.can_block, features, s.explained]
