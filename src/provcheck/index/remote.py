"""An index at an fsspec URL (``--index s3://bucket/index``): fetched once per node, checked, mapped.

The index is memory-mapped, which an object store cannot do, so a URL is copied to a local
cache first: ``<cache dir>/indexes/<digest>/``, keyed by the index's digest (which the manifest
determines: every file's xxh3 and the sources). Each node (the driver, every Ray node) fetches
it once; later opens read only the manifest (a few KB) to learn the digest and find the copy.
A changed index has another digest and is fetched again.

Nothing half-fetched is ever used: files are downloaded into a private temporary folder, each
checked against the size and xxh3 the manifest lists (a wrong byte is an ``IndexCorruptError``,
exit 5, naming the file), and the folder is renamed into place only when complete; the
manifest's own checksum is checked before anything else. Two processes fetching at once both
succeed: the first rename wins and the other's copy is removed. The copy is then opened like
any local index, whose open verifies the files again (``index.integrity``).

Local paths never come here: they need neither fsspec nor the network.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from typing import Any

from provcheck.errors import IndexCorruptError, ReferenceIndexError, UsageError
from provcheck.index import integrity
from provcheck.index import manifest as mf
from provcheck.index.integrity import file_digest
from provcheck.support import paths

SHARDS = "shards"


def is_remote(path: str) -> bool:
    """True for an fsspec URL (``s3://``, ``gs://``, ``memory://``, ``file://``...)."""
    return "://" in path


def cache_root() -> str:
    """Where fetched indexes are kept: ``indexes/`` in provcheck's cache directory."""
    return os.path.join(paths.cache_dir(), "indexes")


def local_index(path: str, root: str | None = None) -> str:
    """``path`` itself when local; for a URL, the local, checked copy (fetched if needed)."""
    if not is_remote(path):
        return path
    try:
        import fsspec
    except ImportError:
        raise UsageError(
            f"--index {path}: an index at a URL needs fsspec: pip install 'provcheck[cloud]' "
            "(and the filesystem's package: s3fs, gcsfs...)"
        ) from None
    try:
        fs, base = fsspec.core.url_to_fs(path)
    except (ValueError, ImportError) as exc:
        raise UsageError(f"--index {path}: {exc}") from None
    root = root or cache_root()
    os.makedirs(root, exist_ok=True)
    import secrets  # not with the module: a local index is never fetched

    work = os.path.join(root, f".fetch-{secrets.token_hex(8)}")
    try:
        os.makedirs(work)
        manifest = _fetch_manifest(fs, base, path, work)
        dest = os.path.join(root, manifest.digest)
        if os.path.isfile(os.path.join(dest, mf.MANIFEST)):
            if _sound(dest, manifest):
                with contextlib.suppress(OSError):
                    os.utime(dest)  # recently used: kept by ``prune``
                return dest  # fetched before, and its files still match the manifest
            # A cached copy damaged since it was fetched (disk, a stray write) is not the
            # index at the URL: it is thrown away and fetched again, never opened.
            shutil.rmtree(dest, ignore_errors=True)
        for shard in manifest.shards:
            for name, entry in sorted(shard.files.items()):
                _fetch_file(fs, base, path, f"{SHARDS}/{shard.name}/{name}", work, entry.size, entry.xxh3)
        try:
            os.rename(work, dest)
        except OSError:
            if not os.path.isfile(os.path.join(dest, mf.MANIFEST)):
                raise
        prune(root)
        return dest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _sound(dest: str, manifest: mf.Manifest) -> bool:
    """The cached copy's files match the fetched manifest (checked through the digest cache,
    so a copy verified before costs a ``stat`` per file)."""
    try:
        if mf.read(dest).digest != manifest.digest:
            return False
        integrity.check(
            (os.path.join(dest, SHARDS, shard.name, name), entry.xxh3)
            for shard in manifest.shards
            for name, entry in shard.files.items()
        )
    except (IndexCorruptError, ReferenceIndexError, OSError):
        return False
    return True


def _fetch_manifest(fs: Any, base: str, url: str, work: str) -> mf.Manifest:
    try:
        data = fs.cat_file(f"{base.rstrip('/')}/{mf.MANIFEST}")
    except FileNotFoundError:
        raise ReferenceIndexError(f"{url}: no index here (no {mf.MANIFEST})") from None
    except OSError as exc:
        raise ReferenceIndexError(f"{url}: cannot read {mf.MANIFEST}: {exc}") from None
    with open(os.path.join(work, mf.MANIFEST), "wb") as fh:
        fh.write(data)
    os.makedirs(os.path.join(work, SHARDS), exist_ok=True)
    try:
        return mf.read(work)  # the manifest's checksum, format and parameters
    except ReferenceIndexError as exc:
        raise type(exc)(f"{url}: {exc.message.replace(work, '').lstrip('/: ')}", hint=exc.hint) from None


def _fetch_file(fs: Any, base: str, url: str, name: str, work: str, size: int, xxh3: str) -> None:
    target = os.path.join(work, *name.split("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    try:
        fs.get_file(f"{base.rstrip('/')}/{name}", target)
    except FileNotFoundError:
        raise IndexCorruptError(f"{url}/{name}: listed in the manifest but missing") from None
    except OSError as exc:
        raise IndexCorruptError(f"{url}/{name}: download failed: {exc}") from None
    got = os.path.getsize(target)
    if got != size:
        raise IndexCorruptError(f"{url}/{name}: downloaded {got:,} bytes, the manifest lists {size:,}")
    digest = file_digest(target)
    if digest != xxh3:
        raise IndexCorruptError(
            f"{url}/{name}: digest {digest} of the download differs from the manifest's {xxh3}",
            hint="the copy at the URL is damaged or being rewritten; re-upload the index",
        )


def prune(root: str | None = None, keep: int = 4) -> None:
    """Remove all but the ``keep`` most recently used fetched indexes."""
    root = root or cache_root()
    with contextlib.suppress(OSError):
        entries = [os.path.join(root, e) for e in os.listdir(root) if not e.startswith(".")]
        entries.sort(key=os.path.getmtime, reverse=True)
        for old in entries[keep:]:
            shutil.rmtree(old, ignore_errors=True)


__all__ = ["cache_root", "is_remote", "local_index", "prune"]
