"""Untrusted YAML, loaded safely, with the line of every value for error messages.

Only plain data is built (``yaml.SafeLoader``: no object construction, no code). Anchors and
aliases are allowed, but the document may expand to at most ``MAX_NODES`` nodes counting every
alias use, so an alias bomb ("billion laughs") is refused instead of expanded.

What a file's exact bytes parsed into is remembered (``remembered``/``_remember``): a file read
again with the same bytes, by the same parser, is not parsed, and PyYAML is not even imported
(~90 M instructions, ~5 % of a pre-commit hook's start). See ``_parsed_key`` for what the key
holds and docs/startup.md for the trust this asks of the cache directory.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
from typing import TYPE_CHECKING, Any

from provcheck.support import atomic, paths

if TYPE_CHECKING:
    import yaml

MAX_NODES = 100_000
"""Largest number of YAML nodes a document may expand to, aliases counted at every use."""
MAX_BYTES = 8 * 2**20
"""Largest YAML file read."""


class YamlProblem(Exception):
    """A YAML file cannot be read; ``str()`` is ``file:line: what``."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.message = message


class LineDict(dict[str, Any]):
    """A mapping that remembers its line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]
    key_columns: dict[str, int]

    def line_of(self, key: str) -> int:
        """Line of ``key`` (or of the mapping when absent)."""
        return self.key_lines.get(key, self.line)

    def column_of(self, key: str) -> int | None:
        """Column (from 1) of ``key``; None when unknown (a mapping not read from YAML)."""
        columns: dict[str, int] = getattr(self, "key_columns", {})
        return columns.get(key)


class LineList(list[Any]):
    """A sequence that remembers its line and the line of each item."""

    line: int = 0
    item_lines: list[int]
    item_columns: list[int]


def _count(node: yaml.Node, memo: dict[int, int], depth: int = 0) -> int:
    if depth > 200:
        raise YamlProblem("", node.start_mark.line + 1, "nested more than 200 levels deep")
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a cycle counts once (recursive aliases are rejected by construction)
    total = 1
    if getattr(node, "id", None) == "mapping":
        for k, v in node.value:
            total += _count(k, memo, depth + 1) + _count(v, memo, depth + 1)
    elif getattr(node, "id", None) == "sequence":
        for item in node.value:
            total += _count(item, memo, depth + 1)
    memo[key] = total
    return total


_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)


def _build(node: yaml.Node, path: str) -> Any:
    if node.tag not in _PLAIN_TAGS:
        raise YamlProblem(path, node.start_mark.line + 1, f"tag {node.tag!r} is not allowed: only plain data")
    if getattr(node, "id", None) == "mapping":
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        out.key_columns = {}
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                raise YamlProblem(path, knode.start_mark.line + 1, "merge keys (<<) are not supported")
            key = _build(knode, path)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise YamlProblem(path, knode.start_mark.line + 1, "keys must be plain scalars")
            skey = str(key)
            if skey in out:
                # PyYAML keeps the later value in silence (a second `use:` or `fail_on:`
                # replacing the first): both places are named, so the reader can tell which.
                raise YamlProblem(
                    path,
                    knode.start_mark.line + 1,
                    f"duplicate key {skey!r} (first at line {out.key_lines[skey]}): "
                    "a key is given once in a mapping; keep one of them",
                )
            out[skey] = _build(vnode, path)
            out.key_lines[skey] = knode.start_mark.line + 1
            out.key_columns[skey] = knode.start_mark.column + 1
        return out
    if getattr(node, "id", None) == "sequence":
        items = LineList()
        items.line = node.start_mark.line + 1
        items.item_lines = []
        items.item_columns = []
        for item in node.value:
            items.append(_build(item, path))
            items.item_lines.append(item.start_mark.line + 1)
            items.item_columns.append(item.start_mark.column + 1)
        return items
    try:
        return _scalars().construct_object(node)
    except ValueError:
        return str(node.value)  # e.g. an impossible date: validators report it as text


@functools.cache
def _scalars() -> yaml.SafeLoader:
    """The loader that builds scalars (made on first use: PyYAML is imported then)."""
    import yaml

    class _ScalarLoader(yaml.SafeLoader):
        def __init__(self) -> None:
            super().__init__("")

    return _ScalarLoader()


def loads(text: str, path: str = "<string>") -> Any:
    """Parse one YAML document into plain data with line information."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlProblem(path, line, f"invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(path, None, f"invalid YAML: {exc}") from None
    if node is None:
        return None
    try:
        size = _count(node, {})
    except YamlProblem as exc:
        raise YamlProblem(path, exc.line, exc.message) from None
    except RecursionError:
        raise YamlProblem(path, None, "nested too deeply") from None
    if size > MAX_NODES:
        raise YamlProblem(
            path,
            None,
            f"expands to more than {MAX_NODES:,} nodes (anchors and aliases counted at every "
            "use); refusing to load it",
        )
    try:
        return _build(node, path)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise YamlProblem(path, mark.line + 1 if mark else None, str(exc.problem)) from None
    except RecursionError:
        raise YamlProblem(path, None, "nested too deeply (recursive alias?)") from None


def load(path: str) -> Any:
    """Read and parse a YAML file."""
    return parse(read(path), path)


