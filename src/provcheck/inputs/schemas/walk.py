"""Every string of a record, by path, and the rule that decides which are text.

Schemas read the parts they recognise; whatever they leave is walked here: a string is read as
text unless it is plainly not prose (an id, a URL, a number, a short label, encoded data), in
which case it is counted as skipped with that reason. Nothing is dropped without a count.
"""

from __future__ import annotations

import re
from typing import Any

from provcheck.matching.normalize import tokens
from provcheck.matching.params import MatchConfig
from provcheck.model import SkipReason

MAX_DEPTH = 64
"""Containers nested deeper are not read: each is a ``limit`` skip and a located error (hostile
nesting must not exhaust the stack)."""
KEY_WORDS = 4
"""An object key of this many words or more is read like a value: text can hide in keys."""
_KEY_CHARS = 2 * KEY_WORDS - 1
"""The shortest key of ``KEY_WORDS`` words (a character each, one between each two): shorter
keys (``id``, ``text``) are not split."""

_ID_KEYS = frozenset(
    {"id", "_id", "uuid", "guid", "uid", "idx", "index", "key", "hash", "sha", "sha1", "sha256", "md5"}
)
_MODEL_NAMES = (
    "model_a",
    "model_b",
    "model_1",
    "model_2",
    "generator_1",
    "generator_2",
    "chosen_model",
    "rejected_model",
    "model_chosen",
    "model_rejected",
    "models",
    "model_names",
    "generation_models",
)
MODEL_KEYS = frozenset({*_MODEL_NAMES, *(k.replace("_", "-") for k in _MODEL_NAMES)})
"""More fields that name the model that wrote a record's text (``schemas.GENERATOR_KEYS``):
Chatbot Arena's and MT-bench judgments' ``model_a``/``model_b``, AlpacaEval annotations'
``generator_1``/``generator_2``, preference sets' ``chosen_model``/``rejected_model`` (or
``model_chosen``, ``chosen-model``), lists (UltraFeedback's ``models``, distilabel's
``generation_models``). Their short values are labels, not text."""
_LABEL_KEYS = frozenset(
    {
        *MODEL_KEYS,
        "role",
        "from",
        "type",
        "name",
        "lang",
        "language",
        "locale",
        "model",
        "generator",
        "model_name",
        "source_model",
        "dataset",
        "license",
        "licence",
        "split",
        "category",
        "categories",
        "label",
        "labels",
        "tag",
        "tags",
        "source",
        "status",
        "finish_reason",
        "stop_reason",
        "object",
        "mime_type",
        "media_type",
        "format",
        "encoding",
        "kind",
        "task",
        "domain",
        "topic",
        "difficulty",
        "version",
        "date",
        "created",
        "timestamp",
    }
)
_ENCODED_KEYS = frozenset({"signature", "encrypted_content", "redacted_thinking"})
LABEL_TOKENS = 8
"""A label-named field with more tokens than this is read: a long "source" may be a copy."""
PROSE_TOKENS = MatchConfig().min_tokens
"""Strings this long (in tokens) are read whatever their field: the shortest match reported."""
_URL = re.compile(r"(?:[a-z][a-z0-9+.\-]*://|data:|mailto:|www\.)\S*", re.IGNORECASE)
_NUMBER = re.compile(r"[\s+\-−$€£¥%#]*\d[\d\s.,:/%+\-−_TZtz]*[a-zA-Z]{0,3}")
_HEX_ID = re.compile(r"(?=[^\s]*\d)[0-9a-fA-F][0-9a-fA-F\-_:]{15,}")
_ENCODED = re.compile(r"[A-Za-z0-9+/=_\-]{64,}")
_INDEX = re.compile(r"\[\d+(?:-\d+)?\]")  # a range: a run read as one text (``runs``)
_ALNUM = re.compile(r"[^\W_]+")
HAS_ALNUM = re.compile(r"[^\W_]")
"""Finds a character for which ``str.isalnum`` is true (``\\w`` is exactly alnum or ``_``): one
regex search in C instead of a Python generator over every character."""
HAS_SPACE = re.compile(r"\s")
"""Finds a character for which ``str.isspace`` is true (both are ``Py_UNICODE_ISSPACE``)."""


_PATTERNS: dict[str, str] = {}
"""``field_pattern`` of the paths with an index met (``messages[3].content``: a few per dataset,
on every record; bounded, as paths come from data)."""
_MAX_PATTERNS = 4096


def field_pattern(path: str) -> str:
    """A field path with list indices (or an index range, ``runs.span_field``) as ``[]``:
    ``messages[3].content`` -> ``messages[].content``."""
    # Most paths hold no index (``id``, ``text``): a one-character search, not a regex pass.
    if "[" not in path:
        return path
    found = _PATTERNS.get(path)
    if found is None:
        found = _INDEX.sub("[]", path)
        if len(_PATTERNS) < _MAX_PATTERNS:
            _PATTERNS[path] = found
    return found


def _is_id_key(key: str) -> bool:
    name = key.lower()
    return name in _ID_KEYS or name.endswith(("_id", "_uuid", "_key", "_hash", "-id", "id_"))


_LABELS: dict[tuple[str, str], SkipReason | None] = {}
"""``classify`` of the short values of label-named fields met (role names, types: a few per
dataset, on every record; bounded, as values come from data)."""
_MAX_LABELS = 4096


