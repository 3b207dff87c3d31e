"""A scan's results on disk: the engine's order, counts and unruled matches, in bounded memory."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import io
import random
import tracemalloc
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, ROOT, UNRELATED_TEXT, run_cli, write_jsonl
from provcheck.index import ReferenceIndex
from provcheck.model import Finding, FindingCounts, ScanResult
from provcheck.policy import default_policy, load_policy
from provcheck.report import ReportContext
from provcheck.report.json import JsonFormatter
from provcheck.scan import engine, spool
from provcheck.scan.results import finding_order, match_order
from provcheck.scan.spool import SpoolView
from provcheck.waivers import load_waivers
from report_samples import many

MARKER = "As an AI language model, I cannot taste bread, but here is the method."


def chat(rid: str, answer: str) -> dict[str, object]:
    return {"id": rid, "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": answer}]}


@pytest.fixture
def mixed_scan(tmp_path: Path, index_dir: Path) -> ScanResult:
    """Two files given in reverse order, several batches, markers, a dataset card, waivers, a
    source no rule applies to, and records repeated (equal match ids at several places)."""
    plain = write_jsonl(tmp_path / "refs" / "plain.jsonl", [{"id": "plain-0", "text": UNRELATED_TEXT}])
    run_cli(["index", "add", index_dir, plain, "--source", "plain", "-q"])
    data = tmp_path / "data"
    rows = []
    for i in range(30):
        if i % 5 == 0:
            rows.append(chat(f"u{i}", UNRELATED_TEXT))
        elif i % 7 == 0:
            rows.append(chat(f"m{i}", MARKER + " " + REFERENCE_TEXTS[i % 3]))
        else:
            rows.append(chat(f"r{i}", REFERENCE_TEXTS[i % 3]))
    write_jsonl(data / "b.jsonl", rows)
    write_jsonl(data / "a.jsonl", list(reversed(rows)))
    (data / "README.md").write_text("---\nlicense: cc-by-nc-4.0\n---\n# data\n")
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "version: 1\nwaivers:\n"
        "  - rule: openai-no-competing-models\n    path: '**/a.jsonl'\n    reason: r\n"
        "    approver: a\n    date: 2024-01-01\n"
        "  - id: 0123456789abcdef0123\n    reason: stale\n    approver: b\n    date: 2024-01-01\n"
    )
    policy = load_policy(str(ROOT / "policies" / "default.yaml"))
    return engine.scan(
        [str(data / "b.jsonl"), str(data / "a.jsonl")],
        ReferenceIndex(str(index_dir)),
        policy,
        policy.use,
        engine.ScanOptions(workers=2, batch_size=4),
        waivers=load_waivers(str(waivers)),
        today=dt.date(2025, 1, 1),
    )


def test_results_come_in_the_engines_order_with_their_counts(mixed_scan: ScanResult) -> None:
    result = mixed_scan
    assert isinstance(result.matches, SpoolView) and isinstance(result.findings, SpoolView)
    matches, findings = list(result.matches), list(result.findings)
    # The data is varied enough for the order to matter: b.jsonl was read first, a.jsonl sorts
    # first; some findings are waived (they go last), markers and the card make findings too.
    assert matches[0].record.location.path.endswith("a.jsonl")
    kinds = {("match" if f.match else "marker" if f.marker else "declaration") for f in findings}
    assert kinds == {"match", "marker", "declaration"}
    assert findings[-1].waived and not findings[0].waived
    assert matches == sorted(matches, key=match_order)
    assert findings == sorted(findings, key=finding_order)
    assert result.stats.matches == len(matches) and result.stats.findings == len(findings)
    # Counts, and the matches no finding rests on, agree with the findings read back.
    assert result.counts == FindingCounts.of(findings)
    assert result.counts.total_waived == sum(f.waived for f in findings) > 0
    used = {f.match.id for f in findings if f.match is not None}
    unruled = list(result.unruled)
    assert unruled == [m for m in matches if m.id not in used]
    assert unruled and all(m.reference.source.name == "plain" for m in unruled)
    # A finding's match is the match itself, read back from the match spool.
    assert all(f.match in matches for f in findings if f.match is not None)
    assert result.waivers is not None and len(result.waivers.stale) == 1
    assert result.blocking_count(frozenset(a for a in {f.action for f in findings})) == sum(
        not f.waived for f in findings
    )


def test_a_hand_built_result_counts_its_findings(mixed_scan: ScanResult) -> None:
    again = ScanResult(
        matches=tuple(mixed_scan.matches),
        findings=tuple(mixed_scan.findings),
        errors=(),
        files=(),
        stats=mixed_scan.stats,
        run=mixed_scan.run,
    )
    assert again.counts == mixed_scan.counts
    assert tuple(again.unruled) == tuple(mixed_scan.unruled)


def _texts(rng: random.Random, n: int, words: int) -> list[str]:
    vocab = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ri", "so", "tu") for b in "aeiou"] + [
        f"w{i}" for i in range(400)
    ]
    return [" ".join(rng.choice(vocab) for _ in range(words)) + "." for _ in range(n)]


def test_memory_does_not_grow_with_the_number_of_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scanning twice the matching records (and writing the JSON report) peaks at about the
    same traced memory: only a few integers per match stay in memory, not the matches."""
    monkeypatch.setattr(spool, "MEMORY", 128 << 10)  # the spool's in-memory start, made small
    monkeypatch.setattr(spool, "KEEP", 256 << 10)  # and the matches kept once read
    rng = random.Random(3)
    refs = _texts(rng, 40, 340)
    write_jsonl(tmp_path / "refs.jsonl", [{"id": f"ref-{i}", "text": t} for i, t in enumerate(refs)])
    index = tmp_path / "index"
    run_cli(["index", "add", index, tmp_path / "refs.jsonl", "--source", "synthetic", "-q"])

    def data(n: int) -> Path:
        rows = [{"id": f"c{i}", "text": f"record {i}: " + refs[i % len(refs)]} for i in range(n)]
        return write_jsonl(tmp_path / f"data-{n}.jsonl", rows)

    def peak(path: Path) -> tuple[int, int]:
        gc.collect()
        tracemalloc.start()
        try:
            result = engine.scan(
                [str(path)], ReferenceIndex(str(index)), default_policy(), default_policy().use
            )
            with open(tmp_path / "report.json", "w", encoding="utf-8") as fh:
                JsonFormatter().write(result, ReportContext(), fh)
            matches = result.stats.matches
            del result
            return tracemalloc.get_traced_memory()[1], matches
        finally:
            tracemalloc.stop()

    n = 800
    peak(data(n))  # imports, packs and the fingerprinter's tables of a first scan are not measured
    small, small_matches = peak(data(n))
    large, large_matches = peak(data(2 * n))
    assert small_matches == n and large_matches == 2 * n  # every record matches once
    text = sum(len(r) for r in refs) / len(refs)
    # Holding the matches would cost at least their two texts each (> 3 KB here; the engine
    # used to keep ~11 KB of objects per match); what a match adds now is its sort keys and
    # ids, and the sort's temporary arrays: a few hundred bytes.
    per_match = (large - small) / n
    assert text > 1500
    assert per_match < 600, f"{per_match:.0f} bytes per extra match (peaks {small:,} and {large:,})"
    assert large < 1.25 * small


