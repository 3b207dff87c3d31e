"""Answers to the same request converge: the shared request explains what looks convergent (issue 12).

An independent answer written for the request a reference answers writes the same textbook code.
Before, such a match was a verified match (class ``code``), counted against the precision
targets as a false "verified" match. The index now keeps the key of each reference record's
request (``matching.request``); a partial match of code in a record holding the same request is
explained (listed, reviewed, not verified). A whole function with its names changed, which is how
a renamed copy looks, stays verified; so does anything under another request (the stricter
reading) and prose; blocking is unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli, write_jsonl
from provcheck.matching.request import request_key

PARAGRAPH = (
    "their going to the market tomorow morning because the fridge are empty and the kids wants "
    "pancakes for breakfast, but the store close early on sundays so they needs to leave before "
    "nine oclock or they will miss it and have to drive accross town to the other supermarket "
    "which is more expensive and alot further away from there house"
)
CORRECTED = (
    "They're going to the market tomorrow morning because the fridge is empty and the kids want "
    "pancakes for breakfast, but the store closes early on Sundays, so they need to leave before "
    "nine o'clock or they will miss it and have to drive across town to the other supermarket, "
    "which is more expensive and a lot further away from their house."
)
MERGE_SORT = """def merge_sort(values):
    if len(values) <= 1:
        return values
    middle = len(values) // 2
    left = merge_sort(values[:middle])
    right = merge_sort(values[middle:])
    merged = []
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged"""
RENAMED = (
    MERGE_SORT.replace("merge_sort", "msort")
    .replace("values", "arr")
    .replace("merged", "out")
    .replace("middle", "mid")
)
REFERENCE_CODE = f"""Here is merge sort in Python:

```python
{MERGE_SORT}


class Timer:
    def __enter__(self):
        import time
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        import time
        self.elapsed = time.perf_counter() - self.start


if __name__ == "__main__":
    import random
    sample = [random.randint(0, 1000) for _ in range(10000)]
    with Timer() as t:
        result = merge_sort(sample)
    assert result == sorted(sample)
    print(f"sorted {{len(sample)}} numbers in {{t.elapsed:.3f}} s")
```

Merge sort is stable and always runs in O(n log n) time."""
OWN_CODE = f"""Merge sort splits the list, sorts the halves and merges them:

```python
{RENAMED}

print(msort([5, 2, 9, 1, 5, 6]))
```

It needs O(n) extra memory for the merged lists."""
BLOCK_ALL = """\
name: block every match
rules:
  - id: any-match
    title: Any match
    signal: match
    when: {match.similarity: {gte: 0}}
    action: block
"""


def scan(tmp_path: Path, request: str, reference: str, rows: list[tuple[str, str, str]]) -> dict[str, dict]:
    """Index one Alpaca record, scan ``rows`` (id, instruction, output); each record's match."""
    refs = write_jsonl(
        tmp_path / "refs.jsonl", [{"id": "ref", "instruction": request, "input": "", "output": reference}]
    )
    data = write_jsonl(
        tmp_path / "data.jsonl", [{"id": i, "instruction": q, "input": "", "output": a} for i, q, a in rows]
    )
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_ALL)
    out = tmp_path / "r.json"
    run_cli(
        ["scan", "-i", index, data, "-p", policy, "-f", "json", "-o", out, "--no-cache", "--fail-on", "never"]
    )
    doc = json.loads(out.read_text())
    matches = {m["record"]["id"]: m for m in doc["matches"]}
    assert set(matches) == {i for i, _, _ in rows}, "every answer is still found and listed"
    actions = {f["record"]["id"]: f["action"] for f in doc["findings"]}
    assert all(a == "review" for a in actions.values()), actions  # convergent: review at most
    return matches


def test_prose_under_the_same_request_stays_verified(tmp_path: Path) -> None:
    """The rule is for code: applied to prose (here two answers repeating the request's text), it
    cost 9% of the 20%-edited copies held as Alpaca records. The request turn, as before, is
    explained by the text the reference repeats from it."""
    request = f"Correct the spelling and grammar of this paragraph:\n\n{PARAGRAPH}"
    own = "Corrected version:\n\n" + CORRECTED.replace("a lot further", "much further")
    matches = scan(
        tmp_path, request, f"Here is the corrected paragraph:\n\n{CORRECTED}", [("same", request, own)]
    )
    strength = matches["same"]["strength"]
    assert strength["convergence"] == "prompt" and not strength["explained"]
    assert "holds the request" not in strength["reason"]


