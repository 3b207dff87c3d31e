"""What a dataset declares about itself: a dataset card's front matter, a ``provenance.yaml``.

Both are looked for beside the scanned data: in the directory of each scanned file and its
parents up to the directory given on the command line (for a file given directly, its own
directory), and above that in every folder up to the top of the git working tree (the file
system's root outside git) that holds a card or a manifest. A card is a ``README.md`` that
starts with YAML front matter (the Hugging Face
convention); its ``license`` (with ``license_name`` when it is ``other``) and
``source_datasets`` are read, and ``date`` (when the data was generated) where a card gives one;
other keys are ignored (keys written ``License:`` or ``licence:`` count; UTF-16 cards are
read). A ``dataset_info.json`` (Hugging Face ``save_to_disk``) gives its ``license``.
``provenance.yaml`` (or ``.yml``) is
provcheck's own manifest and is checked strictly. A malformed file is a located
``RecordError`` (the scan goes on); a valid one yields one ``Declaration`` per value.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from provcheck.inputs.base import keep_repeated_keys
from provcheck.model import Declaration, ErrorKind, RecordError
from provcheck.support.dates import DateError, parse_date
from provcheck.yamlfile import LineDict, LineList, YamlProblem, load, loads

CARD_NAMES = ("README.md", "readme.md", "README.MD")
"""The usual spellings; any case of ``README.md`` is a card (``is_card_name``)."""
MANIFEST_NAMES = ("provenance.yaml", "provenance.yml")
"""Likewise, in any case (``is_manifest_name``)."""


def is_card_name(name: str) -> bool:
    """``README.md`` in any case: ``Readme.md`` is a card on a case-insensitive disk (macOS,
    Windows), and a CI runner on Linux ignored its licence (a CC BY-NC dataset passed a
    commercial gate there, adversarial pass 11)."""
    return name.casefold() == "readme.md"


def is_manifest_name(name: str) -> bool:
    """``provenance.yaml``/``.yml`` in any case (see ``is_card_name``)."""
    return name.casefold() in MANIFEST_NAMES


def _named(folder: str, test: Callable[[str], bool]) -> list[str]:
    """The names in ``folder`` that pass ``test``, sorted (none when it cannot be listed)."""
    try:
        return sorted(n for n in os.listdir(folder) if test(n))
    except OSError:
        return []


INFO_NAMES = ("dataset_info.json",)
"""What Hugging Face ``save_to_disk`` writes beside its ``.arrow`` files; its ``license`` is a
declaration like a card's (the rest is metadata, listed as not scanned)."""
MAX_INFO_BYTES = 16 * 2**20
MAX_CARD_BYTES = 1 * 2**20
"""Dataset cards are read up to this size (front matter is at the top)."""

CARD_BODY = "dataset card, only its front matter read (name it to scan the rest)"
"""Why a card found under a scanned folder is listed in ``not_scanned``: its text is not read as
data (a card quoting the phrases its builders filtered out, as ShareGPT's does, would be a
marker finding on every scan), but it is counted, so that text kept there is not dropped in
silence. A card named on the command line is scanned as text."""

CARD_KEYS = ("license", "source_datasets", "date")
MANIFEST_KEYS = {
    "license": "an SPDX id or a list of them (the data's licence)",
    "source_datasets": "dataset ids the data was derived from (e.g. tatsu-lab/alpaca)",
    "provider": "who operates the model that generated the data (openai, anthropic...)",
    "generator": "the model that generated the data",
    "terms": "id of the terms of use the generated data is subject to",
    "origin": "generated, human, derived or mixed",
    "date": "when the data was generated or collected (YYYY-MM-DD)",
    "description": "free text (not evaluated)",
}
_ORIGINS = ("generated", "human", "derived", "mixed")


