"""A copy carried in a ``data:`` URI (``data:text/plain;base64,...`` or percent-encoded) was
counted as a URL and never read: exit 0 on a copy a plain field blocks."""

from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl


def test_text_carried_in_a_data_uri_is_read_and_named(tmp_path: Path, index_dir: Path) -> None:
    b64 = base64.b64encode(REFERENCE_TEXTS[0].encode()).decode()
    pct = urllib.parse.quote(REFERENCE_TEXTS[1])
    rows = [
        {
            "text": "an answer of its own, in words nobody indexed anywhere",
            "att": f"data:text/plain;base64,{b64}",
        },
        {"text": "a note of its own", "link": f"data:text/plain;charset=utf-8,{pct}"},
        # Not text: an image, a link, a short payload; still counted as URLs.
        {
            "text": "a third note of its own",
            "img": "data:image/png;base64," + base64.b64encode(bytes(range(256))).decode(),
        },
        {"text": "a fourth note of its own", "url": "https://example.com/a%20page"},
        {"text": "a fifth note of its own", "tiny": "data:,Hello%20world"},
    ]
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    doc = json.loads(run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", "-f", "json"]).stdout)
    found = {m["record"]["index"]: m["record"]["turn"]["field"] for m in doc["matches"]}
    assert found == {0: "att#base64", 1: "link#data-uri"}
    skipped = {c["field"]: c["reason"] for c in doc["files"][0]["fields"]["skipped"]}
    assert skipped == {"img": "url", "url": "url", "tiny": "url"}


def test_base64_wrapped_at_any_width_is_decoded(tmp_path: Path, index_dir: Path) -> None:
    """MIME and PEM wrap at 64 or 76; a copy wrapped at 50 (one ``textwrap`` call) was read as
    lines of noise and passed."""
    import textwrap

    b64 = base64.b64encode(REFERENCE_TEXTS[0].encode()).decode()
    rows = [{"text": "a note of its own", "body": "\n".join(textwrap.wrap(b64, width))} for width in (50, 24)]
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    doc = json.loads(run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", "-f", "json"]).stdout)
    assert sorted((m["record"]["index"], m["record"]["turn"]["field"]) for m in doc["matches"]) == [
        (0, "body#base64"),
        (1, "body#base64"),
    ]


def test_base64_spaced_into_groups_is_decoded(tmp_path: Path, index_dir: Path) -> None:
    """``VGhl IHF1 aWNr ...``: groups of one width between spaces were read as words of noise."""
    b64 = base64.b64encode(REFERENCE_TEXTS[0].encode()).decode()
    rows = [
        {"text": "a note of its own", "body": " ".join(b64[i : i + width] for i in range(0, len(b64), width))}
        for width in (4, 8)
    ]
    # Prose that opens like groups of one width is read as the prose it is.
    rows.append({"text": "Data sets were used here, and they hold no copy of anything indexed at all."})
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    doc = json.loads(run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", "-f", "json"]).stdout)
    assert sorted((m["record"]["index"], m["record"]["turn"]["field"]) for m in doc["matches"]) == [
        (0, "body#base64"),
        (1, "body#base64"),
    ]
    assert [c["field"] for c in doc["files"][0]["fields"]["read"] if c["field"] == "text"] == ["text"]
