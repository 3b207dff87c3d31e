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
from itertools import chain

import numpy as np
import numpy.typing as npt
import xxhash

from provcheck.matching.compiled import TOKENS
from provcheck.support.arrays import is_in
from provcheck.support.textscan import count_on_lines as _count_on_lines
from provcheck.support.textscan import has_lines as _has_lines
from provcheck.support.textscan import holds_any as _holds_any

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

MIN_CODE_LINES = 3
"""A text is code (gets an encoded stream) when at least this many of its lines read as code."""
RENAMED_MIN_TOKENS = 25
"""Aligned tokens a match needs when it holds only with identifiers abstracted (plain text
needs ``MatchConfig.min_tokens``, 25): short functions with names abstracted are what
independent solutions look like."""
RENAMED_MIN_SIMILARITY = 0.85
"""Similarity the near-duplicate test needs of a match that holds only with identifiers
abstracted (plain text needs ``MatchConfig.min_similarity``, 0.7). Names abstracted, the stream's
alphabet is small (reserved words, punctuation, back-references), so independent code for one
algorithm aligns closely by chance, while a renamed copy keeps the structure token for token. An
independent Python LCS table matched a Code Alpaca one at 0.79 this way; at 0.85, one renamed
copy in 292 of ``benchmarks/code.py`` was lost (one whose renamed names sit in prose lines, which
are not abstracted). The excerpt test's similarity (0.93) is already above it."""
UNCOMMENTED_MIN_SIMILARITY = 0.95
"""Similarity (near-duplicate and excerpt tests) an alignment needs when it holds only once the
candidate's own comment lines are left out (``uncommented.align_uncommented``). A copy with comments
inserted keeps the code token for token: of 364 GPTeacher copies with a 15-word comment every
2-3 lines, 361 aligned so at 1.00 and the other three at 0.85-0.91 (which the plain alignment
finds). Independent code whose comments are left out aligns closer than it did with them: at
0.7, one more same-prompt negative of ``benchmarks/code.py`` (at 0.92) was verified."""
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
_STATEMENT_WORDS = (
    *("def", "class", "return", "import", "from", "const", "let", "var", "function", "public"),
    *("private", "protected", "static", "using", "package", "fn", "func", "#include", "#define"),
    *("SELECT", "INSERT", "UPDATE", "CREATE"),
)
_STATEMENT_FIRST = frozenset(word[0] for word in _STATEMENT_WORDS)
"""The characters a statement start (the first form) can begin with."""
_CODE_FORMS = (
    r"(?:" + "|".join(_STATEMENT_WORDS) + r")\b",
    r"(?:if|elif|else|for|while|try|except|finally|with|switch|case)\b.*:$",
    r"[A-Za-z_$][\w$.\[\], ]*?\s*(?:[-+*/%|&^]?=|\+\+|--)(?!=)",
    r"[A-Za-z_$][\w$.]*\(.*\)[;,]?$",
    r".*[;{}]$",
)
_CODE_LINE = re.compile("^(?:" + "|".join(_CODE_FORMS) + ")")
_STATEMENT_START = re.compile("^(?:" + _CODE_FORMS[0] + ")")
_FORM_ENDS = (":", ";", "{", "}", ")", ",")
"""How a line of the other forms ends (``:$``, ``\\)[;,]?$``, ``[;{}]$``; the assignment form
holds ``=``, ``++`` or ``--`` instead)."""


def _code_form(line: str) -> bool:
    """``_CODE_LINE.match(line)`` for one line (no newline in it): a line that neither ends as
    a block header, a call or a statement does, nor holds an assignment's operator, can only
    take the first form (a statement start), which fails within a few characters where the
    whole alternation ran the assignment and semicolon forms over the line."""
    if line.endswith(_FORM_ENDS) or "=" in line or "++" in line or "--" in line:
        return _CODE_LINE.match(line) is not None
    # Its words' first characters before the expression: most lines (prose) start otherwise.
    return line[:1] in _STATEMENT_FIRST and _STATEMENT_START.match(line) is not None


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
_GATES = {"def ": "def", "import ": "import", "SELECT ": "SELECT"}
"""Hints ending in a space, gated by the word alone: ``str`` searches a needle ending in a
character as common as a space several times slower (each of its positions is a candidate),
and the word is rare enough in prose that the second search seldom runs."""
_GATED_HINTS = tuple((_GATES.get(h, h[0] if not h[0].isalnum() and len(h) > 1 else ""), h) for h in _HINTS)
"""Each hint with a part of it searched first (a character it starts with when the hint is
longer, or the word of ``_GATES``): a one-character search costs a tenth of a longer one, and
prose rarely holds a backtick. A text holds the hint only if it holds the part."""
_LINE_NEEDS = {4: ";{}"}
"""Characters of which a form's first line must hold one (``.*[;{}]``: ``.*`` does not cross
a line), for the forms whose scan is worth narrowing to such lines."""
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


