"""Text normalization and tokenization: pure functions, no I/O.

A text's tokens are what every later stage compares, so copies that differ only in case,
whitespace, punctuation, quotes, markdown or HTML markup, Unicode compatibility forms or
NFC/NFD composition yield the same tokens. Scripts written without spaces (Chinese, Japanese
kana, Thai, Lao, Khmer, Myanmar) yield one token per character; every other script yields
words (maximal runs of letters and digits).

Two entry points must agree token for token: :func:`tokens` (fast, used on every text) and
:func:`token_spans` (slower, also returns character offsets; used only to show evidence).
"""

from __future__ import annotations

import re
import unicodedata

# Scripts written without spaces between words: each character is a token.
_UNSPACED = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals
    "\u3005\u3007\u3021-\u3029\u3038-\u303b"  # CJK iteration marks and numerals
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u312f\u31a0-\u31bf"  # Bopomofo
    "\u31f0-\u31ff"  # Katakana extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B-G
)
_TOKEN_RE = re.compile(f"[{_UNSPACED}]|[^\\W_{_UNSPACED}]+")
_ASCII_TOKEN_RE = re.compile(r"[a-z0-9]+")
# Markup that reformatting adds or strips: HTML tags and markdown link targets. Blanked with
# spaces of the same length so character offsets stay valid.
_MARKUP_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,200})?/?>|\]\([^()\s]{0,500}\)")


class _FoldTable(dict[int, "str | int"]):
    """``str.translate`` table: each character to casefold(NFKC(char)), filled lazily."""

    def __init__(self) -> None:
        super().__init__()
        self.irregular: set[int] = set()
        """Code points that fold to other than exactly one character."""

    def __missing__(self, codepoint: int) -> str | int:
        char = chr(codepoint)
        folded = unicodedata.normalize("NFKC", char).casefold()
        value: str | int = codepoint if folded == char else folded
        if len(folded) != 1:
            self.irregular.add(codepoint)
        self[codepoint] = value
        return value


_FOLD = _FoldTable()


def canonical(text: str) -> str:
    """NFC form of ``text``: the form offsets and evidence refer to."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def _blank_markup(text: str) -> str:
    if "<" not in text and "](" not in text:
        return text
    return _MARKUP_RE.sub(lambda m: " " * (m.end() - m.start()), text)


def fold(text: str) -> str:
    """Case- and compatibility-folded ``text`` with markup blanked; what tokens are cut from."""
    text = _blank_markup(canonical(text))
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD)


def tokens(text: str) -> list[str]:
    """Normalized tokens of ``text``."""
    text = _blank_markup(canonical(text))
    if text.isascii():
        return _ASCII_TOKEN_RE.findall(text.lower())
    return _TOKEN_RE.findall(text.translate(_FOLD))


def token_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Tokens of ``text`` and each token's ``[start, end)`` offsets in ``canonical(text)``."""
    base = _blank_markup(canonical(text))
    if base.isascii():
        found = list(_ASCII_TOKEN_RE.finditer(base.lower()))
        return [m.group() for m in found], [m.span() for m in found]
    folded = base.translate(_FOLD)
    found = list(_TOKEN_RE.finditer(folded))
    toks = [m.group() for m in found]
    if not _FOLD.irregular.intersection(map(ord, set(base))):
        # Every character folded to exactly one character: offsets carry over.
        return toks, [m.span() for m in found]
    # Map folded offsets back: folded position -> index of the base character it came from.
    origin: list[int] = []
    for i, char in enumerate(base):
        value = _FOLD[ord(char)]
        origin.extend([i] * (1 if isinstance(value, int) else len(value)))
    origin.append(len(base))
    spans = []
    for m in found:
        start = origin[m.start()]
        end = origin[m.end() - 1] + 1
        spans.append((start, end))
    return toks, spans
