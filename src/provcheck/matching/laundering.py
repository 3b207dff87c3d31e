"""Undoing cheap laundering before tokenization: invisible characters standing for spaces and
JSON string escapes. Pure functions; every one keeps the text's length (what it blanks becomes
spaces), so token offsets stay character offsets of the text.

Invisible format characters (zero-width space, zero-width non-joiner, word joiner, soft hyphen,
direction marks) fold to nothing in ``normalize``: inserted *inside* words, they would
otherwise cut every word they sit in. Used *instead of* spaces they glue words together
(``the\\u200bcat`` reads as ``thecat``) and a copy with half its spaces so replaced was found
at 0.63 recall, 0.09 blockable (held-out kind ``invisible-spaces-50%``, 2026-12-05). The two
uses look alike character by character, so each invisible character between two Latin letters
is judged by the words it separates: it stands for a space when the pieces on either side are
words the text itself uses (standing alone, between ordinary separators) or common English
words, and the glued whole is not such a word. A word cut by one such character keeps its
whole form whenever the text uses that word elsewhere; a piece of it (``exam|ple``) is rarely
a word. Other scripts (Persian and Indic text use the zero-width non-joiner inside words) are
left as they were.

A copy carried as a JSON string inside another document keeps its escapes when the document is
stored as text: ``\\n`` glues ``n`` to the next word (``\\nThe`` reads ``nthe``) and code, of
short lines, lost most of its runs (0.75 recall). In a text that reads as escaped JSON (two or
more ``\\n`` escapes, one not followed by a small letter as a LaTeX command would be), escapes
of separators (``\\n``, ``\\t``, ``\\"``, ``\\\\``, ``\\u2019``...) are blanked; an escaped
letter (``\\u00e9``) becomes that letter followed by zero-width spaces (which fold to nothing).
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
"""Format characters that render as nothing (Unicode category Cf, the ones text carries)."""
_HAS_INVISIBLE = re.compile(f"[{_INVISIBLE}]")
_LATIN = "0-9A-Za-z\u00c0-\u024f"
# A run of Latin letters and digits with invisible characters inside it (at least one).
_GLUED = re.compile(f"[{_LATIN}]+(?:[{_INVISIBLE}]+[{_LATIN}]+)+")
_INVISIBLE_RUN = re.compile(f"[{_INVISIBLE}]+")

COMMON_WORDS = frozenset(
    """
    a about after all also an and any are as at be because been before being between both but by
    can could do does each even first for from had has have he her his how i if in into is it its
    just like make many may more most much must new no not now of on one only or other our out over
    same she should so some such than that the their them then there these they this those through
    time to two up us use used very was we well were what when where which while who why will with
    would you your
    """.split()
)
"""The most frequent English words: the words on either side of an invisible character are
judged by the text's own words and these (a text whose every space was replaced has no word
standing alone)."""


def _standalone(text: str) -> list[str]:
    """Words with no invisible character inside or beside them."""
    out = []
    for m in re.finditer(r"[^\W_]+", text):
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if not _HAS_INVISIBLE.match(before) and not _HAS_INVISIBLE.match(after):
            out.append(m.group())
    return out


def unglue(text: str) -> str:
    """``text`` with each invisible character that stands for a space (between two Latin
    words, see the module's docstring) made a space; same length."""
    if text.isascii() or _HAS_INVISIBLE.search(text) is None:
        return text
    glued = list(_GLUED.finditer(text))
    if not glued:
        return text
    known = frozenset(w.casefold() for w in _standalone(text)) | COMMON_WORDS
    chars = list(text)
    for m in glued:
        run = m.group()
        pieces = [(p.start(), p.end()) for p in re.finditer(f"[{_LATIN}]+", run)]
        for (a0, a1), (b0, b1) in zip(pieces, pieces[1:], strict=False):
            left, right = run[a0:a1].casefold(), run[b0:b1].casefold()
            if left + right in known or (left not in known and right not in known):
                continue
            for k in range(a1, b0):
                chars[m.start() + k] = " "
    return "".join(chars)


_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))')
_NEWLINE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\n(?![a-z])")


def _blank_escape(m: re.Match[str]) -> str:
    code = m.group(1)
    if code is not None:
        char = chr(int(code, 16))
        if unicodedata.normalize("NFKC", char).isalnum():
            # The letter itself, then zero-width spaces (which fold to nothing) to keep the
            # length: ``caf\u00e9`` is the word ``café``, its offsets those of the escape.
            return char + "\u200b" * 5
    return " " * (m.end() - m.start())


def unescape_json(text: str) -> str:
    """``text`` with JSON escapes of separators blanked when it reads as an escaped JSON
    string (see the module's docstring); same length."""
    if "\\n" not in text or text.count("\\n") < 2 or _NEWLINE_ESCAPE.search(text) is None:
        return text
    return _ESCAPE.sub(_blank_escape, text)
