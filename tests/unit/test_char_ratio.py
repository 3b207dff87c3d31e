"""Character similarity asked first with a cutoff (faster) is ``fuzz.ratio`` exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz

from provcheck.matching.evidence import _ratio

_TEXT = st.text(alphabet="ab c\u00e9", max_size=300)


@given(_TEXT, st.lists(st.tuples(st.integers(0, 299), st.sampled_from("abd ")), max_size=12))
def test_the_same_figure_as_fuzz_ratio(text: str, edits: list[tuple[int, str]]) -> None:
    edited = list(text)
    for at, char in edits:
        if edited:
            edited[at % len(edited)] = char
    other = "".join(edited)
    assert _ratio(text, other) == fuzz.ratio(text, other)
