"""Fit the match-strength model (probability of derivation) and show its calibration.

    python benchmarks/calibrate.py [--instructions 150] [--write]

Instructions disjoint from those of ``precision.py`` (same seed, so its figures are measured
on data the model never saw). Two indexes over them, as in ``precision.py``: ten OpenAI
generators (``10``) and every generator but the held-out ones (``100+``). Scanned against
both, as Alpaca records (instruction + output):

* positives: seeded edits of indexed answers (verbatim, reformatted, typos, 5-20% word edits,
  dropped sentences, first half, 60-word excerpt in unrelated text);
* negatives: the held-out generators' answers to the same instructions.

Every verified match is labelled: a copy when the candidate was made from that reference, or
the pair passes ``convergence.is_copy``; otherwise not. A logistic regression (L2, balanced
classes: the probability assumes equal prior odds of copy and convergence among verified
matches) is fitted on the matches of half the instructions; the reliability table is
measured on the other half. ``--write`` stores the coefficients, what they were fitted on
and the table in ``src/provcheck/matching/calibration.py``.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import json
import math
import pprint
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import edits
from common import PROVCHECK, ROOT, providers_of, require_corpora, run, table, write_jsonl
from convergence import is_copy
from precision import HELD_OUT, TEN, build_index, indexable, load, sample_instructions
from provcheck.matching.calibration import FEATURES

CALIBRATION = ROOT / "src" / "provcheck" / "matching" / "calibration.py"


POSITIVES = 1200
"""Edited copies per index (one edit each of that many indexed answers)."""


def positives(
    refs: list[dict[str, Any]], pool: list[dict[str, Any]], rng: random.Random
) -> list[dict[str, Any]]:
    """One seeded edit of each of a sample of indexed answers (>= 60 words)."""
    vocab = [w for r in rng.sample(pool, min(300, len(pool))) for w in r["output"].split()]
    kinds = {
        "verbatim": lambda t: t,
        "reformatted": lambda t: edits.reformat(t, rng),
        "typos-2%": lambda t: edits.typos(t, rng, 0.02),
        "words-5%": lambda t: edits.word_edits(t, rng, 0.05, vocab),
        "words-10%": lambda t: edits.word_edits(t, rng, 0.10, vocab),
        "words-20%": lambda t: edits.word_edits(t, rng, 0.20, vocab),
        "sentences-dropped-25%": lambda t: edits.drop_sentences(t, rng),
        "first-half": edits.first_half,
        "excerpt-60-words": lambda t: edits.excerpt(
            t, rng, " ".join(rng.choice(pool)["output"] for _ in range(2))
        ),
    }
    eligible = [r for r in refs if len(r["output"].split()) >= 60]
    out = []
    names = list(kinds)
    for n, ref in enumerate(rng.sample(eligible, min(POSITIVES, len(eligible)))):
        name = names[n % len(names)]
        text = kinds[name](ref["output"])
        if text is None:
            continue
        out.append(
            {"id": f"pos/{name}/{n}", "instruction": ref["instruction"], "output": text, "_ref": ref["id"]}
        )
    return out


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> tuple[float, np.ndarray]:
    """Logistic regression by Newton's method, classes weighted to equal total weight."""
    w = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1)) * len(y)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / std])
    beta = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ beta)))
        grad = z.T @ (w * (p - y)) + reg * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(reg)
        beta -= np.linalg.solve(hess, grad)
    # Back to the raw features' scale.
    weights = beta[1:] / std
    intercept = float(beta[0] - (weights * mean).sum())
    return intercept, weights


