"""What a file of an unrecognised name holds, told by its first bytes.

A dataset renamed to an odd extension or none (``data.jsonlines``, ``train.json.bak``,
``part-00000``) was listed as "unsupported type" and never read, so a copy hidden so passed a
scan with exit 0. A file whose name provcheck does not read is looked at: what is plainly a
dataset is read as that format (and the report says so); what only looks tabular is a located
error (the user names it or excludes it); anything else (images, compiled code, prose, source
code) stays "unsupported type", counted.

Why prose and source code are not read as text: a ``.txt`` is read as one record because it
was named as text; a ``LICENSE``, a ``Makefile`` or a script is not a dataset, and a dataset
renamed keeps the structure its tools wrote (JSON, JSON Lines, CSV, Parquet, Arrow), which is
what is looked for.
"""

from __future__ import annotations

import bz2
import io
import json
import lzma
import re
import zlib
from dataclasses import dataclass

from provcheck.inputs.source import sniff_compression
from provcheck.inputs.sse import is_event_stream

HEAD = 64 * 1024
"""Bytes looked at (decompressed, when the file is gzip, xz, bzip2 or zstd)."""

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
DOCUMENTS = frozenset({".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".epub", ".kmz", ".3mf"})
"""Documents that are zip files by construction: read as an archive only when one of their
members is of a dataset type no such document holds (a dataset zip renamed ``.docx`` passed
as a document: adversarial pass 17)."""
_NOT_ARCHIVES = DOCUMENTS | frozenset(
    {".jar", ".war", ".whl", ".apk", ".xpi", ".nupkg", ".vsix", ".ipa", ".aar"}
)
"""Formats that are zip files by construction (documents, packages): not datasets."""
_UNREAD_ARCHIVES = ((b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!\x1a\x07", "RAR"))
"""Archives provcheck does not read, by their magic bytes: a located error, never skipped."""
_UNREAD_COMPRESSION = (
    (b"\x04\x22\x4d\x18", "lz4", "lz4 -d"),
    (b"\x02\x21\x4c\x18", "lz4 (legacy format)", "lz4 -d"),
    (b"LZIP", "lzip", "lzip -d"),
    (b"\x89LZO\x00\r\n\x1a\n", "lzop", "lzop -d"),
    (b"\xff\x06\x00\x00sNaPpY", "Snappy (framed)", "a Snappy tool"),
)
"""Compressions provcheck does not read, by their magic bytes, and the command that undoes each."""
_UNREAD_SUFFIXES = {
    ".lz4": ("lz4", "lz4 -d"),
    ".br": ("Brotli", "brotli -d"),
    ".lz": ("lzip", "lzip -d"),
    ".lzo": ("lzop", "lzop -d"),
    ".z": ("compress (.Z)", "uncompress"),
    ".sz": ("Snappy", "a Snappy tool"),
    ".snappy": ("Snappy", "a Snappy tool"),
}
"""The same by name, for a dataset's name (``train.jsonl.br``): Brotli files have no magic bytes
to tell them by (``.lzma`` has none either, and is read by its name: ``source.COMPRESSED_SUFFIXES``)."""
_DATASET_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet", ".arrow", ".feather", ".txt")
_FIELDS = frozenset(
    {
        "text", "content", "instruction", "input", "output", "response", "prompt", "completion",
        "question", "answer", "query", "messages", "conversations", "conversation", "chosen",
        "rejected", "system", "context", "target", "source", "label", "document", "passage",
        "summary", "title", "body", "history",
    }
)  # fmt: skip
"""Column names that make a table a dataset of text."""
_NAME = re.compile(r"[A-Za-z_][\w .:/()-]{0,63}")


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What the first bytes say a file is."""

    suffix: str
    """The suffix whose reader reads it (``.jsonl``, ``.json``, ``.csv``, ``.tsv``,
    ``.parquet``, ``.arrow``), or ``.zip``/``.tar`` for an archive; empty when ambiguous."""
    label: str
    """Said in the report: ``JSON Lines``, ``CSV``…; for an ambiguous file, why."""
    advice: str = "give it its format's suffix (.csv, .tsv, .jsonl) to scan it, or exclude it"
    """For an ambiguous file: how to have it scanned."""

    @property
    def ambiguous(self) -> bool:
        """Looks like data of no one format: a located error, never skipped in silence."""
        return not self.suffix


_LABELS = {
    ".jsonl": "JSON Lines",
    ".json": "JSON",
    ".csv": "CSV",
    ".tsv": "TSV",
    ".parquet": "Parquet",
    ".arrow": "Arrow",
    ".zip": "a zip archive",
    ".tar": "a tar archive",
}


def _sniffed(suffix: str) -> Sniffed:
    return Sniffed(suffix, _LABELS[suffix])


def decompressed_head(head: bytes) -> bytes:
    """The first bytes of what ``head`` decompresses to (itself when it is not compressed).
    Bounded: at most ``HEAD`` bytes come out, whatever the ratio."""
    kind = sniff_compression(head[:8])
    try:
        if kind == "gzip":
            return zlib.decompressobj(47).decompress(head, HEAD)
        if kind == "xz":
            return lzma.LZMADecompressor().decompress(head, HEAD)
        if kind == "bzip2":
            return bz2.BZ2Decompressor().decompress(head, HEAD)
        if kind == "zstd":
            import zstandard

            return zstandard.ZstdDecompressor().decompressobj().decompress(head)[:HEAD]
    except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError):
        return b""  # not readable as its magic says: not a dataset told by content
    except Exception as exc:  # zstandard.ZstdError has no stdlib base
        if type(exc).__name__ == "ZstdError":
            return b""
        raise
    return head


def sniff(head: bytes, name: str) -> Sniffed | None:
    """What ``head`` (a file's first bytes, as stored) holds; None when it is not a dataset
    (binary data, prose, source code, an empty file). ``name`` is the file's name."""
    if head.startswith(_ZIP_MAGIC):
        return None if _suffix(name) in _NOT_ARCHIVES else _sniffed(".zip")
    for magic, kind in _UNREAD_ARCHIVES:
        if head.startswith(magic):
            # Listed "unsupported type", a dataset shipped as `train.jsonl.7z` passed unread
            # (adversarial pass 17): an archive of unknown content is not skipped in silence.
            return Sniffed("", f"a {kind} archive", "extract it and scan the folder, or exclude it")
    compressed = _unread_compression(head, name)
    if compressed is not None:
        # Listed "unsupported type", `train.jsonl.lz4` (or `.br`, `.lzma`...) passed unread
        # (adversarial pass 18): a compressed file provcheck cannot open is not skipped.
        kind, command = compressed
        return Sniffed(
            "", f"compressed with {kind}", f"decompress it ({command}) and scan the file, or exclude it"
        )
    data = decompressed_head(head)
    if data is not head and data.startswith(_ZIP_MAGIC):
        # A zip inside gzip or xz (`a.zip.gz`) was "unsupported type": listed, and a copy in it
        # passed (adversarial pass 17). Not read (a zip needs its end first): a located error.
        return Sniffed("", "a compressed zip archive", "decompress it and scan the zip, or exclude it")
    if data[257:262] == b"ustar":
        return _sniffed(".tar")
    if data.startswith(b"PAR1"):
        return _sniffed(".parquet")
    if data.startswith(b"ARROW1") or (data.startswith(b"\xff\xff\xff\xff") and b"ARROW:schema" in data):
        return _sniffed(".arrow")
    if data.startswith(b"\xff\xff\xff\xff"):
        return None
    data = data.removeprefix(b"\xef\xbb\xbf")
    if b"\x00" in data:
        return None  # binary (or UTF-16 text of no name provcheck reads)
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") > max(4, len(text) // 100):
        return None
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return _json_kind(stripped, complete=len(head) < HEAD)
    if is_event_stream(text):  # `response.log` of `data: {chunk}` lines (adversarial pass 18)
        return Sniffed(".txt", "Server-Sent Events")
    return _table_kind(text)


def _unread_compression(head: bytes, name: str) -> tuple[str, str] | None:
    """The compression (and the command undoing it) of a file compressed in a way provcheck
    does not read: by magic bytes (``compress``'s 2 only with its flags byte), or by a name
    ``DATASET.SUFFIX`` (``train.jsonl.br``) when the content is not text."""
    for magic, kind, command in _UNREAD_COMPRESSION:
        if head.startswith(magic):
            return kind, command
    if head.startswith(b"\x1f\x9d") and len(head) > 2 and 9 <= head[2] & 0x1F <= 16:
        return "compress (.Z)", "uncompress"
    stem, _, last = name.lower().rpartition(".")
    found = _UNREAD_SUFFIXES.get("." + last)
    if found is None or not stem.endswith(_DATASET_SUFFIXES):
        return None
    text = head.decode("utf-8", errors="replace")
    if b"\x00" in head or text.count("\ufffd") > max(4, len(text) // 100):
        return found
    return None  # text: read by content (a dataset renamed)


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def zip_document(head: bytes, name: str) -> bool:
    """True when ``head`` is a zip file's and ``name`` a document's (``DOCUMENTS``)."""
    return head.startswith(_ZIP_MAGIC) and _suffix(name) in DOCUMENTS


def _json_kind(text: str, complete: bool) -> Sniffed | None:
    lines = [line for line in text.splitlines() if line.strip()]
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the head's end
    first = lines[0] if lines else ""
    try:
        value = json.loads(first)
    except (ValueError, RecursionError):
        # A JSON document over several lines (an array of records, pretty-printed), or not
        # JSON at all: the JSON reader reads either the first, and reports where the second is
        # not JSON (a located error, so nothing passes unread).
        return _sniffed(".json")
    if not isinstance(value, (dict, list)):
        return None
    if len(lines) > 1 and all(_is_json(line) for line in lines[1:4]):
        return _sniffed(".jsonl")
    # One line: an object is a record of JSON Lines (and of JSON: either reader reads it).
    return _sniffed(".jsonl" if isinstance(value, dict) and len(lines) == 1 else ".json")


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def _table_kind(text: str) -> Sniffed | None:
    lines = text.splitlines()
    if len(lines) < 2:
        return None
    header = lines[0]
    for delimiter, suffix in (("\t", ".tsv"), (",", ".csv")):
        if delimiter not in header:
            continue
        import csv  # only for a file that may be a table (the hook imports no csv otherwise)

        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines[:6])), delimiter=delimiter))
        except csv.Error:
            continue
        names = [n.strip().lower() for n in rows[0]]
        if len(names) < 2 or not all(_NAME.fullmatch(n) for n in names):
            continue
        body = [r for r in rows[1:] if r]
        if not body or not all(len(r) == len(names) for r in body[:-1] or body):
            continue
        if any(n in _FIELDS for n in names):
            return _sniffed(suffix)
        return Sniffed("", f"looks like a table ({'CSV' if delimiter == ',' else 'TSV'} with a header)")
    return None
