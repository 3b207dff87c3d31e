"""Reading zip and tar archives member by member (``inputs.archives`` says what and why):
zipfile and tarfile are imported only when a scan meets an archive."""

from __future__ import annotations

import functools
import io
import lzma
import posixpath
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, BinaryIO, cast

from provcheck.errors import InputError
from provcheck.inputs.archives import (
    ENCRYPTED,
    HIDDEN,
    LINK,
    NESTED,
    SPECIAL,
    Locations,
    Member,
    Selected,
    archive_kind,
)
from provcheck.inputs.base import unicode_text
from provcheck.inputs.source import DecompressionFailed, InputSource, LimitExceeded, Limits, open_binary
from provcheck.model import ErrorKind, NotScanned, RecordError


class _Checked(io.RawIOBase):
    """A member's bytes with the archive libraries' errors turned into ``DecompressionFailed``
    (a corrupt member is a located error, never a traceback)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(min(len(buffer), 1 << 16))
        except (LimitExceeded, DecompressionFailed):
            raise
        except (zipfile.BadZipFile, tarfile.TarError, zlib.error, lzma.LZMAError, EOFError, OSError) as exc:
            raise DecompressionFailed(f"archive member is corrupt or truncated ({exc})") from exc
        except (ValueError, NotImplementedError, RuntimeError) as exc:
            raise DecompressionFailed(f"archive member cannot be read ({exc})") from exc
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def _checked(inner: IO[bytes]) -> BinaryIO:
    return cast(BinaryIO, io.BufferedReader(_Checked(inner), buffer_size=1 << 16))


def _kind_of(name: str) -> str:
    from provcheck.inputs import suffix_of

    return suffix_of(name.rsplit("/", 1)[-1])


def _selected(where: str, name: str) -> NotScanned | RecordError | None:
    """Why member ``name`` (located ``where``) is not read, or None to read it."""
    # `.` and `..` are steps, not hidden names: extractors write `../train.jsonl` as
    # `train.jsonl`, and a copy so named passed as "hidden" (adversarial pass 17).
    parts = [p for p in name.split("/") if p not in ("", ".", "..")]
    if any(p.startswith(".") for p in parts):
        return NotScanned(where, HIDDEN, parts[-1] if parts else name)
    if archive_kind(parts[-1] if parts else name):
        return RecordError(where, ErrorKind.FILE, NESTED)
    return None


LINK_TO_HIDDEN = (
    "link to {target}, a hidden member of the archive: what it holds was read under neither "
    "name (the scan is incomplete); extract the archive and scan the folder, or exclude it"
)
FOLDER_WITH_BYTES = (
    "a folder entry (its name ends with /) that holds bytes: not read, so the scan is incomplete; "
    "a folder holds none, so this is not an archive a tool wrote as it is (extract it and scan "
    "what it holds, or exclude the archive)"
)


def _too_many(display: str, most: int) -> RecordError:
    return RecordError(
        display,
        ErrorKind.LIMIT,
        f"archive holds more than {most:,} members; the rest were not read (the scan is incomplete)",
    )


def zip_members(display: str, fs_path: str, limits: Limits) -> Iterator[Selected]:
    try:
        raw = open_binary(fs_path, display)
    except InputError as exc:
        yield RecordError(display, ErrorKind.FILE, exc.message)
        return
    with raw:
        try:
            archive = zipfile.ZipFile(raw)
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            yield RecordError(
                display, ErrorKind.FILE, f"not a readable zip archive ({exc}); nothing in it was read"
            )
            return
        with archive:
            size = raw.seek(0, io.SEEK_END)
            allowed = max(limits.min_decompressed, size * limits.max_expansion)
            total = 0
            located = Locations(display)
            if len(infos) <= limits.max_archive_members:
                unlisted = _unlisted_bytes(raw, infos, archive.start_dir)
                if unlisted:
                    yield RecordError(display, ErrorKind.FILE, UNLISTED.format(count=unlisted))
            for number, info in enumerate(infos):
                if number >= limits.max_archive_members:
                    yield _too_many(display, limits.max_archive_members)
                    return
                where = located(info.filename)
                if info.is_dir():
                    if info.file_size or info.compress_size > 2:  # 2: deflate's empty stream
                        yield RecordError(where, ErrorKind.FILE, FOLDER_WITH_BYTES)
                    continue
                target = _link_target(archive, info) if stat.S_ISLNK(info.external_attr >> 16) else None
                if target is not None:
                    yield _link(where, info.filename, target, hard=False)
                    continue
                skipped = _selected(where, info.filename)
                if skipped is not None:
                    yield skipped
                    continue
                if info.flag_bits & 0x1:
                    yield RecordError(where, ErrorKind.FILE, ENCRYPTED)
                    continue
                ratio_limit = max(limits.min_decompressed, info.compress_size * limits.max_expansion)
                if info.file_size > ratio_limit:
                    yield RecordError(
                        where,
                        ErrorKind.LIMIT,
                        f"member expands to {info.file_size:,} bytes from {info.compress_size:,} "
                        f"(more than {limits.max_expansion} times, past "
                        f"{limits.min_decompressed // 2**20} MiB): not read, a decompression bomb",
                    )
                    continue
                total += info.file_size
                if total > allowed:
                    yield RecordError(
                        display,
                        ErrorKind.LIMIT,
                        f"members expand to more than {allowed:,} bytes in all (limit: "
                        f"{limits.max_expansion} times the archive's size, at least "
                        f"{limits.min_decompressed // 2**20} MiB); the rest were not read",
                    )
                    return
                try:
                    stream = archive.open(info)
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError) as exc:
                    yield RecordError(where, ErrorKind.FILE, f"archive member cannot be read ({exc})")
                    continue
                again = functools.partial(_reopened, archive, info)
                yield Member(where, info.filename, _checked(stream), info.file_size, again)


LINK_TARGET_MOST = 4096
"""Bytes of the longest link target (``PATH_MAX`` on Linux)."""
LINK_TARGET_WORDS = 8
"""Words (between white space) of a link target that are prose, not a path: a passage must
share runs of 12 tokens to be found, so text below this is never a match."""


def _link(where: str, name: str, target: str, *, hard: bool) -> NotScanned | RecordError:
    """A link member: listed, not followed; a located error when it leads to a hidden member
    of its archive (``train.jsonl`` a hard link to ``.backup.jsonl``, as tar stores the second
    name of a file; a symbolic link to ``.data/x.jsonl``): what it holds was not read under
    either name, and the scan passed with both only listed (adversarial pass 17)."""
    path = target if hard else posixpath.join(posixpath.dirname(name), target)
    parts = posixpath.normpath(path).split("/")
    inside = not path.startswith("/") and parts[0] != ".."
    if inside and any(p.startswith(".") and p not in (".", "..") for p in parts):
        return RecordError(where, ErrorKind.FILE, LINK_TO_HIDDEN.format(target=unicode_text(target)))
    return NotScanned(where, LINK, _kind_of(name))


def _link_target(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """The target of a member whose mode says "symbolic link", or None when its bytes cannot
    be one.

    The mode is a field of the central directory that ``zipfile``, and every program reading
    the member's bytes, ignores: a member of records marked as a link passed unread
    (adversarial pass 17). A target is a path: not longer than ``LINK_TARGET_MOST`` bytes, no
    line break or NUL, fewer than ``LINK_TARGET_WORDS`` words (prose is read as text) and not
    a dataset by its content."""
    if info.file_size > LINK_TARGET_MOST or info.flag_bits & 0x1:
        return None
    try:
        with archive.open(info) as fh:
            target = fh.read(LINK_TARGET_MOST + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError, EOFError, zlib.error):
        return None  # read as a member, whose error is then located
    from provcheck.inputs.sniff import sniff

    if (
        len(target) <= LINK_TARGET_MOST
        and not any(c in target for c in b"\n\r\0")
        and len(target.split()) < LINK_TARGET_WORDS
        and sniff(target, info.filename.rsplit("/", 1)[-1]) is None
    ):
        return target.decode("utf-8", errors="surrogateescape")
    return None


UNLISTED = (
    "{count:,} bytes before the central directory belong to no member it lists (data before the "
    "first member, or entries only local headers hold, which streaming readers such as bsdtar "
    "extract): not read, so the scan is incomplete; re-create the archive from its files"
)
_DESCRIPTOR_MOST = 24
"""Bytes of a data descriptor after a member's data (flag bit 3): 12, 16, or 24 for zip64."""


