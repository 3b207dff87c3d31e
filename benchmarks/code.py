"""Recall on copies of code and markup: verbatim, re-indented, re-wrapped, identifiers renamed.

    python benchmarks/code.py [--per-kind 300]

References: GPTeacher Codegen responses (GPT-4), Code Alpaca outputs (text-davinci-003), the
fenced code blocks of AlpacaEval OpenAI outputs, and the Markdown tables and LaTeX display
blocks those outputs write outside fences; each of at least 40 words (whitespace-split).
Candidates, as Alpaca records whose output wraps the copy in a sentence before and after:

* ``code-verbatim``, ``code-reindented`` (indentation halved or made tabs, blank lines
  dropped), ``code-rewrapped`` (long lines broken at 40 or 60 characters, or line pairs
  joined), ``code-renamed`` (the three most frequent identifiers renamed throughout, reserved
  words left), ``code-renamed-same-request`` (the same, in a record holding the reference's own
  request, as a copy in a fine-tuning mix does: independent answers to the same request are
  judged differently, ``matching/request.py``);
* ``markup-verbatim``, ``markup-reindented``, ``markup-rewrapped``: references holding HTML/JSX
  tags, CSS rules, LaTeX or a Markdown table, sampled in equal shares per subtype (HTML/JSX
  takes what the small subtypes leave) and reported per subtype.

``--background``: the independent generators' providers are split in two (by ``--seed``); the
answers of one half are indexed as a background source (``index add --background``: text known
to be independent, whose passages explain convergence) in a second index given to every scan,
and the same-prompt negatives come from the other half only, scanned with and without it.

A candidate counts when it is linked to its true reference (or one with identical tokens).
False positives on textbook code shared by independent answers are measured here (same-prompt
negatives) and by ``precision.py`` (kind ``code``).
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
import textwrap
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Indel

from common import CORPORA, PROVCHECK, alpacaeval_rows, providers_of, require_corpora, run, table, write_jsonl
from convergence import COPY_RUN, is_copy
from detection import overlap, words5
from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import FingerprintConfig

INSTRUCT = CORPORA / "instruct"
MIN_WORDS = 40
_FENCE = re.compile(r"```[\w+-]*\n(.*?)```", re.DOTALL)
_IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]{2,}\b")
_KEYWORDS = {
    "def",
    "class",
    "return",
    "import",
    "from",
    "for",
    "while",
    "if",
    "else",
    "elif",
    "try",
    "except",
    "with",
    "as",
    "and",
    "or",
    "not",
    "in",
    "is",
    "None",
    "True",
    "False",
    "print",
    "self",
    "int",
    "str",
    "float",
    "list",
    "dict",
    "set",
    "const",
    "let",
    "var",
    "function",
    "new",
    "this",
    "public",
    "private",
    "static",
    "void",
    "include",
    "using",
    "namespace",
    "std",
    "main",
    "true",
    "false",
    "null",
    "String",
    "System",
    "out",
    "println",
    "div",
    "span",
    "className",
    "style",
}
_RESERVED_LIST = """
    case switch default break continue throw throws catch finally elif then fi done esac do
    echo await async yield lambda typeof instanceof extends implements interface package
    struct enum match impl mut pub fn func goto delete export raise pass assert global
    nonlocal del foreach unsigned signed char long short double float boolean bool void
    """
_RESERVED = set(_RESERVED_LIST.split())
"""Reserved words of common languages the first list lacks: renaming one does not rename an
identifier (it breaks the code), so ``rename`` leaves them (until 2026-12-05 it renamed
``case``, ``then``, ``echo``, which no copier can do; see docs/matching.md)."""
MARKUP = {
    "html/jsx": re.compile(r"<(?!(?:b|i|p|a|em|strong|br|span)\b)[A-Za-z][\w.-]*(?:\s[^<>]*)?/?>"),
    "css": re.compile(r"[.#]?[\w-]+\s*\{[^{}]*:[^{}]*;[^{}]*\}"),
    "latex": re.compile(r"\\(begin|frac|section|documentclass|end|textbf)\b|\\\[|\$\$"),
    "markdown-table": re.compile(r"^\s*\|?\s*:?-{3,}:?\s*\|", re.MULTILINE),
}
TARGET = 0.99


_TABLE_BLOCK = re.compile(r"(?:^[ \t]*\|.*\|[ \t]*(?:\n|$)){3,}", re.MULTILINE)
_LATEX_BLOCK = re.compile(r"\\\[.*?\\\]|\$\$.*?\$\$|\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.DOTALL)


def unfenced_markup(output: str) -> list[str]:
    """Markdown tables (3+ rows) and LaTeX display blocks (``\\[...\\]``, ``$$...$$``,
    ``\\begin{x}...\\end{x}``) written outside code fences: the markup models put in
    prose answers (the fenced blocks are taken whole)."""
    prose = _FENCE.sub("", output)
    found = [m.group(0).strip("\n") for m in _TABLE_BLOCK.finditer(prose)]
    found += [m.group(0) for m in _LATEX_BLOCK.finditer(prose)]
    return found


def markup_kind(text: str) -> str | None:
    """The markup a reference holds, if any (first that applies)."""
    for name, pattern in MARKUP.items():
        if pattern.search(text):
            return name
    return None


def reindent(text: str, rng: random.Random) -> str:
    """Indentation halved, or made tabs; blank lines dropped."""
    tabs = rng.random() < 0.5
    out = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        stripped = line.lstrip(" ")
        depth = len(line) - len(stripped)
        out.append(("\t" * (depth // 4) if tabs else " " * (depth // 2)) + stripped)
    return "\n".join(out)


def rewrap(text: str, rng: random.Random) -> str:
    """Lines longer than a width (40 or 60 characters) broken at spaces, each continuation
    indented four more than its line (as an editor or a formatter re-wraps); or, with equal
    chance, every two consecutive non-blank lines joined into one (as minified markup)."""
    lines = text.split("\n")
    if rng.random() < 0.5:
        joined = []
        for line in lines:
            if joined and joined[-1].strip() and line.strip() and not joined[-1].endswith("\x00"):
                joined[-1] = joined[-1] + " " + line.strip() + "\x00"
            else:
                joined.append(line)
        return "\n".join(line.rstrip("\x00") for line in joined)
    width = rng.choice([40, 60])
    out = []
    for line in lines:
        indent = line[: len(line) - len(line.lstrip())]
        if len(line) <= width or not line.strip():
            out.append(line)
            continue
        out += textwrap.wrap(
            line.strip(),
            width=max(width - len(indent), 20),
            initial_indent=indent,
            subsequent_indent=indent + "    ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    return "\n".join(out)


def stratified(pool: list[dict[str, Any]], n: int, rng: random.Random) -> list[dict[str, Any]]:
    """``n`` references of ``pool``, an equal share of each markup subtype (all of a subtype
    smaller than its share), the rest from the largest: HTML/JSX is 9 in 10 of the pool, and a
    plain sample would measure it alone."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in pool:
        groups[markup_kind(r["text"]) or "code"].append(r)
    share = n // len(groups)
    out: list[dict[str, Any]] = []
    for name in sorted(groups, key=lambda g: len(groups[g])):
        want = share if name != max(groups, key=lambda g: len(groups[g])) else n - len(out)
        out += rng.sample(groups[name], min(want, len(groups[name])))
    return out


