"""Fuzzing the readers with hypothesis, and replaying every input that ever broke one.

The default run tries ``PROVCHECK_FUZZ_EXAMPLES`` inputs (deterministically). ``make fuzz``
sets ``PROVCHECK_FUZZ_SECONDS`` and keeps drawing fresh random inputs until the time is up. A
failing input is shrunk by hypothesis, saved to ``tests/regressions/`` and the test fails; commit
the file with the fix.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from fuzzing import REGRESSIONS, check, fuzz_inputs, regression_suffix, save_regression

EXAMPLES = int(os.environ.get("PROVCHECK_FUZZ_EXAMPLES", "800"))
SECONDS = float(os.environ.get("PROVCHECK_FUZZ_SECONDS", "0"))


def test_readers_survive_fuzzed_input() -> None:
    failing: list[tuple[str, bytes]] = []
    tried = [0]
    long_run = SECONDS > 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not long_run,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(fuzz_inputs())
    def one(case: tuple[str, bytes]) -> None:
        tried[0] += 1
        with tempfile.TemporaryDirectory() as directory:
            try:
                check(*case, Path(directory))
            except BaseException:
                failing[:] = [case]  # hypothesis replays the shrunk input last
                raise

    started = time.monotonic()
    rounds = 0
    while True:
        rounds += 1
        try:
            one()
        except BaseException:
            if failing:
                saved = save_regression(*failing[0])
                print(f"\nfailing input saved to {saved}")
            raise
        if not long_run or time.monotonic() - started > SECONDS:
            break
    elapsed = time.monotonic() - started
    rate = tried[0] / elapsed
    print(f"\nfuzzed the readers with {tried[0]} inputs in {elapsed:.1f} s ({rate:.0f}/s, {rounds} round(s))")


@pytest.mark.parametrize("path", sorted(REGRESSIONS.glob("*.bin")), ids=lambda p: p.name)
def test_inputs_that_once_broke_a_reader_are_read(path: Path, tmp_path: Path) -> None:
    check(regression_suffix(path), path.read_bytes(), tmp_path)


def test_there_are_regression_inputs_to_replay() -> None:
    assert len(list(REGRESSIONS.glob("*.bin"))) >= 2
