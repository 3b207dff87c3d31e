"""``code.code_lines`` against its plain form (every line marked, then filtered): the same ranges."""

from __future__ import annotations

from provcheck.matching import code as c


def _plain(text: str) -> list[tuple[int, int]]:
    if not c.may_be_code(text):
        return []
    lines: list[tuple[int, int, int]] = []
    fenced, pos = False, 0
    for line in text.split("\n"):
        end, stripped, kind = pos + len(line), line.strip(), 0
        if c._FENCE.match(line):
            fenced = not fenced
        elif fenced:
            kind = 2 if stripped else 0
        elif stripped.startswith(c._COMMENT):
            kind = 1
        elif c._code_form(c._TRAILING_COMMENT.sub("", stripped)) and not c._prose(stripped):
            kind = 2
        lines.append((pos, end, kind))
        pos = end + 1
    code = [i for i, (_, _, k) in enumerate(lines) if k == 2]
    if len(code) < c.MIN_CODE_LINES:
        return []
    return [(a, b) for i, (a, b, k) in enumerate(lines) if k == 2 or (k == 1 and code[0] < i < code[-1])]


TEXTS = [
    "",
    "x = 1\ny = 2\nz = 3",
    "# head\nx = 1\n# between\ny = 2\n\n# again\nz = 3\n# tail\n// tail too",
    "Here is how:\n```python\n \t\nfoo()\n\u3000\nbar()\n\nbaz()\n```\nAnd that is all.",
    "```\na\n```\nprose line that is long enough to be a sentence of many plain words indeed\nx = 1",
    "~~~\n  x = 1;\n  y = 2;\n~~~\n# after\nreturn x",
    "int main() {\n  // set\n  int a = 1; // trailing\n  return a;\n}\n",
    "The steps:\n1. Open it\n2. Close it\n3. Done",
]


def test_code_lines_is_its_plain_form() -> None:
    for text in TEXTS:
        assert c.code_lines(text) == _plain(text), text
