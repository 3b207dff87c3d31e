"""Diff-aware reading: only records that are new relative to the base version are parsed.

The work is proportional to what changed, by container:

- **Line-oriented files** (JSON Lines) are compared line by line, by a 64-bit hash (xxh3 under
  a secret seed: ``keyed.py``) of each raw line (without surrounding whitespace), before any
  JSON is parsed. Only the new
  lines are copied to a scratch file and parsed; each keeps its record position and line in
  the new file. When the base's bytes are exactly the start of the new version (rows were
  appended: the common case) the base is never read at all: one hash of that many bytes of
  the new file proves it (the git blob id, or a cached seeded xxh3 digest of the base), and the lines
  past that point are the new ones. Compressed files and files with a byte-order mark are
  compared through the reader instead (same result, slower).
- **Other containers** (JSON, CSV/TSV, Parquet, text) are parsed whole on both sides, and a
  record is new when its scan key (a digest of every turn it has) is not in the base.

The base's line hashes or record keys, and a digest of each version, are kept in the cache by
blob id, so the next commit (whose base is this commit's new version) reads no base at all.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from provcheck import inputs as readers
from provcheck.gitscan import keyed
from provcheck.gitscan.changes import FileChange, Version
from provcheck.gitscan.neighbours import around_lines
from provcheck.gitscan.prefix import CHUNK, WHITESPACE, Prefix, plain, scan_prefix
from provcheck.gitscan.repo import Repo
from provcheck.inputs import InputSource, Limits, RawItem, RawRecord, UnparsedLine
from provcheck.inputs.schemas import RecordOptions, to_record
from provcheck.model import ChangedFile, ErrorKind, Location, Record, RecordError

if TYPE_CHECKING:
    # sqlite3 and the cache code are imported only when a result cache is used.
    from provcheck.scan.cache import Cache

_line_hash = keyed.line_hash


@dataclass(slots=True)
class FileStats:
    """How one file was compared with its base."""

    method: str
    """``new file`` (every record), ``appended`` (base is a prefix), ``lines`` (line hashes),
    ``records`` (record keys) or ``whole`` (scanned whole: not changed by this commit)."""
    unchanged: int = 0
    """Records recognised as already in the base and not scanned."""
    partial: bool = False
    """Only new lines were read: the file's digest in the report is not the whole file's."""


class DiffSelector:
    """The engine's ``RecordSelector`` for a ``ChangeSet``; use as a context manager."""

    def __init__(
        self,
        changes: Sequence[FileChange],
        repo: Repo,
        records: RecordOptions,
        cache: Cache | None = None,
        declaring: Sequence[FileChange] = (),
    ) -> None:
        self.changes = {c.display: c for c in changes}
        self.declaring_files = list(declaring)
        self.repo = repo
        self.records = records
        self.cache = cache
        if cache is not None:
            # The hashes this selector compares and keeps are those of the cache's seed.
            cache.put_keyset(keyed.CACHE_KEY, keyed.use_cached(cache.keyset(keyed.CACHE_KEY)))
        self.stats: dict[str, FileStats] = {}
        self._keys: dict[str, frozenset[str]] = {}
        self._tmp: str | None = None
        self._count = 0
        self._read: dict[str, str] = {}
        """Per file compared with its base, the local file of the new version read."""
        self._marks: dict[str, tuple[int, int]] = {}
        """Per file whose base was proved its prefix with lines counted: the first new line
        and its byte offset (``neighbours.around_lines`` starts counting there)."""

    def __enter__(self) -> DiffSelector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove scratch files (copies of blobs, extracted new lines)."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    # --- RecordSelector -------------------------------------------------------------------

    def discover(self, paths: list[str]) -> Iterator[tuple[str, str] | RecordError]:
        """Every changed file (``paths`` were already resolved into changes)."""
        for change in self.changes.values():
            if change.error is not None:
                yield RecordError(change.display, ErrorKind.FILE, change.error)
            else:
                yield change.display, change.display

    def read(self, display: str, fs_path: str, limits: Limits) -> tuple[InputSource, Iterator[RawItem]]:
        """The new version's records that are not in the base."""
        change = self.changes[display]
        path = self._local(change.new)
        if change.base is None:
            self.stats[display] = FileStats(
                "whole" if change.status in ("unchanged", "linked") else "new file"
            )
            return readers.read(display, path, limits, kind=change.path)
        self._read[display] = path
        if readers.line_oriented(change.path):
            if plain(path):
                return self._new_lines(change, path, limits)
            return self._filtered_lines(change, path, limits)
        self._keys[display] = self._record_keys(change, limits)
        return readers.read(display, path, limits, kind=change.path)

    def declaring(self, files: list[tuple[str, str]], paths: list[str]) -> list[tuple[str, str]]:
        """The folders of the changed cards and manifests, each holding the new versions only
        (an unchanged card's declarations are not this change's)."""
        folders: dict[str, str] = {}
        for change in self.declaring_files:
            if change.error is not None:
                continue
            display_dir = os.path.dirname(change.display) or "."
            if display_dir not in folders:
                if self._tmp is None:
                    self._tmp = tempfile.mkdtemp(prefix="provcheck-")
                folders[display_dir] = os.path.join(self._tmp, f"declared-{len(folders)}")
                os.mkdir(folders[display_dir])
            target = os.path.join(folders[display_dir], os.path.basename(change.path))
            shutil.copyfile(self._local(change.new), target)
        return sorted(folders.items(), key=lambda kv: (kv[0].count(os.sep), kv[0]))

    def around(
        self, display: str, places: list[tuple[int, int | None]], reach: int, limits: Limits
    ) -> Iterator[RawRecord | UnparsedLine]:
        """The new version's records within ``reach`` positions of ``places`` (``(index,
        line)`` of new records) that were not read: the committed records a run of new short
        records continues (``scan.runs``). Line-oriented files parse only those lines; plain
        JSON Lines files split only them (``neighbours``)."""
        path = self._read.get(display)
        if path is None:  # read whole (a new file): every record was read
            return iter(())
        change = self.changes[display]
        lines = [(i, line) for i, line in places if line is not None]
        if readers.line_oriented(change.path) and len(lines) == len(places) and plain(path):
            return iter(around_lines(path, lines, reach, limits, self._marks.get(display)))
        positions = [i for i, _ in places]
        wanted: set[int] = set()
        for p in positions:
            wanted.update(range(max(p - reach, 0), p + reach + 1))
        wanted.difference_update(positions)
        keep = None
        if readers.line_oriented(change.path):
            seen = iter(range(1 << 62))  # ``keep`` is called once a record, in order

            def keep(line: bytes, offset: int) -> bool:
                return next(seen) in wanted

        _, items = readers.read(display, path, limits, keep, kind=change.path)
        found: Iterator[object] = items  # line-oriented readers yield ``UnparsedLine``s too
        return (i for i in found if isinstance(i, (RawRecord, UnparsedLine)) and i.index in wanted)

    def keep(self, display: str, record: Record) -> bool:
        """False for a record whose scan key is in the base (non-line containers)."""
        keys = self._keys.get(display)
        if keys is None:
            return True
        from provcheck.scan.cache import scan_key

        if scan_key(record) not in keys:
            return True
        self.stats[display].unchanged += 1
        return False

    # --- line-oriented files --------------------------------------------------------------

    def _new_lines(
        self, change: FileChange, path: str, limits: Limits
    ) -> tuple[InputSource, Iterator[RawItem]]:
        """Copy the new lines of a plain file to a scratch file and read only that."""
        assert change.base is not None
        stats = self.stats[change.display] = FileStats("lines", partial=True)
        prefix = self._prefix(change.base, path, change)
        scratch = self._scratch()
        try:
            if prefix is None:
                old = self._line_keys(change.base, limits)
                found = _extract(path, scratch, None, old, limits, remember=self._remembers(change.new))
            elif prefix.counts is not None:
                # Appended rows, counted while the prefix was hashed: read only the rest.
                stats.method = "appended"
                found = _extract(path, scratch, None, frozenset(), limits, remember=True, after=prefix)
                self._marks[change.display] = (prefix.counts[0] + 1, prefix.end)
            else:  # appended, but the old lines must be walked to count records
                stats.method = "appended"
                found = _extract(path, scratch, prefix.end, frozenset(), limits, remember=False)
        except _LineTooLong:  # the reader skips it within bounds and reports it
            return self._filtered_lines(change, path, limits)
        stats.unchanged = found.unchanged
        if self.cache is not None and change.new.ident is not None:
            keys = found.hashes.tobytes()
            if prefix is not None:
                # The new version's line hashes (the next commit's base): the base's, when
                # cached, plus those of the new lines.
                base_keys = self.cache.keyset(f"lines-keyed:{change.base.ident}")
                keys = base_keys + keys if base_keys is not None else b""
            if keys:
                self.cache.put_keyset(f"lines-keyed:{change.new.ident}", keys)
            self._put_digest(change.new.ident, found.size, found.digest, found.counts)
        source = InputSource(path=change.display, fs_path=scratch, limits=limits)
        if not found.places:
            return source, iter(())
        source, items = readers.read(change.display, scratch, limits, kind=change.path)
        return source, _relocated(items, found.places)

    def _filtered_lines(
        self, change: FileChange, path: str, limits: Limits
    ) -> tuple[InputSource, Iterator[RawItem]]:
        """Compressed or BOM-marked files, or a line beyond the record limit: the reader hashes
        each decoded line and parses the new ones."""
        assert change.base is not None
        stats = self.stats[change.display] = FileStats("lines")
        old = self._line_keys(change.base, limits)
        seen = array("Q")

        def new_line(line: bytes, offset: int) -> bool:
            h = _line_hash(line)
            seen.append(h)
            if h in old:
                stats.unchanged += 1
                return False
            return True

        source, items = readers.read(change.display, path, limits, new_line, kind=change.path)
        if self.cache is not None and change.new.ident is not None:
            items = _then(items, lambda: self._put_lines(change.new, seen))
        return source, items

    def _put_lines(self, version: Version, hashes: array[int]) -> None:
        if self.cache is not None and version.ident is not None:
            self.cache.put_keyset(f"lines-keyed:{version.ident}", hashes.tobytes())

    def _remembers(self, version: Version) -> bool:
        return self.cache is not None and version.ident is not None

    def _prefix(self, base: Version, path: str, change: FileChange | None = None) -> Prefix | None:
        """Whether the base's bytes are the first bytes of ``path``, in one pass over them.

        With a cached digest of the base, an xxh3 of that many bytes decides (and the cached
        line counts say where the new lines start); else the base's own id (git blob hash, or
        the LFS SHA-256) decides, and lines are counted on the way. The base is never read.
        """
        size = base.size
        if size is None or base.ident is None:
            return None
        try:
            if os.path.getsize(path) < size:
                return None
        except OSError:
            return None
        known = self._digest(base.ident)
        if known is not None and known[0] == size:
            found = scan_prefix(path, size, None, count=known[2] is None)
            if found is None or found.digest.hexdigest() != known[1]:
                return None
            if known[2] is not None:
                found.counts = known[2]
            return found
        if base.prefix_hash is None:
            return None
        name, header, expected = base.prefix_hash
        git = (name, header, expected)
        proof = change.proof if change is not None else None
        if proof is not None and proof.args == (path, size, git):
            found = proof.result()  # the same call, started early (prefix.start_proofs)
        else:
            found = scan_prefix(path, size, git, count=True)
        if found is None:
            return None
        self._put_digest(base.ident, size, found.digest.hexdigest(), found.counts)
        return found

    def _digest(self, ident: str) -> tuple[int, str, tuple[int, int] | None] | None:
        """Size, xxh3 digest and (lines, records) counts of a version, when cached."""
        if self.cache is None:
            return None
        data = self.cache.keyset(f"digest-keyed:{ident}")
        if data is None:
            return None
        try:
            value = json.loads(data)
            counts = value.get("counts")
            return (
                int(value["size"]),
                str(value["xxh3"]),
                (int(counts[0]), int(counts[1])) if counts is not None else None,
            )
        except (ValueError, KeyError, TypeError, IndexError):
            return None

    def _put_digest(
        self, ident: str | None, size: int, digest: str, counts: tuple[int, int] | None = None
    ) -> None:
        if self.cache is not None and ident is not None:
            value = {"size": size, "xxh3": digest, "counts": list(counts) if counts else None}
            self.cache.put_keyset(f"digest-keyed:{ident}", json.dumps(value).encode())

    def _line_keys(self, version: Version, limits: Limits) -> frozenset[int]:
        """Hashes of a version's lines, from the cache or by reading it once."""
        ident = f"lines-keyed:{version.ident}" if version.ident else None
        if ident and self.cache is not None:
            stored = self.cache.keyset(ident)
            if stored is not None:
                return frozenset(array("Q", stored))
        path = self._local(version)
        hashes = array("Q")
        try:
            if not plain(path):
                raise _LineTooLong  # not line-for-line: read through the reader
            found = _extract(path, None, None, frozenset(), limits, remember=True)
            hashes = found.hashes
            self._put_digest(version.ident, found.size, found.digest, found.counts)
        except _LineTooLong:

            def collect(line: bytes, offset: int) -> bool:
                hashes.append(_line_hash(line))
                return False

            _, items = readers.read("<base>", path, limits, collect, kind="base.jsonl")
            for _ in items:  # only errors come out; the base's own problems are not this change's
                pass
        self._put_lines(version, hashes)
        return frozenset(hashes)

    # --- other containers -----------------------------------------------------------------

    def _record_keys(self, change: FileChange, limits: Limits) -> frozenset[str]:
        """Scan keys of the base version's records."""
        base = change.base
        assert base is not None
        self.stats[change.display] = FileStats("records")
        opts = self.records
        ident = None
        if base.ident and self.cache is not None:
            ident = f"records:{opts.schema}:{opts.text_field}:{opts.id_field}:{base.ident}"
            stored = self.cache.keyset(ident)
            if stored is not None:
                return frozenset(stored[i : i + 16].hex() for i in range(0, len(stored), 16))
        from provcheck.scan.cache import scan_key

        keys: set[str] = set()
        path = self._local(base)
        _, items = readers.read("<base>", path, limits, kind=change.old_path or change.path)
        for item in items:
            if isinstance(item, RawRecord):
                rec = to_record(item.data, Location("<base>", item.index, item.line), opts)
                if isinstance(rec, Record):
                    keys.add(scan_key(rec))
        if ident and self.cache is not None:
            self.cache.put_keyset(ident, b"".join(bytes.fromhex(k) for k in sorted(keys)))
        return frozenset(keys)

    # --- scratch files --------------------------------------------------------------------

    def _scratch(self) -> str:
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="provcheck-")
        self._count += 1
        return os.path.join(self._tmp, f"{self._count}.part")

    def _local(self, version: Version) -> str:
        """A file holding the version's bytes: its own, or a copy of its blob."""
        if version.path is not None:
            return version.path
        assert version.oid is not None, "a version has a local file or a blob"
        target = self._scratch()
        self.repo.blob_to_file(version.oid, target)
        return target

    def summary(self) -> dict[str, ChangedFile]:
        """Per file: status, versions compared, method, and records left out as unchanged."""
        out: dict[str, ChangedFile] = {}
        for display, change in self.changes.items():
            stats = self.stats.get(display)
            out[display] = ChangedFile(
                status=change.status,
                renamed_from=change.old_path,
                version=change.new.ident,
                base_version=change.base.ident if change.base else None,
                method=stats.method if stats else None,
                unchanged_records=stats.unchanged if stats else 0,
                partial_read=bool(stats and stats.partial),
                note=change.note,
            )
        for change in self.declaring_files:
            out[change.display] = ChangedFile(
                status=change.status,
                renamed_from=change.old_path,
                version=change.new.ident,
                base_version=change.base.ident if change.base else None,
                method="declarations",
                unchanged_records=0,
                partial_read=False,
                note=change.note or change.error,
            )
        return out

    def partial(self) -> set[str]:
        """Files of which only new lines were read."""
        return {d for d, s in self.stats.items() if s.partial}


