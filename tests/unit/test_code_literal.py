"""Copies of code and markup that normalization leaves under the token floors (markup blanked,
punctuation dropped, grids of nine digits): the literal stream, the orderings test, and what
neither lets through."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np

from helpers import run_cli, write_jsonl
from provcheck.matching.code import literal_hashes, literal_lines
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.normalize import canonical, tokenize
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.matching.verify import align, align_literal

F = Fingerprinter(FingerprintConfig())
CONFIG = MatchConfig()

# Hand-written fixtures, shaped like the benchmark's misses (each under 25 plain tokens).
JSX = """import React from 'react';

const TaskList = ({ tasks }) => {
    return (
        <ul className="tasks">
            {tasks.map(task => (
                <li key={task.id}>{task.title}</li>
            ))}
        </ul>
    );
};

export default TaskList;
"""
HTML = """<html>
  <head>
    <style>
      .row { display: flex; flex-direction: row; }
      .cell { flex: 0 1 50%; }
    </style>
  </head>
  <body>
    <div class="row"><div class="cell"></div><div class="cell"></div></div>
    <div class="row"><div class="cell"></div><div class="cell"></div></div>
  </body>
</html>
"""
TABLE = """| Fruit     | Count | Price ($) |
|-----------|-------|-----------|
| Apples    | 3     | 12        |
| Pears     | 1     | 7         |
| Plums     | 2     | 9         |
| Cherries  | 1     | 15        |
"""
BLANK_GRID = """5 3 _ | _ 7 _ | _ _ _
6 _ _ | 1 _ _ | _ _ _
_ 9 _ | _ _ _ | _ 6 _

8 _ _ | _ 6 _ | _ _ 3
_ _ _ | 8 _ _ | _ _ 1
7 _ _ | _ 2 _ | _ _ _

