"""Types of the compiled tokenizer loop (``_tokens.c``); ``normalize.py`` holds the pure-Python reference."""

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

VERSION: int

def tokenize(
    texts: list[str],
    table: npt.NDArray[np.uint32],
    lookup: Callable[[int], int],
    replace: Callable[[int], str],
    folded_table: npt.NDArray[np.int8],
    folded_class: Callable[[int], int],
    fold_string: Callable[[int], str],
) -> tuple[bytearray, bytearray, bytearray, bytearray, bytearray]: ...
def trigram_sketches(
    hashes: npt.NDArray[np.uint64], counts: npt.NDArray[np.int64], keep: int
) -> tuple[bytearray, bytearray]: ...
def holds_any(text: str, needles: tuple[str, ...]) -> bool: ...
def token_hashes(
    chars: npt.NDArray[np.uint32],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    base: int,
    len_mix: int,
) -> bytearray: ...
