"""Precision on same-prompt negatives: independent answers to the instructions the index answers.

    python benchmarks/precision.py [--instructions 200] [--out build/bench]

AlpacaEval has 200+ generators answering the same 805 instructions. A sample of instructions
is drawn; six generators of six providers are held out (never indexed) and their answers to
those instructions are the candidates, scanned as Alpaca records (instruction + output) the
way a fine-tuning mix holds them. Three indexes of the same instructions give 1, 10 and 100+
same-prompt references per candidate:

* ``1``: text-davinci-003 only;
* ``10``: ten OpenAI generators, one source each;
* ``100+``: every generator but the held-out ones, one source each.

Two negative sets per index:

* **(a) filtered**: candidates (>= 30 words) whose word 5-gram containment in every
  same-instruction reference is below 0.2 (no real shared text): every match is false;
* **(b) unfiltered**: every candidate (>= 30 words); a match is a real copy when the labelling
  rule of ``convergence.is_copy`` holds for the pair (identical character runs of >= 8
  characters over >= 90% of the shorter text), else it is false.

Every false match the report lists counts as "listed". A listed match is "verified" unless the
scan marks it ``explained`` by convergence (``matching/convergence.py``: once the text that
several other reference texts hold and the reference's own prompt are set aside, what is left
fails the verification tests); explained matches stay in the report, so both counts are shown
and the targets of issue 12 (<= 0.2% of set (a) with a verified match, <= 0.05% able to block)
are judged on verified ones. A record "can block" when the scan under a policy that blocks
every match (written here) reports a ``block`` finding, i.e. no downgrade applied. Figures per
set, per index and per kind of convergence (``convergence.kind``); every false positive is
written for reading.
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
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from common import PROVCHECK, alpacaeval_rows, providers_of, require_corpora, run, table, write_jsonl
from convergence import KINDS, copy_share, is_copy, kind
from detection import overlap, words5

HELD_OUT = (
    "claude-2",
    "Meta-Llama-3-70B-Instruct",
    "Mixtral-8x7B-Instruct-v0.1",
    "Qwen1.5-72B-Chat",
    "gemma-7b-it",
    "Yi-34B-Chat",
)
"""Candidates: six original models of six providers, never indexed."""
FAMILIES = re.compile(r"claude|llama-?3|mixtral|qwen|gemma|yi-", re.IGNORECASE)
"""Generators of the held-out models' families (fine-tunes, _concise/_verbose variants of the
same model) are left out of every index too: their shared text is real, not convergence."""
TEN = (
    "text_davinci_003",
    "text_davinci_001",
    "gpt4",
    "gpt4_0613",
    "gpt4_1106_preview",
    "gpt-4-turbo-2024-04-09",
    "gpt-4-0125-preview",
    "gpt-3.5-turbo-0613",
    "gpt-3.5-turbo-1106",
    "gpt35_turbo_instruct",
)
POLICY = """\
version: 1
name: benchmark - every verified match blocks
rules:
  - id: bench-any-match
    title: Any verified match
    when: {match.tokens: {gte: 0}}
    action: block
    message: "verified match"
"""
TARGET_ANY = 0.002
TARGET_BLOCK = 0.0005
MIN_WORDS = 30
FILTER = 0.2


def indexable(generator: str) -> bool:
    """Whether the crowded index may hold this generator's answers (not a held-out family)."""
    return generator not in HELD_OUT and generator != "NullModel" and not FAMILIES.search(generator)


def sample_instructions(n: int, seed: int) -> tuple[list[str], list[str]]:
    """The benchmark's instructions, and the others (``calibrate.py`` takes those)."""
    every = sorted({r["instruction"] for r in alpacaeval_rows()})
    chosen = random.Random(seed).sample(every, n)
    taken = set(chosen)
    return chosen, [i for i in every if i not in taken]


