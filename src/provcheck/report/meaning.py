"""What one finding establishes and what it does not, in plain words, for every report format.

Counsel signs on findings one at a time; a side-by-side text and a similarity score do not say
what they prove. One definition here, so that the HTML card, the printed PDF and the text report
say the same thing about the same finding: a verified copy, a shared passage, a match that looks
like convergence, short evidence, a marker phrase, a declaration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from provcheck.matching.calibration import BLOCK_PROBABILITY, RELIABILITY
from provcheck.matching.strength import is_whole, percent, relation
from provcheck.model import Evidence, Finding, Match, MatchKind, SourceInfo


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a finding shows and what it leaves open."""

    shows: str
    """What the evidence establishes, with what was measured."""
    does_not_show: str
    """What it does not establish (the questions counsel still has to answer)."""
    probability: str = ""
    """The estimated probability of derivation and what it rests on (``PROBABILITY_BASIS``);
    empty when the match carries none. A terminal says the basis once, a card says it here."""

    @property
    def full(self) -> str:
        """``shows`` with the probability and its basis."""
        return f"{self.shows} {self.probability}" if self.probability else self.shows


SHORT_ONLY = (
    "share with an indexed source only passages shorter than a finding needs to block: short texts "
    "can coincide without copying, so these are listed for a person to judge and are not, on their "
    "own, evidence of copying"
)
"""Records whose only matches are short evidence, in the summaries' words (counsel 19)."""

CLEAN_LIMITS = (
    "Text from sources not in the index is not detected, nor are paraphrases, translations, "
    "copies with a word changed every three or four words (and about three in ten of those "
    "changed every four to six), and passages shorter than the matching threshold; a copy cut "
    "across records is found only where short plain records of one file or short chat exchanges "
    "(or streamed chunks) are joined, not pieces long enough to be matched alone or shuffled "
    "ones; files or records not read were not checked. A result without findings does not show "
    "that the data was written by people or is free to use."
)
"""What a clean result does not establish, said wherever a report has no finding to show."""

_MATCH_LIMITS = (
    "who wrote the text first, how or when the dataset obtained it, or whether the provider's "
    "terms bound whoever made the dataset"
)
PROBABILITY_BASIS = (
    "estimated by a model fitted on edited copies of AlpacaEval answers and on other models' "
    "answers to the same instructions, assuming copies and coincidences are equally common among "
    "verified matches (see Method and limits); it is not a measured probability that the record "
    "is a copy"
)
"""What every per-finding probability was measured on, said where the probability is shown."""


_CONVERGENCE_WHY = re.compile(r"not treated as a copy(, and not a verified match)?: (.+)", re.S)
"""Where a convergent match's reason (``matching.strength``) says why it is not a copy."""


def _measured(m: Match) -> str:
    ev = m.evidence
    extent = f"{ev.coverage:.0%} of the record's turn and {ev.containment:.0%} of the reference"
    return (
        f"{ev.similarity:.0%} similarity over {ev.matched_tokens:,} aligned tokens ({extent}) with "
        f"{m.reference.id} of {m.reference.source.name}"
    )


def _match_meaning(m: Match) -> Meaning:
    ev = m.evidence
    st = m.strength
    measured = _measured(m)
    if st is not None and (st.convergence is not None or st.explained):
        # The reason is "<what was verified>; likely convergence, not treated as a copy[, and not
        # a verified match]: <why>"; only <why> explains. Splitting on "copy: " alone left the whole
        # reason, figures and all, after "because" whenever "and not a verified match" was there.
        said = _CONVERGENCE_WHY.search(st.reason)
        why = said.group(2) if said else ""
        unverified = bool(said and said.group(1))
        fails = "fail the tests that verify a match" in why
        return Meaning(
            shows=f"Shared text of a kind independent answers also produce: {measured}. "
            + (
                "It is neither treated as a copy nor as a verified match"
                if unverified
                else "It is not treated as a copy"
            )
            + (f" because {why}" if why else "")
            + (
                "; once that text is set aside, what is left fails the tests for a match"
                if st.explained and not fails
                else ""
            )
            + ".",
            does_not_show=f"That the record is a copy of {m.reference.source.name}; nor {_MATCH_LIMITS}.",
        )
    if ev.short:
        same = is_whole(ev)
        return Meaning(
            shows=(
                f"The record's turn and the reference are nearly the same short text: {measured}."
                if same
                else f"A short shared passage: {measured}."
            )
            + " Short texts can coincide without copying: it is below the length at which a finding "
            "may block and is listed for a person to judge.",
            does_not_show=f"On its own, that the record is a copy; nor {_MATCH_LIMITS}.",
        )
    probability = f"Estimated probability of derivation {percent(st.probability)}" if st else ""
    if relation(ev, None, st.probability if st else None) == "copies":
        shows = (
            f"The record's turn is a near-verbatim copy of the reference, whole or nearly whole: {measured}."
        )
    else:
        shows = f"The record shares the marked passages with the reference: {measured}. " + (
            "The aligned passages run through the whole turn: the words not aligned lie inside "
            "them (words replaced, added or dropped), not in another part of the turn."
            if _throughout(m)
            else "The rest of the turn was not found in the index."
        )
    return Meaning(
        shows=shows + (f" {probability}." if probability else ""),
        does_not_show=f"{_MATCH_LIMITS[0].upper()}{_MATCH_LIMITS[1:]}.",
        probability=(
            f"The probability is {PROBABILITY_BASIS}. {calibration_note(st.probability)}"
            if probability and st is not None
            else ""
        ),
    )


