"""The measured error rates every report states, read from ``method.json`` (package data), and
their wording: one definition here, so the HTML summary, the text report and the Markdown summary
say the same figures, what they were measured on and with which code (outside counsel 21, P6).

The figures come from ``benchmarks/detection.py``; ``method.json`` names the command and date
of the run they were copied from, so a reader can reproduce them, and the code that measured
them (the run's ``tool.build``: code digest and commit), or that it is not recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from provcheck.model import Absent
from provcheck.support.matchcode import source_paths

if TYPE_CHECKING:
    from provcheck.model.build import BuildFacts

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
    code_sha256: str | None = None
    """The code digest of the provcheck that measured the row (``code_sha256`` in its row of
    ``method.json``), or None when not recorded: each row was dated, with no code identity,
    beside a headline saying which code measured the other figures (counsel 23, P12)."""
    commit: str | None = None
    """The git commit of that code, or None when not recorded."""

    @property
    def code(self) -> str:
        """``code 1a2b… (commit …)``, or "code not recorded"."""
        return _code(self.code_sha256, self.commit) if self.code_sha256 else "code not recorded"


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
    code_sha256: str | None = None
    """The code digest (``tool.build.code_sha256``) of the provcheck that measured the recall and
    false-positive figures, or None when not recorded."""
    commit: str | None = None
    """The git commit of that code, or None when not recorded."""
    dirty: bool | None = None
    """Whether that code had uncommitted changes (the commit alone does not give it)."""
    code_unrecorded: str = ""
    """Why the measuring code is not recorded (figures measured before it was)."""
    matching_sha256: str | None = None
    """The matching-code digest (``tool.build.matching_sha256``: the files whose change can
    change a figure, ``support/matchcode.py``) of the provcheck that measured the figures, or
    None when not recorded. Reports compare it with their own scan's: the whole package's digest
    covers ``method.json`` itself, so it always differed once the figures were copied in."""

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
    code = bench.get("code") or {}
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
                r.get("code_sha256") or None,
                r.get("commit") or None,
            )
            for r in held.get("rows", [])
        ),
        code_sha256=code.get("code_sha256") or None,
        commit=code.get("commit") or None,
        dirty=code.get("dirty"),
        code_unrecorded=str(code.get("why_not_recorded", "")),
        matching_sha256=code.get("matching_sha256") or None,
    )


# The wording of the rates, plain text: the HTML report escapes it and adds its emphasis, the
# text and Markdown reports print it. The text and Markdown reports carried a verdict with no
# error rate and (text) no statement of what a clean result does not prove (counsel 21, P6).

CAN_BLOCK_MEANS = (
    "of texts copied from an indexed source, the share with a match able to fail a gate on block"
)
RECALL_MEANS = "of texts copied from an indexed source, the share found, to block or to review"
FALSE_POSITIVE_MEANS = (
    "of independent texts written for the same prompts and sharing little wording with the "
    "references, the share wrongly matched"
)

PARAPHRASE = "the same content in other words is not detected"
TRANSLATION = "a copy in another language is not detected"
NOT_INDEXED = (
    "only the reference material indexed for this scan is searched; a clean report says nothing "
    "about model output from other sources"
)
NOT_PEOPLE = (
    "It does not prove that the data was written by people, and findings are evidence for a "
    "decision, not the decision."
)


def can_block_range(m: Measured) -> str:
    """``82.8%–99.8% per kind of edited copy (…)``, or empty when not measured."""
    blockable = [r.can_block for r in m.recall if r.can_block is not None]
    if not blockable:
        return ""
    return (
        f"{min(blockable):.1%}–{max(blockable):.1%} per kind of edited copy (the others found are "
        "findings to review)"
    )


def recall_range(m: Measured) -> str:
    """The recall range, what it was measured on and its lowest kind."""
    low = min(m.recall, key=lambda r: r.recall)
    high = max(r.recall for r in m.recall)
    return (
        f"{low.recall:.1%}–{high:.1%} over {len(m.recall)} kinds of edited copy "
        f"({m.candidates_per_kind:,} copies per kind, made from {m.references}, which were "
        f"indexed), lowest for {low.what}"
    )


def measured_apart(m: Measured) -> str:
    """What the recall range was measured on: read alone it stood for every kind of copy, code
    included, whose copies can block less often (measured apart), and the lowest kind of prose
    measured apart (outside counsel read 19)."""
    code = [h.can_block for h in m.heldout if h.what.startswith("code")]
    apart = (
        f"; code was measured apart, its copies able to block in {min(code):.1%}–{max(code):.1%} of "
        "cases (see Method and limits)"
        if code
        else ""
    )
    prose = [h for h in m.heldout if h.what.startswith("prose")]
    low = min(prose, key=lambda h: h.recall) if prose else None
    if low is not None and low.recall < min(r.recall for r in m.recall):
        apart += (
            f"; the lowest kind of prose measured apart, {low.what.removeprefix('prose: ')}, "
            f"was found in {low.recall:.1%} and could block in {low.can_block:.1%}"
        )
    return f"measured on prose like that corpus, answers written by models{apart}"


def false_positive(m: Measured) -> str:
    """The false-positive rate with what it was measured on."""
    return (
        f"{m.false_positive_rate:.2%} ({m.false_positives:,} of {m.negatives:,} "
        f"{m.negatives_description}, checked against the same index)"
    )


def _code(digest: str, commit: str | None, dirty: bool | None = None, what: str = "code") -> str:
    state = ", with uncommitted changes to the package" if dirty else ""
    return f"{what} {digest[:12]} (" + (f"commit {commit[:12]}{state})" if commit else "commit not recorded)")


MATCHING_CODE_MEANS = (
    "the code that reads texts, finds, verifies and judges matches (listed in "
    "provcheck/support/matchcode.py); reports, policies and the rest of the package may differ"
)


def measured_code(m: Measured, build: BuildFacts | Absent) -> str:
    """Which code measured the figures and which code ran this scan, and whether they are the
    same: the version label ("provcheck 0.1.0") does not change between commits, so it could not
    tell whether the figures describe the code that ran (counsel 21, P6). Compared by the
    matching code's digest (``matching_sha256``): the digest of every file of the package covers
    ``method.json`` itself, so a build that ships the figures always differed from the one that
    measured them, and every report said the code had "changed since"."""
    when = f"Measured on {m.date} by {m.command}"
    if m.matching_sha256 is not None:
        return _matching_code(m, build, when)
    ran = None if isinstance(build, Absent) else build.code_sha256
    scan = (
        "this scan's code is not recorded"
        if isinstance(build, Absent) or ran is None
        else f"this scan ran {_code(ran, build.commit, build.dirty)}"
    )
    if m.code_sha256 is None:
        why = f": {m.code_unrecorded}" if m.code_unrecorded else ""
        return (
            f"{when}, on code not recorded{why}; {scan}. Whether these figures describe the code "
            f"of this scan cannot be told (the version label, provcheck {m.version}, does not change "
            "between commits)."
        )
    measured_on = f"{when}, on {_code(m.code_sha256, m.commit, m.dirty)}"
    if ran is None:
        return f"{measured_on}; {scan}: whether the figures describe it cannot be told."
    if ran == m.code_sha256:
        return f"{measured_on}; this scan ran the same code."
    build_commit = None if isinstance(build, Absent) else build.commit
    diff = (
        f"git diff {m.commit[:12]} {build_commit[:12]} -- src/provcheck shows what changed"
        if m.commit and build_commit
        else "which files changed is not recorded"
    )
    return (
        f"{measured_on}; {scan}. The code has changed since these figures were measured, so they "
        f"may not describe this scan ({diff})."
    )


def _matching_code(m: Measured, build: BuildFacts | Absent, when: str) -> str:
    """``measured_code`` where the figures record their matching code's digest."""
    assert m.matching_sha256 is not None
    measured_on = f"{when}, on {_code(m.matching_sha256, m.commit, m.dirty, 'matching code')}"
    ran = None if isinstance(build, Absent) else build.matching_sha256
    if isinstance(build, Absent) or ran is None:
        return (
            f"{measured_on}; this scan's matching code is not recorded: whether the figures "
            "describe it cannot be told."
        )
    scan = _code(ran, build.commit, build.dirty, "matching code")
    if ran == m.matching_sha256:
        return f"{measured_on}; this scan ran the same matching code ({MATCHING_CODE_MEANS})."
    diff = (
        f"git diff {m.commit[:12]} {build.commit[:12]} -- {source_paths()} shows what changed"
        if m.commit and build.commit
        else "which files changed is not recorded"
    )
    return (
        f"{measured_on}; this scan ran {scan}. The matching code has changed since these figures "
        f"were measured, so they may not describe this scan ({diff})."
    )


