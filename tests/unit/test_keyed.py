"""The hashes by which a diff-aware scan skips what it has scanned are seeded with a secret.

FAIL-OPEN (found by the lead in the thirteenth session). The hook and ``scan --changed-since``
skipped a line whose unseeded XXH3-64 was in the base's set, and the base's bytes when their
unseeded XXH3-128 equalled the cached digest. XXH3 under its public default secret is not
collision-resistant: two lines can be made to share a hash, so a line committed once could
later be swapped for a crafted copy and skipped as already scanned. The seed is random in each
process without a cache and kept in the cache with the hashes it made.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import xxhash

LINE = b'{"text": "a line of a dataset"}'

PROGRAM = """
import sys
from provcheck.gitscan import keyed
from provcheck.scan.cache import Cache
if len(sys.argv) > 1:
    cache = Cache(sys.argv[1])
    cache.put_keyset(keyed.CACHE_KEY, keyed.use_cached(cache.keyset(keyed.CACHE_KEY)))
    cache.close()
line = %r
print(keyed.line_hash(line))
d = keyed.digest(); d.update(line); print(d.hexdigest())
"""


def _hashes(*args: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM % LINE, *args], capture_output=True, text=True, check=True
    ).stdout.split()
    return out


def test_without_a_cache_each_process_hashes_under_its_own_seed() -> None:
    first, second = _hashes(), _hashes()
    assert first != second
    public = [str(xxhash.xxh3_64_intdigest(LINE)), xxhash.xxh3_128_hexdigest(LINE)]
    assert first[0] != public[0] and first[1] != public[1]
    assert second[0] != public[0] and second[1] != public[1]


def test_a_cache_keeps_its_seed_for_the_hashes_it_keeps(tmp_path: Path) -> None:
    one, other = tmp_path / "one", tmp_path / "other"
    one.mkdir()
    other.mkdir()
    assert _hashes(str(one)) == _hashes(str(one))
    assert _hashes(str(one)) != _hashes(str(other))