LOW_PRIOR = 0.1
"""The share of copies among verified matches a calibration note also reads a probability at."""


def calibration_note(probability: float) -> str:
    """What a probability rests on in counts, and what it becomes if copies were rarer: a
    percentage read to a lawyer as a measured probability of copying where it is a score under
    equal prior odds, calibrated on few cases near the blocking floor (outside counsel 21)."""
    at = min(int(probability * 10), 9)
    row = RELIABILITY[at]
    odds = probability / max(1.0 - probability, 1e-9) * LOW_PRIOR / (1.0 - LOW_PRIOR)
    low = percent(odds / (1.0 + odds))
    return (
        f"Of {row['matches']:,} held-out matches estimated {row['bin']}, {row['observed']:.1%} were "
        f"copies; were one verified match in ten a copy (not one in two), the same evidence would "
        f"give {low if low[0] in 'ou' else 'about ' + low}."
    )


def _throughout(m: Match) -> bool:
    """Whether the aligned passages span nearly the whole turn (90%+ of its characters from the
    first to the last), so that what is not aligned lies between them: for a copy edited
    throughout, "the rest of the turn was not found" read as another text beside the copy
    (counsel 20)."""
    spans = m.evidence.spans
    size = len(m.record.turn.text.strip())
    if not spans or not size:
        return False
    extent = max(s.candidate.end for s in spans) - min(s.candidate.start for s in spans)
    return extent >= 0.9 * size


def reading(m: Match) -> str:
    """A match in a few words, for a table row: whether it is read as a copy, a shared passage,
    short evidence or likely convergence (the card's distinction, without the card)."""
    st = m.strength
    if st is not None and (st.convergence is not None or st.explained):
        return f"likely convergence ({st.convergence or 'explained'}): not treated as a copy"
    if m.evidence.short:
        return "short shared passage: cannot show copying on its own"
    said = relation(m.evidence, None, st.probability if st else None)
    words = "copies the reference" if said == "copies" else "shares aligned passages with the reference"
    return words + (f"; estimated probability of derivation {percent(st.probability)}" if st else "")


def meaning(f: Finding) -> Meaning | None:
    """What the finding establishes; None for a finding that rests on nothing shown."""
    if f.match is not None:
        return _match_meaning(f.match)
    if f.marker is not None:
        hit = f.marker
        return Meaning(
            shows=f"The phrase “{hit.text}” occurs in the record's {hit.record.turn.role} turn; no "
            "indexed text was matched.",
            does_not_show="That the record is a copy of a model's output: people write such phrases "
            "too, and models other than the one the phrase points to write them.",
        )
    if f.declaration is not None and f.declaration.field is not None and f.declaration.key == "generator":
        d = f.declaration
        return Meaning(
            shows=f"That {d.records or 0:,} record(s) of {d.dataset} name {d.value} in their own "
            f"field {d.field}{f' (the first at line {d.line})' if d.line else ''}: the data's own "
            "word on which model wrote their text.",
            does_not_show="That the field is accurate, or that it names the text's author rather than "
            "a model the prompts were sent to or that judged them: provcheck reads the field and does "
            "not verify it.",
        )
    if f.declaration is not None and is_conflict(f):
        return _conflict_meaning(f)
    if f.declaration is not None:
        d = f.declaration
        return Meaning(
            shows=f"What {d.path} declares about {d.dataset}: {d.key} = {d.value}.",
            does_not_show="That the declaration is accurate, or which records carry what it names: "
            "provcheck reads the declaration and does not verify it.",
        )
    return None


