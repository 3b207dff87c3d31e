"""Normalization: copies that differ only in form yield the same tokens; offsets are exact."""

from __future__ import annotations

import unicodedata

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from provcheck.matching.normalize import (
    canonical,
    reference_tokens,
    token_offsets,
    token_spans,
    tokenize,
    tokens,
)


def test_case_whitespace_punctuation_and_quotes_do_not_change_tokens() -> None:
    a = 'He said: "Don\'t panic!"  The answer is 42.'
    b = "he said \u201cdon\u2019t PANIC\u201d\n\nthe answer is 42"
    assert tokens(a) == tokens(b) == ["he", "said", "don", "t", "panic", "the", "answer", "is", "42"]


def test_markdown_and_html_markup_do_not_change_tokens() -> None:
    plain = "Use the requests library to fetch the page"
    marked = "Use the **[requests](https://pypi.org/project/requests/)** library to <b>fetch</b> the `page`"
    assert tokens(marked) == tokens(plain)


def test_compatibility_forms_and_composition_fold_together() -> None:
    assert tokens("ｆｕｌｌｗｉｄｔｈ ＴＥＸＴ") == ["fullwidth", "text"]
    assert tokens("\ufb01nal") == ["final"]  # the fi ligature
    nfd = unicodedata.normalize("NFD", "café crème")
    # Accents fold to the base letter (tokenizer 6, ``folding``), composed or not.
    assert tokens(nfd) == tokens("café crème") == tokens("cafe creme") == ["cafe", "creme"]


def test_unspaced_scripts_yield_one_token_per_character() -> None:
    assert tokens("肾阳虚衰则温煦失责") == list("肾阳虚衰则温煦失责")
    assert tokens("テスト です") == ["テ", "ス", "ト", "で", "す"]
    assert tokens("GPT-4は強い") == ["gpt", "4", "は", "強", "い"]


def test_only_whitespace_or_emoji_has_no_tokens() -> None:
    assert tokens("   \n\t ") == []
    assert tokens("🙂🎉🚀") == []


def test_spans_point_at_the_tokens_in_the_canonical_text() -> None:
    text = "The ﬁnal Straße, «quoted» — 東京タワー!"
    toks, spans = token_spans(text)
    base = canonical(text)
    assert toks == tokens(text)
    for tok, (start, end) in zip(toks, spans, strict=True):
        piece = base[start:end]
        assert tokens(piece) == [tok] or "".join(tokens(piece)) == tok


@given(st.text(max_size=300))
def test_the_batch_tokenizer_agrees_with_the_definition_on_any_text(text: str) -> None:
    toks, spans = token_spans(text)
    assert (toks, spans) == reference_tokens(text)
    assert toks == tokens(text)
    assert all(0 <= s <= e <= len(canonical(text)) for s, e in spans)
    assert spans == sorted(spans)


SEVERAL = ["ß", "…", "ﬁ", "½", "\u200b", "ŉ", "ǆ", "ﷺ"]
"""Characters folding to other than one character (or to none). (``İ``, casefolded ``i`` +
U+0307, folds to one since tokenizer 6 drops the dot above.)"""


@given(st.text(max_size=200), st.sampled_from(SEVERAL), st.text(max_size=200))
def test_offsets_off_the_direct_path_agree_with_the_definition(head: str, several: str, tail: str) -> None:
    # A character folding to other than one character sends the text off the batch's direct
    # path; its offsets come from arrays (token_offsets), not the definition's match objects.
    text = head + several + tail
    batch = tokenize([text])
    # A zero-width space between two Latin words may stand for a space (``laundering``): it
    # is then one, and the text stays on the direct path.
    assert not batch.direct[0] or several == "\u200b"
    starts, ends = token_offsets(text, batch, 0)
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == reference_tokens(text)[1]
    assert starts.dtype == ends.dtype == np.int64


@given(st.lists(st.tuples(st.text(max_size=60), st.sampled_from(["", *SEVERAL])), max_size=6))
def test_offsets_of_each_text_of_a_batch_come_from_its_own_prepared_text(
    parts: list[tuple[str, str]],
) -> None:
    # The batch keeps ``prepare`` of each text off the direct path, by its index, and
    # ``token_offsets`` reads it instead of preparing the text again.
    texts = [text + several + text[::-1] for text, several in parts]
    batch = tokenize(texts)
    assert sorted(batch.prepared) == [i for i in range(len(texts)) if not batch.direct[i]]
    for i, text in enumerate(texts):
        starts, ends = token_offsets(text, batch, i)
        assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == reference_tokens(text)[1]


@given(st.lists(st.text(max_size=80), max_size=8))
def test_a_batch_tokenizes_each_text_as_alone(texts: list[str]) -> None:
    batch = tokenize(texts)
    assert [batch.strings(i) for i in range(len(texts))] == [reference_tokens(t)[0] for t in texts]