def _has_hint_python(text: str) -> bool:
    """``any(h in text for h in _HINTS)``, each longer hint gated by its first character."""
    # A loop, not ``any`` over a generator: this runs on every multi-line text of a build.
    for gate, hint in _GATED_HINTS:  # noqa: SIM110
        if (not gate or gate in text) and hint in text:
            return True
    return False


_HOLDS_ANY = getattr(TOKENS, "holds_any", None)


def _has_hint(text: str) -> bool:
    """``any(h in text for h in _HINTS)``: one pass over the text in C where the tokenizer
    module is built (``_tokens.holds_any``), :func:`_has_hint_python` otherwise. Most prose
    holds no hint, so every search ran to the end of the text: the twelve searches cost 0.04
    CPU s of every 10,000 AlpacaEval outputs (6% of ``index add``), the pass two fifths of it."""
    if _HOLDS_ANY is not None:
        return bool(_HOLDS_ANY(text, _HINTS))
    return _has_hint_python(text)


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
    if not _has_lines(text, MIN_CODE_LINES) or not _has_hint(text):
        return False
    # A one-character search before each fence (a three-character needle is several times
    # slower, and most texts with a hint hold neither a backtick nor a tilde).
    if ("`" in text and "```" in text) or ("~" in text and "~~~" in text):
        return True
    # A line may take several forms: the sum over forms is an upper bound on code lines.
    padded = "\n" + text
    bound = 0
    for form, needs, holds in _SCAN_ORDER:
        if bound >= MIN_CODE_LINES:
            return True
        if holds and not _holds_any(text, holds):
            continue
        if needs is None:
            bound += sum(1 for _ in zip(range(MIN_CODE_LINES), form.finditer(padded), strict=False))
        else:
            bound += _count_on_lines(form, needs, padded, MIN_CODE_LINES)
    return bound >= MIN_CODE_LINES


def code_lines(text: str) -> list[tuple[int, int]]:
    """Character ranges of the lines of ``text`` that read as code: inside a fence, or of a
    form only code has (``_CODE_LINE``, not a sentence), and comment lines between such lines;
    empty unless at least ``MIN_CODE_LINES`` lines are code by fence or form."""
    if not may_be_code(text):
        return []
    # Code and comment lines only (start, end, True for code), in order: other lines are
    # never returned, and a comment line is kept when code lines stand before and after it.
    marked: list[tuple[int, int, bool]] = []
    fenced = False
    pos = 0
    strong = 0
    first = -1  # index in ``marked`` of the first code line
    # The fence and the trailing comment need a character most lines lack: a substring
    # test before each regular expression (same answers) spares two calls on most lines.
    for line in text.split("\n"):
        end = pos + len(line)
        if ("`" in line or "~" in line) and _FENCE.match(line):
            fenced = not fenced
        elif fenced:
            if not line.isspace() and line:  # ``line.strip()`` not empty
                if first < 0:
                    first = len(marked)
                marked.append((pos, end, True))
                strong += 1
        elif (stripped := line.strip()).startswith(_COMMENT):
            marked.append((pos, end, False))
        elif _code_form(
            _TRAILING_COMMENT.sub("", stripped) if "#" in stripped or "/" in stripped else stripped
        ) and not _prose(stripped):
            if first < 0:
                first = len(marked)
            marked.append((pos, end, True))
            strong += 1
        pos = end + 1
    if strong < MIN_CODE_LINES:
        return []
    last = len(marked) - 1
    while not marked[last][2]:
        last -= 1
    return [(a, b) for i, (a, b, is_code) in enumerate(marked) if is_code or first < i < last]


@functools.lru_cache(maxsize=4)
def _code_lines(text: str) -> tuple[tuple[int, int], ...]:
    """:func:`code_lines`, kept for the last texts: a text's identifier-insensitive and
    literal streams are computed one after the other, and both need its code lines."""
    return tuple(code_lines(text))


def has_code(text: str) -> bool:
    """Whether ``text`` has code lines (``code_lines``), kept for :func:`renamed_hashes` and
    :func:`literal_hashes` of the same text, which read them next."""
    return bool(_code_lines(text))


def code_spans(text: str) -> tuple[tuple[int, int], ...]:
    """:func:`code_lines` as :func:`has_code` keeps them (for :func:`renamed_hashes_many`)."""
    return _code_lines(text)


