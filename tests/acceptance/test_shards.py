"""``scan --shard I/N --partial FILE`` and ``provcheck merge``: the reports, finding ids and exit
code of one scan of everything; a missing, duplicated or foreign shard is refused by name."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, seal_partial, write_jsonl
from provcheck.cli import cli

VOLATILE = (
    "started_at",
    "finished_at",
    "command",
    "shard",
    "merged",
    "seconds",
    "workers",
    "records_per_second",
)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """Seven files: copies in several, an unrelated one, unreadable lines, a card, a stray image."""
    data = tmp_path / "data"
    for i in range(6):
        records: list[Any] = [{"text": UNRELATED_TEXT + f" ({i})"}]
        if i % 2 == 0:
            records.append({"text": REFERENCE_TEXTS[i % 3]})
        if i == 3:
            records.append({"conversations": [{"from": "gpt", "value": REFERENCE_TEXTS[1]}]})
        write_jsonl(data / f"part-{i}.jsonl", records * (i + 1))
    with open(data / "part-5.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    (data / "README.md").write_text("---\nlicense: cc-by-4.0\n---\n# data\n")
    (data / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    return data


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    p = tmp_path / "policy.yaml"
    p.write_text(
        "rules:\n  - id: block-openai\n    title: OpenAI output\n    when: {source.provider: openai}\n"
        "    action: block\n"
    )
    return p


def _scan(index: Path, data: Path, policy: Path, *extra: Any, code: int) -> None:
    """A scan that must exit ``code`` (-1: any verdict, 0, 1 or 4, a share's own)."""
    args = ["scan", data, "-i", index, "-p", policy, "-j", "1", "-q", *extra]
    if code >= 0:
        run_cli(args, code=code)
        return
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code in (0, 1, 4), result.stderr


def _stable(doc: Any) -> Any:
    """A JSON report without what differs between two runs of the same scan (times, commands)."""
    if isinstance(doc, dict):
        return {k: _stable(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [_stable(v) for v in doc]
    return doc


def _shards(tmp: Path, index: Path, data: Path, policy: Path, n: int, codes: list[int]) -> list[Path]:
    out = []
    for i in range(1, n + 1):
        part = tmp / f"shard-{i}.partial"
        _scan(index, data, policy, "--shard", f"{i}/{n}", "--partial", part, code=codes[i - 1])
        out.append(part)
    return out


def test_merged_shards_give_the_reports_and_exit_code_of_one_scan(
    tmp_path: Path, index_dir: Path, dataset: Path, policy: Path
) -> None:
    full = tmp_path / "full.json"
    _scan(
        index_dir,
        dataset,
        policy,
        "-f",
        "json",
        "-o",
        full,
        "-f",
        "sarif",
        "-o",
        tmp_path / "full.sarif",
        code=1,
    )
    # Shard 1 holds the largest file (part-5, with a bad line and a copy); its own exit code is its share's.
    parts = _shards(tmp_path, index_dir, dataset, policy, 3, [1, 1, 1])
    merged = tmp_path / "merged.json"
    result = run_cli(
        [
            "merge",
            *reversed(parts),
            "-f",
            "json",
            "-o",
            merged,
            "-f",
            "sarif",
            "-o",
            tmp_path / "merged.sarif",
        ],
        code=1,
    )
    assert "merged 3 partial(s)" in result.stderr
    one, many = json.loads(full.read_text()), json.loads(merged.read_text())
    assert [f["id"] for f in many["findings"]] == [f["id"] for f in one["findings"]]
    assert len(one["findings"]) >= 4 and one["errors"] and one["not_scanned"]
    assert _stable(many) == _stable(one)
    assert many["run"]["merged"]["shards"] == 3
    sarif_one = json.loads((tmp_path / "full.sarif").read_text())["runs"][0]["results"]
    sarif_many = json.loads((tmp_path / "merged.sarif").read_text())["runs"][0]["results"]
    assert _stable(sarif_many) == _stable(sarif_one)


def test_exit_codes_match_a_single_scan(tmp_path: Path, index_dir: Path, dataset: Path, policy: Path) -> None:
    """--fail-on never: the unreadable line makes it 4, in one scan and in the merge."""
    _scan(index_dir, dataset, policy, "--fail-on", "never", code=4)
    parts = []
    for i in (1, 2):
        part = tmp_path / f"s{i}.partial"
        # The bad line is in one share: the other exits 0 on its own.
        _scan(
            index_dir, dataset, policy, "--fail-on", "never", "--shard", f"{i}/2", "--partial", part, code=-1
        )
        parts.append(part)
    run_cli(["merge", *parts, "-q"], code=4)
    # A threshold given to merge applies to the merged findings.
    run_cli(["merge", *parts, "-q", "--fail-on", "block"], code=1)


def test_more_shards_than_files_and_one_shard(
    tmp_path: Path, index_dir: Path, dataset: Path, policy: Path
) -> None:
    full = tmp_path / "full.json"
    _scan(index_dir, dataset, policy, "-f", "json", "-o", full, code=1)
    parts = _shards(tmp_path, index_dir, dataset, policy, 9, [-1] * 9)
    merged = tmp_path / "m.json"
    run_cli(["merge", *parts, "-f", "json", "-o", merged, "-q"], code=1)
    assert _stable(json.loads(merged.read_text())) == _stable(json.loads(full.read_text()))


def test_missing_duplicated_and_foreign_shards_are_refused_by_name(
    tmp_path: Path, index_dir: Path, dataset: Path, policy: Path
) -> None:
    parts = _shards(tmp_path, index_dir, dataset, policy, 3, [-1] * 3)
    r = run_cli(["merge", parts[0], parts[2]], code=2)
    assert "shard 2/3 missing" in r.stderr
    r = run_cli(["merge", parts[0], parts[1], parts[2], parts[1]], code=2)
    assert "shard 2/3 given twice" in r.stderr and str(parts[1]) in r.stderr
    # Another policy: not the same run.
    other = tmp_path / "other.yaml"
    other.write_text(policy.read_text().replace("block\n", "review\n"))
    foreign = tmp_path / "foreign.partial"
    _scan(index_dir, dataset, other, "--shard", "2/3", "--partial", foreign, code=-1)
    r = run_cli(["merge", parts[0], foreign, parts[2]], code=2)
    assert str(foreign) in r.stderr and "policy.digest differs" in r.stderr
    # Another N.
    four = tmp_path / "four.partial"
    _scan(index_dir, dataset, policy, "--shard", "2/4", "--partial", four, code=-1)
    r = run_cli(["merge", parts[0], four, parts[2]], code=2)
    assert str(four) in r.stderr and "shard.count differs" in r.stderr
    # Another matching option: the message names the option, not the whole matching object.
    stricter = tmp_path / "stricter.partial"
    _scan(
        index_dir,
        dataset,
        policy,
        "--shard",
        "2/3",
        "--partial",
        stricter,
        "--min-probability",
        "0.9",
        code=-1,
    )
    r = run_cli(["merge", parts[0], stricter, parts[2]], code=2)
    assert str(stricter) in r.stderr and "match.min_probability differs (0.9 vs" in r.stderr
    # A data file that changed between two shares' runs: the file lists differ.
    with open(dataset / "part-0.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": "new"}) + "\n")
    late = tmp_path / "late.partial"
    _scan(index_dir, dataset, policy, "--shard", "2/3", "--partial", late, code=-1)
    r = run_cli(["merge", parts[0], late, parts[2]], code=2)
    assert str(late) in r.stderr and "shard.inputs differs" in r.stderr


def test_corrupt_and_foreign_files_are_refused_with_their_place(
    tmp_path: Path, index_dir: Path, dataset: Path, policy: Path
) -> None:
    cut = tmp_path / "cut.partial"
    cut.write_bytes(
        gzip.compress(b'{"format": "provcheck-partial", "version": 1, "run": {"shard": {}}}\n')[:-9]
    )
    r = run_cli(["merge", cut], code=2)
    assert str(cut) in r.stderr and "Traceback" not in r.stderr
    plain = tmp_path / "report.json"
    plain.write_bytes(gzip.compress(b'{"findings": []}\n'))
    r = run_cli(["merge", plain], code=2)
    assert f"{plain}:1" in r.stderr and "not a provcheck partial" in r.stderr
    # A run record of the wrong shape is refused before any body is read.
    bad_run = tmp_path / "bad-run.partial"
    head = {"format": "provcheck-partial", "version": 2, "run": {"shard": {"index": 1, "count": 1}}}
    bad_run.write_bytes(gzip.compress((json.dumps(head) + "\n").encode()))
    r = run_cli(["merge", bad_run], code=2)
    assert f"{bad_run}:1" in r.stderr and "run: missing required key 'tool'" in r.stderr
    # A real share's head followed by a value of a type partials never hold.
    real = tmp_path / "real.partial"
    _scan(index_dir, dataset, policy, "--shard", "1/1", "--partial", real, code=-1)
    with gzip.open(real, "rt", encoding="utf-8") as fh:
        head = json.loads(fh.readline())
    evil = tmp_path / "evil.partial"
    body = {"file": {"$d": "Popen", "f": [["touch", str(tmp_path / "pwned")]]}}
    evil.write_bytes(gzip.compress((json.dumps(head) + "\n" + json.dumps(body) + "\n").encode()))
    r = run_cli(["merge", evil], code=2)
    assert "unknown value type 'Popen'" in r.stderr and not (tmp_path / "pwned").exists()
    run_cli(["merge", tmp_path / "absent.partial"], code=2)


def test_partial_options_are_checked_before_the_scan(
    tmp_path: Path, index_dir: Path, dataset: Path, policy: Path
) -> None:
    for args, said in (
        (["--shard", "2/2"], "--shard needs --partial"),
        (["--partial", tmp_path / "p"], "--partial needs --shard"),
        (["--shard", "3/2", "--partial", tmp_path / "p"], "--shard 3/2"),
        (["--shard", "x", "--partial", tmp_path / "p"], "--shard x"),
        (["--shard", "1/2", "--partial", dataset / "part-0.jsonl"], f"--partial {dataset}/part-0.jsonl is a"),
        (["--shard", "1/2", "--partial", tmp_path / "r.json", "-o", tmp_path / "r.json"], "also an --output"),
        (["--shard", "1/2", "--partial", tmp_path], "is a directory"),
    ):
        r = run_cli(["scan", dataset, "-i", index_dir, "-p", policy, *args], code=2)
        assert said in r.stderr, (args, r.stderr)
    assert not (tmp_path / "p").exists()
    part = _shards(tmp_path, index_dir, dataset, policy, 1, [1])[0]
    before = part.read_bytes()
    r = run_cli(["merge", part, "-f", "json", "-o", part], code=2)
    assert "partial being merged" in r.stderr and part.read_bytes() == before
    assert os.path.getsize(part) > 0


def test_waivers_are_counted_over_every_share(
    tmp_path: Path, index_dir: Path, dataset: Path, policy: Path
) -> None:
    """A waiver used by one share is not stale in the merge; one no share used is."""
    full = tmp_path / "full.json"
    _scan(index_dir, dataset, policy, "-f", "json", "-o", full, code=1)
    last = json.loads(full.read_text())["findings"][-1]["id"]
    waivers = tmp_path / "w.yaml"
    waivers.write_text(
        "version: 1\nwaivers:\n"
        f"  - id: {last}\n    reason: reviewed\n    approver: jane\n    date: 2025-01-01\n"
        "  - id: 0123456789abcdef0123\n    reason: gone\n    approver: jane\n    date: 2025-01-01\n"
    )
    _scan(index_dir, dataset, policy, "--waivers", waivers, "-f", "json", "-o", full, code=1)
    parts = []
    for i in (1, 2, 3):
        part = tmp_path / f"w{i}.partial"
        _scan(
            index_dir, dataset, policy, "--waivers", waivers, "--shard", f"{i}/3", "--partial", part, code=-1
        )
        parts.append(part)
    merged = tmp_path / "m.json"
    run_cli(["merge", *parts, "-f", "json", "-o", merged, "-q"], code=1)
    one, many = json.loads(full.read_text()), json.loads(merged.read_text())
    assert one["waivers"]["waived"] >= 1 and len(one["waivers"]["stale"]) == 1
    assert _stable(many) == _stable(one)
    # Another waivers file: another run.
    waivers.write_text("version: 1\nwaivers: []\n")
    other = tmp_path / "other.partial"
    _scan(index_dir, dataset, policy, "--waivers", waivers, "--shard", "3/3", "--partial", other, code=-1)
    r = run_cli(["merge", parts[0], parts[1], other], code=2)
    assert "waivers_digest differs" in r.stderr and str(other) in r.stderr


def test_a_partial_with_values_of_the_wrong_type_is_refused(
    tmp_path: Path, index_dir: Path, dataset: Path, policy: Path
) -> None:
    """A hand-edited partial (a number where a path goes, a string where a record goes) is a
    located error, not a traceback in a report."""
    (part,) = _shards(tmp_path, index_dir, dataset, policy, 1, [1])
    lines = gzip.decompress(part.read_bytes()).decode().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith('{"match"'))
    for position, value in ((0, 12345), (1, "oops")):  # the id a number; the record a string
        item = json.loads(lines[at])
        item["match"]["f"][position] = value
        broken = tmp_path / "broken.partial"
        # The digest recomputed (as an editor who knows the format would): the type checks behind it.
        broken.write_bytes(seal_partial([*lines[:at], json.dumps(item), *lines[at + 1 :]]))
        r = run_cli(["merge", broken], code=2)
        assert f"{broken}:{at + 1}: invalid partial" in r.stderr and "Traceback" not in r.stderr


