"""How strongly a verified match shows derivation, and whether it looks like convergence. Pure.

Verification (``verify.align``) says two texts share long, dense, ordered runs of tokens. Two
things produce that: copying, and *convergence* — independent answers to the same request that
share a classic recipe's ingredient list, a textbook function, a letter template or a famous
citation. This module tells them apart with signals that do not depend on one threshold:

* ``common-passage``: most anchors the two texts share also occur in several other reference
  texts of the index (their document frequency, counted over every shard, so it stays right as
  sources and shards are added); what many independent texts contain shows copying of none
  (MOSS discounts passages common to many submissions the same way);
* ``crowd``: the same candidate turn matches references of several sources, none clearly
  more than the others; a copy matches its original much better than the original's peers;
* ``prompt``: most of the reference's aligned text repeats the reference's own prompt (its
  echoes, kept in the index): two answers quoting the same request share that text;
* structure (``list``, ``code``, ``template``, ``recipe``, ``citation``): the shared passage is
  of a kind independent answers share, and the match is not a near-verbatim whole copy.
* identifiers renamed (class ``code``): the match holds only on the identifier-insensitive
  streams of code (``matching/code.py``), where a renamed copy and an independent textbook
  solution look the same.
* ``grid``: the match holds on texts of fewer distinct tokens than ``min_distinct_tokens`` (a
  solved Sudoku, a board); a puzzle has one solution, so a copy and an independent solver
  give the same grid.
* ``formula``: the shared passage is mathematical notation (LaTeX), whole or not: a standard
  formula (Maxwell's equations, the quadratic formula) has one usual way of being written, so
  independent answers write it identically.

A convergent match stays a match (nothing found is hidden), but never blocks. Every match also
gets a calibrated probability of derivation (``calibration.MODEL``); blocking needs it to reach
``calibration.BLOCK_PROBABILITY``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from provcheck.matching import reasons
from provcheck.matching.calibration import BLOCK_PROBABILITY, FEATURES, MODEL
from provcheck.matching.convergence import ECHO_SHARE, FOREIGN_SOURCES, own_copied, residual
from provcheck.matching.duplicates import holds_alike, resembles
from provcheck.matching.overlap import shared_passage
from provcheck.matching.params import MatchConfig
from provcheck.matching.reasons import ANSWERS_WHY, ATTRIBUTED, OWN_COPIED, PLAIN_REQUEST, RENAMED_WHY, WHY
from provcheck.model import Evidence, MatchKind, Strength

COMMON_DF = 3
"""An anchor held by this many distinct reference texts (the matched one included) is common."""
COMMON_SHARE = 0.5
"""A match whose shared anchors are at least this share common is a ``common-passage``."""
GIVENS_SHARE = 0.2
"""A grid repeats the puzzle its request poses when at least this share of its aligned tokens
repeat the request: a Sudoku with one solution gives at least 17 of its 81 cells (21%)."""
CROWD_LEAD = 1.5
"""A match leads a crowd when it aligns this many times the tokens of any other source's match."""
WHOLE_EXTENT = 0.8
WHOLE_SIMILARITY = 0.9
"""A near-verbatim whole copy: this share of either text aligned at this similarity."""


