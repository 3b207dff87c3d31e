"""Code copies with identifiers renamed: the parameterized stream, its anchors, alignment,
wording, and the index's code-anchor version."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli, write_jsonl
from provcheck.errors import ExitCode, IndexMismatchError
from provcheck.index import manifest as mf
from provcheck.matching.code import code_lines
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.matching.verify import align, align_renamed

F = Fingerprinter(FingerprintConfig())
PLAIN = Fingerprinter(FingerprintConfig(code=0))

SOURCE = """def merge_sorted_lists(first_list, second_list):
    merged = []
    i = j = 0
    while i < len(first_list) and j < len(second_list):
        if first_list[i] <= second_list[j]:
            merged.append(first_list[i])
            i += 1
        else:
            merged.append(second_list[j])
            j += 1
    merged.extend(first_list[i:])
    merged.extend(second_list[j:])
    return merged

print(merge_sorted_lists([1, 4, 9], [2, 3, 10]))
"""
# Every name a copier would change, changed consistently (snake_case to short names too).
RENAMED = (
    SOURCE.replace("merge_sorted_lists", "combine")
    .replace("first_list", "xs")
    .replace("second_list", "ys")
    .replace("merged", "out")
)
PROSE = (
    "Rivers shape the land they cross.\nOver thousands of years they carve valleys and "
    "canyons, deposit silt on their banks and build deltas where they meet the sea.\nFloods "
    "renew the soil of the plains.\n"
)


def _wrapped(code: str) -> str:
    return f"Here is the function you asked for:\n\n{code}\nIt runs in linear time."


def test_consistent_renaming_leaves_the_stream_unchanged_where_plain_tokens_differ() -> None:
    a, b = F.of_texts([SOURCE, RENAMED])
    assert a.renamed is not None and b.renamed is not None
    assert a.renamed == b.renamed
    assert a.codes != b.codes
    # Plain alignment rejects the renamed copy; the identifier-insensitive one finds it whole.
    assert align(b.codes, a.codes, MatchConfig()) is None
    found = align_renamed(b, a, MatchConfig())
    assert found is not None and found.renamed and found.similarity == 1.0


def test_renamed_spans_are_plain_token_positions() -> None:
    cand, ref = F.of_texts([_wrapped(RENAMED), SOURCE])
    found = align_renamed(cand, ref, MatchConfig())
    assert found is not None
    span = max(found.spans, key=lambda s: s.matched)
    # The reference is all code: the span runs from its first token to its last.
    assert (span.ref_start, span.ref_end) == (0, len(ref.codes))
    # The candidate's span is its code, in its own plain token positions: after the 7 tokens
    # of the sentence before it, as long as the renamed code's plain tokens (fewer than the
    # reference's: ``first_list`` became ``xs``).
    code_tokens = len(F.of_text(RENAMED).codes)
    assert code_tokens < len(ref.codes)
    assert (span.cand_start, span.cand_end) == (7, 7 + code_tokens)


def test_renamed_copy_shares_anchors_the_plain_stream_does_not() -> None:
    cand, ref = F.of_texts([_wrapped(RENAMED), SOURCE])
    plain_cand, plain_ref = PLAIN.of_texts([_wrapped(RENAMED), SOURCE])
    assert len(np.intersect1d(plain_cand.anchors, plain_ref.anchors)) < 2
    assert len(np.intersect1d(cand.anchors, ref.anchors)) >= 5


def test_prose_fingerprints_are_unchanged_by_code_anchors() -> None:
    assert code_lines(PROSE) == []
    a, b = F.of_text(PROSE), PLAIN.of_text(PROSE)
    assert a.renamed is None
    assert np.array_equal(a.anchors, b.anchors) and a.codes == b.codes


def test_different_code_does_not_align_once_names_are_abstracted() -> None:
    other = """def count_vowels(text):
    total = 0
    for ch in text.lower():
        if ch in "aeiou":
            total += 1
    return total

def longest_word(sentence):
    words = sentence.split()
    best = ""
    for w in words:
        if len(w) > len(best):
            best = w
    return best
