"""support/dates.py: the one date parser; and every place that reads a date refuses a bad one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from provcheck.errors import ReferenceIndexError
from provcheck.inputs.declared import read_declarations
from provcheck.model import SourceInfo, SourceName
from provcheck.policy import Evaluator, default_policy, use_from_words
from provcheck.support.dates import DateError, date_problem, parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-10-01", dt.date(2025, 10, 1)),
        (" 2024-02-29 ", dt.date(2024, 2, 29)),
        ("2025-10-01T12:30:00Z", dt.date(2025, 10, 1)),
        ("2025-10-01 23:59:59+02:00", dt.date(2025, 10, 1)),
        (dt.date(2023, 3, 13), dt.date(2023, 3, 13)),
        (dt.datetime(2023, 3, 13, 8, 0), dt.date(2023, 3, 13)),
    ],
)
def test_iso_dates_and_date_times_are_dates(value: object, expected: dt.date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2025-10-32", "day is out of range"),
        ("2025-02-29", "day is out of range"),
        ("2025-13-01", "month must be in 1..12"),
        ("01/10/2025", "not a date in ISO 8601 form"),
        ("2025/10/01", "not a date in ISO 8601 form"),
        ("20251001", "not a date in ISO 8601 form"),
        ("2025-W40-3", "not a date in ISO 8601 form"),
        ("2025-10-01junk", "not a date in ISO 8601 form"),
        ("", "not a date in ISO 8601 form"),
        (20251001, "is not a date"),
        (None, "is not a date"),
    ],
)
def test_anything_else_is_refused_with_the_expected_form(value: object, why: str) -> None:
    with pytest.raises(DateError) as err:
        parse_date(value)
    assert why in str(err.value) and "expected an ISO 8601 date, YYYY-MM-DD" in str(err.value)
    assert date_problem(value) == str(err.value)


def test_an_index_source_with_a_malformed_date_is_an_index_error() -> None:
    """An index written before dates were checked must not turn a bad date into 'unknown'."""
    bad = SourceInfo(SourceName("claude"), provider="anthropic", meta={"date": "01/10/2025"})
    worse = SourceInfo(SourceName("old"), meta={"generated": "2025-10-32"})
    good = SourceInfo(SourceName("ok"), meta={"date": "2025-10-01"})
    with pytest.raises(ReferenceIndexError) as err:
        Evaluator(default_policy(), use_from_words(["fine-tune"]), {"claude": bad, "old": worse, "ok": good})
    message = str(err.value)
    assert "index source 'claude': meta date: '01/10/2025' is not a date in ISO 8601 form" in message
    assert "index source 'old': meta generated: '2025-10-32' is not a date (day is out of range" in message
    assert "'ok'" not in message and "index add --meta date=YYYY-MM-DD" in message
    Evaluator(default_policy(), use_from_words(["fine-tune"]), {"ok": good})


def _declared(folder: Path) -> tuple[list[tuple[str, str, int]], list[str]]:
    decls, errors = read_declarations([(str(folder), str(folder))])
    return [(d.key, d.value, d.line) for d in decls], [f"{e.where()}: {e.message}" for e in errors]


def test_a_malformed_date_in_provenance_yaml_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "provenance.yaml").write_text("license: MIT\ndate: 01/10/2025\n")
    decls, errors = _declared(tmp_path)
    assert decls == []  # a manifest with a problem declares nothing
    assert len(errors) == 1 and ":2" in errors[0]
    assert "'date': '01/10/2025' is not a date in ISO 8601 form; expected an ISO 8601 date" in errors[0]


def test_a_dataset_card_date_is_read_and_checked(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\ndate: 2023-03-13\n---\n# data\n")
    decls, errors = _declared(tmp_path)
    assert errors == [] and ("date", "2023-03-13", 3) in decls
    card.write_text("---\nlicense: mit\ndate: 2025-10-32\n---\n# data\n")
    decls, errors = _declared(tmp_path)
    assert ("license", "mit", 2) in decls and not any(k == "date" for k, _, _ in decls)
    assert len(errors) == 1 and "README.md:3" in errors[0] and "day is out of range for month" in errors[0]