def test_a_copy_with_other_findings_counts_them_again(mixed_scan: ScanResult) -> None:
    from dataclasses import replace

    empty = replace(mixed_scan, findings=(), matches=())
    assert empty.counts.total == 0 and tuple(empty.unruled) == ()
    kept = replace(mixed_scan, run=replace(mixed_scan.run, command=("x",)))
    assert kept.counts is mixed_scan.counts and kept.unruled is mixed_scan.unruled


class _Given:
    """An evaluator that gives the findings it was made with, for the matches they rest on."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings

    def matches(self, matches: object) -> list[Finding]:
        return [f for f in self.findings if f.match is not None]

    def markers(self, markers: object) -> list[Finding]:
        return [f for f in self.findings if f.marker is not None]

    def declarations(self, declared: object) -> list[Finding]:
        return [f for f in self.findings if f.match is None and f.marker is None]


@pytest.mark.parametrize("table", [4096, 1])
def test_a_rule_and_sources_shared_by_findings_are_stored_once(
    table: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The citation and source facts many findings share are kept once, in memory, and each
    finding stores a number; a full table stores them with the finding: both read back equal."""
    from provcheck.scan import results

    monkeypatch.setattr(results, "_SHARED", table)
    findings = [dataclasses.replace(f, id=f"{i:020x}") for i, f in enumerate(many(40).findings)]
    matches = list({f.match.id: f.match for f in findings if f.match is not None}.values())
    collector = results.Collector(_Given(findings))  # type: ignore[arg-type]
    collector.add(matches)
    collected = collector.finish()
    assert sorted(collected.findings, key=lambda f: f.id) == sorted(findings, key=lambda f: f.id)
    shared = {id(f.rule) for f in findings} | {id(f.source) for f in findings}
    chains = {tuple(map(id, f.chain)) for f in findings}
    assert len(collector._shared) == min(table, len(shared) + len(chains))
    stubs = list(collector._findings)
    if table > 1:
        assert all(type(stub[i]) is int for stub in stubs for i in results._SHARED_AT)
        assert len(collector._shared) < len(findings)  # shared, not one per finding
    else:
        numbers = [stub[i] for stub in stubs for i in results._SHARED_AT]
        assert {n for n in numbers if type(n) is int} == {0}  # the one value the table holds
        assert any(type(n) is not int for n in numbers)  # the others stored with each finding