def test_textbook_code_in_an_answer_to_the_same_request_is_not_a_verified_match(tmp_path: Path) -> None:
    request = "Implement merge sort in Python."
    matches = scan(
        tmp_path,
        request,
        REFERENCE_CODE,
        [("same", request, OWN_CODE), ("other", "Show me some Python.", OWN_CODE)],
    )
    same, other = matches["same"]["strength"], matches["other"]["strength"]
    assert same["convergence"] == "code" and same["explained"]
    assert "holds the request the reference answers" in same["reason"]
    assert other["convergence"] == "code" and not other["explained"]
    assert "same request" not in other["reason"]


def test_a_whole_renamed_copy_under_the_same_request_stays_verified(tmp_path: Path) -> None:
    request = "Implement merge sort in Python."
    reference = f"Here is merge sort:\n\n```python\n{MERGE_SORT}\n```"
    matches = scan(tmp_path, request, reference, [("copy", request, f"```python\n{RENAMED}\n```")])
    strength = matches["copy"]["strength"]
    assert not strength["explained"], strength["reason"]


def test_the_request_key_reads_tokens_not_layout() -> None:
    alpaca = request_key(["Fix this code.", "def f(x):\n    return x"])
    merged = request_key(["fix THIS code!\n\ndef f(x): return x"])
    assert alpaca == merged and alpaca is not None
    assert request_key(["Fix this code.", "def f(y):\n    return y"]) != alpaca
    assert request_key(["", "  \n"]) is None


def _grid(cells: list[list[int]], blank: str = " ") -> str:
    return "\n".join("|" + "|".join(str(v) if v else blank for v in row) + "|" for row in cells)


SOLUTION = [[(r * 3 + r // 3 + c) % 9 + 1 for c in range(9)] for r in range(9)]
GIVENS = [[v if (r * 9 + c) % 3 != 1 else 0 for c, v in enumerate(row)] for r, row in enumerate(SOLUTION)]


def test_a_grid_answering_the_same_puzzle_is_not_a_verified_match(tmp_path: Path) -> None:
    """A Sudoku has one solution: every answer to the same puzzle is the same grid, and both
    repeat the puzzle's givens (code.py set (a): an independent, even wrong, solution of a
    puzzle the references solve was a verified match). Under another request the grid match
    stays verified (the stricter reading); it never blocks either way."""
    request = f"Solve the given Sudoku puzzle.\n\nThe Sudoku puzzle is:\n{_grid(GIVENS)}"
    reference = f"Here is the solved puzzle:\n\n```\n{_grid(SOLUTION)}\n```"
    wrong = [row[:] for row in SOLUTION]
    wrong[4][4], wrong[7][2] = wrong[7][2], wrong[4][4]
    own = "\n".join(" ".join(str(v) for v in row) for row in wrong)
    matches = scan(
        tmp_path, request, reference, [("same", request, own), ("other", "Print a grid of digits.", own)]
    )
    same, other = matches["same"]["strength"], matches["other"]["strength"]
    assert same["explained"], same["reason"]
    assert "poses a puzzle" in same["reason"]
    assert not other["explained"], other["reason"]
    assert not same["can_block"] and not other["can_block"]


def test_a_grid_the_request_does_not_hold_stays_verified(tmp_path: Path) -> None:
    """A request to "design a Sudoku puzzle": the grid is the model's own, not determined by the request, and
    a copy of it under the same request is still a verified match (code.py: two such copies were
    lost when every grid under the same request was explained)."""
    request = "Design a medium-level Sudoku puzzle."
    reference = f"Here is a puzzle for you:\n\n```\n{_grid(GIVENS, '_')}\n```"
    copy = "\n".join(" ".join(str(v) if v else "_" for v in row) for row in GIVENS)
    matches = scan(tmp_path, request, reference, [("copy", request, copy)])
    strength = matches["copy"]["strength"]
    assert not strength["explained"], strength["reason"]