def read(path: str) -> bytes:
    """A YAML file's bytes (at most one more than ``MAX_BYTES``: ``parse`` refuses them)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise YamlProblem(path, None, f"cannot read: {exc.strerror or exc}") from None


def parse(data: bytes, path: str = "<bytes>") -> Any:
    """Parse the bytes of a YAML file (``read``) into plain data with line information."""
    if len(data) > MAX_BYTES:
        raise YamlProblem(path, None, f"larger than {MAX_BYTES // 2**20} MiB")
    key = _parsed_key(data)
    found = remembered(key)
    if found is not None:
        return found[0]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlProblem(path, data.count(b"\n", 0, exc.start) + 1, "not UTF-8 text") from None
    value = loads(text, path)
    _remember(key, value)
    return value


def line_of(container: Any, key: str | int | None = None) -> int | None:
    """Best-known line of ``container[key]`` (or of the container)."""
    if isinstance(container, LineDict):
        return container.line_of(str(key)) if key is not None else container.line
    if isinstance(container, LineList):
        if isinstance(key, int) and 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line
    return None


PARSED_DIR = "parsed-yaml"
"""Folder of the user's cache directory where parsed files are remembered, one file each."""
MAX_PARSED = 256
"""Parsed files kept; when a new one would make more, the least recently written go."""


@functools.cache
def parser_digest() -> str | None:
    """Digest of what turns bytes into values: this module's source and PyYAML's files (name,
    size, modification time; found without importing it). None when either cannot be read (an
    install without sources): then nothing is remembered."""
    import importlib.util

    try:
        with open(__file__, "rb") as fh:
            digest = hashlib.sha256(b"provcheck.yamlfile 1\0" + fh.read())
        spec = importlib.util.find_spec("yaml")
        if spec is None or spec.origin is None:
            return None
        for entry in sorted(os.scandir(os.path.dirname(spec.origin)), key=lambda e: e.name):
            if entry.is_file():
                st = entry.stat()
                digest.update(f"{entry.name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    except (OSError, ImportError, ValueError):
        return None
    return digest.hexdigest()


def _parsed_key(data: bytes) -> str | None:
    """The key of ``data``'s parsed form: the SHA-256 of the exact bytes with the parser's
    digest, so that another byte, another version of this module or of PyYAML is another key."""
    parser = parser_digest()
    if parser is None:
        return None
    return hashlib.sha256(parser.encode() + b"\0" + data).hexdigest()


def remembered(key: str | None) -> tuple[Any] | None:
    """``(value,)`` as parsed from the bytes of ``key``, or None when not remembered (or the
    entry cannot be read whole: then the file is parsed, as if nothing were remembered)."""
    if key is None:
        return None
    try:
        with open(os.path.join(paths.cache_dir(), PARSED_DIR, key + ".json"), encoding="utf-8") as fh:
            entry = json.load(fh)
        if not isinstance(entry, dict) or entry.get("key") != key or "value" not in entry:
            return None
        return (_decode(entry["value"]),)
    except (OSError, ValueError, TypeError, KeyError, IndexError, OverflowError):
        return None


def _remember(key: str | None, value: Any) -> None:
    """Write ``value`` as the parsed form of ``key``'s bytes; a failure only costs a parse."""
    if key is None:
        return
    directory = os.path.join(paths.cache_dir(), PARSED_DIR)
    try:
        os.makedirs(directory, exist_ok=True)
        entries = [e for e in os.scandir(directory) if e.name.endswith(".json")]
        if len(entries) >= MAX_PARSED:
            entries.sort(key=lambda e: e.stat().st_mtime_ns)
            for old in entries[: len(entries) - MAX_PARSED + 1]:
                os.unlink(old.path)
        text = json.dumps({"key": key, "value": _encode(value)}, separators=(",", ":"))
        atomic.write_text(os.path.join(directory, key + ".json"), text)
    except (OSError, ValueError):
        pass


def _encode(value: Any) -> Any:
    """The JSON form of a parsed value: mappings, sequences and dates are tagged lists (a
    scalar is never a list), each with the lines and columns ``_build`` recorded."""
    if isinstance(value, LineDict):
        items = [[k, value.key_lines[k], value.key_columns[k], _encode(v)] for k, v in value.items()]
        return ["m", value.line, items]
    if isinstance(value, LineList):
        items = [
            [ln, col, _encode(v)]
            for ln, col, v in zip(value.item_lines, value.item_columns, value, strict=True)
        ]
        return ["l", value.line, items]
    if isinstance(value, dt.datetime):
        offset = value.utcoffset()
        return [
            "t",
            [value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond],
            None if offset is None else [offset.days, offset.seconds],
        ]
    if isinstance(value, dt.date):
        return ["d", [value.year, value.month, value.day]]
    if value is None or type(value) in (str, int, float, bool):
        return value
    raise ValueError(f"not a parsed YAML value: {type(value).__name__}")  # not remembered


def _decode(value: Any) -> Any:
    """The value ``_encode`` gave the JSON form of (the same types, lines and columns)."""
    if not isinstance(value, list):
        if value is None or type(value) in (str, int, float, bool):
            return value
        raise ValueError("not an encoded YAML value")
    tag = value[0]
    if tag == "m":
        mapping = LineDict()
        mapping.line = int(value[1])
        mapping.key_lines = {}
        mapping.key_columns = {}
        for key, line, column, item in value[2]:
            if not isinstance(key, str):
                raise ValueError("not an encoded YAML key")
            mapping[key] = _decode(item)
            mapping.key_lines[key] = int(line)
            mapping.key_columns[key] = int(column)
        return mapping
    if tag == "l":
        items = LineList()
        items.line = int(value[1])
        items.item_lines = []
        items.item_columns = []
        for line, column, item in value[2]:
            items.append(_decode(item))
            items.item_lines.append(int(line))
            items.item_columns.append(int(column))
        return items
    if tag == "t":
        offset = value[2]
        tz = None if offset is None else dt.timezone(dt.timedelta(days=offset[0], seconds=offset[1]))
        year, month, day, hour, minute, second, micro = (int(v) for v in value[1])
        return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    if tag == "d":
        return dt.date(*(int(v) for v in value[1]))
    raise ValueError(f"unknown tag {tag!r}")
