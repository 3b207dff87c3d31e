"""Kinds of convergence, and an independent copy label, for the same-prompt benchmark.

Both are deliberately simple and independent of provcheck's matching, so that the benchmark
does not grade provcheck with its own rules:

* ``kind(text)`` labels a text by the structure independent answers most often share:
  ``code`` (a fenced block, or several lines that read as code), ``recipe`` (ingredient units),
  ``citation`` (``et al.``, a DOI, a journal-style ``(2017)``), ``template`` (placeholders such
  as ``[Name]``, ``Dear ...``, ``Subject:``), ``list`` (three or more bulleted or numbered
  lines), else ``prose``. The first rule that applies wins, in that order.
* ``is_copy(a, b)`` is the labelling rule of the unfiltered set: a character-level longest
  common subsequence (case and whitespace folded) whose identical runs of at least 8
  characters cover at least 90% of the shorter text, which has at least 150 characters.
  Independent answers share words and phrases, never 90% of a text in long identical runs; a
  copy, even lightly edited, does.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Indel

KINDS = ("code", "recipe", "citation", "template", "list", "prose")

_FENCE = re.compile(r"```")
_CODE_LINE = re.compile(
    r"^\s*(def |class |import |from \S+ import|return\b|for .*:\s*$|if .*:\s*$|while .*:\s*$|"
    r"#include|public |private |function |const |let |var |SELECT |<\w+[^>]*>|[{}]\s*$|.*;\s*$)",
    re.MULTILINE,
)
_RECIPE = re.compile(
    r"\b(\d+\s*(cups?|tbsp|tsp|tablespoons?|teaspoons?|grams?|g|oz|ounces?|ml|pounds?|lbs?)\b|ingredients\b)",
    re.IGNORECASE,
)
_CITATION = re.compile(r"(\bet al\.|\bdoi\b|\bdoi\.org|\(\d{4}\)\.|\bjournal of\b|\bvol\. \d)", re.IGNORECASE)
_TEMPLATE = re.compile(
    r"(\[[A-Z][A-Za-z' ]{1,30}\]|\{\{?\s*\w+\s*\}?\}|^dear\b|^subject:|\bsincerely,|\bbest regards,)",
    re.IGNORECASE | re.MULTILINE,
)
_LIST_LINE = re.compile(r"^\s*([-*\u2022]|\d+[.)])\s+\S", re.MULTILINE)


def kind(text: str) -> str:
    """The kind of convergence a text is prone to (see the module docstring)."""
    if _FENCE.search(text) or len(_CODE_LINE.findall(text)) >= 3:
        return "code"
    if len(_RECIPE.findall(text)) >= 3:
        return "recipe"
    if _CITATION.search(text):
        return "citation"
    if _TEMPLATE.search(text):
        return "template"
    if len(_LIST_LINE.findall(text)) >= 3:
        return "list"
    return "prose"


COPY_SHARE = 0.9
"""Share of the shorter text that identical character runs must cover for a copy."""
COPY_RUN = 8
"""Shortest identical character run that counts (shorter runs are shared letters and words)."""
COPY_MIN_CHARS = 150
"""A shorter text under this many characters (about 25 words) is never a copy: covering a
one-line answer shows nothing."""


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def copy_share(a: str, b: str) -> float:
    """Share of the shorter text covered by identical character runs of >= ``COPY_RUN``."""
    fa, fb = _fold(a), _fold(b)
    shorter = min(len(fa), len(fb))
    if shorter < COPY_MIN_CHARS:
        return 0.0
    blocks = Indel.opcodes(fa, fb).as_matching_blocks()
    return sum(blk.size for blk in blocks if blk.size >= COPY_RUN) / shorter


def is_copy(a: str, b: str) -> bool:
    """The labelling rule of the unfiltered set (see the module docstring)."""
    return copy_share(a, b) >= COPY_SHARE