def load(instructions: set[str]) -> list[dict[str, Any]]:
    """The outputs (non-empty) for these instructions, with ids ``generator/position``."""
    return [
        {**r, "id": f"{r['generator']}/{i}"}
        for i, r in enumerate(alpacaeval_rows())
        if r["instruction"] in instructions and r["output"].strip()
    ]


def build_index(
    work: Path, name: str, rows: list[dict[str, Any]], providers: dict[str, str]
) -> tuple[Path, float]:
    """One index, one source per generator, built by ``provcheck index build --sources``."""
    by_gen: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_gen[r["generator"]].append(r)
    data = work / f"data-{name}"
    data.mkdir()
    lines = ["sources:"]
    for n, (gen, items) in enumerate(sorted(by_gen.items())):
        path = write_jsonl(
            data / f"{n}.jsonl",
            [
                {"id": r["id"], "instruction": r["instruction"], "input": "", "output": r["output"]}
                for r in items
            ],
        )
        lines += [
            f"  - path: {json.dumps(str(path))}",
            f"    source: {json.dumps(gen)}",
            f"    provider: {json.dumps(providers.get(gen, 'unknown'))}",
            f"    generator: {json.dumps(gen)}",
        ]
    manifest = work / f"sources-{name}.yaml"
    manifest.write_text("\n".join(lines) + "\n")
    index = work / f"index-{name}"
    res = run([*PROVCHECK, "index", "build", str(index), "--sources", str(manifest), "-q"])
    assert res.code == 0, res.stderr
    return index, res.seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instructions", type=int, default=200, help="instructions sampled (default 200)")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--match", action="append", default=[], metavar="KEY=VALUE", help="passed to scan")
    parser.add_argument("--out", default="build/bench")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args()
    require_corpora()
    started = time.perf_counter()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="provcheck-precision-"))
    if not args.keep:
        atexit.register(shutil.rmtree, work, True)
    print(f"working in {work}", file=sys.stderr)

    providers = providers_of()
    instructions, _ = sample_instructions(args.instructions, args.seed)
    rows = load(set(instructions))
    held = set(HELD_OUT)
    candidates = [r for r in rows if r["generator"] in held and len(r["output"].split()) >= MIN_WORDS]
    sizes = {
        "1": [r for r in rows if r["generator"] == "text_davinci_003"],
        "10": [r for r in rows if r["generator"] in TEN],
        "100+": [r for r in rows if indexable(r["generator"])],
    }
    (work / "policy.yaml").write_text(POLICY)
    write_jsonl(
        work / "candidates.jsonl",
        [
            {"id": c["id"], "instruction": c["instruction"], "input": "", "output": c["output"]}
            for c in candidates
        ],
    )
    cand_kind = {c["id"]: kind(c["output"]) for c in candidates}
    shingles = {r["id"]: words5(r["output"]) for r in rows}

    results: dict[str, Any] = {
        "instructions": args.instructions,
        "held_out": list(HELD_OUT),
        "candidates": len(candidates),
        "sizes": {},
    }
    false_positives: list[dict[str, Any]] = []
    summary_rows = []
    kind_rows = []
    for size, refs in sizes.items():
        index, build_s = build_index(work, size.replace("+", "p"), refs, providers)
        refs_by_id = {r["id"]: r for r in refs}
        by_instruction: dict[str, list[str]] = defaultdict(list)
        for r in refs:
            by_instruction[r["instruction"]].append(r["id"])
        report = work / f"scan-{size.replace('+', 'p')}.json"
        res = run(
            [
                *PROVCHECK,
                "scan",
                str(work / "candidates.jsonl"),
                "-i",
                str(index),
                "--policy",
                str(work / "policy.yaml"),
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
        doc = json.loads(report.read_text())
        matches: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for m in doc["matches"]:
            matches[m["record"]["id"]].append(m)
        blocked = {f["match"] for f in doc["findings"] if f.get("action") == "block" and f.get("match")}

        per_set: dict[str, Counter[str]] = {"a": Counter(), "b": Counter()}
        per_kind: dict[str, dict[str, Counter[str]]] = {"a": defaultdict(Counter), "b": defaultdict(Counter)}
        copies: Counter[str] = Counter()
        for c in candidates:
            cid = c["id"]
            mine = shingles[cid]
            same = by_instruction[c["instruction"]]
            top = max((overlap(mine, shingles[rid]) for rid in same), default=0.0)
            in_a = top < FILTER
            # Copy label for every same-instruction reference with shared text at all, and for
            # every matched reference (a match may point to another instruction's answer).
            got = matches.get(cid, [])
            pairs = {rid for rid in same if overlap(mine, shingles[rid]) >= 0.1}
            pairs |= {m["reference"]["id"] for m in got}
            labels = {
                rid: is_copy(c["output"], refs_by_id[rid]["output"]) for rid in pairs if rid in refs_by_id
            }
            is_a_copy = any(labels.values())
            blocks = [m for m in got if m["id"] in blocked]
            # (a): every match is false (no real shared text); (b): unless the pair is a copy.
            false = {
                "a": got if in_a else [],
                "b": [m for m in got if not labels.get(m["reference"]["id"], False)],
            }
            k = cand_kind[cid]
            for name, member in (("a", in_a), ("b", True)):
                if not member:
                    continue
                wrong = false[name]
                wrong_block = [m for m in wrong if m in blocks]
                # A match the scan itself marks as convergence says "not a copy": it is kept in
                # the report for review, but asserts no derivation.
                asserted = [m for m in wrong if not (m.get("strength") or {}).get("convergence")]
                # A match the scan marks as explained by convergence (what is left once common
                # and prompt text are set aside fails the verification tests) is listed in the
                # report but is not a verified match.
                verified = [m for m in wrong if not (m.get("strength") or {}).get("explained")]
                per_set[name]["n"] += 1
                per_set[name]["any"] += bool(wrong)
                per_set[name]["verified"] += bool(verified)
                per_kind[name][k]["verified"] += bool(verified)
                per_set[name]["asserted"] += bool(asserted)
                per_kind[name][k]["asserted"] += bool(asserted)
                per_set[name]["block"] += bool(wrong_block)
                per_kind[name][k]["n"] += 1
                per_kind[name][k]["any"] += bool(wrong)
                per_kind[name][k]["block"] += bool(wrong_block)
            if is_a_copy:
                copies["copies"] += 1
                copies["copies_matched"] += any(labels.get(m["reference"]["id"], False) for m in got)
                copies["copies_verified"] += any(
                    labels.get(m["reference"]["id"], False) and not (m.get("strength") or {}).get("explained")
                    for m in got
                )
                copies["copies_blocked"] += any(labels.get(m["reference"]["id"], False) for m in blocks)
            shown = false["a"] or false["b"]
            if shown:
                false_positives.append(
                    {
                        "size": size,
                        "set": "a" if in_a else "b",
                        "candidate": cid,
                        "kind": k,
                        "instruction": c["instruction"][:300],
                        "text": c["output"][:800],
                        "matches": [
                            {
                                "reference": m["reference"]["id"],
                                "source": m["reference"]["source"],
                                "turn": m["record"]["turn"]["role"],
                                "blocks": m in blocks,
                                "copy_share": round(
                                    copy_share(c["output"], refs_by_id[m["reference"]["id"]]["output"]), 3
                                ),
                                "kind": m["kind"],
                                "scores": m["scores"],
                                "strength": m.get("strength"),
                                "reference_text": refs_by_id[m["reference"]["id"]]["output"][:800],
                            }
                            for m in shown
                        ],
                    }
                )
        figures = {
            "references": len(refs),
            "refs_per_instruction": round(len(refs) / max(len(by_instruction), 1), 1),
            "build_s": round(build_s, 1),
            "scan_s": round(res.seconds, 1),
            "set_a": dict(per_set["a"]),
            "set_b": dict(per_set["b"]),
            "copies": dict(copies),
            "kinds_a": {k: dict(v) for k, v in per_kind["a"].items()},
            "kinds_b": {k: dict(v) for k, v in per_kind["b"].items()},
        }
        results["sizes"][size] = figures
        for name in ("a", "b"):
            s = per_set[name]
            n = max(s["n"], 1)
            summary_rows.append(
                [
                    size,
                    figures["refs_per_instruction"],
                    name,
                    s["n"],
                    s["any"],
                    f"{s['any'] / n:.2%}",
                    s["verified"],
                    f"{s['verified'] / n:.2%}",
                    s["asserted"],
                    f"{s['asserted'] / n:.2%}",
                    s["block"],
                    f"{s['block'] / n:.2%}",
                    (
                        "met"
                        if s["verified"] / n <= TARGET_ANY and s["block"] / n <= TARGET_BLOCK
                        else "MISSED"
                    )
                    if name == "a"
                    else "",
                ]
            )
            for k in KINDS:
                kc = per_kind[name].get(k, Counter())
                if kc["n"]:
                    kind_rows.append(
                        [
                            size,
                            name,
                            k,
                            kc["n"],
                            kc["any"],
                            f"{kc['any'] / kc['n']:.2%}",
                            kc["verified"],
                            kc["asserted"],
                            kc["block"],
                        ]
                    )
        print(
            f"index {size}: {len(refs):,} references ({figures['refs_per_instruction']} per instruction), "
            f"built in {build_s:.1f} s, scan {res.seconds:.1f} s",
            file=sys.stderr,
        )

    print(
        f"\n## Same-prompt negatives ({args.instructions} instructions, {len(candidates):,} answers of "
        f"{len(HELD_OUT)} held-out generators, >= {MIN_WORDS} words)\n"
    )
    print(
        "(a) = word 5-gram containment < 0.2 in every same-instruction reference; (b) = all, a match "
        "is false unless identical character runs (>= 8 chars) cover >= 90% of the shorter text. "
        "'listed' = any false match in the report's matches; 'verified' = one the scan did not mark "
        "as explained by convergence (what is left once text several other references hold and the "
        "reference's prompt are set aside still passes the verification tests); 'not convergent' = "
        "a false match the scan did not mark as convergence at all (it asserts derivation); "
        "'can block' = a block finding survives under a policy that blocks every match.\n"
    )
    print(
        table(
            [
                "refs",
                "per instr.",
                "set",
                "records",
                "false match listed",
                "rate",
                "verified",
                "rate",
                "not convergent",
                "rate",
                "can block",
                "rate",
                "target (a)",
            ],
            summary_rows,
        )
    )
    print("\n### Per kind of convergence\n")
    print(
        table(
            ["refs", "set", "kind", "records", "listed", "rate", "verified", "not convergent", "can block"],
            kind_rows,
        )
    )
    print("\n### Real copies in set (b) (labelling rule)\n")
    print(
        table(
            ["refs", "copies", "matched (listed)", "verified", "blocked"],
            [
                [
                    size,
                    f["copies"].get("copies", 0),
                    f["copies"].get("copies_matched", 0),
                    f["copies"].get("copies_verified", 0),
                    f["copies"].get("copies_blocked", 0),
                ]
                for size, f in results["sizes"].items()
            ],
        )
    )
    results["seconds"] = round(time.perf_counter() - started, 1)
    (out_dir / "precision.json").write_text(json.dumps(results, indent=2))
    (out_dir / "precision_false_positives.json").write_text(
        json.dumps(false_positives, indent=1, ensure_ascii=False)
    )
    print(
        f"\nfigures in {out_dir / 'precision.json'}, false positives in "
        f"{out_dir / 'precision_false_positives.json'} ({results['seconds']} s)"
    )


if __name__ == "__main__":
    main()
