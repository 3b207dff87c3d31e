"""Design measurement, not provcheck's code: the trigram candidate route of
``sparse_candidates.py`` patched into a real scan, to see what verification, convergence and
strength make of the pairs it adds.

    python benchmarks/sparse_scan.py [--copies 400] [--negatives 4000] [--seed 20261207]

Index: ``detection.py``'s references (every OpenAI generator's AlpacaEval output, one source),
built with ``provcheck index add``. Data: copies with one word in every 4-6 replaced, verbatim
copies and copies with 20% of the words edited (``detection.py``'s kinds, as controls), and hard
negatives built by ``detection.py``'s rule (not its draw). The same data is scanned twice with
``-j 1`` (in this process): as provcheck is, and with the route added — every reference keeps
the 10 smallest hashes of its token trigrams (taken over the index's token codes), and a
reference sharing at least 3 of them with a record's turn is one more candidate (verified as
any other). A third row is computed from the two scans: the route's own pairs (those the
anchor scan did not list) kept only when their strength allows a block. Nothing is written to
the index.

Since index format 3 the route is provcheck's own (``matching.trigrams``, docs/matching.md "The
trigram route, built"): run against this version, the "anchors only" scan has it already and
the patch adds it a second time; run this file on a checkout before format 3 to see the design.
"""

from __future__ import annotations

import argparse
import atexit
import json
import random
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from click.testing import CliRunner

import edits
import heldout_kinds as hk
from common import require_corpora, run, table, write_jsonl
from provcheck.cli import cli as cli_main
from provcheck.index import store
from provcheck.matching import fingerprint
from sparse_candidates import _openai

_K = 10
_HITS = 3
_MAX_POSTINGS = 256


