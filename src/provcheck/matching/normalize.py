"""Text normalization and tokenization: pure functions, no I/O.

A text's tokens are what every later stage compares, so copies that differ only in case,
whitespace, punctuation, quotes, markdown or HTML markup, Unicode compatibility forms, NFC/NFD
composition, accents and stacked marks, or letters of other scripts drawn like Latin ones yield
the same tokens. Scripts written without spaces (Chinese, Japanese
kana, Thai, Lao, Khmer, Myanmar) yield one token per character; every other script yields
words (maximal runs of letters and digits).

The definition is :func:`reference_tokens`: fold every character with ``casefold(NFKC(c))``
(``folding``: Latin lookalikes from other scripts made Latin; accents and other decorations,
invisible format characters removed) and cut the folded text with one regular expression.
:func:`tokenize` computes the same tokens for a whole batch of texts with numpy, classifying
each distinct character once (a cached table) instead of running the regex per text; texts
holding a character that folds to several characters (``ß``, ``ﬁ``, ``½``...) take the reference
path. Tests check that both agree on arbitrary text. Where the optional C extension is built
(``matching/compiled.py``), the per-character part of :func:`tokenize` runs in C (``_tokens.c``:
one pass, same table, same arrays); the numpy path stays the reference
(``tests/unit/test_tokens_compiled.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np
import numpy.typing as npt

from provcheck.matching.compiled import TOKENS
from provcheck.matching.folding import fold_char as _fold_char
from provcheck.matching.laundering import unescape_html, unescape_json, unglue
from provcheck.support.arrays import sorted_unique

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]
Offsets = tuple[I64, I64]
"""Token start and end character offsets."""

# Scripts written without spaces between words: each character is a token.
_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3005, 0x3005),
    (0x3007, 0x3007),
    (0x3021, 0x3029),
    (0x3038, 0x303B),  # CJK iteration marks and numerals
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),
    (0x31A0, 0x31BF),  # Bopomofo
    (0x31F0, 0x31FF),  # Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK extensions B-G
)
_UNSPACED = "".join(
    f"{re.escape(chr(a))}-{re.escape(chr(b))}" if a != b else re.escape(chr(a)) for a, b in _UNSPACED_RANGES
)
_TOKEN_RE = re.compile(f"[{_UNSPACED}]|[^\\W_{_UNSPACED}]+")
# Markup that reformatting adds or strips: HTML tags and markdown link targets. Blanked with
# spaces of the same length so character offsets stay valid.
_MARKUP_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,200})?/?>|\]\([^()\s]{0,500}\)")

SEPARATOR, WORD, UNSPACED, IRREGULAR = 0, 1, 2, 3
"""Character classes: not part of a token; part of a word; a token by itself; folds to other
than exactly one character (its text takes the reference path)."""


def _unspaced(codepoint: int) -> bool:
    return any(a <= codepoint <= b for a, b in _UNSPACED_RANGES)


def unspaced_letters(text: str) -> int:
    """How many characters of ``text`` belong to scripts written without spaces (each a token)."""
    return sum(1 for c in text if ord(c) >= 0x0E00 and _unspaced(ord(c)))


class _CharTable(dict[int, tuple[int, int]]):
    """Code point -> (class, folded code point), filled lazily, one entry per distinct char."""

    def __missing__(self, codepoint: int) -> tuple[int, int]:
        folded = _fold_char(chr(codepoint))
        if len(folded) != 1:
            value = (IRREGULAR, codepoint)
        else:
            f = ord(folded)
            if _unspaced(f):
                value = (UNSPACED, f)
            elif folded.isalnum():
                value = (WORD, f)
            else:
                value = (SEPARATOR, f)
        self[codepoint] = value
        return value


_CHARS = _CharTable()


class _FoldTable(dict[int, "str | int"]):
    """``str.translate`` table: each character to casefold(NFKC(char)), filled lazily."""

    def __missing__(self, codepoint: int) -> str | int:
        char = chr(codepoint)
        folded = _fold_char(char)
        value: str | int = codepoint if folded == char else folded
        self[codepoint] = value
        return value


_FOLD = _FoldTable()


class _Known:
    """The last non-ASCII texts found to be NFC, by identity (each kept alive while listed, so
    its ``id`` is not reused).

    A text is tested three times on its way into an index (the record's turn, the tokenizer,
    the code stream) and as often in a scan; the test walks every character (4-5 µs for an
    AlpacaEval output). Bounded in texts and in characters.
    """

    TEXTS = 4096
    CHARS = 4 << 20

    def __init__(self) -> None:
        self.texts: dict[int, str] = {}
        self.chars = 0

    def __contains__(self, text: str) -> bool:
        return self.texts.get(id(text)) is text

    def add(self, text: str) -> None:
        texts = self.texts
        if len(text) > self.CHARS // 4 or id(text) in texts:
            return
        while texts and (len(texts) >= self.TEXTS or self.chars + len(text) > self.CHARS):
            oldest = texts.pop(next(iter(texts)), None)  # None: another thread took it
            self.chars -= len(oldest) if oldest is not None else 0
        if not texts:
            self.chars = 0  # threads racing here can only have over-counted
        texts[id(text)] = text
        self.chars += len(text)


_NFC = _Known()


def canonical(text: str) -> str:
    """NFC form of ``text``: the form offsets and evidence refer to."""
    if text.isascii() or text in _NFC:
        return text
    if unicodedata.is_normalized("NFC", text):
        _NFC.add(text)
        return text
    return unicodedata.normalize("NFC", text)


def prepare(text: str) -> str:
    """``canonical(text)`` with markup blanked, invisible characters standing for spaces, the
    escapes of a JSON-escaped text and HTML character references made spaces or the letters
    they stand for (``laundering``; same length): what tokens are cut from."""
    return _prepared(canonical(text), invisible=True)


def _prepared(text: str, invisible: bool) -> str:
    """``prepare`` of a canonical text; ``invisible=False`` leaves invisible characters as
    they are (a text holding one is on the reference path, where ``prepare`` is applied)."""
    if invisible and not text.isascii():
        text = unglue(text)
    if "\\" in text:
        text = unescape_json(text)
    if "&" in text:
        text = unescape_html(text)
    # A one-character search first: ``str`` finds one character at memchr speed and a
    # two-character needle at a fifth of it, and most texts hold neither ``<`` nor ``]``.
    if "<" not in text and ("]" not in text or "](" not in text):
        return text
    return _MARKUP_RE.sub(lambda m: " " * (m.end() - m.start()), text)


def _folds_to_one(char: str) -> bool:
    value = _FOLD[ord(char)]
    return isinstance(value, int) or len(value) == 1


def _folded_tokens(base: str) -> tuple[str, list[re.Match[str]]]:
    folded = base.translate(_FOLD)
    return folded, list(_TOKEN_RE.finditer(folded))


def fold_tokens(text: str) -> list[str]:
    """The tokens of ``reference_tokens`` without their offsets (cheaper)."""
    return _TOKEN_RE.findall(prepare(text).translate(_FOLD))


def _fold_width(codepoint: int) -> int:
    value = _FOLD[codepoint]
    return 1 if isinstance(value, int) else len(value)


def reference_tokens(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The definition of tokens, and each token's offsets in ``canonical(text)``."""
    base = prepare(text)
    folded, found = _folded_tokens(base)
    toks = [m.group() for m in found]
    if len(folded) == len(base) and all(_folds_to_one(c) for c in set(base)):
        return toks, [m.span() for m in found]
    # Characters that fold to several (or none): map folded positions back to the base
    # character each came from, per distinct character rather than per character.
    cps = np.frombuffer(base.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    distinct, inverse = np.unique(cps, return_inverse=True)
    widths = np.array([_fold_width(int(c)) for c in distinct], dtype=np.int64)[inverse]
    origin = np.append(np.repeat(np.arange(len(base), dtype=np.int64), widths), len(base))
    starts = np.array([m.start() for m in found], dtype=np.int64)
    ends = np.array([m.end() for m in found], dtype=np.int64)
    return toks, list(zip(origin[starts].tolist(), (origin[ends - 1] + 1).tolist(), strict=True))


@dataclass(frozen=True, slots=True)
class Tokens:
    """Tokens of a batch of texts, as folded code points."""

    chars: U32
    """Folded code points of every text (or, for texts on the reference path, of their
    tokens joined by spaces), each text followed by one separator."""
    starts: I64
    """Index in ``chars`` where each token starts."""
    ends: I64
    """Index in ``chars`` just past each token."""
    bounds: I64
    """Text ``i``'s tokens are ``starts[bounds[i]:bounds[i+1]]``."""
    offsets: I64
    """Index in ``chars`` where each text starts (``len(texts) + 1`` entries)."""
    direct: npt.NDArray[np.bool_]
    """True where a text's ``chars`` are its canonical text folded one for one (so token
    positions are character offsets in the text)."""
    prepared: dict[int, str] = field(default_factory=dict)
    """``prepare`` of each text that is not ``direct``, by its index: its offsets are computed
    from it (``token_offsets``) instead of preparing the text a second time."""

    def strings(self, i: int) -> list[str]:
        """Text ``i``'s tokens as strings."""
        lo, hi = int(self.bounds[i]), int(self.bounds[i + 1])
        base = int(self.offsets[i])
        text = self.chars[base : int(self.offsets[i + 1])].tobytes().decode("utf-32-le", "surrogatepass")
        starts = (self.starts[lo:hi] - base).tolist()
        ends = (self.ends[lo:hi] - base).tolist()
        return [text[s:e] for s, e in zip(starts, ends, strict=True)]

    def spans(self, i: int) -> list[tuple[int, int]]:
        """Text ``i``'s token offsets in its ``chars`` (character offsets when ``direct``)."""
        starts, ends = self.span_arrays(i)
        return list(zip(starts.tolist(), ends.tolist(), strict=True))

    def span_arrays(self, i: int) -> Offsets:
        """Like :meth:`spans`, as two arrays (copies: they do not keep the batch alive)."""
        lo, hi = int(self.bounds[i]), int(self.bounds[i + 1])
        base = int(self.offsets[i])
        return self.starts[lo:hi] - base, self.ends[lo:hi] - base


_BMP = 0x10000
_CLASS_SHIFT = np.uint32(24)
_FOLD_MASK = np.uint32((1 << 24) - 1)
_BMP_TABLE = np.zeros(_BMP, dtype=np.uint32)
"""Class and folded code point of each Basic Multilingual Plane code point in one word
(``fold | (class + 1) << 24``; 0: not looked up yet): one gather per batch gives both, instead
of sorting its distinct characters or gathering twice."""


def _entry(codepoint: int) -> int:
    cls, fold = _CHARS[codepoint]
    return fold | (cls + 1) << 24


_BMP_TABLE[:128] = [_entry(c) for c in range(128)]


def _classify(cps: U32) -> tuple[npt.NDArray[np.int8], U32]:
    """Class and folded code point of every code point."""
    # Characters outside the BMP (emoji, mostly) are rare even where a batch holds some: look
    # every position up in the BMP table (astral ones clipped to a placeholder), then correct
    # only the astral positions, instead of masking and copying the whole batch.
    astral = np.flatnonzero(cps >= _BMP)
    index = np.minimum(cps, np.uint32(_BMP - 1)) if len(astral) else cps
    # Every index is below the table's size: "wrap" never wraps, and skips the bounds check
    # of every character that the default mode makes (callgrind: 5% fewer instructions).
    both = _BMP_TABLE.take(index, mode="wrap")
    if not both.all():
        for c in sorted_unique(index[both == 0]).tolist():
            _BMP_TABLE[c] = _entry(c)
        both = _BMP_TABLE.take(index, mode="wrap")
    cls = (both >> _CLASS_SHIFT).astype(np.int8)
    cls -= 1
    both &= _FOLD_MASK
    folded: U32 = both
    if len(astral):
        high = cps[astral]
        distinct, where = np.unique(high, return_inverse=True)
        table = [_CHARS[int(c)] for c in distinct.tolist()]
        cls[astral] = np.array([t[0] for t in table], dtype=np.int8)[where]
        folded[astral] = np.array([t[1] for t in table], dtype=np.uint32)[where]
    return cls, folded


def tokenize(texts: Sequence[str]) -> Tokens:
    """Tokens of every text, computed together."""
    # Invisible characters fold to nothing, so a text holding one leaves the direct path
    # (``_replace``): only there is it judged which of them stand for spaces (``unglue``).
    prepared = [_prepared(canonical(t), invisible=False) for t in texts]
    if TOKENS is not None:
        return _tokenize_compiled(texts, prepared, TOKENS)
    direct = np.ones(len(texts), dtype=bool)
    cls, folded, offsets = _encode(prepared)
    irregular = np.flatnonzero(cls == IRREGULAR)
    slow: dict[int, str] = {}
    if len(irregular):
        owners = sorted_unique(np.searchsorted(offsets, irregular, side="right") - 1).tolist()
        for i in owners:
            prepared[i] = slow[i] = prepare(texts[i])
        cls, folded, offsets = _replace(cls, folded, offsets, prepared, owners)
        direct[owners] = False
    starts, ends = _cut(cls)
    bounds = np.searchsorted(starts, offsets, side="left").astype(np.int64)
    return Tokens(folded, starts, ends, bounds, offsets, direct, slow)


def _tokenize_compiled(texts: Sequence[str], prepared: list[str], module: ModuleType) -> Tokens:
    """:func:`tokenize`'s arrays from the compiled loop: the same table, the same replacement
    of a text holding a character that folds to other than one (``replace``, called as the
    loop meets it), the same cut."""
    direct = np.ones(len(texts), dtype=bool)
    slow: dict[int, str] = {}

    def replace(i: int) -> str:
        # The loop folds and cuts it (``_replace``'s joined tokens); already prepared, as
        # ``prepare`` is not idempotent (see ``_replace``).
        slow[i] = base = prepare(texts[i])
        direct[i] = False
        return base

    chars, starts, ends, bounds, offsets = module.tokenize(
        prepared, _BMP_TABLE, _entry, replace, _FOLDED_BMP, _folded_class, _fold_string
    )
    return Tokens(
        np.frombuffer(chars, dtype=np.uint32),
        np.frombuffer(starts, dtype=np.int64),
        np.frombuffer(ends, dtype=np.int64),
        np.frombuffer(bounds, dtype=np.int64),
        np.frombuffer(offsets, dtype=np.int64),
        direct,
        slow,
    )


def _fold_string(codepoint: int) -> str:
    """``chr(codepoint).translate(_FOLD)``."""
    value = _FOLD[codepoint]
    return chr(value) if isinstance(value, int) else value


def _cut(cls: npt.NDArray[np.int8]) -> Offsets:
    """Token starts and ends: every maximal run of word characters, every unspaced character
    alone. Where ``word`` changes, a run starts and ends in turn (one ``flatnonzero`` over the
    batch, no masks to combine); the few unspaced characters are then inserted in order
    (none lies inside a run, so each goes at the same place in both arrays)."""
    word = cls == WORD
    change = np.empty(len(word), dtype=bool)
    if len(word):
        change[0] = word[0]
        np.not_equal(word[1:], word[:-1], out=change[1:])
    edges = np.flatnonzero(change)
    if len(edges) % 2:
        edges = np.append(edges, len(word))  # a run to the very end (no separator after)
    starts, ends = edges[0::2], edges[1::2]
    single = np.flatnonzero(cls == UNSPACED)
    if len(single):
        at = np.searchsorted(starts, single)
        return np.insert(starts, at, single), np.insert(ends, at, single + 1)
    return np.ascontiguousarray(starts), np.ascontiguousarray(ends)


def _replace(
    cls: npt.NDArray[np.int8], folded: U32, offsets: I64, prepared: list[str], owners: list[int]
) -> tuple[npt.NDArray[np.int8], U32, I64]:
    """The batch's arrays with texts ``owners`` (holding a character that folds to other than
    one character) replaced by their reference tokens joined by spaces; the other texts'
    arrays are kept, not encoded again."""
    cls_parts: list[npt.NDArray[np.int8]] = []
    fold_parts: list[U32] = []
    lengths = np.diff(offsets)
    done = 0
    for i in owners:
        cls_parts.append(cls[offsets[done] : offsets[i]])
        fold_parts.append(folded[offsets[done] : offsets[i]])
        # Already prepared: ``prepare`` is not idempotent (``laundering`` judges a text by the
        # words it holds, which blanking changes), so it is not applied again.
        text = " ".join(_TOKEN_RE.findall(prepared[i].translate(_FOLD)))
        c, f, _ = _encode([text])
        cls_parts.append(c)
        fold_parts.append(f)
        lengths[i] = len(text) + 1
        done = i + 1
    cls_parts.append(cls[offsets[done] :])
    fold_parts.append(folded[offsets[done] :])
    new_offsets = np.zeros(len(offsets), dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    return np.concatenate(cls_parts), np.concatenate(fold_parts), new_offsets


_NUL32 = "\x00".encode("utf-32-le")


def _encode(texts: list[str]) -> tuple[npt.NDArray[np.int8], U32, I64]:
    # One NUL after every text keeps tokens from running across texts. Each text is encoded
    # alone and the bytes joined: joining the strings first widens every text to the batch's
    # widest character size (one emoji makes the whole batch 4 bytes a character) and copies
    # it once more.
    parts = [t.encode("utf-32-le", "surrogatepass") for t in texts]
    if parts:
        parts.append(b"")
    cps = np.frombuffer(_NUL32.join(parts), dtype=np.uint32)
    cls, folded = _classify(cps)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    if texts:
        np.cumsum([len(t) + 1 for t in texts], out=offsets[1:])
    return cls, folded, offsets


def tokens(text: str) -> list[str]:
    """Normalized tokens of one text."""
    return tokenize([text]).strings(0)


def token_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Tokens of ``text`` and each token's ``[start, end)`` offsets in ``canonical(text)``."""
    batch = tokenize([text])
    if not batch.direct[0]:
        return reference_tokens(text)
    return batch.strings(0), batch.spans(0)


def token_offsets(text: str, batch: Tokens | None = None, i: int = 0) -> Offsets:
    """Start and end offsets of each token in ``canonical(text)``, as two arrays.

    ``batch`` may be the tokens ``text`` was fingerprinted with (``text`` is its ``i``-th).
    """
    if batch is None:
        batch, i = tokenize([text]), 0
    if not batch.direct[i]:
        return _reference_offsets(text, batch.prepared.get(i))
    return batch.span_arrays(i)


def _folded_class(codepoint: int) -> int:
    """Class of a character *of folded text*, as ``_TOKEN_RE`` sees it (not folded again)."""
    char = chr(codepoint)
    if _unspaced(codepoint):
        return UNSPACED
    return WORD if char.isalnum() and char != "_" else SEPARATOR


_FOLDED_BMP = np.full(_BMP, -1, dtype=np.int8)
"""``_folded_class`` of each BMP code point (-1: not looked up yet)."""
_WIDTH_BMP = np.full(_BMP, -1, dtype=np.int8)
"""``_fold_width`` of each BMP code point (-1: not looked up yet)."""


def _per_char(cps: U32, table: npt.NDArray[np.int8], value: Callable[[int], int]) -> I64:
    """``value`` of every code point, through ``table`` (filled on first sight) for the BMP."""
    out: I64 = table[np.minimum(cps, np.uint32(_BMP - 1))].astype(np.int64)
    todo = (out < 0) | (cps >= _BMP)
    if todo.any():
        distinct, where = np.unique(cps[todo], return_inverse=True)
        values = [value(c) for c in distinct.tolist()]
        for c, v in zip(distinct.tolist(), values, strict=True):
            if c < _BMP:
                table[c] = v
        out[todo] = np.array(values, dtype=np.int64)[where.reshape(-1)]
    return out


def _reference_offsets(text: str, base: str | None = None) -> Offsets:
    """``reference_tokens(text)[1]`` as two arrays, without a regex match object per token.

    ``_TOKEN_RE`` over the folded text takes each character of a space-less script alone and
    every maximal run of other alphanumerics (``[^\\W_]`` is ``str.isalnum()``): the same cut
    as :func:`tokenize`, made here on the folded characters' own classes. Folded positions go
    back to the base character each came from, as in :func:`reference_tokens`. A text on this
    path (a ``ß``, an ``…``, a zero-width character) cost a millisecond per evidence through
    Python lists (tests check both agree). ``base``: ``prepare(text)`` when the caller has it.
    """
    if base is None:
        base = prepare(text)
    folded = base.translate(_FOLD)
    classes = _per_char(
        np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32),
        _FOLDED_BMP,
        _folded_class,
    )
    word = classes == WORD
    single = classes == UNSPACED
    prev_word = np.concatenate(([False], word[:-1]))
    next_word = np.concatenate((word[1:], [False]))
    starts = np.flatnonzero((word & ~prev_word) | single)
    ends = np.flatnonzero((word & ~next_word) | single) + 1
    cps = np.frombuffer(base.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    widths = _per_char(cps, _WIDTH_BMP, _fold_width)
    origin = np.append(np.repeat(np.arange(len(base), dtype=np.int64), widths), len(base))
    return origin[starts], origin[ends - 1] + 1
