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


# --- Held-out kinds (added 2026-12-05): laundering a user might try, measured but never tuned
# on by the benchmarks' parameter searches. Each keeps every word of the reference.

_SPACE_STANDINS = ("\u200b", "\u200c", "\u2060", "\u00ad", "\u00a0", "\u202f", "\u3000")
"""Zero-width space, zero-width non-joiner, word joiner, soft hyphen, no-break space, narrow
no-break space, ideographic space."""


def invisible_spaces(text: str, rng: random.Random, rate: float = 0.5) -> str:
    """``rate`` of the spaces replaced by an invisible or space-like character (glues words
    together for a tokenizer that drops invisible characters)."""
    return "".join(rng.choice(_SPACE_STANDINS) if c == " " and rng.random() < rate else c for c in text)


_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_MORE_LOOKALIKE = {
    **dict(zip("acdehijlopqswxyBEHKMT", "асԁеһіјӏорԛѕԝхуВЕНКМТ", strict=True)),
    **{k: v for k, v in zip("aiopABEHIKMNOPTXYZ", "αιορΑΒΕΗΙΚΜΝΟΡΤΧΥΖ", strict=True) if k.isupper()},
}
"""Cyrillic letters drawn like Latin ones, and Greek capitals (Greek small letters beside
Cyrillic ones would only replace them)."""


def wide_homoglyphs(text: str, rng: random.Random, rate: float = 0.5) -> str:
    """``rate`` of the letters replaced by a fullwidth Latin form or a Cyrillic lookalike
    (capitals included), chosen per letter."""
    out = []
    for c in text:
        if rng.random() < rate:
            c = _MORE_LOOKALIKE.get(c, c) if rng.random() < 0.5 else _FULLWIDTH.get(c, c)
        out.append(c)
    return "".join(out)


# Held-out kinds added 2026-12-06 (tokenizer 6): letters of scripts other than Cyrillic and
# Greek drawn like Latin ones (the letters an adversarial pass used), and stacked marks.
_SCRIPT_LOOKALIKE = {
    **{c: v for k, v in zip("ABCDEHJKLMPSTW", "ᎪᏴᏟᎠᎬᎻᎫᏦᏞᎷᏢᏚᎢᏔ", strict=True) for c in (k, k.lower())},
    **dict(zip("nghuo", "ոցհսօ", strict=True)),
}
"""Cherokee letters (for a Latin capital or small letter) and Armenian small letters."""
_STACKED = [*map(chr, range(0x0300, 0x0370)), "\u0489", "\u20dd", "\u20de", "\u20df", "\u20e0"]
"""Combining marks "Zalgo" generators stack: diacritics and enclosing marks."""


def script_homoglyphs(text: str, rng: random.Random, rate: float = 0.5) -> str:
    """``rate`` of the letters that have a Cherokee or Armenian lookalike replaced by it."""
    table = _SCRIPT_LOOKALIKE
    return "".join(table[c] if c in table and rng.random() < rate else c for c in text)


def stacked_marks(text: str, rng: random.Random, rate: float = 0.5) -> str:
    """``rate`` of the letters followed by one to four combining marks (Zalgo text)."""
    out = []
    for c in text:
        out.append(c)
        if c.isalpha() and rng.random() < rate:
            out.extend(rng.choice(_STACKED) for _ in range(rng.randint(1, 4)))
    return "".join(out)


def html_escaped(text: str) -> str:
    """HTML-escaped, quotes as numeric entities (``&#39;``, ``&quot;``), as a scraped copy."""
    import html

    return html.escape(text, quote=True).replace("&#x27;", "&#39;").replace("\n", "<br>\n")


def bullets_changed(text: str, rng: random.Random) -> str:
    """List markers rewritten: ``-``/``*``/``1.`` markers to another style, emphasis flipped."""
    style = rng.randrange(3)
    out = []
    n = 0
    for line in text.split("\n"):
        m = re.match(r"^(\s*)(?:[-*+•]|\d+[.)])\s+(.*)$", line)
        if m:
            n += 1
            marker = ("*", "-", f"{n}.")[style]
            line = f"{m.group(1)}{marker} {m.group(2)}"
        else:
            n = 0
        out.append(line)
    body = "\n".join(out)
    if "**" in body:
        return body.replace("**", "")
    return re.sub(r"(?m)^(\s*(?:[-*]|\d+\.)\s+)([^:\n]{3,40}):", r"\1**\2**:", body)


def hard_wrapped(text: str, width: int = 40) -> str:
    """Every paragraph hard-wrapped at ``width`` columns (line breaks inside sentences)."""
    import textwrap

    return "\n".join(
        textwrap.fill(line, width, break_on_hyphens=False) if line.strip() else line
        for line in text.split("\n")
    )


def smart_quotes(text: str) -> str:
    """Straight quotes made typographic, and typographic ones straight (both directions)."""
    if "\u2019" in text or "\u201c" in text:
        return (
            text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
        )
    out = re.sub(r'"(\S[^"]*?)"', "\u201c\\1\u201d", text)
    return out.replace("'", "\u2019")


def reversed_sentences(text: str) -> str | None:
    """The sentences in reverse order (needs at least four)."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    if len(sentences) < 4:
        return None
    return " ".join(reversed(sentences))


def split_halves(text: str) -> tuple[str, str]:
    """The text cut in two at a sentence or line boundary near the middle (for two turns)."""
    mid = len(text) // 2
    cut = max(text.rfind(". ", 0, mid), text.rfind("\n", 0, mid))
    cut = cut + 1 if cut > len(text) // 4 else mid
    return text[:cut].strip(), text[cut:].strip()


def json_embedded(text: str, rng: random.Random) -> str:
    """The text as a JSON string value inside another JSON document, that whole document kept
    as one string (escaped newlines and quotes: ``\\n``, ``\\"``, ``\\u2019``)."""
    import json

    doc = {"id": rng.randrange(10**6), "meta": {"lang": "en"}, "response": text}
    return json.dumps(doc, ensure_ascii=rng.random() < 0.5)


def comment_every(code: str, rng: random.Random, every: int = 3) -> str:
    """A comment line inserted after every ``every`` lines of code, in the code's own comment
    syntax (``#`` for Python-like code, ``//`` otherwise), indented like the line above."""
    hash_style = "def " in code or "import " in code or ("print(" in code and ";" not in code)
    marker = "#" if hash_style else "//"
    notes = ("step", "note", "update value", "check this", "helper", "keep going", "see above")
    out = []
    for i, line in enumerate(code.split("\n"), 1):
        out.append(line)
        if i % every == 0 and line.strip():
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}{marker} {rng.choice(notes)}")
    return "\n".join(out)
