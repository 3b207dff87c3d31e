"""The committed records next to new ones in a plain JSON Lines file (``DiffSelector.around``).

A diff-aware scan joins its new short records with the short records next to them
(``scan.runs``). Walking every line of the file in Python to reach them cost the hook 19% more
instructions on 100 short rows appended to 20,000; here the lines are counted in C
(``bytes.count`` over blocks) up to the new records' lines, and only the lines around them
are split, backwards and forwards, as the JSON Lines reader splits them (blank lines hold no
record; a line over the record limit holds one, not read).
"""

from __future__ import annotations

import mmap
from collections.abc import Sequence

from provcheck.inputs import Limits, UnparsedLine

BLOCK = 1 << 16
"""Bytes counted at a time on the way to a line."""
_BOM = b"\xef\xbb\xbf"
_NEWLINE = 10


def around_lines(
    path: str,
    places: Sequence[tuple[int, int]],
    reach: int,
    limits: Limits,
    mark: tuple[int, int] | None = None,
) -> list[UnparsedLine]:
    """The records within ``reach`` records of ``places`` (``(index, line)`` of new records,
    lines 1-based) that are not among them, unparsed, in the reader's positions. ``mark``: a
    line known to start at a byte offset (``(line, offset)``: the first line after a base
    proved to be the file's prefix, whose lines were counted then), where the count starts
    instead of at the top of the file."""
    new = {index for index, _ in places}
    found: dict[int, UnparsedLine] = {}
    with open(path, "rb") as fh:
        try:
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file
            return []
    with data:
        starts = _line_starts(data, sorted({line for _, line in places}), mark)
        ordered = sorted(places)
        for k, (index, line) in enumerate(ordered):
            start = starts.get(line)
            if start is None:
                continue
            if k == 0 or ordered[k - 1][0] != index - 1:  # the first of consecutive new records
                _walk(data, start, index, line, -1, reach, new, found, limits)
            if k == len(ordered) - 1 or ordered[k + 1][0] != index + 1:  # the last of them
                _walk(data, start, index, line, 1, reach, new, found, limits)
    return [found[i] for i in sorted(found)]


def _line_starts(data: mmap.mmap, lines: list[int], mark: tuple[int, int] | None = None) -> dict[int, int]:
    """Byte offset of the start of each of ``lines`` (sorted, 1-based), counted from ``mark``
    (``(line, offset)``) when every one of them is at or after it: the hook's new rows past a
    40 MB base are then reached without counting its 20,000 lines again (a tenth of the hook's
    instructions). A mark whose offset does not follow a newline is not used."""
    out: dict[int, int] = {}
    pos, line, size = 0, 1, len(data)
    if (
        mark is not None
        and lines
        and lines[0] >= mark[0]
        and 0 < mark[1] <= size
        and data[mark[1] - 1] == _NEWLINE
    ):
        line, pos = mark
    for target in lines:
        while line < target and pos < size:
            end = min(pos + BLOCK, size)
            count = data[pos:end].count(b"\n")
            if line + count < target:
                line, pos = line + count, end
                continue
            while line < target:
                pos = data.find(b"\n", pos) + 1
                line += 1
        if line == target and pos < size:
            out[target] = pos
    return out


def _walk(
    data: mmap.mmap,
    start: int,
    index: int,
    line: int,
    step: int,
    reach: int,
    new: set[int],
    found: dict[int, UnparsedLine],
    limits: Limits,
) -> None:
    """Collect up to ``reach`` records before (``step`` -1) or after (1) the record at byte
    ``start`` (its position ``index``, its line ``line``)."""
    size = len(data)
    taken = 0
    if step < 0:
        end = start - 1  # the newline ending the line before
        while taken < reach and end >= 0:
            begin = data.rfind(b"\n", 0, end) + 1
            line -= 1
            content = data[begin:end]
            end = begin - 1
            moved = _take(content, index, line, new, found, limits, index - 1)
            taken, index = taken + (moved != index), moved
        return
    cut = data.find(b"\n", start)
    while taken < reach and cut != -1 and cut + 1 < size:
        begin = cut + 1
        cut = data.find(b"\n", begin)
        line += 1
        content = data[begin : cut if cut != -1 else size]
        moved = _take(content, index, line, new, found, limits, index + 1)
        taken, index = taken + (moved != index), moved


def _take(
    content: bytes,
    index: int,
    line: int,
    new: set[int],
    found: dict[int, UnparsedLine],
    limits: Limits,
    then: int,
) -> int:
    """Keep the line as a record (when it holds one): the position the walk is at after it."""
    stripped = content.removeprefix(_BOM).strip()
    if not stripped:
        return index  # a blank line: no record
    if then not in new and then >= 0 and len(content) <= limits.max_record_bytes:
        found[then] = UnparsedLine(then, line, stripped, limits.max_depth, limits.max_record_strings)
    return then