def is_card(fs_path: str) -> bool:
    """True for a ``README.md`` that opens with YAML front matter (metadata, not data)."""
    if not is_card_name(os.path.basename(fs_path)):
        return False
    try:
        with open(fs_path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    return _decode_head(head).startswith("---")


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
"""What Windows PowerShell 5's ``>`` writes: a UTF-16 card was never taken for a card."""


def _decode_head(data: bytes) -> str:
    """A card's bytes as text: UTF-16 after its byte order mark, else UTF-8 (BOM dropped)."""
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def declaring_dirs(files: Iterable[tuple[str, str]], given: Sequence[str]) -> list[tuple[str, str]]:
    """``(display, filesystem)`` directories whose declarations cover the scanned ``files``.

    ``files`` are the scanned files as ``discover`` yields them; ``given`` the paths on the
    command line. Directories are listed once, nearest to the root first.
    """
    roots = [(g, os.path.isdir(g)) for g in given]
    found: dict[str, str] = {}
    for display, fs_path in files:
        root = next((g for g, is_dir in roots if is_dir and _under(display, g)), None)
        d_display, d_fs = os.path.dirname(display) or ".", os.path.dirname(fs_path) or "."
        while True:
            found.setdefault(d_display, d_fs)
            if root is None or os.path.normpath(d_display) == os.path.normpath(root):
                break
            parent = os.path.dirname(d_display)
            if not parent or parent == d_display or not _under(parent, root):
                break
            d_display, d_fs = parent, os.path.dirname(d_fs)
        for a_display, a_fs in _ancestors(d_display, d_fs):
            found.setdefault(a_display, a_fs)
    return sorted(found.items(), key=lambda kv: (kv[0].count(os.sep), kv[0]))


def _ancestors(display: str, fs_dir: str) -> Iterable[tuple[str, str]]:
    """The folders above ``fs_dir`` whose cards and manifests also cover it: up to the top of
    its git working tree (a folder holding ``.git``), else up to the file system's root.

    A Hugging Face dataset keeps its card at the top and its files in ``data/``: ``provcheck
    scan ds/data`` (or one file of it) read no card, and a dataset declaring ``license:
    cc-by-nc-4.0`` passed a commercial gate that ``provcheck scan ds`` blocks. Only a
    ``README.md`` opening with front matter or a ``provenance.yaml`` is read from these folders.
    """
    here = os.path.abspath(fs_dir)
    while not os.path.exists(os.path.join(here, ".git")):
        parent = os.path.dirname(here)
        if parent == here:
            return
        display = os.path.normpath(os.path.join(display, os.pardir))
        here = parent
        if _declares(here):
            yield display, here


def _declares(folder: str) -> bool:
    """True when ``folder`` holds a dataset card or a manifest."""
    return any(is_card(os.path.join(folder, n)) for n in _named(folder, is_card_name)) or any(
        os.path.isfile(os.path.join(folder, n)) for n in (*_named(folder, is_manifest_name), *INFO_NAMES)
    )


def _under(path: str, root: str) -> bool:
    path, root = os.path.normpath(path), os.path.normpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep) or root == "."


def read_declarations(directories: Iterable[tuple[str, str]]) -> tuple[list[Declaration], list[RecordError]]:
    """Declarations of the cards and manifests in ``directories``, and their problems."""
    declarations: list[Declaration] = []
    errors: list[RecordError] = []
    for display, fs_dir in directories:
        # Every card and manifest of the folder is read: reading the first only dropped a
        # `readme.md` beside `README.md` (listed as "only its front matter read") and a
        # `provenance.yml` beside `provenance.yaml` without a word. One file under two names
        # (a case-insensitive file system) is read once.
        seen: set[tuple[int, int]] = set()
        for name in _named(fs_dir, is_card_name):
            path = os.path.join(fs_dir, name)
            if is_card(path) and _first_time(path, seen):
                _digested(_card, os.path.join(display, name), path, display, declarations, errors)
        for name in _named(fs_dir, is_manifest_name):
            path = os.path.join(fs_dir, name)
            if os.path.isfile(path) and _first_time(path, seen):
                _digested(_manifest, os.path.join(display, name), path, display, declarations, errors)
        for name in INFO_NAMES:
            path = os.path.join(fs_dir, name)
            if os.path.isfile(path) and _first_time(path, seen):
                _digested(_info, os.path.join(display, name), path, display, declarations, errors)
    return declarations, errors


_Reader = Callable[[str, str, str, list[Declaration], list[RecordError]], None]