def predict(intercept: float, weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Probabilities of the fitted model."""
    return np.asarray(1 / (1 + np.exp(-(intercept + x @ weights))))


def reliability(p: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    """Predicted vs observed share of copies in ten probability bins, the classes weighted
    equally as in the fit (the probability's stated prior)."""
    w = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    rows = []
    for lo in np.arange(0, 1, 0.1):
        hi = lo + 0.1
        sel = (p >= lo) & ((p < hi) if hi < 1 else (p <= 1))
        if sel.sum():
            rows.append(
                {
                    "bin": f"{lo:.1f}-{hi:.1f}",
                    "matches": int(sel.sum()),
                    "predicted": round(float(p[sel].mean()), 3),
                    "observed": round(float((w[sel] * y[sel]).sum() / w[sel].sum()), 3),
                    "copies": int(y[sel].sum()),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instructions", type=int, default=150)
    parser.add_argument(
        "--seed", type=int, default=20261205, help="precision.py's seed (disjoint instructions)"
    )
    parser.add_argument("--write", action="store_true", help="store the fitted model in the package")
    args = parser.parse_args()
    require_corpora()
    rng = random.Random(args.seed + 1)
    work = Path(tempfile.mkdtemp(prefix="provcheck-calibrate-"))
    atexit.register(shutil.rmtree, work, True)
    providers = providers_of()
    _, free = sample_instructions(200, args.seed)
    rows = load(set(rng.sample(free, args.instructions)))
    held = set(HELD_OUT)
    negatives = [r for r in rows if r["generator"] in held and len(r["output"].split()) >= 30]
    by_id = {r["id"]: r for r in rows}
    samples: list[tuple[list[float], int, str]] = []
    for size, refs in (
        ("10", [r for r in rows if r["generator"] in TEN]),
        ("100+", [r for r in rows if indexable(r["generator"])]),
    ):
        index, _ = build_index(work, size.replace("+", "p"), refs, providers)
        pos = positives(refs, negatives, rng)
        cands = {c["id"]: c for c in pos + [{**n, "_ref": None} for n in negatives]}
        path = write_jsonl(
            work / f"cands-{size.replace('+', 'p')}.jsonl",
            [
                {"id": c["id"], "instruction": c["instruction"], "input": "", "output": c["output"]}
                for c in cands.values()
            ],
        )
        report = work / f"scan-{size.replace('+', 'p')}.json"
        res = run(
            [
                *PROVCHECK,
                "scan",
                str(path),
                "-i",
                str(index),
                "-f",
                "json",
                "-o",
                str(report),
                "--fail-on",
                "never",
                "-q",
            ]
        )
        assert res.code == 0, res.stderr
        refs_by_id = {r["id"]: r for r in refs}
        for m in json.loads(report.read_text())["matches"]:
            cand = cands[m["record"]["id"]]
            rid = m["reference"]["id"]
            if m["record"]["turn"]["kind"] != "assistant":
                continue  # the instruction turn: prompts are not what is calibrated
            label = int(cand["_ref"] == rid or is_copy(cand["output"], refs_by_id[rid]["output"]))
            feats = m["strength"]["features"]
            samples.append(([feats[f] for f in FEATURES], label, by_id.get(rid, {}).get("instruction", "")))
        print(
            f"index {size}: {len(refs):,} references, {len(pos):,} positives, {len(negatives):,} negatives",
            file=sys.stderr,
        )
    x = np.array([s[0] for s in samples])
    y = np.array([s[1] for s in samples])
    order = sorted({s[2] for s in samples})
    half = set(random.Random(args.seed).sample(order, len(order) // 2))
    train = np.array([s[2] in half for s in samples])
    intercept, weights = fit(x[train], y[train])
    p = predict(intercept, weights, x[~train])
    table_rows = reliability(p, y[~train])
    # Refit on everything for the stored model; the table stays the held-out one.
    intercept, weights = fit(x, y)
    print(f"\nmatches: {len(y):,} ({int(y.sum()):,} copies, {int(len(y) - y.sum()):,} not copies)\n")
    print(
        table(
            ["feature", "weight"],
            [["intercept", intercept], *[[f, float(w)] for f, w in zip(FEATURES, weights, strict=True)]],
        )
    )
    print("\n## Reliability (held-out half of the instructions)\n")
    print(
        table(
            ["predicted", "matches", "mean predicted", "observed copies"],
            [list(r.values()) for r in table_rows],
        )
    )
    fitted_on = {
        "command": f"python benchmarks/calibrate.py --instructions {args.instructions} --write",
        "date": dt.date.today().isoformat(),
        "data": f"AlpacaEval, {args.instructions} instructions disjoint from benchmarks/precision.py's; "
        "indexes of 10 OpenAI generators and of every generator but six held out (and their families)",
        "positives": "seeded edits of indexed answers (verbatim, reformatted, typos 2%, word edits 5-20%, "
        "sentences dropped, first half, 60-word excerpt), as Alpaca outputs",
        "negatives": f"answers of {', '.join(HELD_OUT)} to the same instructions; a match is a copy "
        "only when identical character runs (>= 8 chars) cover >= 90% of the shorter text",
        "matches": len(y),
        "copies": int(y.sum()),
        "prior": "balanced classes: equal prior odds of copy and convergence among verified matches",
    }
    if args.write:
        text = CALIBRATION.read_text()
        head = text[: text.index("MODEL: dict[str, Any] = ")]
        tail = text[text.index("BLOCK_PROBABILITY = ") :]
        tail = tail[: tail.index("FITTED_ON")]
        model = {"intercept": round(intercept, 4), "weights": [round(float(w), 4) for w in weights]}
        CALIBRATION.write_text(
            head
            + f"MODEL: dict[str, Any] = {pprint.pformat(model, width=100, sort_dicts=False)}\n"
            + tail
            + f"FITTED_ON: dict[str, Any] = {pprint.pformat(fitted_on, width=100, sort_dicts=False)}\n"
            + "RELIABILITY: list[dict[str, Any]] = "
            + f"{pprint.pformat(table_rows, width=90, sort_dicts=False)}\n"
            + '"""Predicted vs observed share of copies per probability bin, on the held-out half."""\n'
        )
        subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(CALIBRATION)], check=False)
        print(f"\nwritten to {CALIBRATION}")
    assert all(math.isfinite(float(w)) for w in weights)


if __name__ == "__main__":
    main()