"""
    a, b = F.of_texts([other, SOURCE])
    assert align_renamed(a, b, MatchConfig()) is None


def test_a_sigil_makes_a_keyword_a_variable() -> None:
    php = "<?php\nfunction f($char) {\n    $x = $char . $char;\n    return $x;\n}\n"
    renamed = php.replace("$char", "$c")
    a, b = F.of_texts([php, renamed])
    assert a.renamed == b.renamed


def test_a_renamed_copy_is_found_reviewed_and_worded_as_such(tmp_path: Path) -> None:
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "r1", "text": SOURCE}])
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    data = write_jsonl(
        tmp_path / "data.jsonl",
        [{"id": "c1", "instruction": "Merge two lists.", "input": "", "output": _wrapped(RENAMED)}],
    )
    out = tmp_path / "scan.json"
    run_cli(["scan", data, "-i", index, "-f", "json", "-o", out, "--fail-on", "never", "-q"])
    matches = json.loads(out.read_text())["matches"]
    assert [m["reference"]["id"] for m in matches] == ["r1"]
    strength = matches[0]["strength"]
    assert "with identifiers renamed" in strength["reason"]
    assert strength["convergence"] == "code" and strength["can_block"] is False


def test_an_index_without_code_anchors_is_refused(tmp_path: Path) -> None:
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "r1", "text": SOURCE}])
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "-q"])
    path = index / mf.MANIFEST
    body = json.loads(path.read_text())
    body.pop("checksum")
    del body["fingerprint"]["code"]  # as written before code anchors existed
    body["checksum"] = mf._checksum(body)
    path.write_text(json.dumps(body))
    with pytest.raises(IndexMismatchError, match="code anchors version 0"):
        mf.read(str(index))
    data = write_jsonl(tmp_path / "data.jsonl", [{"text": RENAMED}])
    result = run_cli(["scan", data, "-i", index, "-q"], int(ExitCode.INDEX))
    assert "rebuild the index" in result.stderr


def test_a_trailing_comment_does_not_hide_a_lines_code_form() -> None:
    # Every statement line ends in a comment, and one Python line ends in spaces: the forms
    # that test a line's end (``;``, ``:``) saw the comment's last word instead.
    java = """public static int kind(int num, int den) {
    if ( num == den ) return 0; // 0 for equal
    else if ( num < den ) return 1; // 1 for proper
    else return 2; // 2 for improper
}
"""
    python = "best = ''\nfor ch in text: \n    if ch not in best: \n        best += ch  # grow\n"
    assert len(code_lines(java)) == 5 and len(code_lines(python)) == 4
    renamed = java.replace("num", "a").replace("den", "b").replace("kind", "classify")
    a, b = F.of_texts([_wrapped(renamed), java])
    assert align(a.codes, b.codes, MatchConfig()) is None
    found = align_renamed(a, b, MatchConfig())
    assert found is not None and found.renamed


EDIT_DISTANCE = """def edit_distance(source, target):
    rows = len(source) + 1
    cols = len(target) + 1
    dist = [[0 for _ in range(cols)] for _ in range(rows)]
    for r in range(rows):
        dist[r][0] = r
    for c in range(cols):
        dist[0][c] = c
    for r in range(1, rows):
        for c in range(1, cols):
            if source[r - 1] == target[c - 1]:
                cost = 0
            else:
                cost = 1
            dist[r][c] = min(dist[r - 1][c] + 1, dist[r][c - 1] + 1, dist[r - 1][c - 1] + cost)
    return dist[rows - 1][cols - 1]
"""
# The same recurrence written independently: alike once names are abstracted (0.82), not a copy.
LEVENSHTEIN = """def levenshtein(a, b):
    m = len(a) + 1
    n = len(b) + 1
    table = [[0] * n for _ in range(m)]
    for i in range(0, m):
        table[i][0] = i
    for j in range(0, n):
        table[0][j] = j
    for i in range(1, m):
        for j in range(1, n):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            table[i][j] = min(1 + table[i - 1][j], 1 + table[i][j - 1], cost + table[i - 1][j - 1])
    return table[m - 1][n - 1]

print(levenshtein("kitten", "sitting"))
"""


def test_names_abstracted_a_match_needs_the_stricter_similarity() -> None:
    """Names abstracted, the alphabet is small and independent code for one algorithm aligns
    closely by chance (issue 12: an independent LCS table matched a Code Alpaca one at 0.79):
    ``RENAMED_MIN_SIMILARITY`` (0.85) holds there, above plain text's 0.7. A renamed copy still
    aligns at 1.0."""
    from provcheck.matching.code import RENAMED_MIN_SIMILARITY

    assert MatchConfig().min_similarity < RENAMED_MIN_SIMILARITY
    own, ref = F.of_texts([LEVENSHTEIN, EDIT_DISTANCE])
    assert align(own.codes, ref.codes, MatchConfig()) is None
    assert align_renamed(own, ref, MatchConfig()) is None
    copy = EDIT_DISTANCE.replace("dist", "grid").replace("source", "s").replace("target", "t")
    found = align_renamed(F.of_texts([copy])[0], ref, MatchConfig())
    assert found is not None and found.similarity == 1.0