def classify(key: str, text: str) -> SkipReason | None:
    """:func:`classify_value`, remembered for the short values of label-named fields."""
    if key not in _LABEL_KEYS or len(text) > 100:
        return classify_value(key, text)
    pair = (key, text)
    if pair in _LABELS:
        return _LABELS[pair]
    found = classify_value(key, text)
    if len(_LABELS) < _MAX_LABELS:
        _LABELS[pair] = found
    return found


def classify_value(key: str, text: str) -> SkipReason | None:
    """Why ``text`` (the value of ``key``) is not read, or None when it is read as text.

    Value shapes decide alone (a URL is a URL wherever it is); a field's name only marks as a
    label or an id a value short enough to be one, so a long "source" or "id" is still read.
    Text as long as the shortest match (``PROSE_TOKENS``) is always read, unless it is one
    ASCII word (a URL, a digest, base64): no name or shape can hide a copy.
    """
    value = text.strip()
    if not value:
        return SkipReason.EMPTY
    if not HAS_ALNUM.search(value) and (value.isascii() or not tokens(value)):
        return SkipReason.NO_TOKENS
    spaced = HAS_SPACE.search(value) is not None
    if is_prose(value):
        return None
    if not spaced and _URL.fullmatch(value):
        return SkipReason.URL
    if _NUMBER.fullmatch(value) and sum(c.isalpha() for c in value) <= 3:
        return SkipReason.NUMBER
    name = key.lower()
    if not spaced and value.isascii() and (_is_id_key(name) or _HEX_ID.fullmatch(value)):
        return SkipReason.ID
    if not spaced and (name in _ENCODED_KEYS or (_ENCODED.fullmatch(value) and _looks_encoded(value))):
        return SkipReason.ENCODED
    if name in _LABEL_KEYS and len(value) <= 100 and _count(value) <= LABEL_TOKENS:
        return SkipReason.LABEL
    return None


def is_prose(text: str) -> bool:
    """True for text as long as the shortest match (``PROSE_TOKENS``) that is not one ASCII word:
    read whatever its field is called (``--id-field`` included)."""
    value = text.strip()
    # The length first: most ids and labels are shorter, and need no search.
    if len(value) < PROSE_TOKENS:
        return False
    spaced = HAS_SPACE.search(value) is not None
    return (spaced or not value.isascii()) and _count(value) >= PROSE_TOKENS


def _count(value: str) -> int:
    """Tokens in ``value``: runs of letters and digits for ASCII (the tokenizer's numpy pass
    costs more than the whole walk on short strings), the tokenizer's count otherwise."""
    return len(_ALNUM.findall(value)) if value.isascii() else len(tokens(value))


def _looks_encoded(value: str) -> bool:
    """Base64 mixes cases and digits; a long identifier in words (snake_case) does not."""
    return all(any(test(c) for c in value) for test in (str.isdigit, str.isupper, str.islower))


def last_key(path: str) -> str:
    """The name of the field a path ends in (``a.b[2]`` -> ``b``), or ``text`` for none."""
    if "." not in path and "[" not in path and "#" not in path:  # a top-level key (most)
        return path or "text"
    return path.rsplit(".", 1)[-1].split("[")[0].split("#")[0] or "text"


def depth_of(path: str) -> int:
    """How deep ``leaves`` finds the value at ``path`` (one level per key or index)."""
    return path.count(".") + path.count("[") + 1 if path else 0


def flat_leaves(data: dict[Any, Any]) -> list[tuple[str, str | None]]:
    """``list(leaves(data))`` for a record none of whose values is a container (most rows of
    a table or of JSON Lines): no stack to walk."""
    out: list[tuple[str, str | None]] = []
    for key, child in data.items():
        if isinstance(key, str) and len(key) >= _KEY_CHARS and len(key.split()) >= KEY_WORDS:
            out.append((f"{key}#key", key))
        if isinstance(child, str):
            out.append((str(key), child))
    return out


def leaves(value: Any, path: str = "", depth: int = 0) -> list[tuple[str, str | None]]:
    """``(path, string)`` for every string in ``value`` in document order, and ``(path, None)``
    for every non-empty container nested beyond ``MAX_DEPTH`` (not read)."""
    out: list[tuple[str, str | None]] = []
    _walk(value, path, depth, out)
    return out


def _walk(item: Any, here: str, level: int, out: list[tuple[str, str | None]]) -> None:
    """``leaves`` of ``item`` at ``here``, appended to ``out``: depth first, a string child
    taken where it is met (no call for it). Recursion stops at ``MAX_DEPTH``."""
    if isinstance(item, str):
        out.append((here, item))
    elif isinstance(item, (dict, list, tuple)) and item and level >= MAX_DEPTH:
        out.append((here, None))
    elif isinstance(item, dict):
        deeper = level + 1
        for key, child in item.items():
            name = str(key)
            at = f"{here}.{name}" if here else name
            if isinstance(key, str) and len(key) >= _KEY_CHARS and len(key.split()) >= KEY_WORDS:
                out.append((f"{at}#key", key))
            if isinstance(child, str):
                out.append((at, child))
            elif isinstance(child, (dict, list, tuple)):
                _walk(child, at, deeper, out)
    elif isinstance(item, (list, tuple)):  # tuples: Arrow map entries, (key, value)
        deeper = level + 1
        for i, child in enumerate(item):
            if isinstance(child, str):
                out.append((f"{here}[{i}]", child))
            elif isinstance(child, (dict, list, tuple)):
                _walk(child, f"{here}[{i}]", deeper, out)
