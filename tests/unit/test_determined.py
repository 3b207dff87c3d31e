"""``matching.determined``: how a request determines the text two answers share."""

from __future__ import annotations

from provcheck.matching.determined import determined

ARTICLE = (
    "The lighthouse at the end of the harbour was built in 1874 from granite quarried on the island. "
    "Its lamp burned whale oil until 1902, then kerosene, and was finally electrified in 1931, when the "
    "keepers moved to the village and a single engineer came out by boat once a week to check the "
    "machinery and wind the clock that turned the lens."
)
GERMAN = (
    "Der Leuchtturm am Ende des Hafens wurde 1874 aus Granit gebaut, der auf der Insel gebrochen wurde. "
    "Seine Lampe brannte bis 1902 mit Walöl, dann mit Petroleum, und wurde 1931 schließlich "
    "elektrifiziert, als die Wärter ins Dorf zogen und ein einziger Techniker einmal pro Woche mit dem "
    "Boot kam, um die Maschinen zu prüfen und das Uhrwerk aufzuziehen, das die Linse drehte."
)
SUMMARY = (
    "The lighthouse at the end of the harbour was built in 1874 from island granite; its lamp burned "
    "whale oil, then kerosene, and was electrified in 1931, when the keepers moved to the village."
)


def test_a_rendering_of_the_requests_text_in_other_words_is_a_translation() -> None:
    assert determined([f"Translate into German:\n\n{ARTICLE}"], GERMAN, GERMAN) == "translation"


def test_a_summary_repeats_the_requests_words_and_is_not() -> None:
    assert determined([f"Summarize:\n\n{ARTICLE}"], SUMMARY, SUMMARY) is None


def test_a_short_request_gives_no_text_to_translate() -> None:
    assert determined(["Write a short poem in German about a lighthouse."], GERMAN, GERMAN) is None


def test_worked_arithmetic_of_the_requests_numbers_is_a_calculation() -> None:
    worked = "h(4) = 3(4)^2 - 5(4) + 2 = 3(16) - 20 + 2 = 48 - 20 + 2 = 30, so h(4) is 30"
    assert determined(["If h(x) = 3x^2 - 5x + 2, what is h(4)?"], worked, worked) == "calculation"
    # Numbers the request does not hold: not its calculation.
    other = "h(5) = 3(5)^2 - 7(5) + 1 = 75 - 35 + 1 = 41, so h(5) is 41"
    assert determined(["If h(x) = 3x^2 - 5x + 2, what is h(4)?"], other, other) is None
    # Prose with a number or two is no calculation.
    prose = "The tower was built in 1874 and electrified in 1931, long after the harbour opened."
    assert determined(["When was the tower built (1874 or 1931)?"], prose, prose) is None


def test_tokens_holding_a_digit_are_counted_as_str_isdigit_counts_them() -> None:
    # ASCII tokens are counted by a shortcut (not all letters); others character by character.
    from provcheck.matching.determined import _digits
    from provcheck.matching.normalize import fold_tokens

    for text in ("x2 = 40 and y", "ab cd", "h(4) = 3x^2", "x² and ³ and ٣٤ and ½ abc 7", "日本 2 語"):
        tokens = fold_tokens(text)
        assert _digits(tokens) == sum(1 for t in tokens if any(c.isdigit() for c in t))


def test_the_same_request_read_again_gives_the_same_answer() -> None:
    # Requests are read once (memoised): a second call, with a list or a generator, agrees.
    worked = "h(4) = 3(4)^2 - 5(4) + 2 = 3(16) - 20 + 2 = 48 - 20 + 2 = 30, so h(4) is 30"
    request = ["If h(x) = 3x^2 - 5x + 2, what is h(4)?"]
    assert determined(request, worked, worked) == "calculation"
    assert determined(iter(request), worked, worked) == "calculation"
    assert determined([f"Translate into German:\n\n{ARTICLE}"], GERMAN, GERMAN) == "translation"
