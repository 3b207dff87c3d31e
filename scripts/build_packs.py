"""Build fingerprint packs of the public corpora in ../shared/corpora (docs/packs.md).

    python scripts/build_packs.py [--out build/packs] [--publisher NAME] [--only NAME ...]

One pack per public source, each built as a user builds one: ``provcheck index build`` from a
sources file that states where the material came from and under what terms (as the corpora's
README states them), then ``provcheck pack create``. The indexes are made in a temporary
directory and removed; only the packs are kept. Nothing is written when the corpora are absent.

Packs: ``alpaca-style`` (Alpaca-GPT4 demo, alpaca-libre), ``gpteacher``, ``code-alpaca``,
``sharegpt-sample`` (ShareGPT prompts: that sample holds only the users' first turns) and
``alpacaeval-<provider>`` (every AlpacaEval output of that provider's own models, one source per
generator). ``PACKS.md`` beside them lists each pack's size and SHA-256 digest.
"""

from __future__ import annotations

import argparse
import csv
import json
import lzma
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PROVCHECK_SHARED", ROOT.parent / "shared"))
CORPORA = SHARED / "corpora"
INSTRUCT = CORPORA / "instruct"
ALPACAEVAL = CORPORA / "alpacaeval"
PROVCHECK = [sys.executable, "-m", "provcheck"]

# Facts as ../shared/corpora/README.md states them; never invented.
PACKS: dict[str, list[dict[str, Any]]] = {
    "alpaca-style": [
        {
            "path": "hiyouga__LLaMA-Factory__data__alpaca_en_demo.json",
            "source": "alpaca-gpt4-demo",
            "generator": "gpt-4",
            "provider": "openai",
            "license": "CC-BY-NC-4.0",
            "meta": {"origin": "generated", "note": "generator probable (Alpaca-GPT4), not stated"},
        },
        {
            "path": "mobarski__alpaca-libre__data__output__work__alpaca_libre_tasks_v1.jsonl",
            "source": "alpaca-libre-v1",
            "generator": "gpt-3.5-turbo",
            "provider": "openai",
            "meta": {"origin": "generated", "claimed_license": "CC0/MIT"},
        },
        {
            "path": "mobarski__alpaca-libre__data__output__work__alpaca_libre_tasks_v3.jsonl",
            "source": "alpaca-libre-v3",
            "generator": "gpt-3.5-turbo",
            "provider": "openai",
            "meta": {"origin": "generated", "claimed_license": "CC0/MIT"},
        },
    ],
    "gpteacher": [
        {
            "path": f"teknium1__GPTeacher__{name}",
            "source": f"gpteacher-{label}",
            "generator": "gpt-4",
            "provider": "openai",
            "license": "MIT",
            "terms": "openai-terms-of-use",
            "meta": {"origin": "generated"},
        }
        for label, name in (
            ("codegen", "Codegen__codegen-instruct.json"),
            ("roleplay", "Roleplay__roleplay-simple-deduped-roleplay-instruct.json"),
            ("toolformer", "Toolformer__toolformer-similarity-0.6-dataset.json"),
        )
    ],
    "code-alpaca": [
        {
            "path": "sahil280114__codealpaca__data__code_alpaca_2k.json",
            "source": "code-alpaca-2k",
            "generator": "text-davinci-003",
            "provider": "openai",
            "license": "CC-BY-NC-4.0",
            "meta": {"origin": "generated"},
        }
    ],
    "sharegpt-sample": [
        {
            "path": "ml-energy__leaderboard-v2__benchmark__llm_text_generation__chat__sharegpt__ShareGPT_V3_filtered_500.json",  # noqa: E501 - a file name
            "source": "sharegpt-v3-prompts",
            "license": "LicenseRef-ShareGPT-no-licence",
            "roles": ["human"],
            "meta": {"origin": "human", "note": "first human turn of each conversation only"},
        }
    ],
}


