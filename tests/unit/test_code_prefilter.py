"""``code.may_be_code`` (the cheap test that rules prose out before the per-line one) decides
exactly as the plain formula it replaced: any hint, then a fence or at least
``MIN_CODE_LINES`` matches summed over every code form, each scanned with its regex."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from provcheck.matching import code
from provcheck.matching.code import MIN_CODE_LINES, may_be_code


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
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_may_be_code_equals_the_plain_formula(text: str) -> None:
    assert may_be_code(text) == _reference(text)


def test_lines_ending_with_a_brace_or_semicolon_are_counted_as_the_regex_finds_them() -> None:
    form = code._CODE_ANYWHERE[code._ENDS_FORM]
    for text in ["a;\nb{\nc}", "a;\r\nb;", ";;\n;", "", "}", "x\n\n;\n", " ;\n\t{\n"]:
        want = sum(1 for _ in form.finditer("\n" + text))
        assert code._lines_ending_code(text) == want, text


def test_prose_with_hints_is_ruled_out_and_code_is_not() -> None:
    prose = "Step one: set x = 2.\nThen return to the start.\nDone, as the SELECT committee said."
    assert not may_be_code(prose) and not _reference(prose)
    src = "int main() {\n  int a = 1;\n  return a;\n}"
    assert may_be_code(src) and _reference(src)
