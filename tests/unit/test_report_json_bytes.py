"""``--format json`` to a file: the encoder's UTF-8 bytes are written to the file's byte stream
(``report.json._Bytes``), and the file holds exactly the text the text path writes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from provcheck.cli.common import write_output
from provcheck.report import OutputFormat, ReportContext, formatter
from provcheck.report import json as json_report
from report_samples import many, sample

CTX = ReportContext()


@pytest.mark.parametrize("memory", [json_report._MEMORY, 1000])  # findings in memory, or on disk
@pytest.mark.parametrize("result", [sample, lambda: many(300)], ids=["sample", "many"])
def test_a_json_file_holds_the_text_the_text_stream_gets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory: int, result: object
) -> None:
    monkeypatch.setattr(json_report, "_MEMORY", memory)
    value = result()  # type: ignore[operator]
    text = io.StringIO()
    formatter(OutputFormat.JSON).write(value, CTX, text)
    target = tmp_path / "report.json"
    write_output(str(target), lambda out: formatter(OutputFormat.JSON).write(value, CTX, out))
    assert target.read_bytes() == text.getvalue().encode("utf-8")


def test_text_written_before_the_report_stays_before_it(tmp_path: Path) -> None:
    target = tmp_path / "both.txt"
    with open(target, "w", encoding="utf-8") as out:
        out.write("é before\n")  # held in the text stream's buffer when the report starts
        formatter(OutputFormat.JSON).write(many(3), CTX, out)
        out.write("after\n")
    text = io.StringIO()
    formatter(OutputFormat.JSON).write(many(3), CTX, text)
    assert target.read_text(encoding="utf-8") == "é before\n" + text.getvalue() + "after\n"


def test_other_streams_are_written_as_text(tmp_path: Path) -> None:
    """A stream that is not strict UTF-8 gets text (its own encoding and error handler apply)."""
    target = tmp_path / "latin.json"
    with open(target, "w", encoding="latin-1", errors="replace") as out:
        assert json_report._raw(out) is None
        formatter(OutputFormat.JSON).write(many(3), CTX, out)
    with open(tmp_path / "utf8.json", "w", encoding="utf-8") as out:
        assert json_report._raw(out) is not None
    assert json_report._raw(io.StringIO()) is None
