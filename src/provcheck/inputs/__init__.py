"""Container readers, chosen by file suffix, and discovery of dataset files under directories."""

from __future__ import annotations

import errno
import functools
import io
import json as _json
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

from provcheck.errors import InputError
from provcheck.inputs import archives
from provcheck.inputs.archives import archive_kind
from provcheck.inputs.base import (
    ContainerReader,
    RawItem,
    RawRecord,
    keep_repeated_keys,
    unicode_text,
)
from provcheck.inputs.containers import CONTAINERS
from provcheck.inputs.declared import is_manifest_name
from provcheck.inputs.jsonl import JsonlReader, LineFilter, UnparsedLine
from provcheck.inputs.ownreport import CSV_REPORT_HEADER, JSON_REPORT_KEYS, own_report
from provcheck.inputs.source import (
    DecompressionFailed,
    InputSource,
    LimitExceeded,
    Limits,
    is_url,
    not_regular,
    open_binary,
    stripped_name,
    url_fs,
)
from provcheck.model import ErrorKind, NotScanned, RecordError

if TYPE_CHECKING:
    from provcheck.inputs.sniff import Sniffed

__all__ = [
    "CONTAINERS",
    "CSV_REPORT_HEADER",
    "GIVEN_TWICE",
    "JSON_REPORT_KEYS",
    "NOT_INCLUDED",
    "ContainerReader",
    "Found",
    "InputSource",
    "Limits",
    "LineFilter",
    "RawItem",
    "RawRecord",
    "Unit",
    "UnparsedLine",
    "archive_of",
    "discover",
    "line_oriented",
    "own_report",
    "read",
    "read_units",
    "read_unparsed",
    "reader_for",
    "same_path",
    "sniffed",
    "suffix_of",
]

T = TypeVar("T")
_LFS_POINTER = b"version https://git-lfs.github.com/spec/"


def reader_for(path: str) -> ContainerReader | None:
    """The reader for ``path`` by its suffix, e.g. ``x.jsonl.zst`` -> JSON Lines."""
    name, _ = stripped_name(path)
    return CONTAINERS.get(os.path.splitext(name)[1].lower())


def line_oriented(path: str) -> bool:
    """True when ``path``'s container has one record per line (``read`` accepts ``keep``)."""
    return isinstance(reader_for(path), JsonlReader)


def _supported() -> str:
    return ", ".join(sorted(CONTAINERS)) + " (each optionally .gz, .xz, .lzma, .bz2, .zst)"


Found = tuple[str, str] | RecordError | NotScanned
"""What discovery yields: a dataset file ``(display, path)``, an error, or a file not read."""