@dataclass(frozen=True, slots=True)
class Signals:
    """What the strength of one match is judged on."""

    evidence: Evidence
    """The verified evidence."""
    common_share: float
    """Share of the anchors the two texts share that ``COMMON_DF`` or more reference texts hold."""
    structure: str | None
    """Structure of the candidate's aligned passage (``structure``)."""
    source: str
    """The matched reference's source."""
    echo_share: float = 0.0
    """Share of the reference's aligned tokens that repeat the reference's own prompt."""
    text: object = None
    """Identifies the reference text: the same text held by several sources is one text, not
    a crowd of independent ones."""
    renamed: bool = False
    """The match holds only with identifiers abstracted (``matching/code.py``)."""
    prompt_turn: bool = False
    """The candidate turn is a request (user, system, tool turn): the text the reference repeats
    from its own request is then explained by the two sharing a request, and set aside."""
    foreign_share: float | None = None
    """Share of the shared anchors that texts of ``convergence.FOREIGN_SOURCES`` or more other
    sources hold (what ``convergence.residual`` sets aside); None when not looked up (the
    text-frequency share, less same-source duplicates, is used then)."""
    grid: bool = False
    """The match holds on texts of a few distinct tokens (``Alignment.few_distinct``)."""
    attributed: str | None = None
    """``boilerplate`` when the aligned passage holds standard boilerplate (``matching.attributed``),
    set aside like common text."""
    attributed_share: float = 0.0
    """Share of the aligned text that is ``attributed``."""
    same_request: bool = False
    """The candidate's record holds the request a record of the reference answers
    (``matching.request``): independent answers to one request converge more."""
    code: bool = False
    """The candidate turn holds code (it has an identifier-insensitive stream, ``matching.code``)."""
    code_whole: bool = False
    """With ``same_request``, or when the match holds only with identifiers abstracted: the
    candidate aligns with the reference's whole code once identifiers are abstracted (how a
    renamed copy looks; independent solutions share parts)."""
    verbatim_part: bool = False
    """With ``same_request``: a passage of ``VERBATIM_RUN`` tokens or more of the reference
    reappears in the candidate with ``WHOLE_SIMILARITY`` of its tokens or more, in order, whatever
    the candidate put between them (``verbatim_passage``)."""
    code_passage: bool = False
    """With ``same_request``: most of the aligned candidate text lies on the turn's code lines
    (``matching.code.code_lines``). A passage of a prose structure (``PROSE_STRUCTURES``) must:
    an edited copy of a list answer is no match of code because a snippet sits after it."""
    background: bool = False
    """The reference is a background source's text (independent, ``SourceInfo.background``)."""
    attributed_spans: tuple[float, ...] = ()
    """Per span of the evidence, the share of it that is ``attributed`` (where that text lies:
    ``convergence.residual`` sets it aside from its own span)."""
    determined: str | None = None
    """With ``same_request``: how that request determines the shared text (``matching.determined``:
    ``translation`` of a text it gives, ``calculation`` of its numbers), or None."""
    set_aside: bool = False
    """Listed by the trigram route only (``matching.trigrams``), though the pair shares
    ``MatchConfig.strong_hits`` anchors or more: the anchor route, which lists any text sharing
    that many, set it aside because more than ``max_postings`` texts hold those anchors or
    ``max_candidates`` texts share more of them. The passage is held by many reference texts,
    so its common anchors count whoever holds them (``duplicated`` does not apply): on issue
    17's one-source workload, held-out answers listing Spike Lee's films were kept as copies of
    the 17th text holding the list (docs/matching.md, "Independent texts the trigram route
    re-listed")."""
    own_share: float = 0.0
    """With ``echo_share`` of ``ECHO_SHARE`` or more: the share of the reference's own tokens in
    the match (not repeated from its prompt) that the candidate repeats (``convergence.own_copied``)."""
    own_read: bool = False
    """Whether ``own_share`` was read (``scan.spans.echo_shares``): ``reasons.own_left`` says it."""
    withheld: bool = False
    """The reference is in a fingerprint pack, its text withheld (its own words are not read)."""
    plain_reference: bool = False
    """The reference was indexed as plain text (a record with no request turns): what it repeats
    of a prompt cannot be known, so nothing of it is set aside as one."""
    shingles: object = None
    """Its text's distinct shingles if its source names no provider or generator (``duplicates``)."""


VERBATIM_RUN = 50
"""Tokens of a passage of the reference taken near-verbatim that a shared request does not
explain: a copy of a large part of the reference's code. None of the independent answers to the
same request in ``benchmarks/code.py``'s set (a) takes one (docs/matching.md, "Code in answers to
the same request")."""


