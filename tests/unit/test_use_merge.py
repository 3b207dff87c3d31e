"""Merging the declared use in layers (policy, configuration, command line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from provcheck.errors import UsageError
from provcheck.policy import PURPOSES, Use, UseLayer, load_policy, merge_use, use_from_words
from provcheck.policy.model import comparisons
from provcheck.policy.use import FLAG_WORDS

POLICIES = Path(__file__).resolve().parents[2] / "policies"

POLICY = Use(frozenset({"train-competing-model"}), commercial=True, distributed=True)


def test_layers_add_and_record_where_each_part_came_from() -> None:
    cli = use_from_words(["fine-tune", "commercial"], PURPOSES)
    merged = merge_use([UseLayer("policy", "p.yaml", POLICY), UseLayer("command line", "--use", cli)])
    assert merged.use == Use(frozenset({"train-competing-model", "fine-tune"}), True, True, None)
    assert merged.origins == {
        "train-competing-model": "policy",
        "fine-tune": "command line",
        "commercial": "policy, command line",  # repeated by --use: both declared it
        "distributed": "policy",
    }
    assert merged.declared_by() == "policy, command line"
    again = use_from_words(["train-competing-model"], PURPOSES)
    both = merge_use([UseLayer("policy", "p.yaml", POLICY), UseLayer("command line", "--use", again)])
    assert both.origins["train-competing-model"] == "policy, command line"
    assert both.declared_by() == "policy, command line"


def test_a_contradiction_is_an_error_and_a_replacing_layer_replaces() -> None:
    nc = use_from_words(["non-commercial"], PURPOSES)
    with pytest.raises(UsageError, match="'non-commercial' contradicts 'commercial' declared by the policy"):
        merge_use([UseLayer("policy", "p.yaml", POLICY), UseLayer("command line", "--use", nc)])
    merged = merge_use([UseLayer("policy", "p.yaml", POLICY), UseLayer("command line", "--use", nc, True)])
    assert merged.use == Use(commercial=False) and merged.origins == {"commercial": "command line"}


def test_unknown_words_and_contradicting_words_are_refused() -> None:
    with pytest.raises(UsageError, match=r"unknown purpose 'distil' \(did you mean 'distill'\?\)"):
        use_from_words(["distil"], PURPOSES)
    with pytest.raises(UsageError, match="'internal' contradicts 'distributed'"):
        use_from_words(["distributed,internal"], PURPOSES)
    assert use_from_words(["my-purpose"], PURPOSES | {"my-purpose"}).purposes == {"my-purpose"}


def test_every_purpose_the_shipped_packs_name_is_known() -> None:
    named = set()
    for path in sorted(POLICIES.glob("*.yaml")):
        policy = load_policy(str(path))
        for rule in policy.rules:
            for c in comparisons(rule.when):
                if c.field == "use.purpose":
                    values = c.value if isinstance(c.value, list) else [c.value]
                    named.update(str(v) for v in values)
        named |= policy.use.purposes
    assert named and named <= PURPOSES
    assert not PURPOSES & set(FLAG_WORDS)