def discover(paths: list[str]) -> Iterator[Found]:
    """Expand ``paths`` into ``(display path, filesystem path)`` pairs of dataset files.

    Directories are walked in sorted order, following a link to a folder outside those walked
    (a link into the scanned folder or to a folder walked already is listed: no loops);
    hidden entries are skipped, and a dataset file that is a broken or looping link is an error,
    and so is a directory that cannot be listed. Files of types provcheck does not read, and
    provcheck's own reports, are yielded as ``NotScanned`` (counted in every summary, never
    dropped in silence). Display paths that are not UTF-8 show U+FFFD. A missing path raises
    ``InputError`` before anything is read.
    """
    for given in paths:
        if is_url(given):
            yield from _discover_url(given)
            continue
        if not os.path.lexists(given):
            raise InputError(f"{given}: no such file or directory")
        if not os.path.isdir(given):
            special = not_regular(given)  # a FIFO would block the scan forever
            yield (
                RecordError(unicode_text(given), ErrorKind.FILE, special)
                if special
                else (unicode_text(given), given)
            )
            continue
        found = 0
        unreadable: list[OSError] = []
        walked = {os.path.realpath(given)}  # a link leading into one is not followed (no loops)
        for root, dirs, files in os.walk(given, followlinks=True, onerror=unreadable.append):
            while unreadable:
                yield _unlistable(unreadable.pop(0))
            # Hidden entries (.git, .cache, .venv, a ".copy.jsonl") are not walked, but each is
            # listed and counted: a dataset file put out of sight must not pass in silence.
            for hidden in sorted(d for d in dirs if d.startswith(".") and d not in _NOT_DATA):
                yield NotScanned(unicode_text(os.path.join(root, hidden)), HIDDEN, hidden + "/")
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            # A link to a folder outside the scanned one is walked, as a trainer reading the
            # folder reads it: `data/part-2 -> /mnt/big/part-2` was listed, not read, and the scan
            # passed (exit 0) with a copy in part 2 (adversarial pass 18). A link into the scanned
            # folder, or to a folder walked already (a loop), is listed: read under its own name.
            # A link to a folder holding one walked (`up -> /`, `-> ..`) would walk the scanned
            # folder again and everything around it; one into /proc, /sys or /dev reads the
            # system's and provcheck's own state (`/dev/fd/N` is a file provcheck has open), never
            # a dataset: both are listed, not walked.
            for linked in [d for d in dirs if os.path.islink(os.path.join(root, d))]:
                real = os.path.realpath(os.path.join(root, linked))
                reason = _linked_reason(real, walked)
                if reason is not None:
                    yield NotScanned(unicode_text(os.path.join(root, linked)), reason, linked + "/")
                    dirs.remove(linked)
                else:
                    walked.add(real)
            arrow = any(n.endswith(".arrow") for n in files)
            for name in sorted(files):
                full = os.path.join(root, name)
                if is_manifest_name(name):
                    continue  # manifests are read as declarations
                if name == NESTED_CONFIG and os.path.normpath(root) != os.path.normpath(given):
                    # A folder with a configuration of its own (a monorepo's dataset): its
                    # files were judged under the run's configuration, its own left unread.
                    yield RecordError(unicode_text(full), ErrorKind.FILE, NESTED)
                    continue
                if name.startswith("."):
                    if name not in _NOT_DATA:
                        yield NotScanned(unicode_text(full), HIDDEN, name)
                    continue
                if (name == "dataset_dict.json" or (arrow and name in _HF_SIDECARS)) and hf_sidecar(
                    full, name
                ):
                    yield NotScanned(unicode_text(full), HF_METADATA, name)
                    continue
                if reader_for(name) is None and archive_kind(name) is None:
                    unread = _by_content(full, name)  # read when its content is plainly a dataset
                    if unread is not None:
                        yield unread  # listed whatever it is: a file, a pipe, a link
                        continue
                if not os.path.isfile(full):
                    # A dataset file that cannot be read is reported (a named pipe or device as
                    # when it is named on the command line: it was dropped without a word).
                    special = None if os.path.islink(full) else not_regular(full)
                    yield RecordError(unicode_text(full), ErrorKind.FILE, special or _broken_link(full))
                    continue
                if own_report(full):
                    yield NotScanned(unicode_text(full), REPORT, suffix_of(name))
                    continue
                found += 1
                yield unicode_text(full), full  # a name that is not UTF-8 is shown with U+FFFD
        blocked = False
        while unreadable:
            error = _unlistable(unreadable.pop(0))
            blocked = blocked or error.path == unicode_text(given)
            yield error
        if not found and not blocked:
            yield RecordError(
                unicode_text(given),
                ErrorKind.FILE,
                f"no dataset files in this directory; supported: {_supported()}",
            )


GIVEN_TWICE = "given twice (read once)"
NESTED_CONFIG = ".provcheck.yaml"
NESTED = (
    "a configuration of its own below the scanned folder: the files under it were judged without "
    "it (its policy, use and globs); scan that folder from where it applies, or with --config"
)


def same_path(fs_path: str) -> str:
    """One spelling of a path: ``./data/a.jsonl`` and ``data/a.jsonl`` are one file, read once
    (links and copies stay files of their own: a trainer reading the folder reads them too)."""
    return fs_path if is_url(fs_path) else os.path.normpath(os.path.abspath(fs_path))


