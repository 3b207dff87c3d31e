"""Types of the compiled alignment (``_align.c``, ``_align_index.c``); ``verify.py``,
``index/blocks.py`` and ``support/arrays.py`` hold the pure-Python references."""

from typing_extensions import Buffer

VERSION: int

def blocks(a: str, b: str) -> list[tuple[int, int, int]]: ...
def chains(
    blocks: list[tuple[int, int, int]], gap_penalty: float, min_score: float
) -> list[tuple[int, int, int]]: ...
def passes(
    cand: str,
    ref: str,
    gap_penalty: float,
    extend: int = 0,
    min_score: float = 8.0,
    max_passes: int = 32,
    repass: int = 10,
    explained: float = 0.9,
    tests: tuple[int, float, float, int, float] | None = None,
) -> tuple[list[tuple[int, int, int, int, int]], bytes] | None: ...
def passes_chained(
    cand: str,
    ref: str,
    gap_penalty: float,
    extend: int = 0,
    min_score: float = 8.0,
    max_passes: int = 32,
    repass: int = 10,
    explained: float = 0.9,
) -> tuple[
    list[tuple[int, int, int, int, int]],
    list[tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]],
]: ...
def codes(low: Buffer, high: Buffer, start: int, end: int) -> str: ...
def ranges(ordered: Buffer, keys: Buffer, first: Buffer, lengths: Buffer) -> None: ...