def _digested(
    read: _Reader, display: str, fs_path: str, dataset: str, out: list[Declaration], errors: list[RecordError]
) -> None:
    """``read`` the file's declarations into ``out``, each with the SHA-256 of the file's bytes
    (hashed first): the decision covers "the dataset files listed, with their digests", and a
    card whose declarations are findings was listed without one (counsel 12's note)."""
    try:
        digest = hashlib.sha256()
        with open(fs_path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        sha256: str | None = digest.hexdigest()
    except OSError:
        sha256 = None  # reading it reports the problem
    start = len(out)
    read(display, fs_path, dataset, out, errors)
    out[start:] = [dataclasses.replace(d, sha256=sha256) for d in out[start:]]


def _info(
    display: str, fs_path: str, dataset: str, out: list[Declaration], errors: list[RecordError]
) -> None:
    """The ``license`` of a ``dataset_info.json`` (empty when the builder gave none)."""
    try:
        with open(fs_path, "rb") as fh:
            data = fh.read(MAX_INFO_BYTES + 1)
    except OSError as exc:
        errors.append(RecordError(display, ErrorKind.FILE, f"cannot read: {exc.strerror or exc}"))
        return
    if len(data) > MAX_INFO_BYTES:
        errors.append(
            RecordError(
                display, ErrorKind.LIMIT, f"over {MAX_INFO_BYTES >> 20} MiB: its licence was not read"
            )
        )
        return
    try:
        # Every `license` of the object: `json` keeps the last of a key written twice, and an
        # empty second one hid a CC BY-NC first (adversarial pass 20).
        doc = json.loads(data, object_pairs_hook=keep_repeated_keys)
    except ValueError as exc:
        errors.append(RecordError(display, ErrorKind.PARSE, f"not JSON ({exc}): its licence was not read"))
        return
    keys = (
        [k for k in doc if k == "license" or k.startswith("license (key ")] if isinstance(doc, dict) else ()
    )
    at = -1
    for key in keys:
        value = doc[key]
        at = data.find(b'"license"', at + 1)
        line = data[:at].count(b"\n") + 1 if at >= 0 else 1
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str):
            problem = "'license' must be a string"
            errors.append(RecordError(display, ErrorKind.SCHEMA, problem, line=line, field="license"))
            continue
        out.append(Declaration(display, line, "license", value.strip(), dataset))


