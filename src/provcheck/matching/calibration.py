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
    "intercept": -45.726,
    "weights": [1.5028, 26.9801, 10.8963, 9.8952, 3.9442, -4.2977, -1.6068, 0.2755, 0.6625],
}
BLOCK_PROBABILITY = 0.5
"""Blocking needs at least this estimated probability of derivation."""
FITTED_ON: dict[str, Any] = {
    "command": "python benchmarks/calibrate.py --instructions 150 --write",
    "date": "2026-12-05",
    "data": "AlpacaEval, 150 instructions disjoint from benchmarks/precision.py's; indexes of 10 "
    "OpenAI generators and of every generator but six held out",
    "positives": "seeded edits of indexed answers (verbatim, reformatted, typos 2%, word edits 5-20%, "
    "sentences dropped, first half, 60-word excerpt), as Alpaca outputs",
    "negatives": "answers of claude-2, Meta-Llama-3-70B-Instruct, Mixtral-8x7B-Instruct-v0.1, "
    "Qwen1.5-72B-Chat, gemma-7b-it, Yi-34B-Chat to the same instructions; a match is a "
    "copy only when identical character runs (>= 8 chars) cover >= 90% of the shorter "
    "text",
    "matches": 24356,
    "copies": 19049,
    "prior": "balanced classes: equal prior odds of copy and convergence among verified matches",
}
RELIABILITY: list[dict[str, Any]] = [
    {"bin": "0.0-0.1", "matches": 2011, "predicted": 0.006, "observed": 0.012},
    {"bin": "0.1-0.2", "matches": 79, "predicted": 0.15, "observed": 0.367},
    {"bin": "0.2-0.3", "matches": 45, "predicted": 0.25, "observed": 0.422},
    {"bin": "0.3-0.4", "matches": 28, "predicted": 0.349, "observed": 0.643},
    {"bin": "0.4-0.5", "matches": 33, "predicted": 0.454, "observed": 0.667},
    {"bin": "0.5-0.6", "matches": 32, "predicted": 0.558, "observed": 0.719},
    {"bin": "0.6-0.7", "matches": 49, "predicted": 0.649, "observed": 0.857},
    {"bin": "0.7-0.8", "matches": 77, "predicted": 0.759, "observed": 0.883},
    {"bin": "0.8-0.9", "matches": 218, "predicted": 0.858, "observed": 0.972},
    {"bin": "0.9-1.0", "matches": 9006, "predicted": 0.994, "observed": 0.998},
]
"""Predicted vs observed share of copies per probability bin, on the held-out half."""
