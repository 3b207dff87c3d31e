"""Code in a text, and a token stream of it that renaming identifiers does not change. Pure.

A copy of code often has its identifiers renamed (``arr`` -> ``numbers``, ``helper`` ->
``compute``): every occurrence of a name changes, so in a short function a quarter of the tokens
differ and the identical runs that anchors and alignment need are broken. Plagiarism detectors
for code (MOSS, JPlag, Dolos) fingerprint a token stream where identifiers are abstracted. A
single class token for every identifier keeps too little (``ID = ID ( ID )``: every loop looks
alike), so this module uses Baker's *parameterized* encoding instead: an identifier becomes the
number of identifier occurrences since the previous occurrence of the same name (0 for the first
in reach). Renaming consistently, as a copier does, changes no value; two independent solutions
that name things alike but use them differently still differ.

The encoded stream has one value per token of the text (the tokens of ``normalize``), but for
the second and later tokens of an underscored name, and records each value's plain token
position, so alignment spans map back to the plain tokens and evidence offsets are theirs. Only tokens
on lines that read as code are encoded; keywords, builtins and numbers keep their own hash, and
prose lines are untouched, so a text without code yields its plain stream.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import numpy.typing as npt
import xxhash

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

MIN_CODE_LINES = 3
"""A text is code (gets an encoded stream) when at least this many of its lines read as code."""
RENAMED_MIN_TOKENS = 25
"""Aligned tokens a match needs when it holds only with identifiers abstracted (plain text
needs ``MatchConfig.min_tokens``, 25): short functions with names abstracted are what
independent solutions look like."""
REACH = 64
"""Identifier occurrences looked back over: a name last seen further back counts as new (0)."""

# Reserved words of the languages models write most (Python, JavaScript/TypeScript, Java,
# C/C++, C#, Go, Rust, PHP, shell): a copier cannot rename them, so they keep their own hash
# and give the encoded stream its shape. Builtins (``len``, ``print``) and words that are
# keywords somewhere but common names elsewhere (``left``, ``key``, ``count``, ``string``,
# ``char``, SQL's words) are identifiers here: a name treated as a keyword on one side and
# renamed on the other breaks every run it sits in (a variable called ``len``, renamed, was
# missed), while a keyword treated as a name only costs a little shape. Case-folded.
_KEYWORD_LIST = """
    and as assert async await break case catch class const continue def default del delete do elif
    else enum except export extends false final finally fn for foreach from func function if impl
    implements import in instanceof interface is lambda let loop mod mut namespace new nil none
    nonlocal not null or package pass private protected pub public raise return self static struct
    super switch this throw throws true try typeof use var void while with yield undefined
    int float unsigned
    include define
    echo fi then done esac
    """
KEYWORDS = frozenset(_KEYWORD_LIST.split())

_FENCE = re.compile(r"^\s*(```|~~~)")
# What only code looks like (case-sensitive: sentences start with a capital, code with a
# lowercase keyword): a statement start, a block header ending with ':', an assignment or a
# call written without a space before its parenthesis. A line ending with ':' or ',' alone is
# not code: "Here are the steps:" and list items end that way.
_CODE_FORMS = (
    r"(?:def|class|return|import|from|const|let|var|function|public|private|protected|static|"
    r"using|package|fn|func|#include|#define|SELECT|INSERT|UPDATE|CREATE)\b",
    r"(?:if|elif|else|for|while|try|except|finally|with|switch|case)\b.*:$",
    r"[A-Za-z_$][\w$.\[\], ]*?\s*(?:[-+*/%|&^]?=|\+\+|--)(?!=)",
    r"[A-Za-z_$][\w$.]*\(.*\)[;,]?$",
    r".*[;{}]$",
)
_CODE_LINE = re.compile("^(?:" + "|".join(_CODE_FORMS) + ")")
_TRAILING_COMMENT = re.compile(r"\s+(?://|#(?=\s|$)).*$")
"""A comment after a statement (``return 1; // proper``): the statement's form is what is
tested (until 2026-12-05 such a line's form was hidden by its comment's last word)."""
_LINE_END = r"(?:\s+(?://|#(?=\s|$)).*)?[ \t\r]*$"
_CODE_ANYWHERE = tuple(
    re.compile(r"\n[ \t]*" + (form[:-1] + _LINE_END if form.endswith("$") else form), re.MULTILINE)
    for form in _CODE_FORMS
)
"""Each form at any line of a text: separate scans with a literal first are ~3x faster than
one scan of the alternation, and rule out most prose before any per-line work."""
_HINTS = ("=", ";", "{", "}", "```", "~~~", "def ", "return", "import ", "#include", "SELECT ", "++")
"""Something a fence or most code lines hold: texts with none of them (most prose) are ruled
out by substring searches (a regular expression of them costs three times as much)."""
_GATED_HINTS = tuple((h[0] if not h[0].isalnum() and len(h) > 1 else "", h) for h in _HINTS)
"""Each hint with a character it starts with, searched first when the hint is longer: a
one-character search costs a tenth of a longer one, and prose rarely holds a backtick."""
_LINE_NEEDS = {4: re.compile(r"[;{}]")}
"""What a form's first line must hold (``.*[;{}]``: ``.*`` does not cross a line), for the
forms whose scan is worth narrowing to such lines."""
_TEXT_NEEDS: dict[int, tuple[str, ...]] = {1: (":",), 2: ("=", "++", "--"), 3: ("(",)}
"""Substrings of which a text must hold one for a form to match anywhere in it (its block
colon, its assignment or increment operator, its call's parenthesis): a text without any is
not scanned for that form, whose count there is 0 (the assignment scan cost a third of the
prefilter on prose that had a ';' or a 'return' and no operator)."""
_SCAN_ORDER = tuple(
    (_CODE_ANYWHERE[i], _LINE_NEEDS.get(i), _TEXT_NEEDS.get(i, ()))
    for i in sorted(range(len(_CODE_FORMS)), key=lambda i: i == 2)
)
"""The forms scanned, the assignment form (the costliest scan) last: the bound is a sum, so
the order only decides how soon it is reached."""


def _has_hint(text: str) -> bool:
    """``any(h in text for h in _HINTS)``, each longer hint gated by its first character."""
    # A loop, not ``any`` over a generator: this runs on every multi-line text of a build.
    for gate, hint in _GATED_HINTS:  # noqa: SIM110
        if (not gate or gate in text) and hint in text:
            return True
    return False


_COMMENT = ("#", "//", "/*", "*", "--")
_PROSE_WORDS = 12


def _prose(line: str) -> bool:
    """A sentence: more than ``_PROSE_WORDS`` words, nearly all of them plain words."""
    words = line.split()
    if len(words) <= _PROSE_WORDS:
        return False
    plain = sum(1 for w in words if w.strip(".,;:!?\"'()[]{}-*+").isalpha())
    return plain >= 0.8 * len(words)


def may_be_code(text: str) -> bool:
    """False when ``text`` surely has fewer than ``MIN_CODE_LINES`` code lines (most prose):
    enough lines, a hint, and a fence or at least that many lines of code forms."""
    if text.count("\n") + 1 < MIN_CODE_LINES or not _has_hint(text):
        return False
    if "```" in text or "~~~" in text:
        return True
    # A line may take several forms: the sum over forms is an upper bound on code lines.
    padded = "\n" + text
    bound = 0
    for form, needs, holds in _SCAN_ORDER:
        if bound >= MIN_CODE_LINES:
            return True
        if holds and not any(h in text for h in holds):
            continue
        if needs is None:
            bound += sum(1 for _ in zip(range(MIN_CODE_LINES), form.finditer(padded), strict=False))
        else:
            bound += _count_on_lines(form, needs, padded, MIN_CODE_LINES)
    return bound >= MIN_CODE_LINES


def _count_on_lines(form: re.Pattern[str], needs: re.Pattern[str], padded: str, limit: int) -> int:
    """``min(limit, len(form.finditer(padded)))`` for a form whose match must hold ``needs``
    on the line it starts on: only those lines are tried. A form that runs ``.*`` to the end
    of every line and backtracks (``.*[;{}]$``) cost most of the prefilter on lines without
    the character; a match starts at the newline before its line, as the scan would find it,
    and the next is looked for past its end, as ``finditer`` does."""
    count = 0
    end = 0  # where the scan would resume
    tried = -1  # the last line start tried
    for hit in needs.finditer(padded):
        start = padded.rfind("\n", 0, hit.start())
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


def code_lines(text: str) -> list[tuple[int, int]]:
    """Character ranges of the lines of ``text`` that read as code: inside a fence, or of a
    form only code has (``_CODE_LINE``, not a sentence), and comment lines between such lines;
    empty unless at least ``MIN_CODE_LINES`` lines are code by fence or form."""
    if not may_be_code(text):
        return []
    lines: list[tuple[int, int, int]] = []  # start, end, 2 code / 1 comment / 0 other
    fenced = False
    pos = 0
    strong = 0
    # The fence and the trailing comment need a character most lines lack: a substring
    # test before each regular expression (same answers) spares two calls on most lines.
    for line in text.split("\n"):
        end = pos + len(line)
        stripped = line.strip()
        kind = 0
        if ("`" in line or "~" in line) and _FENCE.match(line):
            fenced = not fenced
        elif fenced:
            kind = 2 if stripped else 0
        elif stripped.startswith(_COMMENT):
            kind = 1
        elif _CODE_LINE.match(
            _TRAILING_COMMENT.sub("", stripped) if "#" in stripped or "/" in stripped else stripped
        ) and not _prose(stripped):
            kind = 2
        strong += kind == 2
        lines.append((pos, end, kind))
        pos = end + 1
    if strong < MIN_CODE_LINES:
        return []
    code = [i for i, (_, _, k) in enumerate(lines) if k == 2]
    first, last = code[0], code[-1]
    return [(a, b) for i, (a, b, k) in enumerate(lines) if k == 2 or (k == 1 and first < i < last)]


@functools.lru_cache(maxsize=4)
def _code_lines(text: str) -> tuple[tuple[int, int], ...]:
    """:func:`code_lines`, kept for the last texts: a text's identifier-insensitive and
    literal streams are computed one after the other, and both need its code lines."""
    return tuple(code_lines(text))


def has_code(text: str) -> bool:
    """Whether ``text`` has code lines (``code_lines``), kept for :func:`renamed_hashes` and
    :func:`literal_hashes` of the same text, which read them next."""
    return bool(_code_lines(text))


def _hash(tag: int) -> np.uint64:
    # splitmix64 of a tag far from token hashes' domain: a distinct 64-bit value per tag.
    x = (0xA0761D6478BD642F + tag * 0x9E3779B97F4A7C15) & ((1 << 64) - 1)
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & ((1 << 64) - 1)
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & ((1 << 64) - 1)
    out: np.uint64 = np.uint64(x ^ (x >> 31))
    return out


_DISTANCE = np.array([_hash(d) for d in range(REACH + 1)], dtype=np.uint64)


def renamed_hashes(text: str, starts: I64, ends: I64, hashes: U64) -> tuple[U64, I64] | None:
    """Token hashes with the identifiers of code lines parameterized, and the position of each
    among the plain tokens; None when ``text`` has no code (or nothing to encode).

    An identifier written with underscores (``binary_search``) is several tokens but one name:
    it keeps one value, at its first token, and its other tokens are left out of the stream
    (renamed ``bs`` or ``binarySearch`` it is one token, and every occurrence would otherwise
    cost a gap). ``starts``/``ends`` are the tokens' character offsets in ``text`` (its
    canonical form) and ``hashes`` their plain hashes, one per token.
    """
    lines = _code_lines(text)
    if not lines or not len(starts):
        return None
    line_starts = np.array([a for a, _ in lines], dtype=np.int64)
    line_ends = np.array([b for _, b in lines], dtype=np.int64)
    where = np.searchsorted(line_starts, starts, side="right") - 1
    on_code = (where >= 0) & (starts < line_ends[np.maximum(where, 0)])
    # Plain lists and ints in the loop (a numpy scalar per token cost more than the rest);
    # the distances are written once at the end, the last one for a position winning.
    starts_at, ends_at = starts.tolist(), ends.tolist()
    distances: dict[int, int] = {}
    dropped: list[int] = []
    last: dict[str, int] = {}
    seen = 0
    prev_end = -2
    name = ""
    first = -1
    # The distance (identifier occurrences since the name was last seen; 0 for new or out
    # of reach) written out and names bound locally: this loop runs once per token of
    # every code line of an index build.
    get, keywords, reach = last.get, KEYWORDS, REACH
    for i in np.flatnonzero(on_code).tolist():
        s, e = starts_at[i], ends_at[i]
        tok = text[s:e].casefold()
        joined = s == prev_end + 1 and first >= 0 and text[prev_end] == "_"
        prev_end = e
        if joined:
            # One identifier written with underscores: encode it once, by its whole name.
            name += "_" + tok
            dropped.append(i)
            before = get(name)
            distances[first] = seen - before if before is not None and seen - before <= reach else 0
            continue
        if first >= 0:
            last[name] = seen
            seen += 1
            first = -1
        if not tok.isascii() or tok[:1].isdigit():
            continue
        # ``$char`` (PHP, shell) is a variable whatever its name.
        if tok in keywords and not (s > 0 and text[s - 1] == "$"):
            continue
        first, name = i, tok
        before = get(name)
        distances[i] = seen - before if before is not None and seen - before <= reach else 0
    if not distances:
        return None
    out = hashes.copy()
    out[np.fromiter(distances, dtype=np.int64, count=len(distances))] = _DISTANCE[
        np.fromiter(distances.values(), dtype=np.int64, count=len(distances))
    ]
    keep = np.ones(len(hashes), dtype=bool)
    keep[dropped] = False
    return out[keep], np.flatnonzero(keep).astype(np.int64)


# --- The literal stream: code and markup with their symbols -------------------------------
#
# Normalization keeps letters and digits only: punctuation goes, and markup (HTML/JSX tags) is
# blanked, because in prose those are formatting that a copier adds or strips. In code and
# markup they are content: a 60-word JSX component or HTML page keeps 15-20 tokens, a Markdown
# table loses its cells' boundaries, and a Sudoku grid written with ``_`` for blanks keeps only
# its digits (20 tokens of 9 distinct values), all under the token floors. The literal stream
# keeps, on lines that read as code, markup, a table, LaTeX or a grid, every symbol (a run of
# one repeated symbol, ``---`` or ``**``, is one token: its length is layout) and the words
# inside tags, beside the plain tokens. Nothing is abstracted: a match on it is a literal copy.

_TAG = re.compile(r"</?[A-Za-z][\w.:-]*(?:\s[^<>]*)?/?>")
_LATEX_LINE = re.compile(r"^\\[A-Za-z]+|\\\\$")
_LETTERS = re.compile(r"[^\W\d_]{2}")
_GRID_HINT = re.compile(r"^[ \t]*[^\sA-Za-z]+(?:[ \t]+[^\sA-Za-z]+){2,}[ \t]*$", re.MULTILINE)
"""A line of 3+ items without a Latin letter: a grid needs ``GRID_ROWS`` of them."""
_EXTRA = re.compile(r"[^\W_]+|([^\w\s]|_)\1*")
"""What the literal stream adds where no plain token stands: words (inside blanked markup),
and runs of one repeated symbol (``_`` standing alone is a symbol: a blank cell)."""
GRID_ROWS = 3
"""Consecutive lines of one width (items separated by spaces, no words) that make a grid."""


def _grid_rows(lines: list[str]) -> set[int]:
    """Indices of lines in a grid: ``GRID_ROWS``+ consecutive lines without a word (two
    letters in a row), each of the same number (3+) of space-separated items; blank lines
    and rule lines (``------+------``) between rows do not break it."""
    out: set[int] = set()
    run: list[int] = []
    width = 0
    for i, line in enumerate(lines):
        items = line.split()
        if not items or (len(items) == 1 and not any(c.isalnum() for c in items[0])):
            continue
        row = len(items) >= 3 and _LETTERS.search(line) is None
        if row and run and len(items) == width:
            run.append(i)
            continue
        if len(run) >= GRID_ROWS:
            out.update(range(run[0], run[-1] + 1))
        run, width = ([i], len(items)) if row else ([], 0)
    if len(run) >= GRID_ROWS:
        out.update(range(run[0], run[-1] + 1))
    return out


def literal_lines(text: str) -> list[tuple[int, int]]:
    """Character ranges of the lines of ``text`` whose symbols are content: code lines
    (:func:`code_lines`), lines holding a markup tag, Markdown table rows (``|`` first and
    last), LaTeX lines (a command first, or ``\\\\`` last) and grid rows; empty unless at
    least ``MIN_CODE_LINES`` lines are such. A sentence (``_prose``) is never one."""
    if text.count("\n") + 1 < MIN_CODE_LINES:
        return []
    code = set(_code_lines(text))
    # Most texts have none of these: ruled out by substring and one regex search.
    markup = "<" in text or "|" in text or "\\" in text
    gridlike = sum(1 for _ in zip(range(GRID_ROWS), _GRID_HINT.finditer(text), strict=False)) >= GRID_ROWS
    if not code and not markup and not gridlike:
        return []
    raw = text.split("\n")
    grid = _grid_rows(raw) if gridlike else set()
    out = []
    pos = 0
    for i, line in enumerate(raw):
        end = pos + len(line)
        stripped = line.strip()
        if stripped and (
            (pos, end) in code
            or i in grid
            or (
                not _prose(stripped)
                and (
                    ("<" in stripped and _TAG.search(stripped) is not None)
                    or (len(stripped) > 1 and stripped[0] == "|" and stripped[-1] == "|")
                    or ("\\" in stripped and _LATEX_LINE.search(stripped) is not None)
                )
            )
        ):
            out.append((pos, end))
        pos = end + 1
    return out if len(out) >= MIN_CODE_LINES else []


@functools.lru_cache(maxsize=4096)
def _extra_hash(token: str) -> np.uint64:
    # A symbol or a word of markup: hashed apart from plain tokens (a tag word ``div`` is not
    # the word "div" of a sentence).
    data = token.casefold().encode("utf-8", "surrogatepass")
    value: np.uint64 = np.uint64(xxhash.xxh3_64_intdigest(data, seed=0x5C0DE))
    return value


def literal_hashes(text: str, starts: I64, ends: I64, hashes: U64) -> tuple[U64, I64] | None:
    """The literal stream of ``text``: its plain token hashes with, on the lines of
    :func:`literal_lines`, every symbol run and every word of markup inserted where it
    stands; None when ``text`` has no such lines (or they add nothing).

    Also returns, per value, a ``(2, n)`` array: the plain token range ``[first, end)`` it maps
    to (a plain token maps to itself; an added one to the empty range before the next plain
    token), so aligned spans map back to plain token positions and evidence offsets are those
    of the text. ``starts``/``ends``/``hashes`` as for :func:`renamed_hashes`.
    """
    lines = literal_lines(text)
    if not lines:
        return None
    extra_at: list[int] = []
    extra_tok: list[str] = []
    for a, b in lines:
        for m in _EXTRA.finditer(text, a, b):
            extra_at.append(m.start())
            extra_tok.append(m.group(1) or m.group(0))
    if not extra_at:
        return None
    # What a plain token already stands for (a word outside markup) is not added again.
    where = np.asarray(extra_at, dtype=np.int64)
    inside = np.searchsorted(starts, where, side="right") - 1
    covered = np.zeros(len(where), dtype=bool)
    if len(starts):
        covered = (inside >= 0) & (where < ends[np.maximum(inside, 0)])
    keep = np.flatnonzero(~covered).tolist()
    if not keep:
        return None
    extra_at = [extra_at[k] for k in keep]
    extra_hash = [_extra_hash(extra_tok[k]) for k in keep]
    at = np.asarray(extra_at, dtype=np.int64)
    nxt = np.searchsorted(starts, at, side="left")
    # Plain token k sorts at 2k+1, an added value before it at 2k (stable among themselves).
    order = np.argsort(np.concatenate([2 * np.arange(len(starts)) + 1, 2 * nxt]), kind="stable")
    values = np.concatenate([hashes, np.asarray(extra_hash, dtype=np.uint64)])[order]
    plain = np.arange(len(starts), dtype=np.int64)
    first_at = np.concatenate([plain, nxt.astype(np.int64)])[order]
    end_at = np.concatenate([plain + 1, nxt.astype(np.int64)])[order]
    return values, np.stack([first_at, end_at])
