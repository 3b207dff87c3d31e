"""A rule's condition in plain words (``policy.describe``): every field, every operator, and
``all`` / ``any`` / ``not``, worded as the evaluation reads them."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from provcheck.policy.describe import FIELDS, FLAGS, TRAIT_FIELDS, describe, field_words
from provcheck.policy.loadstate import FIELD_TYPES
from provcheck.policy.model import All, AnyOf, Comparison, Not


def c(field: str, op: str, value: object) -> Comparison:
    return Comparison(field, op, value)


def test_every_field_the_language_has_its_words() -> None:
    for name in FIELD_TYPES:
        assert name in FIELDS or name in FLAGS or name in TRAIT_FIELDS, name
        assert "." not in field_words(name), name  # never the raw field name
    assert set(FLAGS) == {n for n, t in FIELD_TYPES.items() if t == "bool"}
    assert field_words("source.meta.modality") == "the source's “modality”"


@pytest.mark.parametrize(
    ("cond", "words"),
    [
        (c("source.provider", "equals", "openai"), "the source's provider is “openai”"),
        (c("source.provider", "in", ["openai", "xai"]), "the source's provider is one of “openai” or “xai”"),
        (
            c("source.provider", "not_in", ["openai", "xai"]),
            "the source's provider is none of “openai”, “xai”",
        ),
        (
            c("source.generator", "glob", ["gpt-4*", "o1*"]),
            "the model that wrote the source's text matches any of the patterns gpt-4*, o1* "
            "(* stands for any text)",
        ),
        (
            c("source.name", "regex", re.compile("^wiz")),
            "the matched source's name matches the regular expression “^wiz”",
        ),
        (c("declared.value", "contains", "gpt"), "the declared value contains “gpt”"),
        (c("match.tokens", "gte", 40), "the number of aligned tokens is at least 40"),
        (c("match.tokens", "gt", 40), "the number of aligned tokens is more than 40"),
        (
            c("marker.count", "lte", 2),
            "the number of times the marker phrase occurs in the turn is at most 2",
        ),
        (c("match.probability", "lt", 0.8), "the estimated probability of derivation is less than 0.8 (80%)"),
        (c("source.date", "gte", dt.date(2025, 9, 15)), "the source's date is on or after 2025-09-15"),
        (c("source.date", "gt", dt.date(2025, 9, 15)), "the source's date is after 2025-09-15"),
        (c("source.date", "lte", dt.date(2025, 9, 15)), "the source's date is on or before 2025-09-15"),
        (c("source.date", "lt", dt.date(2025, 9, 15)), "the source's date is before 2025-09-15"),
        (c("source.date", "exists", False), "the source's date is not recorded"),
        (c("source.provider", "exists", True), "the source's provider is recorded"),
        (c("use.commercial", "equals", True), "the declared use is commercial"),
        (c("use.distributed", "equals", False), "the declared use does not distribute the model or data"),
        (c("use.commercial", "exists", False), "it is not recorded whether the declared use is commercial"),
        (c("use.purpose", "equals", "distill"), "the declared purposes include “distill”"),
        (c("use.purpose", "not_in", ["distill"]), "the declared purposes include one other than “distill”"),
        (c("source.license", "contains", "NC"), "the source's licences have an entry containing “NC”"),
        (
            c("source.license_traits", "contains", "noncommercial"),
            "the source's licence is classed “noncommercial”",
        ),
        (
            c("declared.license_traits", "in", ["permissive", "public-domain"]),
            "the declared licence is classed “permissive” or “public-domain”",
        ),
        (All(()), "always"),
    ],
)
def test_each_operator_in_words(cond: Comparison, words: str) -> None:
    assert describe(cond) == words


@pytest.mark.parametrize(
    ("cond", "words"),
    [
        (
            c("source.provider", "equals", "openai"),
            "the source's provider is not “openai” (or is not recorded)",
        ),
        (
            c("source.provider", "in", ["a", "b"]),
            "the source's provider is none of “a”, “b” (or is not recorded)",
        ),
        (
            c("source.provider", "not_in", ["a", "b"]),
            "the source's provider is one of “a” or “b” (or is not recorded)",
        ),
        (
            c("source.generator", "glob", "gemma-4*"),
            "the model that wrote the source's text does not match any of the patterns gemma-4* "
            "(* stands for any text) (or is not recorded)",
        ),
        (
            c("source.name", "regex", re.compile("x")),
            "the matched source's name does not match the regular expression “x” (or is not recorded)",
        ),
        (
            c("declared.value", "contains", "gpt"),
            "the declared value does not contain “gpt” (or is not recorded)",
        ),
        (c("match.tokens", "gte", 40), "the number of aligned tokens is less than 40 (or is not recorded)"),
        (c("match.tokens", "gt", 40), "the number of aligned tokens is at most 40 (or is not recorded)"),
        (c("match.tokens", "lte", 40), "the number of aligned tokens is more than 40 (or is not recorded)"),
        (c("match.tokens", "lt", 40), "the number of aligned tokens is at least 40 (or is not recorded)"),
        (
            c("source.date", "lt", dt.date(2025, 11, 4)),
            "the source's date is on or after 2025-11-04 (or is not recorded)",
        ),
        (c("source.date", "exists", True), "the source's date is not recorded"),
        (
            c("use.research_only", "equals", True),
            "the declared use is not research only (or it is not recorded)",
        ),
        (
            c("use.purpose", "in", ["a", "b"]),
            "the declared purposes do not include “a” nor “b” (or are not recorded)",
        ),
        (
            c("declared.license_traits", "contains", "noncommercial"),
            "the declared licence is not classed “noncommercial” (or is not recorded)",
        ),
    ],
)
def test_not_of_each_operator_says_what_a_missing_value_does(cond: Comparison, words: str) -> None:
    # A comparison with a value the facts do not record is false, so its negation holds.
    assert describe(Not(cond)) == words
    ctx: dict[str, object] = {}
    assert Not(cond).holds(ctx) is ("not recorded" in words)


def test_all_any_and_not_of_several() -> None:
    a, b, d = (
        c("source.provider", "equals", "x"),
        c("use.commercial", "equals", True),
        c("match.tokens", "gte", 9),
    )
    assert describe(All((a, b))) == "both the source's provider is “x” and the declared use is commercial"
    assert describe(AnyOf((a, b))) == "either the source's provider is “x” or the declared use is commercial"
    assert (
        describe(Not(AnyOf((a, b))))
        == "neither the source's provider is “x” nor the declared use is commercial"
    )
    assert describe(All((a, b, d))).startswith("all of: (1) the source's provider is “x”; (2) ")
    assert describe(AnyOf((a, b, d))).startswith("at least one of: (1) ")
    assert describe(Not(AnyOf((a, b, d)))).startswith("none of: (1) ")
    assert describe(Not(All((a, b)))).startswith("not all of: (1) ")
    assert describe(Not(Not(a))) == describe(a)
    nested = describe(All((a, AnyOf((b, All((a, b, d)), d)), d)))
    # Each level has its own marks, so a nested list cannot be read as the outer one.
    assert "(2) at least one of: (a) the declared use is commercial; (b) all of: [1] " in nested


def test_every_shipped_rule_reads_without_field_names_or_operators() -> None:
    from provcheck.policy.loader import load_policy, pack_path

    policy = load_policy(str(pack_path("default")))
    for rule in policy.rules:
        words = describe(rule.when)
        assert not re.search(r"\b(source|use|match|declared|record|marker|conflict)\.[a-z]", words), (
            rule.id,
            words,
        )
        assert not re.search(r"\b(not_in|gte|lte|glob|regex)\b|\s=\s", words), (rule.id, words)
