"""Held-out laundering edits and hard negatives for ``heldout.py``, written for it (no text of
the shared corpora is stored here: references and filler prose are drawn from them at run time).

Every edit is a function ``(text, rng) -> str | None`` (None: the edit does not apply to that
text, which is then not sampled for it). Nothing here was used to choose a parameter.
"""

from __future__ import annotations

import random
import re

# --- code ---------------------------------------------------------------------------------

_SHORT_NOTES = ("step", "note", "update value", "check this", "helper", "keep going", "see above")
_LONG_NOTES = (
    "at this point we make sure that the value is still valid before we continue with the rest",
    "this part was added so that the function keeps working when the input is empty or missing",
    "we go through every element here and keep track of the result for the next iteration",
    "the following lines handle the main logic and should not be changed without running the tests",
    "remember that the order of these operations matters because later steps depend on them",
    "this is where the actual work happens, everything above only prepares the data for it",
    "keep the variable names short here so that the code stays readable for new contributors",
    "if anything goes wrong in this block the caller will see the error message right away",
)


def _comment_marker(code: str) -> str:
    hash_style = "def " in code or "import " in code or ("print(" in code and ";" not in code)
    return "#" if hash_style or code.lstrip().startswith("#!") else "//"


def _commented(code: str, rng: random.Random, notes: tuple[str, ...], every: tuple[int, ...]) -> str | None:
    lines = code.split("\n")
    if sum(1 for line in lines if line.strip()) < 6:
        return None
    marker = _comment_marker(code)
    step = rng.choice(every)
    out = []
    for i, line in enumerate(lines, 1):
        out.append(line)
        if i % step == 0 and line.strip():
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}{marker} {rng.choice(notes)}")
    return "\n".join(out)


def comments_short(code: str, rng: random.Random) -> str | None:
    """A short comment line (1-2 words) after every 3 lines, in the code's comment syntax."""
    return _commented(code, rng, _SHORT_NOTES, (3,))


def comments_long(code: str, rng: random.Random) -> str | None:
    """A comment line longer than the code lines between them (15-17 words) after every 2 or
    3 lines: a copier "documenting" someone else's code."""
    return _commented(code, rng, _LONG_NOTES, (2, 3))


_QUOTED = re.compile(r"'([^'\"\n\\]*)'|\"([^'\"\n\\]*)\"")


def formatted(code: str, rng: random.Random) -> str | None:
    """As a formatter leaves it: string quotes swapped (' <-> "), spaces around ``=`` and after
    ``,`` normalized, and a call over 50 characters exploded one argument a line with a trailing
    comma (black's "magic trailing comma" layout)."""
    if _comment_marker(code) != "#" and "(" not in code:
        return None
    out = _QUOTED.sub(lambda m: f'"{m.group(1)}"' if m.group(1) is not None else f"'{m.group(2)}'", code)
    out = re.sub(r"(?<=\w)=(?=[\w\"'\[(])", " = ", out)
    out = re.sub(r",(?=\S)", ", ", out)
    lines = []
    for line in out.split("\n"):
        m = re.match(r"^(\s*)(.*\w)\((.*)\)(:?)$", line)
        if m and len(line) > 50 and m.group(3).count(",") >= 1 and "(" not in m.group(3):
            indent, head, args, colon = m.groups()
            lines.append(f"{indent}{head}(")
            lines += [f"{indent}    {a.strip()}," for a in args.split(",") if a.strip()]
            lines.append(f"{indent}){colon}")
        else:
            lines.append(line)
    result = "\n".join(lines)
    return result if result != code else None


PREFACE = (
    "Before getting to the implementation, a few words about how I approached this problem and "
    "why the solution below looks the way it does. I started by writing down the inputs and the "
    "outputs I expected, then worked through a couple of small cases by hand on paper to make sure "
    "I understood the edge cases. After that I sketched the structure of the program and only then "
    "filled in the details. I tried to keep every part small enough that it can be read on its own, "
    "and I avoided clever tricks that would make the code harder to maintain later. If you are new "
    "to this kind of task, I recommend reading the whole thing once from top to bottom before "
    "running it, and then changing one thing at a time to see what happens. Testing with a few "
    "different inputs is the quickest way to build confidence that it behaves correctly. With that "
    "said, here is the version I ended up with after a few rounds of cleaning it up and checking it "
    "against the examples I had prepared earlier in the afternoon."
)
POSTSCRIPT = (
    "That is all there is to it. Feel free to adapt the names and the structure to the conventions "
    "of your own project, and let me know if something is unclear or does not work as described."
)


