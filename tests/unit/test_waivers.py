"""Waivers: validation with located errors, matching by id and by scope, expiry, stale entries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from provcheck.errors import PolicyError
from provcheck.model import (
    Action,
    AlignedSpan,
    CharSpan,
    ContentHash,
    Evidence,
    Finding,
    FindingId,
    Location,
    Match,
    MatchId,
    MatchKind,
    RecordRef,
    Reference,
    ReferenceId,
    RoleKind,
    RuleRef,
    SourceInfo,
    SourceName,
    Turn,
    WaiverState,
)
from provcheck.waivers import (
    PLACEHOLDER_APPROVER,
    PLACEHOLDER_REASON,
    appended,
    apply,
    baseline_entries,
    dump,
    load_waivers,
)
from provcheck.yamlfile import loads

TODAY = dt.date(2025, 6, 1)


def finding(
    fid: str, rule: str = "openai-no-competing-models", path: str = "data/a.jsonl", source: str = "share"
) -> Finding:
    turn = Turn("gpt", RoleKind.ASSISTANT, 1, "conversations[1].value", "text")
    rec = RecordRef(Location(path, 0, 1), None, ContentHash("h"), turn)

    info = SourceInfo(SourceName(source), provider="openai")
    ev = Evidence(
        MatchKind.EXCERPT, 1, 1, 1, 50, 1, 1, (AlignedSpan(CharSpan(0, 1), CharSpan(0, 1), 50, 1.0),), False
    )
    match = Match(MatchId("m"), rec, Reference(ReferenceId("r"), info, turn), ev)
    return Finding(
        id=FindingId(fid),
        rule=RuleRef(rule, "t"),
        action=Action.BLOCK,
        message="m",
        match=match,
        source=info,
        chain=(info, SourceInfo(SourceName("chatgpt"), provider="openai")),
    )


def write(tmp_path: Path, text: str) -> str:
    p = tmp_path / ".provcheck-waivers.yaml"
    p.write_text(text)
    return str(p)


A, B, C = "a" * 20, "b" * 20, "c" * 20


def test_id_and_scope_waivers_apply_and_unused_ones_are_stale(tmp_path: Path) -> None:
    w = load_waivers(
        write(
            tmp_path,
            f"""\
version: 1
waivers:
  - id: {A}
    reason: reviewed
    approver: jane
    date: 2025-01-01
  - rule: openai-no-competing-models
    source: chatgpt
    path: "data/legacy/**"
    reason: legacy data, licensed separately
    approver: legal
    ticket: LEGAL-1
    date: 2025-01-01
  - id: {C}
    reason: gone
    approver: jane
    date: 2025-01-01
""",
        )
    )
    findings = [
        finding(A),
        finding(B, path="data/legacy/old/x.jsonl"),
        finding("d" * 20, path="data/new.jsonl"),
    ]
    out, report = apply(findings, w, TODAY)
    assert [f.waiver_state for f in out] == [WaiverState.WAIVED, WaiverState.WAIVED, WaiverState.NONE]
    assert out[1].waiver is not None and out[1].waiver.ticket == "LEGAL-1"
    assert report is not None and report.waived == 2 and report.expired == 0
    assert [(s.line, s.id) for s in report.stale] == [(14, C)]


def test_expired_waivers_reopen_findings_but_one_in_force_wins(tmp_path: Path) -> None:
    w = load_waivers(
        write(
            tmp_path,
            f"""\
waivers:
  - id: {A}
    reason: r
    approver: a
    date: 2024-01-01
    expires: 2025-05-31
  - id: {B}
    reason: r
    approver: a
    date: 2024-01-01
    expires: 2025-06-01
  - rule: openai-no-competing-models
    path: "other/**"
    reason: r
    approver: a
    date: 2024-01-01
    expires: 2024-02-01
  - rule: openai-no-competing-models
    path: "other/**"
    reason: renewed
    approver: a
    date: 2024-02-01