UNSUPPORTED = "unsupported type"
NOT_INCLUDED = "not matched by include"
REPORT = "provcheck report"
HIDDEN = "hidden"
LINKED_DIR = (
    "symbolic link to a folder inside the scanned one or walked already, not followed (read under "
    "its own name)"
)
LINKED_SYSTEM = "symbolic link to a system folder (/proc, /sys, /dev), not followed"
LINKED_ANCESTOR = (
    "symbolic link to a folder that holds the scanned one, not followed (it would read it again)"
)
_SYSTEM = ("/proc", "/sys", "/dev")


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _linked_reason(real: str, walked: set[str]) -> str | None:
    """Why a link to the folder ``real`` is not walked, or None to walk it."""
    if any(_within(real, w) for w in walked):
        return LINKED_DIR
    if any(_within(w, real) for w in walked):
        return LINKED_ANCESTOR
    if os.name == "posix" and any(_within(real, d) for d in _SYSTEM):
        return LINKED_SYSTEM
    return None


_NOT_DATA = frozenset(
    {".git", ".hg", ".svn", ".gitattributes", ".gitignore", ".provcheck.yaml", ".provcheck-waivers.yaml"}
)
"""Hidden entries that are never data (version control, provcheck's own configuration and
waivers): not listed, so that a scan of a repository's root does not report them every time."""
HF_METADATA = "Hugging Face dataset metadata"
_HF_SIDECARS = frozenset({"state.json", "dataset_info.json"})
"""What ``save_to_disk`` writes beside its ``.arrow`` files: metadata, not records."""
_INFO_KEYS = frozenset(
    {
        "builder_name",
        "citation",
        "config_name",
        "dataset_name",
        "dataset_size",
        "description",
        "download_checksums",
        "download_size",
        "features",
        "homepage",
        "license",
        "post_processed",
        "post_processing_size",
        "size_in_bytes",
        "splits",
        "supervised_keys",
        "task_templates",
        "version",
    }
)
"""The keys of a ``dataset_info.json`` (``datasets.DatasetInfo``)."""
_SIDECAR_BYTES = 4 * 2**20


def hf_sidecar(path: str, name: str) -> bool:
    """True when ``path`` (named as a ``save_to_disk`` sidecar) holds what that sidecar holds.

    The name alone decided: a JSON array of records saved as ``dataset_dict.json`` (or as
    ``state.json`` beside an ``.arrow`` file) was listed as metadata and never read, and a copy
    in it passed (adversarial pass 14). A sidecar is a JSON object of its own keys:
    ``dataset_dict.json`` ``splits`` only, ``dataset_info.json`` the keys of ``DatasetInfo``,
    ``state.json`` keys starting with ``_``, and no prose in the values of either (a
    ``description`` holding a copy was listed as metadata too). Anything else is read as the
    dataset file it is.
    """
    try:
        if os.path.getsize(path) > _SIDECAR_BYTES:
            return False
        with open(path, "rb") as f:
            # Every value of a key written twice (a `description` holding a copy, then an empty
            # one, which `json` would keep alone) is looked at (adversarial pass 20).
            doc = _json.loads(f.read(), object_pairs_hook=keep_repeated_keys)
    except (OSError, ValueError, RecursionError):
        # A malformed dataset_info.json is a located error of its declarations already
        # (`inputs.declared`); a malformed other sidecar is read, and its error reported so.
        return name == "dataset_info.json"
    if not isinstance(doc, dict) or not doc:
        return False
    if name == "dataset_dict.json":
        return set(doc) == {"splits"}
    from provcheck.inputs.schemas.walk import is_prose, leaves

    info = name == "dataset_info.json"
    keys = set(doc) <= _INFO_KEYS if info else all(str(k).startswith("_") for k in doc)
    # Free text (a `description` holding a copy) is read: the file is then scanned as data.
    return keys and not any(text is None or is_prose(text) for _, text in leaves(doc))