def _first_time(path: str, seen: set[tuple[int, int]]) -> bool:
    """False when ``path`` is a file already in ``seen`` (by device and inode), else adds it."""
    try:
        st = os.stat(path)
    except OSError:
        return True  # reading it reports the problem
    key = (st.st_dev, st.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def _front_matter(fs_path: str) -> str | None:
    with open(fs_path, "rb") as fh:
        data = fh.read(MAX_CARD_BYTES)
    text = _decode_head(data).replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            # Keep line numbers: the YAML starts on line 2 of the file.
            return "\n" + "\n".join(lines[1:i]) + "\n"
    return None


def _card(
    display: str, fs_path: str, dataset: str, out: list[Declaration], errors: list[RecordError]
) -> None:
    try:
        text = _front_matter(fs_path)
    except OSError as exc:
        errors.append(RecordError(display, ErrorKind.FILE, f"cannot read: {exc.strerror or exc}"))
        return
    if text is None:
        errors.append(
            RecordError(display, ErrorKind.PARSE, "front matter opened with '---' is never closed", line=1)
        )
        return
    try:
        doc = loads(text, display)
    except YamlProblem as exc:
        errors.append(RecordError(display, ErrorKind.PARSE, exc.message, line=exc.line))
        return
    if doc is None:
        return
    if not isinstance(doc, LineDict):
        errors.append(RecordError(display, ErrorKind.SCHEMA, "front matter is not a mapping", line=2))
        return
    read: list[tuple[str, str, Any]] = []
    for key in ("license", "source_datasets"):
        for written in _spellings(doc, key):
            value = doc[written]
            name = next((doc[n] for n in _spellings(doc, "license_name")), None)
            if key == "license" and value == "other" and isinstance(name, str) and name.strip():
                # A LicenseRef- id has no spaces: "Our Research Licence" would read as three ids.
                value = "LicenseRef-" + "-".join(name.split())
            read.append((key, written, value))
    for key, written, value in read:
        if value is None:
            continue
        values = _strings(value)
        if values is None:
            errors.append(
                RecordError(
                    display,
                    ErrorKind.SCHEMA,
                    f"'{written}' must be a string or a list of strings",
                    line=doc.line_of(written),
                    field=written,
                )
            )
            continue
        for i, v in enumerate(values):
            if key == "source_datasets" and v in ("original", "extended"):
                continue  # Hugging Face's words for "no upstream" / "extends another"
            v = v.split("|", 1)[1] if key == "source_datasets" and v.startswith("extended|") else v
            out.append(Declaration(display, _item_line(doc, written, value, i), key, v, dataset))
    for written in _spellings(doc, "date"):
        try:
            date = parse_date(doc[written]).isoformat()
        except DateError as exc:
            errors.append(
                RecordError(
                    display, ErrorKind.SCHEMA, f"'{written}': {exc}", line=doc.line_of(written), field=written
                )
            )
        else:
            out.append(Declaration(display, doc.line_of(written), "date", date, dataset))


def _manifest(
    display: str, fs_path: str, dataset: str, out: list[Declaration], errors: list[RecordError]
) -> None:
    try:
        doc = load(fs_path)
    except YamlProblem as exc:
        errors.append(RecordError(display, ErrorKind.PARSE, exc.message, line=exc.line))
        return
    if doc is None:
        return
    if not isinstance(doc, LineDict):
        errors.append(RecordError(display, ErrorKind.SCHEMA, "provenance.yaml must be a mapping", line=1))
        return
    problems = 0
    found: list[Declaration] = []
    for key, value in doc.items():
        line = doc.line_of(key)
        if key not in MANIFEST_KEYS:
            allowed = ", ".join(MANIFEST_KEYS)
            errors.append(
                RecordError(
                    display,
                    ErrorKind.SCHEMA,
                    f"unknown key {key!r}; allowed: {allowed}",
                    line=line,
                    field=key,
                )
            )
            problems += 1
            continue
        if key == "description":
            continue
        if key == "date":
            try:
                date = parse_date(value).isoformat()
            except DateError as exc:
                errors.append(RecordError(display, ErrorKind.SCHEMA, f"'date': {exc}", line=line, field=key))
                problems += 1
            else:
                found.append(Declaration(display, line, key, date, dataset))
            continue
        values = _strings(value)
        single = key in ("provider", "generator", "terms", "origin")
        if values is None or (single and len(values) != 1):
            what = "a string" if single else "a string or a list of strings"
            errors.append(
                RecordError(
                    display,
                    ErrorKind.SCHEMA,
                    f"'{key}' must be {what}: {MANIFEST_KEYS[key]}",
                    line=line,
                    field=key,
                )
            )
            problems += 1
            continue
        if key == "origin" and values[0] not in _ORIGINS:
            errors.append(
                RecordError(
                    display,
                    ErrorKind.SCHEMA,
                    f"unknown origin {values[0]!r}; allowed: {', '.join(_ORIGINS)}",
                    line=line,
                    field=key,
                )
            )
            problems += 1
            continue
        for i, v in enumerate(values):
            found.append(Declaration(display, _item_line(doc, key, value, i), key, v, dataset))
    keys = {d.key for d in found}
    if not problems and "provider" not in keys and (keys & {"generator", "terms"}):
        # Rules apply to a provider's output (``source.provider: openai``): a generator or terms
        # alone matched none of them, and ``generator: gpt-4`` passed a competing-model gate with
        # no finding. Whose model it is must be said; the stricter reading refuses the file.
        named = next(d for d in found if d.key in ("generator", "terms"))
        errors.append(
            RecordError(
                display,
                ErrorKind.SCHEMA,
                f"'{named.key}: {named.value}' says whose output the data is, but no 'provider' "
                "does: no rule about a provider's output could apply, so add the provider "
                "(e.g. 'provider: openai')",
                line=named.line,
                field=named.key,
            )
        )
        problems += 1
    if not problems:
        out.extend(found)


_SPELLINGS = {
    "license": frozenset({"license", "licence", "licenses", "licences"}),
    "license_name": frozenset({"license_name", "licence_name"}),
    "source_datasets": frozenset({"source_datasets", "source_dataset", "sourcedatasets"}),
    "date": frozenset({"date"}),
}
"""How a card's keys are written by hand (``License:``, ``licence:``, ``source-datasets:``): the
Hub reads only the lower-case key, but a card that declares ``License: cc-by-nc-4.0`` declares
that licence, and ignoring it passed a commercial gate (the stricter reading)."""


def _spellings(doc: LineDict, key: str) -> list[str]:
    """The keys of ``doc`` that write ``key`` (case, hyphens and the British spelling aside)."""
    names = _SPELLINGS[key]
    return [k for k in doc if isinstance(k, str) and k.strip().casefold().replace("-", "_") in names]


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str) and value.strip():
        return [value.strip()]
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return [v.strip() for v in value]
    return None


def _item_line(doc: LineDict, key: str, value: Any, i: int) -> int:
    if isinstance(value, LineList) and i < len(value.item_lines):
        return value.item_lines[i]
    return doc.line_of(key)