_ 6 _ | _ _ _ | 2 _ _
_ _ _ | 4 _ 9 | _ _ 5
_ _ _ | _ 8 _ | _ 7 _
"""
SOLVED = """5 3 4 6 7 8 9 1 2
6 7 2 1 9 5 3 4 8
1 9 8 3 4 2 5 6 7
8 5 9 7 6 1 4 2 3
4 2 6 8 5 3 7 9 1
7 1 3 9 2 4 8 5 6
9 6 1 5 3 7 2 8 4
2 8 7 4 1 9 6 3 5
3 4 5 2 8 6 1 7 9
"""
PROSE = (
    "Rivers shape the land they cross.\nOver thousands of years they carve valleys and "
    "canyons, deposit silt on their banks and build deltas where they meet the sea.\nFloods "
    "renew the soil of the plains.\n"
)


def _wrapped(text: str) -> str:
    return f"Here is what you asked for:\n\n{text}\nLet me know if it helps."


def _found(copy: str, ref: str) -> bool:
    cand, reference = F.of_texts([copy, ref])
    if align(cand.codes, reference.codes, CONFIG) is not None:
        return True
    return align_literal(cand, reference, CONFIG) is not None


def test_markup_tables_and_blank_grids_are_under_the_plain_floor() -> None:
    # Why they were missed: once markup is blanked and symbols dropped, too few tokens remain.
    for text in (JSX, HTML, TABLE, BLANK_GRID):
        fp = F.of_text(text)
        assert len(fp.codes) < CONFIG.min_tokens
        assert fp.literal is not None and len(fp.literal) >= CONFIG.min_tokens


def test_verbatim_copies_of_short_markup_and_grids_are_found() -> None:
    for text in (JSX, HTML, TABLE, BLANK_GRID):
        assert _found(_wrapped(text), text), text[:30]


def test_a_solved_grid_of_nine_digits_is_found_and_independent_grids_are_not() -> None:
    # Nine distinct tokens: the distinct-token test refused every copy; the copy's one long
    # run holds 78 distinct 4-token orderings, which chance alignments of grids never reach.
    fp = F.of_text(SOLVED)
    assert len(set(fp.codes)) == 9
    assert _found(_wrapped(SOLVED), SOLVED)
    rng = random.Random(5)
    for alphabet in ("123456789", "012", "01"):
        for _ in range(40):
            a, b = ("\n".join(" ".join(rng.choices(alphabet, k=9)) for _ in range(9)) for _ in "ab")
            assert not _found(a, b)


def test_different_tables_and_pages_of_one_layout_do_not_match() -> None:
    other_table = TABLE.replace("Apples    | 3     | 12", "Lemons    | 4     | 20").replace(
        "Pears     | 1     | 7 ", "Limes     | 6     | 3 "
    )
    other_table = other_table.replace("Plums     | 2     | 9 ", "Kiwis     | 5     | 11").replace(
        "Cherries  | 1     | 15", "Figs      | 8     | 30"
    )
    assert not _found(_wrapped(other_table), TABLE)
    # An independent page: the same skeleton (html, head, style, body, div), its own rules.
    other_page = """<html>
  <head>
    <style>
      body { margin: 0; font-family: sans-serif; }
      .card { padding: 8px; border: 1px solid #ccc; }
    </style>
  </head>
  <body>
    <div class="card"><h2>Title</h2><p>Some text.</p></div>
  </body>
</html>
"""
    assert not _found(_wrapped(other_page), HTML)


def test_symbols_do_not_rescue_code_the_plain_alignment_had_tokens_for() -> None:
    # Two functions with the same punctuation but different words: the plain alignment judged
    # their 25+ tokens and refused them; the literal stream must not count braces to pass.
    a = "\n".join(f"int f{i}(int a{i}, int b{i}) {{ return a{i} * b{i} + {i}; }}" for i in range(6))
    b = "\n".join(f"int g{i}(int x{i}, int y{i}) {{ return x{i} * y{i} + {i}; }}" for i in range(6))
    ca, cb = F.of_texts([a, b])
    assert len(ca.codes) >= CONFIG.min_tokens and ca.literal is not None
    assert align(ca.codes, cb.codes, CONFIG) is None
    assert align_literal(ca, cb, CONFIG) is None


def test_prose_has_no_literal_stream_and_runs_of_a_symbol_are_one_token() -> None:
    assert literal_lines(PROSE) == [] and F.of_text(PROSE).literal is None
    short, long = "| a | b |\n|---|---|\n| 1 | 2 |\n", "| a | b |\n|-----------|--|\n| 1 | 2 |\n"
    assert F.of_text(short).literal == F.of_text(long).literal


def test_literal_values_map_back_to_plain_token_ranges() -> None:
    text = canonical(TABLE)
    batch = tokenize([text])
    starts, ends = batch.span_arrays(0)
    hashes = np.arange(1, len(starts) + 1, dtype=np.uint64)
    found = literal_hashes(text, starts, ends, hashes)
    assert found is not None
    values, at = found
    # Every plain token is kept, in order, mapped to itself; added values map to empty ranges.
    plain = np.flatnonzero(at[1] > at[0])
    assert values[plain].tolist() == hashes.tolist()
    assert at[0][plain].tolist() == list(range(len(starts)))
    assert (at[1] - at[0]).max() == 1


def test_a_copied_page_is_reported_as_a_literal_match_not_a_renamed_one(tmp_path: Path) -> None:
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "r1", "text": JSX}, {"id": "r2", "text": BLANK_GRID}])
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    data = write_jsonl(
        tmp_path / "data.jsonl",
        [
            {"id": "c1", "instruction": "A React list.", "input": "", "output": _wrapped(JSX)},
            {"id": "c2", "instruction": "A puzzle.", "input": "", "output": _wrapped(BLANK_GRID)},
            {"id": "c3", "text": JSX},
        ],
    )
    out = tmp_path / "scan.json"
    run_cli(["scan", data, "-i", index, "-f", "json", "-o", out, "--fail-on", "never", "-q"])
    matches = json.loads(out.read_text())["matches"]
    assert sorted((m["record"]["id"], m["reference"]["id"]) for m in matches) == [
        ("c1", "r1"),
        ("c2", "r2"),
        ("c3", "r1"),
    ]
    for m in matches:
        assert "renamed" not in m["strength"]["reason"]
        assert all(0 < s["similarity"] <= 1 for s in m["spans"])


def test_a_shared_textbook_loop_inside_longer_code_is_not_a_literal_match() -> None:
    # Two independent programs sharing the textbook bounds check of a primality test: in
    # plain tokens it is under 25 words; with its symbols it is 45 literal tokens. Both texts
    # have the plain tokens to be judged on, so the literal stream is not consulted.
    js = """function printPrimes(values) {
  for (const value of values) {
    if (isPrime(value)) {
      console.log(value);
    }
  }
}

function isPrime(n) {
  if (n < 2) return false;
  for (let i = 2; i <= Math.sqrt(n); i++) {
    if (n % i === 0) return false;
  }
  return true;
}
"""
    java = """public class Primes {
  public static boolean isPrime(int n) {
    if (n <= 1) {
      return false;
    }
    for (int i = 2; i <= Math.sqrt(n); i++) {
      if (n % i == 0) {
        return false;
      }
    }
    return true;
  }
}
"""
    a, b = F.of_texts([js, java])
    assert min(len(a.codes), len(b.codes)) >= CONFIG.min_tokens
    assert align(a.codes, b.codes, CONFIG) is None
    assert align_literal(a, b, CONFIG) is None


def test_a_boxed_grid_at_the_floor_is_found_through_its_symbols() -> None:
    # 25 digits of 8 values: at the plain floor, too few distinct tokens, and 22 distinct
    # 4-token orderings, so the plain tests cannot judge it; its bars and rules can.
    grid = """   -------------------------
   | 2 |   |   | 7 | 9 |   |
   |   | 5 |   |   | 3 | 8 |
   |   |   | 6 |   |   | 2 |
   -------------------------
   |   | 2 | 5 |   | 6 |   |
   | 3 |   |   | 5 |   | 9 |
   |   | 6 |   | 2 | 7 |   |
   -------------------------
   | 5 |   |   | 2 |   |   |
   | 9 | 2 |   |   | 5 |   |
   |   | 3 | 7 |   |   | 6 |
   -------------------------
"""
    fp = F.of_text(grid)
    assert len(fp.codes) == CONFIG.min_tokens and len(set(fp.codes)) < CONFIG.min_distinct_tokens
    cand, ref = F.of_texts([_wrapped(grid), grid])
    assert align(cand.codes, ref.codes, CONFIG) is None
    assert align_literal(cand, ref, CONFIG) is not None


def test_index_building_skips_the_literal_stream_and_changes_nothing_else(
    monkeypatch: Any, tmp_path: Path
) -> None:
    # The literal stream verifies at scan time and is not stored: an index or pack build that
    # computed it spent ~a quarter of its CPU for nothing.
    plain = Fingerprinter(FingerprintConfig(), literal=False)
    for text in (JSX, HTML):
        full, lean = F.of_text(text), plain.of_text(text)
        assert full.literal is not None and lean.literal is None and lean.literal_at is None
        for name in ("tokens", "codes", "shingles", "anchors", "renamed", "renamed_at"):
            a, b = getattr(full, name), getattr(lean, name)
            assert (a is None and b is None) or np.array_equal(a, b), name

    from provcheck.matching import fingerprint

    def never(*args: Any) -> None:
        raise AssertionError("the literal stream was computed while building an index")

    monkeypatch.setattr(fingerprint, "literal_hashes", never)
    data = write_jsonl(tmp_path / "refs.jsonl", [{"text": JSX}, {"text": HTML}])
    run_cli(["index", "add", tmp_path / "idx", data, "--source", "s", "-q", "-j", "1"])
    run_cli(["pack", "create", tmp_path / "idx", "-o", tmp_path / "p.zip", "--publisher", "P", "-q"])
