"""``provcheck index``: build and inspect reference indexes."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from provcheck.cli.common import ADDRESS, ENGINE, StderrProgress, format_error, handle_errors, stderr
from provcheck.errors import ExitCode, IndexCorruptError, UsageError
from provcheck.index import IndexWriter, ReferenceIndex, damaged
from provcheck.ingest import AddReport, AddSpec, add_file, load_sources
from provcheck.inputs.schemas import SCHEMAS, RecordOptions
from provcheck.matching.params import FingerprintConfig
from provcheck.matching.segment import MODEL_TURNS, RoleFilter
from provcheck.model import SourceInfo, SourceName
from provcheck.runtime.executors import default_workers

SCHEMA_CHOICES = click.Choice(["auto", *SCHEMAS])
WORKERS = click.option(
    "-j",
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes computing fingerprints (default: all cores; small files use one).",
)


@click.group()
def index() -> None:
    """Build and inspect reference indexes (directories of fingerprinted known sources)."""


def _meta(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--meta {item!r}: expected KEY=VALUE")
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


def _print_report(report: AddReport, seconds: float, quiet: bool) -> None:
    for err in report.errors[:50]:
        stderr.print(format_error(err), markup=False)
    if len(report.errors) > 50:
        stderr.print(f"... and {len(report.errors) - 50} more errors", markup=False)
    if quiet:
        return
    rate = report.records / seconds if seconds > 0 else 0
    stderr.print(
        f"added {report.path}: {report.records:,} records, {report.turns:,} reference turns "
        f"({report.texts:,} distinct texts) to source {report.source!r}"
        + (f", {report.skipped} turns without words skipped" if report.skipped else "")
        + (f", {len(report.errors)} unreadable" if report.errors else "")
        + f" in {seconds:.1f} s ({rate:,.0f} records/s)",
        markup=False,
    )


def _add(
    index_path: str,
    specs: list[AddSpec],
    config: FingerprintConfig | None,
    quiet: bool,
    workers: int,
    engine: str = "local",
    address: str | None = None,
) -> None:
    errors = 0
    with IndexWriter(index_path, config) as writer:
        for spec in specs:
            if not os.path.isfile(spec.path):
                raise UsageError(f"{spec.path}: no such file")
            progress = StderrProgress(not quiet, label="indexing")
            started = time.perf_counter()
            try:
                report = add_file(
                    writer, spec, progress=progress, workers=workers, engine=engine, address=address
                )
            finally:
                progress.close()
            _print_report(report, time.perf_counter() - started, quiet)
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
    help="Another fact (origin, derived_from, date, url...). Repeatable.",
)
@click.option(
    "--schema",
    type=SCHEMA_CHOICES,
    default="auto",
    show_default=True,
    help="Record schema; detected per record by default.",
)
@click.option("--text-field", metavar="FIELD", help="Read only this (dotted) field as the text.")
@click.option("--id-field", metavar="FIELD", help="Field holding record ids (default: id).")
@click.option(
    "--roles",
    multiple=True,
    metavar="R,...",
    help="Turns that are reference material (default: the model's turns).",
)
@click.option(
    "--allow-no-turns",
    is_flag=True,
    help="Add the source even when PATH yields no reference turn (otherwise an input error, exit 4).",
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
    schema: str,
    text_field: str | None,
    id_field: str | None,
    roles: tuple[str, ...],
    allow_no_turns: bool,
    shingle_size: int | None,
    window: int | None,
    seed: int | None,
    workers: int | None,
    engine_name: str,
    address: str | None,
    quiet: bool,
) -> None:
    """Add every record of PATH to INDEX (created if missing) as material of a source."""
    spec = AddSpec(
        path=path,
        source=SourceInfo(
            name=SourceName(source),
            provider=provider,
            generator=generator,
            license=license_,
            terms=terms,
            meta=_meta(meta),
        ),
        options=RecordOptions(schema=schema, text_field=text_field, id_field=id_field),
        roles=RoleFilter.parse(roles) if roles else MODEL_TURNS,
        allow_no_turns=allow_no_turns,
    )
    _add(
        index_path,
        [spec],
        _fingerprint_config(shingle_size, window, seed),
        quiet,
        workers or default_workers(),
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
        "sources": {
            name: {
                "provider": e.info.provider,
                "generator": e.info.generator,
                "license": e.info.license,
                "terms": e.info.terms,
                "meta": dict(e.info.meta),
                "records": e.records,
                "turns": e.turns,
                "files": e.files,
            }
            for name, e in m.sources.items()
        },
    }


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
    console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    lines = [
        f"index       {info['path']}",
        f"parameters  {info['signature']}",
        f"content     {info['references']:,} reference turns, {info['texts']:,} distinct texts, "
        f"{info['anchors']:,} anchors in {info['shards']} shard(s)",
        f"size        {info['size_bytes'] / 2**20:,.1f} MiB on disk",
        f"updated     {info['updated']} (created {info['created']} by {info['tool']})",
        f"digest      {info['digest']}",
    ]
    for line in lines:
        console.print(line, markup=False)
    table = Table(show_edge=False)
    for col in ("source", "provider", "generator", "license", "terms", "records", "turns"):
        table.add_column(col)
    for name, src in info["sources"].items():
        table.add_row(
            escape(name),
            *(escape(src[k] or "") for k in ("provider", "generator", "license", "terms")),
            f"{src['records']:,}",
            f"{src['turns']:,}",
        )
    console.print(table)


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
    idx = ReferenceIndex(index_path, verify=False)
    stderr.print(f"{index_path}: {len(idx.shards)} shard(s), every checksum matches", markup=False)
