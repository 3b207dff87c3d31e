"""Held-out edit kinds: how copiers edit model outputs before publishing, on held-out sources.

    python benchmarks/heldout_kinds.py [--per-kind 200] [--negatives 1000] [--seed 20261207]

Edit kinds that neither ``detection.py`` nor ``heldout.py`` measures (see docs/matching.md,
"Held-out edit kinds (2026-12-06, recall18)"); written for this benchmark, they chose no parameter.

Sources, both held out from ``detection.py`` (which indexes and copies OpenAI generators'
AlpacaEval outputs): (1) the AlpacaEval outputs of Anthropic's nine original generators
(provider ``anthropic``, relation ``original`` in ``generators.csv``), indexed as one source,
copies drawn from those of 60+ tokens; (2) ten answers written for this benchmark
(``heldout_own.py``), indexed as a second source and copied with every kind. Hard negatives:
answers of the other original generators (Mistral, Meta, Alibaba, Google, 01.AI) of 30+ words
with word 5-gram overlap < 0.2 with every indexed answer to the same instruction, and the ten
independent answers of ``heldout_own.py``. One ``provcheck index build``, one ``provcheck scan``.

A copy is found when a verified match (not explained by convergence) links it to its true
reference (or one of identical tokens); "can block" when that match's strength allows a block
rule. Copies merged into one record count once per source; an answer split into two records
counts once per record.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import heldout_edits as ed
import heldout_own as own
from common import CORPORA, PROVCHECK, alpacaeval_rows, providers_of, require_corpora, run, table, write_jsonl
from detection import overlap, words5
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import FingerprintConfig

FLOOR_TOKENS = 60
HELD_OUT = "anthropic"
NEGATIVE_PROVIDERS = frozenset({"mistral", "meta", "alibaba", "google", "01-ai"})
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(*])")
_WORD = re.compile(r"[A-Za-z]+")
_OPENER = re.compile(
    r"^\s*(sure|certainly|of course|absolutely|great|here|good|what a|i'd|i would|happy|yes|okay|ok)\b",
    re.IGNORECASE,
)
_FILLERS = (
    "This is worth keeping in mind.",
    "Many people overlook this point.",
    "That part matters more than it seems.",
    "It is a simple idea, but it works.",
    "Experience shows this again and again.",
    "Take your time with this step.",
    "Nothing about it is complicated.",
    "Small details like this add up.",
)
_CONTINUE = ("Go on.", "Continue.", "And then?", "Please continue.")

Edit = Callable[[str, random.Random], "str | None"]


# --- edits ----------------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s for s in _SENT.split(text.strip()) if s.strip()]


def dense_substitution(text: str, rng: random.Random, gaps: tuple[int, int], vocab: list[str]) -> str:
    """One word in every ``gaps`` words replaced: by its synonym where the table of
    ``heldout_edits`` has one, by a word of other outputs otherwise (a copier's thesaurus pass)."""
    words = list(_WORD.finditer(text))
    out, pos = [], 0
    i = rng.randint(0, gaps[1] - 1)
    while i < len(words):
        m = words[i]
        old = m.group(0)
        new = ed._SYNONYMS.get(old.lower()) or rng.choice(vocab)
        out += [text[pos : m.start()], ed._cased(new, old)]
        pos = m.end()
        i += rng.randint(*gaps)
    return "".join(out) + text[pos:]


def every_other_sentence(text: str, rng: random.Random) -> str | None:
    """Every second sentence deleted (the first kept)."""
    s = _sentences(text)
    return " ".join(s[::2]) if len(s) >= 6 else None


def filler_between(text: str, rng: random.Random) -> str | None:
    """A short new sentence after every sentence of the copy."""
    s = _sentences(text)
    if len(s) < 3:
        return None
    return " ".join(f"{x} {rng.choice(_FILLERS)}" for x in s)


def markdown_stripped(text: str, rng: random.Random) -> str | None:
    """Heading lines deleted, bold and italics stripped, code fences removed, bullets made a
    numbered list (only texts with some Markdown)."""
    if not re.search(r"^#{1,6} |\*\*|__|^```|^\s*[-*] ", text, re.MULTILINE):
        return None
    out, n = [], 0
    for line in text.split("\n"):
        if re.match(r"^\s*#{1,6} ", line) or line.strip().startswith("```"):
            continue
        m = re.match(r"^(\s*)[-*+] (.*)$", line)
        if m:
            n += 1
            line = f"{m.group(1)}{n}. {m.group(2)}"
        elif line.strip():
            n = 0
        line = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda k: k.group(1) or k.group(2), line)
        line = re.sub(r"(?<!\w)\*(\S.*?)\*(?!\w)", r"\1", line)
        out.append(line)
    return "\n".join(out)


