"""The faster forms of code detection give exactly what the first ones gave.

``code.may_be_code`` (the cheap test that rules prose out before the per-line one) decides as
the plain formula it replaced: any hint, then a fence or at least ``MIN_CODE_LINES`` matches
summed over every code form, each scanned with its regex. ``renamed_hashes`` (plain lists in
its loop) gives the values and positions of its first implementation."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provcheck.matching import code
from provcheck.matching.code import MIN_CODE_LINES, may_be_code, renamed_hashes
from provcheck.matching.fingerprint import _token_hashes
from provcheck.matching.normalize import tokenize


def _reference(text: str) -> bool:
    if text.count("\n") + 1 < MIN_CODE_LINES or not any(h in text for h in code._HINTS):
        return False
    if "```" in text or "~~~" in text:
        return True
    padded = "\n" + text
    bound = 0
    for form in code._CODE_ANYWHERE:
        bound += sum(1 for _ in zip(range(MIN_CODE_LINES), form.finditer(padded), strict=False))
        if bound >= MIN_CODE_LINES:
            return True
    return False


_PIECES = [
    "\n", "\n", "\r\n", " ", "\t", "x", "=", "==", ";", "{", "}", "(", ")", "if x:", "def f():",
    "a = 1", "return x", "`", "```", "~~~", "#", "#include <a>", "//", "++", "--", "i++",
    "for i in y:", "SELECT * FROM t", ".", "print(x)", "The quick brown fox jumps over it.",
    "Here are the steps:", "x[1], y = 2", "$a = 3;", "}\n", ";\n", "{\n", "é", "😀",
    # the words that gate hints ending in a space, with and without it
    "def", "define", "undef x", "import", "important", "import os", "SELECT", "SELECTED", "SELECT\n",
    "+", "-", "a+b", "x - y",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_may_be_code_equals_the_plain_formula(text: str) -> None:
    assert may_be_code(text) == _reference(text)


def test_gated_hints_and_line_counts_decide_as_the_plain_formula() -> None:
    for text in [
        "a\nb",
        "a\nb\n",
        "\n\n",
        "It is important\nto define\nthe SELECTION.",
        "import\nos\nx",
        "from x import y\nimport z\nimport w",
        "def\nf\ng",
        "x\ndef f(a):\n    return a",
        "SELECT\n* FROM t\nWHERE x",
        "SELECT *\nFROM t;\nSELECT 1;",
    ]:
        assert may_be_code(text) == _reference(text), text
        assert code._has_lines(text, MIN_CODE_LINES) == (text.count("\n") + 1 >= MIN_CODE_LINES)


def test_prose_with_hints_is_ruled_out_and_code_is_not() -> None:
    prose = "Step one: set x = 2.\nThen return to the start.\nDone, as the SELECT committee said."
    assert not may_be_code(prose) and not _reference(prose)
    src = "int main() {\n  int a = 1;\n  return a;\n}"
    assert may_be_code(src) and _reference(src)


def _reference_renamed(text: str, starts: Any, ends: Any, hashes: Any) -> tuple[Any, Any] | None:
    """``renamed_hashes`` as first written: numpy scalars and one write per identifier."""
    lines = code.code_lines(text)
    if not lines or not len(starts):
        return None
    line_starts = np.array([a for a, _ in lines], dtype=np.int64)
    line_ends = np.array([b for _, b in lines], dtype=np.int64)
    where = np.searchsorted(line_starts, starts, side="right") - 1
    on_code = (where >= 0) & (starts < line_ends[np.maximum(where, 0)])
    out = hashes.copy()
    keep = np.ones(len(hashes), dtype=bool)
    last: dict[str, int] = {}
    seen, changed, prev_end, name, first = 0, False, -2, "", -1

    def put(i: int) -> None:
        before = last.get(name)
        distance = seen - before if before is not None and seen - before <= code.REACH else 0
        out[i] = code._DISTANCE[distance]

    for i in np.flatnonzero(on_code).tolist():
        s, e = int(starts[i]), int(ends[i])
        tok = text[s:e].casefold()
        joined = s == prev_end + 1 and text[prev_end] == "_" and first >= 0
        prev_end = e
        if joined:
            name += "_" + tok
            keep[i] = False
            put(first)
            changed = True
            continue
        if first >= 0:
            last[name] = seen
            seen += 1
            first = -1
        sigil = s > 0 and text[s - 1] == "$"
        if tok[:1].isdigit() or (tok in code.KEYWORDS and not sigil) or not tok.isascii():
            continue
        first, name = i, tok
        put(i)
        changed = True
    return (out[keep], np.flatnonzero(keep).astype(np.int64)) if changed else None


_CODE_PIECES = [
    "\n", "\n", " ", "x", "y_z", "_", "foo_bar", "$a", "$", "=", ";", "{", "}", "(", ")",
    "if ", "def ", "a = 1", "return x", "for i in y:", "1_000", "x1", "é", "if_x", "_x",
    " = ", "()", "\t", "len(a)", "my_var_name = other_var + my_var_name;", "\nx_1 = f(y);",
    "\n    return a_b;", "\nfor (i = 0; i < n; i++) {", "\n$total = $total + $x;",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_CODE_PIECES), max_size=60).map("".join))
def test_renamed_hashes_equal_the_first_implementation(text: str) -> None:
    batch = tokenize([text])
    if not batch.direct[0]:
        return
    hashes = _token_hashes(batch)
    starts, ends = batch.span_arrays(0)
    got = renamed_hashes(text, starts, ends, hashes)
    want = _reference_renamed(text, starts, ends, hashes)
    assert (got is None) == (want is None)
    if got is not None and want is not None:
        assert np.array_equal(got[0], want[0]) and got[0].dtype == want[0].dtype
        assert np.array_equal(got[1], want[1]) and got[1].dtype == want[1].dtype


_LINE_PIECES = [
    " ", "\t", "x", "if", "else", "def", "return", "SELECT", "#include", "=", "==", "+=", "++", "--",
    "-", "+", "(", ")", ":", ";", ",", "{", "}", "$", "_", ".", "[", "]", "é", "😀", "\r", "\u2028",
    "The", "words", "f(x)", "a = b", "for i in x:", "// c", "# c",
    "class", "fn", "func", "#define", "CREATE", "using", "Define", "d", "c", "I", "S", "u", "lets",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_LINE_PIECES), max_size=16).map("".join))
def test_a_line_takes_a_code_form_as_the_whole_alternation_says(line: str) -> None:
    assert code._code_form(line) == (code._CODE_LINE.match(line) is not None)
    stripped = line.strip()
    assert code._code_form(stripped) == (code._CODE_LINE.match(stripped) is not None)