def rates_paragraph(m: Measured, build: BuildFacts | Absent, changed: list[str]) -> str:
    """The error rates and the main limits in one paragraph, for the text and Markdown reports
    (the HTML report says each in its summary and its Method and limits section). ``changed``:
    the matching thresholds this scan changed (``overview.changed_thresholds``)."""
    caveat = (
        f" This scan did not use the default thresholds ({'; '.join(changed)}): the rates were "
        "measured at the defaults and do not describe it."
        if changed
        else ""
    )
    gate = f"copies that can block ({CAN_BLOCK_MEANS}): {rng}; " if (rng := can_block_range(m)) else ""
    throughout = (
        f"{edited_figures(low)} of copies with {low.what.removeprefix('prose: ').split(' (')[0]}, "
        "fewer as more words change"
        if (low := _edited(m))
        else "found less often"
    )
    return (
        f"Error rates of the method: {gate}recall ({RECALL_MEANS}): {recall_range(m)}; "
        f"false-positive rate ({FALSE_POSITIVE_MEANS}): {false_positive(m)}. "
        f"{measured_code(m, build)}{caveat} Main limits: paraphrase ({PARAPHRASE}); translation "
        f"({TRANSLATION}); copies edited throughout ({throughout}); sources not in the index "
        f"({NOT_INDEXED}). {NOT_PEOPLE}"
    )


