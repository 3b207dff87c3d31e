"""``structure`` keeps its last answers: the same answers, a passage asked again not read again."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from provcheck.matching import structure as shapes
from provcheck.matching.structure import structure

PASSAGES = [
    "def f(x):\n    return x\nclass A:\n    pass\nimport os\n",
    "1. Apples\n2. Pears\n3. Plums\n",
    "Mix 2 cups flour, 1 tsp salt and 3 tbsp butter.",
    "Smith et al. (2020). Journal of Things, vol. 3, pp. 1-9.",
    "Dear [Your Name],\nThank you.\nSincerely,\n",
    "$$\\frac{a}{b} = \\sqrt{c} + \\alpha \\cdot \\beta$$",
    "A sentence of plain prose that runs on for quite a few words to make a point here. " * 3,
]


def test_a_passage_asked_again_is_answered_from_the_memo() -> None:
    shapes._structure.cache_clear()
    first = [structure(p, p + "\nmore") for p in PASSAGES]
    assert {"code", "list", "recipe", "citation", "template", "formula", None} <= set(first)
    again = [structure("".join(list(p)), p + "\nmore") for p in PASSAGES]  # equal, not the same object
    assert again == first
    assert shapes._structure.cache_info().hits == len(PASSAGES)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([*PASSAGES, *(p[:20] for p in PASSAGES)]), min_size=1, max_size=6),
    st.text(max_size=40),
)
def test_the_memo_gives_what_reading_the_passage_gives(parts: list[str], extra: str) -> None:
    text = "\n".join(parts) + extra
    for context in (None, text, text + "\n\\[ x \\]"):
        assert structure(text, context) == shapes._structure.__wrapped__(text, context)