_DIRECTIVE = ("#include", "#define", "#if", "#else", "#endif", "#pragma", "#!", "#import")
"""Lines starting with ``#`` that are code (C preprocessor, a shebang), not comments."""


def comment_ranges(text: str, lines: tuple[tuple[int, int], ...], starts: I64) -> I64 | None:
    """Token ranges ``[first, end)`` (shape n×2) of the whole-line comments among the code
    lines ``lines`` of ``text`` (:func:`code_spans`), from the tokens' start offsets
    ``starts``; None when it has no comment line holding a token.

    A copier "documenting" copied code puts a comment line every few lines: the identical runs
    between them are a few tokens each, and comments as long as the code halve the similarity,
    so neither the plain nor the identifier-insensitive alignment keeps them (0.75-0.81 recall
    with 15-word comments every 2-3 lines, ``benchmarks/heldout.py``).
    ``uncommented.align_uncommented`` aligns the text again without the comment lines the
    reference does not hold."""
    comments = [
        (a, b)
        for a, b in lines
        if (line := text[a:b].lstrip()).startswith(_COMMENT) and not line.startswith(_DIRECTIVE)
    ]
    if not comments or not len(starts):
        return None
    bounds = np.array(comments, dtype=np.int64)
    first = np.searchsorted(starts, bounds[:, 0], side="left")
    end = np.searchsorted(starts, bounds[:, 1], side="left")
    held = end > first
    if not held.any():
        return None
    out: I64 = np.stack([first[held], end[held]], axis=1).astype(np.int64)
    return out


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
    return renamed_hashes_many([(text, lines, starts, ends, hashes)])[0] if lines else None


CodeText = tuple[str, tuple[tuple[int, int], ...], I64, I64, U64]
"""A text, its code lines (:func:`code_spans`), its tokens' offsets and their plain hashes."""

_KEYWORD_LENGTHS = (min(map(len, KEYWORDS)), max(map(len, KEYWORDS)))
_KEYWORD_CODES = np.array(
    sorted(sum((ord(c) - 96) << (5 * j) for j, c in enumerate(k)) for k in KEYWORDS), dtype=np.int64
)
"""Each keyword's letters packed 5 bits each (a=1...z=26): one array lookup per token."""
assert all(k.isalpha() and k.isascii() and k.islower() and len(k) <= 12 for k in KEYWORDS)


def _keywords(chars: npt.NDArray[np.uint32], starts: I64, ends: I64) -> npt.NDArray[np.bool_]:
    """Which tokens of ASCII letters and digits are keywords (case-insensitively)."""
    lengths = ends - starts
    found = np.zeros(len(starts), dtype=bool)
    sized = np.flatnonzero((lengths >= _KEYWORD_LENGTHS[0]) & (lengths <= _KEYWORD_LENGTHS[1]))
    if not len(sized):
        return found
    at, lengths = starts[sized], lengths[sized]
    packed = np.zeros(len(sized), dtype=np.int64)
    letters = np.ones(len(sized), dtype=bool)
    for j in range(int(lengths.max())):
        inside = lengths > j
        c = chars[at + inside * j].astype(np.int64) | 0x20  # lower case; a digit stays below 'a'
        letters &= ~inside | (c >= ord("a"))
        packed += inside * ((c - 96) << (5 * j))
    found[sized] = letters & is_in(packed, _KEYWORD_CODES)  # np.isin imports numpy.ma
    return found