def tested_on(f: Finding) -> str | None:
    """Which source "the source" of the finding's *Applies when* is, when it is not the first of
    its chain (the matched or declared source): a rule is tested on each source of the chain in
    turn, and the finding's source is the one whose facts met it. Counsel 21 (P14) read a rule
    requiring that the source's licence is not non-commercial as contradicted by the CC BY-NC
    source the finding resolved to, when the facts that met it were those of the model that
    source derives from. None when the finding's source is the first of its chain (or has none)."""
    src = f.source
    if src is None or not f.chain or f.chain[0].name == src.name:
        return None
    if all(s.name != src.name for s in f.chain):
        return None
    first = f.chain[0]
    facts = _facts(src)
    return (
        f"here “the source” is {src.name}" + (f" ({facts})" if facts else "") + f", from which "
        f"{first.name} derives: the rule is tested on each source of the chain in turn, and the "
        f"facts of {src.name} met it"
    )


def is_conflict(f: Finding) -> bool:
    """True for a finding that sets a licence a dataset declares against a source its records
    matched (``signal: conflict``, ``policy/conflicts.py``): its chain starts at the matched
    source, where a licence declaration's own starts at the dataset (``dataset:PATH``)."""
    d = f.declaration
    return (
        d is not None
        and d.key == "license"
        and d.field is None
        and f.match is None
        and bool(f.chain)
        and not f.chain[0].name.startswith("dataset:")
    )


def _facts(info: SourceInfo) -> str:
    said = [f"licence {info.license}" if info.license else ""]
    if info.provider:
        said.append(f"output of {info.provider}" + (f", {info.generator}" if info.generator else ""))
    return "; ".join(s for s in said if s)


def _conflict_meaning(f: Finding) -> Meaning:
    """Both sides of a declared-versus-matched conflict: the card's words alone did not say what
    they conflict with, and counsel signs on the pair."""
    d = f.declaration
    assert d is not None
    matched = f.chain[0]
    facts = _facts(matched)
    shows = (
        f"That {d.path} declares license = {d.value} over {d.dataset}, and that records under it "
        f"were verified, by alignment, to match the indexed source {matched.name}"
        + (f" ({facts})" if facts else "")
    )
    trigger = f.source
    if trigger is not None and trigger.name != matched.name:
        said = _facts(trigger)
        shows += f", which derives from {trigger.name}" + (f" ({said})" if said else "")
        shows += ": the facts of that source made the rule apply"
    shows += (
        ". The declared licence and those facts are what the rule compares; each matched record is "
        "a finding of its own, with its evidence."
    )
    return Meaning(
        shows=shows,
        does_not_show="Which licence the dataset's authors could grant, or whether the declaration "
        "holds for the records that matched nothing: provcheck reads the declaration and does not "
        "verify it. Whether a matched record is a copy is what that record's own evidence shows.",
    )


def lowered_because(f: Finding) -> str:
    """Why a ``block`` rule's finding was lowered to ``review``, in words (``downgraded_from``):
    every lowered card said "below the blocking floor", also of long matches lowered as
    convergence or for a low probability."""
    m = f.match
    if m is None:
        return "the evidence cannot block"
    st = m.strength
    reasons = []
    if m.evidence.short:
        reasons.append(
            f"the evidence is short ({m.evidence.matched_tokens:,} aligned tokens, below the blocking floor)"
        )
    if st is not None and (st.convergence is not None or st.explained):
        reasons.append(f"it looks like convergence ({st.convergence or 'explained'})")
    if st is not None and not reasons and st.probability < BLOCK_PROBABILITY:
        reasons.append(
            f"the estimated probability of derivation, {percent(st.probability)}, is below "
            f"{BLOCK_PROBABILITY:.0%}"
        )
    return " and ".join(reasons) or "the match's strength does not allow blocking"


def kind_label(ev: Evidence) -> str:
    """A match's evidence test as readers see it: a near-duplicate says which side it covers and
    how much of each ("near-duplicate of the record's turn: 57% of it; 47% of the reference").
    "near-duplicate" alone labelled a match covering under half the reference (outside counsel
    23, P5); the test passes on either side, so the label names the side it passed on. The JSON
    enum (``kind``) and every verdict are unchanged."""
    if ev.kind is not MatchKind.NEAR_DUPLICATE:
        return str(ev.kind.value)
    record, reference = f"{ev.coverage:.0%}", f"{ev.containment:.0%}"
    if ev.coverage >= ev.containment:
        return f"near-duplicate of the record's turn: {record} of it; {reference} of the reference"
    return f"near-duplicate of the reference: {reference} of it; {record} of the record's turn"
