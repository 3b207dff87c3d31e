"""CSV and TSV: a header row, then one record per row."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from provcheck.inputs.base import RawItem, RawRecord, unique_names
from provcheck.inputs.source import (
    DecompressionFailed,
    InputSource,
    LimitExceeded,
    binary_content,
    utf8_stream,
)
from provcheck.model import ErrorKind, RecordError

if TYPE_CHECKING:
    import csv


def _has_surrogates(values: list[str]) -> bool:
    return any(any("\udc80" <= ch <= "\udcff" for ch in v) for v in values if not v.isascii())


HEADER_WORDS = 40
"""Words from which a header cell is text, not a column name (survey exports name columns by
questions of a dozen or two words)."""


_OTHER_DELIMITERS = (";", "\t", "|")


def _delimiter(header: str, delimiter: str) -> str:
    """``delimiter``, unless the header line is one name by it and holds another delimiter: an
    Excel export in a European locale separates with ``;``, and every row was refused ("row has
    17 fields but the header has 1"), nothing read."""
    if delimiter != "," or "," in header:
        return delimiter
    counts = {d: header.count(d) for d in _OTHER_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else delimiter


SWALLOWED = (
    "a quote opens a cell here that runs to line {end} and holds lines that read as rows of this "
    "file (a TSV quote left open: csv and pandas read them as one cell, where a short copy among "
    "them is not found); its lines were read as rows, unquoted: close the quote or write the file "
    "without quoting"
)
ROWS_LIKE = 2
"""Lines of one multi-line TSV cell that read as rows (as many cells as the header, none empty)
from which the cell is a quote left open (tab-indented code in a cell has empty first cells)."""


def _swallowed(row: list[str], columns: int) -> list[str] | None:
    """The lines of a multi-line TSV row, when it is rows of the file a quote left open swallowed
    (``1\t"Quoted start`` with no closing quote reads every line up to the file's next quote as
    one cell: 95 records read as one, a short copy among them unmatched, exit 0 — adversarial
    pass 18); None when it is one record."""
    if columns < 2:
        return None
    lines = "\t".join(row).split("\n")
    like = sum(1 for line in lines[1:] if _row_like(line, columns))
    return [line.removesuffix("\r") for line in lines] if like >= ROWS_LIKE else None


def _row_like(line: str, columns: int) -> bool:
    cells = line.removesuffix("\r").split("\t")
    return len(cells) == columns and all(c.strip() for c in cells)


UNCLOSED = (
    "a quote opens a cell here that is never closed{how}: csv and pandas read every line after it "
    "as that one cell, where a copy among them is not found; its lines (to line {end}) were read "
    'as rows: close the quote, or double a quote that is part of the text ("")'
)


class _Lines:
    """The lines the csv module reads, kept until its row is returned (to re-read a row a quote
    left open) and whether it met the end of the file: a row returned after the reader asked
    for a line past the end was completed by the end of the file inside a quoted cell (the csv
    module, not strict, closes it there silently)."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.held: list[str] = []
        self.ended = False
        self.lines = self._lines(lines)
        """What the csv module reads (a generator: cheaper a line than a ``__next__`` method)."""

    def _lines(self, lines: Iterator[str]) -> Iterator[str]:
        append = self.held.append
        for line in lines:
            append(line)
            yield line
        self.ended = True


def _left_open(held: list[str], delimiter: str, ended: bool) -> tuple[int, str] | None:
    """(the line of the row's quote left open, counted from 0, and how it ends), when the row is
    one a quote left open swallowed: the file ended inside its cell, or (a row of several lines)
    a cell quoted over several lines is closed by a quote followed by text, as the file's next
    quote does when it closes a cell opened rows before. None for a row whose quotes close
    where cells end."""
    import csv

    if not ended:
        if len(held) < 2:
            return None
        try:
            for _ in csv.reader(held, delimiter=delimiter, strict=True):
                pass
            return None  # the common case, at the csv module's speed
        except csv.Error:
            pass
    start, quoted, closed, opened = True, False, False, 0
    for number, line in enumerate(held):
        for ch in line:
            if quoted:
                if ch == '"':
                    quoted, closed = False, True
            elif closed:
                closed = False
                if ch == '"':
                    quoted = True  # a doubled quote: the cell goes on
                elif ch in "\r\n" or ch == delimiter:
                    start = True
                elif number > opened:
                    return opened, " where its cell ends (the quote that ends it is another cell's)"
            elif ch == '"' and start:
                quoted, start, opened = True, False, number
            else:
                start = ch in "\r\n" or ch == delimiter
    if ended and quoted:
        return opened, " before the end of the file"
    return None


def _excel_separator(line: str) -> str | None:
    """The separator an Excel ``sep=X`` first line names (``sep=;``, ``"sep=,"``), else None."""
    text = line.rstrip("\r\n").removeprefix("\ufeff").strip('"')
    if len(text) == 5 and text[:4].lower() == "sep=" and not text[4].isalnum() and text[4] not in '"\r\n':
        return text[4]
    return None


class CsvReader:
    """Reads ``.csv`` (comma) and ``.tsv`` (tab)."""

    def __init__(self, delimiter: str = ",") -> None:
        self.delimiter = delimiter
        self.name = "tsv" if delimiter == "\t" else "csv"

    def read(self, source: InputSource) -> Iterator[RawItem]:
        """Yield one record per data row, keyed by the header."""
        # Field size is bounded by the record limit (the csv default of 128 KiB is too small
        # for long chat transcripts). The setting is process-wide and only ever raised.
        import csv  # when a CSV is read: not with every reader (the hook's path)

        csv.field_size_limit(max(csv.field_size_limit(), source.limits.max_record_bytes))
        with source.open() as raw:
            utf8, _ = utf8_stream(raw)
            stream = utf8
            binary = binary_content(stream)
            if binary:
                yield RecordError(
                    source.path, ErrorKind.FILE, f"{binary} where {self.name.upper()} text was expected"
                )
                return
            text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
            try:
                first = text.readline()  # as csv would read it: a line is held whole either way
            except (DecompressionFailed, LimitExceeded, OSError):
                first = ""  # reading it again reports the error at line 1
            named = _excel_separator(first)
            skipped = 0
            if named is not None:
                # Excel's `sep=;` line names the separator: it was read as the header (one column
                # `sep=;`), the real header as a record. Read the separator, count the line.
                skipped = 1
                try:
                    first = text.readline()
                except (DecompressionFailed, LimitExceeded, OSError):
                    first = ""
            lines = _Lines(itertools.chain([first], text) if first else text)
            delimiter = named or _delimiter(first, self.delimiter)
            reader = csv.reader(lines.lines, delimiter=delimiter)
            yield from self._rows(source, reader, lines, delimiter, skipped)

    def _rows(
        self,
        source: InputSource,
        reader: csv.Reader,  # type: ignore[name-defined]
        raw: _Lines,
        delimiter: str,
        skipped: int = 0,
    ) -> Iterator[RawItem]:
        import csv

        index = 0
        header: list[str] | None = None
        last_line = skipped
        while True:
            start = last_line + 1
            raw.held.clear()
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                last_line = reader.line_num + skipped
                too_large = "larger than field limit" in str(exc)
                yield RecordError(
                    source.path,
                    ErrorKind.LIMIT if too_large else ErrorKind.PARSE,
                    f"invalid {self.name.upper()} row: {exc}",
                    line=start,
                    index=None if header is None else index,
                )
                if header is not None:
                    index += 1
                continue
            except (DecompressionFailed, LimitExceeded, OSError) as exc:
                kind = ErrorKind.LIMIT if isinstance(exc, LimitExceeded) else ErrorKind.FILE
                yield RecordError(source.path, kind, f"reading stopped: {exc}", line=start)
                return
            last_line = reader.line_num + skipped
            if header is None:
                if _has_surrogates(row):
                    yield RecordError(
                        source.path,
                        ErrorKind.ENCODING,
                        "invalid UTF-8 in the header row",
                        line=start,
                    )
                    return
                header = unique_names([h.strip() for h in row])  # `text,text`: both read
                prose = next((h for h in header if len(h.split()) >= HEADER_WORDS), None)
                if prose is not None:
                    # A file without a header row: its first record became the column names,
                    # never scanned as text (a one-row file read as no record, exit 0).
                    yield RecordError(
                        source.path,
                        ErrorKind.PARSE,
                        f"the first row is read as the header, but one of its names is "
                        f"{len(prose.split())} words of text: a file without a header row has its "
                        "first record unread; add a header row",
                        line=start,
                    )
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if _has_surrogates(row) or any("\x00" in v for v in row):
                what = "a NUL byte" if any("\x00" in v for v in row) else "invalid UTF-8"
                yield RecordError(
                    source.path,
                    ErrorKind.ENCODING,
                    f"{what} in this row; expected UTF-8 text",
                    line=start,
                    index=index,
                )
                index += 1
                continue
            if sum(map(len, row)) > source.limits.max_record_bytes:
                yield RecordError(
                    source.path,
                    ErrorKind.LIMIT,
                    f"record is larger than the {source.limits.max_record_bytes // 2**20} MiB limit; skipped",
                    line=start,
                    index=index,
                )
                index += 1
                continue
            lines = _swallowed(row, len(header)) if self.delimiter == "\t" and last_line > start else None
            held = raw.held
            left_open = (
                _left_open(held, delimiter, raw.ended)
                if lines is None and (len(held) > 1 or raw.ended)
                else None
            )
            if left_open is not None:
                opened, how = left_open
                yield RecordError(
                    source.path,
                    ErrorKind.PARSE,
                    UNCLOSED.format(how=how, end=last_line),
                    line=start + opened,
                )
                held = list(held)
                pieces = [("".join(held[: opened + 1]), start)]
                pieces += [(line, start + opened + 1 + n) for n, line in enumerate(held[opened + 1 :])]
                for piece, line_no in pieces:
                    try:
                        cells = next(csv.reader([piece], delimiter=delimiter), [])
                    except csv.Error:
                        cells = piece.rstrip("\r\n").split(delimiter)
                    if not cells or not any(c.strip() for c in cells):
                        continue
                    if len(cells) > len(header):  # prose with the delimiter: the rest is the last cell
                        cells = [*cells[: len(header) - 1], delimiter.join(cells[len(header) - 1 :])]
                    yield RawRecord(index=index, line=line_no, data=dict(zip(header, cells, strict=False)))
                    index += 1
                continue
            if len(row) > len(header):
                yield RecordError(
                    source.path,
                    ErrorKind.PARSE,
                    f"row has {len(row)} fields but the header has {len(header)}",
                    line=start,
                    index=index,
                )
                index += 1
                continue
            if lines is not None:
                yield RecordError(source.path, ErrorKind.PARSE, SWALLOWED.format(end=last_line), line=start)
                for number, line in enumerate(lines):
                    if not line.strip():
                        continue
                    cells = line.split("\t")
                    yield RawRecord(
                        index=index, line=start + number, data=dict(zip(header, cells, strict=False))
                    )
                    index += 1
                continue
            yield RawRecord(index=index, line=start, data=dict(zip(header, row, strict=False)))
            index += 1
        if header is None:
            yield RecordError(source.path, ErrorKind.FILE, "empty file: no header row and no records")
