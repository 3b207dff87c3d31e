"""The code whose change can change what matches, and so a measured detection figure: one list.

Read by the result cache (``scan/cache.py``: a change to this code invalidates cached matches)
and by the build facts (``scan/build.py``: ``tool.build.matching_sha256``, a digest of these
files only). The measured error rates every report states (``report/method.json``, written from
``benchmarks/detection.py``) record that digest of the code that measured them, and a report
compares it with its own scan's: the digest of the whole package (``code_sha256``) covers
``method.json`` itself, so it differed from the measuring code's as soon as the figures were
copied in, and every report said the code "changed since".

Left out, because a change there changes no detection figure: the report formatters and
``method.json`` (``report/``), the policy and its packs (``policy/``: rules are applied to the
matches found; whether a match *can* block is its strength, in ``matching/``), waivers, the CLI,
git selection (``gitscan/``), the container readers (``inputs/`` outside ``schemas``: they turn
bytes into records, not records into the text matched), the executors (``runtime/``: any number
of workers gives the same matches) and the rest of ``scan/`` (the cache, spools, tallies, shards
and run facts). The cache also keys on ``provcheck.model`` (it stores those values), which is no
part of the measured code.
"""

from __future__ import annotations

DECIDES_MATCHES = (
    "matching/",  # normalize, segment, fingerprint, verify, evidence, strength and its
    # calibration, convergence; the C sources _align.c, _align_index.c, _tokens.c
    "index/",  # reading an index: anchors, postings, token codes, texts, packs
    "scan/engine.py",  # which turns are matched, in which batches
    "scan/match.py",  # candidates, alignment, evidence of a turn
    "scan/spans.py",  # where aligned spans lie (code lines, prompt echoes)
    "scan/described.py",  # a match's evidence (its prompt passages) and shape
    "scan/holders.py",  # background matches set aside
    "scan/judged.py",  # the trigram route's keep rule and the per-turn judging
    "scan/refcache.py",  # the reference texts a matcher holds and their details
    "scan/rejections.py",  # pairs known to fail, skipped
    "scan/runs.py",  # runs of short records matched together
)
"""Files and folders (relative to the package folder; a folder counts every file in it, new
ones and C sources included) whose code decides what a scan of given turns against a given
index matches."""

MAKES_TEXTS = (
    "ingest/",  # how reference files become an index (the benchmark builds its own)
    "inputs/schemas/",  # which strings of a record are turns, and their roles
)
"""Code that decides which texts are matched: the references indexed and the turns read of a
record. The cache needs none of it (its key is the index's digest and each record's turns); a
measured figure depends on it."""

MEASURED_CODE = DECIDES_MATCHES + MAKES_TEXTS
"""Everything whose change can change a detection figure: ``tool.build.matching_sha256``."""


def module_name(path: str) -> str:
    """The module or package an entry names: ``scan/match.py`` -> ``provcheck.scan.match``."""
    return "provcheck." + path.removesuffix("/").removesuffix(".py").replace("/", ".")


def is_measured(rel: str) -> bool:
    """Whether a file (its '/'-separated path relative to the package folder) is measured code."""
    return any(rel == p or (p.endswith("/") and rel.startswith(p)) for p in MEASURED_CODE)


def source_paths() -> str:
    """The measured code as paths of the repository, for ``git diff A B -- <paths>``."""
    return " ".join(f"src/provcheck/{p.removesuffix('/')}" for p in MEASURED_CODE)