def test_only_the_texts_with_a_character_folding_to_several_leave_the_direct_path() -> None:
    # The batch keeps its other texts' arrays when one text is re-encoded (first, middle and
    # last position), and a character outside the BMP costs no text its direct path.
    texts = ["Straße eins", "plain words here", "emoji 😀 and 𝐁𝐨𝐥𝐝", "… trailing ellipsis", "ﬁnal ½"]
    batch = tokenize(texts)
    assert batch.direct.tolist() == [False, True, True, False, False]
    assert [batch.strings(i) for i in range(len(texts))] == [reference_tokens(t)[0] for t in texts]
    assert batch.spans(2) == reference_tokens(texts[2])[1]
    assert batch.strings(2) == ["emoji", "and", "bold"]


def test_invisible_format_characters_do_not_split_words() -> None:
    # Zero-width spaces and joiners, soft hyphens, direction marks and stray BOMs are inserted
    # to defeat exact matching; they fold to nothing and the offsets still point at the text.
    text = "hel\u200blo wor\u00adld \u200eok \ufeffBOM a\u2060b"
    toks, spans = token_spans(text)
    assert toks == ["hello", "world", "ok", "bom", "ab"]
    assert [
        text[a:b].replace("\u200b", "").replace("\u00ad", "").replace("\u2060", "") for a, b in spans
    ] == [
        "hello",
        "world",
        "ok",
        "BOM",
        "ab",
    ]
    assert tokens("hello world") == tokens("hel\u200blo wor\u200dld")


def test_latin_lookalikes_from_other_scripts_fold_to_latin() -> None:
    # Homoglyph substitution (Cyrillic а, е, о, р, с; Greek capitals) hides a copy from exact
    # matching; the letters fold to the Latin ones they are drawn as, offsets unchanged.
    latin = "Paris is the capital of France, a city on the river Seine."
    mixed = "Раris is thе сарitаl оf Frаnсе, а сitу оn thе rivеr Sеinе."
    greek_caps = "ΡΑRIS IS ΤΗΕ CAPITAL"
    assert mixed != latin and tokens(mixed) == tokens(latin)
    assert tokens(greek_caps) == tokens("paris is the capital")
    assert token_spans(mixed)[1] == token_spans(latin)[1]
    # Russian text still tokenizes into words of its own, the same on both sides.
    assert tokens("Привет, мир") == tokens("ПРИВЕТ мир") and len(tokens("Привет, мир")) == 2


def test_texts_known_to_be_nfc_are_remembered_within_bounds() -> None:
    """``canonical`` remembers non-ASCII texts it found NFC (by identity, bounded), and never a
    text it had to normalize."""
    import unicodedata

    from provcheck.matching import normalize as nz

    known = nz._Known()
    known.TEXTS, known.CHARS = 3, 60
    texts = [f"caf\u00e9 {i} " + "x" * i for i in range(8)]
    for t in texts:
        known.add(t)
        assert len(known.texts) <= 3 and known.chars <= 60
        assert known.chars == sum(len(x) for x in known.texts.values())
    assert texts[-1] in known and texts[0] not in known
    assert "x" * 20 + "\u00e9" not in known  # never added: by identity, not by value
    known.add("y" * 16)
    assert "y" * 16 not in known  # longer than a quarter of the bound
    decomposed = "cafe\u0301 " * 3
    once = nz.canonical(decomposed)
    assert once == unicodedata.normalize("NFC", decomposed) and decomposed not in nz._NFC
    assert nz.canonical(once) is once and once in nz._NFC


def _cut_by_masks(cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_cut`` as first written: a head mask and a last-character mask, each a pass."""
    from provcheck.matching.normalize import UNSPACED, WORD

    word = cls == WORD
    other = ~word
    head = word.copy()
    head[1:] &= other[:-1]
    word[:-1] &= other[1:]
    single = cls == UNSPACED
    head |= single
    word |= single
    return np.flatnonzero(head), np.flatnonzero(word) + 1


@given(st.lists(st.sampled_from([0, 1, 1, 1, 2, 3]), max_size=60))
def test_token_cuts_from_class_changes_equal_the_masks(classes: list[int]) -> None:
    """Word runs at the edges of the array, unspaced characters beside runs and beside each
    other, and the empty array: the same starts and ends, as contiguous ``int64`` arrays."""
    from provcheck.matching.normalize import _cut

    cls = np.array(classes, dtype=np.int8)
    starts, ends = _cut(cls)
    want_starts, want_ends = _cut_by_masks(cls)
    assert starts.dtype == want_starts.dtype and ends.dtype == want_ends.dtype
    assert starts.tolist() == want_starts.tolist() and ends.tolist() == want_ends.tolist()
    assert starts.flags.c_contiguous and ends.flags.c_contiguous
