"""Write src/provcheck/matching/lookalikes.py, the table of letters drawn like Latin ones, from
Unicode's confusables data (UTS #39 ``confusables.txt``).

    python scripts/confusables_table.py            # rewrite the module from the checked-in copy
    python scripts/confusables_table.py --check    # exit 1 when the module is not current (a test runs this)
    python scripts/confusables_table.py --source PATH   # another copy of the same file (sha256 checked)

The data is the release of ``confusables.txt`` for the Unicode version of the running Python's
``unicodedata`` (``EXPECTED_UNICODE``; a Python of another Unicode version is refused, so the
table never mixes two versions). It is checked in, gzipped, at ``scripts/data/`` (the file as
published at ``URL``, whose SHA-256 is pinned in ``SHA256``), so neither this script nor the tests
need the network; a copy is refused unless its digest is the pinned one. No PyPI package ships
this release of the file as published (``confusable_homoglyphs`` ships a derived JSON of a later
release, ``confusables`` 1.2.0 ships 13.0.0), and the runtime needs only the few hundred rows
kept here, so none is a dependency.

Kept: rows mapping one character to one ASCII letter or digit (its skeleton), where the character
is a letter or a number (``L*``, ``N*``: symbols such as ``∪`` or ``×`` are not letters in a word,
and folding them would join words), not ASCII, and not of a script written without spaces (its
characters are tokens one by one, ``normalize._UNSPACED_RANGES``). The table's key is the
character as the tokenizer meets it before the table: ``casefold(NFKC(char))``; a key that is
ASCII after that (fullwidth and mathematical letters) is folded by NFKC already, and a key that
decomposes is folded through its base letter (``folding`` strips the decorations). A
compatibility variant (a character NFKC changes) folds as its NFKC form does, so that NFKC
equivalents still fold alike: its own row is not used (the lunate sigma ``ϲ`` is drawn as a c,
but makes no ``σ`` a c; a mathematical ``𝛎`` folds as ``ν`` does). Both the
capital and the small form of a letter fold through the same key, so case stays irrelevant: where
the capital and the small letter have different skeletons (Greek ``Η``→H and ``η``→n, Cyrillic
``В``→B, ``в`` none), the capital's wins, as substitution swaps Latin capitals for the capitals of
Greek, Cyrillic and Cherokee that are drawn the same.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scripts" / "data" / "confusables-14.0.0.txt.gz"
OUT = ROOT / "src" / "provcheck" / "matching" / "lookalikes.py"
EXPECTED_UNICODE = "14.0.0"
URL = "https://www.unicode.org/Public/security/14.0.0/confusables.txt"
SHA256 = "f901938af166c3afa471bd10c224b0979cd024340f290649e16b29f779d48bfe"
UNSPACED = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x2E80, 0x9FFF), (0xF900, 0xFAFF))
"""Scripts written without spaces (a superset of ``normalize._UNSPACED_RANGES``'s blocks)."""


def load(path: Path) -> bytes:
    """The file's bytes (gunzipped when the name ends in .gz), refused unless its SHA-256 is pinned."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{path}: sha256 {digest}; expected {SHA256} ({URL})")
    return raw


def _rows(raw: bytes) -> list[tuple[str, str]]:
    """(character, skeleton) of every row mapping one character to one character."""
    rows = []
    for line in raw.decode("utf-8-sig").splitlines():
        row = line.split("#", 1)[0].strip()
        if row:
            source, target = (f.split() for f in row.split(";")[:2])
            if len(source) == 1 and len(target) == 1:
                rows.append((chr(int(source[0], 16)), chr(int(target[0], 16))))
    return rows


def table(raw: bytes) -> dict[str, str]:
    """Folded character -> ASCII letter or digit (small), from the rows of ``confusables.txt``.

    A skeleton several ASCII characters share (``l`` is the skeleton of ``I``, ``l`` and ``1``;
    ``O`` of ``O`` and ``0``) is read as the capital among them for a capital letter (Greek
    ``Ι`` is an ``I``, folded to ``i`` as ``I`` is), else as itself.
    """
    rows = _rows(raw)
    skeleton_of = {char: skeleton for char, skeleton in rows if char.isascii()}
    capital_for: dict[str, str] = {}
    for ascii_char in map(chr, range(0x30, 0x7B)):
        if ascii_char.isalnum() and ascii_char.isupper():
            capital_for.setdefault(skeleton_of.get(ascii_char, ascii_char), ascii_char)
    found: dict[str, list[tuple[bool, int, str]]] = defaultdict(list)
    for char, skeleton in rows:
        if not (skeleton.isascii() and skeleton.isalnum()) or char.isascii():
            continue
        if unicodedata.category(char)[0] not in "LN" or any(a <= ord(char) <= b for a, b in UNSPACED):
            continue
        latin = capital_for.get(skeleton, skeleton) if unicodedata.category(char) == "Lu" else skeleton
        nfkc = unicodedata.normalize("NFKC", char)
        if nfkc != char:
            # A compatibility variant folds as its NFKC form does, as everywhere in the
            # tokenizer: the lunate sigma ``ϲ`` (drawn as a c) does not make every ``σ`` a c,
            # and a mathematical bold ``𝛎`` folds as ``ν`` does.
            continue
        key = nfkc.casefold()
        if len(key) != 1 or key.isascii() or len(unicodedata.normalize("NFD", key)) != 1:
            continue
        if unicodedata.normalize("NFKC", key) != key:
            continue
        found[key].append((char == key, ord(char), latin.lower()))
    # The capital's reading first (``char == key`` is False for it), then the lowest code point.
    return {key: sorted(rows)[0][2] for key, rows in found.items()}


def module(raw: bytes) -> str:
    """The source of ``lookalikes.py``."""
    by_target: dict[str, list[str]] = defaultdict(list)
    for key, target in sorted(table(raw).items()):
        by_target[target].append(key)
    lines = []
    for target in sorted(by_target):
        escaped = [f"\\u{ord(k):04x}" if ord(k) < 0x10000 else f"\\U{ord(k):08x}" for k in by_target[target]]
        # Lines as ruff formats them (so that the file is its own formatted form): one line when
        # it fits in 110 characters, else the string alone in parentheses, else the escapes
        # packed into lines of at most 110.
        whole = "".join(escaped)
        chunks = [""]
        for e in escaped:
            if len(whole) + 10 > 110 and len(chunks[-1]) + len(e) + 10 > 110:
                chunks.append("")
            chunks[-1] += e
        body = "\n        ".join(f'"{c}"' for c in chunks)
        if len(whole) + 12 > 110:
            lines.append(f'    "{target}": (\n        {body}\n    ),')
        else:
            lines.append(f'    "{target}": {body},')
    count = sum(len(v) for v in by_target.values())
    head = HEADER.format(url=URL, sha256=SHA256, version=EXPECTED_UNICODE, count=count)
    return head + "\n".join(lines) + FOOTER


HEADER = '''"""Letters of other scripts drawn like Latin letters and digits: generated, do not edit.

Source: Unicode confusables data (UTS #39) {version},
{url}
(sha256 {sha256}),
by ``python scripts/confusables_table.py``, which says which rows are kept and why (a test
checks that this file is its output). {count} characters, each keyed as the tokenizer
meets it (``casefold(NFKC(char))``), folded to the ASCII letter or digit it is drawn as.
"""

from __future__ import annotations

UNICODE_VERSION = "{version}"
"""The Unicode version of the data (``unicodedata.unidata_version`` of the Python that wrote it)."""

DRAWN_AS: dict[str, str] = {{
'''

FOOTER = '''
}
"""ASCII letter or digit -> the folded characters drawn as it."""

FOLD: dict[int, str] = {ord(c): latin for latin, chars in DRAWN_AS.items() for c in chars}
"""``str.translate`` table: each folded character to the letter or digit it is drawn as."""
'''


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the lookalikes table from confusables.txt.")
    parser.add_argument("--source", type=Path, default=DATA, help=f"confusables.txt {EXPECTED_UNICODE}")
    parser.add_argument("--check", action="store_true", help="exit 1 when the module is not current")
    args = parser.parse_args(argv)
    if unicodedata.unidata_version != EXPECTED_UNICODE:
        print(f"this Python's Unicode is {unicodedata.unidata_version}; the data is {EXPECTED_UNICODE}")
        return 2
    text = module(load(args.source))
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is not current: run python scripts/confusables_table.py")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
