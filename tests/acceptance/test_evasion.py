"""Laundered copies a user might make to slip past the gate (held-out edit kinds, 2026-12-05).

Each copy here was missed, or could not block, before: invisible characters used instead of
spaces glued the words together; a copy carried as a JSON string inside another document kept
its escapes (``\\n`` glued to the next word). Texts and code are written for these tests."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, write_jsonl
from provcheck.index import manifest as mf

BLOCK_ALL = """\
name: block every match
rules:
  - id: any-match
    title: Any match
    signal: match
    when: {match.similarity: {gte: 0}}
    action: block
"""

CODE = """\
def merge_intervals(intervals):
    if not intervals:
        return []
    ordered = sorted(intervals, key=lambda pair: pair[0])
    merged = [list(ordered[0])]
    for start, end in ordered[1:]:
        last = merged[-1]
        if start <= last[1]:
            last[1] = max(last[1], end)
        else:
            merged.append([start, end])
    return [tuple(pair) for pair in merged]


def total_covered(intervals):
    covered = 0
    for start, end in merge_intervals(intervals):
        covered += end - start
    return covered


def gaps_between(intervals, lower, upper):
    gaps = []
    cursor = lower
    for start, end in merge_intervals(intervals):
        if start > cursor:
            gaps.append((cursor, min(start, upper)))
        cursor = max(cursor, end)
    if cursor < upper:
        gaps.append((cursor, upper))
    return gaps
"""


def scan(tmp_path: Path, references: list[str], record: dict, code: int) -> dict:
    refs = write_jsonl(
        tmp_path / "refs.jsonl", [{"id": f"r{i}", "text": t} for i, t in enumerate(references)]
    )
    data = write_jsonl(tmp_path / "data.jsonl", [{"id": "copy", **record}])
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "--provider", "openai", "-q"])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_ALL)
    out = tmp_path / "r.json"
    run_cli(["scan", "-i", index, data, "-p", policy, "-f", "json", "-o", out, "--no-cache"], code=code)
    return json.loads(out.read_text())


def references() -> list[str]:
    return [*REFERENCE_TEXTS, UNRELATED_TEXT, CODE]


def test_invisible_characters_instead_of_spaces_still_block(tmp_path: Path) -> None:
    marks = itertools.cycle(["\u200b", "\u200c", "\u2060", "\u00ad"])
    copy = "".join(next(marks) if c == " " else c for c in REFERENCE_TEXTS[1])
    doc = scan(tmp_path, references(), {"text": copy}, 1)
    (match,) = doc["matches"]
    assert match["reference"]["id"] == "r1" and match["strength"]["can_block"]
    assert [f["action"] for f in doc["findings"]] == ["block"]
    # The evidence quotes the copy as it is, invisible characters included.
    assert "\u200b" in match["spans"][0]["candidate"]["text"]


STEPS = """\
Preheat the oven to 180 degrees.
Grease two round cake pans well.
Whisk flour, cocoa and baking soda.
Beat soft butter with brown sugar.
Add the eggs one at a time.
Fold in the dry mixture gently.
Stir buttermilk through until smooth.
Divide the batter between both pans.
Bake for thirty minutes or so.
Cool them on a wire rack.
Spread the ganache over each layer.
Chill the finished cake before slicing.
"""


def test_a_copy_inside_a_json_string_of_another_field_is_found(tmp_path: Path) -> None:
    # Short lines: every escaped newline glued ``n`` to the next line's first word
    # (``\\nGrease`` read ``ngrease``), so no run of 12 tokens was left to share an anchor.
    for name, ascii_only in (("ascii", True), ("utf8", False)):
        text = json.dumps({"id": 9, "meta": {"src": "scrape"}, "answer": STEPS}, ensure_ascii=ascii_only)
        doc = scan(tmp_path / name, [*references(), STEPS], {"text": text}, 1)
        assert [m["reference"]["id"] for m in doc["matches"]] == ["r5"], name


def test_an_index_built_by_the_previous_tokenizer_is_refused(tmp_path: Path) -> None:
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"text": t} for t in REFERENCE_TEXTS])
    index = tmp_path / "index"
    run_cli(["index", "add", index, refs, "--source", "gpt", "-q"])
    manifest = index / "manifest.json"
    data = write_jsonl(tmp_path / "data.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    for key, old, says in (("tokenizer", 3, "built with tokenizer version 3"),):
        body = json.loads(manifest.read_text())
        saved = dict(body["fingerprint"])
        del body["checksum"]
        body["fingerprint"][key] = old  # what provcheck wrote before 2026-12-05's changes
        body["checksum"] = mf._checksum(body)
        manifest.write_text(json.dumps(body))
        result = run_cli(["scan", "-i", index, data, "-f", "json", "-o", tmp_path / "r.json"], code=5)
        assert says in result.stderr and "rebuild the index" in result.stderr
        assert not (tmp_path / "r.json").exists()
        body["fingerprint"] = saved
        del body["checksum"]
        body["checksum"] = mf._checksum(body)
        manifest.write_text(json.dumps(body))
    run_cli(["scan", "-i", index, data, "-f", "json", "-o", tmp_path / "r.json"], code=0)


LONG_ANSWER = (
    "Start by choosing a quiet corner of the garden that gets morning sun. "
    "Clear away the grass and weeds from a patch about two metres square. "
    "Loosen the soil with a fork to a depth of at least twenty centimetres. "
    "Mix in a generous layer of compost to feed the young plants later on. "
    "Rake the surface level and remove any stones you find along the way. "
    "Water the bed lightly the evening before you plan to sow any seeds. "
    "Sow carrots and radishes in shallow rows spaced a hand apart from each other. "
    "Cover the seeds with a thin layer of fine soil and press it down gently. "
    "Protect the rows from birds with a net stretched over short wooden stakes. "
    "Thin the seedlings once they have two true leaves so each has room to grow. "
    "Keep the soil moist but never soaked during the first few warm weeks. "
    "Pull weeds by hand while they are small and their roots are still shallow. "
    "Feed the bed with diluted seaweed every fortnight through early summer. "
    "Harvest the radishes after about a month while they are crisp and small. "
    "Lift the carrots once their shoulders show above the soil in late summer. "
    "Finally dig the spent plants into the bed to enrich it for next spring."
)


def test_a_copy_with_its_sentences_in_reverse_order_is_found(tmp_path: Path) -> None:
    # Sixteen sentences reversed align one a pass: six passes covered under half of the text.
    sentences = [s.strip() + "." for s in LONG_ANSWER.split(".") if s.strip()]
    copy = " ".join(reversed(sentences))
    # Found and shown; whether a reordered copy may block is the strength's call (review here).
    doc = scan(tmp_path, [*references(), LONG_ANSWER], {"text": copy}, 0)
    (match,) = doc["matches"]
    assert match["reference"]["id"] == "r5" and match["scores"]["containment"] >= 0.9, match["scores"]
