"""``provcheck pack``: publish an index as a fingerprint pack (no reference text), inspect one."""

from __future__ import annotations

import json
import os
import zipfile

import click

from provcheck.cli import CheckedGroup
from provcheck.cli.common import handle_errors, stderr
from provcheck.errors import UsageError
from provcheck.index import ReferenceIndex
from provcheck.index.pack import DEFAULT_NGRAM, KEY_ENV, MANIFEST, Pack, create, env_key, is_pack, parse_key
from provcheck.report.terminal import printable
from provcheck.support import atomic


@click.group(cls=CheckedGroup)
def pack() -> None:
    """Fingerprint packs: match against references whose text is never shared (docs/packs.md)."""


@pack.command("create")
@click.argument("index_path", metavar="INDEX")
@click.option("-o", "--output", "out", required=True, metavar="PACK", help="The pack file to write.")
@click.option(
    "--publisher", required=True, help="Who publishes the pack (stored in it, shown in every report)."
)
@click.option(
    "--ngram",
    type=int,
    default=DEFAULT_NGRAM,
    show_default=True,
    help="Tokens hashed into each stored code (2-8); more reveals less and misses more of heavily "
    "edited copies.",
)
@click.option(
    "--keyed",
    is_flag=True,
    help=f"Key codes and anchors with the secret in {KEY_ENV} (hex, at least 16 bytes): only scanners "
    "given the key can match, and nobody without it can test guesses against the pack.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@handle_errors
def pack_create(index_path: str, out: str, publisher: str, ngram: int, keyed: bool, quiet: bool) -> None:
    """Write the fingerprint pack of INDEX to PACK: what matching needs, and no reference text."""
    key = None
    if keyed:
        key = env_key()
        if key is None:
            raise UsageError(
                f"--keyed needs the key in {KEY_ENV} (hex)", hint="generate one: openssl rand -hex 32"
            )
    elif os.environ.get(KEY_ENV):
        parse_key(os.environ[KEY_ENV])  # a malformed key is refused even when unused
        raise UsageError(
            f"{KEY_ENV} is set but --keyed is not given: the pack would be unkeyed",
            hint=f"add --keyed, or unset {KEY_ENV}",
        )
    if os.path.exists(out) and (os.path.isdir(out) or atomic.same_file(out, index_path)):
        raise UsageError(f"--output {out}: is a directory (an index?); give a new file name for the pack")
    if os.path.isfile(out) and os.path.isdir(index_path):
        root, target = os.path.realpath(index_path), os.path.realpath(out)
        if os.path.commonpath([root, target]) == root:
            raise UsageError(f"--output {out} is a file of the index {index_path}: the pack would replace it")
    if is_pack(index_path):
        raise UsageError(f"{index_path}: is a pack already; `pack create` reads an index")
    if os.path.isfile(out) and not _holds_pack(out):
        # Replacing a pack with a new one is what re-running does; any other file (the JSON
        # Lines the index was built from, a report, another zip) would be lost without a word.
        raise UsageError(
            f"--output {out}: exists and is not a pack; `pack create` replaces only a pack",
            hint="give a new file name, or remove the file first",
        )
    index = ReferenceIndex(index_path)
    summary = create(index, out, publisher, ngram=ngram, key=key)
    if not quiet:
        per = summary.size / summary.texts if summary.texts else 0.0
        stderr.print(
            printable(
                f"wrote {summary.path}: {summary.texts:,} reference texts ({summary.refs:,} records), "
                f"{summary.size:,} bytes ({per:,.0f} per text), no reference text; digest "
                f"sha256:{summary.digest}"
            ),
            markup=False,
        )


def _holds_pack(path: str) -> bool:
    """A zip holding a pack's manifest (any other zip is someone's data)."""
    if not is_pack(path):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return MANIFEST in zf.namelist()
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile):
        return False


@pack.command("info")
@click.argument("pack_path", metavar="PACK")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def pack_info(pack_path: str, fmt: str) -> None:
    """Check PACK whole (exit 5 when damaged or modified) and show its publisher, date, sources."""
    p = Pack(pack_path, env_key())
    body = p.body
    info = {
        "path": pack_path,
        "digest": p.digest,
        "publisher": body["publisher"],
        "created": body["created"],
        "tool": body["tool"],
        "signature": body["signature"],
        "ngram": p.ngram,
        "keyed": p.keyed,
        "texts": body["texts"],
        "references": body["refs"],
        "anchors": body["anchors"],
        "size_bytes": p.size(),
        "sources": body["sources"],
    }
    if fmt == "json":
        click.echo(json.dumps(info, indent=2))
        return
    lines = [
        f"pack        {pack_path}",
        f"publisher   {info['publisher']} (created {info['created']} by {info['tool']})",
        f"digest      sha256:{info['digest']} (every member checked)",
        f"parameters  {info['signature']}, {p.ngram}-gram codes{', keyed' if p.keyed else ''}",
        f"content     {info['references']:,} reference records, {info['texts']:,} texts, no reference text",
        f"size        {info['size_bytes']:,} bytes",
    ]
    for name, src in body["sources"].items():
        facts = ", ".join(
            f"{k} {src[k]}" for k in ("provider", "generator", "license", "terms") if src.get(k)
        )
        lines.append(f"source      {name}: {src['records']:,} records" + (f" ({facts})" if facts else ""))
    for line in lines:
        click.echo(printable(line))