def _code_trigrams(codes: str) -> np.ndarray:
    c = np.frombuffer(codes.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(c) < 3:
        return np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = (c[:-2] << np.uint64(40)) | (c[1:-1] << np.uint64(20)) | c[2:]
        x *= np.uint64(0xFF51AFD7ED558CCD)
        x ^= x >> np.uint64(33)
    return x


class _Route:
    """The patch: remembers the fingerprints of the last batch and adds the route's candidates
    to the first lookup made for them."""

    def __init__(self) -> None:
        self.enabled = False
        self.prints: list[Any] | None = None
        self.table: dict[int, list[Any]] | None = None
        self.added = 0

    def build(self, index: Any) -> dict[int, list[Any]]:
        table_: dict[int, list[Any]] = defaultdict(list)
        for key, _ in store.iter_texts(index):
            for v in np.unique(_code_trigrams(index.codes(key)))[:_K].tolist():
                table_[v].append(key)
        return table_

    def extra(self, index: Any, queries: list[Any], found: list[list[Any]], config: Any) -> None:
        prints, self.prints = self.prints, None
        if not self.enabled or prints is None or len(prints) != len(queries):
            return
        if self.table is None:
            self.table = self.build(index)
        for i, fp in enumerate(prints):
            if len(fp.tokens) < config.min_tokens:
                continue
            counts: Counter[Any] = Counter()
            for v in np.unique(_code_trigrams(fp.codes)).tolist():
                post = self.table.get(v)
                if post and len(post) <= _MAX_POSTINGS:
                    counts.update(post)
            have = {c.key for c in found[i]}
            more = [store.Candidate(k, n) for k, n in counts.items() if n >= _HITS and k not in have]
            found[i] += more
            self.added += len(more)


ROUTE = _Route()


def _patch() -> None:
    with_tokens = fingerprint.Fingerprinter.with_tokens
    candidates_many = store.ReferenceIndex.candidates_many

    def patched_with_tokens(self: Any, texts: Any) -> Any:
        out = with_tokens(self, texts)
        ROUTE.prints = out[0]
        return out

    def patched_candidates_many(self: Any, queries: Any, config: Any) -> Any:
        found = candidates_many(self, queries, config)
        ROUTE.extra(self, queries, found, config)
        return found

    fingerprint.Fingerprinter.with_tokens = patched_with_tokens  # type: ignore[method-assign]
    store.ReferenceIndex.candidates_many = patched_candidates_many  # type: ignore[method-assign]


def _scan(data: Path, index: Path, report: Path) -> dict[str, Any]:
    args = [str(data), "-i", str(index), "-f", "json", "-o", str(report), "--fail-on", "never", "-j", "1"]
    res = CliRunner().invoke(cli_main, ["scan", *args, "-q", "--no-cache"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(report.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=400)
    parser.add_argument("--negatives", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    require_corpora()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="provcheck-sparse-scan-"))
    atexit.register(shutil.rmtree, work, True)
    refs, negatives, vocab = _openai(rng, args.negatives)
    write_jsonl(work / "refs.jsonl", [{"id": r["id"], "text": r["text"]} for r in refs])
    index = work / "index"
    add = [sys.executable, "-m", "provcheck", "index", "add", str(index), str(work / "refs.jsonl")]
    res = run([*add, "--source", "openai", "--provider", "openai", "-q"])
    assert res.code == 0, res.stderr
    long = [r for r in refs if len(r["text"].split()) >= 60]
    kinds = {
        "one word in every 4-6 replaced": lambda t: hk.dense_substitution(t, rng, (4, 6), vocab),
        "verbatim (control)": lambda t: t,
        "words-20% (control, detection.py's edit)": lambda t: edits.word_edits(t, rng, 0.20, vocab),
    }
    rows: list[dict[str, Any]] = []
    truth: dict[str, tuple[str, str]] = {}
    for kind, edit in kinds.items():
        for n, r in enumerate(rng.sample(long, args.copies)):
            rows.append({"id": f"c/{kind}/{n}", "text": edit(r["text"])})
            truth[rows[-1]["id"]] = (kind, r["id"])
    data = write_jsonl(work / "data.jsonl", rows + [{"id": n["id"], "text": n["text"]} for n in negatives])
    _patch()
    Sets = dict[str, set[str]]
    scans: dict[str, tuple[Sets, Sets, Sets]] = {}
    for label, enabled in (("anchors only (provcheck today)", False), ("anchors + trigram route", True)):
        ROUTE.enabled = enabled
        report = _scan(data, index, work / f"scan-{enabled}.json")
        listed: Sets = defaultdict(set)
        verified: Sets = defaultdict(set)
        block: Sets = defaultdict(set)
        for m in report["matches"]:
            s = m.get("strength") or {}
            rid, ref = m["record"]["id"], m["reference"]["id"]
            listed[rid].add(ref)
            if not s.get("explained"):
                verified[rid].add(ref)
            if s.get("can_block"):
                block[rid].add(ref)
        scans[label] = (listed, verified, block)
    # The rule to try next: a pair only the route finds is kept when its strength allows a block.
    (l0, v0, b0), (_, _, b1) = scans.values()
    kept = {rid: refs_ - l0.get(rid, set()) for rid, refs_ in b1.items()}
    scans["anchors + route, its own pairs kept only when they can block"] = (
        defaultdict(set, {r: l0.get(r, set()) | kept.get(r, set()) for r in set(l0) | set(kept)}),
        defaultdict(set, {r: v0.get(r, set()) | kept.get(r, set()) for r in set(v0) | set(kept)}),
        defaultdict(set, {r: b0.get(r, set()) | kept.get(r, set()) for r in set(b0) | set(kept)}),
    )
    out = []
    neg_ids = [n["id"] for n in negatives]
    for label, (listed, verified, block) in scans.items():
        for kind in kinds:
            ids = [c for c, (k, _) in truth.items() if k == kind]
            found = sum(1 for c in ids if truth[c][1] in verified[c]) / len(ids)
            blocks = sum(1 for c in ids if truth[c][1] in block[c]) / len(ids)
            out.append([label, kind, len(ids), f"{found:.3f}", f"{blocks:.3f}"])
        counts = [sum(1 for i in neg_ids if d.get(i)) for d in (listed, verified, block)]
        out.append([label, "hard negatives", len(neg_ids), f"{counts[0]} / {counts[1]}", str(counts[2])])
    print(
        f"\n## The trigram route in a real scan (seed {args.seed}; {len(refs):,} references; "
        f"{ROUTE.added:,} candidates added)\n"
    )
    print(table(["scan", "records", "n", "verified (negatives: listed / verified)", "can block"], out))


if __name__ == "__main__":
    main()
