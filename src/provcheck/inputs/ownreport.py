"""Recognising a report provcheck wrote, so that a report written beside the data is not
scanned as data on the next run (``inputs.discover``)."""

from __future__ import annotations

import json as _json
import os
import re

_MARKDOWN_HEAD = b"### provcheck: "
_TEXT_HEAD = b"provcheck report \xc2\xb7 declared use: "
_TEXT_SECTION = re.compile(
    rb"\n\s*By source \((?:records; after \+, dataset-level findings|records, not findings)\):\r?\n"
)
"""The text report's second section, after its one-line heading and the verdict: a file that
only opened like the text report ("provcheck report · declared use: " and then a dataset's
text) was skipped as a report, its copies never read. Its title before outside counsel 23
("records, not findings") is still recognised, in reports written by earlier versions."""
_TEXT_REACH = 64 * 1024
"""Bytes of a file opening like the text report looked at for its second section (the heading
and the verdict are a few lines)."""
_MARKDOWN_TAIL = re.compile(
    rb"<sub>provcheck \S+ \xc2\xb7 report digest [0-9a-f]{64} \xc2\xb7 index digest .*"
    rb" \xc2\xb7 not legal advice</sub>\s*\Z"
)
"""The Markdown report's last line (``report.markdown``): a file that only opened like it
("### provcheck: " and then notes, or a dataset) was skipped as a report."""
CSV_REPORT_HEADER = (
    "finding_id,action,waived,waiver_state,downgraded_from,rule,rule_title,message,path,line,"
    "record_index,record_id,turn_role,turn_field,match_id,match_kind,similarity,containment,"
    "coverage,matched_tokens,short_evidence,reference_id,reference_path,source,provider,"
    "generator,license,terms,chain,clause_document,clause_section,clause_effective,clause_url,"
    "clause_quote,clause_confidence,clause_note,waiver_approver,waiver_date,waiver_expires,"
    "waiver_ticket,waiver_reason,marker,declaration,evidence,probability,convergence,"
    "reference_withheld"
)
"""The CSV report's whole header line (``report.csv.COLUMNS``; a test keeps them equal): a CSV
whose header only opened like it (``finding_id,action,waived,waiver_state,text``) was skipped
as a report, with whatever its rows held."""
JSON_REPORT_KEYS = frozenset(
    {
        "schema_version", "tool", "report", "verdict", "summary", "records", "matches", "findings",
        "errors", "files", "not_scanned", "declarations", "waivers", "stats", "decision", "run",
        "quote_confidence",
    }
)  # fmt: skip
"""Every top-level key of the JSON report (``docs/report.schema.json`` allows no other): a JSON
file that opened like a report and held the dataset under a key of its own was skipped."""
_MARKUP_HEAD = re.compile(
    rb'\A(?:<!DOCTYPE html>\s*<html[^>]*>\s*<head>.{0,4000}?<meta name="generator" content="provcheck'
    rb'|<\?xml [^>]*\?>\s*<testsuites name="provcheck")',
    re.DOTALL,
)
_JSON_HEAD = re.compile(
    rb'\A\{\s*(?:"schema_version"\s*:\s*"[^"]*"\s*,\s*"tool"\s*:\s*\{\s*"name"\s*:\s*"provcheck"'
    rb'|"\$schema"\s*:\s*"[^"]*sarif[^"]*")'
)
_REPORT_JSON_LIMIT = 512 * 1024 * 1024
"""Reports larger than this are scanned as data rather than parsed whole to recognise them."""


def own_report(path: str) -> bool:
    """True when ``path`` is a report provcheck wrote: a report written beside the data must not
    be scanned as data on the next run.

    A file skipped here is never read, so recognition must not be something a dataset can put in
    a record: a report is recognised by how it *starts* (not by a marker anywhere in its first
    bytes, which a record naming a tool "provcheck" carries), and a JSON or SARIF report only when
    the whole file is that one document (a JSONL file whose first line copies a report's opening
    has more lines, and is scanned).
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError:
        return False
    head = head.removeprefix(b"\xef\xbb\xbf")
    if head.startswith(_TEXT_HEAD):
        return _has_text_section(path)
    if head.startswith(_MARKDOWN_HEAD):
        return _ends_like_markdown_report(path)
    if _MARKUP_HEAD.match(head):
        return True
    if head.startswith(b"finding_id,"):
        return head.split(b"\n", 1)[0].rstrip(b"\r") == CSV_REPORT_HEADER.encode()
    return _JSON_HEAD.match(head) is not None and _whole_json_report(path)


def _has_text_section(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return _TEXT_SECTION.search(fh.read(_TEXT_REACH)) is not None
    except OSError:
        return False


def _ends_like_markdown_report(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.path.getsize(path) - 4096))
            return _MARKDOWN_TAIL.search(fh.read()) is not None
    except OSError:
        return False


def _whole_json_report(path: str) -> bool:
    try:
        if os.path.getsize(path) > _REPORT_JSON_LIMIT:
            return False
        with open(path, "rb") as fh:
            doc = _json.loads(fh.read().removeprefix(b"\xef\xbb\xbf"))
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(doc, dict):
        return False
    tool = doc.get("tool")
    if isinstance(tool, dict):  # the JSON report: its keys and no other
        return tool.get("name") == "provcheck" and "report" in doc and set(doc) <= JSON_REPORT_KEYS
    runs = doc.get("runs")  # SARIF
    if not isinstance(runs, list) or not runs or not isinstance(runs[0], dict):
        return False
    driver = runs[0].get("tool", {}).get("driver") if isinstance(runs[0].get("tool"), dict) else None
    return isinstance(driver, dict) and driver.get("name") == "provcheck"
