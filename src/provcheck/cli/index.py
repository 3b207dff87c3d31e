"""``provcheck index``: build and inspect reference indexes."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import click

from provcheck.cli import CheckedGroup, options
from provcheck.cli.common import (
    ADDRESS,
    ENGINE,
    StderrProgress,
    check_engine,
    format_error,
    handle_errors,
    refuse_repeated_keys,
    stderr,
)
from provcheck.errors import ExitCode, IndexCorruptError, UsageError
from provcheck.index import IndexWriter, ReferenceIndex, damaged
from provcheck.index.manifest import MANIFEST
from provcheck.ingest import AddReport, AddSpec, add_file, load_sources, not_taken_list, not_taken_text
from provcheck.ingest.sources import source_problems
from provcheck.inputs.schemas import RecordOptions
from provcheck.matching.params import FingerprintConfig
from provcheck.matching.segment import MODEL_TURNS, RoleFilter
from provcheck.model import SourceInfo, SourceName, meta_key_problem
from provcheck.policy.licenses import license_problem
from provcheck.policy.sourcecheck import terms_problem
from provcheck.report.terminal import printable
from provcheck.runtime.executors import default_workers
from provcheck.support.dates import DATE_META_KEYS, DateError, parse_date

WORKERS = options.workers("Processes computing fingerprints (default: all cores; small files use one).")


@click.group(cls=CheckedGroup)
def index() -> None:
    """Build and inspect reference indexes (directories of fingerprinted known sources)."""


def _meta(values: tuple[str, ...]) -> dict[str, str]:
    refuse_repeated_keys("--meta", values)
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--meta {item!r}: expected KEY=VALUE")
        if not value.strip():
            raise UsageError(f"--meta {item!r}: empty value states nothing; give it or leave the option out")
        near = key.strip().lower().replace("_", "").replace("-", "")
        if (problem := meta_key_problem(key.strip())) is not None and near not in DATE_META_KEYS:
            raise UsageError(f"--meta {key.strip()}: {problem}")
        if near in DATE_META_KEYS and key.strip() not in DATE_META_KEYS:
            # `Date=2025-10-32` was stored unchecked and never read as the material's date.
            raise UsageError(f"--meta {key.strip()}: did you mean {near!r}? dates are read from {near!r}")
        if key.strip() in DATE_META_KEYS:
            try:
                value = parse_date(value).isoformat()
            except DateError as exc:
                raise UsageError(f"--meta {key.strip()}: {exc}") from None
        out[key.strip()] = value.strip()
    return out


def _fingerprint_config(
    shingle: int | None, window: int | None, seed: int | None
) -> FingerprintConfig | None:
    if shingle is None and window is None and seed is None:
        return None
    default = FingerprintConfig()
    return FingerprintConfig(
        shingle_size=shingle if shingle is not None else default.shingle_size,
        window=window if window is not None else default.window,
        seed=seed if seed is not None else default.seed,
    )


def _print_report(report: AddReport, seconds: float, quiet: bool, where: str) -> None:
    if report.held_since is not None:
        if not quiet:
            stderr.print(
                printable(
                    f"{report.path}: source {report.source!r} holds these very bytes already "
                    f"(added {report.held_since}): not added again"
                ),
                markup=False,
            )
        return
    if report.earlier is not None and not quiet:
        stderr.print(
            printable(
                f"{report.path}: source {report.source!r} also holds the version of this file added "
                f"{report.earlier}: its records stay and are counted beside these (build a new index "
                "to hold only this version)"
            ),
            markup=False,
        )
    for err in report.errors[:50]:
        stderr.print(format_error(err), markup=False)
    if len(report.errors) > 50:
        stderr.print(f"... and {len(report.errors) - 50} more errors", markup=False)
    if quiet:
        return
    rate = report.records / seconds if seconds > 0 else 0
    stderr.print(
        printable(
            f"added {report.path}: {report.records:,} records, {report.turns:,} reference turns "
            f"({report.texts:,} distinct texts) to source {report.source!r}"
            + (f", {report.skipped} turns without words skipped" if report.skipped else "")
            + (f", {len(report.errors)} unreadable" if report.errors else "")
            + (
                f", {report.streams.chunks:,} stream chunks joined into "
                f"{report.streams.responses:,} responses"
                if report.streams.responses
                else ""
            )
            + f" in {seconds:.1f} s ({rate:,.0f} records/s) {where}; "
            + not_taken_text(not_taken_list(report.not_taken))
        ),
        markup=False,
    )
    # Fewer workers than -j asked for (the default, all usable CPUs, goes unsaid).
    plan = report.workers
    capped = plan.sentence() if plan is not None and plan.requested != default_workers() else None
    if capped:
        stderr.print(capped, markup=False)


def _refuse_nested(index_path: str) -> None:
    """An index made inside another index's folder (``idx/shards``) would sit among files the
    outer index checks and rewrites: refused, naming the outer index."""
    here = os.path.dirname(os.path.realpath(index_path))
    while True:
        if os.path.isfile(os.path.join(here, MANIFEST)) and os.path.isdir(os.path.join(here, "shards")):
            raise UsageError(
                f"{index_path}: is inside the index {here}",
                hint="give a directory outside it (to add to that index, name it: "
                f"provcheck index add {here} FILE ...)",
            )
        parent = os.path.dirname(here)
        if parent == here:
            return
        here = parent


def _add(
    index_path: str,
    specs: list[AddSpec],
    config: FingerprintConfig | None,
    quiet: bool,
    workers: int,
    engine: str,
    address: str | None,
) -> None:
    check_engine(engine, address)
    _refuse_nested(index_path)
    # Every file is checked before the index is opened: a manifest naming a missing file (or a
    # folder) left a new index half made (a lock and an empty shards folder) that every scan
    # then refused as "not a provcheck index yet" (adversarial pass 11).
    for spec in specs:
        if os.path.isdir(spec.path):
            raise UsageError(f"{spec.path}: is a directory; name each file of a source (one entry per file)")
        if not os.path.isfile(spec.path):
            raise UsageError(f"{spec.path}: no such file")
    errors = 0
    with IndexWriter(index_path, config) as writer:
        for spec in specs:
            progress = StderrProgress(not quiet, label="indexing")
            started = time.perf_counter()
            try:
                report = add_file(
                    writer, spec, progress=progress, workers=workers, engine=engine, address=address
                )
            finally:
                progress.close()
            where = f"on Ray ({address or 'a local instance'})" if engine == "ray" else "on this machine"
            _print_report(report, time.perf_counter() - started, quiet, where)
            errors += len(report.errors)
        writer.commit()
    if errors:
        sys.exit(ExitCode.INPUT)


F = TypeVar("F", bound=Callable[..., Any])


def _building(fn: F) -> F:
    """Options every command that writes an index takes: fingerprint parameters (a new index
    only), where the work runs, and quiet."""
    for option in reversed(
        (
            click.option("--shingle-size", type=int, help="Tokens per shingle (new index only; default 5)."),
            click.option(
                "--window", type=int, help="Shingles per winnowing window (new index only; default 8)."
            ),
            click.option("--seed", type=int, help="MinHash seed (new index only; default 1)."),
            WORKERS,
            ENGINE,
            ADDRESS,
            # Not options.QUIET: an index command still prints its record errors when quiet.
            click.option("-q", "--quiet", is_flag=True, help="Errors only: no progress bar, no summary."),
        )
    ):
        fn = option(fn)
    return handle_errors(fn)


@index.command("add")
@click.argument("index_path", metavar="INDEX")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--source", "source", required=True, help="Name of the source (unique in the index).")
@click.option("--provider", help="Who operates the generating model (openai, anthropic, ...).")
@click.option("--generator", help="The generating model (gpt-4-0613, text-davinci-003, ...).")
@click.option(
    "--license",
    "license_",
    metavar="SPDX",
    help="Licence of the material (SPDX id or LicenseRef-...).",
)
@click.option("--terms", metavar="ID", help="Id of the terms of use the material is under.")
@click.option(
    "--meta",
    multiple=True,
    metavar="KEY=VALUE",
    help=(
        "Another fact (origin, derived_from, date, url...). Repeatable. basis=TEXT records where "
        "the material came from (URL or file hash), who indexed it and the evidence for its "
        "provider, generator and date; reports say 'basis not recorded' without it."
    ),
)
@options.records
@options.roles(
    "Turns that are reference material (default: the model's output: assistant, reasoning, tool_call and "
    "plain text turns)."
)
@click.option(
    "--allow-no-turns",
    is_flag=True,
    help="Add the source even when PATH yields no reference turn (otherwise an input error, exit 4).",
)
@click.option(
    "--background",
    is_flag=True,
    help="Index PATH as independent text (textbook code, public-domain texts, outputs known not to "
    "derive from any reference), not reference material: its matches are never findings, and a "
    "passage a candidate shares with it is set aside as convergence. Never for material you are "
    "not sure of: it would explain copies away.",
)
@_building
def index_add(
    index_path: str,
    path: str,
    source: str,
    provider: str | None,
    generator: str | None,
    license_: str | None,
    terms: str | None,
    meta: tuple[str, ...],
    schema: str | None,
    text_field: str | None,
    id_field: str | None,
    roles: tuple[str, ...],
    allow_no_turns: bool,
    background: bool,
    shingle_size: int | None,
    window: int | None,
    seed: int | None,
    workers: int | None,
    engine_name: str,
    address: str | None,
    quiet: bool,
) -> None:
    """Add every record of PATH to INDEX (created if missing) as material of a source."""
    for option, given in (("--provider", provider), ("--generator", generator), ("--terms", terms)):
        if given is not None and not given.strip():
            # `--provider "$PROVIDER"` with the variable unset made a source of no provider, and
            # no rule applied to its copies (adversarial pass 14).
            raise UsageError(
                f"{option}: empty value {given!r} states nothing; give it or leave the option out"
            )
    facts = _meta(meta)
    problems = source_problems(source, facts)
    if problems:
        raise UsageError(f"--source {source!r}: {problems[0]}")
    if terms is not None and (why := terms_problem(terms)) is not None:
        raise UsageError(f"--terms: {why}")
    if license_ is not None and (why := license_problem(license_)) is not None:
        raise UsageError(f"--license: {why}")
    spec = AddSpec(
        path=path,
        source=SourceInfo(
            name=SourceName(source),
            provider=provider,
            generator=generator,
            license=license_,
            terms=terms,
            meta=facts,
            background=background,
        ),
        options=RecordOptions(schema=schema or "auto", text_field=text_field, id_field=id_field),
        roles=RoleFilter.parse(roles) if roles else MODEL_TURNS,
        allow_no_turns=allow_no_turns,
    )
    _add(
        index_path,
        [spec],
        _fingerprint_config(shingle_size, window, seed),
        quiet,
        workers or default_workers(),
        engine_name,
        address,
    )


@index.command("build")
@click.argument("index_path", metavar="INDEX")
@click.option(
    "--sources",
    "sources_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="YAML manifest of files and their sources.",
)
@_building
def index_build(
    index_path: str,
    sources_file: str,
    shingle_size: int | None,
    window: int | None,
    seed: int | None,
    workers: int | None,
    engine_name: str,
    address: str | None,
    quiet: bool,
) -> None:
    """Add every file listed in a sources manifest to INDEX."""
    specs = load_sources(sources_file)
    config = _fingerprint_config(shingle_size, window, seed)
    _add(index_path, specs, config, quiet, workers or default_workers(), engine_name, address)


def _info(idx: ReferenceIndex) -> dict[str, Any]:
    m = idx.manifest
    return {
        "path": idx.path,
        "created": m.created,
        "updated": m.updated,
        "tool": m.tool,
        "signature": m.fingerprint.signature,
        "fingerprint": m.fingerprint.to_dict(),
        "digest": idx.digest,
        "shards": len(m.shards),
        "texts": sum(s.texts for s in m.shards),
        "references": sum(s.refs for s in m.shards),
        "anchors": sum(s.anchors for s in m.shards),
        "size_bytes": idx.size_on_disk(),
        "size_by_component": idx.size_by_component(),
        "sources": {
            name: {
                "provider": e.info.provider,
                "generator": e.info.generator,
                "license": e.info.license,
                "terms": e.info.terms,
                "meta": dict(e.info.meta),
                "role": "background" if e.info.background else "reference",
                "records": e.records,
                "turns": e.turns,
                "files": e.files,
            }
            for name, e in m.sources.items()
        },
    }


def _per_reference(info: dict[str, Any]) -> str:
    """`` (1,612 bytes per reference: text 610, codes 600, ...)``; empty for an empty index."""
    refs = info["references"]
    if not refs:
        return ""
    parts = ", ".join(f"{name} {size / refs:,.0f}" for name, size in info["size_by_component"].items())
    return f" ({info['size_bytes'] / refs:,.0f} bytes per reference: {parts})"


@index.command("info")
@click.argument("index_path", metavar="INDEX")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def index_info(index_path: str, fmt: str) -> None:
    """Sources, record counts, parameters and size of INDEX."""
    info = _info(ReferenceIndex(index_path))
    if fmt == "json":
        click.echo(json.dumps(info, indent=2))
        return
    # rich is imported here, by the one command that draws a table: `index add` has no use
    # for it (~30 ms of its start-up).
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False)
    for col in ("source", "role", "provider", "generator", "license", "terms"):
        # Names are identifiers: never folded or cut, whatever the terminal's width.
        table.add_column(col, no_wrap=True)
    for col in ("records", "turns"):
        table.add_column(col, no_wrap=True, justify="right")
    cells: list[list[str]] = []
    for name, src in info["sources"].items():
        cells.append(
            [
                printable(name),
                src["role"],
                *(printable(src[k] or "") for k in ("provider", "generator", "license", "terms")),
                f"{src['records']:,}",
                f"{src['turns']:,}",
            ]
        )
        table.add_row(*(Text(c) for c in cells[-1]))
    need = sum(
        max([len(str(c.header)), *(len(row[i]) for row in cells)]) + 3 for i, c in enumerate(table.columns)
    )
    width = max(shutil.get_terminal_size((80, 24)).columns, need)
    console = Console(file=sys.stdout, highlight=False, emoji=False, soft_wrap=True, width=width)
    lines = [
        f"index       {info['path']}",
        f"parameters  {info['signature']}",
        f"content     {info['references']:,} reference turns, {info['texts']:,} distinct texts, "
        f"{info['anchors']:,} anchors in {info['shards']} shard(s)",
        f"size        {info['size_bytes'] / 2**20:,.1f} MiB on disk{_per_reference(info)}",
        f"updated     {info['updated']} (created {info['created']} by {info['tool']})",
        f"digest      {info['digest']}",
    ]
    for line in lines:
        console.print(printable(line), markup=False)
    console.print(table)
    # What each source's records held that is not reference material (prompts, extra fields,
    # ids...): an answer kept under a key of its own is never matched, and says so here.
    for name, src in info["sources"].items():
        console.print(printable(f"{name}: {not_taken_text(_not_taken(src['files']))}"), markup=False)


def _not_taken(files: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """A source's ``not_taken`` entries over its files; None if a file has none (added by an
    earlier provcheck, which did not count them)."""
    if any("not_taken" not in f for f in files):
        return None
    totals: Counter[tuple[str, str]] = Counter()
    for f in files:
        for e in f["not_taken"]:
            totals[(str(e["reason"]), str(e["field"]))] += int(e["strings"])
    return not_taken_list(totals)


@index.command("verify")
@click.argument("index_path", metavar="INDEX")
@handle_errors
def index_verify(index_path: str) -> None:
    """Recompute every checksum of INDEX; exit 5 if anything is damaged."""
    bad = damaged(index_path)
    if bad:
        raise IndexCorruptError(
            "checksum mismatch: " + ", ".join(bad), hint="restore the index or rebuild it"
        )
    idx = ReferenceIndex(index_path, check_digests=False)
    stderr.print(printable(f"{index_path}: {len(idx.shards)} shard(s), every checksum matches"), markup=False)
