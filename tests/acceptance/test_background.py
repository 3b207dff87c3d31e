"""Background sources: independent text indexed beside the references (``index add --background``).

A textbook function (the dynamic-programming longest common subsequence) is written alike by
independent authors. In ``benchmarks/code.py`` set (a), two independent answers were verified
matches of such functions in OpenAI datasets answering other requests: nothing in an index of
OpenAI material alone can tell them from copies. Plagiarism checkers take "base" material for
this (MOSS's ``-b``, JPlag's base code): text known to be independent. A passage a candidate also
shares with background text is set aside like boilerplate, and what is left must still verify;
a background source's own matches are listed, never findings; a policy naming one is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli, write_jsonl

LCS = """def lcs_length(a, b):
    rows, cols = len(a), len(b)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows):
        for j in range(cols):
            if a[i] == b[j]:
                table[i + 1][j + 1] = table[i][j] + 1
            else:
                table[i + 1][j + 1] = max(table[i][j + 1], table[i + 1][j])
    return table[rows][cols]"""
REFERENCE = (
    "To compare two versions of a document line by line, compute the length of their longest "
    "common subsequence first; diff tools build their edit scripts from the same table.\n\n"
    f"```python\n{LCS}\n```\n\n"
    "The table takes quadratic time and memory, so for very long inputs keep only two rows of it "
    "and walk back through Hirschberg's divide and conquer when the subsequence itself is needed. "
    "Version control systems rarely run the plain algorithm: they first strip the common prefix "
    "and suffix of the two files, hash every remaining line so that comparisons are cheap, and "
    "fall back to heuristics when the files are large and the table would not fit in memory."
)
BACKGROUND = (
    "Chapter 15 exercise solution. The bottom-up version fills the table row by row.\n\n"
    f"```python\n{LCS}\n```\n\nEach cell depends only on its three neighbours above and to the left."
)
CANDIDATE = f"Here is my implementation:\n\n```python\n{LCS}\n\nprint(lcs_length('ABCBDAB', 'BDCABA'))\n```"
COPY = REFERENCE.replace("first;", "first, as")
BLOCK_ALL = """\
name: block every match
rules:
  - id: any-match
    title: Any match
    signal: match
    when: {match.similarity: {gte: 0}}
    action: block