def test_json_report_of_a_scan_with_many_matches_is_its_document_in_one_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A benchmark-like scan (hundreds of matches of real length, on disk, some kept once read
    and some not, findings encoded to a temporary file): the JSON report is laid out as one
    ``json.dumps`` of the document, and that document holds every match, finding and record
    row as read from the result in its own order (what the report was before it was
    written in one pass)."""
    import json

    from provcheck.report import json as report_json
    from provcheck.report import serialize as s
    from provcheck.report.records import record_view

    monkeypatch.setattr(spool, "MEMORY", 64 << 10)
    monkeypatch.setattr(spool, "KEEP", 256 << 10)  # part of the matches kept, not all
    monkeypatch.setattr(report_json, "_MEMORY", 32 << 10)  # the findings' text goes to a file
    rng = random.Random(11)
    refs = _texts(rng, 30, 300)
    write_jsonl(tmp_path / "refs.jsonl", [{"id": f"ref-{i}", "text": t} for i, t in enumerate(refs)])
    index = tmp_path / "index"
    run_cli(["index", "add", index, tmp_path / "refs.jsonl", "--source", "synthetic", "-q"])
    rows = [{"id": f"c{i}", "text": f"record {i}: " + refs[(i * 7) % len(refs)]} for i in range(700)]
    rows += [{"id": f"n{i}", "text": t} for i, t in enumerate(_texts(rng, 100, 120))]
    rng.shuffle(rows)
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    policy = default_policy()
    result = engine.scan(
        [str(data)], ReferenceIndex(str(index)), policy, policy.use, engine.ScanOptions(batch_size=64)
    )
    assert result.stats.matches == 700 and result.stats.findings == 700
    context = ReportContext()
    out = io.StringIO()
    JsonFormatter().write(result, context, out)
    text = out.getvalue()
    assert text == json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":")) + "\n"
    doc = json.loads(text)
    findings = list(result.findings)
    rs = record_view(result, context.fail_on, findings)
    assert doc["matches"] == [s.match(m) for m in result.matches]
    assert doc["findings"] == [s.finding(f) for f in findings]
    assert doc["records"] == [s.record_row(r) for r in rs.rows]
    assert doc["summary"]["sources"] == [s.source_row(r) for r in rs.sources]
    assert doc["summary"]["records"] == s.record_counts(rs.counts)
    assert doc["report"] == {"id": rs.identity.id, "digest": rs.identity.digest}
    assert [m["id"] for m in doc["matches"]] != sorted(m["id"] for m in doc["matches"])  # a real order
    again = io.StringIO()
    JsonFormatter().write(result, context, again)  # kept and not kept matches read again
    assert again.getvalue() == text