def _used_as_code(text: str, word: str) -> bool:
    """``word`` stands somewhere in code syntax: called, indexed, assigned, an attribute's
    owner, or a ``$variable``. Prose words ("the", "number") never are, and renaming them is
    not renaming an identifier (until 2026-12-05 the explanations of Code Alpaca had their most
    frequent words renamed, which breaks every 12-word run; see docs/matching.md)."""
    w = re.escape(word)
    code_use = (
        rf"\$\b{w}\b|\b{w}(\s*[(\[]|\s*[-+*/]?=|\s*[!<>]=|\.[A-Za-z_])|[=<>]\s*{w}\b"
        rf"|\bfor\s+{w}\b|\bin\s+{w}\s*:|[(,]\s*{w}\s*[,)]"
    )
    return re.search(code_use, text) is not None


def rename(text: str) -> str:
    """The three most frequent identifiers (names used as code, not keywords) renamed throughout."""
    counts = Counter(
        w
        for w in _IDENT.findall(text)
        if w not in _KEYWORDS and w not in _RESERVED and _used_as_code(text, w)
    )
    mapping = {w: f"{w[:1]}renamed{n}" for n, (w, _) in enumerate(counts.most_common(3))}
    return _IDENT.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)


def _independent() -> set[str]:
    """Generators that are their provider's own model, of providers other than OpenAI (no
    fine-tune or distillation of OpenAI outputs): their code is written independently."""
    out = set()
    for line in (CORPORA / "alpacaeval" / "generators.csv").read_text().splitlines()[1:]:
        name, provider, relation = line.split(",")[:3]
        if provider != "openai" and relation == "original":
            out.add(name)
    return out