PROSE_STRUCTURES = ("list", "recipe", "citation")
"""Convergence classes of prose: a match of one of them is a match of code for the same-request
rule only when its passage lies on code lines (``Signals.code_passage``). Code lines are read by
form and fence, and miss some code (YAML, Lua blocks without a fence): requiring them of every
class verified 2 more of ``benchmarks/code.py``'s set (a)."""


def verbatim_passage(spans: Iterable[tuple[int, int]]) -> bool:
    """Whether one of the aligned spans, given as (tokens matched, tokens of the reference's
    range), takes ``VERBATIM_RUN`` tokens or more of a reference passage with ``WHOLE_SIMILARITY``
    of its tokens or more. Read on the reference's side: lines of one's own put between the
    copied ones (or the copy split across code blocks with sentences between) lower the span's
    similarity, not the share of the reference's passage taken."""
    return any(m >= VERBATIM_RUN and m >= WHOLE_SIMILARITY * n for m, n in spans)


def verbatim_run(s: Signals) -> bool:
    """Whether the match takes a near-verbatim passage of ``VERBATIM_RUN`` tokens or more (names
    not abstracted: a renamed passage is what independent solutions of one task share)."""
    return not s.renamed and (
        s.verbatim_part
        or any(
            sp.matched_tokens >= VERBATIM_RUN and sp.similarity >= WHOLE_SIMILARITY for sp in s.evidence.spans
        )
    )


RUN_TOKENS = 20
"""Spans aligning this many tokens or more are runs of copied text, a sentence or more each."""


def features(s: Signals, crowd: int) -> dict[str, float]:
    """The model's inputs, by name.

    ``longest_share`` is the share of the aligned tokens in the longest span. It tells one long
    passage from scattered stock phrases, but it also told a copy whose sentences were
    reordered (nine spans of a sentence each) from a copy: such a copy was estimated 50%
    derived at similarity 1.0, and 15% of them could block (2026-12-05). So when the runs
    (spans of ``RUN_TOKENS`` or more) stand in another order in the reference than in the
    candidate, which only a rearranged copy shows, they count together as the longest. Runs in
    the same order keep the plain longest span: two answers sharing a quotation and a sentence
    of facts, in order, are not a rearranged copy (counting them together let two such answers
    block)."""
    ev = s.evidence
    longest, runs = 0, []  # the most tokens a span matched (never negative), and the runs
    for sp in ev.spans:
        if sp.matched_tokens > longest:
            longest = sp.matched_tokens
        if sp.matched_tokens >= RUN_TOKENS:
            runs.append(sp)
    if len(runs) > 1:
        runs.sort(key=lambda sp: sp.candidate.start)
        if any(b.reference.start < a.reference.start for a, b in itertools.pairwise(runs)):
            longest = max(longest, sum(sp.matched_tokens for sp in runs))
    whole = max(ev.coverage, ev.containment)
    values = {
        "log_tokens": math.log(max(ev.matched_tokens, 1)),
        "similarity": ev.similarity,
        "extent": whole,
        "longest_share": longest / max(ev.matched_tokens, 1),
        "excerpt": 1.0 if ev.kind is MatchKind.EXCERPT else 0.0,
        "common_share": s.common_share,
        "crowd": math.log1p(crowd),
        "structured": 1.0 if s.structure else 0.0,
        "echo_share": s.echo_share,
    }
    return {name: round(values[name], 4) for name in FEATURES}


def probability(values: dict[str, float]) -> float:
    """Calibrated probability that the candidate derives from the reference (``features``)."""
    z = MODEL["intercept"] + sum(w * values[name] for w, name in zip(MODEL["weights"], FEATURES, strict=True))
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


COPIES_PROBABILITY = 0.5
"""The least estimated probability of derivation at which a whole copy is worded "copies": below
even odds the tool's own estimate does not support the word (an independent HTML5 boilerplate
page aligns whole with another at similarity 0.97, probability 1%, and was worded "Copies")."""