def _edited(m: Measured) -> HeldOut | None:
    """The held-out kind of prose edited throughout (a word replaced every few) found least."""
    edited = [h for h in m.heldout if h.what.startswith("prose") and "replaced" in h.what]
    return min(edited, key=lambda h: h.recall) if edited else None


def edited_figures(h: HeldOut) -> str:
    """``found in 71.5%, able to block in 66.0%``: the recall alone was once given as the share
    "kept only where it can block" (counsel 23, P12); both, wherever the kind is cited."""
    return f"found in {h.recall:.1%}, able to block in {h.can_block:.1%}"


def edited_cited(m: Measured) -> str:
    """The figures of a copy edited throughout with what measured them, as the summaries and
    Method and limits cite them."""
    low = _edited(m)
    return (
        f"{edited_figures(low)} of such copies of held-out sources ({low.copies:,} copies, "
        f"{low.command}, {low.date}, {low.code})"
        if low is not None
        else "found less often (not measured)"
    )


def edited_throughout(m: Measured) -> str:
    """What a copy edited throughout escapes, with the measured figures and what measured them,
    for the summaries' "does and does not prove" lists."""
    measured_as = edited_cited(m)
    return (
        "candidates are found by runs of tokens shared with a reference (12 with the default "
        "fingerprint) and by shared token trigrams; a copy with one word in every four to six "
        "replaced, dropped or added keeps no such run and is found only through its trigrams: "
        f"{measured_as}; one with a word in every three or four replaced is not found, though it "
        "is close to the reference (with one word in seven changed it is found)"
    )
