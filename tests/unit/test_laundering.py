"""Laundering that normalization undoes (``matching/laundering.py``), on texts written here.

Each case fails on the tokenizer before 2026-12-05 (TOKENIZER_VERSION 3): invisible characters
used instead of spaces glued words into one token, JSON escapes glued ``n`` to the next word,
and a Hangul filler letter joined the words beside it."""

from __future__ import annotations

import itertools
import json

from rapidfuzz.distance import Indel

from helpers import REFERENCE_TEXTS
from provcheck.matching.laundering import unescape_json, unglue
from provcheck.matching.normalize import reference_tokens, token_spans, tokenize, tokens

_ZERO_WIDTH = ("\u200b", "\u200c", "\u2060", "\u00ad")


def _replace_spaces(text: str, every: int = 1) -> str:
    """Every ``every``-th space replaced by a zero-width character or soft hyphen, in turn."""
    marks = itertools.cycle(_ZERO_WIDTH)
    count = itertools.count(1)
    return "".join(next(marks) if c == " " and next(count) % every == 0 else c for c in text)


def test_invisible_characters_replacing_every_space_separate_words() -> None:
    for text in REFERENCE_TEXTS:
        assert tokens(_replace_spaces(text)) == tokens(text)


def test_invisible_characters_replacing_half_the_spaces_keep_most_tokens() -> None:
    for text in REFERENCE_TEXTS:
        # The old tokenizer kept 0.45-0.55 of the tokens (Indel similarity).
        assert Indel.normalized_similarity(tokens(_replace_spaces(text, 2)), tokens(text)) >= 0.85


def test_a_word_cut_by_an_invisible_character_stays_one_word() -> None:
    # The text uses the word elsewhere, or neither piece is a word: still one token each, and
    # the glued pair beside them is cut (old: "andscan").
    text = "An exam\u200bple of an example: mod\u00adel outputs and\u200bscan results, each scan tested."
    assert tokens(text) == [
        "an", "example", "of", "an", "example", "model", "outputs", "and", "scan", "results",
        "each", "scan", "tested",
    ]  # fmt: skip


def test_other_scripts_keep_their_joiners() -> None:
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u0628\u0631\u0648\u0645"
    assert unglue(persian) == persian
    assert unglue("plain ascii text") == "plain ascii text"


def test_hangul_filler_standing_for_spaces_separates_words() -> None:
    text = REFERENCE_TEXTS[1]
    assert tokens(text.replace(" ", "\u3164")) == tokens(text)


def test_json_escaped_copy_reads_as_its_text() -> None:
    text = 'Steps:\n- Preheat the oven.\n- Mix "dry" and wet.\n\nThat\u2019s it, caf\u00e9 style.'
    for ascii_only in (True, False):
        doc = json.dumps({"id": 7, "meta": {"lang": "en"}, "response": text}, ensure_ascii=ascii_only)
        found = tokens(doc)
        want = tokens(text)
        # The text's tokens, in order, inside the document's (old: "npreheat", "u2019s", "caf").
        starts = [i for i in range(len(found)) if found[i : i + len(want)] == want]
        assert starts, (found, want)


def test_latex_and_code_escapes_are_left_alone() -> None:
    latex = "$\\nabla \\cdot E = \\rho$ and $\\nabla \\times B$, where \\nu is a frequency"
    assert unescape_json(latex) == latex
    assert tokens(latex)[:2] == ["nabla", "cdot"]
    one = 'print("done\\n")'
    assert unescape_json(one) == one


def test_both_tokenizer_paths_agree_on_laundered_text() -> None:
    # A text on the reference path (``ß`` folds to two letters) with invisible spaces and JSON
    # escapes: the batch tokenizer prepares it once, as ``reference_tokens`` does.
    text = json.dumps(
        {"a": "Stra\u00dfe\u200bund\u200bWeg\nnext\nline " + _replace_spaces(REFERENCE_TEXTS[2], 2)}
    )
    batch = tokenize([text])
    assert batch.strings(0) == reference_tokens(text)[0] == token_spans(text)[0]
    assert "weg" in batch.strings(0) and "strasse" in batch.strings(0)