def relation(ev: Evidence, convergence: str | None = None, probability: float | None = None) -> str:
    """What the evidence shows, in words: ``copies`` only for a near-verbatim whole copy that is
    not marked as likely convergence (a whole short reference inside a common passage is not
    called a copy in the same sentence that says it is not treated as one), whose evidence is not
    short (a 29-token answer re-listing its prompt's directions read "copies output of gpt-4" in
    a finding's heading while it could not block: short texts coincide) and whose estimated
    probability of derivation, when known, is at least ``COPIES_PROBABILITY``."""
    likely = probability is None or probability >= COPIES_PROBABILITY
    whole = is_whole(ev) and not ev.short
    return "copies" if whole and convergence is None and likely else "shares aligned passages with"


def percent(p: float) -> str:
    """A probability for people: never 0% or 100%, which the model cannot know."""
    if p >= 0.995:
        return "over 99%"
    if p < 0.005:
        return "under 1%"
    return f"{p:.0%}"


def is_whole(ev: Evidence) -> bool:
    """A near-verbatim whole copy: most of either text aligned at high similarity."""
    return max(ev.coverage, ev.containment) >= WHOLE_EXTENT and ev.similarity >= WHOLE_SIMILARITY


CHAR_WHOLE = 0.95
"""A whole match at this character similarity is near-verbatim whatever its token similarity:
typos change letters inside words (copies with 2% of their letters mistyped keep 0.98 or more,
and long words lose their token), independent answers change words (in a first run of
``benchmarks/determined.py`` without this exception, 230 of the 244 matches the rule lowered
against the gpt4 index were below it)."""


def typed_whole(ev: Evidence) -> bool:
    """A whole copy with typos: most of either text aligned at ``CHAR_WHOLE`` character similarity."""
    return max(ev.coverage, ev.containment) >= WHOLE_EXTENT and ev.char_similarity >= CHAR_WHOLE


CROWD_OVERLAP = 0.5
"""A peer is part of the crowd only when its aligned candidate passage covers this share of the
match's own: a crowd is one passage matching many sources, not one turn holding copies of many
(three whole copies of three sources pasted into one answer were all "crowd", and none blocked)."""


def answers_alike(s: Signals, peers: Sequence[Signals]) -> int:
    """How many references answering the request the candidate's record holds share this
    match's passage of code about equally, this one included (0 when the rule does not apply).

    Models reproduce public code verbatim (a documentation example, a tutorial's function): in
    ``benchmarks/code.py``'s set (b), an independent answer reproducing the W3Schools modal CSS
    or the GeeksforGeeks LCS function, which eleven OpenAI answers to the same requests also
    reproduce, could block (5 of 860 answers, none a copy by the labelling rule). A passage of
    code that ``COMMON_DF`` or more answers to one request hold about equally (none leads by
    ``CROWD_LEAD``) shows what the request draws, not a copy of one of them. Code only: applied
    to prose, copies of OpenAI answers whose sibling answers (the same model with another system
    prompt) are near-identical stopped blocking (verbatim copies held as Alpaca records 0.998 →
    0.983 can block; docs/matching.md, "Answers to one request converging on one code")."""
    if not (s.same_request and s.code_passage) or s.background:
        return 0
    answers = [
        p
        for p in peers
        if p is not s
        and p.same_request
        and not p.background
        and (p.text is None or p.text != s.text)
        and shared_passage(s.evidence, p.evidence) >= CROWD_OVERLAP
    ]
    if len(answers) + 1 < COMMON_DF:
        return 0
    if all(s.evidence.matched_tokens >= CROWD_LEAD * p.evidence.matched_tokens for p in answers):
        return 0  # a copy of one answer aligns with it far more than with the others
    return len(answers) + 1


