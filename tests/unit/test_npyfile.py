"""An index array file mapped by ``index/npyfile.py`` is the array ``np.load(mmap_mode="r")``
maps, and a file it does not know is left to ``np.load``, errors and all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from provcheck.index import npyfile


def _mapped(path: Path) -> np.ndarray:
    loaded: np.ndarray = np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)
    return loaded


@pytest.mark.parametrize(
    "array",
    [
        np.arange(1000, dtype=np.uint32),
        np.arange(7, dtype=np.uint64) << np.uint64(40),
        np.zeros(0, dtype=np.uint32),
        np.zeros((0, 2), dtype=np.uint32),
        np.arange(30, dtype=np.uint32).reshape(10, 3),
        np.arange(5, dtype=np.int64) - 2,
        np.array([True, False, True]),
        np.arange(4, dtype=np.uint8),
        np.linspace(0, 1, 9),
        np.arange(6, dtype=">u4"),  # big-endian: np.load's way
        np.arange(24, dtype=np.uint32).reshape(2, 3, 4),  # three dimensions: np.load's way
        np.asfortranarray(np.arange(6, dtype=np.uint32).reshape(2, 3)),  # Fortran order: np.load's
    ],
)
def test_the_array_is_the_one_np_load_maps(tmp_path: Path, array: np.ndarray) -> None:
    path = tmp_path / "a.npy"
    np.save(path, array)
    got = npyfile.load(str(path))
    want = _mapped(path)
    assert type(got) is np.ndarray
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want)
    assert not got.flags.writeable


def test_a_short_or_damaged_file_fails_as_np_load_fails(tmp_path: Path) -> None:
    path = tmp_path / "a.npy"
    np.save(path, np.arange(100, dtype=np.uint32))
    data = path.read_bytes()
    for bad in (data[:-4], data[:60], data[:8], b"", data.replace(b"'<u4'", b"'<q9'")):
        path.write_bytes(bad)
        with pytest.raises((ValueError, OSError, EOFError)) as ours:
            npyfile.load(str(path))
        with pytest.raises((ValueError, OSError, EOFError)) as theirs:
            _mapped(path)
        assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value)), bad[:80]
