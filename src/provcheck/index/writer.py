"""Writing to an index: shards added under a lock, visible at commit."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

from provcheck import __version__
from provcheck.errors import (
    IndexLockedError,
    IndexMismatchError,
    IndexWriteError,
    ReferenceIndexError,
    UsageError,
)
from provcheck.index import manifest as mf
from provcheck.index.builder import ShardBuilder
from provcheck.index.manifest import Manifest, ShardEntry, SourceEntry
from provcheck.index.store import LOCK, SHARDS, TMP, now
from provcheck.matching.params import FingerprintConfig
from provcheck.model import SourceInfo
from provcheck.support import atomic

if TYPE_CHECKING:
    from filelock import FileLock


class _Lock:
    """An exclusive lock on the index's lock file (``filelock``), waited for up to ``timeout`` s.

    The holder writes its pid beside the lock so that the one waiting can name it.
    """

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        # Imported by writers only: filelock (asyncio and all) costs a reader ~20 ms of start-up.
        from filelock import FileLock

        self._lock: FileLock = FileLock(path, timeout=timeout, thread_local=False)

    def __enter__(self) -> _Lock:
        from filelock import Timeout

        try:
            self._lock.acquire(poll_interval=0.05)
        except Timeout:
            raise IndexLockedError(
                f"{os.path.dirname(self.path)}: another provcheck process{self._holder()} is "
                f"writing to this index (waited {self.timeout:g} s)",
                hint="wait for it to finish, then run the command again",
            ) from None
        try:
            with open(self.path + ".pid", "w") as fh:
                fh.write(str(os.getpid()))
        except OSError:
            self._lock.release()
            raise
        return self

    def _holder(self) -> str:
        try:
            with open(self.path + ".pid") as fh:
                pid = fh.read().strip()
            return f" (pid {pid})" if pid else ""
        except OSError:
            return ""

    def __exit__(self, *exc: object) -> None:
        if self._lock.is_locked:
            self._lock.release()


class IndexWriter:
    """Adds shards to an index (creating it if needed); nothing is visible until ``commit``.

    Use as a context manager: the lock is held from entry to exit, and leaving without commit
    (an exception, Ctrl-C) discards what was built.
    """

    def __init__(
        self, path: str, config: FingerprintConfig | None = None, *, lock_timeout: float = 10.0
    ) -> None:
        self.path = path
        self._config = config
        self._lock_timeout = lock_timeout
        self._lock: _Lock | None = None
        self.manifest: Manifest
        self._new: list[tuple[str, ShardEntry]] = []
        self._building: list[ShardBuilder] = []
        self._created = False
        """This writer made the index's directory (a first ``index add``)."""
        self._made: list[str] = []
        """What this writer made in a directory that was there (removed when no index came of it)."""

    def __enter__(self) -> IndexWriter:
        exists = os.path.exists(os.path.join(self.path, mf.MANIFEST))
        if not exists and os.path.exists(self.path) and not os.path.isdir(self.path):
            if mf.is_zip(self.path):
                raise UsageError(
                    f"{self.path}: a fingerprint pack, not an index directory: a pack is not added to",
                    hint="add to the index the pack was made from, then make the pack again with "
                    "provcheck pack create",
                )
            raise UsageError(f"{self.path}: exists and is not a directory")
        self._created = not os.path.exists(self.path)
        if not exists and not self._created:
            self._refuse_foreign_directory()
        own = (SHARDS, LOCK, LOCK + ".pid")
        self._made = [n for n in own if not self._created and not os.path.lexists(os.path.join(self.path, n))]
        try:
            os.makedirs(os.path.join(self.path, SHARDS), exist_ok=True)
            self._lock = _Lock(os.path.join(self.path, LOCK), self._lock_timeout)
            self._lock.__enter__()
        except OSError as exc:
            raise IndexWriteError(
                f"{self.path}: cannot create or lock the index: {_reason(exc)}",
                hint="check the directory's permissions and free space",
            ) from None
        try:
            if exists:
                self.manifest = mf.read(self.path)
                if self._config is not None and self._config != self.manifest.fingerprint:
                    raise IndexMismatchError(
                        f"{self.path}: the index was built with "
                        f"{self.manifest.fingerprint.signature}; this command asks for "
                        f"{self._config.signature}",
                        hint="omit the fingerprint options to use the index's own",
                    )
            else:
                stamp = now()
                self.manifest = Manifest(
                    fingerprint=self._config or FingerprintConfig(),
                    created=stamp,
                    updated=stamp,
                    tool=f"provcheck {__version__}",
                )
            self._clean_leftovers()
        except BaseException:
            self._lock.__exit__()
            self._remove_unfinished(opened=False)
            raise
        return self

    def _refuse_foreign_directory(self) -> None:
        """An existing directory without a manifest holds an index only if it holds nothing
        else: ``index add data/ refs.jsonl`` (the arguments swapped) made the dataset folder an
        index, and wrote its ``manifest.json`` among the data (adversarial pass 12)."""
        try:
            names = sorted(set(os.listdir(self.path)) - {SHARDS, TMP, LOCK, LOCK + ".pid"})
        except OSError:
            return  # creating or locking it reports the problem
        if names:
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            raise UsageError(
                f"{self.path}: a directory that is not an index (no manifest.json) and holds other "
                f"files ({shown}): the index would be written among them",
                hint="give a new or empty directory for the index (index add INDEX FILE...: the "
                "index comes first)",
            )

    def _remove_unfinished(self, opened: bool = True) -> None:
        """Remove what this writer made when no index came of it: the directory it created, or
        its lock and shards folder in an empty directory that was there (a failed first add
        left them, and every scan refused the directory as an unfinished index), or beside a
        ``manifest.json`` that is not an index's (``opened``: the index was opened)."""
        if os.path.exists(os.path.join(self.path, mf.MANIFEST)) and (opened or self._created):
            return
        if self._created:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        for name in self._made:
            target = os.path.join(self.path, name)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(target)

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        kept = False
        try:
            for builder in self._building:
                builder.abort()
            shutil.rmtree(os.path.join(self.path, TMP), ignore_errors=True)
            if exc_type is not None:
                kept = self._discard()
        finally:
            if self._lock is not None:
                self._lock.__exit__()
        if exc_type is not None:
            # A first add that failed (no reference turn, an unreadable file) left a directory
            # with a lock and empty shards that every scan refused as an unfinished index.
            self._remove_unfinished()
        if isinstance(exc, OSError):
            # Disk full, a file size limit, permissions: say what happened to the index.
            state = (
                "the index was updated, but the change may not be durable: run `provcheck index verify`"
                if kept
                else "nothing was added: the index is as it was before this command"
            )
            raise IndexWriteError(
                f"{self.path}: cannot write the index: {_reason(exc)}; {state}",
                hint="free disk space (or fix the cause above) and run the command again",
            ) from exc

    def _discard(self) -> bool:
        """Remove the shards this writer made that the manifest on disk does not use.

        The manifest is read back rather than assumed: an interruption inside ``commit`` may
        come just after the new manifest replaced the old one, and its shards must then stay.
        True when the manifest on disk uses this writer's shards (the commit happened).
        """
        try:
            live = {s.name for s in mf.read(self.path).shards}
        except ReferenceIndexError:
            live = set()  # no manifest yet (a first add) or a damaged one: nothing of ours is used
        self._remove_manifest_leftovers()
        kept = False
        for name, _ in self._new:
            if name in live:
                kept = True
            else:
                shutil.rmtree(os.path.join(self.path, SHARDS, name), ignore_errors=True)
        return kept

    def _remove_manifest_leftovers(self) -> None:
        """A manifest being written when its writer was killed (this and older versions' names)."""
        manifest = os.path.join(self.path, mf.MANIFEST)
        for tmp in [manifest + ".tmp", *atomic.leftovers(manifest)]:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    @property
    def config(self) -> FingerprintConfig:
        """The index's fingerprint parameters."""
        return self.manifest.fingerprint

    def _clean_leftovers(self) -> None:
        """Remove what an interrupted writer left: temp dirs, unreferenced shards, a manifest
        that was being written."""
        shutil.rmtree(os.path.join(self.path, TMP), ignore_errors=True)
        self._remove_manifest_leftovers()
        live = {s.name for s in self.manifest.shards}
        shard_dir = os.path.join(self.path, SHARDS)
        for name in os.listdir(shard_dir):
            if name not in live:
                shutil.rmtree(os.path.join(shard_dir, name), ignore_errors=True)

    def source(self, info: SourceInfo) -> SourceEntry:
        """Register a source, or check that re-adding it does not contradict its facts."""
        entry = self.manifest.sources.get(info.name)
        if entry is None:
            entry = SourceEntry(info)
            self.manifest.sources[info.name] = entry
            return entry
        old = entry.info
        if old.background != info.background:
            # The stricter reading cannot be guessed: material is either reference or background.
            kind = "background (independent text)" if old.background else "reference material"
            raise UsageError(
                f"source {info.name!r} is already in the index as {kind}; this command adds it "
                f"{'without' if old.background else 'with'} --background",
                hint="use another --source name for material of the other kind",
            )
        merged = {}
        for fieldname in ("provider", "generator", "license", "terms"):
            a, b = getattr(old, fieldname), getattr(info, fieldname)
            if a is not None and b is not None and a != b:
                raise UsageError(
                    f"source {info.name!r} is already in the index with {fieldname} {a!r}; "
                    f"this command says {b!r}",
                    hint="use another --source name, or the same facts",
                )
            merged[fieldname] = a if a is not None else b
        entry.info = replace(old, **merged, meta={**old.meta, **info.meta})
        return entry

    def new_shard(self) -> ShardBuilder:
        """A builder writing into a temp directory."""
        builder = ShardBuilder(os.path.join(self.path, TMP, uuid.uuid4().hex))
        self._building.append(builder)
        return builder

    def seal(self, builder: ShardBuilder) -> None:
        """Finish a shard and move it into place (still invisible until commit)."""
        self.manifest.generation += 1
        name = f"{self.manifest.generation:06d}-{uuid.uuid4().hex[:8]}"
        entry = builder.finish(name)
        self._building.remove(builder)
        target = os.path.join(self.path, SHARDS, name)
        os.rename(builder.directory, target)
        self._new.append((name, entry))

    def commit(self) -> None:
        """Make the new shards and source facts visible, atomically."""
        self.manifest.shards.extend(entry for _, entry in self._new if entry.texts)
        for name, entry in self._new:
            if not entry.texts:
                shutil.rmtree(os.path.join(self.path, SHARDS, name), ignore_errors=True)
        mf.fsync_dir(os.path.join(self.path, SHARDS))
        self.manifest.updated = now()
        mf.write(self.path, self.manifest)
        self._new = []


def _reason(exc: OSError) -> str:
    """``No space left on device (/idx/shards/x/texts.zst)``."""
    reason = exc.strerror or str(exc)
    return f"{reason} ({exc.filename})" if exc.filename else reason
