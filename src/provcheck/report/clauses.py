"""How every report words a cited clause: the quote (or that no wording is on record), the note
on which version is cited and why, and the legend of quote-confidence labels.

One definition, so that no format drops the note or explains a label differently. The labels
are those of ../shared/reference/terms-and-licences.md ("How to read this report").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from provcheck.model import Action, Clause, Finding

CONFIDENCE: dict[str, str] = {
    "V-P": "verified in a primary source: the wording was read in the provider's or licensor's own "
    "file, page or repository (a licence's text as the licensor of the material distributes it "
    "with the material, e.g. a dataset repository's licence file), or in a faithful snapshot of an "
    "official page; not necessarily at the URL cited",
    "V-S": "verified in a secondary copy only: a third party quoting the wording "
    "(consistent wherever it appeared more than once)",
    "R": "recalled, not verified in stored text: not a quote to rely on",
}
"""Quote-confidence labels a policy may give a clause, and what each means."""
UNRATED = "the policy gives no confidence for this quote"
NO_WORDING = "no wording on record"
"""What a citation without a quote says (a licence whose text provcheck does not hold)."""
NO_URL = "URL not recorded"
"""What a citation without a URL says: a quote counsel cannot look up is said to be one (the
DeepSeek terms' address is not verified, so the pack gives none)."""
NO_RETRIEVAL = (
    "Policies record each quoted wording's effective date and how the quote was verified, and the "
    "date of the copy of the document the wording was read in (a repository's last commit, a page "
    "snapshot: the copy's date, not the day it was read) only where the reference on record gives "
    "one (beside each clause: “wording from a copy dated DATE”, otherwise “retrieval date not "
    "recorded”): a document may have changed since; compare the quote with the document at its URL "
    "before relying on it."
)
"""Said beside the quote-confidence legend: an effective date and a label beside each quote
read as a citation checked on some date, which most versions do not record."""
NOT_RETRIEVED = (
    "retrieval date not recorded: nothing on record shows this wording is still the document's; "
    "check it against the document before relying on it"
)
"""Said beside a quote whose version records no date it was seen in a copy of the document."""
DEFAULT_TERMS = "terms of this source not recorded; the provider's default terms are cited"
"""Said beside a citation of the document a policy applies when the source's terms are not
recorded in the index: read alone, it looked as if the source were known to be under it."""
NO_SECTION = "section not recorded"
"""What a citation without a section says: a pinpoint left out silently read as an oversight of
the report, not as what the policy holds (several packs cite unnumbered terms by quote only)."""


NO_DATE = (
    "the policy gives no date for this wording, so this report cannot show that it was the "
    "wording in force when the material was made or obtained; check which terms applied then"
)
"""What a citation without a date means for counsel when the policy says nothing of its date:
"effective date not recorded" alone left counsel to work out what follows from it."""


def dating(c: Clause) -> str:
    """The wording's date in a few words: ``effective DATE``, ``version 4.0, no effective
    date`` or ``effective date not recorded``."""
    if c.effective:
        return f"effective {c.effective}"
    if c.version:
        return f"version {c.version}, no effective date"
    return "effective date not recorded"


def date_meaning(c: Clause) -> str | None:
    """Without an effective date, what is known of the date and what that means (the policy's
    ``date_note``, or ``NO_DATE``); with one, where it comes from and how the version is
    selected (``effective_note``), or None when the policy says nothing of it."""
    if c.effective:
        return c.effective_note
    return c.date_note or NO_DATE


def retrieval(c: Clause) -> str | None:
    """``wording from a copy dated 2026-03-11``, or ``retrieval date not recorded``; None without
    a quote (nothing was retrieved). The date is the copy's (a repository's last commit, a page
    snapshot): "wording seen 2023-05-29" read as the day someone read it (outside counsel 21)."""
    if not c.quote:
        return None
    return f"wording from a copy dated {c.seen}" if c.seen else NOT_RETRIEVED


_PINPOINT = re.compile(r"[\d(§]|[A-Za-z][.\d]")
"""A numbered pinpoint (``2(c)(iii)``, ``D.4``, ``§ 3``), as opposed to a heading's words."""


def pinpoint(text: str) -> str:
    """``section 2(c)(iii)``, or ``section “What you cannot do”`` for a section known by its
    heading: unquoted, a heading ran into the sentence ("section What you cannot do", counsel 12)."""
    return f"section {text}" if _PINPOINT.match(text) else f"section “{text}”"


def section(c: Clause) -> str:
    """``section 2(c)(iii)``, or that the policy records none (and, with a quote, how to find it)."""
    if c.section:
        return pinpoint(c.section)
    return f"{NO_SECTION} (find the quoted words in the document)" if c.quote else NO_SECTION


def quote(c: Clause) -> str:
    """The quote between typographic quotes, or ``no wording on record``."""
    return f"“{c.quote}”" if c.quote else NO_WORDING


def citation(c: Clause) -> str:
    """Document, section, date, URL and confidence label on one line, then what an undated
    wording's date means."""
    parts = [
        c.document,
        section(c),
        dating(c),
        c.url or NO_URL,
        label(c),
        retrieval(c) or "",
    ]
    meaning = date_meaning(c)
    default = f"; {DEFAULT_TERMS}" if c.default_terms else ""
    dated = f"; date: {meaning.rstrip('.')}" if meaning else ""
    return ", ".join(p for p in parts if p) + dated + default


def label(c: Clause) -> str:
    """``quote confidence V-P (verified in a primary source: …)``: the label with its meaning in
    words where it is shown (counsel 20: "V-P" beside a licence quoted from a dataset's own copy
    of it read as "verified at the URL cited", or as secondary); empty when no quote is shown
    or the policy gives no label."""
    if not (c.confidence and c.quote):
        return ""
    meaning = CONFIDENCE.get(c.confidence, "a label this version of provcheck does not define")
    return f"quote confidence {c.confidence} ({meaning})"


def legend(clauses: Iterable[Clause | None]) -> list[tuple[str, str]]:
    """``(label, meaning)`` for every confidence label of the quotes shown (known labels first,
    ``unrated`` last); empty when no quote is shown."""
    used = set(dict.fromkeys(c.confidence or "" for c in clauses if c is not None and c.quote))
    out = [(k, v) for k, v in CONFIDENCE.items() if k in used]
    other = "a label this version of provcheck does not define"
    out += [(u, other) for u in sorted(used - set(CONFIDENCE) - {""})]
    return out + ([("unrated", UNRATED)] if "" in used else [])


def confidence(c: Clause) -> str | None:
    """The clause's confidence label with its meaning (``V-S: verified in …``), for formats
    that show it beside each quote rather than in a legend; None when no quote is shown."""
    if not c.quote:
        return None
    ((label, meaning),) = legend([c])
    return f"{label}: {meaning}"


def legend_line(clauses: Iterable[Clause | None]) -> str | None:
    """The legend as one line (``Quote confidence: V-P = …; V-S = …``), or None."""
    items = legend(clauses)
    if not items:
        return None
    return (
        "Quote confidence: "
        + "; ".join(f"{label} = {meaning}" for label, meaning in items)
        + f". {NO_RETRIEVAL}"
    )


def finding_clauses(findings: Iterable[Finding]) -> list[Clause]:
    """The distinct clauses the findings cite, in order of first citation."""
    seen: dict[Clause, None] = {}
    for f in findings:
        if f.rule.clause is not None:
            seen.setdefault(f.rule.clause, None)
    return list(seen)


_RANK = {"V-P": 0, "V-S": 1, "R": 2}
"""How far a quote can be relied on, best first: unrated quotes rank after these, a citation
with no wording last."""


def _rank(c: Clause) -> int:
    return _RANK.get(c.confidence or "", len(_RANK)) if c.quote else len(_RANK) + 1


def _wording(c: Clause) -> str:
    return f"{c.document}, {section(c)}" + (f", effective {c.effective}" if c.effective else "")


def weakest_quotes(findings: Iterable[Finding]) -> str | None:
    """The least verified wording the open findings (block, review, warn) rest on, for the facts
    a decision is signed on: the quote confidence was shown beside each quote and in a legend,
    not where counsel signs (outside counsel 23, P4). None when no open finding cites a clause."""
    cited: dict[Clause, int] = {}
    for f in findings:
        if not f.waived and f.action in (Action.BLOCK, Action.REVIEW, Action.WARN) and f.rule.clause:
            cited[f.rule.clause] = cited.get(f.rule.clause, 0) + 1
    if not cited:
        return None
    worst = max(_rank(c) for c in cited)
    # One line a wording: the same clause carries notes that differ by source (default terms).
    weakest: dict[str, int] = {}
    for c, n in cited.items():
        if _rank(c) == worst:
            weakest[_wording(c)] = weakest.get(_wording(c), 0) + n
    first = next(c for c in cited if _rank(c) == worst)
    said = label(first) or (NO_WORDING if not first.quote else UNRATED)
    where = "; ".join(f"{key} ({n:,} finding(s))" for key, n in weakest.items())
    distinct = len({_wording(c) for c in cited})
    return f"the open findings cite {distinct:,} clause(s); the least verified: {said}: {where}"