def long_preface(text: str, rng: random.Random) -> str:
    """The copy after a long new preface (~180 words) and before a closing paragraph."""
    return f"{PREFACE}\n\n{text}\n\n{POSTSCRIPT}"


# --- prose --------------------------------------------------------------------------------

_BULLET = re.compile(r"^(\s*)[-*\u2022]\s+(.*)$")
_NUMBERED = re.compile(r"^(\s*)\d+[.)]\s+(.*)$")


def list_renumbered(text: str, rng: random.Random) -> str | None:
    """Bullet lists made numbered lists, and numbered lists made bullets (3+ items)."""
    lines = text.split("\n")
    items = sum(1 for line in lines if _BULLET.match(line) or _NUMBERED.match(line))
    if items < 3:
        return None
    out, n = [], 0
    for line in lines:
        b, m = _BULLET.match(line), _NUMBERED.match(line)
        if b:
            n += 1
            out.append(f"{b.group(1)}{n}. {b.group(2)}")
        elif m:
            out.append(f"{m.group(1)}- {m.group(2)}")
        else:
            n = 0
            out.append(line)
    return "\n".join(out)


_ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth")


def list_to_prose(text: str, rng: random.Random) -> str | None:
    """Every list (3+ items, bullets or numbers) turned into one paragraph: "First, ...
    Second, ... Finally, ...", each item's first letter lower-cased and its markup dropped."""
    lines = text.split("\n")
    if sum(1 for line in lines if _BULLET.match(line) or _NUMBERED.match(line)) < 3:
        return None
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        parts = []
        for k, item in enumerate(run):
            item = item.replace("**", "").strip()
            item = item[:1].lower() + item[1:]
            if not item.endswith((".", "!", "?")):
                item += "."
            word = "Finally" if k == len(run) - 1 and k >= 2 else _ORDINALS[min(k, len(_ORDINALS) - 1)]
            parts.append(f"{word}, {item}")
        out.append(" ".join(parts))
        run.clear()

    for line in lines:
        m = _BULLET.match(line) or _NUMBERED.match(line)
        if m:
            run.append(m.group(2))
        else:
            flush()
            out.append(line)
    flush()
    return "\n".join(out)


def markdown_to_html(text: str, rng: random.Random) -> str | None:
    """Markdown rendered as HTML: ``**x**`` -> ``<b>x</b>``, ``*x*`` -> ``<i>x</i>``, headings
    -> ``<h3>``, lists -> ``<ul>``/``<ol>`` of ``<li>``, other paragraphs -> ``<p>``."""
    if not re.search(r"\*\*|^#|^\s*[-*]\s|^\s*\d+\.\s", text, re.MULTILINE):
        return None
    body = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    body = re.sub(r"(?<![*\w])\*(\S.*?)\*(?!\*)", r"<i>\1</i>", body)
    out: list[str] = []
    open_list = ""
    for line in body.split("\n"):
        b, m = _BULLET.match(line), _NUMBERED.match(line)
        tag = "ul" if b else "ol" if m else ""
        if open_list and tag != open_list:
            out.append(f"</{open_list}>")
            open_list = ""
        if tag:
            if not open_list:
                out.append(f"<{tag}>")
                open_list = tag
            out.append(f"  <li>{(b or m).group(2)}</li>")  # type: ignore[union-attr]
        elif line.startswith("#"):
            out.append(f"<h3>{line.lstrip('#').strip()}</h3>")
        elif line.strip():
            out.append(f"<p>{line.strip()}</p>")
    if open_list:
        out.append(f"</{open_list}>")
    return "\n".join(out)