def _unlistable(exc: OSError) -> RecordError:
    where = unicode_text(str(exc.filename)) if exc.filename is not None else "?"
    return RecordError(
        where,
        ErrorKind.FILE,
        f"cannot read this directory ({exc.strerror or exc}); nothing in it was scanned",
    )


def _not_scanned(full: str, name: str) -> NotScanned:
    # Only a regular file is opened to look at its head: opening a named pipe waits forever.
    report = os.path.isfile(full) and own_report(full)
    return NotScanned(unicode_text(full), REPORT if report else UNSUPPORTED, suffix_of(name))


def suffix_of(name: str) -> str:
    """``x.tar.gz`` -> ``.tar.gz``; ``data.jsonlines`` -> ``.jsonlines``; ``LICENSE`` -> ``LICENSE``."""
    stem, compression = stripped_name(name)
    compressed = name[len(stem) :] if compression else ""
    ext = os.path.splitext(stem)[1]
    return (ext + compressed).lower() if ext or compressed else name


def _broken_link(path: str) -> str:
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop; not scanned"
        return f"symbolic link to nothing ({exc.strerror}); not scanned"
    return "symbolic link to something that is not a file; not scanned"


def _discover_url(url: str) -> Iterator[Found]:
    """Files under an fsspec URL (a file or a prefix), sorted."""
    fs, root = url_fs(url)
    try:
        if not fs.exists(root):
            raise InputError(f"{url}: no such file or directory")
        if not fs.isdir(root):
            yield url, url
            return
        protocol = url.split("://", 1)[0]
        listed = sorted(p for p in fs.find(root) if not os.path.basename(p).startswith("."))
    except OSError as exc:
        raise InputError(f"{url}: cannot list: {exc}") from exc

    def full(path: str) -> str:
        return f"{protocol}://{path.lstrip('/')}" if protocol != "file" else f"file://{path}"

    found = [p for p in listed if reader_for(p) is not None]
    for path in listed:
        name = os.path.basename(path)
        if reader_for(path) is None and not is_manifest_name(name):
            yield NotScanned(full(path), UNSUPPORTED, suffix_of(name))  # counted, never dropped
    if not found:
        yield RecordError(url, ErrorKind.FILE, f"no dataset files here; supported: {_supported()}")
    for path in found:
        yield full(path), full(path)


def sniffed(fs_path: str, name: str | None = None) -> Sniffed | None:
    """What the first bytes of the local file ``fs_path`` say it holds (``inputs.sniff``);
    None for a URL, an unreadable file or one that is not a dataset. ``name``: its name."""
    if is_url(fs_path):
        return None
    from provcheck.inputs.sniff import HEAD, sniff, zip_document

    try:
        with open_binary(fs_path, fs_path) as fh:
            head = fh.read(HEAD)
    except InputError:
        return None
    base = os.path.basename(name or fs_path)
    found = sniff(head, base)
    if found is None and zip_document(head, base) and _holds_datasets(fs_path):
        return sniff(head, "")  # a dataset zip renamed as a document: an archive
    return found


def _holds_datasets(fs_path: str) -> bool:
    """True when the zip file holds a member of a dataset type no document holds."""
    from provcheck.inputs import unpack
    from provcheck.inputs.json import JsonReader
    from provcheck.inputs.text import TextReader

    return any(
        not isinstance(reader_for(n), (JsonReader, TextReader)) and reader_for(n) is not None
        for n in unpack.zip_names(fs_path)
    )


def archive_of(fs_path: str, name: str | None = None) -> str | None:
    """``zip`` or ``tar`` when the file is an archive, by its name or (a name provcheck does not
    read) its content; an archive's first bytes, when they say zip or tar, win over its name."""
    kind = archive_kind(os.path.basename(name or fs_path))
    if kind is None and reader_for(name or fs_path) is not None:
        return None
    found = sniffed(fs_path, name)
    told = found.suffix[1:] if found is not None and found.suffix in (".zip", ".tar") else None
    return told or kind  # a zip named .tar.gz is a zip (it was "corrupt": adversarial pass 17)


