"""Why a convergent match is not a copy, in words: one sentence per convergence class.

Kept apart from ``strength`` (which decides the class) so that the rules and the wording each
stay readable; ``report/meaning.py`` finds these sentences in a match's reason.
"""

from __future__ import annotations

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
