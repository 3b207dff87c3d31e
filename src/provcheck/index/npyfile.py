"""An index array file (``.npy``) memory-mapped read-only, as ``np.load(path, mmap_mode="r")``
maps it, for a fraction of its cost.

A shard opens twelve arrays, and a hook's handful of records then reads a few pages of each:
``np.load`` parses each header with ``ast.literal_eval`` and builds an ``np.memmap`` (~0.4 M
instructions an array: four fifths of opening a shard). The headers the index's writer leaves
(``np.save``: format 1.0, little-endian or byte-sized numbers, C order, one or two dimensions)
are read here with one regular expression and mapped by ``mmap`` and ``np.frombuffer``: the same
read-only array over the same pages. Anything else (another format version or dtype, a damaged
or short file) goes through ``np.load`` as before, which says what is wrong in its own words.
"""

from __future__ import annotations

import mmap
import re

import numpy as np

_MAGIC = b"\x93NUMPY\x01\x00"
_HEADER = re.compile(
    rb"\{'descr': '([<|][buif][1248])', 'fortran_order': False, 'shape': \((\d+),(?: (\d+))?\), \} *\n"
)


def load(path: str) -> np.ndarray:
    """The array of the ``.npy`` file at ``path``, memory-mapped read-only."""
    with open(path, "rb") as fh:
        head = fh.read(256)
        found = None
        if head.startswith(_MAGIC) and len(head) >= 10:
            offset = 10 + int.from_bytes(head[8:10], "little")
            found = _HEADER.fullmatch(head, 10, offset) if offset <= len(head) else None
        if found is not None:
            dtype = np.dtype(found[1].decode())
            shape = (int(found[2]),) if found[3] is None else (int(found[2]), int(found[3]))
            count = shape[0] * (shape[1] if len(shape) == 2 else 1)
            try:
                mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                array: np.ndarray = np.frombuffer(mapped, dtype=dtype, count=count, offset=offset)
                return array.reshape(shape)
            except (ValueError, OSError):
                pass  # short or empty: np.load says how
    loaded = np.load(path, mmap_mode="r", allow_pickle=False)
    # A plain ndarray view of the same pages: indexing a np.memmap builds a memmap object per
    # slice, which costs more than the lookup itself.
    plain: np.ndarray = loaded.view(np.ndarray)
    return plain