def _ambiguous(found: Sniffed) -> str:
    return (
        f"{found.label} under a name provcheck does not read: not scanned, so the scan is "
        f"incomplete; {found.advice}"
    )


def _by_content(full: str, name: str) -> NotScanned | RecordError | None:
    """Why a file of a name provcheck does not read is not read, or None to read it by content."""
    if not os.path.isfile(full) or own_report(full):
        return _not_scanned(full, name)
    found = sniffed(full)
    if found is None:
        return NotScanned(unicode_text(full), UNSUPPORTED, suffix_of(name))
    if found.ambiguous:
        return RecordError(unicode_text(full), ErrorKind.FILE, _ambiguous(found))
    return None  # a dataset (or an archive) by content: read, and the report says as what


def _resolved(fs_path: str, kind: str | None) -> tuple[ContainerReader | None, str | None, str | None]:
    """The reader for a file, the format told by content (when its name told none), and why
    there is no reader."""
    reader = reader_for(kind or fs_path)
    if reader is not None:
        return reader, None, None
    if archive_kind(os.path.basename(kind or fs_path)):
        return None, None, ARCHIVE_HERE
    found = sniffed(fs_path, kind)
    if found is None:
        return None, None, f"unsupported file type; supported: {_supported()}"
    if found.ambiguous:
        return None, None, _ambiguous(found)
    if found.suffix not in CONTAINERS:
        return None, None, ARCHIVE_HERE
    return CONTAINERS[found.suffix], found.label, None


ARCHIVE_HERE = (
    "an archive: read by `provcheck scan`, not by a diff-aware scan (the hook, --changed-since) "
    "or `index add`; scan it with `provcheck scan PATH`, or extract it (the scan is incomplete)"
)


def read(
    display: str, fs_path: str, limits: Limits, keep: LineFilter | None = None, *, kind: str | None = None
) -> tuple[InputSource, Iterator[RawItem]]:
    """The source and its record stream; unsupported or unreadable files yield one error.

    The container is chosen by ``kind`` (a file name) when given, else by ``fs_path`` (a staged
    copy in a temporary file is read as the file it stands for), else by content (a dataset
    under an odd name: ``source.read_as`` says as what). ``keep`` filters the lines of
    line-oriented containers (see ``line_oriented``) before they are parsed.
    """
    source = InputSource(path=display, fs_path=fs_path, limits=limits)
    reader, source.read_as, why = _resolved(fs_path, kind)
    if reader is None:
        return source, iter([RecordError(display, ErrorKind.FILE, why or "")])
    if keep is not None and isinstance(reader, JsonlReader):
        return source, _guarded(source, lambda: reader.read(source, keep))
    return source, _guarded(source, lambda: reader.read(source))


def read_unparsed(
    display: str, fs_path: str, limits: Limits
) -> tuple[InputSource, Iterator[RawItem | UnparsedLine]]:
    """Like ``read``, with JSON Lines records left unparsed for the caller's workers to parse.

    Parsing JSON costs as much as fingerprinting: a process that only splits lines keeps up
    with several workers.
    """
    reader = reader_for(fs_path)
    if not isinstance(reader, JsonlReader):
        return read(display, fs_path, limits)
    source = InputSource(path=display, fs_path=fs_path, limits=limits)
    return source, _guarded(source, lambda: reader.lines(source))


Unit = tuple[InputSource, Iterator[RawItem | UnparsedLine | RecordError]]
"""A dataset file, or a member of an archive, to read: its source (``source.path`` names it)
and its records."""


