"""Seeded edits that turn a reference text into the copies a dataset might hold."""

from __future__ import annotations

import random
import re

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def reformat(text: str, rng: random.Random) -> str:
    """Whitespace, case, markdown and quotes changed; every word kept."""
    out = text
    if "**" in out or "#" in out or "`" in out:
        out = out.replace("**", "").replace("`", "").replace("#", "")
    else:
        words = out.split(" ")
        for i in rng.sample(range(len(words)), k=min(3, len(words))):
            words[i] = f"**{words[i]}**"
        out = " ".join(words)
    out = out.replace('"', "\u201c") if rng.random() < 0.5 else out.replace("\u2019", "'")
    out = re.sub(r"\n+", "\n\n", out) if rng.random() < 0.5 else re.sub(r"\s+", " ", out)
    choice = rng.random()
    if choice < 0.3:
        out = out.upper()
    elif choice < 0.6:
        out = out.lower()
    return out


def typos(text: str, rng: random.Random, rate: float = 0.02) -> str:
    """About ``rate`` of the letters deleted, doubled, replaced or swapped."""
    chars = list(text)
    out: list[str] = []
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch.isalpha() and rng.random() < rate:
            kind = rng.randrange(4)
            if kind == 0:
                pass
            elif kind == 1:
                out.extend([ch, ch])
            elif kind == 2:
                out.append(rng.choice(_LETTERS))
            elif i + 1 < len(chars):
                out.extend([chars[i + 1], ch])
                i += 1
            else:
                out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def word_edits(text: str, rng: random.Random, rate: float, vocab: list[str]) -> str:
    """``rate`` of the words substituted, deleted, or followed by an inserted word."""
    out: list[str] = []
    for word in text.split(" "):
        if rng.random() < rate:
            kind = rng.randrange(3)
            if kind == 0:
                out.append(rng.choice(vocab))
            elif kind == 2:
                out.extend([word, rng.choice(vocab)])
        else:
            out.append(word)
    return " ".join(out)


def drop_sentences(text: str, rng: random.Random, share: float = 0.25) -> str | None:
    """``share`` of the sentences removed (None when there are fewer than 4)."""
    sentences = _SENTENCE.split(text)
    if len(sentences) < 4:
        return None
    drop = set(rng.sample(range(len(sentences)), k=max(1, round(len(sentences) * share))))
    return " ".join(s for i, s in enumerate(sentences) if i not in drop)


def first_half(text: str) -> str:
    """The first half of the words."""
    words = text.split(" ")
    return " ".join(words[: len(words) // 2])


def excerpt(text: str, rng: random.Random, filler: str, words: int = 60) -> str | None:
    """``words`` consecutive words of ``text`` inside unrelated ``filler`` text."""
    ws = text.split()
    if len(ws) < 2 * words:
        return None
    start = rng.randrange(0, len(ws) - words + 1)
    fill = filler.split()
    at = rng.randrange(len(fill) // 4, 3 * len(fill) // 4 + 1)
    return " ".join([*fill[:at], *ws[start : start + words], *fill[at:]])


def delete_chars(text: str, rng: random.Random, rate: float = 0.05) -> str:
    """``rate`` of the characters deleted (the CJK case)."""
    return "".join(ch for ch in text if rng.random() >= rate)


def shuffle_sentences(text: str, rng: random.Random) -> str | None:
    """The sentences in a random order (needs at least four)."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    if len(sentences) < 4:
        return None
    rng.shuffle(sentences)
    return " ".join(sentences)


_INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u00ad", "\u2060")


def invisible_chars(text: str, rng: random.Random, rate: float = 0.3) -> str:
    """A zero-width character or soft hyphen inside ``rate`` of the words (defeats exact matching)."""
    words = text.split(" ")
    return " ".join(
        w[: len(w) // 2] + rng.choice(_INVISIBLE) + w[len(w) // 2 :]
        if len(w) > 3 and rng.random() < rate
        else w
        for w in words
    )


_LOOKALIKE = dict(zip("aceopxyiAO", "асеорхуіΑΟ", strict=True))
"""Latin letters and a Cyrillic or Greek letter drawn the same."""


def homoglyphs(text: str, rng: random.Random, rate: float = 0.5) -> str:
    """``rate`` of the letters that have a lookalike in another script replaced by it."""
    return "".join(_LOOKALIKE[c] if c in _LOOKALIKE and rng.random() < rate else c for c in text)
