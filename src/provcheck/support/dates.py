"""Dates as users give them: one parser for every place that reads one.

A date is an ISO 8601 calendar date, ``YYYY-MM-DD``; a date-time in ISO 8601 form
(``2025-10-01T12:00:00Z``, or a YAML timestamp) is accepted for its date. Anything else is
refused with a message that names the expected form: ``01/10/2025`` could be the first of
October or the tenth of January, and ``2025-10-32`` is no day at all, so neither may quietly
become "date unknown" (a rule that depends on the date would then stop applying).
"""

from __future__ import annotations

import datetime as dt
import re

EXPECTED = "an ISO 8601 date, YYYY-MM-DD (e.g. 2025-10-01)"
"""The expected form, as error messages state it."""

_FORM = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?",
    re.ASCII,
)
DATE_META_KEYS = frozenset({"date", "generated"})
"""Keys of a source's ``--meta`` (and of a sources manifest's ``meta:``) that hold dates."""


class DateError(ValueError):
    """A value that is not a date; ``str()`` says why and what form is expected."""


def parse_date(value: object) -> dt.date:
    """The date ``value`` gives, or ``DateError``.

    ``value`` is a ``date``/``datetime`` (YAML parses unquoted dates) or a string in ISO 8601
    form; surrounding whitespace is ignored, nothing else is guessed.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise DateError(f"{value!r} is not a date; expected {EXPECTED}")
    text = value.strip()
    m = _FORM.fullmatch(text)
    if m is None:
        raise DateError(f"{value!r} is not a date in ISO 8601 form; expected {EXPECTED}")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise DateError(f"{value!r} is not a date ({exc}); expected {EXPECTED}") from None


def date_problem(value: object) -> str | None:
    """Why ``value`` is not a date, or None when it is one."""
    try:
        parse_date(value)
    except DateError as exc:
        return str(exc)
    return None