def fenced(text: str, rng: random.Random) -> str:
    """The whole answer inside a Markdown code fence, as pasted from a chat window's copy button."""
    return f"```{rng.choice(('', 'markdown', 'text'))}\n{text}\n```"


def punctuation(text: str, rng: random.Random) -> str:
    """Dashes, ellipses and quotes swapped for other characters ("--" <-> em dash, "..." <->
    the ellipsis character, straight <-> typographic quotes and apostrophes, hyphen ranges to
    en dashes)."""
    out = text.replace("\u2014", " -- ").replace("\u2026", "...")
    out = re.sub(r"(?<=\w)--(?=\w)", "\u2014", out)
    out = re.sub(r"(?<=\w)\.\.\.", "\u2026", out)
    out = re.sub(r"(?<=\d)-(?=\d)", "\u2013", out)
    out = re.sub(r"(?<=\w)'(?=\w)", "\u2019", out)
    out = re.sub(r'"([^"\n]*)"', "\u201c\\1\u201d", out)
    return out


def _thousands(m: re.Match[str]) -> str:
    s = m.group(0)
    return s.replace(",", "") if "," in s else f"{int(s):,}"


def number_format(text: str, rng: random.Random) -> str | None:
    """Thousands separators removed or added ("1,000" <-> "1000"), "%" written "percent",
    "$5" written "5 dollars" (only texts with such numbers)."""
    if not re.search(r"\d,\d{3}|\b\d{4,}\b|%|\$\d", text):
        return None
    out = re.sub(r"\b\d{1,3}(?:,\d{3})+\b|\b(?<![.,])[1-9]\d{3,}(?![.,]\d)\b", _thousands, text)
    out = re.sub(r"(?<=\d)\s?%", " percent", out)
    return re.sub(r"\$(\d[\d,.]*)", r"\1 dollars", out)


def opener_removed(text: str, rng: random.Random) -> str | None:
    """The opening pleasantry ("Sure! Here is ...") deleted and "Answer:" put before the rest
    (only texts that open with one)."""
    s = _sentences(text)
    if len(s) < 3 or not _OPENER.match(s[0]) or len(s[0].split()) > 25:
        return None
    return "Answer: " + " ".join(s[1:])