def _duplicated(s: Signals, peers: Sequence[Signals]) -> bool:
    """Whether ``COMMON_DF`` texts of its source share its passage, fewer as a crowd (``duplicates``)."""
    met: set[object] = set()
    crowd = 0  # texts holding it as closely as the matched one, and no near-copies of it
    for p in peers:
        if (
            p is not s
            and p.source == s.source
            and p.text is not None
            and p.text != s.text
            and p.text not in met
            and shared_passage(s.evidence, p.evidence) >= CROWD_OVERLAP
        ):
            met.add(p.text)
            alike = holds_alike(s.evidence, p.evidence, CROWD_LEAD)
            crowd += alike and not resembles(s.shingles, p.shingles)  # type: ignore[arg-type]
            if crowd + 1 >= COMMON_DF:
                return False
    return len(met) + 1 >= COMMON_DF


def judge(s: Signals, peers: Sequence[Signals], config: MatchConfig | None = None) -> Strength:
    """The strength of one match, given the other matches of the same candidate turn.

    With ``config`` (the scan's verification tests), a match whose evidence is explained by
    convergence (``convergence.residual``) is marked ``explained``.
    """
    ev = s.evidence
    # Background matches are no crowd: they explain a match only at least as close as it
    # (``scan.holders.background_aside``); two less similar ones lowered a verbatim copy.
    others = [
        p
        for p in peers
        if p.source != s.source
        and not p.background
        and (p.text is None or p.text != s.text)
        and shared_passage(ev, p.evidence) >= CROWD_OVERLAP
    ]
    sources = tuple(dict.fromkeys([s.source, *(p.source for p in peers)]))
    leads = all(ev.matched_tokens >= CROWD_LEAD * p.evidence.matched_tokens for p in others)
    crowd = len({p.source for p in others})
    # Near-duplicates of the matched text in its own source (a ShareGPT dump holds many copies
    # of a popular answer) make its anchors "common" without any independent author: a verbatim
    # copy of such an answer was common-passage and never blocked.
    duplicated = not others and _duplicated(s, peers)
    answered = answers_alike(s, peers)
    convergence: str | None = None
    # A request turn under the reference's own request is that request: its words are the prompt's.
    own = own_copied(s.own_share, s.echo_share, ev) and not (s.prompt_turn and s.same_request)
    if s.echo_share >= ECHO_SHARE and not own:
        convergence = "prompt"
    elif s.common_share >= COMMON_SHARE and (not duplicated or s.set_aside):
        convergence = "common-passage"
    elif s.attributed is not None and s.attributed_share >= COMMON_SHARE and config is None:
        # With the verification tests, the residual below decides: text of another author
        # (a quotation, a notice, background text) explains only what it covers, and a copy of
        # the reference's own words beside it that verifies alone must not be lowered by the
        # quotation copied with it (it was: copying more made a blocking copy a review).
        convergence = s.attributed
    elif (crowd >= 2 and not leads) or answered:
        convergence = "crowd"
    elif s.structure == "formula":
        # Whole or not: a whole standard formula is what independent answers write alike.
        convergence = s.structure
    elif s.structure is not None and not is_whole(ev):
        convergence = s.structure
    elif s.renamed:
        # Never blocks on its own: on names-abstracted code, a textbook function written
        # twice independently and a renamed copy look the same (docs/matching.md).
        convergence = "code"
    elif s.grid:
        # Never blocks on its own: a puzzle has one solution, so every correct answer to the
        # same Sudoku is the same grid, copied or not (independent random grids never match).
        convergence = "grid"
    elif s.determined and not (is_whole(ev) or verbatim_run(s) or typed_whole(ev)):
        # Review, not block: the request leaves little to write (docs/matching.md, "Answers the
        # request determines"); a near-verbatim copy keeps the stricter reading.
        convergence = "request"
    left = None
    textbook = False
    if config is not None:
        # Text the matched reference's own source repeats has no independent author: only
        # text other sources hold is set aside (``foreign_share``, looked up by the matcher
        # where it matters; else the text share, less same-source duplicates).
        text_share = 0.0 if duplicated and not s.set_aside else s.common_share
        common = text_share if s.foreign_share is None else s.foreign_share
        # A part of the reference's code matching only with names abstracted, on a passage other
        # reference texts hold too, is a textbook function: names abstracted, texts of one source
        # that share it need not be copies of one answer, but different answers written alike
        # (a C++ Fibonacci table matched a GPTeacher answer to another request, which two other
        # GPTeacher answers share), so they count, duplicates included. A renamed copy takes the
        # reference's whole code (``code_whole``) and keeps the stricter own-source reading.
        # Measured: docs/matching.md, "Textbook functions answering other requests".
        textbook = s.renamed and not s.code_whole and s.common_share > common
        if textbook:
            common = s.common_share
        echo = s.echo_share if s.prompt_turn and not own else 0.0
        # Standard boilerplate (a licence notice, Lorem ipsum) is set aside like common text.
        third = s.attributed_share if s.attributed is not None else 0.0
        located = s.attributed_spans if third > 0 and len(s.attributed_spans) == len(ev.spans) else ()
        left = residual(
            ev, common if located else max(common, third), echo, config, s.renamed, located, s.own_share * own
        )
        if left.passes:
            left = None
        else:
            # The class names what explains the evidence (the larger share set aside).
            largest = max(echo, common, third)
            convergence = (
                "prompt" if echo == largest else s.attributed if third == largest else "common-passage"
            )
    # Code in an answer to the same request: a partial match already marked as convergence
    # (a textbook idiom, a passage other answers share) is explained by the shared request. Not
    # a whole near-verbatim copy, nor one taking the reference's whole code with names aside (a
    # renamed copy does; an answer writing the same textbook function takes a part of it). Code
    # only: applied to prose, it lost 9% of the 20%-edited copies held as Alpaca records.
    # Measured: docs/matching.md, "Code in answers to the same request".
    code = s.code and (s.code_passage or convergence not in PROSE_STRUCTURES)
    asked = (
        left is None and s.same_request and code and convergence not in (None, "request") and not is_whole(ev)
    )
    taken = asked and not s.code_whole and verbatim_run(s)
    same = asked and not s.code_whole and not taken
    # A grid under the same request whose reference repeats the request's givens: the request
    # poses the puzzle, and a puzzle has one solution, so the grid shows no copying. A grid the
    # request does not hold ("design a Sudoku") is the model's own and stays verified, as does
    # any grid without the shared request (the stricter reading). Grids never block on their own
    # (``grid`` class); this only keeps them out of the verified count.
    solved = left is None and s.same_request and s.grid and s.echo_share >= GIVENS_SHARE
    values = features(s, 0 if leads else crowd)
    p = probability(values)
    numbers = verified = (
        f"{round(100 * ev.similarity)}% similarity over {ev.matched_tokens} aligned tokens, "
        f"{round(100 * ev.coverage)}% of the candidate and {round(100 * ev.containment)}% of the reference"
    )
    renamed = " with identifiers renamed" if s.renamed else ""
    verified = f"{relation(ev, convergence, p).capitalize()} the reference{renamed}: {verified}"
    if left is not None and convergence in ATTRIBUTED:
        reason = (
            f"{verified}; likely convergence, not treated as a copy, and not a verified match: "
            f"once the {ATTRIBUTED[convergence]} both texts reproduce is set aside "
            f"({round(100 * left.discount)}% of the aligned text), {left.tokens} aligned tokens are "
            "left, which fail the tests that verify a match"
        )
        if (
            convergence == "background"
            and ev.containment >= WHOLE_EXTENT
            and ev.similarity >= WHOLE_SIMILARITY
        ):
            # The user's declaration stands (the background is theirs to choose), but what it
            # implies is said: an independent text does not hold a whole reference.
            reason += (
                "; background text holds the whole reference near-verbatim, which an independent "
                "text does not: the background is not independent (it holds copies of reference "
                "material and explains them away) or the reference is not restricted material; "
                "check the background source"
            )
    elif left is not None:
        held = (
            f"the code that {COMMON_DF - 1}+ other reference texts also hold, names abstracted "
            "(the candidate takes a part of the reference's code, not the whole of it as a renamed "
            "copy does),"
            if textbook
            else f"the text that texts of {FOREIGN_SOURCES}+ other sources hold"
        )
        aside = [held] if common > 0 else []
        if echo > 0:
            aside.append("the text the reference repeats from its request, which the candidate asks too,")
        aside = aside or ["the shared text"]
        reason = (
            f"{verified}; likely convergence, not treated as a copy, and not a verified match: "
            f"once {' and '.join(aside)} {'is' if len(aside) == 1 else 'are'} set aside "
            f"({round(100 * left.discount)}% of the aligned text), {left.tokens} "
            "aligned tokens are left, which fail the tests that verify a match"
        )
    elif convergence is not None:
        why = RENAMED_WHY if s.renamed and convergence == "code" else ""
        if convergence == "crowd" and answered and not (crowd >= 2 and not leads):
            why = ANSWERS_WHY.format(n=answered)
        how = {
            "translation": "a translation of the text it gives",
            "calculation": "the arithmetic of its numbers",
        }
        why = why or WHY[convergence].format(df=COMMON_DF - 1, n=crowd + 1, how=how.get(s.determined or ""))
        if same:
            reason = (
                f"{verified}; likely convergence, not treated as a copy, and not a verified match: "
                "the candidate's record holds the request the reference answers, and independent "
                f"answers to one request converge: {why}"
            )
        elif solved:
            reason = (
                f"{verified}; likely convergence, not treated as a copy, and not a verified match: "
                "the candidate's record holds the request the reference answers, which poses a "
                "puzzle, and every correct solution of one puzzle is the same grid"
            )
        else:
            reason = f"{verified}; likely convergence, not treated as a copy: {why}"
            if taken:
                # Said, so that a reader who sees the shared request knows why it explains nothing.
                reason += (
                    "; the candidate's record holds the request the reference answers, which does not "
                    f"explain a passage of {VERBATIM_RUN} or more tokens of the reference taken "
                    "near-verbatim, so the match stays verified"
                )
    elif ev.short:
        reason = f"{verified}; short evidence: below the blocking floor"
    elif p < BLOCK_PROBABILITY:
        reason = (
            f"{verified}; estimated probability of derivation {percent(p)}, below {BLOCK_PROBABILITY:.0%}"
        )
    else:
        reason = f"{verified}; estimated probability of derivation {percent(p)}"
    if s.prompt_turn and s.plain_reference and left is None:
        reason += PLAIN_REQUEST  # judged as a copy, and says why (counsel 19)
    if own and s.echo_share >= ECHO_SHARE:  # said: the reader sees most of it repeat the prompt
        reason += OWN_COPIED.format(echo=round(100 * s.echo_share), own=round(100 * s.own_share))
    if convergence == "prompt":  # said: how much of the reference's own words it repeats (counsel 21)
        reason += reasons.own_left(s, ev)
    if s.background:
        # Not reference material: listed (nothing found is hidden), never verified or blocking.
        return Strength(
            probability=round(p, 4),
            convergence="background",
            reason=(
                f"Shares aligned passages with this background text{renamed}: {numbers}; not "
                "reference material: its source is indexed as background "
                "(independent text), so this match is never a finding; a passage the candidate's "
                "other matches share with it is set aside as convergence"
            ),
            sources=sources,
            can_block=False,
            features=values,
            explained=True,
        )
    return Strength(
        probability=round(p, 4),
        convergence=convergence,
        reason=reason,
        sources=sources,
        can_block=convergence is None and not ev.short and p >= BLOCK_PROBABILITY,
        features=values,
        explained=left is not None or same or solved,
    )
