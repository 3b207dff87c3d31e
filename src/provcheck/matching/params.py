"""Validated parameters of fingerprinting and matching.

``FingerprintConfig`` shapes an index: it is stored in the index manifest and a scan refuses an
index whose stored signature differs from what this version computes (datatrove's
``MinhashConfig.__str__`` habit). ``MatchConfig`` only shapes a scan and may change per run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from provcheck.errors import UsageError

TOKENIZER_VERSION = 6
"""Bump when normalization or tokenization changes what tokens a text yields. 4: invisible
characters standing for spaces, JSON string escapes and Hangul fillers read as separators
(``matching/laundering.py``). 5: small capitals read as Latin letters, variation selectors and
underline/strike-through marks fold to nothing (``folding._IGNORED_MARKS``). 6: letters drawn
like Latin ones folded from Unicode's confusables data (Armenian, Cherokee, Coptic, Lisu...:
``matching/lookalikes.py``), accents and stacked or enclosing marks removed
(``folding._decoration``)."""

CODE_VERSION = 2
"""Version of the identifier-insensitive anchors of code (``matching/code.py``); 0 = none.
Bump when they change: an index stores it, and one built otherwise is refused. 2: a line's
trailing comment no longer hides its code form, so more texts have code anchors."""


@dataclass(frozen=True, slots=True)
class FingerprintConfig:
    """How texts become anchors (windowed MinHash values)."""

    shingle_size: int = 5
    """Tokens per shingle. Words for spaced scripts; characters for CJK and Thai."""
    window: int = 8
    """Shingles per winnowing window: any shared run of ``shingle_size + window - 1`` tokens
    is guaranteed to share an anchor."""
    seed: int = 1
    """Seed of the MinHash permutation (datasketch ``MinHash(seed=...)`` semantics)."""
    tokenizer: int = TOKENIZER_VERSION
    """Version of normalization + tokenization."""
    code: int = CODE_VERSION
    """Version of the code anchors (identifiers parameterized) added for texts holding code;
    0 for indexes built before them (manifests without the key)."""

    def __post_init__(self) -> None:
        if not 1 <= self.shingle_size <= 16:
            raise UsageError(
                f"shingle size {self.shingle_size} is out of range; allowed: 1 to 16 tokens",
                hint="the default is 5",
            )
        if not 1 <= self.window <= 64:
            raise UsageError(
                f"window {self.window} is out of range; allowed: 1 to 64 shingles",
                hint="the default is 8",
            )
        if not 0 <= self.seed < 2**32:
            raise UsageError(f"seed {self.seed} is out of range; allowed: 0 to 2**32-1")

    @property
    def signature(self) -> str:
        """Stored with an index; two configs with equal signatures produce equal anchors."""
        base = f"wmh1-tok{self.tokenizer}-n{self.shingle_size}-w{self.window}-s{self.seed}"
        return f"{base}-code{self.code}" if self.code else base

    def to_dict(self) -> dict[str, Any]:
        """Plain form for manifests and reports."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FingerprintConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error of the caller's file. A
        manifest without ``code`` predates code anchors (version 0)."""
        return cls(**{"code": 0, **data})


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """How candidates are chosen and when an alignment counts as a match.

    Defaults were chosen on real model outputs (see docs/matching.md and
    ``benchmarks/detection.py``).
    """

    min_tokens: int = 25
    """No match with fewer aligned identical tokens: shorter evidence is coincidence-prone."""
    min_similarity: float = 0.7
    """Near-duplicate test: similarity of the aligned spans."""
    min_coverage: float = 0.5
    """Near-duplicate test: share of the candidate or of the reference that is aligned."""
    min_distinct_tokens: int = 12
    """Distinct tokens the aligned runs need (low-entropy sequences such as digit grids align
    by chance)."""
    min_original_tokens: int = 10
    """Aligned tokens a match needs outside the passages where the reference repeats its own
    prompt (the model quoting its input did not write that text)."""
    excerpt_tokens: int = 40
    """Excerpt test: aligned tokens in one span."""
    excerpt_similarity: float = 0.93
    """Excerpt test: similarity of that span."""
    block_floor_tokens: int = 40
    """Matches with fewer aligned tokens are ``short``: a policy never blocks on them alone."""
    gap_penalty: float = 1.0
    """Alignment chaining: score lost per unaligned token between two aligned runs."""
    min_hits: int = 2
    """Anchors a reference text must share with a candidate to be verified, at the least."""
    min_hit_share: float = 0.1
    """...and at least this share of the smaller text's anchors,"""
    strong_hits: int = 5
    """...unless it shares this many (a long shared passage in texts of any length)."""
    max_candidates: int = 16
    """References verified per candidate turn (more for long turns)."""
    max_postings: int = 256
    """Anchors shared by more reference texts are boilerplate and ignored."""
    min_probability: float = 0.0
    """Matches whose estimated probability of derivation is below this are left out
    (``scan --min-probability``); 0 keeps every verified match."""

    def __post_init__(self) -> None:
        for name in (
            "min_similarity",
            "min_coverage",
            "excerpt_similarity",
            "min_hit_share",
            "min_probability",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise UsageError(f"{name.replace('_', '-')} {value} is out of range; allowed 0-1")
        for name in ("min_tokens", "excerpt_tokens", "min_hits", "max_candidates", "max_postings"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name.replace('_', '-')} must be at least 1")

    def to_dict(self) -> dict[str, Any]:
        """Plain form for reports."""
        return asdict(self)

    @classmethod
    def with_overrides(cls, items: list[str]) -> MatchConfig:
        """Defaults overridden by ``KEY=VALUE`` items (``scan --match``)."""
        names = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for item in items:
            key, sep, raw = item.partition("=")
            key = key.strip().replace("-", "_")
            if not sep or key not in names:
                allowed = ", ".join(n.replace("_", "-") for n in names)
                raise UsageError(f"--match {item!r}: expected KEY=VALUE with KEY one of: {allowed}")
            try:
                values[key] = float(raw) if names[key] in ("float", float) else int(raw)
            except ValueError:
                raise UsageError(f"--match {item!r}: {raw!r} is not a number") from None
        return cls(**values)
