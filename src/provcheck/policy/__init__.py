"""Policies: YAML rules over source facts, declared use and match strength."""

from provcheck.policy.evaluate import Evaluator, evaluate, finding_id
from provcheck.policy.loader import default_policy, load_policy, validate
from provcheck.policy.model import Policy, Rule
from provcheck.policy.use import PURPOSES, EffectiveUse, Use, UseLayer, merge_use, use_from_words

__all__ = [
    "PURPOSES",
    "EffectiveUse",
    "Evaluator",
    "Policy",
    "Rule",
    "Use",
    "UseLayer",
    "default_policy",
    "evaluate",
    "finding_id",
    "load_policy",
    "merge_use",
    "use_from_words",
    "validate",
]
