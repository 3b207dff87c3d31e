"""Held-out laundering and hard negatives that are not in the shared corpora.

    python benchmarks/heldout.py [--per-kind 150] [--seed 20261206]

Edits (``heldout_edits.py``) and negatives (``heldout_negatives.py``) were written for this
benchmark and never used to choose a parameter. References are drawn from the corpora at run
time: GPTeacher Codegen responses (GPT-4) and Code Alpaca outputs for the code kinds, AlpacaEval
outputs of OpenAI generators for the prose kinds. The index holds all of them (one source per
dataset) plus the negatives' "index side" (filled templates, licence boilerplate, quotations,
recipes) spread round robin over four sources, as four generators'
outputs. Candidates are plain-text records scanned in one ``provcheck scan``.

A copy counts as found when a verified match (not explained by convergence) links it to its
true reference (or one of identical tokens); "can block" when that match's strength allows a
block rule. An interleaved copy counts once per source it holds. Every match on a negative is
false: the negatives' data side shares only a template, a licence, a quotation or an
ingredient list with the index side, or is textbook code written for this benchmark.
"""

from __future__ import annotations

import argparse
import atexit
import json
import random
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import heldout_edits as ed
import heldout_negatives as neg
from common import CORPORA, PROVCHECK, alpacaeval_rows, providers_of, require_corpora, run, table, write_jsonl
from detection import overlap, words5
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import FingerprintConfig

INSTRUCT = CORPORA / "instruct"
MIN_WORDS = 40
_WRAP = "Here is the code you asked for:\n\n{}\n\nLet me know if it helps."

CODE_KINDS = {
    "code: comment line every 3 lines, 1-2 words": ed.comments_short,
    "code: comment line every 2-3 lines, 15-17 words": ed.comments_long,
    "code: formatter (quotes swapped, calls exploded)": ed.formatted,
    "code: after a 180-word new preface": ed.long_preface,
}
PROSE_KINDS = {
    "prose: bullets <-> numbered list": ed.list_renumbered,
    "prose: list written as First, ... Second, ...": ed.list_to_prose,
    "prose: Markdown rendered as HTML": ed.markdown_to_html,
    "prose: British spelling": ed.british,
    "prose: contractions expanded and made": ed.contractions,
    "prose: numbers as words": ed.numbers_as_words,
    "prose: synonyms for 10% of words": ed.synonyms,
    "prose: sentences split and merged": ed.split_merge,
    "prose: after a 180-word new preface": ed.long_preface,
}
NEGATIVE_SOURCES = 4
INTERLEAVED = "prose: paragraphs of two copies interleaved"


def _independent() -> set[str]:
    out = set()
    for line in (CORPORA / "alpacaeval" / "generators.csv").read_text().splitlines()[1:]:
        name, provider, relation = line.split(",")[:3]
        if provider != "openai" and relation == "original":
            out.add(name)
    return out


