"""Precision on texts anyone writes word for word: quotations, fact lists, templates, textbook code.

    python benchmarks/heldout_precision.py [--per-kind 120] [--seed 20261207] [--out build/bench]

No other benchmark measures these (``heldout_negatives.py`` has cover letters, licences, short
quotations, recipes and six textbook functions, with each shared part in several sources). Here
the index holds each canonical part **once**, in one generator's answer, the case convergence's
"several indexed texts share it" test cannot see:

* index, own: every item of ``heldout_canon.py`` (7 public-domain texts quoted whole, 4 fact
  lists, 4 templates, 6 textbook programs in 2 styles each) in one answer each, framed with the
  prose of an OpenAI generator's AlpacaEval answer, one source per record;
* index, corpus: every AlpacaEval answer of an OpenAI generator that holds such a part (a
  Lorem ipsum paragraph, the 50 states, the elements, "As an AI language model", CREATE TABLE,
  a poem), one source per generator, as ``detection.py`` indexes them;
* data, own: ``--per-kind`` records a kind, the same parts in a style drawn per record and framed
  with the prose of a held-out (never indexed) generator's answer to other instructions;
* data, same prompt: held-out generators' answers holding such a part, to the same instructions
  as indexed ones (they agree on the facts); a pair that ``convergence.is_copy`` labels a copy
  is left out.

Every match on the data side is false. Per kind: records, listed (any match), verified (a match
not explained by convergence), can block (a ``block`` finding under a policy that blocks every
match, as ``precision.py`` writes it). Every false verified match is written for reading.
"""

from __future__ import annotations

import argparse
import atexit
import json
import random
import re
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import heldout_canon as canon
import heldout_canon20 as canon20
from common import PROVCHECK, alpacaeval_rows, providers_of, require_corpora, run, table, write_jsonl
from convergence import is_copy
from precision import HELD_OUT, POLICY

MARKERS = re.compile(
    r"lorem ipsum|alabama.*alaska|hydrogen.*helium|as an ai language model|create table|"
    r"shall i compare thee|two roads diverged|four score and seven|the lord is my shepherd|"
    r"pledge allegiance|fizzbuzz|argparse\.argumentparser|flask\(__name__\)",
    re.IGNORECASE | re.DOTALL,
)


LONG_WORDS = 200
"""Words of the held-out generators' answers paired at length (``LONG_PAIR``)."""
LONG_PAIR = ("Meta-Llama-3-70B-Instruct", "Qwen1.5-72B-Chat")
"""Two held-out generators: the first's long answers indexed (one source), the second's long
answers to the same instructions scanned (pass 20)."""