_BRITISH = {
    "color": "colour",
    "colors": "colours",
    "favorite": "favourite",
    "favorites": "favourites",
    "behavior": "behaviour",
    "behaviors": "behaviours",
    "center": "centre",
    "centers": "centres",
    "honor": "honour",
    "labor": "labour",
    "neighbor": "neighbour",
    "neighbors": "neighbours",
    "flavor": "flavour",
    "flavors": "flavours",
    "humor": "humour",
    "defense": "defence",
    "license": "licence",
    "theater": "theatre",
    "meter": "metre",
    "meters": "metres",
    "liter": "litre",
    "fiber": "fibre",
    "catalog": "catalogue",
    "dialog": "dialogue",
    "traveling": "travelling",
    "traveled": "travelled",
    "canceled": "cancelled",
    "modeling": "modelling",
    "labeled": "labelled",
    "gray": "grey",
    "program": "programme",
    "analyze": "analyse",
    "analyzing": "analysing",
    "analyzed": "analysed",
    "aging": "ageing",
    "mold": "mould",
    "jewelry": "jewellery",
    "check": "cheque",
    "tire": "tyre",
    "percent": "per cent",
}
_IZE = re.compile(r"\b([a-z]{3,})iz(e|es|ed|ing|ation|ations)\b")
_SIZE_LIKE = {"s", "pr", "c", "se"}  # size, prize, capsize: not -ize verbs


def british(text: str, rng: random.Random) -> str | None:
    """American spelling made British: -ize/-ization -> -ise/-isation and a table of ~40 words
    (colour, centre, behaviour, travelled, programme...), case kept on the first letter."""

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        new = _BRITISH.get(word.lower())
        if new is None:
            return word
        return new[:1].upper() + new[1:] if word[:1].isupper() else new

    out = re.sub(r"\b[A-Za-z]+\b", swap, text)
    out = _IZE.sub(lambda m: m.group(0) if m.group(1) in _SIZE_LIKE else f"{m.group(1)}is{m.group(2)}", out)
    return out if out != text else None


_CONTRACTIONS = {
    "do not": "don't",
    "does not": "doesn't",
    "did not": "didn't",
    "is not": "isn't",
    "are not": "aren't",
    "was not": "wasn't",
    "cannot": "can't",
    "can not": "can't",
    "will not": "won't",
    "would not": "wouldn't",
    "should not": "shouldn't",
    "could not": "couldn't",
    "have not": "haven't",
    "has not": "hasn't",
    "it is": "it's",
    "that is": "that's",
    "there is": "there's",
    "you are": "you're",
    "we are": "we're",
    "they are": "they're",
    "i am": "I'm",
    "you will": "you'll",
    "we will": "we'll",
    "let us": "let's",
    "i have": "I've",
    "you have": "you've",
}
_EXPANSIONS = {v.lower(): k for k, v in _CONTRACTIONS.items()}
_EXPANSIONS["can't"] = "cannot"


def _cased(new: str, old: str) -> str:
    return new[:1].upper() + new[1:] if old[:1].isupper() else new


def contractions(text: str, rng: random.Random) -> str | None:
    """Contractions expanded ("don't" -> "do not") and expansions contracted ("it is" ->
    "it's"), both directions in one text."""
    out = re.sub(
        r"\b[A-Za-z]+['\u2019][a-z]+\b",
        lambda m: _cased(_EXPANSIONS.get(m.group(0).lower().replace("\u2019", "'"), m.group(0)), m.group(0)),
        text,
    )
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in _CONTRACTIONS) + r")\b", re.IGNORECASE)
    swapped = pattern.sub(lambda m: _cased(_CONTRACTIONS[m.group(0).lower()], m.group(0)), out)
    return swapped if swapped != text else None


