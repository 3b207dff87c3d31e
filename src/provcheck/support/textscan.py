"""Substring searches over a text, each stopping as early as its answer allows: ``str.find``
of one character runs at ``memchr`` speed, and a longer needle or a regular expression over
the whole text costs several times as much (the code prefilter runs these on every
multi-line text of an index build, ``matching.code``)."""

from __future__ import annotations

import re
from collections.abc import Iterator


def has_lines(text: str, lines: int) -> bool:
    """``text.count("\\n") + 1 >= lines``, from the first newlines only: ``str.find`` of one
    character runs at ``memchr`` speed and stops early, ``str.count`` walks the whole text
    (a tenth of the prefilter on prose)."""
    at = -1
    for _ in range(lines - 1):
        at = text.find("\n", at + 1)
        if at < 0:
            return False
    return True


def holds_any(text: str, needles: tuple[str, ...]) -> bool:
    """``any(n in text for n in needles)``, a longer needle gated by its first character
    (``++`` and ``--`` are searched only in texts holding ``+`` or ``-``)."""
    for needle in needles:  # noqa: SIM110 - a loop, not a generator: once per form and text
        if (len(needle) == 1 or needle[0] in text) and needle in text:
            return True
    return False


def positions(text: str, chars: str) -> Iterator[int]:
    """Where any of ``chars`` occurs in ``text``, in order: a ``str.find`` per character and
    hit (a regular expression's character class scanned prose at a quarter of the speed)."""
    heads = {c: text.find(c) for c in chars}
    heads = {c: at for c, at in heads.items() if at >= 0}
    while heads:
        c = min(heads, key=heads.__getitem__)
        at = heads[c]
        yield at
        nxt = text.find(c, at + 1)
        if nxt < 0:
            del heads[c]
        else:
            heads[c] = nxt


def count_on_lines(form: re.Pattern[str], needs: str, padded: str, limit: int) -> int:
    """``min(limit, len(form.finditer(padded)))`` for a form whose match must hold ``needs``
    on the line it starts on: only those lines are tried. A form that runs ``.*`` to the end
    of every line and backtracks (``.*[;{}]$``) cost most of the prefilter on lines without
    the character; a match starts at the newline before its line, as the scan would find it,
    and the next is looked for past its end, as ``finditer`` does."""
    count = 0
    end = 0  # where the scan would resume
    tried = -1  # the last line start tried
    for hit in positions(padded, needs):
        start = padded.rfind("\n", 0, hit)
        if start < end or start == tried:
            continue
        tried = start
        found = form.match(padded, start)
        if found is not None:
            count += 1
            if count >= limit:
                break
            end = found.end()
    return count
