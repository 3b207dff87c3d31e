"""Runs of short records (``scan.runs``): recall of copies cut 5, 10 and 20 words to a record,
and cry-wolf on datasets of many short independent pieces.

    python benchmarks/short_runs.py [--copies 400] [--negatives 4000] [--index DIR]

References: every AlpacaEval output of an OpenAI generator (as ``detection.py``; ``--index``
reuses one it kept). Copies: references of at least 60 tokens cut N words to a record, each
between three sentences of another generator's answer. Cry-wolf: ``detection.py``'s hard
negatives (other generators' answers with word 5-gram overlap under 0.2 with every reference
to the same instruction) cut one sentence to a record; and independent answers of other
generators to the same instructions, grouped by instruction, cut ~10 words to a record.
A copy counts as found when a match spanning its lines links it to its reference.
Chat variants: the same negatives and copies (10 words) each as a short exchange a record (a
user turn "Go on." and the piece as the assistant's turn).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import PROVCHECK, alpacaeval, require_corpora, run, write_jsonl
from detection import FLOOR_TOKENS, hard_negatives
from provcheck.matching.normalize import tokens

SENTENCE = re.compile(r"(?<=[.!?])\s+")
POLICY = """\
use: {purpose: train-competing-model}
rules:
  - id: openai-compete
    title: OpenAI output in a competing model
    when: {source.provider: openai, use.purpose: train-competing-model}
    action: block
    message: copies {source.name}
"""


def words(text: str, size: int) -> list[str]:
    w = text.split()
    return [" ".join(w[i : i + size]) for i in range(0, len(w), size)]


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE.split(text) if s.strip()]


def chat(piece: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": "Go on."}, {"role": "assistant", "content": piece}]}


def scan(index: Path, data: Path, report: Path) -> dict[str, Any]:
    policy = report.parent / "policy.yaml"
    policy.write_text(POLICY)
    args = ["scan", str(data), "-i", str(index), "-p", str(policy), "-f", "json", "-o", str(report)]
    done = run([*PROVCHECK, *args, "--no-cache", "-q", "--workers", "1"])
    assert done.code in (0, 1), done.stderr
    doc: dict[str, Any] = json.loads(report.read_text())
    return doc


def counts(doc: dict[str, Any]) -> dict[str, Any]:
    runs = [m for m in doc["matches"] if m["record"].get("end_line")]
    files = doc["files"][0]
    return {
        "records": doc["stats"]["records"],
        "run_records": files.get("run_records", 0),
        "runs": files.get("runs", 0),
        "matches": len(doc["matches"]),
        "run_matches": len(runs),
        "run_can_block": sum(1 for m in runs if (m.get("strength") or {}).get("can_block")),
        "findings": len(doc["findings"]),
        "run_findings": sum(1 for f in doc["findings"] if f["record"].get("end_line")),
        "blocking": sum(1 for f in doc["findings"] if f["action"] == "block"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=400)
    parser.add_argument("--negatives", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--index", help="an index of the OpenAI outputs (detection.py --keep's)")
    args = parser.parse_args()
    require_corpora()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="provcheck-runs-"))
    rows, providers = alpacaeval()
    refs = [
        {"id": f"{r['generator']}/{i}", "instruction": r["instruction"], "output": r["output"]}
        for i, r in enumerate(rows)
        if providers.get(r["generator"]) == "openai" and r["output"].strip()
    ]
    pool = [r for r in rows if providers.get(r["generator"]) != "openai" and r["output"].strip()]
    index = Path(args.index) if args.index else work / "index"
    if not args.index:
        write_jsonl(work / "refs.jsonl", refs)
        add = ["index", "add", str(index), str(work / "refs.jsonl"), "--source", "openai"]
        run([*PROVCHECK, *add, "--provider", "openai", "-q"])
    negatives = hard_negatives(refs, pool, args.negatives, rng)
    results: dict[str, Any] = {}

    # Cry-wolf 1: hard negatives, one sentence a record.
    rows_out = [{"text": s} for n in negatives for s in sentences(n["text"])]
    results["negatives-one-sentence"] = counts(
        scan(index, write_jsonl(work / "neg.jsonl", rows_out), work / "n.json")
    )
    rows_out = [chat(s) for n in negatives for s in sentences(n["text"])]
    results["negatives-one-sentence-chat"] = counts(
        scan(index, write_jsonl(work / "negchat.jsonl", rows_out), work / "nc.json")
    )

    # Cry-wolf 2: independent answers to the same instructions, ~10 words a record, by instruction.
    ours = sorted(negatives, key=lambda n: n["_instruction"])
    rows_out = [{"text": p} for n in ours for p in words(n["text"], 10)]
    results["same-prompt-10-words"] = counts(
        scan(index, write_jsonl(work / "same.jsonl", rows_out), work / "s.json")
    )

    # Recall: copies cut 5, 10, 20 words a record, each between three sentences of a negative.
    long_refs = [r for r in refs if len(tokens(r["output"])) >= FLOOR_TOKENS]
    chosen = rng.sample(long_refs, args.copies)
    fillers = [sentences(n["text"])[:3] for n in negatives[: args.copies]]
    for size, name in ((5, "5-words"), (10, "10-words"), (20, "20-words"), (10, "10-words-chat")):
        shape = chat if name.endswith("chat") else (lambda piece: {"text": piece})
        out, where = [], {}
        for ref, filler in zip(chosen, fillers, strict=True):
            out += [shape(s) for s in filler]
            first = len(out) + 1
            out += [shape(p) for p in words(ref["output"], size)]
            where[ref["id"]] = (first, len(out))
        doc = scan(index, write_jsonl(work / f"copies{name}.jsonl", out), work / f"c{name}.json")
        found, blocks = set(), set()
        for m in doc["matches"]:
            span = where.get(m["reference"]["id"])
            line, end = m["record"]["line"], m["record"].get("end_line") or m["record"]["line"]
            if span is not None and line <= span[1] and end >= span[0]:
                found.add(m["reference"]["id"])
                if (m.get("strength") or {}).get("can_block"):
                    blocks.add(m["reference"]["id"])
        results[f"copies-{name}"] = {
            **counts(doc),
            "recall": round(len(found) / len(chosen), 3),
            "can_block": round(len(blocks) / len(chosen), 3),
        }
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