def alpacaeval_sources(work: Path) -> dict[str, list[dict[str, Any]]]:
    """One pack per provider: its own models' outputs (``relation == original``), one source per
    generator, written as JSONL files in ``work``."""
    with open(ALPACAEVAL / "generators.csv", encoding="utf-8") as fh:
        gens = {r["generator"]: r for r in csv.DictReader(fh)}
    rows: dict[str, list[dict[str, str]]] = {}
    with lzma.open(ALPACAEVAL / "outputs.jsonl.xz", "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            r = json.loads(line)
            g = gens.get(r["generator"])
            if g is None or g["relation"] != "original" or g["provider"] in ("community", ""):
                continue
            rows.setdefault(r["generator"], []).append(
                {"id": f"{r['generator']}/{i}", "instruction": r["instruction"], "output": r["output"]}
            )
    packs: dict[str, list[dict[str, Any]]] = {}
    for generator, items in sorted(rows.items()):
        provider = gens[generator]["provider"]
        path = work / "alpacaeval" / f"{generator}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as out:
            for item in items:
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
        packs.setdefault(f"alpacaeval-{provider}", []).append(
            {
                "path": str(path),
                "source": f"alpacaeval-{generator}",
                "provider": provider,
                "generator": generator,
                "meta": {"origin": "generated", "url": "https://github.com/tatsu-lab/alpaca_eval"},
            }
        )
    return packs


def build(name: str, sources: list[dict[str, Any]], work: Path, out: Path, publisher: str) -> dict[str, Any]:
    """Index ``sources`` in ``work``, pack the index into ``out/<name>.pack``."""
    entries = [
        {**s, "path": str(INSTRUCT / s["path"]) if not os.path.isabs(s["path"]) else s["path"]}
        for s in sources
    ]
    spec = work / f"{name}.sources.yaml"
    spec.write_text(yaml.safe_dump({"sources": entries}, sort_keys=False))
    index = work / f"{name}.index"
    subprocess.run([*PROVCHECK, "index", "build", str(index), "--sources", str(spec), "-q"], check=True)
    pack = out / f"{name}.pack"
    subprocess.run(
        [*PROVCHECK, "pack", "create", str(index), "-o", str(pack), "--publisher", publisher, "-q"],
        check=True,
    )
    info = json.loads(
        subprocess.run(
            [*PROVCHECK, "pack", "info", str(pack), "--format", "json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    shutil.rmtree(index)
    return info


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="build/packs")
    parser.add_argument(
        "--publisher",
        default="provcheck scripts/build_packs.py (from public corpora)",
        help="who the packs name as their publisher",
    )
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="build only these packs")
    args = parser.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"the shared corpora are not at {CORPORA} (set PROVCHECK_SHARED); nothing built")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="provcheck-packs-") as tmp:
        work = Path(tmp)
        packs = {**PACKS}
        if not args.only or any(n.startswith("alpacaeval") for n in args.only):
            packs.update(alpacaeval_sources(work))
        unknown = [n for n in args.only if n not in packs]
        if unknown:
            sys.exit(f"unknown pack(s) {', '.join(unknown)}; known: {', '.join(sorted(packs))}")
        summary = []
        for name, sources in packs.items():
            if args.only and name not in args.only:
                continue
            info = build(name, sources, work, out, args.publisher)
            per = info["size_bytes"] / max(info["texts"], 1)
            summary.append((name, info["references"], info["texts"], info["size_bytes"], per, info["digest"]))
            print(f"{name}: {info['references']:,} records, {info['size_bytes']:,} bytes ({per:,.0f} a text)")
        lines = [
            "| pack | records | texts | bytes | bytes a text | sha256 |",
            "|---|---:|---:|---:|---:|---|",
        ]
        lines += [f"| {n} | {r:,} | {t:,} | {b:,} | {p:,.0f} | `{d}` |" for n, r, t, b, p, d in summary]
        (out / "PACKS.md").write_text("\n".join(lines) + "\n")
        print(f"\npacks and their digests: {out / 'PACKS.md'}")


if __name__ == "__main__":
    main()