def renamed_hashes_many(items: list[CodeText]) -> list[tuple[U64, I64] | None]:
    """:func:`renamed_hashes` of many texts, in array passes over all their tokens at once.

    A loop over tokens, or numpy calls per text, cost a tenth of `index add` (a batch holds
    about 90 code texts of a few hundred code tokens each). Names are told apart by their
    tokens: a token whose case-folded form is ASCII by its hash (that of the same folded
    characters), any other by its case-folded string.
    """
    results: list[tuple[U64, I64] | None] = [None] * len(items)
    counts = np.array([len(s) for _, _, s, _, _ in items], dtype=np.int64)
    if not counts.sum():
        return results
    texts = [t for t, _, _, _, _ in items]
    base = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum([len(t) + 1 for t in texts], out=base[1:])
    bounds = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    owner = np.repeat(np.arange(len(items), dtype=np.int64), counts)
    shift = base[:-1][owner]
    all_starts = np.concatenate([s for _, _, s, _, _ in items]).astype(np.int64) + shift
    all_ends = np.concatenate([e for _, _, _, e, _ in items]).astype(np.int64) + shift
    hashes = np.concatenate([h for _, _, _, _, h in items])
    # Every text followed by a NUL: no name, '_' or '$' runs across texts.
    joined_text = "\x00".join(texts) + "\x00"
    chars = np.frombuffer(joined_text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    line_owner = np.repeat(np.arange(len(items), dtype=np.int64), [len(lines) for _, lines, _, _, _ in items])
    spans = chain.from_iterable(lines for _, lines, _, _, _ in items)
    flat = np.fromiter(chain.from_iterable(spans), np.int64)
    line_starts = flat[0::2] + base[:-1][line_owner]
    line_ends = flat[1::2] + base[:-1][line_owner]
    if not len(line_starts):
        return results
    where = np.searchsorted(line_starts, all_starts, side="right") - 1
    on_code = np.flatnonzero((where >= 0) & (all_starts < line_ends[np.maximum(where, 0)]))
    s, e = all_starts[on_code], all_ends[on_code]
    # Token ids: equal hashes are equal case-folded strings where those are ASCII.
    distinct, ids = np.unique(hashes[on_code], return_inverse=True)
    ids = ids.reshape(-1)
    # A token that may start a name: ASCII once case-folded, not a number, not a keyword
    # (``$char`` in PHP or shell is a variable whatever its name).
    bounds_of = np.empty(2 * len(s), dtype=np.int64)
    bounds_of[0::2] = s
    bounds_of[1::2] = e
    plain = np.maximum.reduceat(chars, bounds_of)[0::2] < 0x80 if len(s) else np.zeros(0, dtype=bool)
    head = chars[s]
    after_dollar = chars[s - 1] == ord("$")
    eligible = plain & ((head < ord("0")) | (head > ord("9")))
    eligible[plain] &= ~_keywords(chars, s[plain], e[plain]) | after_dollar[plain]
    others: dict[str, int] = {}
    for k in np.flatnonzero(~plain).tolist():  # rare: a character outside ASCII
        a = int(s[k])
        tok = joined_text[a : int(e[k])].casefold()
        if tok.isascii():
            eligible[k] = not tok[:1].isdigit() and (tok not in KEYWORDS or bool(after_dollar[k]))
        else:
            ids[k] = len(distinct) + others.setdefault(tok, len(others))
    # A token right after the previous code token with one '_' between continues that
    # token's name, if it is part of one: ``in_name[k] = eligible[k] | (adj[k] & in_name[k-1])``,
    # true where the last eligible token at or before ``k`` lies in ``k``'s run of adjacent tokens.
    adj = np.zeros(len(s), dtype=bool)
    if len(s) > 1:
        adj[1:] = (s[1:] == e[:-1] + 1) & (chars[e[:-1]] == ord("_"))
    index = np.arange(len(s), dtype=np.int64)
    in_name = np.maximum.accumulate(np.where(eligible, index, -1)) >= np.maximum.accumulate(
        np.where(adj, 0, index)
    )
    joined = adj
    joined[1:] &= in_name[:-1]
    first = np.flatnonzero(in_name & ~joined)
    # Each name runs from its first token to the next token not joined to it; a name of
    # several tokens is identified by its tokens' ids.
    breaks = np.append(np.flatnonzero(~joined), len(s))
    size = breaks[np.searchsorted(breaks, first, side="right")] - first
    name_ids = ids[first]
    multi = np.flatnonzero(size > 1)
    if len(multi):
        width = int(size[multi].max())
        parts = np.full((len(multi), width), -1, dtype=np.int64)
        for j in range(width):
            has = size[multi] > j
            parts[has, j] = ids[first[multi][has] + j]
        combined = np.unique(parts, axis=0, return_inverse=True)[1].reshape(-1)
        name_ids[multi] = len(distinct) + len(others) + combined
    # The distance: name occurrences in the same text since the same name's previous one
    # (0 if new or out of reach).
    name_owner = owner[on_code[first]]
    order = np.lexsort((name_ids, name_owner))
    same = (name_ids[order[1:]] == name_ids[order[:-1]]) & (name_owner[order[1:]] == name_owner[order[:-1]])
    gap = np.zeros(len(first), dtype=np.int64)
    gap[order[1:][same]] = order[1:][same] - order[:-1][same]
    gap[gap > REACH] = 0
    out = hashes.copy()
    out[on_code[first]] = _DISTANCE[gap]
    keep = np.ones(len(hashes), dtype=bool)
    keep[on_code[joined]] = False
    kept = np.flatnonzero(keep)
    stream, positions = out[kept], kept - bounds[:-1][owner[kept]]
    cuts = np.searchsorted(kept, bounds).tolist()
    for i in np.flatnonzero(np.bincount(name_owner, minlength=len(items))).tolist():
        results[i] = stream[cuts[i] : cuts[i + 1]], positions[cuts[i] : cuts[i + 1]]
    return results


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
