"""The shape of a shared passage: the kinds of structure independent answers converge on (a
list, code, a template, a recipe's ingredients, a citation) and mathematical notation. Pure.

``strength.judge`` reads them: a partial match of such a passage is likely convergence, not
copying (a textbook function, a classic recipe, a letter template are written alike by
independent authors), and a standard formula is written one usual way whole or not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

_CODE_STARTS = (
    "def ",
    "class ",
    "import ",
    "from ",
    "return",
    "#include",
    "public ",
    "private ",
    "function",
    "const ",
    "let ",
    "var ",
    "select ",
    "<",
)
_BLOCK_STARTS = ("for ", "if ", "elif ", "else", "while ", "try", "except", "with ", "switch")
_RECIPE = re.compile(
    r"\b(\d+(/\d+)?\s*(cups?|tbsp|tsp|tablespoons?|teaspoons?|grams?|oz|ounces?|ml|pounds?|lbs?)\b)",
    re.IGNORECASE,
)
_CITATION = re.compile(r"(\bet al\.|\bdoi\b|\bjournal of\b|\bvol\. \d|\bpp\. \d)", re.IGNORECASE)
_CITATION_WORDS = ("et al.", "doi", "journal of", "vol. ", "pp. ")
_YEAR_CITED = re.compile(r"\(\d{4}\)[.,]")
_TEMPLATE = re.compile(
    r"(\[[A-Z][A-Za-z' ]{1,30}\]|\{\{?\s*\w+\s*\}?\}|^dear\b|^subject:|\bsincerely,|\bbest regards,)",
    re.IGNORECASE | re.MULTILINE,
)
_TEMPLATE_HINTS = ("[", "{", "dear", "subject:", "sincerely,", "best regards,")
_LIST_LINE = re.compile(r"^\s*((?:\*\*)?(?i:step)\s+\d+\s*[:.)]|[-*+\u2022]|\d+[.)]|\|)\s*\S", re.MULTILINE)
"""A list line: a bullet, a number, a table row, or ``Step N:`` (how-to answers number their
steps in words as often as in figures; a list of ``Step N:`` lines was no list, and a partial
match of one could block where the same steps numbered ``N.`` could not)."""
_FIELD_LINE = re.compile(
    r"^[ \t]*(?:[-*+\u2022][ \t]+)?(?:\*\*)?[\"']?[^\W\d_][\w'()./ -]{0,29}?[\"']?(?:\*\*)?[ \t]*:"
    r"(?:\*\*)?[ \t]+\S",
    re.MULTILINE,
)
"""A field line: a short label (a word to five, quoted or bold or not), a colon, a value. Lines
of fields are what independent answers write alike for the same record or the same sentences:
JSON and YAML of one schema (``"name": "John Doe",``, ``city: Anytown``), translations a language
a line (``French: Merci beaucoup.``); none was a structure, and a partial match of them could
block (JSON 4, YAML 6, translations 13 in ``benchmarks/heldout_precision.py``, pass 20)."""
_STEP = re.compile(r"^\s*(?:\*\*)?(?i:step)\s+\d+\s*[:.)](?:\*\*)?")
"""A ``Step N:`` marker at the start of a line or sentence."""


def structure(text: str, context: str | None = None) -> str | None:
    """The kind of structure independent answers converge on, if ``text`` has one.

    A passage that holds ``PROSE_RUN`` sentences of plain prose has none, whatever markers sit
    beside them: one ``[Your Name]``, ``(2020).``, three quantities or a few code lines put into
    a copied passage must not make it "convergence" that can never block.

    The last answers are kept (``_SHAPES``): a turn matching several texts of one answer (a
    dump's near-copies, an answer and the same answer in another source) shares the same
    passage with each, and a scan meets repeated records (46% of the calls on issue 17's
    workload were asked before).
    """
    return _structure(text, context)


_SHAPES = 2048
"""Answers of :func:`structure` kept (passages and the turns they were cut from, a few MB)."""


@functools.lru_cache(maxsize=_SHAPES)
def _structure(text: str, context: str | None) -> str | None:
    if _prose_sentences(text) >= PROSE_RUN:
        return None
    if is_formula(text, context):
        return "formula"
    if text.count("```") >= 2 or _code_lines(text) >= 3:
        return "code"
    if len(_RECIPE.findall(text)) >= 3:
        return "recipe"
    # The regular expressions run only where a literal they need occurs (each cost 0.1-0.3 ms
    # on every match's passage otherwise); the result is the same.
    low = text.lower()
    if (any(w in low for w in _CITATION_WORDS) and _CITATION.search(text)) or (
        "(" in text and _YEAR_CITED.search(text)
    ):
        return "citation"
    if any(h in low for h in _TEMPLATE_HINTS) and _TEMPLATE.search(text):
        return "template"
    if len(_LIST_LINE.findall(text)) >= 3 and _list_items(text) >= 3:
        return "list"
    if ":" in text and _fields(text):
        return "list"
    return None


FORMULA_COMMANDS = 4
"""LaTeX commands (``\\frac``, ``\\nabla``) a passage needs to be mathematical notation..."""
FORMULA_SHARE = 0.5
"""...and the share of its words they and the symbols between them must be: a paragraph of
prose mentioning ``$x$`` twice is prose."""
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]{2,}")
_MATH_OPENERS = ("$$", "\\[", "\\(", "\\begin{")
_INLINE_MATH = re.compile(r"\$[^$\n]*\\[A-Za-z]{2,}[^$\n]*\$")
"""``$...$`` holding a command (``$HOME`` or a price is no math)."""


def is_formula(text: str, context: str | None = None) -> bool:
    """Whether ``text`` is mostly mathematical notation (LaTeX): a math delimiter (``$$``,
    ``\\[``, ``\\(``, ``\\begin{``, or ``$...$`` around a command), at least
    ``FORMULA_COMMANDS`` commands of two letters or more (not ``\\n`` or ``\\d`` of code and
    regular expressions), and at least
    ``FORMULA_SHARE`` of its whitespace-separated words holding a command, a delimiter or no
    letter at all (``=``, ``0``, ``&``). ``context``: the whole text the passage was cut from,
    where its delimiter is looked for (an aligned passage starts at its first aligned token,
    past the ``\\begin{align}`` or ``$$`` that opened it)."""
    where = context or text
    if "\\" not in text or not (any(m in where for m in _MATH_OPENERS) or _INLINE_MATH.search(where)):
        return False
    if len(_LATEX_COMMAND.findall(text)) < FORMULA_COMMANDS:
        return False
    words = text.split()
    math = sum(1 for w in words if "\\" in w or "$" in w or not any(c.isalpha() for c in w))
    return math >= FORMULA_SHARE * len(words)


PROSE_WORDS = 12
"""A line of more than this many words, nearly all of them words, is a sentence: put in a list or
ended with ``;`` it is still prose, not the short items (films, ingredients) or code lines that
independent answers converge on (else a copy bulleted line by line was never blocked)."""


def _prose(line: str) -> bool:
    words = line.split()
    if len(words) <= PROSE_WORDS:
        return False
    plain = sum(1 for w in words if w.strip(".,;:!?\"'()[]{}-*+").isalpha())
    return plain >= 0.8 * len(words)


PROSE_RUN = 3
"""Sentences of plain prose (``_prose``, no structure marker in them) that make a passage prose."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")
_MARKS = ("[", "{", "<", "`", "|", "=", "et al.", "doi")


def _prose_sentences(text: str) -> int:
    """Sentences of plain prose in ``text``, counted up to ``PROSE_RUN``."""
    n = 0
    for sentence in _sentences(text):
        if sentence.lstrip("* \t")[:4].lower() == "step":
            # ``Step 3: Whisk ...`` is read as ``3. Whisk ...`` is, whose ``3.`` ends a sentence
            # of its own: the marker does not make the step a sentence of prose.
            sentence = _STEP.sub("", sentence, count=1)
        if (
            _prose(sentence)
            and not any(m in sentence.lower() for m in _MARKS)
            and not _RECIPE.search(sentence)
        ):
            n += 1
            if n == PROSE_RUN:
                break
    return n


def _sentences(text: str) -> Iterator[str]:
    """``_SENTENCE_END.split(text)``, one piece at a time: a prose passage is decided by its
    first sentences, and splitting the whole passage first was most of ``structure``'s cost."""
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        yield text[pos : m.start()]
        pos = m.end()
    yield text[pos:]


def _list_items(text: str) -> int:
    """List lines whose item is not a sentence of prose, counted up to 3."""
    n = 0
    for m in _LIST_LINE.finditer(text):
        end = text.find("\n", m.start())
        # ``Step 3:`` is read as ``3.`` is: the word "Step" does not make an item a sentence.
        start = m.start(1) + next((k for k, c in enumerate(m.group(1)) if c.isdigit()), 0)
        if not _prose(text[start : end if end >= 0 else len(text)]):
            n += 1
            if n == 3:
                break
    return n


def _fields(text: str) -> bool:
    """Whether ``text`` holds field lines (``_FIELD_LINE``, not sentences of prose, a label of five
    words at most) of 3 labels or more, in cycles: each label once, in one order, as many times as
    there are records (the fields of a JSON or YAML record, a sentence's translations language by
    language). A dialogue (``Alice: ...``, ``Bob: ...``) is no cycle of its speakers, and a copied
    dialogue stays what it was."""
    labels: list[str] = []
    for m in _FIELD_LINE.finditer(text):
        label = m.group(0).split(":", 1)[0].strip(" \t-*+\u2022\"'").lower()
        end = text.find("\n", m.start())
        if len(label.split()) <= 5 and not _prose(text[m.start() : end if end >= 0 else len(text)]):
            labels.append(label)
    cycle = list(dict.fromkeys(labels))
    return len(cycle) >= 3 and all(label == cycle[k % len(cycle)] for k, label in enumerate(labels))


def _code_lines(text: str) -> int:
    """Lines that read as code, counted up to 3 (string tests: a regular expression over every
    line cost a millisecond per match)."""
    n = 0
    for line in text.splitlines():
        s = line.strip()
        if not s or _prose(s):
            continue
        low = s.lower()
        if (
            s.endswith((";", "{", "}"))
            or low.startswith(_CODE_STARTS)
            or (s.endswith(":") and low.startswith(_BLOCK_STARTS))
            or _sql_line(s, low)
        ):
            n += 1
            if n == 3:
                break
    return n


_SQL_STARTS = (
    "create table",
    "create index",
    "create unique index",
    "create view",
    "insert into",
    "alter table",
    "drop table",
    "delete from",
    "foreign key",
    "primary key",
    "constraint ",
)
_SQL_TYPE = re.compile(
    r"^[\w\"`]+\s+(INT|INTEGER|BIGINT|SMALLINT|SERIAL|BIGSERIAL|VARCHAR|CHAR|TEXT|DATE|DATETIME|"
    r"TIMESTAMP|DECIMAL|NUMERIC|FLOAT|DOUBLE|REAL|BOOLEAN|BOOL|BLOB|UUID|JSONB?)\b"
)
_SQL_CONSTRAINTS = ("primary key", "not null", "references ", "default ", "unique")


def _sql_line(s: str, low: str) -> bool:
    """Whether a line reads as SQL: a statement that starts a table's, an index's or a row's
    definition (``CREATE TABLE users (``), or a column definition (``email VARCHAR(100) NOT
    NULL,``: a name, a type in capitals, or a type with a constraint). A schema of the usual
    tables (users, orders) is what independent answers write alike, and its lines end in ``(``
    and ``,``, which the other tests do not read as code."""
    if low.startswith(_SQL_STARTS):
        return True
    if not s.endswith((",", ")")) or " " not in s:
        return False
    if _SQL_TYPE.match(s):
        return True
    return _SQL_TYPE.match(s.split(" ", 1)[0] + " " + s.split(" ", 1)[1].upper()) is not None and any(
        c in low for c in _SQL_CONSTRAINTS
    )
