"""Shared helpers for the benchmarks: corpora, subprocess timing, tables."""

from __future__ import annotations

import json
import lzma
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PROVCHECK_SHARED", ROOT.parent / "shared"))
CORPORA = SHARED / "corpora"
ALPACAEVAL = CORPORA / "alpacaeval"
MEDICAL = CORPORA / "instruct" / "shibing624__MedicalGPT__data__sft__medical_sft_1K_format.jsonl"
PROVCHECK = [sys.executable, "-m", "provcheck"]


def require_corpora() -> None:
    """Exit 0 with a message when the shared corpora are absent (a user's fresh clone)."""
    if not (ALPACAEVAL / "outputs.jsonl.xz").exists():
        print(f"skipped: the shared corpora are not at {CORPORA} (set PROVCHECK_SHARED)")
        sys.exit(0)


def alpacaeval() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """All AlpacaEval outputs, and generator -> provider."""
    providers = {}
    for line in (ALPACAEVAL / "generators.csv").read_text().splitlines()[1:]:
        name, provider = line.split(",")[:2]
        providers[name] = provider
    with lzma.open(ALPACAEVAL / "outputs.jsonl.xz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return rows, providers


def alpacaeval_rows() -> Iterator[dict[str, Any]]:
    """AlpacaEval outputs one at a time (the whole corpus takes ~2.5 GB as Python objects)."""
    with lzma.open(ALPACAEVAL / "outputs.jsonl.xz", "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def providers_of() -> dict[str, str]:
    """Generator -> provider."""
    providers = {}
    for line in (ALPACAEVAL / "generators.csv").read_text().splitlines()[1:]:
        name, provider = line.split(",")[:2]
        providers[name] = provider
    return providers


def medical_answers() -> list[str]:
    """Chinese model answers (MedicalGPT SFT data)."""
    out = []
    with open(MEDICAL, encoding="utf-8") as fh:
        for line in fh:
            for turn in json.loads(line)["conversations"]:
                if turn["from"] == "gpt":
                    out.append(turn["value"])
    return out


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    """One object per line."""
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


@dataclass
class Run:
    """A finished subprocess: wall time, peak RSS, output."""

    seconds: float
    peak_rss_mb: float
    code: int
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0
    """User + system CPU time of the command (``peak_rss`` only): unlike wall time, it hardly
    moves when other processes load the machine."""


def run(args: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a command as its own process; measure wall time and its peak RSS (ru_maxrss)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # No OPENBLAS_NUM_THREADS here: provcheck's entry point sets it, and a benchmark
        # measures the command as a user's shell runs it.
        env={**os.environ, **(env or {})},
    )
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    # wait4 already reaped it inside communicate; RUSAGE_CHILDREN holds the largest child so
    # far, so measure each benchmarked command in a fresh parent when the peak matters.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, out, err)


def peak_rss(args: list[str]) -> tuple[float, Run]:
    """Run ``args`` under a fresh parent so RUSAGE_CHILDREN is the command's own peak."""
    wrapper = (
        "import resource,subprocess,sys,time,json;"
        "t=time.perf_counter();p=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
        "w=time.perf_counter()-t;"
        "u=resource.getrusage(resource.RUSAGE_CHILDREN);r=u.ru_maxrss/1024;"
        "print(json.dumps({'rss':r,'s':w,'cpu':u.ru_utime+u.ru_stime,'code':p.returncode,"
        "'out':p.stdout,'err':p.stderr}))"
    )
    res = subprocess.run(
        [sys.executable, "-c", wrapper, *args],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(res.stdout)
    return data["rss"], Run(data["s"], data["rss"], data["code"], data["out"], data["err"], data["cpu"])


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A markdown table."""

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:,.3f}" if v < 10 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive slices."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
