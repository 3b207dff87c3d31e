"""A probability of derivation said with the counts it rests on and what it becomes at a lower
prior (outside counsel 21, P12: "over 99%" read as a measured probability of copying)."""

from __future__ import annotations

from provcheck.report.meaning import calibration_note


def test_the_note_gives_the_bins_counts_and_the_probability_at_one_copy_in_ten() -> None:
    assert calibration_note(0.9999) == (
        "Of 986 held-out matches estimated 0.9-1.0, 98.7% were copies; were one verified match in "
        "ten a copy (not one in two), the same evidence would give over 99%."
    )
    assert calibration_note(0.999).endswith("would give about 99%.")  # 999:1, at 1:9 111:1
    # 0.85 is 5.67:1 at even odds; at 1:9 it is 0.63:1, 39%.
    note = calibration_note(0.85)
    assert note.startswith("Of 36 held-out matches estimated 0.8-0.9, 89.1% were copies;")
    assert note.endswith("would give about 39%.")
    assert calibration_note(1.0).startswith("Of 986 ")  # the top bin holds 1.0
