"""``gitscan.neighbours``: the records around new ones, split from the raw lines, are the ones
the JSON Lines reader gives at those positions (blank lines, CRLF, a line over the limit)."""

from __future__ import annotations

import random
from pathlib import Path

from provcheck import inputs as readers
from provcheck.gitscan.neighbours import BLOCK, around_lines
from provcheck.inputs import Limits

LIMITS = Limits(max_record_bytes=200)


def _file(tmp_path: Path, seed: int) -> Path:
    rng = random.Random(seed)
    lines = []
    for i in range(8_000):
        kind = rng.random()
        if kind < 0.05:
            lines.append(b"   ")
        elif kind < 0.06:
            lines.append(b'{"text": "' + b"x" * 300 + b'"}')  # over the limit: a record, not read
        else:
            lines.append(b'{"text": "row %d"}' % i + (b"\r" if kind < 0.1 else b""))
    path = tmp_path / f"{seed}.jsonl"
    path.write_bytes(b"\n".join(lines) + (b"\n" if seed % 2 else b""))
    return path


def _reader(path: Path, positions: list[int], reach: int) -> list[tuple[int, int | None, object]]:
    wanted = {i for p in positions for i in range(max(p - reach, 0), p + reach + 1)} - set(positions)
    _, items = readers.read(str(path), str(path), LIMITS)
    return [
        (i.index, i.line, i.data) for i in items if isinstance(i, readers.RawRecord) and i.index in wanted
    ]


def _lines_of(path: Path) -> dict[int, int]:
    _, items = readers.read(str(path), str(path), LIMITS)
    return {i.index: i.line for i in items if isinstance(i, readers.RawRecord) and i.line is not None}


def test_the_records_around_new_ones_are_the_readers(tmp_path: Path) -> None:
    for seed in (1, 2, 3):
        path = _file(tmp_path, seed)
        assert path.stat().st_size > 2 * BLOCK  # several blocks counted
        lines = _lines_of(path)
        rng = random.Random(seed)
        indices = sorted(lines)
        for places in (
            indices[-5:],  # appended rows
            indices[:3],  # at the start
            indices[100:104] + indices[140:141] + indices[6_900:6_903],
            sorted(rng.sample(indices, 20)),
        ):
            got = around_lines(str(path), [(i, lines[i]) for i in places], 16, LIMITS)
            parsed = [u.parse(str(path)) for u in got]
            mine = [(r.index, r.line, r.data) for r in parsed if isinstance(r, readers.RawRecord)]
            assert mine == _reader(path, places, 16), (seed, places)


def test_counting_from_a_known_line_start_finds_the_same_records(tmp_path: Path) -> None:
    # The hook knows where the base's lines end (the prefix proof counted them): counting from
    # there gives what counting from the top gives; a mark that does not follow a newline, or
    # that lies past a wanted line, is not used.
    path = _file(tmp_path, 3)
    data = path.read_bytes()
    lines = _lines_of(path)
    places = [(i, lines[i]) for i in sorted(lines)[-5:]]
    whole = around_lines(str(path), places, 16, LIMITS)
    cut = data.index(b"\n", len(data) // 2) + 1
    mark = (data[:cut].count(b"\n") + 1, cut)
    assert mark[0] <= places[0][1]
    for given in (mark, (mark[0], cut - 1), (places[-1][1] + 1, cut), (1, 0)):
        assert around_lines(str(path), places, 16, LIMITS, given) == whole, given
    first = [places[0][1]]
    assert _line_starts_from(path, mark, first) == _line_starts_from(path, None, first)
    # The count does start at the mark: one that names the wrong line lands elsewhere.
    assert _line_starts_from(path, (mark[0] + 1, cut), first) != _line_starts_from(path, None, first)


def _line_starts_from(path: Path, mark: tuple[int, int] | None, wanted: list[int]) -> dict[int, int]:
    import mmap

    from provcheck.gitscan.neighbours import _line_starts

    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _line_starts(data, wanted, mark)
