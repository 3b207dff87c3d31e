"""The measured error rates the HTML report states, read from ``method.json`` (package data).

The figures come from ``benchmarks/detection.py``; ``method.json`` names the command and date
of the run they were copied from, so a reader can reproduce them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

MATCH_PARAMETERS = {
    "min_tokens": "fewest aligned identical tokens for any match",
    "min_similarity": "near-duplicate: similarity of the aligned spans, at least",
    "min_coverage": "near-duplicate: share of the candidate or of the reference aligned, at least",
    "min_distinct_tokens": "fewest different words the aligned text needs (repetitive text such as "
    "digit grids aligns by chance)",
    "min_original_tokens": "aligned tokens a match needs outside the words the reference repeats from "
    "its own prompt (the model quoting its request did not write them)",
    "excerpt_tokens": "excerpt: aligned tokens in one span, at least",
    "excerpt_similarity": "excerpt: similarity of that span, at least",
    "block_floor_tokens": "matches with fewer aligned tokens are short evidence and never block",
    "gap_penalty": "alignment chaining: score lost per unaligned token between aligned runs",
    "min_hits": "candidate selection: anchors a reference must share, at least",
    "min_hit_share": "candidate selection: share of the smaller text's anchors, at least",
    "strong_hits": "candidate selection: shared anchors that select a reference regardless of share",
    "max_candidates": "candidate selection: references verified per candidate turn",
    "max_postings": "anchors shared by more reference texts are ignored as boilerplate",
    "min_probability": "matches whose estimated probability of derivation is below this are left "
    "out of the report (0: every verified match is kept)",
}
"""What each threshold in ``run.match`` means, in the report's method section (a threshold
without an entry is shown with its name only)."""


@dataclass(frozen=True, slots=True)
class Recall:
    """Recall on one kind of edited copy."""

    kind: str
    what: str
    recall: float
    can_block: float | None = None
    """Share of the copies whose match to their reference can block (the rest are review
    findings: short or convergent evidence, or an estimated probability of derivation below
    the blocking floor); None when not measured."""


@dataclass(frozen=True, slots=True)
class HeldOut:
    """Recall on one kind of copy measured outside the table of edited copies: laundering never
    used to choose a parameter, and code (whose evidence blocks less often than prose's)."""

    what: str
    copies: int
    recall: float
    can_block: float
    command: str
    date: str


@dataclass(frozen=True, slots=True)
class SamePrompt:
    """False matches on one same-prompt negative set at one index size."""

    refs: str
    """Same-prompt references per candidate (``1``, ``10``, ``100+``)."""
    set: str
    """``a`` (filtered) or ``b`` (unfiltered, labelled)."""
    records: int
    matched: int
    """Records with a false match listed in the report (explained ones included)."""
    blocking: int
    """Records with a false match that could block."""
    not_convergent: int = 0
    """Records with a false match the scan did not mark as convergence."""
    verified: int = 0
    """Records with a false match not explained by convergence (a verified match)."""


@dataclass(frozen=True, slots=True)
class Measured:
    """Detection error rates measured on real model outputs."""

    command: str
    date: str
    version: str
    references: str
    negatives_description: str
    candidates_per_kind: int
    recall: tuple[Recall, ...]
    false_positives: int
    negatives: int
    same_prompt_command: str = ""
    same_prompt_what: str = ""
    """The answers and indexes the same-prompt sets were measured on."""
    same_prompt_sets: tuple[tuple[str, str], ...] = ()
    """(set, definition) of each same-prompt negative set."""
    same_prompt: tuple[SamePrompt, ...] = ()
    heldout_what: str = ""
    heldout: tuple[HeldOut, ...] = ()
    """Kinds measured apart from ``recall`` (the lowest held-out kinds, code)."""

    @property
    def false_positive_rate(self) -> float:
        """Share of hard negatives that matched anything."""
        return self.false_positives / self.negatives if self.negatives else 0.0


def measured() -> Measured:
    """The figures shipped with this version."""
    raw: dict[str, Any] = json.loads(
        resources.files("provcheck.report").joinpath("method.json").read_text(encoding="utf-8")
    )
    bench = raw["benchmark"]
    same = raw.get("same_prompt", {})
    held = raw.get("heldout", {})
    return Measured(
        command=bench["command"],
        date=bench["date"],
        version=bench["provcheck_version"],
        references=bench["references"],
        negatives_description=bench["negatives"],
        candidates_per_kind=int(raw["candidates_per_kind"]),
        recall=tuple(
            Recall(
                r["kind"],
                r["what"],
                float(r["recall"]),
                float(r["can_block"]) if r.get("can_block") is not None else None,
            )
            for r in raw["recall"]
        ),
        false_positives=int(raw["false_positives"]),
        negatives=int(raw["negatives"]),
        same_prompt_command=str(same.get("command", "")),
        same_prompt_what=str(same.get("what", "")),
        same_prompt_sets=tuple((str(k), str(v)) for k, v in same.get("sets", {}).items()),
        same_prompt=tuple(
            SamePrompt(
                str(r["refs"]),
                str(r["set"]),
                int(r["records"]),
                int(r["matched"]),
                int(r["blocking"]),
                int(r.get("not_convergent", r["matched"])),
                int(r.get("verified", r["matched"])),
            )
            for r in same.get("rows", [])
        ),
        heldout_what=str(held.get("what", "")),
        heldout=tuple(
            HeldOut(
                str(r["what"]),
                int(r["copies"]),
                float(r["recall"]),
                float(r["can_block"]),
                str(r["command"]),
                str(r["date"]),
            )
            for r in held.get("rows", [])
        ),
    )
