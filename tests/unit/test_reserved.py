"""Domains reserved for examples, in the forms people write addresses (adversarial pass 22).

The old pattern read only ``[A-Za-z0-9.-]`` right after ``@`` or ``://``: ``jane@legal_team.
example.com`` was read as ``legal``, a full-width ``＠``, ``@ example.com``, ``@[example.com]``,
``jane at example.com`` and ``jane (at) example.org`` as no address at all, so each such
waiver was credited."""

from __future__ import annotations

import pytest

from provcheck.support.reserved import reserved_domain


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("jane@legal_team.example.com", "legal_team.example.com"),
        ("jane＠example.com", "example.com"),
        ("jane@example．com", "example.com"),
        ("jane@ example.com", "example.com"),
        ("jane@[example.com]", "example.com"),
        ("jane at example.com", "example.com"),
        ("jane (at) example.org", "example.org"),
        ("Jane <jane@EXAMPLE.COM.>", "example.com"),
        ("https://jira.corp.test/LEGAL-1", "jira.corp.test"),
    ],
)
def test_reserved_domains_in_the_forms_addresses_are_written(text: str, host: str) -> None:
    assert reserved_domain(text) == host


@pytest.mark.parametrize(
    "text",
    [
        "Jane Doe",
        "DATA-118",
        "approved at the meeting",
        "QA lead at Test",  # no dotted host after 'at': a word, not an address
        "Jane at acme-legal.com",
        "counsel@acme-legal.com",
        "https://jira.acme.com/LEGAL-1",
    ],
)
def test_other_approvers_and_tickets_are_not_reserved(text: str) -> None:
    assert reserved_domain(text) is None


def test_an_approver_that_names_no_one_is_doubted_whatever_its_case() -> None:
    """adv22: only the baseline's exact ``TODO`` was flagged; ``todo``, ``TBD`` or ``n/a`` written
    by hand was credited with no flag. They are flagged (placeholder-like), as the baseline's is."""
    import datetime as dt

    from provcheck.waiver_doubts import doubts

    later = dt.date(2027, 1, 1)
    for nobody in ("todo", "TBD", " n/a ", "None", "?"):
        assert any("names no one" in d for d in doubts(nobody, (), later)), nobody
    assert doubts("TODO", (), later) == ()  # the baseline's own: flagged as the baseline's
    assert doubts("Jane Doe, legal", (), later) == ()
    assert doubts("Tom Todd", (), later) == ()
