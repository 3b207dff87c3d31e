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
    "intercept": -47.2461,
    "weights": [2.7935, 21.1432, 9.889, 11.6072, 3.4302, -3.7211, -1.3881, -0.8139, 0.6932],
}
BLOCK_PROBABILITY = 0.8
"""Blocking needs at least this estimated probability of derivation. Not 0.5: a false block in
front of counsel is the most expensive error, and between 0.5 and 0.8 the held-out copies
observed were 60-68% (``RELIABILITY``); such matches are reviewed instead (about 2% of the
benchmark's copies)."""
FITTED_ON: dict[str, Any] = {
    "command": "python benchmarks/calibrate.py --instructions 150 --write",
    "date": "2026-12-05",
    "data": "AlpacaEval, 150 instructions disjoint from benchmarks/precision.py's; indexes of 10 "
    "OpenAI generators and of every generator but six held out (and their families)",
    "positives": "seeded edits of indexed answers (verbatim, reformatted, typos 2%, word edits 5-20%, "
    "sentences dropped, first half, 60-word excerpt), as Alpaca outputs",
    "negatives": "answers of claude-2, Meta-Llama-3-70B-Instruct, Mixtral-8x7B-Instruct-v0.1, "
    "Qwen1.5-72B-Chat, gemma-7b-it, Yi-34B-Chat to the same instructions; a match is a "
    "copy only when identical character runs (>= 8 chars) cover >= 90% of the shorter "
    "text",
    "matches": 2850,
    "copies": 2152,
    "prior": "balanced classes: equal prior odds of copy and convergence among verified matches",
}
RELIABILITY: list[dict[str, Any]] = [
    {"bin": "0.0-0.1", "matches": 228, "predicted": 0.008, "observed": 0.001, "copies": 1},
    {"bin": "0.1-0.2", "matches": 8, "predicted": 0.151, "observed": 0.032, "copies": 1},
    {"bin": "0.2-0.3", "matches": 10, "predicted": 0.249, "observed": 0.135, "copies": 4},
    {"bin": "0.3-0.4", "matches": 6, "predicted": 0.34, "observed": 0.538, "copies": 5},
    {"bin": "0.4-0.5", "matches": 5, "predicted": 0.465, "observed": 1.0, "copies": 5},
    {"bin": "0.5-0.6", "matches": 8, "predicted": 0.519, "observed": 0.62, "copies": 7},
    {"bin": "0.6-0.7", "matches": 15, "predicted": 0.643, "observed": 0.603, "copies": 13},
    {"bin": "0.7-0.8", "matches": 20, "predicted": 0.762, "observed": 0.677, "copies": 18},
    {"bin": "0.8-0.9", "matches": 36, "predicted": 0.854, "observed": 0.891, "copies": 35},
    {"bin": "0.9-1.0", "matches": 986, "predicted": 0.994, "observed": 0.987, "copies": 983},
]
"""Predicted vs observed share of copies per probability bin, on the held-out half."""
