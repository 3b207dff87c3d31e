"""provcheck's hot modules compiled with mypyc, against the same sources run by the interpreter.

    python benchmarks/compiled.py DATA... --index INDEX [--modules matching|hot] [--rounds 3]
                                  [--callgrind N] [--keep DIR]

Issue 17 asks for compiled code for what remains of the scan's pure-Python work. The sources
are mypy ``--strict`` clean, so mypyc (part of mypy, which ``.[dev]`` installs; it compiled
mypy and black) can compile them to C extensions without a rewrite. This measures what that
would buy; docs/matching.md ("Compiled with mypyc: measured, not adopted") gives the figures.

What it does, all in temporary directories (the checkout and INDEX are only read):

1. copies ``src/`` twice, a *pure* copy and a copy in which ``--modules`` are compiled with
   mypyc (needs a C compiler and Python's headers; ``gcc`` and ``python3-dev`` on Debian);
   two source lines mypyc cannot take as they are are rewritten in the compiled copy only
   (see ``PATCHES``; the script stops if they no longer match the sources);
2. copies INDEX (a scan takes the index's lock) and runs ``provcheck scan DATA -i INDEX -f
   json --workers 1 --no-cache`` from each copy (``PYTHONPATH``), each scan its own process,
   once as a warm-up (bytecode written) and then ``--rounds`` times, alternating which copy
   goes first, and prints the CPU seconds (user + sys) of each, their medians and records
   per CPU second: on a shared machine only such interleaved CPU figures compare two builds;
3. checks that the two JSON reports are identical once the run's clock fields are left out;
4. with ``--callgrind N``, counts the instructions of one scan of every N-th record of each
   DATA file under ``valgrind --tool=callgrind`` for each copy (not moved by the load);
5. times the import of the scan command's modules and ``provcheck --help`` (CPU, median of 11
   alternating runs): start-up is what the pre-commit hook pays.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

# The scan's hot modules (every module the one-worker scan spends its Python time in, from the
# profiles in docs/matching.md), less those mypyc 2.4 refuses or miscompiles: ``model/results.py``
# and ``yamlfile.py`` subclass builtin types; ``inputs/base.py`` and ``inputs/csv.py`` hold
# surrogate code points in string literals; ``gitscan/prefix.py`` has an attribute ``_thread``
# (its C name, ``__thread``, is a gcc keyword); ``model/run.py`` has a ``ClassVar`` in a dataclass
# (import fails); ``policy/patterns.py`` a ``Protocol`` method with a ``= ...`` default (import
# fails); ``report/json.py`` a closure in a method (fails while writing the report).
MATCHING = [
    "matching/" + m for m in ("verify", "normalize", "strength", "convergence", "code", "fingerprint")
]
HOT = [
    *(f"matching/{p.stem}" for p in sorted((SRC / "provcheck" / "matching").glob("*.py"))),
    *(
        f"scan/{m}"
        for m in ("match", "holders", "results", "spool", "engine", "facts", "merging", "plaindata")
    ),
    *(f"index/{m}" for m in ("shard", "store", "blocks", "manifest", "integrity")),
    *(f"inputs/{m}" for m in ("json", "jsonl", "source", "text", "declared")),
    *(f"model/{m}" for m in ("findings", "ids", "matches", "records")),
    *(f"policy/{m}" for m in ("evaluate", "model", "use", "markers")),
    *(
        f"report/{m}"
        for m in (
            "serialize",
            "records",
            "evidence",
            "clauses",
            "decision",
            "meaning",
            "locations",
            "method",
        )
    ),
    *(f"support/{m}" for m in ("arrays", "batching", "collection", "pickling")),
]
SETS = {"matching": MATCHING, "hot": HOT}

# Rewrites mypyc needs, applied to the compiled copy only (same behaviour under the interpreter):
# - a dataclass field annotated ``object`` fails at import ("KeyError: 'object'", mypyc 2.x);
# - ``Fingerprint`` objects made with ``object.__new__`` plus slot descriptors (faster than a
#   frozen dataclass's ``__init__`` under the interpreter) are refused for a native class
#   ("object.__new__(Fingerprint) is not safe"); the dataclass's own constructor is used.
PATCHES = {
    "matching/strength.py": [
        ("    text: object = None\n", "    text: Hashable | None = None\n"),
        (
            "from collections.abc import Iterable, Sequence\n",
            "from collections.abc import Hashable, Iterable, Sequence\n",
        ),
    ],
    "matching/fingerprint.py": [
        ("    if names != written or any(", "    if True or names != written or any(")
    ],
}

MYPY_INI = """[mypy]
strict = True
[mypy-datasketch.*,pyarrow.*,zstandard.*,xxhash.*,fsspec.*,re2.*,re2]
ignore_missing_imports = True
"""

SETUP = """import sys
from setuptools import setup
from mypyc.build import mypycify
files = [line.strip() for line in open("modules.txt") if line.strip()]
setup(name="provcheck-compiled", ext_modules=mypycify(["--config-file", "mypy.ini", *files], opt_level="3"))
"""

CLOCK_FIELDS = {"seconds", "records_per_second", "started_at", "finished_at", "command"}


def compile_copy(dest: Path, modules: list[str]) -> None:
    """Copy src/ to DEST and compile MODULES there in place; the build log goes to DEST/build.log."""
    shutil.copytree(SRC, dest, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    for rel, rewrites in PATCHES.items():
        if f"{rel[:-3]}" not in modules:
            continue
        path = dest / "provcheck" / rel
        text = path.read_text()
        for old, new in rewrites:
            if old not in text:
                sys.exit(f"compiled.py: {rel} no longer holds {old.strip()!r}; update PATCHES")
            text = text.replace(old, new, 1)
        path.write_text(text)
    (dest / "mypy.ini").write_text(MYPY_INI)
    (dest / "setup.py").write_text(SETUP)
    (dest / "modules.txt").write_text("".join(f"provcheck/{m}.py\n" for m in modules))
    with open(dest / "build.log", "w") as log:
        done = subprocess.run(
            [sys.executable, "setup.py", "build_ext", "--inplace", "-j", "2"],
            cwd=dest,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        sys.exit(f"compiled.py: mypyc failed, see {dest / 'build.log'}")


def child_cpu(cmd: list[str], env: dict[str, str]) -> float:
    """User + system CPU seconds of one command run as its own process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"compiled.py: {' '.join(cmd[:4])}... failed:\n{done.stderr[-3000:]}")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def environ(src: Path, work: Path) -> dict[str, str]:
    env = dict(
        os.environ, PYTHONPATH=str(src), HOME=str(work / "home"), PROVCHECK_CACHE_DIR=str(work / "cache")
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # both copies start from their bytecode, as installed
    return env


def stripped(path: Path) -> Any:
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in CLOCK_FIELDS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(json.loads(path.read_text()))


def scan_cmd(data: list[str], index: Path, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "provcheck", "scan", *data, "-i", str(index), "-j", "1", "--no-cache",
        "-f", "json", "-o", str(out), "--fail-on", "never", "-q",
    ]  # fmt: skip


def callgrind(src: Path, work: Path, data: list[str], index: Path, name: str) -> int:
    out = work / f"callgrind.{name}"
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
    cmd += scan_cmd(data, index, work / f"report-tenth.{name}.json")
    subprocess.run(cmd, env=environ(src, work), capture_output=True, check=True)
    for line in out.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError("no totals in the callgrind output")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="+")
    parser.add_argument("--index", "-i", required=True, type=Path)
    parser.add_argument("--modules", choices=sorted(SETS), default="hot")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--callgrind", type=int, default=0, metavar="N", help="every N-th record under callgrind"
    )
    parser.add_argument("--keep", type=Path, help="build and keep the copies in DIR (reused if built)")
    args = parser.parse_args()
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        sys.exit("compiled.py: no C compiler (cc, gcc) on PATH: mypyc cannot build")

    work = args.keep or Path(tempfile.mkdtemp(prefix="provcheck-compiled-"))
    (work / "home").mkdir(parents=True, exist_ok=True)
    pure, compiled = work / "pure", work / f"compiled-{args.modules}"
    if not pure.exists():
        shutil.copytree(SRC, pure, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    if not compiled.exists():
        print(f"compiling {len(SETS[args.modules])} modules with mypyc ({args.modules}) ...", flush=True)
        compile_copy(compiled, SETS[args.modules])
    index = work / "index"
    if not index.exists():
        shutil.copytree(args.index, index)
    records = sum(
        1
        for name in args.data
        for line in Path(name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    builds = {"pure": pure, "compiled": compiled}

    cpu: dict[str, list[float]] = {name: [] for name in builds}
    loads = []
    for name, src in builds.items():  # warm-up: bytecode written, files in the page cache
        child_cpu(scan_cmd(args.data, index, work / f"report.{name}.json"), environ(src, work))
    for round_ in range(args.rounds):
        order = list(builds.items())
        for name, src in order if round_ % 2 == 0 else reversed(order):
            cpu[name].append(
                child_cpu(scan_cmd(args.data, index, work / f"report.{name}.json"), environ(src, work))
            )
            loads.append(os.getloadavg()[0])
            print(f"round {round_ + 1} {name:8s} CPU {cpu[name][-1]:.2f} s, load {loads[-1]:.1f}", flush=True)
    same = stripped(work / "report.pure.json") == stripped(work / "report.compiled.json")
    matches = len(stripped(work / "report.pure.json").get("matches", []))
    print(
        f"\n{records:,} records, one worker, {args.rounds} alternating rounds, "
        f"load {min(loads):.1f}-{max(loads):.1f}"
    )
    base = statistics.median(cpu["pure"])
    for name, values in cpu.items():
        med = statistics.median(values)
        print(
            f"  {name:8s} CPU s {', '.join(f'{v:.2f}' for v in values)}; median {med:.2f} s = "
            f"{records / med:,.0f} records per CPU second ({100 * (med / base - 1):+.1f}%)"
        )
    print(
        f"  JSON reports (clock fields aside): {'identical' if same else 'DIFFERENT'} ({matches:,} matches)"
    )

    if args.callgrind:
        if shutil.which("valgrind") is None:
            print("  callgrind: valgrind not installed, skipped")
        else:
            tenth = []
            for i, name in enumerate(args.data):
                path = work / f"tenth-{i}-{Path(name).name}"
                lines = Path(name).read_text(encoding="utf-8").splitlines(keepends=True)
                path.write_text("".join(lines[:: args.callgrind]), encoding="utf-8")
                tenth.append(str(path))
            counts = {name: callgrind(src, work, tenth, index, name) for name, src in builds.items()}
            change = 100 * (counts["compiled"] / counts["pure"] - 1)
            print(
                f"  callgrind, 1 record in {args.callgrind}, start-up included: pure "
                f"{counts['pure'] / 1e9:.2f} G instructions, "
                f"compiled {counts['compiled'] / 1e9:.2f} G ({change:+.1f}%)"
            )

    imports = "import provcheck.cli.scan, provcheck.scan.match, provcheck.report.json"
    for label, cmd in (
        ("import of the scan command", [sys.executable, "-c", imports]),
        ("provcheck --help", [sys.executable, "-m", "provcheck", "--help"]),
    ):
        times: dict[str, list[float]] = {name: [] for name in builds}
        for run in range(12):
            for name, src in builds.items() if run % 2 == 0 else reversed(list(builds.items())):
                seconds = child_cpu(cmd, environ(src, work))
                if run:  # the first run of each writes bytecode
                    times[name].append(seconds)
        print(
            f"  {label}: CPU median of 11, pure {1e3 * statistics.median(times['pure']):.0f} ms, "
            f"compiled {1e3 * statistics.median(times['compiled']):.0f} ms"
        )
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
