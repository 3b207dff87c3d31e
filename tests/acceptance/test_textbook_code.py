"""Textbook code answering other requests is not a verified match (issue 12, code set (a)).

``benchmarks/code.py``'s set (a) kept two independent answers whose code matched OpenAI code
written for *other* requests: a C++ Fibonacci table (names abstracted, 100% over 38 tokens, a
passage two other GPTeacher answers hold too) and a Python LCS table (names abstracted, 79%).
Both were verified matches. Names abstracted, a small alphabet makes independent code for one
algorithm look alike: a match holding only on those streams now needs similarity 0.85
(``code.RENAMED_MIN_SIMILARITY``), and a *part* of the reference's code matched that way, on a
passage other reference texts hold too, is explained as a textbook function, texts of the
reference's own source included. A renamed copy takes the reference's whole code and stays
verified."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli, write_jsonl

FIB = """std::vector<long> {f}(int {n}) {{
    std::vector<long> {s}({n});
    {s}[0] = 0;
    {s}[1] = 1;
    for (int {i} = 2; {i} < {n}; {i}++) {{
        {s}[{i}] = {s}[{i} - 1] + {s}[{i} - 2];
    }}
    return {s};
}}"""


def fib(f: str, n: str, s: str, i: str) -> str:
    return FIB.format(f=f, n=n, s=s, i=i)


# Three answers of one source to three requests, each writing the textbook table its own way.
PRINTING = f"""Here is the function:

```cpp
#include <iostream>
#include <vector>

{fib("first_fibs", "n", "seq", "i")}

int main() {{
    int count = 12;
    std::vector<long> values = first_fibs(count);
    for (long v : values) {{
        std::cout << v << ' ';
    }}
    std::cout << std::endl;
    return 0;
}}
```"""
SUMMING = f"""The sum of the first terms:

```cpp
#include <numeric>
#include <vector>

{fib("fibonacci", "len", "out", "k")}

long total(int len) {{
    std::vector<long> terms = fibonacci(len);
    return std::accumulate(terms.begin(), terms.end(), 0L);
}}
```"""
SAVING = f"""Writing them to a file:

```cpp
#include <fstream>
#include <vector>

{fib("make_series", "m", "series", "j")}

void save(const char* path, int m) {{
    std::ofstream file(path);
    for (long x : make_series(m)) {{
        file << x << "\\n";
    }}
}}
```"""
# An independent answer to another request: the same table with its own names and program.
OWN = f"""```cpp
#include <iostream>
#include <vector>

{fib("fibTable", "size", "table", "idx")}

int main() {{
    int size;
    std::cout << "Enter n: ";
    std::cin >> size;
    std::cout << "F(" << size << ") = " << fibTable(size + 1).back() << std::endl;
    return 0;
}}
```"""
# A renamed copy of the whole of the printing answer's code.
RENAMED_COPY = (
    PRINTING.replace("first_fibs", "fibsUpTo")
    .replace("seq", "arr")
    .replace("values", "nums")
    .replace("count", "total")
    .replace("(long v : nums)", "(long w : nums)")
    .replace("<< v <<", "<< w <<")
)

LCS_REFERENCE = """def longest_common_sequence(string1, string2):
    s1 = len(string1)
    s2 = len(string2)
    lcs = [[0 for x in range(s2 + 1)] for x in range(s1 + 1)]

    for i in range(s1):
        for j in range(s2):

            if string1[i] == string2[j]:
                lcs[i + 1][j + 1] = lcs[i][j] + 1

            else:
                lcs[i + 1][j + 1] = max(lcs[i + 1][j], lcs[i][j + 1])

    return lcs[s1][s2]"""
# Written independently: the same recurrence, laid out and returned otherwise.
LCS_OWN = """def lcs(a, b):
    m, n = len(a), len(b)
    table = [[0] * (n + 1) for _ in range(m + 1)]

    for i in range(m):
        for j in range(n):
            if a[i] == b[j]:
                table[i+1][j+1] = table[i][j] + 1
            else:
                table[i+1][j+1] = max(table[i][j+1], table[i+1][j])

    return table[m][n], table

# Example usage:
first = "ABCDGH"
second = "AEDFHR"
length, _ = lcs(first, second)
print(f"The length of the longest common subsequence is {length}")"""


def scan(tmp_path: Path, refs: list[tuple[str, str, str]], rows: list[tuple[str, str, str]]) -> list[dict]:
    """Index ``refs`` (id, instruction, output) as one source, scan ``rows``; the matches."""
    ref_file = write_jsonl(
        tmp_path / "refs.jsonl", [{"id": i, "instruction": q, "input": "", "output": a} for i, q, a in refs]
    )
    data = write_jsonl(
        tmp_path / "data.jsonl", [{"id": i, "instruction": q, "input": "", "output": a} for i, q, a in rows]
    )
    index = tmp_path / "index"
    run_cli(["index", "add", index, ref_file, "--source", "gpt", "--provider", "openai", "-q"])
    out = tmp_path / "r.json"
    run_cli(["scan", "-i", index, data, "-f", "json", "-o", out, "--no-cache", "--fail-on", "never"])
    return json.loads(out.read_text())["matches"]


def test_a_textbook_function_other_answers_share_is_explained(tmp_path: Path) -> None:
    refs = [
        ("printing", "Write a C++ program printing the first 12 Fibonacci numbers.", PRINTING),
        ("summing", "Sum the first n Fibonacci numbers in C++.", SUMMING),
        ("saving", "Save Fibonacci numbers to a file in C++.", SAVING),
    ]
    rows = [
        ("own", "Find the nth Fibonacci number with dynamic programming in C++.", OWN),
        ("copy", "Print some Fibonacci numbers in C++.", RENAMED_COPY),
    ]
    matches = scan(tmp_path, refs, rows)
    own = [m for m in matches if m["record"]["id"] == "own"]
    assert {m["reference"]["id"] for m in own} == {"printing", "summing", "saving"}, "listed, not hidden"
    for m in own:
        strength = m["strength"]
        assert strength["explained"] and not strength["can_block"], strength["reason"]
        assert "other reference texts also hold, names abstracted" in strength["reason"]
        assert "takes a part of the reference's code" in strength["reason"]
    copy = [m for m in matches if m["record"]["id"] == "copy" and m["reference"]["id"] == "printing"]
    assert copy and not copy[0]["strength"]["explained"], "a renamed copy of the whole code stays verified"


def test_a_function_alike_only_at_low_similarity_with_names_abstracted_is_no_match(tmp_path: Path) -> None:
    refs = [("lcs", "Write a function to find the longest common sequence of two strings", LCS_REFERENCE)]
    renamed = (
        LCS_REFERENCE.replace("longest_common_sequence", "lcs_len")
        .replace("string1", "left_text")
        .replace("string2", "right_text")
        .replace("lcs", "grid")
    )
    rows = [
        ("own", "Implement the longest common subsequence of two strings in Python.", LCS_OWN),
        ("copy", "LCS in Python, please.", f"```python\n{renamed}\n```"),
    ]
    matches = scan(tmp_path, refs, rows)
    assert not [m for m in matches if m["record"]["id"] == "own" and not m["strength"]["explained"]]
    copy = [m for m in matches if m["record"]["id"] == "copy"]
    assert copy and not copy[0]["strength"]["explained"], "a renamed copy still verifies"
