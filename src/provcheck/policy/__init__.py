"""Policies: YAML rules over source facts, declared use and match strength."""

from provcheck.policy.evaluate import Evaluator, evaluate, finding_id
from provcheck.policy.loader import default_policy, load_policy, validate
from provcheck.policy.model import Policy, Rule, Use, use_from_words

__all__ = [
    "Evaluator",
    "Policy",
    "Rule",
    "Use",
    "default_policy",
    "evaluate",
    "finding_id",
    "load_policy",
    "use_from_words",
    "validate",
]