_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _words(n: int) -> str:
    if n < 20:
        return _UNITS[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _UNITS[n % 10])
    if n < 1000:
        rest = n % 100
        return _UNITS[n // 100] + " hundred" + ("" if rest == 0 else " and " + _words(rest))
    return str(n)


def numbers_as_words(text: str, rng: random.Random) -> str | None:
    """Whole numbers under 1,000 written out ("15" -> "fifteen"), list numbers kept."""
    out = re.sub(r"(?<![\w.,/:$])(\d{1,3})(?![\w.,/:%]|\.\d)", lambda m: _words(int(m.group(1))), text)
    return out if out != text else None


_SYNONYMS = {
    "important": "crucial",
    "help": "assist",
    "helps": "assists",
    "use": "utilize",
    "used": "employed",
    "using": "employing",
    "make": "create",
    "makes": "creates",
    "good": "fine",
    "great": "excellent",
    "big": "large",
    "small": "little",
    "many": "numerous",
    "often": "frequently",
    "also": "additionally",
    "however": "nevertheless",
    "because": "since",
    "show": "demonstrate",
    "shows": "demonstrates",
    "get": "obtain",
    "need": "require",
    "needs": "requires",
    "start": "begin",
    "end": "finish",
    "change": "alter",
    "changes": "alterations",
    "different": "distinct",
    "easy": "simple",
    "hard": "difficult",
    "quick": "rapid",
    "quickly": "rapidly",
    "people": "individuals",
    "way": "manner",
    "ways": "methods",
    "buy": "purchase",
    "give": "provide",
    "gives": "provides",
    "keep": "maintain",
    "try": "attempt",
    "find": "locate",
    "enough": "sufficient",
    "main": "primary",
    "whole": "entire",
    "very": "highly",
    "idea": "notion",
    "ideas": "notions",
    "problem": "issue",
    "problems": "issues",
    "answer": "response",
    "job": "task",
    "choose": "select",
    "allow": "permit",
    "allows": "permits",
    "improve": "enhance",
    "increase": "boost",
    "reduce": "lower",
    "benefits": "advantages",
    "benefit": "advantage",
    "example": "instance",
    "examples": "instances",
    "however,": "still,",
    "world": "globe",
    "several": "various",
    "various": "diverse",
    "ensure": "make sure",
    "consider": "think about",
    "include": "comprise",
    "includes": "comprises",
    "provide": "offer",
    "provides": "offers",
    "create": "build",
    "understand": "grasp",
    "clear": "obvious",
    "likely": "probable",
    "common": "frequent",
    "usually": "typically",
    "around": "roughly",
    "about": "regarding",
    "while": "whereas",
    "overall": "in general",
}


def synonyms(text: str, rng: random.Random, share: float = 0.10) -> str | None:
    """A translation-like pass: ``share`` of the words (those the table of ~80 pairs covers,
    up to that share) replaced by a synonym; None when the table covers under 5% of them."""
    words = list(re.finditer(r"\b[A-Za-z]+\b", text))
    eligible = [m for m in words if m.group(0).lower() in _SYNONYMS]
    if len(eligible) < 0.05 * len(words):
        return None
    chosen = sorted(
        rng.sample(eligible, min(len(eligible), round(share * len(words)))), key=lambda m: m.start()
    )
    out, pos = [], 0
    for m in chosen:
        out += [text[pos : m.start()], _cased(_SYNONYMS[m.group(0).lower()], m.group(0))]
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def split_merge(text: str, rng: random.Random) -> str | None:
    """Sentences split at ", and " / ", but " / "; " and pairs of short sentences merged with
    ", and " (a copy made to read differently, every word kept but for the conjunctions)."""
    out = re.sub(
        r",\s+(and|but)\s+([a-z])",
        lambda m: ". " + ("Also" if m.group(1) == "and" else "But") + " " + m.group(2),
        text,
    )
    out = re.sub(r";\s+([a-z])", lambda m: ". " + m.group(1).upper(), out)
    parts = _SENT.split(out)
    merged: list[str] = []
    k = 0
    while k < len(parts):
        a = parts[k]
        if (
            k + 1 < len(parts)
            and a.endswith(".")
            and "\n" not in a
            and len(a.split()) < 14
            and len(parts[k + 1].split()) < 14
            and "\n" not in parts[k + 1]
        ):
            b = parts[k + 1]
            merged.append(a[:-1] + ", and " + b[:1].lower() + b[1:])
            k += 2
        else:
            merged.append(a)
            k += 1
    result = " ".join(merged)
    return result if result != text else None


def interleave(a: str, b: str) -> str | None:
    """The paragraphs of two copies interleaved (a1 b1 a2 b2 ...); needs 2+ paragraphs each."""
    pa = [p for p in re.split(r"\n\s*\n", a) if p.strip()]
    pb = [p for p in re.split(r"\n\s*\n", b) if p.strip()]
    if len(pa) < 2 or len(pb) < 2:
        return None
    out = []
    for k in range(max(len(pa), len(pb))):
        out += pa[k : k + 1] + pb[k : k + 1]
    return "\n\n".join(out)