def _unlisted_bytes(raw: BinaryIO, infos: list[zipfile.ZipInfo], start_dir: int) -> int:
    """Bytes before ``start_dir`` (the central directory) that no listed member's local header,
    data or data descriptor spans: a zip whose central directory leaves out a local entry, or
    with a file put before it (``cat copy.jsonl data.zip``), passed with that part unread
    (adversarial pass 17). A local header that cannot be read counts nothing: opening the
    member then fails at its line."""
    unlisted = at = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset > at:
            unlisted += info.header_offset - at
        raw.seek(info.header_offset)
        header = raw.read(30)
        if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
            return unlisted
        name_length, extra_length = (
            int.from_bytes(header[26:28], "little"),
            int.from_bytes(header[28:30], "little"),
        )
        end = info.header_offset + 30 + name_length + extra_length + info.compress_size
        if info.flag_bits & 0x08:
            end = min(end + _DESCRIPTOR_MOST, max(start_dir, end))
        at = max(at, end)
    return unlisted + max(0, start_dir - at)


def zip_names(fs_path: str) -> list[str]:
    """The member names of the zip file at ``fs_path`` (none when it cannot be read as one)."""
    try:
        with zipfile.ZipFile(fs_path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return []


def _reopened(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> BinaryIO:
    try:
        return _checked(archive.open(info))
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError) as exc:
        raise InputError(f"archive member cannot be read again ({exc})") from exc


def tar_members(display: str, fs_path: str, limits: Limits) -> Iterator[Selected]:
    # The whole stream is decompressed through InputSource.open: the same bounds as a
    # compressed file (a tar bomb stops there), and compression told by content.
    source = InputSource(path=display, fs_path=fs_path, limits=limits)
    try:
        with source.open() as stream:
            yield from _tar_members(display, stream, limits)
    except InputError as exc:
        yield RecordError(display, ErrorKind.FILE, exc.message)
    except LimitExceeded as exc:
        yield RecordError(display, ErrorKind.LIMIT, f"reading stopped: {exc}; the rest was not read")
    except (DecompressionFailed, tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        yield RecordError(
            display,
            ErrorKind.FILE,
            f"archive is corrupt or truncated ({exc}); the members before it were read, the rest not",
        )


class _Watched(tarfile.TarInfo):
    """Remembers on its archive why reading headers stopped: ``tarfile`` ends the member list
    in silence at a header cut short or garbled past the first, as at the end-of-archive
    blocks, and a damaged archive must not pass for a whole one."""

    @classmethod
    def fromtarfile(cls, archive: tarfile.TarFile) -> _Watched:
        try:
            return super().fromtarfile(archive)
        except tarfile.HeaderError as exc:
            name = type(exc).__name__  # tarfile's private subclasses, untyped
            if name == "EmptyHeaderError":
                archive.damage = "it ends without the end-of-archive blocks"  # type: ignore[attr-defined]
            elif name != "EOFHeaderError":  # the end-of-archive blocks end a whole archive
                archive.damage = f"a damaged header ({exc})"  # type: ignore[attr-defined]
            raise


def _tar_members(display: str, stream: BinaryIO, limits: Limits) -> Iterator[Selected]:
    located = Locations(display)
    with tarfile.open(fileobj=stream, mode="r|", tarinfo=_Watched) as archive:
        for number, info in enumerate(archive):
            if number >= limits.max_archive_members:
                yield _too_many(display, limits.max_archive_members)
                return
            if info.isdir():
                continue
            where = located(info.name)
            if info.issym() or info.islnk():
                yield _link(where, info.name, info.linkname, hard=info.islnk())
                continue
            if not info.isreg():
                yield NotScanned(where, SPECIAL, _kind_of(info.name))
                continue
            skipped = _selected(where, info.name)
            if skipped is not None:
                yield skipped
                continue
            inner = archive.extractfile(info)
            if inner is None:  # pragma: no cover - a regular member always has a file
                continue
            yield Member(where, info.name, _checked(inner), info.size)
        damage = getattr(archive, "damage", None)
        if damage is not None:
            raise tarfile.ReadError(damage)