def test_dataset_cards_are_judged_against_every_shares_matches(tmp_path: Path) -> None:
    """The demo's card declares apache-2.0 while a record in another share copies CC-BY-NC
    material: the card's finding needs every share's matches, so the merge evaluates cards
    (with the policy and waivers read again and checked against the run record)."""
    from helpers import ROOT

    demo = ROOT / "fixtures" / "demo"
    index = tmp_path / "index"
    run_cli(["index", "build", index, "--sources", demo / "sources.yaml", "-q"])
    base = [
        "scan",
        demo / "dataset",
        "-i",
        index,
        "-p",
        demo / "policy.yaml",
        "--waivers",
        demo / "waivers.yaml",
        "-q",
    ]
    full = tmp_path / "full.json"
    run_cli([*base, "-f", "json", "-o", full], code=1)
    one = json.loads(full.read_text())
    assert "declared-licence-contradicts-matched-noncommercial" in {f["rule"] for f in one["findings"]}
    parts = []
    for i in (1, 2):
        parts.append(tmp_path / f"d{i}.partial")
        _scan_args = [*base, "--shard", f"{i}/2", "--partial", parts[-1]]
        result = CliRunner().invoke(cli, [str(a) for a in _scan_args], catch_exceptions=False)
        assert result.exit_code in (0, 1, 4), result.stderr
    merged = tmp_path / "merged.json"
    run_cli(["merge", *parts, "-f", "json", "-o", merged, "-q"], code=1)
    assert _stable(json.loads(merged.read_text())) == _stable(one)
    # A policy edited after the shards ran is refused.
    edited = tmp_path / "policy.yaml"
    edited.write_text((demo / "policy.yaml").read_text())
    parts2 = []
    for i in (1, 2):
        parts2.append(tmp_path / f"e{i}.partial")
        args = [
            "scan",
            demo / "dataset",
            "-i",
            index,
            "-p",
            edited,
            "-q",
            "--shard",
            f"{i}/2",
            "--partial",
            parts2[-1],
        ]
        assert CliRunner().invoke(cli, [str(a) for a in args]).exit_code in (0, 1, 4)
    edited.write_text(edited.read_text() + "\n# edited\n")
    r = run_cli(["merge", *parts2, "-q"], code=2)
    assert "changed since the shards ran" in r.stderr