""",
        )
    )
    out, report = apply([finding(A), finding(B), finding(C, path="other/x.jsonl")], w, TODAY)
    assert [f.waiver_state for f in out] == [WaiverState.EXPIRED, WaiverState.WAIVED, WaiverState.WAIVED]
    assert not out[0].waived and out[0].waiver is not None  # re-opened, still showing the old decision
    assert out[2].waiver is not None and out[2].waiver.reason == "renewed"
    assert report is not None and report.expired == 1 and report.stale == ()


def test_every_problem_of_a_waivers_file_is_located(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""\
version: 1
waivers:
  - id: not-an-id
    reason: r
    approver: a
    date: 2025-01-01
  - rule: x
    reason: r
    date: 2025-13-01
  - id: {A}
    rule: x
    reason: r
    approver: a
    date: 2025-01-01
    colour: red
  - reason: r
    approver: a
    date: 2025-02-01
    expires: 2025-01-01
""",
    )
    with pytest.raises(PolicyError) as info:
        load_waivers(path)
    text = "\n".join(info.value.problems)
    assert f"{path}:3: 'id' 'not-an-id' is not a finding id" in text
    assert f"{path}:7: 'approver' is required" in text
    assert f"{path}:9: 'date': '2025-13-01' is not a date" in text
    assert f"{path}:10: give either 'id' or a scope" in text
    assert f"{path}:15: unknown key 'colour'" in text
    assert f"{path}:16: give 'id' (one finding) or 'rule'" in text
    assert f"{path}:19: 'expires' 2025-01-01 is before 'date' 2025-02-01" in text
    assert len(info.value.problems) == 7
    assert info.value.exit_code == 3 and "invalid waivers file" in str(info.value)


def test_baseline_entries_have_placeholders_that_are_flagged(tmp_path: Path) -> None:
    entries = baseline_entries([finding(A), finding(A), finding(B)], TODAY)
    assert [e["id"] for e in entries] == [A, B]
    text = dump(entries)
    w = load_waivers(write(tmp_path, text))
    assert all(e.waiver.placeholder for e in w.entries)
    assert (
        w.entries[0].waiver.reason == PLACEHOLDER_REASON
        and w.entries[0].waiver.approver == PLACEHOLDER_APPROVER
    )
    out, report = apply([finding(A), finding(B)], w, TODAY)
    assert all(f.waived for f in out) and report is not None and report.placeholders == 2
    assert "openai-no-competing-models (block): data/a.jsonl record 0 gpt[1] <- share" in text


def test_baseline_appends_to_an_existing_file_keeping_its_comments(tmp_path: Path) -> None:
    original = (
        "# decisions of the data team\nversion: 1\nwaivers:\n  # keep: counsel said so\n"
        f"  - id: {A}\n    reason: ok\n    approver: jane\n    date: 2025-01-01\n"
    )
    path = write(tmp_path, original)
    text = appended(original, load_waivers(path), baseline_entries([finding(B)], TODAY))
    assert text.startswith(original) and "# keep: counsel said so" in text
    assert [e.id for e in load_waivers(write(tmp_path, text)).entries] == [A, B]
    empty = "version: 1\nwaivers: []\n"
    text = appended(empty, load_waivers(write(tmp_path, empty)), baseline_entries([finding(B)], TODAY))
    assert [e.id for e in load_waivers(write(tmp_path, text)).entries] == [B]
    trailing = f"waivers:\n  - id: {A}\n    reason: r\n    approver: a\n    date: 2025-01-01\nversion: 1\n"
    with pytest.raises(PolicyError, match="must be the last key"):
        appended(trailing, load_waivers(write(tmp_path, trailing)), baseline_entries([finding(B)], TODAY))
    assert loads(dump([])) == {"version": 1, "waivers": None}


def test_a_path_glob_star_never_crosses_a_folder(tmp_path: Path) -> None:
    w = load_waivers(
        write(
            tmp_path,
            """\
version: 1
waivers:
  - rule: openai-no-competing-models
    path: "ds4/*.jsonl"
    reason: the top of ds4 is licensed
    approver: legal
    date: 2025-01-01
""",
        )
    )
    top, deep = finding(A, path="ds4/top.jsonl"), finding(B, path="ds4/sub/deep.jsonl")
    out, _ = apply([top, deep], w, TODAY)
    # On the code before, fnmatch was OR-ed in and `*` silenced ds4/sub/deep.jsonl too.
    assert [f.waiver_state for f in out] == [WaiverState.WAIVED, WaiverState.NONE]


def test_source_globs_are_name_globs_and_rule_ids_read_in_any_case(tmp_path: Path) -> None:
    w = load_waivers(
        write(
            tmp_path,
            """\
version: 1
waivers:
  - rule: "OPENAI-NO-COMPETING-MODELS"
    source: "meta-llama/*"
    reason: r
    approver: a
    date: 2025-01-01
""",
        )
    )
    out, _ = apply([finding(A, source="meta-llama/Llama-2-7b-chat-hf")], w, TODAY)
    assert out[0].waiver_state is WaiverState.WAIVED
