"""Adversarial pass on the features merged on 2026-12-05 (shards that merge, fingerprint packs,
policy structure): each test is a way a realistic user could get a clean or wrong answer while
something they gave was ignored or mis-read."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, seal_partial, write_jsonl
from provcheck.cli import cli
from provcheck.errors import PolicyError
from provcheck.policy import load_policy
from provcheck.policy.model import comparisons


def _policy(tmp_path: Path, when: object) -> Path:
    doc = {
        "version": 1,
        "name": "t",
        "rules": [{"id": "r1", "title": "t", "action": "block", "signal": "match", "when": when}],
    }
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize(
    "when",
    [
        {"source.provider": {"in": [{"a": 1}]}},  # was an internal error (unhashable) at scan time
        {"source.provider": {"not_in": [["openai"]]}},
        {"source.provider": [{"name": "openai"}]},
        {"source.provider": {"glob": []}},  # an empty glob list never matched: the rule never fired
    ],
    ids=["in-mapping", "not-in-list", "list-of-mapping", "empty-glob"],
)
def test_a_policy_list_operand_that_could_never_match_is_refused_where_it_is(
    tmp_path: Path, when: object
) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(str(_policy(tmp_path, when)))
    assert "policy.yaml:" in caught.value.message
    assert caught.value.exit_code == 3


def test_numbers_in_a_text_list_are_compared_as_text_like_equals_does(tmp_path: Path) -> None:
    # `record.id: 12` tests the text "12"; `record.id: [12, 13]` tested the number 12 and so
    # never matched a record id (always text): the rule silently never fired.
    policy = load_policy(str(_policy(tmp_path, {"record.id": [12, 13]})))
    (comparison,) = comparisons(policy.rules[0].when)
    assert comparison.holds({"record.id": "12"})
    assert not comparison.holds({"record.id": "14"})


# --- shards that merge ------------------------------------------------------------------------


def _two_shards(tmp_path: Path, index_dir: Path) -> tuple[list[Path], Path]:
    """Two shares of a scan: one file with a copy (a blocking finding), one without."""
    data = tmp_path / "data"
    write_jsonl(data / "copy.jsonl", [{"text": REFERENCE_TEXTS[0]}] * 3)
    write_jsonl(data / "clean.jsonl", [{"text": UNRELATED_TEXT}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "rules:\n  - id: block-openai\n    title: OpenAI output\n    when: {source.provider: openai}\n"
        "    action: block\n"
    )
    parts = []
    for i in (1, 2):
        part = tmp_path / f"p{i}.partial"
        result = CliRunner().invoke(
            cli,
            [
                str(a)
                for a in (
                    "scan",
                    data,
                    "-i",
                    index_dir,
                    "-p",
                    policy,
                    "-q",
                    "-j",
                    "1",
                    "--shard",
                    f"{i}/2",
                    "--partial",
                    part,
                )
            ],
            catch_exceptions=False,
        )
        assert result.exit_code in (0, 1), result.output
        parts.append(part)
    return parts, data


def _lines(part: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in gzip.decompress(part.read_bytes()).splitlines()]


def _write(part: Path, lines: list[dict[str, Any]]) -> None:
    part.write_bytes(seal_partial(lines))  # the digest recomputed: the checks behind it are tested


def _with_findings(parts: list[Path]) -> tuple[Path, Path]:
    first, second = parts
    return (first, second) if any("finding" in x for x in _lines(first)) else (second, first)


def test_merge_of_untouched_shards_fails_as_one_scan(tmp_path: Path, index_dir: Path) -> None:
    parts, _ = _two_shards(tmp_path, index_dir)
    run_cli(["merge", *parts], code=1)


def test_a_partial_whose_file_list_was_cut_is_refused(tmp_path: Path, index_dir: Path) -> None:
    """Its run record's file list was the only one checked against its own files, and the other
    shares' lists were compared by their digest only: a partial that left a file (and its
    findings) out of its own list merged into a clean report, exit 0."""
    parts, _ = _two_shards(tmp_path, index_dir)
    bad, _ = _with_findings(parts)
    lines = _lines(bad)
    shard = lines[0]["run"]["shard"]
    mine = shard["index"]
    shard["files"] = [f for f in shard["files"] if f["share"] != mine]
    kept = [x for x in lines if not {"file", "match", "finding", "error", "declaration"} & set(x)]
    stats = kept[1]["stats"]["f"]
    stats[0:6] = [0, 0, 0, 0, 0, 0]
    _write(bad, kept)
    r = run_cli(["merge", *parts], code=2)
    assert str(bad) in r.stderr


def test_a_partial_missing_findings_or_matches_its_counts_name_is_refused(
    tmp_path: Path, index_dir: Path
) -> None:
    """A partial holds its share's counts; findings or matches removed from it (by an edit, or
    a tool that filters JSON lines) merged into a smaller verdict without a word."""
    parts, _ = _two_shards(tmp_path, index_dir)
    bad, _ = _with_findings(parts)
    lines = _lines(bad)
    for drop in ("finding", "match"):
        _write(bad, [x for x in lines if drop not in x and not (drop == "match" and "finding" in x)])
        r = run_cli(["merge", *parts], code=2)
        assert str(bad) in r.stderr and "Traceback" not in r.stderr


# --- indexes and packs together ---------------------------------------------------------------


def test_the_same_index_or_pack_given_twice_is_refused(tmp_path: Path, index_dir: Path) -> None:
    """Given twice (the same path, or a copy), every source's texts and records were counted
    twice in the reports' source table (6 texts shown for 3), and the scan exited as usual."""
    data = tmp_path / "data"
    write_jsonl(data / "d.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    copy = tmp_path / "copy-of-index"
    shutil.copytree(index_dir, copy)
    pack = tmp_path / "refs.pack"
    run_cli(["pack", "create", index_dir, "-o", pack, "--publisher", "Acme", "-q"])
    pack_copy = tmp_path / "refs-copy.pack"
    shutil.copyfile(pack, pack_copy)
    for first, second in ((index_dir, index_dir), (index_dir, copy), (pack, pack_copy)):
        r = run_cli(["scan", data, "-i", first, "-i", second, "-q", "--no-cache"], 2)
        assert "given twice" in r.stderr and str(second) in r.stderr
    run_cli(["scan", data, "-i", index_dir, "-q", "--no-cache", "--fail-on", "never"], 0)


@pytest.mark.parametrize("keyed", [False, True])
def test_a_pack_beside_the_index_it_was_made_from_is_refused(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch, keyed: bool
) -> None:
    """A pack and its own index hold the same texts: every source's texts and records were
    counted twice in the source table (and, keyed, every anchor's frequency)."""
    if keyed:
        monkeypatch.setenv("PROVCHECK_PACK_KEY", "ab" * 32)
    data = tmp_path / "data"
    write_jsonl(data / "d.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    pack = tmp_path / "refs.pack"
    run_cli(
        [
            "pack",
            "create",
            index_dir,
            "-o",
            pack,
            "--publisher",
            "Acme",
            "-q",
            *(["--keyed"] if keyed else []),
        ]
    )
    for first, second in ((index_dir, pack), (pack, index_dir)):
        r = run_cli(["scan", data, "-i", first, "-i", second, "-q", "--no-cache"], 2)
        assert "made from" in r.stderr and "given twice" in r.stderr


# --- outputs over inputs ----------------------------------------------------------------------


def test_no_output_replaces_a_file_of_the_index(tmp_path: Path, index_dir: Path) -> None:
    """``--partial INDEX/manifest.json`` (and ``-o`` there) replaced the index's manifest: the
    index was an input the output checks did not know of."""
    data = tmp_path / "data"
    write_jsonl(data / "d.jsonl", [{"text": UNRELATED_TEXT}])
    manifest = index_dir / "manifest.json"
    before = manifest.read_bytes()
    base = ["scan", data, "-i", index_dir, "-q", "--no-cache"]
    for extra in (
        ["-f", "json", "-o", manifest],
        ["--shard", "1/2", "--partial", manifest],
    ):
        r = run_cli([*base, *extra], 2)
        assert "index" in r.stderr
        assert manifest.read_bytes() == before
    pack = tmp_path / "refs.pack"
    run_cli(["pack", "create", index_dir, "-o", pack, "--publisher", "Acme", "-q"])
    pack_bytes = pack.read_bytes()
    run_cli(["scan", data, "-i", pack, "-q", "--no-cache", "-f", "json", "-o", pack], 2)
    assert pack.read_bytes() == pack_bytes
    run_cli(["pack", "create", index_dir, "-o", manifest, "--publisher", "Acme", "-q"], 2)
    assert manifest.read_bytes() == before


def test_merge_never_writes_over_the_runs_policy_or_data(tmp_path: Path, index_dir: Path) -> None:
    """merge protected only its partials: ``-o policy.yaml`` replaced the run's policy (which
    merge reads again for dataset cards) and ``-o data/x.jsonl`` a dataset file."""
    parts, data = _two_shards(tmp_path, index_dir)
    policy = tmp_path / "policy.yaml"
    before = policy.read_bytes()
    r = run_cli(["merge", *parts, "-f", "json", "-o", policy], 2)
    assert "input" in r.stderr and policy.read_bytes() == before
    target = data / "clean.jsonl"
    kept = target.read_bytes()
    run_cli(["merge", *parts, "-f", "json", "-o", target], 2)
    assert target.read_bytes() == kept


@pytest.mark.parametrize("text", ["1/1000000000", "1/99999999999999"])
def test_an_absurd_shard_count_is_refused_not_a_memory_error(
    tmp_path: Path, index_dir: Path, text: str
) -> None:
    """N was used as a list size: 1/1000000000 took 8 GB and minutes, 1/99999999999999 was an
    internal error (exit 10)."""
    data = tmp_path / "data"
    write_jsonl(data / "d.jsonl", [{"text": UNRELATED_TEXT}])
    r = run_cli(["scan", data, "-i", index_dir, "--shard", text, "--partial", tmp_path / "p"], 2)
    assert "--shard" in r.stderr


def test_more_shards_than_files_deal_as_before_and_fast() -> None:
    from provcheck.scan.partial import deal

    assert deal([5, 0, 0, 7, 1], 100_000) == deal([5, 0, 0, 7, 1], 5) == [2, 4, 4, 1, 3]
    assert deal([5, 0, 0, 7, 1], 2) == [2, 2, 2, 1, 2]
    assert deal([3, 3, 3, 3], 3) == [1, 2, 3, 1]


def test_shards_scan_against_a_pack_and_several_indexes(tmp_path: Path, index_dir: Path) -> None:
    """``--shard`` with a pack, or with two --index, scanned its share and then failed to write
    the partial (exit 5 "no index here", or exit 2 "--index changed during the scan"): the
    partial re-opened only the first --index, as a plain index."""
    data = tmp_path / "data"
    write_jsonl(data / "copy.jsonl", [{"text": REFERENCE_TEXTS[0]}] * 2)
    write_jsonl(data / "clean.jsonl", [{"text": UNRELATED_TEXT}])
    pack = tmp_path / "refs.pack"
    run_cli(["pack", "create", index_dir, "-o", pack, "--publisher", "Acme", "-q"])
    other = tmp_path / "other-index"
    refs = write_jsonl(tmp_path / "other.jsonl", [{"id": "tides", "text": UNRELATED_TEXT}])
    run_cli(["index", "add", other, refs, "--source", "tides-src", "--provider", "example", "-q"])
    for indexes in ([pack], [index_dir, other], [other, pack]):
        given = [a for i in indexes for a in ("-i", i)]
        base = ["scan", data, *given, "-q", "--no-cache", "--fail-on", "never", "-j", "1"]
        single = json.loads(run_cli([*base, "-f", "json"], 0).stdout)
        parts = [tmp_path / f"s{i}.partial" for i in (1, 2)]
        for i, part in enumerate(parts, 1):
            run_cli([*base, "--shard", f"{i}/2", "--partial", part], 0)
        merged = json.loads(run_cli(["merge", *parts, "-f", "json"], 0).stdout)
        assert len(merged["matches"]) == len(single["matches"]) > 0
        assert merged["run"]["index"]["digest"] == single["run"]["index"]["digest"]


def test_an_index_at_a_url_may_be_any_of_the_indexes_given(
    tmp_path: Path, index_dir: Path, private_cache: Path
) -> None:
    """Only the first --index was fetched: ``-i LOCAL -i URL`` was exit 5 ("no index here")
    where ``-i URL -i LOCAL`` worked."""
    data = tmp_path / "data"
    write_jsonl(data / "d.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    other = tmp_path / "other-index"
    refs = write_jsonl(tmp_path / "other.jsonl", [{"id": "tides", "text": UNRELATED_TEXT}])
    run_cli(["index", "add", other, refs, "--source", "tides-src", "--provider", "example", "-q"])
    url = f"file://{index_dir}"
    base = ["scan", data, "-q", "--no-cache", "--fail-on", "never", "-j", "1", "-f", "json"]
    first = json.loads(run_cli([*base, "-i", url, "-i", other], 0).stdout)
    later = json.loads(run_cli([*base, "-i", other, "-i", url], 0).stdout)
    assert len(first["matches"]) == len(later["matches"]) == 1


@pytest.mark.parametrize("when", [{"any": []}, {"not": {}}, {"not": []}, {"all": [{"any": []}]}])
def test_a_condition_that_can_never_hold_is_refused(tmp_path: Path, when: object) -> None:
    """``any: []`` is false and ``not: {}`` is not(true): a block rule written so never fired,
    and the policy validated."""
    with pytest.raises(PolicyError) as caught:
        load_policy(str(_policy(tmp_path, when)))
    assert "policy.yaml:" in caught.value.message and "never" in caught.value.message


def test_a_bad_counts_line_is_located_at_its_own_line(tmp_path: Path, index_dir: Path) -> None:
    """The counts line (line 2) was decoded after the whole file: its fault was reported at
    the last line."""
    parts, _ = _two_shards(tmp_path, index_dir)
    lines = _lines(parts[0])
    lines[1]["stats"] = {"$d": "NoSuchThing", "f": []}
    _write(parts[0], lines)
    r = run_cli(["merge", *parts], 2)
    assert f"{parts[0]}:2: invalid partial" in r.stderr


@pytest.mark.parametrize("name", ["Acme\x1b[31m Models", "Acme\u202e sledoM", "Acme\nModels"])
def test_a_publisher_name_with_control_characters_is_refused(
    tmp_path: Path, index_dir: Path, name: str
) -> None:
    """The publisher goes into every report of every scan against the pack; a terminal
    escape or a bidi override in it reached the HTML report raw."""
    out = tmp_path / "p.pack"
    r = run_cli(["pack", "create", index_dir, "-o", out, "--publisher", name, "-q"], 2)
    assert "--publisher" in r.stderr and "\x1b" not in r.stderr and not out.exists()


def test_a_partial_inside_the_scanned_directory_is_refused(tmp_path: Path, index_dir: Path) -> None:
    """``--partial data/part-1.jsonl.gz``: the next share scanned share 1's partial (gzip JSON
    lines, with the matched texts in it) as data, and the merge then refused the pair with only
    two differing digests to say why."""
    data = tmp_path / "data"
    write_jsonl(data / "d.jsonl", [{"text": UNRELATED_TEXT}])
    part = data / "sub" / "part-1.jsonl.gz"
    (data / "sub").mkdir()
    r = run_cli(["scan", data, "-i", index_dir, "-q", "--shard", "1/2", "--partial", part], 2)
    assert "--partial" in r.stderr and not part.exists()


@pytest.mark.parametrize(
    "when",
    [
        {"match.kind": "near-duplcate"},
        {"match.kind": ["excerpt", "near_duplicate"]},
        {"record.kind": {"in": ["assistent"]}},
        {"record.kind": {"not_in": ["tool-call"]}},
    ],
)
def test_a_value_outside_a_closed_vocabulary_is_refused(tmp_path: Path, when: object) -> None:
    """match.kind and record.kind take a few fixed words; a misspelt one
    validated and made the rule never fire (or, with not_in, always)."""
    with pytest.raises(PolicyError) as caught:
        load_policy(str(_policy(tmp_path, when)))
    assert "policy.yaml:" in caught.value.message and "allowed:" in caught.value.message


def test_a_worker_refuses_an_index_at_a_url_that_changed_since_the_scan_began(
    tmp_path: Path, index_dir: Path, private_cache: Path
) -> None:
    """Each worker process fetches a URL index again: one that changed at the URL mid-scan was
    matched by the workers while the run record named the version the driver opened."""
    fsspec = pytest.importorskip("fsspec")
    from provcheck.errors import ReferenceIndexError
    from provcheck.index.combined import open_index
    from provcheck.index.remote import local_index
    from provcheck.matching.params import MatchConfig
    from provcheck.scan.engine import BatchMatcher

    url = "memory://adv2-changing-index"
    fs = fsspec.filesystem("memory")
    fs.put(str(index_dir), url.removeprefix("memory://"), recursive=True)
    opened = open_index([local_index(url)])
    recipe = BatchMatcher(url, MatchConfig(), None, digest=opened.digest)
    recipe()  # the same index: fine
    other = tmp_path / "other-index"
    refs = write_jsonl(tmp_path / "other.jsonl", [{"id": "tides", "text": UNRELATED_TEXT}])
    run_cli(["index", "add", other, refs, "--source", "tides-src", "--provider", "example", "-q"])
    fs.rm(url.removeprefix("memory://"), recursive=True)
    fs.put(str(other), url.removeprefix("memory://"), recursive=True)
    with pytest.raises(ReferenceIndexError, match="changed"):
        recipe()


@pytest.mark.parametrize(
    ("when", "meant"),
    [
        ({"use.purpose": "train-competing-modle"}, "train-competing-model"),
        ({"use.purpose": {"in": ["research", "fine-tune-provider-models"]}}, "fine-tune-provider-model"),
    ],
)
def test_a_near_miss_of_a_shipped_purpose_is_refused(tmp_path: Path, when: object, meant: str) -> None:
    """The purpose vocabulary is open, so a misspelt shipped purpose was taken as a purpose of
    the policy's own: the rule never fired for the declared use it was written for."""
    with pytest.raises(PolicyError) as caught:
        load_policy(str(_policy(tmp_path, when)))
    assert "policy.yaml:" in caught.value.message and f"did you mean {meant!r}" in caught.value.message


def test_a_purpose_of_the_policys_own_is_still_accepted(tmp_path: Path) -> None:
    policy = load_policy(str(_policy(tmp_path, {"use.purpose": "train-reward-model"})))
    assert "train-reward-model" in policy.purposes()