def _prompt(row: dict[str, Any]) -> str:
    """A dataset record's request: its instruction and input."""
    return "\n\n".join(p for p in (row["instruction"], row.get("input") or "") if p)


def split_providers(independent: set[str], rng: random.Random) -> set[str]:
    """The independent generators of half of their providers (the background's half)."""
    providers = providers_of()
    names = sorted({providers[g] for g in independent})
    rng.shuffle(names)
    half = set(names[: len(names) // 2])
    return {g for g in independent if providers[g] in half}


def references(
    negatives: list[dict[str, Any]],
    background: list[dict[str, Any]] | None = None,
    rng: random.Random | None = None,
) -> list[dict[str, Any]]:
    """Code and markup references of at least ``MIN_WORDS`` words; fills ``negatives`` with
    the fenced code blocks (as long) of independent generators' AlpacaEval answers, and, when
    ``background`` is given, that list with the blocks of half of the independent providers'
    generators (``split_providers``), which the negatives then leave out."""
    independent = _independent()
    held = split_providers(independent, rng) if background is not None and rng is not None else set()
    out = []
    gpteacher = json.loads((INSTRUCT / "teknium1__GPTeacher__Codegen__codegen-instruct.json").read_text())
    for i, r in enumerate(gpteacher):
        out.append(
            {
                "id": f"gpteacher/{i}",
                "source": "gpteacher-codegen",
                "text": r["response"],
                "prompt": _prompt(r),
            }
        )
    alpaca = json.loads((INSTRUCT / "sahil280114__codealpaca__data__code_alpaca_2k.json").read_text())
    for i, r in enumerate(alpaca):
        out.append(
            {"id": f"codealpaca/{i}", "source": "code-alpaca", "text": r["output"], "prompt": _prompt(r)}
        )
    providers = providers_of()
    for i, r in enumerate(alpacaeval_rows()):
        if providers.get(r["generator"]) == "openai":
            for j, block in enumerate(_FENCE.findall(r["output"])):
                out.append(
                    {
                        "id": f"alpacaeval/{i}/{j}",
                        "source": "alpacaeval-code",
                        "text": block,
                        "instruction": r["instruction"],
                        "prompt": r["instruction"],
                        "generator": r["generator"],
                    }
                )
            for j, block in enumerate(unfenced_markup(r["output"])):
                out.append(
                    {
                        "id": f"alpacaeval-markup/{i}/{j}",
                        "source": "alpacaeval-markup",
                        "text": block,
                        "prompt": r["instruction"],
                        "generator": r["generator"],
                    }
                )
        elif r["generator"] in independent:
            for j, block in enumerate(_FENCE.findall(r["output"])):
                if len(block.split()) >= MIN_WORDS:
                    row = {"id": f"neg/{i}/{j}", "text": block, "instruction": r["instruction"]}
                    (background if background is not None and r["generator"] in held else negatives).append(
                        row
                    )
    return [r for r in out if len(r["text"].split()) >= MIN_WORDS]


REQUEST_SHARE = 0.5
"""A reference repeats its request when this share of it repeats the request: of its word
5-grams, or of its characters in identical runs of ``COPY_RUN``+ characters (the labelling
rule's runs: code and grids of digits repeat a request without any word 5-gram)."""


def _repeats_request(ref: dict[str, Any]) -> bool:
    text, prompt = ref["text"], ref.get("prompt") or ""
    grams = words5(text)
    if grams and len(grams & words5(prompt)) / len(grams) >= REQUEST_SHARE:
        return True
    a, b = " ".join(text.casefold().split()), " ".join(prompt.casefold().split())
    if not a or not b:
        return False
    runs = sum(blk.size for blk in Indel.opcodes(a, b).as_matching_blocks() if blk.size >= COPY_RUN)
    return runs / len(a) >= REQUEST_SHARE


_DIGIT = re.compile(r"\b\d\b")
_WORDS = re.compile(r"\w+")


def _solves_puzzle(ref: dict[str, Any]) -> bool:
    """A reference that is the grid of a puzzle its request poses (a Sudoku): mostly single
    digits, answering a request holding 20+ of them. A puzzle has one solution, so a copy of it
    and an independent correct answer are the same grid; its recall is shown apart."""
    words = _WORDS.findall(ref["text"])
    digits = len(_DIGIT.findall(ref["text"]))
    return bool(words) and digits >= 0.8 * len(words) and len(_DIGIT.findall(ref.get("prompt") or "")) >= 20


def build_background(rows: list[dict[str, Any]], work: Path) -> Path:
    """A second index holding ``rows`` as one background source, each record with its request."""
    index = work / "background"
    path = write_jsonl(
        work / "background.jsonl",
        [{"id": r["id"], "instruction": r["instruction"], "input": "", "output": r["text"]} for r in rows],
    )
    res = run(
        [
            *PROVCHECK,
            "index",
            "add",
            str(index),
            str(path),
            "--source",
            "independent-code",
            "--background",
            "-q",
        ]
    )
    assert res.code == 0, res.stderr
    return index


def build_index(refs: list[dict[str, Any]], work: Path, per_generator: bool, bare: bool) -> Path:
    """The index: one source per dataset (every OpenAI generator's AlpacaEval code in one
    source), each record with its request (the reference's prompt, whose echoes are kept).
    ``per_generator``: AlpacaEval's code split into one source per generator instead;
    ``bare``: texts without their requests (the layout before 2026-12-05)."""
    index = work / "index"
    groups: dict[tuple[str, str | None], list[dict[str, Any]]] = defaultdict(list)
    for r in refs:
        groups[(r["source"], r.get("generator") if per_generator else None)].append(r)
    entries = []
    for n, ((source, generator), rows) in enumerate(
        sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ):
        name = source if generator is None else f"{source}-{generator}"
        if bare:
            records = [{"id": r["id"], "text": r["text"]} for r in rows]
        else:
            records = [
                {"id": r["id"], "instruction": r["prompt"], "input": "", "output": r["text"]} for r in rows
            ]
        path = write_jsonl(work / f"source-{n}.jsonl", records)
        entry: dict[str, Any] = {"path": str(path), "source": name, "provider": "openai"}
        if generator is not None:
            entry["generator"] = generator
        entries.append(entry)
    manifest = work / "sources.yaml"
    manifest.write_text(json.dumps({"sources": entries}))  # JSON is YAML
    res = run([*PROVCHECK, "index", "build", str(index), "--sources", str(manifest), "-q"])
    assert res.code == 0, res.stderr
    return index


def same_prompt_negatives(
    refs: list[dict[str, Any]],
    negatives: list[dict[str, Any]],
    index: Path,
    work: Path,
    rng: random.Random,
    n: int,
    extra: list[str] | None = None,
) -> dict[str, Any]:
    """Code written independently for instructions the index's code also answers: every match
    is false. (a) keeps the blocks whose word 5-gram containment in every same-instruction
    reference block is below 0.2 (no real shared text), as precision.py does."""
    by_instruction: dict[str, list[set[tuple[str, ...]]]] = defaultdict(list)
    for r in refs:
        if "instruction" in r:
            by_instruction[r["instruction"]].append(words5(r["text"]))
    pool = [c for c in negatives if c["instruction"] in by_instruction]
    sample = rng.sample(pool, min(n, len(pool)))
    filtered = {
        c["id"]
        for c in sample
        if max(overlap(words5(c["text"]), ref) for ref in by_instruction[c["instruction"]]) < 0.2
    }
    data = write_jsonl(
        work / "negatives.jsonl",
        [{"id": c["id"], "instruction": c["instruction"], "input": "", "output": c["text"]} for c in sample],
    )
    report = work / "negatives.json"
    res = run(
        [
            *PROVCHECK,
            "scan",
            str(data),
            "-i",
            str(index),
            *(extra or []),
            "-f",
            "json",
            "-o",
            str(report),
            *_QUIET,
        ]
    )
    assert res.code == 0, res.stderr
    texts = {c["id"]: c["text"] for c in sample}
    ref_texts = {r["id"]: r["text"] for r in refs}
    any_match: dict[str, set[str]] = {"a": set(), "b": set()}
    verified: dict[str, set[str]] = {"a": set(), "b": set()}
    counts: dict[str, Counter[str]] = {"a": Counter(), "b": Counter()}
    kept = []
    for m in json.loads(report.read_text())["matches"]:
        if m["reference"].get("background"):
            continue  # independent text, listed and never a finding: not a false match
        rid = m["record"]["id"]
        strength = m.get("strength") or {}
        # precision.py's labelling rule: memorised web code (a W3Schools modal, a GeeksforGeeks
        # LCS) is real shared text, which only a blocked match that is not a copy counts against.
        copy = is_copy(texts[rid], ref_texts[m["reference"]["id"]])
        for name in ("a", "b") if rid in filtered else ("b",):
            any_match[name].add(rid)
            if not strength.get("explained"):
                verified[name].add(rid)
            if "with identifiers renamed" in strength.get("reason", ""):
                counts[name][f"renamed:{rid}"] = 1
            if strength.get("convergence") is None:
                counts[name][f"asserts:{rid}"] = 1
            if strength.get("can_block"):
                counts[name][f"block:{rid}"] = 1
                if not copy:
                    counts[name][f"block-not-copy:{rid}"] = 1
        kept.append(
            {
                "record": rid,
                "set_a": rid in filtered,
                "labelled_copy": copy,
                "reference": m["reference"]["id"],
                "strength": strength,
            }
        )
    out: dict[str, Any] = {"false_matches": kept}
    for name, size in (("a", len(filtered)), ("b", len(sample))):
        c = counts[name]
        out[name] = {
            "records": size,
            "any": len(any_match[name]),
            "verified": len(verified[name]),
            "renamed_only": sum(1 for k in c if k.startswith("renamed:")),
            "asserts_derivation": sum(1 for k in c if k.startswith("asserts:")),
            "can_block": sum(1 for k in c if k.startswith("block:")),
            "can_block_not_copy": sum(1 for k in c if k.startswith("block-not-copy:")),
        }
    return out


_QUIET = ["--fail-on", "never", "-q"]


def layout(per_generator: bool, bare: bool) -> str:
    """The index layout, in words."""
    sources = "one source per OpenAI generator" if per_generator else "one source per dataset"
    return f"{sources}, {'bare texts' if bare else 'records with their request'}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-kind", type=int, default=300)
    parser.add_argument("--negatives", type=int, default=1000, help="same-prompt negatives scanned")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--out", default="build/bench")
    parser.add_argument(
        "--per-generator",
        action="store_true",
        help="index AlpacaEval's code one source per OpenAI generator (default: one source per dataset)",
    )
    parser.add_argument(
        "--background",
        action="store_true",
        help="index half of the independent providers' code as a background source (module docstring)",
    )
    parser.add_argument(
        "--bare",
        action="store_true",
        help="index bare texts, without their requests (the layout before 2026-12-05)",
    )
    args = parser.parse_args()
    require_corpora()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="provcheck-code-"))
    atexit.register(shutil.rmtree, work, True)
    negatives: list[dict[str, Any]] = []
    background: list[dict[str, Any]] | None = [] if args.background else None
    refs = references(negatives, background, random.Random(args.seed))
    index = build_index(refs, work, args.per_generator, args.bare)
    extra = ["-i", str(build_background(background, work))] if background is not None else []
    code = [r for r in refs if markup_kind(r["text"]) is None]
    markup = [r for r in refs if markup_kind(r["text"]) is not None]
    kinds = {
        "code-verbatim": (code, lambda t: t),
        "code-reindented": (code, lambda t: reindent(t, rng)),
        "code-rewrapped": (code, lambda t: rewrap(t, rng)),
        "code-renamed": (code, rename),
        # As a copy in a fine-tuning mix holds it: under the reference's own request, which an
        # independent answer to that request also holds (``matching.request``).
        "code-renamed-same-request": (code, rename),
        "markup-verbatim": (markup, lambda t: t),
        "markup-reindented": (markup, lambda t: reindent(t, rng)),
        "markup-rewrapped": (markup, lambda t: rewrap(t, rng)),
    }
    candidates = []
    truth: dict[str, tuple[str, str, str]] = {}
    for kind, (pool, edit) in kinds.items():
        sample = (
            stratified(pool, args.per_kind, rng)
            if pool is markup
            else rng.sample(pool, min(args.per_kind, len(pool)))
        )
        for n, ref in enumerate(sample):
            cid = f"{kind}/{n}"
            text = f"Here is the code you asked for:\n\n{edit(ref['text'])}\n\nLet me know if it helps."
            request = ref["prompt"] if kind.endswith("-same-request") else "Write the code."
            candidates.append({"id": cid, "instruction": request, "input": "", "output": text})
            sub = markup_kind(ref["text"]) or "code"
            if kind.startswith("code-renamed"):
                sub = "identifiers changed" if edit(ref["text"]) != ref["text"] else "nothing to rename"
            truth[cid] = (kind, ref["id"], sub)
    data = write_jsonl(work / "candidates.jsonl", candidates)
    report = work / "scan.json"
    res = run(
        [
            *PROVCHECK,
            "scan",
            str(data),
            "-i",
            str(index),
            *extra,
            "-f",
            "json",
            "-o",
            str(report),
            "--fail-on",
            "never",
            "-q",
        ]
    )
    assert res.code == 0, res.stderr
    # A copy counts as found by a verified match (one explained by convergence is only listed).
    matched: dict[str, set[str]] = defaultdict(set)
    listed: dict[str, set[str]] = defaultdict(set)
    for m in json.loads(report.read_text())["matches"]:
        listed[m["record"]["id"]].add(m["reference"]["id"])
        if not (m.get("strength") or {}).get("explained"):
            matched[m["record"]["id"]].add(m["reference"]["id"])
    fps = Fingerprinter(FingerprintConfig()).of_texts([r["text"] for r in refs])
    key_of = {r["id"]: fp.key for r, fp in zip(refs, fps, strict=True)}
    same: dict[int, set[str]] = defaultdict(set)
    for rid, key in key_of.items():
        same[key].add(rid)
    # A reference that mostly repeats its request ("fix this code: ...") is the user's text, not
    # the model's: by design a copy of it is no match (``min_original_tokens``), once the index
    # knows the request. Recall is shown for both; the target applies to model-written text.
    echoed = {r["id"]: _repeats_request(r) for r in refs}
    puzzle = {r["id"]: _solves_puzzle(r) for r in refs}
    found: dict[tuple[str, str], list[bool]] = defaultdict(list)
    misses: list[dict[str, Any]] = []
    for cid, (kind, rid, sub) in truth.items():
        hit = bool(matched.get(cid, set()) & same[key_of[rid]])
        if not hit:
            only_listed = bool(listed.get(cid, set()) & same[key_of[rid]])
            misses.append(
                {
                    "candidate": cid,
                    "reference": rid,
                    "only_listed": only_listed,
                    "matched": sorted(matched.get(cid, set())),
                }
            )
        found[(kind, "all")].append(hit)
        origin = (
            "solves its request's puzzle"
            if puzzle[rid]
            else "repeats its request"
            if echoed[rid]
            else "model-written"
        )
        found[(kind, origin)].append(hit)
        if kind.startswith(("markup", "code-renamed")):
            found[(kind, sub)].append(hit)
    rows = []
    results: dict[str, Any] = {
        "layout": layout(args.per_generator, args.bare),
        "references": len(refs),
        "code_refs": len(code),
        "markup_refs": len(markup),
    }
    if background is not None:
        results["background"] = {"records": len(background)}
        # The same sample scanned without the background first: the comparison is on one set.
        results["negatives_without_background"] = same_prompt_negatives(
            refs, negatives, index, work, random.Random(args.seed + 1), args.negatives
        )
        results["negatives_without_background"].pop("false_matches")
    results["negatives"] = same_prompt_negatives(
        refs,
        negatives,
        index,
        work,
        random.Random(args.seed + 1) if background is not None else rng,
        args.negatives,
        extra,
    )
    order = {"all": 0, "model-written": 1, "repeats its request": 2, "solves its request's puzzle": 3}
    for (kind, sub), hits in sorted(
        found.items(), key=lambda kv: (list(kinds).index(kv[0][0]), order.get(kv[0][1], 3), kv[0][1])
    ):
        recall = sum(hits) / len(hits)
        results[f"{kind}/{sub}"] = {"n": len(hits), "recall": recall}
        rows.append([kind, sub, len(hits), recall, f">= {TARGET}" if sub == "model-written" else ""])
    print(
        f"\n## Code and markup copies ({len(refs):,} references: {len(code):,} code, {len(markup):,} markup; "
        f"index layout: {layout(args.per_generator, args.bare)}; scan {res.seconds:.1f} s; a copy is found "
        "when a verified match links it to its reference)\n"
    )
    print(table(["kind", "subtype", "n", "recall", "target"], rows))
    neg = results["negatives"]
    negative_sets = [("", neg)]
    if background is not None:
        negative_sets = [
            (", no background", results["negatives_without_background"]),
            (f", background of {len(background):,} blocks", neg),
        ]
    print(
        "\n## Same-prompt negatives: code blocks of independent generators' answers to instructions "
        "the index's code answers (every match is false; (a) = word 5-gram containment < 0.2)\n"
    )
    print(
        table(
            [
                "set",
                "records",
                "listed",
                "verified",
                "identifiers renamed",
                "asserts derivation",
                "can block",
                "can block, not a copy by the labelling rule",
            ],
            [
                [
                    f"{k}{label}",
                    figures[k]["records"],
                    figures[k]["any"],
                    figures[k]["verified"],
                    figures[k]["renamed_only"],
                    figures[k]["asserts_derivation"],
                    figures[k]["can_block"],
                    figures[k]["can_block_not_copy"],
                ]
                for label, figures in negative_sets
                for k in ("a", "b")
            ],
        )
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    neg = results["negatives"]
    (out / "code_false_positives.json").write_text(json.dumps(neg.pop("false_matches"), indent=2))
    (out / "code.json").write_text(json.dumps(results, indent=2))
    (out / "code_misses.json").write_text(json.dumps(misses, indent=2))
    print(f"\nfigures in {out / 'code.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