class _LineTooLong(Exception):
    """A line longer than the record limit: the reader, which skips it in bounded memory,
    takes over."""


@dataclass(slots=True)
class _Extracted:
    places: list[tuple[int, int]]
    """(record position, line) in the original file of each line copied out."""
    hashes: array[int]
    """Hash of every non-blank line of the file when asked to remember them; with ``end``,
    of the new lines only."""
    unchanged: int
    size: int
    digest: str
    """xxh3-128 of the whole file."""
    counts: tuple[int, int] | None = None
    """(lines, records) of the whole file when it ends with a newline (a future base's)."""


def _extract(
    path: str,
    scratch: str | None,
    end: int | None,
    old: frozenset[int],
    limits: Limits,
    *,
    remember: bool,
    after: Prefix | None = None,
) -> _Extracted:
    """One pass over a plain JSON Lines file: copy its new lines to ``scratch``.

    A line is old when it ends at or before byte ``end`` (the base is a prefix) or when its
    hash is in ``old``. With ``after`` (a counted prefix), reading starts where the prefix ends
    and every line read is new. Positions follow the reader's rules: lines are split at
    ``\\n``, and a line that is blank after stripping ASCII whitespace is not a record.
    """
    places: list[tuple[int, int]] = []
    hashes = array("Q")
    digest = keyed.digest()
    unchanged = index = line_no = offset = size = 0
    if after is not None:
        assert after.counts is not None
        digest = after.digest.copy()
        line_no, index = after.counts
        unchanged = index
        offset = size = after.end
    carry = b""
    ended = True
    out = open(scratch, "wb") if scratch is not None else None  # noqa: SIM115 - closed below
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            while True:
                chunk = fh.read(CHUNK)
                size += len(chunk)
                digest.update(chunk)
                if chunk:
                    data = carry + chunk
                    cut = data.rfind(b"\n") + 1
                    if cut == 0:
                        if len(data) > limits.max_record_bytes:
                            raise _LineTooLong
                        carry = data
                        continue
                    carry = data[cut:]
                    block = data[:cut]
                    if end is not None and not remember and offset + cut <= end and _no_blank_line(block):
                        # All old, and one record per line: count them without splitting.
                        count = block.count(b"\n")
                        line_no += count
                        index += count
                        unchanged += count
                        offset += cut
                        continue
                    lines = block.split(b"\n")
                    lines.pop()  # the empty string after the last newline
                else:
                    if not carry:
                        break
                    lines, carry, ended = [carry], b"", False  # a last line without a newline
                for raw in lines:
                    line_no += 1
                    offset += len(raw) + ended
                    stripped = raw.strip()
                    if not stripped:
                        continue
                    h = _line_hash(stripped) if (remember or end is None) else 0
                    if remember:
                        hashes.append(h)
                    if (end is not None and offset <= end) or (end is None and h in old):
                        unchanged += 1
                    else:
                        if end is not None:  # a new line past the base: its hash extends the base's
                            hashes.append(_line_hash(stripped))
                        places.append((index, line_no))
                        if out is not None:
                            out.write(stripped)
                            out.write(b"\n")
                    index += 1
                if not chunk:
                    break
    finally:
        if out is not None:
            out.close()
    counts = (line_no, index) if ended else None
    return _Extracted(places, hashes, unchanged, size, digest.hexdigest(), counts)


_LINE_STARTS_BLANK = re.compile(rb"\n[ \t\r\n\x0b\x0c]")


def _no_blank_line(block: bytes) -> bool:
    """True when no line of ``block`` (whole lines) starts with whitespace, so none is blank.

    One regular-expression pass that stops at each newline only; a block where some line
    does start with whitespace is walked line by line instead.
    """
    return block[:1] not in WHITESPACE and _LINE_STARTS_BLANK.search(block) is None


def _relocated(items: Iterator[RawItem], places: list[tuple[int, int]]) -> Iterator[RawItem]:
    """Records of the scratch file at their place in the original file."""
    for item in items:
        if isinstance(item, RawRecord):
            index, line = places[item.index]
            yield RawRecord(index=index, line=line, data=item.data)
        elif item.index is not None and 0 <= item.index < len(places):
            index, line = places[item.index]
            yield replace(item, index=index, line=line)
        else:
            yield replace(item, line=None)


def _then(items: Iterator[RawItem], done: Callable[[], None]) -> Iterator[RawItem]:
    """``items``, then ``done()`` once they were all read."""
    yield from items
    done()
