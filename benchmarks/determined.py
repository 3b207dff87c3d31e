"""Answers the request determines: independent answers that block, and copies that must.

An index of ONE generator's AlpacaEval outputs (805 answers, ``index add --provider P``), and
every other generator's answers to the same 805 instructions scanned as Alpaca records holding
their request (``instruction``, ``output``), under a policy that blocks every verified match
(``precision.POLICY``): every record that can block is a false block unless the two generators
share real text (a fine-tune of the indexed model, the same model under another name). Figures
per indexed generator: records scanned, records that can block (all other generators; and only
original models of other providers, whose answers are independent of the indexed ones), and
matches of class ``request`` (``matching.determined``: listed, review at most).

Copies, the other side: for each indexed generator, the references whose request the rule reads
as determining their text (``determined(instruction, output, output)``: a translation of a text
the request gives, the arithmetic of its numbers) are copied ``--copies`` times per kind
(verbatim; typos 2%; words 5%, 10%, 20% edited with the answer's own words; the first half),
each held as an Alpaca record with the reference's own request (a copier keeps the request:
it is what the copy answers), and scanned against the same index. A copy counts as verified
when it has a verified match with its own reference, and as blocking when that match blocks.

``--base SRC`` runs every scan a second time with ``PYTHONPATH=SRC`` (a checkout's ``src`` of
the code before), over the same index and data, and prints both.

    python benchmarks/determined.py [--base /path/to/old/src] [--indexed gpt4,...] [--copies 3]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import edits
from common import ALPACAEVAL, PROVCHECK, alpacaeval_rows, require_corpora, run, table, write_jsonl
from precision import POLICY
from provcheck.matching.determined import determined

INDEXED = (
    "gpt4",
    "claude-3-opus-20240229",
    "Qwen1.5-72B-Chat",
    "Meta-Llama-3-70B-Instruct",
    "mistral-medium",
)
"""Indexed one at a time: five original models of five providers."""
KINDS = ("verbatim", "typos-2%", "words-5%", "words-10%", "words-20%", "first-half")


def generators() -> dict[str, tuple[str, str]]:
    """Generator -> (provider, relation) from ``generators.csv``."""
    out = {}
    for line in (ALPACAEVAL / "generators.csv").read_text().splitlines()[1:]:
        name, provider, relation = line.split(",")[:3]
        out[name] = (provider, relation)
    return out


def copy(kind: str, text: str, rng: random.Random) -> str:
    """An edited copy of ``text``; word edits draw on the text's own words (a copier edits a
    French translation in French)."""
    vocab = text.split() or ["x"]
    if kind == "verbatim":
        return text
    if kind == "typos-2%":
        return edits.typos(text, rng)
    if kind.startswith("words-"):
        return edits.word_edits(text, rng, int(kind[6:-1]) / 100, vocab)
    return edits.first_half(text)


def scan(data: Path, index: Path, policy: Path, report: Path, src: str | None) -> dict[str, Any]:
    """Scan ``data``; the JSON report."""
    args = [*PROVCHECK, "scan", str(data), "-i", str(index), "-p", str(policy), "-f", "json"]
    args += ["-o", str(report), "--fail-on", "never", "--no-cache", "-q"]
    res = run(args, env={"PYTHONPATH": src} if src else None)
    assert res.code == 0, res.stderr
    doc: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return doc


def blocking(doc: dict[str, Any]) -> set[str]:
    """Ids of the matches a ``block`` finding rests on."""
    return {f["match"] for f in doc["findings"] if f.get("action") == "block" and f.get("match")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--indexed", default=",".join(INDEXED), help="generators indexed one at a time")
    parser.add_argument("--copies", type=int, default=3, help="copies per kind and reference")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--base", default=None, help="src directory of the code before (PYTHONPATH)")
    parser.add_argument("--out", default="build/bench")
    parser.add_argument("--copies-only", action="store_true", help="skip the negatives")
    args = parser.parse_args()
    require_corpora()
    gens = generators()
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in alpacaeval_rows():
        rows[r["generator"]].append(r)
    versions = {"after": None, **({"before": args.base} if args.base else {})}
    work = Path(tempfile.mkdtemp(prefix="provcheck-determined-"))
    policy = work / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    neg_rows: list[list[Any]] = []
    copy_rows: list[list[Any]] = []
    cases: list[dict[str, Any]] = []
    try:
        for g in args.indexed.split(","):
            provider = gens[g][0]
            refs = [
                {"id": f"{g}#{i}", "instruction": r["instruction"], "output": r["output"]}
                for i, r in enumerate(rows[g])
            ]
            ref_file = write_jsonl(work / f"{g}.jsonl", refs)
            index = work / f"idx-{g}"
            res = run(
                [
                    *PROVCHECK,
                    "index",
                    "add",
                    str(index),
                    str(ref_file),
                    "--source",
                    g,
                    "--provider",
                    provider,
                    "-q",
                ]
            )
            assert res.code == 0, res.stderr
            others = [
                {"id": f"{name}#{i}", "instruction": r["instruction"], "output": r["output"]}
                for name, rs in rows.items()
                if name != g
                for i, r in enumerate(rs)
            ]
            independent = {
                name for name, (p, relation) in gens.items() if p != provider and relation == "original"
            }
            data = write_jsonl(work / f"neg-{g}.jsonl", others)
            rng = random.Random(f"{args.seed}:{g}")
            copies = []
            for ref in refs:
                how = determined([ref["instruction"]], ref["output"], ref["output"])
                if how is None:
                    continue
                for kind in KINDS:
                    for n in range(args.copies):
                        text = copy(kind, ref["output"], rng)
                        cid = f"{ref['id']}|{kind}|{n}"
                        copies.append(
                            {"id": cid, "instruction": ref["instruction"], "output": text, "how": how}
                        )
            copy_file = write_jsonl(
                work / f"copies-{g}.jsonl", [{k: v for k, v in c.items() if k != "how"} for c in copies]
            )
            for version, src in versions.items():
                if args.copies_only:
                    doc: dict[str, Any] = {"matches": [], "findings": []}
                else:
                    doc = scan(data, index, policy, work / f"neg-{g}-{version}.json", src)
                blocked = blocking(doc)
                can = {m["record"]["id"] for m in doc["matches"] if m["id"] in blocked}
                indep = {c for c in can if c.split("#")[0] in independent}
                request = [
                    m for m in doc["matches"] if (m.get("strength") or {}).get("convergence") == "request"
                ]
                n_indep = sum(1 for o in others if o["id"].split("#")[0] in independent)
                neg_rows.append(
                    [
                        g,
                        version,
                        len(others),
                        len(can),
                        f"{len(can) / len(others):.3%}",
                        n_indep,
                        len(indep),
                        len(request),
                    ]
                )
                for m in request:
                    cases.append(
                        {"indexed": g, "version": version, "record": m["record"]["id"], "scores": m["scores"]}
                    )
                cdoc = scan(copy_file, index, policy, work / f"copies-{g}-{version}.json", src)
                cblocked = blocking(cdoc)
                found: dict[str, Counter[str]] = defaultdict(Counter)
                for m in cdoc["matches"]:
                    cid = m["record"]["id"]
                    if m["reference"]["id"] != cid.split("|")[0]:
                        continue
                    st = m.get("strength") or {}
                    found[cid]["verified"] = max(found[cid]["verified"], int(not st.get("explained", False)))
                    found[cid]["block"] = max(found[cid]["block"], int(m["id"] in cblocked))
                    cases.append(
                        {
                            "indexed": g,
                            "version": version,
                            "copy": cid,
                            "scores": m["scores"],
                            "class": st.get("convergence"),
                            "blocks": m["id"] in cblocked,
                        }
                    )
                for kind in KINDS:
                    for how in ("translation", "calculation"):
                        mine = [c for c in copies if c["id"].split("|")[1] == kind and c["how"] == how]
                        if not mine:
                            continue
                        ver = sum(found[c["id"]]["verified"] for c in mine)
                        blk = sum(found[c["id"]]["block"] for c in mine)
                        copy_rows.append(
                            [
                                g,
                                version,
                                how,
                                kind,
                                len(mine),
                                f"{ver / len(mine):.3f}",
                                f"{blk / len(mine):.3f}",
                            ]
                        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("## Independent answers of every other generator, one generator indexed\n")
    heads = [
        "indexed",
        "code",
        "records",
        "can block",
        "share",
        "of which: other providers' originals",
        "can block",
        "class request",
    ]
    print(table(heads, neg_rows))
    print("\n## Copies of the indexed answers the request determines, under that request\n")
    print(table(["indexed", "code", "form", "kind", "copies", "verified", "can block"], copy_rows))
    totals: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for _, version, how, kind, n, ver, blk in copy_rows:
        t = totals[(how, kind, version)]
        t[0] += n
        t[1] += float(ver) * n
        t[2] += float(blk) * n
    print("\n## The same copies, every indexed generator together (copies verified / can block)\n")
    summed = [
        [
            how,
            kind,
            int(t[0]),
            *(f"{round(totals[(how, kind, v)][1])} / {round(totals[(how, kind, v)][2])}" for v in versions),
        ]
        for (how, kind, version), t in totals.items()
        if version == "after"
    ]
    print(table(["form", "kind", "copies", *versions], summed))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "determined_cases.json").write_text(json.dumps(cases, indent=1), encoding="utf-8")
    print(
        f"\nseed {args.seed}; {args.copies} copies a kind and reference; "
        f"matches of class request: {out}/determined_cases.json"
    )


if __name__ == "__main__":
    main()
