"""Coefficients of the match-strength model and what they were fitted on.

Written by ``python benchmarks/calibrate.py --write``; do not edit by hand. The model is a
logistic regression over ``FEATURES`` (see ``strength.features``): positives are seeded
edited copies of indexed references (``benchmarks/detection.py`` kinds), negatives are
verified matches of independent same-prompt answers that are not copies
(``benchmarks/precision.py`` set (b) labelling rule).
"""

from __future__ import annotations

from typing import Any

FEATURES = (
    "log_tokens",
    "similarity",
    "extent",
    "longest_share",
    "excerpt",
    "common_share",
    "crowd",
    "structured",
    "echo_share",
)
MODEL: dict[str, Any] = {
    "intercept": -14.0,
    "weights": [1.5, 8.0, 4.0, 1.0, 0.0, -4.0, -1.0, -1.0, -4.0],
}
BLOCK_PROBABILITY = 0.5
"""Blocking needs at least this estimated probability of derivation."""
FITTED_ON: dict[str, Any] = {"note": "hand-set starting values; not fitted yet"}
RELIABILITY: list[dict[str, Any]] = []
"""Predicted vs observed share of copies per probability bin, on the held-out half."""
