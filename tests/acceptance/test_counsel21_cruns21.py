"""Counsel read 21, points 5 and 6 (scan "dense": a ChatGPT answer cut ten words to a record),
with tests that fail on the code before.

P5. The copy's windows (``scan.runs``: content-defined, ~16 records) cut it in three: its
    opening (the first window's three records, 30 tokens) was lowered to review as "short ...
    can coincide" while the rest blocked. Windows whose matches of one reference meet at their
    boundary are now matched again as one text: the whole cut copy is one blocking run.
P6. The same records were counted in different units: the HTML "What this result does and does
    not prove" counted a short run as one record (14 + 1 beside the table's 12 + 3) and the
    chart "Records by worst action" counted rows (a run is one row); JUnit gave a run as one
    test case at its first line and SARIF named its first record only. Every format now lists
    each record of a run: JUnit one case per record at its line, SARIF one logical location per
    record.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from helpers import FIXTURES, run_cli


def _words(markup: str) -> str:
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", markup)))


OWN = {"id": "own-1", "text": "Our team wrote this short note about office plants and watering."}
OWN_2 = {"id": "own-2", "text": "We planted basil on the balcony and it grew well in the summer sun."}


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo index; ``snippets.jsonl``: one own record, then share-003's answer cut ten words
    to a record (counsel's scan "dense"); ``opening.jsonl``: the own record and the answer's first
    three pieces only (a short passage, rightly review); ``apart.jsonl``: the first three
    pieces, then the eighth to the last (the copy does not go on where the first window ends);
    ``between.jsonl``: the answer with an own record after its third piece. One scan, every
    format."""
    tmp = tmp_path_factory.mktemp("dense")
    shutil.copytree(FIXTURES / "demo", tmp / "demo")
    refs = (tmp / "demo" / "references" / "chatgpt_share.jsonl").read_text(encoding="utf-8").splitlines()
    answer = json.loads(refs[3])["conversations"][1]["value"].split()
    pieces = [
        {"id": f"piece-{i // 10}", "text": " ".join(answer[i : i + 10])} for i in range(0, len(answer), 10)
    ]
    data = tmp / "data"
    data.mkdir()
    (data / "snippets.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [OWN, *pieces]))
    (data / "opening.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [OWN, *pieces[:3]]))
    (data / "apart.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [OWN, *pieces[:3], *pieces[7:]]))
    between = [OWN, *pieces[:3], OWN_2, *pieces[3:]]
    (data / "between.jsonl").write_text("".join(json.dumps(r) + "\n" for r in between))
    run_cli(["index", "build", tmp / "index", "--sources", tmp / "demo" / "sources.yaml", "--quiet"])
    args: list[object] = ["scan", data, "--index", tmp / "index", "--policy", tmp / "demo" / "policy.yaml"]
    names = {"json": "r.json", "html": "r.html", "junit": "r.xml", "sarif": "r.sarif"}
    for kind, name in names.items():
        args += ["-f", kind, "-o", tmp / name]
    run_cli([*args, "-q", "--no-cache"], code=1)
    out = {kind: (tmp / name).read_text(encoding="utf-8") for kind, name in names.items()}
    out["pieces"] = len(pieces)
    out["data"] = data
    return out


def _findings(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [f for f in _runs(doc) if f["record"]["path"].endswith(name)]


def _runs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings these tests are about: the demo's ShareGPT copies also get one for ShareGPT's
    missing licence (counsel 23), on the same records."""
    return [f for f in doc["findings"] if f["rule"] != "unlicensed-material"]


def test_the_opening_of_a_cut_copy_is_judged_with_the_run_it_continues(dense: dict[str, Any]) -> None:
    doc = json.loads(dense["json"])
    last = 1 + dense["pieces"]
    (run,) = _findings(doc, "snippets.jsonl")  # was three: 2-4 (review, short), 5-10, 11-15
    assert (run["record"]["line"], run["record"]["end_line"]) == (2, last), run["record"]
    assert run["action"] == "block" and run["downgraded_from"] is None
    assert run["reference"]["id"] == "share-003"
    # Independent of it, the same three opening records alone stay a short passage: review.
    (opening,) = _findings(doc, "opening.jsonl")
    assert (opening["record"]["line"], opening["record"]["end_line"]) == (2, 4)
    assert opening["action"] == "review" and opening["downgraded_from"] == "block"


def test_windows_are_joined_only_where_the_copy_goes_on(dense: dict[str, Any]) -> None:
    """The false-positive side: the same opening window, followed by a window that matches
    the same reference but not where the opening ends in it (``apart``), or that starts with
    an own record (``between``), is not joined: joined, the first would block three records
    that copy only a short passage, the second would block the own record inside the run."""
    doc = json.loads(dense["json"])
    last = 1 + dense["pieces"]
    apart = [
        (f["record"]["line"], f["record"]["end_line"], f["action"]) for f in _findings(doc, "apart.jsonl")
    ]
    assert sorted(apart) == [(2, 4, "review"), (5, 4 + dense["pieces"] - 7, "block")]
    between = [
        (f["record"]["line"], f["record"]["end_line"], f["action"]) for f in _findings(doc, "between.jsonl")
    ]
    assert sorted(between) == [(2, 4, "review"), (6, last + 1, "block")]  # line 5: own-2, no finding


def _covered(doc: dict[str, Any], action: str) -> set[tuple[str, int]]:
    """The records (path, index) the findings of ``action`` cover: each of a run's."""
    out = set()
    for f in doc["findings"]:
        if f["action"] == action:
            rec = f["record"]
            last = rec.get("end_index") if rec.get("end_index") is not None else rec["index"]
            out.update((rec["path"], i) for i in range(rec["index"], last + 1))
    return out


def test_the_html_counts_records_in_one_unit(dense: dict[str, Any]) -> None:
    doc, page = json.loads(dense["json"]), _words(dense["html"])
    blocked = _covered(doc, "block")
    review = _covered(doc, "review") - blocked
    assert blocked and len(review) >= 3  # the opening of the copy is review, alone or also
    counts = doc["summary"]["records"]
    assert (counts["blocking"], counts["with_findings"]) == (len(blocked), len(blocked) + len(review))
    assert f"Blocked: {len(blocked)} of {counts['scanned']} records" in page
    # "What this result does and does not prove" counted a short run as one record.
    assert f"It shows that {len(blocked)} record(s) contain text verified" in page
    assert f"; {len(review)} record(s) share with an indexed source only passages shorter" in page
    # The chart counts records (a run's row covers each), as its title says: it counted rows.
    assert f"Records by worst action: block: {len(blocked)}; review: {len(review)};" in page


def test_junit_and_sarif_name_every_record_of_a_run(dense: dict[str, Any]) -> None:
    doc = json.loads(dense["json"])
    runs = sorted(
        (f for f in doc["findings"] if f["record"].get("end_index") is not None),
        key=lambda f: (f["record"]["path"], f["record"]["index"]),
    )
    assert len(runs) >= 2 and {f["action"] for f in runs} == {"block", "review"}
    root = ET.fromstring(dense["junit"])
    cases = [c for c in root.iter("testcase") if c.get("file", "").endswith(".jsonl")]
    expected = []  # (file, line, failed) for each record of each run, in the runs' order
    for f in runs:
        rec = f["record"]
        for line in range(rec["line"], rec["end_line"] + 1):
            expected.append((rec["path"].rsplit("/", 1)[1], str(line), f["action"] == "block"))
    got = [(c.get("file", "").rsplit("/", 1)[1], c.get("line"), c.find("failure") is not None) for c in cases]
    assert sorted(got) == sorted(expected)  # was one case per run, at its first line
    assert all((c.find("failure") is not None) or (c.find("system-out") is not None) for c in cases)
    first = next(f for f in runs if f["action"] == "block")["record"]
    size = first["end_index"] - first["index"] + 1
    where = f"{first['line']}-{first['end_line']}"
    at = [c for c in cases if c.get("line") == str(first["line"]) and c.find("failure") is not None]
    named = [c.get("name", "") for c in at]
    assert any(f"(record 1 of {size} of the run " in n and n.endswith(f":{where})") for n in named), named
    failed = sum(1 for *_, failed in expected if failed)
    assert root.get("tests") == str(len(expected)) and root.get("failures") == str(failed)
    (sarif_run,) = json.loads(dense["sarif"])["runs"]
    for f in runs:
        rec = f["record"]
        name = rec["path"].rsplit("/", 1)[1]
        (loc,) = [
            r["locations"][0]
            for r in sarif_run["results"]
            if r["properties"]["findingId"] == f["id"]
            and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(name)
        ]
        assert loc["physicalLocation"]["region"] == {"startLine": rec["line"], "endLine": rec["end_line"]}
        named = [x["fullyQualifiedName"].rsplit("#", 1)[1] for x in loc["logicalLocations"]]
        assert named == [str(i) for i in range(rec["index"], rec["end_index"] + 1)]  # was the first only


def test_the_hook_joins_new_records_that_begin_a_window_with_the_committed_copy(
    tmp_path: Any, dense: dict[str, Any]
) -> None:
    """Adversarial pass 21: the copy's first windows committed (past the gate), its next three
    pieces (30 tokens, a window of their own: the boundary after line 10 is the committed
    record's) staged. A full scan blocks lines 2-13 as one run; the hook matched the new window
    alone, a short passage to review, and let the commit in (exit 0). Windows of committed
    records are now matched too, to join the copy the new records continue."""
    from gitrepo import GitRepo, isolated_env, jsonl

    data = dense["data"]
    lines = (data / "snippets.jsonl").read_text(encoding="utf-8").splitlines()
    pieces = [json.loads(line) for line in lines]  # the own record, then the pieces
    demo = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", demo)
    index = tmp_path / "index"
    run_cli(["index", "build", index, "--sources", demo / "sources.yaml", "--quiet"])
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write(".provcheck.yaml", f"index: {index}\npolicy: {demo / 'policy.yaml'}\n")
    repo.write("data/train.jsonl", jsonl(pieces[:10]))  # lines 1-10: two whole windows
    repo.git("add", ".")
    repo.commit("dataset", "--no-verify")
    repo.append("data/train.jsonl", jsonl(pieces[10:13]))
    repo.git("add", ".")
    refused = " ".join(repo.provcheck("hook", "run", code=1).stderr.split())
    assert "data/train.jsonl:11-13" in refused and "1 block" in refused, refused
    repo.git("commit", "-q", "--no-verify", "-m", "more of the copy")
    doc = json.loads(repo.provcheck("scan", "--changed-since", "HEAD~1", "-f", "json", "-q", code=1).stdout)
    (found,) = _runs(doc)
    assert found["action"] == "block" and (found["record"]["line"], found["record"]["end_line"]) == (11, 13)
    # What the committed windows matched on their own is not this change's: not reported.
    assert [m["record"]["line"] for m in doc["matches"]] == [11]
    whole = json.loads(repo.provcheck("scan", "data", "-f", "json", "-q", code=1).stdout)
    assert [(f["action"], f["record"]["line"], f["record"]["end_line"]) for f in _runs(whole)] == [
        ("block", 2, 13)
    ]


def test_a_copys_end_under_the_floor_after_a_boundary_is_in_the_run(
    tmp_path: Any, dense: dict[str, Any]
) -> None:
    """Adversarial pass 21: the copy's pieces 1-11 (lines 2-12): the window after the boundary at
    line 10 holds two pieces, 20 tokens, under the floor alone, and was in no finding (the run
    was 2-10); with the first ten lines committed, the hook let the two appended pieces in."""
    from gitrepo import GitRepo, isolated_env, jsonl

    lines = (dense["data"] / "snippets.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines][:12]
    demo = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", demo)
    index = tmp_path / "index"
    run_cli(["index", "build", index, "--sources", demo / "sources.yaml", "--quiet"])
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write(".provcheck.yaml", f"index: {index}\npolicy: {demo / 'policy.yaml'}\n")
    repo.write("data/train.jsonl", jsonl(rows[:10]))
    repo.git("add", ".")
    repo.commit("dataset", "--no-verify")
    repo.append("data/train.jsonl", jsonl(rows[10:]))
    repo.git("add", ".")
    refused = " ".join(repo.provcheck("hook", "run", code=1).stderr.split())
    assert "data/train.jsonl:11-12" in refused and "1 block" in refused, refused
    whole = json.loads(repo.provcheck("scan", "data", "-f", "json", "-q", code=1).stdout)
    assert [(f["action"], f["record"]["line"], f["record"]["end_line"]) for f in _runs(whole)] == [
        ("block", 2, 12)
    ]