def load(
    rng: random.Random,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str], list[str], list[tuple[str, str]]]:
    """Corpus index rows, same-prompt data rows, index-side filler, data-side filler, and the
    pairs (indexed, scanned) of ``LONG_PAIR``'s long answers to one instruction."""
    providers = providers_of()
    openai = {g for g, p in providers.items() if p.lower() == "openai"}
    held = set(HELD_OUT)
    index: list[dict[str, Any]] = []
    same: list[dict[str, Any]] = []
    fill_index: list[tuple[str, str]] = []
    fill_data: list[tuple[str, str]] = []
    long: dict[str, dict[str, str]] = {g: {} for g in LONG_PAIR}
    for r in alpacaeval_rows():
        g, out = r["generator"], r["output"]
        if g in long and len(out.split()) >= LONG_WORDS:
            long[g][r["instruction"]] = out
        if g not in openai and g not in held:
            continue
        marked = bool(MARKERS.search(out))
        row = {"instruction": r["instruction"], "generator": g, "text": out}
        if marked:
            (index if g in openai else same).append(row)
        elif 80 <= len(out.split()) <= 250:
            (fill_index if g in openai else fill_data).append((r["instruction"], out))
    # Fillers of disjoint instructions: the two sides' own prose never answers the same request.
    instructions = sorted({q for q, _ in fill_index} | {q for q, _ in fill_data})
    rng.shuffle(instructions)
    side_a = set(instructions[: len(instructions) // 2])
    fi = sorted({t for q, t in fill_index if q in side_a})
    fd = sorted({t for q, t in fill_data if q not in side_a})
    rng.shuffle(fi)
    rng.shuffle(fd)
    by_q: dict[str, list[str]] = defaultdict(list)
    for r in index:
        by_q[r["instruction"]].append(r["text"])
    same = [
        r
        for r in same
        if r["instruction"] in by_q and not any(is_copy(r["text"], t) for t in by_q[r["instruction"]])
    ]
    a, b = (long[g] for g in LONG_PAIR)
    # An indexed answer must not be scanned too (as filler or a same-prompt record): a copy.
    used = set(fd) | {r["text"] for r in same}
    pairs = [(a[q], b[q]) for q in sorted(set(a) & set(b)) if a[q] not in used and not is_copy(b[q], a[q])]
    return index, same, fi, fd, pairs


def own_index(fill: list[str], rng: random.Random) -> list[dict[str, Any]]:
    """Every canonical item once (code: each style once), framed with indexed-generator prose."""
    rows: list[tuple[str, str]] = []
    pool = iter(fill)
    for name in sorted(canon.QUOTATIONS):
        body = canon.QUOTATIONS[name]
        rows.append((f"quotation: {name}", canon._frame(rng, next(pool), name, body)))
    seen: set[str] = set()
    while len(seen) < 4 + 4:
        for build in (canon.fact_list, canon.template):
            kind, text = build(rng, next(pool))
            if kind not in seen:
                seen.add(kind)
                rows.append((kind, text))
    for name in sorted(canon._CODE):
        for style in range(2):
            while True:
                kind, text = canon.textbook(rng, next(pool), style)
                if kind == f"code: {name}":
                    rows.append((kind, text))
                    break
    return [{"id": f"own-index/{k}", "kind": kind, "text": text} for k, (kind, text) in enumerate(rows)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--per-kind", type=int, default=120, help="own data records per builder (default 120)"
    )
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--out", default="build/bench")
    parser.add_argument(
        "--background",
        action="store_true",
        help="also index the quoted public-domain texts as a background source (index add --background)",
    )
    args = parser.parse_args()
    require_corpora()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="provcheck-heldout-precision-"))
    atexit.register(shutil.rmtree, work, True)
    corpus, same, fill_index, fill_data, pairs = load(rng)
    own = own_index(fill_index, rng)
    # Pass 20's kinds: drawn with a generator of their own and filler from the other end of the
    # pools, so that pass 19's records are the same as before.
    rng20 = random.Random(args.seed + 20)
    own += [
        {"id": f"own-index/{len(own) + k}", "kind": kind, "text": text}
        for k, (kind, text) in enumerate(canon20.canon(rng20, fill_index[::-1]))
    ]
    entries = []
    for k, r in enumerate(own):
        path = write_jsonl(work / f"own-{k}.jsonl", [{"id": r["id"], "text": r["text"]}])
        entries.append({"path": str(path), "source": f"own-generator-{k}", "provider": "openai"})
    by_gen: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for k, r in enumerate(corpus):
        by_gen[r["generator"]].append({"id": f"corpus/{r['generator']}/{k}", "text": r["text"]})
    for g, rows in sorted(by_gen.items()):
        path = write_jsonl(work / f"corpus-{g}.jsonl", rows)
        entries.append({"path": str(path), "source": f"alpacaeval-{g}", "provider": "openai"})
    rows = [{"id": f"long/{k}", "text": t} for k, (t, _) in enumerate(pairs)]
    path = write_jsonl(work / "long.jsonl", rows)
    entries.append({"path": str(path), "source": f"alpacaeval-{LONG_PAIR[0]}", "provider": "other"})
    if args.background:
        rows = [{"id": f"background/{k}", "text": t} for k, t in enumerate(canon.QUOTATIONS.values())]
        path = write_jsonl(work / "background.jsonl", rows)
        entries.append(
            {"path": str(path), "source": "public-domain", "provider": "other", "background": True}
        )
    manifest = work / "sources.yaml"
    manifest.write_text(json.dumps({"sources": entries}))  # JSON is YAML
    index = work / "index"
    res = run([*PROVCHECK, "index", "build", str(index), "--sources", str(manifest), "-q"])
    assert res.code == 0, res.stderr
    data: list[dict[str, Any]] = []
    pool = iter(fill_data)
    for build in canon.BUILDERS:
        for _ in range(args.per_kind):
            kind, text = build(rng, next(pool))
            data.append({"id": f"own/{len(data)}", "kind": kind, "text": text})
    for k, r in enumerate(same):
        data.append({"id": f"same/{k}", "kind": "same prompt, held-out generator", "text": r["text"]})
    pool = iter(fill_data[::-1])
    for build20 in canon20.BUILDERS:
        for _ in range(args.per_kind):
            kind, text = build20(rng20, next(pool), None)
            data.append({"id": f"own/{len(data)}", "kind": kind, "text": text})
    for k, (_, text) in enumerate(pairs):
        kind = f"same prompt at length ({LONG_WORDS}+ words), {LONG_PAIR[1]} vs {LONG_PAIR[0]}"
        data.append({"id": f"long/{k}", "kind": kind, "text": text})
    records = write_jsonl(work / "data.jsonl", [{"id": r["id"], "text": r["text"]} for r in data])
    policy = work / "policy.yaml"
    policy.write_text(POLICY)
    report = work / "scan.json"
    cmd = [*PROVCHECK, "scan", str(records), "-i", str(index), "-p", str(policy)]
    res = run([*cmd, "-f", "json", "-o", str(report), "--fail-on", "never", "-q"])
    assert res.code == 0, res.stderr
    doc = json.loads(report.read_text())
    blocked = {f["match"] for f in doc["findings"] if f.get("action") == "block" and f.get("match")}
    listed: dict[str, int] = Counter()
    verified: dict[str, int] = Counter()
    blocks: dict[str, int] = Counter()
    false: list[dict[str, Any]] = []
    for m in doc["matches"]:
        rid = m["record"]["id"]
        strength = m.get("strength") or {}
        listed[rid] += 1
        if not strength.get("explained"):
            verified[rid] += 1
            false.append(
                {
                    "record": rid,
                    "reference": m["reference"]["id"],
                    "blocks": m["id"] in blocked,
                    "convergence": m.get("convergence"),
                    "strength": strength,
                }
            )
        blocks[rid] += m["id"] in blocked
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in data:
        row = per[r["kind"]]
        row[0] += 1
        row[1] += bool(listed[r["id"]])
        row[2] += bool(verified[r["id"]])
        row[3] += bool(blocks[r["id"]])
    rows = [[k, *v] for k, v in sorted(per.items())]
    total = [sum(v[i] for v in per.values()) for i in range(4)]
    rows.append(["all", *total])
    print(
        f"\n## Texts anyone writes alike (seed {args.seed}; background source of the quoted texts: "
        f"{'yes' if args.background else 'no'}; index: {len(own)} own answers, each part "
        f"once, + {len(corpus)} AlpacaEval answers of OpenAI generators that hold such parts; data: "
        f"{args.per_kind} own records a builder framed with held-out generators' prose + {len(same)} "
        f"held-out generators' same-prompt answers; scan {res.seconds:.1f} s; every match is false)\n"
    )
    print(table(["kind", "records", "listed", "verified", "can block"], rows))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "heldout_precision.json").write_text(
        json.dumps(
            {
                "seed": args.seed,
                "per_kind": {
                    k: dict(zip(("records", "listed", "verified", "can_block"), v, strict=True))
                    for k, v in per.items()
                },
            },
            indent=2,
        )
    )
    texts = {r["id"]: r["text"] for r in data}
    for f in false:
        f["text"] = texts[f["record"]]
    (out / "heldout_precision_false.json").write_text(json.dumps(false, indent=2))
    print(f"\nfigures in {out / 'heldout_precision.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