def read_units(display: str, fs_path: str, limits: Limits) -> Iterator[Unit | NotScanned | RecordError]:
    """The file's records as ``read_unparsed`` gives them or, for an archive, each member's in
    turn (``inputs.archives``: a member is read before the next is ready), with its members
    not read listed and its located errors."""
    kind = archive_of(fs_path)
    if kind is None:
        yield read_unparsed(display, fs_path, limits)
        return
    read = failed = 0
    for member in archives.members(display, fs_path, kind, limits):
        unit = _member_unit(member, fs_path, limits) if isinstance(member, archives.Member) else member
        read += isinstance(unit, tuple)
        failed += isinstance(unit, RecordError)
        yield unit
    if not read and not failed:  # as for a folder: nothing read is not a pass
        yield RecordError(
            display, ErrorKind.FILE, f"no dataset files in this archive; supported: {_supported()}"
        )


def _member_unit(member: archives.Member, fs_path: str, limits: Limits) -> Unit | NotScanned | RecordError:
    source = InputSource(
        member.display, fs_path, limits, stream=member.stream, reopen=member.reopen, member=member.extracted
    )
    from provcheck.inputs.json import JsonReader
    from provcheck.inputs.sniff import HEAD, sniff

    name = member.name.rsplit("/", 1)[-1]
    reader = reader_for(name)
    try:
        if reader is None:  # chosen by content, as for a file in a folder
            found = sniff(
                member.stream.peek(HEAD)[:HEAD] if isinstance(member.stream, io.BufferedReader) else b"", name
            )
            if found is None or found.ambiguous or found.suffix not in CONTAINERS:
                member.stream.close()
                if found is None:
                    return NotScanned(member.display, UNSUPPORTED, suffix_of(name))
                why = _ambiguous(found) if found.ambiguous else archives.NESTED
                return RecordError(member.display, ErrorKind.FILE, why)
            reader, source.read_as = CONTAINERS[found.suffix], found.label
        if (
            isinstance(reader, JsonReader)
            and member.reopen is None
            and member.size <= limits.max_record_bytes
        ):
            data = member.stream.read()  # JSON Lines named .json is read twice: kept, never on disk
            source.stream, source.reopen = io.BytesIO(data), functools.partial(io.BytesIO, data)
    except (DecompressionFailed, LimitExceeded, InputError) as exc:
        member.stream.close()
        return RecordError(member.display, ErrorKind.FILE, f"reading stopped: {exc}")
    if isinstance(reader, JsonlReader):
        return source, _guarded(source, lambda: reader.lines(source))
    chosen = reader
    return source, _guarded(source, lambda: chosen.read(source))


def _guarded(source: InputSource, produce: Callable[[], Iterator[T]]) -> Iterator[T | RecordError]:
    """``produce()``'s items; a file that cannot be opened or read ends in one located error."""
    try:
        if source.stream is not None:  # an archive's member: read once, never reopened
            head = b""
        else:
            with open_binary(source.fs_path, source.path) as probe:
                head = probe.read(len(_LFS_POINTER))
    except InputError as exc:
        yield RecordError(source.path, ErrorKind.FILE, exc.message)
        return
    if head == _LFS_POINTER:
        yield RecordError(
            source.path,
            ErrorKind.FILE,
            "Git LFS pointer, content not present; run `git lfs pull` to scan the data",
        )
        return
    errors, most = 0, source.limits.max_errors_per_file
    try:
        for item in produce():
            if isinstance(item, RecordError):
                errors += 1
                if errors > most:
                    continue
            yield item
    except InputError as exc:
        yield RecordError(source.path, ErrorKind.FILE, exc.message)
    except LimitExceeded as exc:
        yield RecordError(source.path, ErrorKind.LIMIT, f"reading stopped: {exc}")
    except (DecompressionFailed, OSError) as exc:
        yield RecordError(source.path, ErrorKind.FILE, f"reading stopped: {exc}")
    except UnicodeDecodeError as exc:
        yield RecordError(source.path, ErrorKind.ENCODING, f"reading stopped: {exc}")
    if errors > most:
        yield RecordError(
            source.path,
            ErrorKind.LIMIT,
            f"{errors - most:,} more unreadable records in this file are not listed "
            f"(only the first {most:,} are; {errors:,} in all)",
        )