def load(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Code references, prose references, and filler prose (independent generators' answers of
    80-300 words, one per instruction, word 5-gram overlap < 0.2 with every indexed answer to
    the same instruction)."""
    code = []
    gpteacher = json.loads((INSTRUCT / "teknium1__GPTeacher__Codegen__codegen-instruct.json").read_text())
    code += [
        {"id": f"gpteacher/{i}", "source": "gpteacher-codegen", "text": r["response"]}
        for i, r in enumerate(gpteacher)
    ]
    alpaca = json.loads((INSTRUCT / "sahil280114__codealpaca__data__code_alpaca_2k.json").read_text())
    code += [
        {"id": f"codealpaca/{i}", "source": "code-alpaca", "text": r["output"]} for i, r in enumerate(alpaca)
    ]
    providers = providers_of()
    independent = _independent()
    prose: list[dict[str, Any]] = []
    answers: list[tuple[str, str]] = []
    seen: set[str] = set()
    indexed: dict[str, list[set[tuple[str, ...]]]] = defaultdict(list)
    for i, r in enumerate(alpacaeval_rows()):
        if providers.get(r["generator"]) == "openai":
            prose.append({"id": f"alpacaeval/{i}", "source": "alpacaeval-openai", "text": r["output"]})
            indexed[r["instruction"]].append(words5(r["output"]))
        elif (
            r["generator"] in independent
            and r["instruction"] not in seen
            and 80 <= len(r["output"].split()) <= 300
        ):
            seen.add(r["instruction"])
            answers.append((r["instruction"], r["output"]))
    # Every instruction has indexed answers: a filler sharing real text with one of them (the
    # same song lyrics, the same code sample) would make a negative a copy (detection.py's rule).
    filler = [t for q, t in answers if max((overlap(words5(t), g) for g in indexed[q]), default=0.0) < 0.2]
    rng.shuffle(filler)
    keep = lambda rows: [r for r in rows if len(r["text"].split()) >= MIN_WORDS]  # noqa: E731
    return keep(code), keep(prose), filler


def negatives(
    rng: random.Random, filler: list[str], n: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Index side and data side of the negatives (``n`` a kind on each side, textbook code on
    the data side only); the two sides never share filler prose."""
    half = len(filler) // 2
    sides: list[list[dict[str, Any]]] = [[], []]
    for side in (0, 1):
        pool = iter(filler[side * half : (side + 1) * half])
        rows: list[tuple[str, str]] = neg.templates(rng, n)
        rows += [neg.licensed(next(pool), rng) for _ in range(n)]
        rows += [neg.quoted(next(pool), rng) for _ in range(n)]
        rows += [neg.recipe(rng) for _ in range(n)]
        if side == 1:
            rows += neg.textbook_code(rng, n)
        sides[side] = [
            {"id": f"neg{side}/{k}", "kind": kind, "text": text} for k, (kind, text) in enumerate(rows)
        ]
    return sides[0], sides[1]


def build_index(groups: dict[str, list[dict[str, Any]]], work: Path) -> Path:
    entries = []
    for n, (source, rows) in enumerate(sorted(groups.items())):
        path = write_jsonl(work / f"source-{n}.jsonl", [{"id": r["id"], "text": r["text"]} for r in rows])
        entries.append({"path": str(path), "source": source, "provider": "openai"})
    manifest = work / "sources.yaml"
    manifest.write_text(json.dumps({"sources": entries}))  # JSON is YAML
    index = work / "index"
    res = run([*PROVCHECK, "index", "build", str(index), "--sources", str(manifest), "-q"])
    assert res.code == 0, res.stderr
    return index


def candidates(
    code: list[dict[str, Any]], prose: list[dict[str, Any]], rng: random.Random, per_kind: int
) -> tuple[list[dict[str, Any]], dict[str, tuple[str, list[str]]]]:
    """Candidate records and, for each, (kind, ids of its true references)."""
    rows: list[dict[str, Any]] = []
    truth: dict[str, tuple[str, list[str]]] = {}
    gpteacher = [r for r in code if r["source"] == "gpteacher-codegen"]
    for kind, edit in [*CODE_KINDS.items(), *PROSE_KINDS.items()]:
        pool = gpteacher if kind.startswith("code") else prose
        order = rng.sample(range(len(pool)), len(pool))
        taken = 0
        for i in order:
            if taken == per_kind:
                break
            ref = pool[i]
            text = edit(ref["text"], rng)
            if text is None:
                continue
            if kind.startswith("code") and edit is not ed.long_preface:
                text = _WRAP.format(text)
            cid = f"{kind}/{taken}"
            rows.append({"id": cid, "text": text})
            truth[cid] = (kind, [ref["id"]])
            taken += 1
    taken = 0
    while taken < per_kind:
        a, b = rng.sample(prose, 2)
        text = ed.interleave(a["text"], b["text"])
        if text is None:
            continue
        cid = f"{INTERLEAVED}/{taken}"
        rows.append({"id": cid, "text": text})
        truth[cid] = (INTERLEAVED, [a["id"], b["id"]])
        taken += 1
    return rows, truth


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-kind", type=int, default=150, help="copies per edit kind (default 150)")
    parser.add_argument("--negatives", type=int, default=60, help="negatives per kind and side (default 60)")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--out", default="build/bench")
    parser.add_argument("--match", action="append", default=[], metavar="KEY=VALUE", help="passed to scan")
    args = parser.parse_args()
    require_corpora()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="provcheck-heldout-"))
    atexit.register(shutil.rmtree, work, True)
    code, prose, filler = load(rng)
    index_side, data_side = negatives(rng, filler, args.negatives)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in code + prose:
        groups[r["source"]].append(r)
    # The index side as four generators' outputs (round robin): text that several sources hold
    # is what convergence sets aside (``matching/convergence.py``); in one source it cannot be.
    for k, r in enumerate(index_side):
        groups[f"heldout-negatives-{k % NEGATIVE_SOURCES}"].append(r)
    index = build_index(groups, work)
    cands, truth = candidates(code, prose, rng, args.per_kind)
    data = write_jsonl(
        work / "candidates.jsonl", [*cands, *({"id": r["id"], "text": r["text"]} for r in data_side)]
    )
    report = work / "scan.json"
    res = run(
        [
            *PROVCHECK,
            "scan",
            str(data),
            "-i",
            str(index),
            "-f",
            "json",
            "-o",
            str(report),
            "--fail-on",
            "never",
            "-q",
            *[f"--match={m}" for m in args.match],
        ]
    )
    assert res.code == 0, res.stderr
    verified: dict[str, set[str]] = defaultdict(set)
    listed: dict[str, set[str]] = defaultdict(set)
    blockable: dict[str, set[str]] = defaultdict(set)
    reasons: dict[tuple[str, str], str] = {}
    matches = json.loads(report.read_text())["matches"]
    for m in matches:
        rid, ref = m["record"]["id"], m["reference"]["id"]
        strength = m.get("strength") or {}
        reasons[(rid, ref)] = strength.get("reason", "")
        listed[rid].add(ref)
        if not strength.get("explained"):
            verified[rid].add(ref)
        if strength.get("can_block"):
            blockable[rid].add(ref)
    # True references: every id of identical tokens (the index stores identical texts once).
    fps = Fingerprinter(FingerprintConfig()).of_texts([r["text"] for r in code + prose])
    key_of = {r["id"]: fp.key for r, fp in zip(code + prose, fps, strict=True)}
    same: dict[int, set[str]] = defaultdict(set)
    for rid, key in key_of.items():
        same[key].add(rid)
    found: dict[str, list[bool]] = defaultdict(list)
    block: dict[str, list[bool]] = defaultdict(list)
    misses = []
    unblocked: list[dict[str, Any]] = []
    for cid, (kind, refs) in truth.items():
        for rid in refs:
            hit = bool(verified.get(cid, set()) & same[key_of[rid]])
            found[kind].append(hit)
            block[kind].append(bool(blockable.get(cid, set()) & same[key_of[rid]]))
            if hit and not block[kind][-1]:
                unblocked.append(
                    {
                        "candidate": cid,
                        "reference": rid,
                        "reasons": [reasons.get((cid, r)) for r in same[key_of[rid]]],
                    }
                )
            if not hit:
                misses.append({"candidate": cid, "reference": rid, "listed": sorted(listed.get(cid, set()))})
    results: dict[str, Any] = {"recall": {}, "negatives": {}, "seed": args.seed}
    rows = []
    for kind in found:
        n = len(found[kind])
        r, b = sum(found[kind]) / n, sum(block[kind]) / n
        results["recall"][kind] = {"n": n, "recall": r, "can_block": b}
        rows.append([kind, n, r, b])
    print(
        f"\n## Held-out laundering ({len(code):,} code and {len(prose):,} prose references indexed; "
        f"seed {args.seed}; scan {res.seconds:.1f} s; found = a verified match to the true reference)\n"
    )
    print(table(["kind", "n (copies; interleaved: sources)", "recall", "can block"], rows))
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in data_side:
        by_kind[r["kind"]].append(r)
    neg_rows = []
    false = []
    for kind, recs in by_kind.items():
        ids = [r["id"] for r in recs]
        lst = sum(1 for i in ids if listed.get(i))
        ver = sum(1 for i in ids if verified.get(i))
        blk = sum(1 for i in ids if blockable.get(i))
        results["negatives"][kind] = {"records": len(ids), "listed": lst, "verified": ver, "can_block": blk}
        neg_rows.append([kind, len(ids), lst, ver, blk])
    for m in matches:
        if m["record"]["id"].startswith("neg"):
            false.append(
                {
                    "record": m["record"]["id"],
                    "reference": m["reference"]["id"],
                    "strength": m.get("strength"),
                }
            )
    print(
        f"\n## Hard negatives not in the corpora (data side; index side: {len(index_side)} records of "
        "the same kinds with other fillings, licence holders, quotations and fillers; every match is false)\n"
    )
    print(table(["negative", "records", "listed", "verified", "can block"], neg_rows))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "heldout.json").write_text(json.dumps(results, indent=2))
    (out / "heldout_misses.json").write_text(json.dumps(misses, indent=2))
    (out / "heldout_unblocked.json").write_text(json.dumps(unblocked, indent=2))
    (out / "heldout_false_positives.json").write_text(json.dumps(false, indent=2))
    print(f"\nfigures in {out / 'heldout.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
