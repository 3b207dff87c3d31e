"""Why a convergent match is not a copy, in words: one sentence per convergence class.

Kept apart from ``strength`` (which decides the class) so that the rules and the wording each
stay readable; ``report/meaning.py`` finds these sentences in a match's reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provcheck.matching.convergence import (
    OWN_EVIDENCE,
    OWN_SHARE,
    OWN_TOKENS,
    WHOLE_SHARE,
    own_copied,
    own_repeated,
)
from provcheck.model import Evidence

if TYPE_CHECKING:  # for annotations only: ``strength`` imports this module
    from provcheck.matching.strength import Signals

WHY = {
    "common-passage": "most of the shared passage also occurs in {df}+ other reference texts, so it "
    "shows no copying of this one",
    "crowd": "the same passage matches references of {n} sources about equally, as independent "
    "answers to one request do",
    "prompt": "most of the shared passage repeats the reference's own prompt: answers quoting the "
    "same request share it",
    "list": "the shared passage is a list, of a kind independent answers to the same request share",
    "code": "the shared passage is code of a kind independent solutions share (a textbook idiom)",
    "template": "the shared passage is a template (placeholders, letter form) that independent answers share",
    "recipe": "the shared passage is an ingredient list that independent recipes share",
    "citation": "the shared passage is a citation that independent answers share",
    "grid": "the texts are grids of a few symbols (a solved puzzle, a board), and every correct "
    "solution of one puzzle is the same grid (a reviewer decides whether it was copied)",
    "request": "the candidate's record holds the request the reference answers, and that request "
    "determines the shared text ({how}): independent answers converge on it (a near-verbatim copy "
    "would still block; a reviewer decides whether it was copied)",
    "formula": "the shared passage is mathematical notation, and a standard formula has one usual "
    "way of being written, so independent answers write it identically (a reviewer decides "
    "whether it was copied)",
}
ATTRIBUTED = {
    "boilerplate": "standard boilerplate (licence notice, placeholder text)",
    "background": "text of a background source (indexed as independent of every reference)",
    "public-domain": "famous public-domain text",
}
WHY["public-domain"] = (
    "most of the shared passage is a famous public-domain text (the Gettysburg Address, a "
    "Shakespeare sonnet...) that answers quote verbatim whoever wrote them"
)
WHY["background"] = (
    "most of the shared passage also occurs in the text of a background source, indexed as "
    "independent of every reference, so it shows no copying of this one"
)
WHY["boilerplate"] = (
    "most of the shared passage is standard boilerplate (a licence notice, the Lorem ipsum "
    "placeholder) that files carry verbatim whoever wrote them"
)
ANSWERS_WHY = (
    "the same code matches {n} references answering the request the candidate's record holds "
    "about equally: answers to one request converge on code models reproduce verbatim (a "
    "documentation example, a textbook function), so it shows no copying of one of them"
)
RENAMED_WHY = (
    "the code matches only with identifiers renamed, and independent solutions of one task "
    "look alike once names are set aside (a reviewer decides whether it was copied)"
)
OWN_COPIED = (
    "; {echo}% of the reference's aligned text repeats its own prompt, but the candidate also "
    "repeats {own}% of the words the reference wrote beyond it (what it changed or added), as a "
    "copy does: the prompt does not explain the match"
)
"""Said of a match most of whose reference side repeats its prompt, when the reference's own
words are copied too (``convergence.own_copied``): not ``prompt`` convergence."""
PLAIN_REQUEST = (
    "; the candidate turn is a request, and the reference was indexed as plain text, with no "
    "request of its own: whether the shared text is a prompt that both hold cannot be checked, so "
    "none of it is set aside as one (the stricter reading)"
)
"""Said of a request turn matching a plain-text reference (counsel 19): judged as a copy."""
OWN_LEFT = (
    "; the candidate repeats {own}% of the words the reference wrote beyond its prompt (what it "
    "changed or added), where a copy repeats {share}% or more of them, at least {tokens} words, and "
    "either {evidence} words or the whole of both texts ({whole}% of each) (matching/convergence.py "
    "own_copied){verdict}"
)
"""Said of a ``prompt`` match whose reference's own words were compared (``Signals.own_read``):
how much of them the candidate repeats and the test, so that an answer written apart for the
same request and a copy, which repeats them all, do not read alike (counsel 21: both read "most
of the shared passage repeats the reference's own prompt"). ``verdict`` is one of ``OWN_VERDICT``."""
OWN_VERDICT = {
    "few": ": it repeats fewer, so the prompt explains the match",
    "tokens": ", but that is about {n} word(s), fewer than {tokens}: too few to tell a copy, so the "
    "prompt explains the match",
    "evidence": ", but that is about {n} words, fewer than {evidence}, in a match covering less than "
    "{whole}% of both texts: answers quoting the same passages of a long prompt repeat as much of "
    "the few words the reference put around them, so the prompt explains the match",
    "request": ", but the candidate turn is a request under the reference's own request, whose "
    "words are that request's, so the prompt explains the match",
}
OWN_UNREAD = (
    "; the words the reference wrote beyond its prompt were not compared with the candidate "
    "({why}), so the prompt explains the match"
)
"""Said of a ``prompt`` match whose reference's own words were not compared."""
OWN_UNREAD_WHY = {
    "renamed": "the match holds only with identifiers abstracted",
    "pack": "the reference is in a fingerprint pack, its text withheld",
    "none": "the reference wrote no words of its own inside the match",
}


def own_left(s: Signals, ev: Evidence) -> str:
    """Why the prompt explains a ``prompt`` match, in words: how much of the words the reference
    wrote beyond its prompt the candidate repeats (``Signals.own_share``, when
    ``Signals.own_read``) and the test it fails (``convergence.own_copied``), or why they were
    not compared, so that the reason of an independent answer to the same request does not
    read as a copy's (outside counsel 21)."""
    if not s.own_read:
        why = "renamed" if s.renamed else "pack" if s.withheld else "none"
        return OWN_UNREAD.format(why=OWN_UNREAD_WHY[why])
    own_share, echo_share = s.own_share, s.echo_share
    n = own_repeated(own_share, echo_share, ev)
    whole = round(100 * WHOLE_SHARE)
    if own_share < OWN_SHARE:
        verdict = OWN_VERDICT["few"]
    elif n < OWN_TOKENS:
        verdict = OWN_VERDICT["tokens"].format(n=round(n), tokens=OWN_TOKENS)
    elif not own_copied(own_share, echo_share, ev):
        verdict = OWN_VERDICT["evidence"].format(n=round(n), evidence=OWN_EVIDENCE, whole=whole)
    else:
        verdict = OWN_VERDICT["request"]  # copied, but a request turn under the same request
    # Truncated, not rounded: a share just below the test must not read as the test's figure.
    return OWN_LEFT.format(
        own=int(100 * own_share),
        share=round(100 * OWN_SHARE),
        tokens=OWN_TOKENS,
        evidence=OWN_EVIDENCE,
        whole=whole,
        verdict=verdict,
    )
