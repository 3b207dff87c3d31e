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
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fuzzing import REGRESSIONS, check, fuzz_inputs, regression_suffix, save_regression
from provcheck.errors import PolicyError
from provcheck.report.markdown import md as markdown_text
from provcheck.report.terminal import _CONTROL, printable, printable_lines
from provcheck.waivers import appended, load_waivers

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


# --- the second pass of issue 15: what data may not do to terminals, reports and waivers ------

_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=80)
"""Any text, control characters, bidi overrides, braces and Markdown included."""


@settings(max_examples=EXAMPLES // 4, deadline=None, database=None, derandomize=True)
@given(_TEXT)
def test_printable_lets_no_control_character_through(text: str) -> None:
    shown = printable(text)
    assert not _CONTROL.search(shown), shown
    lines = printable_lines(text)
    assert lines.count("\n") == text.count("\n") and not _CONTROL.search(lines.replace("\n", ""))


@settings(max_examples=EXAMPLES // 4, deadline=None, database=None, derandomize=True)
@given(_TEXT)
def test_sarif_help_markdown_is_inert(text: str) -> None:
    out = markdown_text(text, limit=4000)
    for raw in ("![", "](", "<", "`", "**", "@"):
        assert raw not in out.replace("\\" + raw[0], ""), (raw, out)


@settings(max_examples=EXAMPLES // 8, deadline=None, database=None, derandomize=True)
@given(
    st.sampled_from(["", "  ", "    ", "\t-"]),
    st.lists(_TEXT, min_size=0, max_size=3),
    st.lists(_TEXT, min_size=1, max_size=3),
)
def test_appending_to_a_waivers_file_never_corrupts_it(indent: str, old: list[str], new: list[str]) -> None:
    def entry(i: int, note: str) -> dict[str, str]:
        return {"id": f"{i:020x}", "reason": "r", "approver": "a", "date": "2026-01-01", "note": "n" + note}

    before = [entry(i, n) for i, n in enumerate(old)]
    items = "".join(
        "".join((indent if indent != "\t-" else "") + li + "\n" for li in yaml.safe_dump([e]).splitlines())
        for e in before
    )
    text = "version: 1\nwaivers:\n" + items if before else "version: 1\nwaivers: []\n"
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "w.yaml"
        path.write_text(text)
        try:
            waivers = load_waivers(str(path))
        except PolicyError:
            return  # not a file a person could have written; nothing to append to
        added = [entry(100 + i, n) for i, n in enumerate(new)]
        try:
            result = appended(text, waivers, added)
        except PolicyError:
            return  # refused: the file is left as it was
        doc = yaml.safe_load(result)
        assert doc["waivers"] == [*before, *added]
        path.write_text(result)
        load_waivers(str(path))  # and provcheck reads it back
