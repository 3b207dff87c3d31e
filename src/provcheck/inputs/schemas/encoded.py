"""Base64-encoded copies: a record string that is base64 of text is read as that text.

A copied answer stored base64-encoded (``"payload": "VGhlIHF1aWNr..."``) was one long ASCII
word: counted as an "encoded or encrypted value" when it looked like base64, read as a
meaningless token when a schema took it as a turn, and in neither case matched. A string is
decoded when the decoding is cheap and leaves no doubt that it holds text:

- at least ``MIN_CHARS`` characters of the standard or URL-safe base64 alphabet (padding
  optional, but right where it is), or lines of it of one length (MIME and PEM bodies wrap at
  64 or 76; any width of 16 or more is taken), or groups of one width of 4 or more between
  spaces, and at most ``MAX_CHARS``: larger ones stay counted as encoded, not decoded;
- the bytes are valid UTF-8 and the text reads as words: it has white space, at least 95% of
  its characters are printable, and at least 30% are letters.

Random bytes (signatures, encrypted reasoning, hashes) are valid UTF-8 of mostly printable
characters with vanishing probability at this length, and an identifier that happens to use
the alphabet decodes to such bytes; short strings are never tried. The decoded text is read as
a turn located at the field with ``#base64`` after its path (``payload#base64``), so that every
report names the decoding. Decoding is not repeated on the decoded text.

JSON text held in a string (a chat serialised into one column, ``"data": "[{\\"role\\": ...}]"``)
is read as it stands when it holds only ASCII escapes of quotes and line breaks: the words are
there. But ``json.dumps`` escapes every other character by default (``ensure_ascii``), and a
Chinese or Russian answer serialised so was one long run of ``\\u5149\\u5408`` escapes whose
words no match could see (found by adversarial pass 11). Such a string, a JSON array, object or
string literal holding a ``\\u`` escape, is decoded; the strings it holds that the walker would
read (not its roles, ids or labels) are read as one turn at the field with ``#json`` after its
path.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from provcheck.inputs.base import keep_repeated_keys
from provcheck.inputs.schemas.walk import classify, last_key, leaves
from provcheck.matching.normalize import unspaced_letters
from provcheck.model import SkipReason

MIN_CHARS = 64
"""Shorter strings are never decoded: base64-like words (``Hello1World``) decode to noise."""
MAX_CHARS = 4 * 2**20
"""Longer base64 and ``data:`` strings are not decoded (they stay counted as encoded values);
JSON text is decoded whatever its length."""
SUFFIX = "#base64"
"""Appended to the field path of a decoded turn."""
URI_SUFFIX = "#data-uri"
"""Appended to the field path of a turn read from a percent-encoded ``data:`` URI."""
JSON_SUFFIX = "#json"
"""Appended to the field path of a turn read from JSON text with ``\\u`` escapes."""
_UNSPACED_LETTERS = 8
"""Characters of a script written without spaces that make a decoded text without white space
text of words (a Chinese sentence has none)."""
_JSON_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")
_DATA_URI = re.compile(r"data:([^,]*),(.*)", re.IGNORECASE | re.DOTALL)

_STANDARD = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_URLSAFE = re.compile(r"[A-Za-z0-9_\-]+={0,2}")
_WRAP = 16
"""The narrowest wrapped body decoded. MIME and PEM wrap base64 at 64 or 76 characters, but any
width is one ``textwrap`` call away: a copy wrapped at 50 was read as lines of noise and passed
(found 2026-12-06). The text tests decide, not the width: lines of the alphabet that decode to
binary (a DNA sequence, a grid of digits) stay as they were."""
_GROUP = 4
"""The narrowest group of a body spaced into groups (``VGhl IHF1 aWNr``: read as noise before)."""
_B64_GROUP = r"([A-Za-z0-9+/_\-]{4,})"
_SPACED_HEAD = re.compile(rf"\s*{_B64_GROUP}[ \t]+{_B64_GROUP}[ \t]+{_B64_GROUP}\s")


def may_be_spaced(value: str) -> bool:
    """A cheap test, before ``decoded_text``, of a turn holding spaces: its first three words are
    base64 groups of one width (prose almost never starts so; it is then read whole)."""
    m = _SPACED_HEAD.match(value)
    return m is not None and len(m.group(1)) == len(m.group(2)) == len(m.group(3))


def decoded_text(value: str) -> str | None:
    """The text ``value`` is the base64 encoding of, or None (see the module's docstring)."""
    if len(value) < MIN_CHARS or len(value) > MAX_CHARS:
        return None
    compact = value.strip()
    if " " in compact or "\t" in compact or "\n" in compact:
        # Lines of one width, or groups of one width between spaces (``VGhl IHF1 aWNr``), the
        # last one no longer: the groups joined are the body.
        groups = compact.split()
        width = len(groups[0])
        least = _GROUP if (" " in compact or "\t" in compact) else _WRAP
        if width < least or any(len(g) != width for g in groups[:-1]) or len(groups[-1]) > width:
            return None
        compact = "".join(groups)
    if _STANDARD.fullmatch(compact):
        alt = None
    elif _URLSAFE.fullmatch(compact):
        alt = b"-_"
    else:
        return None
    if len(compact) % 4 == 1 or ("=" in compact and len(compact) % 4):
        return None
    compact += "=" * (-len(compact) % 4)
    try:
        raw = base64.b64decode(compact, altchars=alt, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    # Base64 of JSON text of escapes (a serialised record, then encoded) is read: its
    # decoding is decoded as JSON text in turn.
    return text if _reads_as_text(text) or (may_be_json(text) and json_text(text) is not None) else None


def _reads_as_text(text: str) -> bool:
    """Text of words: white space between them, or a script written without spaces (Chinese,
    Japanese, Thai...: base64 of a Chinese answer was counted as an encoded value, and its copy
    passed, adversarial pass 12)."""
    if not text.strip():
        return False
    if not any(c.isspace() for c in text) and unspaced_letters(text) < _UNSPACED_LETTERS:
        return False
    printable = sum(1 for c in text if c.isprintable() or c in "\n\r\t")
    letters = sum(1 for c in text if c.isalpha())
    return printable >= 0.95 * len(text) and letters >= 0.3 * len(text)


def decoded_uri(value: str) -> tuple[str, str] | None:
    """The text a ``data:`` URI carries and the suffix naming its decoding, or None.

    ``data:text/plain;base64,VGhl...`` and ``data:,The%20quick...`` were counted as URLs and
    never read: a copy carried that way passed. Base64 is decoded as a bare base64 string is
    (``decoded_text``: the same length and text tests); a percent-encoded payload is read when it
    holds encoded characters and reads as text.
    """
    m = _DATA_URI.fullmatch(value.strip())
    if m is None:
        return None
    params, payload = m.group(1).lower(), m.group(2)
    if params.endswith(";base64"):
        text = decoded_text(payload)
        return (text, SUFFIX) if text is not None else None
    if len(payload) < MIN_CHARS or len(payload) > MAX_CHARS or "%" not in payload:
        return None
    import urllib.parse  # here: a data URI in a record is rare, the import (ipaddress...) is not free

    try:
        text = urllib.parse.unquote(payload, errors="strict")
    except UnicodeDecodeError:
        return None
    return (text, URI_SUFFIX) if _reads_as_text(text) else None


def may_be_json(value: str) -> bool:
    """A cheap test, before ``json_text``: a string holding a ``\\u`` escape (searches in C).

    The backslash alone first: ``str`` finds one character at ``memchr`` speed and a
    two-character needle far slower (callgrind, AlpacaEval answers: 8,600 instructions a text
    against 700), on every turn read, and most texts hold no backslash at all."""
    return "\\" in value and "\\u" in value


MAX_LAYERS = 4
"""JSON text decoded inside JSON text at most this deep (a record serialised twice, a request
body kept as a string inside a serialised log line, base64 of JSON text)."""


def json_text(value: str, layers: int = MAX_LAYERS) -> str | None:
    """The text of the JSON ``value`` when it is an array, object or string literal holding a
    ``\\u`` escape, or the body of such a literal without its quotes; None otherwise (see the
    module's docstring).

    Of a container, the strings the walker reads as text (``classify``: not a role, an id, a
    label, a URL...) are joined, a paragraph each, in document order; base64 of text and
    ``data:`` URIs among them are read decoded, as the walker reads them. A string that is
    itself such JSON text (serialised twice, or a serialised field of a serialised record) is
    decoded in turn, ``layers`` deep: one layer left its ``\\u5149`` escapes unread, and a
    Chinese copy serialised twice passed (adversarial pass 12).
    """
    compact = value.strip()
    # No size limit, unlike base64: the record is in memory already, the decoded text is no
    # longer than it, and JSON text of more than ``MAX_CHARS`` was read with its escapes
    # (a 12 MiB serialised Chinese chat was "1 turn scanned" and matched nothing).
    if layers <= 0 or _JSON_ESCAPE.search(compact) is None:
        return None
    if (compact[:1], compact[-1:]) in (("[", "]"), ("{", "}"), ('"', '"')):
        source = compact
    elif 12 * len(_JSON_ESCAPE.findall(compact)) >= len(compact):
        # A literal's body without its quotes (`text.encode("unicode_escape")`, a JavaScript
        # string): read decoded when its escapes are half of it, as a text in another script
        # is; a few escapes in ASCII text (`caf\u00e9`) leave its words readable as they are.
        source = f'"{compact}"'
    else:
        return None
    try:
        decoded = json.loads(source, object_pairs_hook=keep_repeated_keys, strict=False)
    except (ValueError, RecursionError):
        return None
    if isinstance(decoded, str):
        if not decoded.strip() or decoded == value:
            return None
        return _read(decoded, layers - 1)
    parts = []
    for path, text in leaves(decoded):
        if text is None:
            return None  # nested past the walker's limit: read as it stands, not in part
        reason = classify(last_key(path), text)
        if reason is None:
            parts.append(_read(text, layers - 1))
        elif reason in (SkipReason.ENCODED, SkipReason.ID) and (plain := decoded_text(text)) is not None:
            parts.append(plain)
        elif reason in (SkipReason.ENCODED, SkipReason.ID) and (word := decoded_word(text)) is not None:
            parts.append(word[0])
        elif reason is SkipReason.URL and (carried := decoded_uri(text)) is not None:
            parts.append(carried[0])
        elif reason is SkipReason.ID and (inner := json_text(text, layers - 1)) is not None:
            parts.append(inner)
    return "\n\n".join(parts) if parts else None


def _read(text: str, layers: int) -> str:
    """``text`` as read inside decoded JSON: decoded again when it is JSON text itself."""
    inner = json_text(text, layers) if may_be_json(text) else None
    if inner is None and (word := decoded_word(text)) is not None:
        return word[0]  # percent-encoded text read as a word
    return text if inner is None else inner


HEX_SUFFIX = "#hex"
"""Appended to the field path of a turn read from hexadecimal digits of text."""
PERCENT_SUFFIX = "#percent"
"""Appended to the field path of a turn read from percent-encoded text."""
_HEX = re.compile(r"(?:[0-9a-f]{2})+|(?:[0-9A-F]{2})+")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


def decoded_word(value: str) -> tuple[str, str] | None:
    """The text one word of hexadecimal digits (``bytes.hex()``) or of percent-encoding
    (``urllib.parse.quote``, ``quote_plus``: a form body, a query string) holds, and the suffix
    naming the decoding; None for anything else.

    Both are one long word, as base64 is: a copy kept so was read (or counted as an id) as that
    word and passed (adversarial pass 14). The same tests as base64's decide: at least
    ``MIN_CHARS`` characters, none of them white space, and bytes that are UTF-8 text of words;
    a digest's digits decode to random bytes and stay as they were.
    """
    if len(value) < MIN_CHARS or len(value) > MAX_CHARS or " " in value:
        return None
    compact = value.strip()
    if any(c.isspace() for c in compact):
        return None
    if _HEX.fullmatch(compact):
        try:
            text = bytes.fromhex(compact).decode("utf-8")
        except ValueError:  # UnicodeDecodeError is a ValueError
            return None
        return (text, HEX_SUFFIX) if _reads_as_text(text) else None
    if "%" not in compact or _PERCENT.search(compact) is None:
        return None
    import urllib.parse  # here: percent-encoded records are rare, the import is not free

    try:
        text = urllib.parse.unquote(compact, errors="strict")
        if "+" in compact and not _reads_as_text(text):
            text = urllib.parse.unquote_plus(compact, errors="strict")
    except UnicodeDecodeError:
        return None
    return (text, PERCENT_SUFFIX) if _reads_as_text(text) else None
