"""Adversarial pass on the features merged on 2026-12-05 (shards that merge, fingerprint packs,
policy structure): each test is a way a realistic user could get a clean or wrong answer while
something they gave was ignored or mis-read."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from provcheck.errors import PolicyError
from provcheck.policy import load_policy
from provcheck.policy.model import comparisons


def _policy(tmp_path: Path, when: object) -> Path:
    doc = {
        "version": 1,
        "name": "t",
        "rules": [{"id": "r1", "title": "t", "action": "block", "signal": "match", "when": when}],
    }
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize(
    "when",
    [
        {"source.provider": {"in": [{"a": 1}]}},  # was an internal error (unhashable) at scan time
        {"source.provider": {"not_in": [["openai"]]}},
        {"source.provider": [{"name": "openai"}]},
        {"source.provider": {"glob": []}},  # an empty glob list never matched: the rule never fired
    ],
    ids=["in-mapping", "not-in-list", "list-of-mapping", "empty-glob"],
)
def test_a_policy_list_operand_that_could_never_match_is_refused_where_it_is(
    tmp_path: Path, when: object
) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(str(_policy(tmp_path, when)))
    assert "policy.yaml:" in caught.value.message
    assert caught.value.exit_code == 3


def test_numbers_in_a_text_list_are_compared_as_text_like_equals_does(tmp_path: Path) -> None:
    # `record.id: 12` tests the text "12"; `record.id: [12, 13]` tested the number 12 and so
    # never matched a record id (always text): the rule silently never fired.
    policy = load_policy(str(_policy(tmp_path, {"record.id": [12, 13]})))
    (comparison,) = comparisons(policy.rules[0].when)
    assert comparison.holds({"record.id": "12"})
    assert not comparison.holds({"record.id": "14"})