"""


def _index(tmp_path: Path, background: bool) -> Path:
    index = tmp_path / "index"
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "ref", "text": REFERENCE}])
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    if background:
        book = write_jsonl(tmp_path / "book.jsonl", [{"id": "ch15", "text": BACKGROUND}])
        run_cli(["index", "add", index, book, "--source", "textbook", "--background", "-q"])
    return index


def _scan(tmp_path: Path, index: Path, rows: list[tuple[str, str]], code: int = 0) -> dict:
    data = write_jsonl(tmp_path / "data.jsonl", [{"id": i, "text": t} for i, t in rows])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_ALL)
    out = tmp_path / "r.json"
    run_cli(["scan", "-i", index, data, "-p", policy, "-f", "json", "-o", out, "--no-cache"], code=code)
    return json.loads(out.read_text())


def test_a_passage_background_text_also_holds_is_set_aside(tmp_path: Path) -> None:
    without = _scan(tmp_path, _index(tmp_path / "a", background=False), [("own", CANDIDATE)], code=1)
    (match,) = without["matches"]
    assert not match["strength"]["explained"], "without background the textbook code is a verified match"

    doc = _scan(tmp_path, _index(tmp_path / "b", background=True), [("own", CANDIDATE)])
    by_source = {m["reference"]["source"]: m for m in doc["matches"]}
    assert set(by_source) == {"gpt", "textbook"}, "both matches stay listed"
    gpt = by_source["gpt"]["strength"]
    assert gpt["explained"] and gpt["convergence"] == "background", gpt["reason"]
    assert "background source" in gpt["reason"]
    assert not gpt["can_block"]
    book = by_source["textbook"]["strength"]
    assert book["convergence"] == "background" and book["explained"] and not book["can_block"]
    assert "not reference material" in book["reason"]
    assert by_source["textbook"]["reference"]["background"] is True
    # The background match is never a finding; the reference match is reviewed, not blocked.
    assert [f["reference"]["source"] for f in doc["findings"] if "reference" in f] == ["gpt"]
    assert [f["action"] for f in doc["findings"]] == ["review"]


def test_a_copy_of_the_reference_stays_verified_beside_background_text(tmp_path: Path) -> None:
    """Background text explains only what it holds: the copied prose around the function (most
    of the reference) is left, still verifies, and the copy blocks. (Were the shared function
    most of the match, what is left would still decide: a copy blocks while the copied prose
    verifies alone, test_adversarial8.py.)"""
    doc = _scan(tmp_path, _index(tmp_path, background=True), [("copy", COPY)], code=1)
    gpt = next(m for m in doc["matches"] if m["reference"]["source"] == "gpt")
    assert not gpt["strength"]["explained"], gpt["strength"]["reason"]
    assert any(f["action"] == "block" for f in doc["findings"])


def test_background_is_a_role_the_index_keeps_and_shows(tmp_path: Path) -> None:
    index = _index(tmp_path, background=True)
    info = json.loads(run_cli(["index", "info", index, "--format", "json"]).stdout)
    assert info["sources"]["textbook"]["role"] == "background"
    assert info["sources"]["gpt"]["role"] == "reference"
    assert "background" in run_cli(["index", "info", index]).stdout
    more = write_jsonl(tmp_path / "more.jsonl", [{"id": "x", "text": BACKGROUND + " Again."}])
    # The same source cannot be both: refused, not merged either way.
    result = run_cli(["index", "add", index, more, "--source", "gpt", "--background"], code=2)
    assert "already in the index as reference material" in result.stderr
    result = run_cli(["index", "add", index, more, "--source", "textbook"], code=2)
    assert "already in the index as background" in result.stderr


def test_a_sources_manifest_takes_background_and_checks_its_value(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "book.jsonl", [{"id": "ch15", "text": BACKGROUND}])
    manifest = tmp_path / "sources.yaml"
    manifest.write_text("sources:\n  - path: book.jsonl\n    source: textbook\n    background: yes please\n")
    result = run_cli(["index", "build", tmp_path / "i1", "--sources", manifest], code=2)
    assert "sources.yaml:4" in result.stderr and "'background' must be true or false" in result.stderr
    manifest.write_text("sources:\n  - path: book.jsonl\n    source: textbook\n    background: true\n")
    run_cli(["index", "build", tmp_path / "i2", "--sources", manifest, "-q"])
    info = json.loads(run_cli(["index", "info", tmp_path / "i2", "--format", "json"]).stdout)
    assert info["sources"]["textbook"]["role"] == "background"


def test_a_policy_giving_facts_to_a_background_source_is_refused(tmp_path: Path) -> None:
    index = _index(tmp_path, background=True)
    data = write_jsonl(tmp_path / "data.jsonl", [{"id": "own", "text": CANDIDATE}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_ALL + "sources:\n  textbook: {provider: openai}\n")
    result = run_cli(["scan", "-i", index, data, "-p", policy, "--no-cache"], code=3)
    assert "is a background source of the index" in result.stderr


def test_the_report_names_background_sources_for_counsel(tmp_path: Path) -> None:
    """Counsel sees which sources are background (a background holding restricted material would
    explain copies away): in the JSON run record and source rows, and in the HTML sources table."""
    index = _index(tmp_path, background=True)
    doc = _scan(tmp_path, index, [("own", CANDIDATE)])
    details = {d["name"]: d for d in doc["run"]["index"]["source_details"]}
    assert details["textbook"]["background"] is True and "background" not in details["gpt"]
    data = tmp_path / "data.jsonl"
    page = tmp_path / "r.html"
    run_cli(["scan", "-i", index, data, "-f", "html", "-o", page, "--no-cache"])
    html = page.read_text()
    assert "background: independent text, never a finding" in html
    assert "1 of them background</b>" in html