def test_shares_run_by_two_jobs_are_said_share_by_share_not_as_the_first_ones(
    tmp_path: Path, index_dir: Path, dataset: Path, policy: Path
) -> None:
    """A merged run record took shard 1's ``run_by``: a share run by another job was credited to
    the first one's."""
    parts = []
    for i, who in ((1, "ci: job 7"), (2, "ci: job 8")):
        part = tmp_path / f"s{i}.partial"
        _scan(index_dir, dataset, policy, "--shard", f"{i}/2", "--partial", part, "--run-by", who, code=-1)
        parts.append(part)
    merged, page = tmp_path / "m.json", tmp_path / "m.html"
    run_cli(["merge", *parts, "-f", "json", "-o", merged, "-f", "html", "-o", page], code=1)
    run = json.loads(merged.read_text())["run"]
    assert "run_by" not in run and "run_by_from" not in run
    assert [p.get("run_by") for p in run["merged"]["partials"]] == ["ci: job 7", "ci: job 8"]
    html = page.read_text(encoding="utf-8")
    assert "shard 1/2: ci: job 7; shard 2/2: ci: job 8" in html
    # Shares run by the same job keep it as the run's.
    for i in (1, 2):
        _scan(
            index_dir,
            dataset,
            policy,
            "--shard",
            f"{i}/2",
            "--partial",
            parts[i - 1],
            "--run-by",
            "ci",
            code=-1,
        )
    run_cli(["merge", *parts, "-f", "json", "-o", merged], code=1)
    assert json.loads(merged.read_text())["run"]["run_by"] == "ci"
