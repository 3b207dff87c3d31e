"""Held-out laundering and hard negatives (``benchmarks/heldout.py``, 2026-12-06).

A copier "documenting" copied code puts a comment line every two or three lines: before, the
plain alignment cut the copy at every comment (runs of a few tokens, similarity halved by
comments as long as the code) and the copy was missed or could not block. The code is now
aligned again without the comment lines the reference does not hold
(``verify.align_uncommented``). Independent code for the same task, commented alike, must
still not block. Texts and code are written for these tests."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, write_jsonl

BLOCK_ALL = """\
name: block every match
rules:
  - id: any-match
    title: Any match
    signal: match
    when: {match.similarity: {gte: 0}}
    action: block
"""

REFERENCE_CODE = """\
Here is a function that groups log lines by their severity and counts them:

```python
def summarize_log(path, levels=("ERROR", "WARNING", "INFO")):
    counts = {level: 0 for level in levels}
    first_seen = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.split(maxsplit=2)
            if len(parts) < 3:
                continue
            stamp, level, message = parts
            if level not in counts:
                continue
            counts[level] += 1
            first_seen.setdefault(level, (number, stamp, message.strip()))
    report = []
    for level in levels:
        where = first_seen.get(level)
        report.append(f"{level}: {counts[level]} (first at line {where[0]})" if where else f"{level}: 0")
    return "\\n".join(report)
```
"""

NOTES = (
    "we keep one counter for every level so that the summary lists all of them even when empty",
    "this part reads the file line by line and makes sure we do not load it into memory at once",
    "lines that do not have a timestamp, a level and a message are skipped without an error",
    "the first occurrence of every level is remembered because the report points back to it",
)


def commented_every_two_lines(code: str) -> str:
    """A long comment line after every second line of the code block."""
    out: list[str] = []
    inside = 0
    for line in code.split("\n"):
        out.append(line)
        if line.startswith("```"):
            inside = 0 if inside else 1
            continue
        if inside and line.strip():
            inside += 1
            if inside % 2 == 1:
                indent = line[: len(line) - len(line.lstrip())]
                out.append(f"{indent}# {NOTES[(inside // 2) % len(NOTES)]}")
    return "\n".join(out)


def scan(tmp_path: Path, references: list[str], text: str, code: int) -> dict:
    refs = write_jsonl(
        tmp_path / "refs.jsonl", [{"id": f"r{i}", "text": t} for i, t in enumerate(references)]
    )
    data = write_jsonl(tmp_path / "data.jsonl", [{"id": "candidate", "text": text}])
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_ALL)
    out = tmp_path / "r.json"
    run_cli(["scan", "-i", index, data, "-p", policy, "-f", "json", "-o", out, "--no-cache"], code=code)
    return json.loads(out.read_text())


def test_code_with_a_long_comment_every_two_lines_is_found_and_blocks(tmp_path: Path) -> None:
    copy = commented_every_two_lines(REFERENCE_CODE)
    assert copy.count("\n# ") + copy.count("# we ") >= 1 and len(copy) > 1.6 * len(REFERENCE_CODE)
    doc = scan(tmp_path, [*REFERENCE_TEXTS, UNRELATED_TEXT, REFERENCE_CODE], copy, 1)
    (match,) = doc["matches"]
    assert match["reference"]["id"] == f"r{len(REFERENCE_TEXTS) + 1}"
    assert match["strength"]["can_block"], match["strength"]
    assert [f["action"] for f in doc["findings"]] == ["block"]
    # The evidence quotes the copy as it is: its inserted comments stand inside the span.
    assert any(NOTES[1] in sp["candidate"]["text"] for sp in match["spans"])


INDEPENDENT_CODE = """\
This version tallies each severity and remembers where it first appeared:

```python
def count_levels(log_file):
    # a dictionary from the level name to how many lines carried it
    tally = {"ERROR": 0, "WARNING": 0, "INFO": 0}
    earliest = {}
    # the file is read lazily, one line at a time
    for index, raw in enumerate(open(log_file), 1):
        fields = raw.strip().split(" ", 2)
        # malformed lines are ignored
        if len(fields) != 3 or fields[1] not in tally:
            continue
        tally[fields[1]] += 1
        # keep only the first line number seen for a level
        if fields[1] not in earliest:
            earliest[fields[1]] = index
    lines = []
    for name, total in tally.items():
        lines.append(f"{name}: {total}" + (f" (line {earliest[name]})" if name in earliest else ""))
    return "\\n".join(lines)
```
"""


def test_independent_code_for_the_same_task_commented_alike_does_not_block(tmp_path: Path) -> None:
    # The same task, the same idea, comment lines the reference lacks: leaving them out must
    # not make two independent solutions one copy.
    doc = scan(tmp_path, [*REFERENCE_TEXTS, UNRELATED_TEXT, REFERENCE_CODE], INDEPENDENT_CODE, 0)
    assert not doc["findings"]
    assert all(m["strength"].get("explained") or not m["strength"]["can_block"] for m in doc["matches"])


MIT = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software "
    'and associated documentation files (the "Software"), to deal in the Software without '
    "restriction, including without limitation the rights to use, copy, modify, merge, publish, "
    "distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the "
    "Software is furnished to do so, subject to the following conditions:\n\n"
    "The above copyright notice and this permission notice shall be included in all copies or "
    "substantial portions of the Software.\n\n"
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING '
    "BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND "
    "NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, "
    "DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, "
    "OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE."
)


def test_the_mit_licence_in_an_indexed_answer_and_in_the_data_does_not_block(tmp_path: Path) -> None:
    # Licence boilerplate in a model's answer and in a user's own README: the text is the
    # licence's, not the model's (``matching/attributed.py``).
    indexed = f"{REFERENCE_TEXTS[0]}\n\n## License\n\nMIT License\n\nCopyright (c) 2023 Mei Chen\n\n{MIT}"
    own = (
        "# tidewater\n\nA small tool I wrote to rename holiday photos by the day they were taken, "
        "so that the folders sort in the order of the trip."
    )
    data = f"{own}\n\n## License\n\nMIT License\n\nCopyright (c) 2021 Sam Okafor\n\n{MIT}"
    doc = scan(tmp_path, [indexed, UNRELATED_TEXT], data, 0)
    # Listed for review (the shared licence is real shared text), never blocked.
    assert doc["matches"] and all(not m["strength"]["can_block"] for m in doc["matches"])
    assert [f["action"] for f in doc["findings"]] == ["review"]