def lower_no_punctuation(text: str, rng: random.Random) -> str:
    """Lower-cased, every punctuation mark and Markdown marker removed, one line."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def combined(text: str, rng: random.Random) -> str | None:
    """A copier's whole pass: opener removed, Markdown stripped, contractions expanded,
    synonyms for 10% of the words (``heldout_edits``), punctuation swapped."""
    out = opener_removed(text, rng) or text
    out = markdown_stripped(out, rng) or out
    out = ed.contractions(out, rng) or out
    out = ed.synonyms(out, rng) or out
    return punctuation(out, rng)


# --- records --------------------------------------------------------------------------------


def wrapped(instruction: str, answer: str, k: int) -> dict[str, Any]:
    """The answer re-wrapped in another chat format, cycling through four."""
    if k % 4 == 0:  # OpenAI messages, content as text parts
        return {
            "messages": [
                {"role": "system", "content": [{"type": "text", "text": "You are a helpful assistant."}]},
                {"role": "user", "content": [{"type": "text", "text": instruction}]},
                {"role": "assistant", "content": [{"type": "text", "text": answer}]},
            ]
        }
    if k % 4 == 1:  # Gemini
        return {
            "contents": [
                {"role": "user", "parts": [{"text": instruction}]},
                {"role": "model", "parts": [{"text": answer}]},
            ]
        }
    if k % 4 == 2:  # completion pair
        return {"prompt": f"### Instruction:\n{instruction}\n\n### Response:\n", "completion": answer}
    return {"question": instruction, "answer": answer}  # Q&A pair


def split_records(instruction: str, answer: str, rng: random.Random) -> list[dict[str, Any]] | None:
    """One answer cut at a sentence boundary near its middle, as two records of one multi-turn
    chat (each record a user turn and an assistant turn)."""
    s = _sentences(answer)
    if len(s) < 4:
        return None
    half = len(s) // 2
    return [
        {
            "messages": [
                {"role": "user", "content": instruction},
                {"role": "assistant", "content": " ".join(s[:half])},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": rng.choice(_CONTINUE)},
                {"role": "assistant", "content": " ".join(s[half:])},
            ]
        },
    ]


def text_kinds(vocab: list[str]) -> dict[str, Edit]:
    return {
        "one word in every 4-6 replaced (synonym or other word)": lambda t, r: dense_substitution(
            t, r, (4, 6), vocab
        ),
        "one word in every 8-10 replaced": lambda t, r: dense_substitution(t, r, (8, 10), vocab),
        "one word in every 13-16 replaced": lambda t, r: dense_substitution(t, r, (13, 16), vocab),
        "every other sentence deleted": every_other_sentence,
        "a filler sentence after every sentence": filler_between,
        "Markdown stripped (headings, bold, fences; bullets numbered)": markdown_stripped,
        "inside a code fence": fenced,
        "dashes, ellipses, quotes swapped": punctuation,
        "number format (1,000 <-> 1000, percent, dollars)": number_format,
        'opener ("Sure! Here is...") removed, "Answer:" prefix': opener_removed,
        "lower-cased, punctuation removed": lower_no_punctuation,
        "combined: opener, Markdown, contractions, 10% synonyms, punctuation": combined,
    }


MERGED = "two answers merged into one record (each source)"
SPLIT = "split into two records of a multi-turn chat (each record)"
WRAPPED = "re-wrapped: OpenAI text parts, Gemini, prompt/completion, Q&A"


# --- run ------------------------------------------------------------------------------------


def load(rng: random.Random, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Held-out references (Anthropic originals), hard negatives, and a word vocabulary."""
    providers = providers_of()
    originals = {}
    for line in (CORPORA / "alpacaeval" / "generators.csv").read_text().splitlines()[1:]:
        name, provider, relation = line.split(",")[:3]
        if relation == "original":
            originals[name] = provider
    refs: list[dict[str, Any]] = []
    pool: list[dict[str, Any]] = []
    vocab_from: list[str] = []
    for i, r in enumerate(alpacaeval_rows()):
        if not r["output"].strip():
            continue
        provider = originals.get(r["generator"])
        if provider == HELD_OUT:
            refs.append({"id": f"{r['generator']}/{i}", "instruction": r["instruction"], "text": r["output"]})
        elif provider in NEGATIVE_PROVIDERS:
            pool.append({"instruction": r["instruction"], "text": r["output"]})
        elif providers.get(r["generator"]) == "openai" and rng.random() < 0.003:
            vocab_from.append(r["output"])
    by_instruction: dict[str, list[set[tuple[str, ...]]]] = defaultdict(list)
    for r in refs:
        by_instruction[r["instruction"]].append(words5(r["text"]))
    negatives: list[dict[str, Any]] = []
    for r in rng.sample(pool, len(pool)):
        if len(r["text"].split()) < 30:
            continue
        mine = words5(r["text"])
        if max((overlap(mine, s) for s in by_instruction[r["instruction"]]), default=0.0) >= 0.2:
            continue
        negatives.append({"id": f"neg/{len(negatives)}", "text": r["text"]})
        if len(negatives) == count:
            break
    vocab = [w for t in vocab_from for w in _WORD.findall(t) if len(w) > 2]
    return refs, negatives, vocab


