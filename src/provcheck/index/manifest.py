"""The index manifest: parameters, sources and shards, written atomically.

The manifest is the index's single point of truth. Shards are immutable directories; a write
builds new shards beside the old ones and then replaces ``manifest.json`` in one ``rename``,
so a reader sees either the old or the new index, and an interrupted write leaves the old one
intact (its leftovers are removed by the next writer).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import xxhash

from provcheck.errors import IndexCorruptError, IndexMismatchError, ProvcheckError, ReferenceIndexError
from provcheck.matching.params import CODE_VERSION, TOKENIZER_VERSION, FingerprintConfig
from provcheck.model import SourceInfo, SourceName
from provcheck.support import atomic

FORMAT = "provcheck-index"
FORMAT_VERSION = 3
"""2: texts and reference records in zstd blocks, token codes in 2.5 bytes (``shard``); 3: each
text's smallest token-trigram hashes, the candidate route for copies with dense word edits
(``matching.trigrams``). An index of an older version is refused with a request to rebuild it."""
MANIFEST = "manifest.json"


@dataclass(slots=True)
class FileEntry:
    """One file of a shard, with what it must look like."""

    size: int
    xxh3: str


@dataclass(slots=True)
class ShardEntry:
    """One immutable shard directory."""

    name: str
    texts: int
    refs: int
    anchors: int
    files: dict[str, FileEntry]


@dataclass(slots=True)
class SourceEntry:
    """A source and what has been added of it."""

    info: SourceInfo
    records: int = 0
    turns: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Manifest:
    """Everything about an index except its arrays and texts."""

    fingerprint: FingerprintConfig
    created: str
    updated: str
    tool: str
    sources: dict[str, SourceEntry] = field(default_factory=dict)
    shards: list[ShardEntry] = field(default_factory=list)
    generation: int = 0
    """Incremented by every write; part of shard names."""

    @property
    def digest(self) -> str:
        """Identifies the index content: equal digests, equal answers."""
        h = xxhash.xxh3_128()
        h.update(self.fingerprint.signature.encode())
        for shard in self.shards:
            for name in sorted(shard.files):
                h.update(f"{shard.name}/{name}:{shard.files[name].xxh3}".encode())
        h.update(json.dumps(_sources_json(self.sources), sort_keys=True).encode())
        return h.hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The manifest as stored, without its own checksum."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "tool": self.tool,
            "created": self.created,
            "updated": self.updated,
            "generation": self.generation,
            "fingerprint": self.fingerprint.to_dict(),
            "signature": self.fingerprint.signature,
            "sources": _sources_json(self.sources),
            "shards": [
                {
                    "name": s.name,
                    "texts": s.texts,
                    "refs": s.refs,
                    "anchors": s.anchors,
                    "files": {n: {"size": f.size, "xxh3": f.xxh3} for n, f in s.files.items()},
                }
                for s in self.shards
            ],
        }


def _sources_json(sources: dict[str, SourceEntry]) -> dict[str, Any]:
    out = {}
    for name, entry in sources.items():
        info = entry.info
        out[name] = {
            "provider": info.provider,
            "generator": info.generator,
            "license": info.license,
            "terms": info.terms,
            "meta": dict(info.meta),
            # Written only when set: the manifests (and checksums) of every other index stay as
            # they were, and an index without the key holds reference material only.
            **({"background": True} if info.background else {}),
            "records": entry.records,
            "turns": entry.turns,
            "files": entry.files,
        }
    return out


def _checksum(body: dict[str, Any]) -> str:
    return xxhash.xxh3_64_hexdigest(json.dumps(body, sort_keys=True).encode())


REBUILD_HINT = (
    "rebuild the index with this version of provcheck: `provcheck index add NEW_INDEX FILE "
    "--source NAME` for each file (the old index's manifest.json lists them under 'sources'), "
    "or `provcheck index build NEW_INDEX --sources SOURCES.yaml`"
)
"""What an index written by an earlier provcheck is refused with: the commands that rebuild it."""


def write(directory: str, manifest: Manifest) -> None:
    """Replace the manifest atomically (write, fsync, rename, fsync the directory)."""
    body = manifest.to_json()
    body["checksum"] = _checksum(body)
    text = json.dumps(body, indent=1, sort_keys=False) + "\n"
    atomic.write_text(os.path.join(directory, MANIFEST), text, durable=True)


fsync_dir = atomic.fsync_dir


def is_zip(path: str) -> bool:
    """A file that is a zip, as a fingerprint pack is: named in the errors of commands that
    take an index directory, so that ``index info PACK`` points to ``pack info``."""
    import zipfile  # stdlib; only on this error path

    try:
        return os.path.isfile(path) and zipfile.is_zipfile(path)
    except OSError:
        return False


def read(directory: str) -> Manifest:
    """Load and check the manifest of the index at ``directory``."""
    path = os.path.join(directory, MANIFEST)
    if not os.path.isdir(directory):
        if is_zip(directory):
            raise ReferenceIndexError(
                f"{directory}: a fingerprint pack (a zip file), not an index directory",
                hint=f"show what it holds with: provcheck pack info {directory}; "
                f"scan with it: provcheck scan DATA --index {directory}",
            )
        raise ReferenceIndexError(
            f"{directory}: no index here (not a directory)",
            hint=f"create one with: provcheck index add {directory} DATA --source NAME",
        )
    try:
        with open(path, encoding="utf-8") as fh:
            body = json.load(fh)
    except FileNotFoundError:
        if os.path.isdir(os.path.join(directory, "shards")):
            raise ReferenceIndexError(
                f"{directory}: not a provcheck index yet (no {MANIFEST}): its first `index add` "
                "did not finish",
                hint=f"run that `provcheck index add {directory} ...` again",
            ) from None
        raise ReferenceIndexError(
            f"{directory}: not a provcheck index (no {MANIFEST})",
            hint=f"create one with: provcheck index add {directory} DATA --source NAME",
        ) from None
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"{path}: unreadable manifest: {exc}") from exc
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise IndexCorruptError(f"{path}: not a provcheck index manifest")
    version = body.get("format_version")
    if version != FORMAT_VERSION:
        older = isinstance(version, int) and version < FORMAT_VERSION
        raise IndexMismatchError(
            f"{directory}: index format version {version}; this provcheck reads version "
            f"{FORMAT_VERSION}"
            + (
                " (it keeps token-trigram hashes, which find copies with one word in every few replaced)"
                if older
                else ""
            ),
            hint=REBUILD_HINT
            if older
            else "use the provcheck version that wrote this index, or rebuild the index",
        )
    stored = body.pop("checksum", None)
    if stored != _checksum(body):
        raise IndexCorruptError(
            f"{path}: manifest checksum mismatch: the file was modified or damaged",
            hint="restore the index from a backup or rebuild it",
        )
    try:
        manifest = _parse(body)
    except (KeyError, TypeError, ValueError, ProvcheckError) as exc:
        raise IndexCorruptError(f"{path}: malformed manifest: {exc!r}") from exc
    if manifest.fingerprint.tokenizer != TOKENIZER_VERSION:
        raise IndexMismatchError(
            f"{directory}: built with tokenizer version {manifest.fingerprint.tokenizer}; "
            f"this provcheck tokenizes with version {TOKENIZER_VERSION}, so its fingerprints "
            "would not match the index's",
            hint=REBUILD_HINT,
        )
    if manifest.fingerprint.code != CODE_VERSION:
        raise IndexMismatchError(
            f"{directory}: built with code anchors version {manifest.fingerprint.code}; this "
            f"provcheck fingerprints code with version {CODE_VERSION} (copies with identifiers "
            "renamed are found only through them)",
            hint=REBUILD_HINT,
        )
    return manifest


def index_inputs(directory: str) -> list[str]:
    """The files an index was built from and the sources manifests that listed them, as paths
    to resolve from the current folder (absolute where the index recorded them so).

    For the gate (``cli/hook.refuse_gate_changes``): an index built in CI from the checkout's
    ``sources.yaml`` lacks the source a pull request removes from it, so that change loosens
    the gate as a policy change does. Read without the manifest's checks: a damaged index is
    refused where it is opened, with its own error; here it gives nothing.
    """
    try:
        with open(os.path.join(directory, MANIFEST), encoding="utf-8") as f:
            body = json.load(f)
        paths: list[str] = []
        for source in body["sources"].values():
            for entry in source["files"]:
                paths += [str(entry.get("abspath") or entry["path"])]
                paths += [str(entry["listed_in"])] if entry.get("listed_in") else []
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    return list(dict.fromkeys(paths))


def _parse(body: dict[str, Any]) -> Manifest:
    sources = {}
    for name, s in body["sources"].items():
        info = SourceInfo(
            name=SourceName(name),
            provider=s.get("provider"),
            generator=s.get("generator"),
            license=s.get("license"),
            terms=s.get("terms"),
            meta=dict(s.get("meta") or {}),
            background=s.get("background") is True,
        )
        sources[name] = SourceEntry(info, int(s["records"]), int(s["turns"]), list(s["files"]))
    shards = [
        ShardEntry(
            name=str(s["name"]),
            texts=int(s["texts"]),
            refs=int(s["refs"]),
            anchors=int(s["anchors"]),
            files={n: FileEntry(int(f["size"]), str(f["xxh3"])) for n, f in s["files"].items()},
        )
        for s in body["shards"]
    ]
    return Manifest(
        fingerprint=FingerprintConfig.from_dict(body["fingerprint"]),
        created=str(body["created"]),
        updated=str(body["updated"]),
        tool=str(body["tool"]),
        sources=sources,
        shards=shards,
        generation=int(body.get("generation", 0)),
    )
