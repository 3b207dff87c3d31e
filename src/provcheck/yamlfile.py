"""Untrusted YAML, loaded safely, with the line of every value for error messages.

Only plain data is built (``yaml.SafeLoader``: no object construction, no code). Anchors and
aliases are allowed, but the document may expand to at most ``MAX_NODES`` nodes counting every
alias use, so an alias bomb ("billion laughs") is refused instead of expanded.
"""

from __future__ import annotations

from typing import Any

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
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            total += _count(k, memo, depth + 1) + _count(v, memo, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
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
    if isinstance(node, yaml.MappingNode):
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
                raise YamlProblem(path, knode.start_mark.line + 1, f"duplicate key {skey!r}")
            out[skey] = _build(vnode, path)
            out.key_lines[skey] = knode.start_mark.line + 1
            out.key_columns[skey] = knode.start_mark.column + 1
        return out
    if isinstance(node, yaml.SequenceNode):
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
        return _SCALARS.construct_object(node)
    except ValueError:
        return str(node.value)  # e.g. an impossible date: validators report it as text


class _ScalarLoader(yaml.SafeLoader):
    def __init__(self) -> None:
        super().__init__("")


_SCALARS = _ScalarLoader()


def loads(text: str, path: str = "<string>") -> Any:
    """Parse one YAML document into plain data with line information."""
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
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlProblem(path, data.count(b"\n", 0, exc.start) + 1, "not UTF-8 text") from None
    return loads(text, path)


def line_of(container: Any, key: str | int | None = None) -> int | None:
    """Best-known line of ``container[key]`` (or of the container)."""
    if isinstance(container, LineDict):
        return container.line_of(str(key)) if key is not None else container.line
    if isinstance(container, LineList):
        if isinstance(key, int) and 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line
    return None