def candidates(
    refs: list[dict[str, Any]],
    own_refs: list[dict[str, Any]],
    vocab: list[str],
    per_kind: int,
    rng: random.Random,
) -> tuple[list[dict[str, Any]], dict[str, tuple[str, str, list[str]]]]:
    """Candidate records and, for each, (kind, set "alpacaeval"/"own", true reference ids)."""
    sizes = [len(fp.tokens) for fp in Fingerprinter(FingerprintConfig()).of_texts([r["text"] for r in refs])]
    eligible = [i for i, n in enumerate(sizes) if n >= FLOOR_TOKENS]
    rows: list[dict[str, Any]] = []
    truth: dict[str, tuple[str, str, list[str]]] = {}

    def add(kind: str, group: str, record: dict[str, Any], ids: list[str]) -> None:
        record = {"id": f"{group}/{kind}/{len(rows)}", **record}
        rows.append(record)
        truth[record["id"]] = (kind, group, ids)

    for kind, edit in text_kinds(vocab).items():
        taken = 0
        for i in rng.sample(eligible, len(eligible)):
            if taken == per_kind:
                break
            text = edit(refs[i]["text"], rng)
            if text is not None:
                add(kind, "alpacaeval", {"text": text}, [refs[i]["id"]])
                taken += 1
        for ref in own_refs:
            text = edit(ref["text"], rng)
            if text is not None:
                add(kind, "own", {"text": text}, [ref["id"]])
    for group, pool, n in (
        ("alpacaeval", [refs[i] for i in eligible], per_kind),
        ("own", own_refs, len(own_refs)),
    ):
        for k in range(n):
            a, b = rng.sample(pool, 2) if group == "alpacaeval" else (pool[k], pool[(k + 1) % len(pool)])
            add(MERGED, group, {"text": f"{a['text']}\n\n{b['text']}"}, [a["id"], b["id"]])
        order = rng.sample(range(len(pool)), len(pool)) if group == "alpacaeval" else range(len(pool))
        taken = 0
        for i in order:
            if taken == n:
                break
            parts = split_records(pool[i]["instruction"], pool[i]["text"], rng)
            if parts is None:
                continue
            for part in parts:
                add(SPLIT, group, part, [pool[i]["id"]])
            taken += 1
        for k, i in enumerate(rng.sample(range(len(pool)), n) if group == "alpacaeval" else range(len(pool))):
            add(WRAPPED, group, wrapped(pool[i]["instruction"], pool[i]["text"], k), [pool[i]["id"]])
    return rows, truth


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-kind", type=int, default=200, help="AlpacaEval copies per kind (default 200)")
    parser.add_argument(
        "--negatives", type=int, default=1000, help="AlpacaEval hard negatives (default 1000)"
    )
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--out", default="build/bench")
    parser.add_argument("--match", action="append", default=[], metavar="KEY=VALUE", help="passed to scan")
    parser.add_argument(
        "--keep", action="store_true", help="keep the working directory (index, data, report)"
    )
    args = parser.parse_args()
    require_corpora()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="provcheck-heldout-kinds-"))
    if not args.keep:
        atexit.register(shutil.rmtree, work, True)
    print(
        f"working in {work}" + ("" if args.keep else " (removed at exit; --keep keeps it)"), file=sys.stderr
    )
    refs, negatives, vocab = load(rng, args.negatives)
    own_refs = [
        {"id": f"own/{k}", "instruction": q, "text": t}
        for k, (q, t) in enumerate(zip(own.REQUESTS, own.INDEXED, strict=True))
    ]
    own_negatives = [{"id": f"ownneg/{k}", "text": t} for k, t in enumerate(own.INDEPENDENT)]
    sources = []
    for n, (name, rows) in enumerate((("anthropic-alpacaeval", refs), ("own-answers", own_refs))):
        path = write_jsonl(work / f"source-{n}.jsonl", [{"id": r["id"], "text": r["text"]} for r in rows])
        sources.append({"path": str(path), "source": name, "provider": "anthropic"})
    (work / "sources.yaml").write_text(json.dumps({"sources": sources}))  # JSON is YAML
    index = work / "index"
    res = run([*PROVCHECK, "index", "build", str(index), "--sources", str(work / "sources.yaml"), "-q"])
    assert res.code == 0, res.stderr
    cands, truth = candidates(refs, own_refs, vocab, args.per_kind, rng)
    data = write_jsonl(work / "candidates.jsonl", [*cands, *negatives, *own_negatives])
    report = work / "scan.json"
    scan = [
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
    ]
    res = run([*scan, "-q", *[f"--match={m}" for m in args.match]])
    assert res.code == 0, res.stderr
    verified: dict[str, set[str]] = defaultdict(set)
    listed: dict[str, set[str]] = defaultdict(set)
    blockable: dict[str, set[str]] = defaultdict(set)
    matches = json.loads(report.read_text())["matches"]
    for m in matches:
        rid, ref = m["record"]["id"], m["reference"]["id"]
        strength = m.get("strength") or {}
        listed[rid].add(ref)
        if not strength.get("explained"):
            verified[rid].add(ref)
        if strength.get("can_block"):
            blockable[rid].add(ref)
    every = refs + own_refs
    fps = Fingerprinter(FingerprintConfig()).of_texts([r["text"] for r in every])
    key_of = {r["id"]: fp.key for r, fp in zip(every, fps, strict=True)}
    same: dict[int, set[str]] = defaultdict(set)
    for rid, key in key_of.items():
        same[key].add(rid)
    found: dict[tuple[str, str], list[bool]] = defaultdict(list)
    block: dict[tuple[str, str], list[bool]] = defaultdict(list)
    misses = []
    for cid, (kind, group, ids) in truth.items():
        for rid in ids:
            hit = bool(verified.get(cid, set()) & same[key_of[rid]])
            found[(kind, group)].append(hit)
            block[(kind, group)].append(bool(blockable.get(cid, set()) & same[key_of[rid]]))
            if not hit:
                misses.append({"candidate": cid, "reference": rid, "listed": sorted(listed.get(cid, set()))})
    results: dict[str, Any] = {"seed": args.seed, "recall": {}, "negatives": {}}
    out_rows = []
    for kind in dict.fromkeys(k for k, _ in found):
        row: list[Any] = [kind]
        for group in ("alpacaeval", "own"):
            hits, blocks = found[(kind, group)], block[(kind, group)]
            results["recall"][f"{group}: {kind}"] = {
                "n": len(hits),
                "found": sum(hits),
                "can_block": sum(blocks),
            }
            row += (
                [len(hits), f"{sum(hits) / len(hits):.3f}", f"{sum(blocks) / len(hits):.3f}"]
                if group == "alpacaeval"
                else [
                    f"{sum(hits)}/{len(hits)}",
                    f"{sum(blocks)}/{len(hits)}",
                ]
            )
        out_rows.append(row)
    cmd = (
        f"python benchmarks/heldout_kinds.py --per-kind {args.per_kind} --negatives {args.negatives} "
        f"--seed {args.seed}"
    )
    print(
        f"\n## Held-out edit kinds ({cmd}; load {os.getloadavg()[0]:.1f})\n\nIndex: {len(refs):,} "
        f"AlpacaEval outputs of Anthropic's original generators (copies from the {FLOOR_TOKENS}+-token "
        f"ones) and {len(own_refs)} answers written for the benchmark; scan {res.seconds:.1f} s. "
        "Found = a verified match to the true reference.\n"
    )
    print(table(["kind", "copies", "verified", "can block", "own: verified", "own: can block"], out_rows))
    neg_rows = []
    for name, recs in (
        ("AlpacaEval, other providers' answers to the same instructions", negatives),
        ("own: independent answers to the same requests", own_negatives),
    ):
        ids = [r["id"] for r in recs]
        counts = [sum(1 for i in ids if d.get(i)) for d in (listed, verified, blockable)]
        results["negatives"][name] = dict(
            zip(("records", "listed", "verified", "can_block"), [len(ids), *counts], strict=True)
        )
        neg_rows.append([name, len(ids), *counts])
    print("\n## Hard negatives (every match is false)\n")
    print(table(["negative", "records", "listed", "verified", "can block"], neg_rows))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "heldout_kinds.json").write_text(json.dumps(results, indent=2))
    (out / "heldout_kinds_misses.json").write_text(json.dumps(misses, indent=2))
    false = [m for m in matches if m["record"]["id"].startswith(("neg/", "ownneg/"))]
    (out / "heldout_kinds_false_positives.json").write_text(json.dumps(false, indent=2))
    print(f"\nfigures in {out / 'heldout_kinds.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
