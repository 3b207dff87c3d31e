"""Fail-open leftovers (pass 10): settings, values and strings a run was given and did not use.
Each test fails on the code before its fix.

1. ``provcheck baseline`` ignored ``.provcheck.yaml``: it needed ``--index`` although the project
   names one, judged the data under the default policy and declared use rather than the
   project's, scanned the files the project's globs exclude, and wrote the waivers file of the
   current directory, not the project's. The baseline it wrote accepted other findings than the
   gate gives. It now resolves its settings as ``scan`` does and says what it used; every entry
   records the action the finding had (``action: review``), and an entry does not cover a
   finding the gate gives a more severe action (a baseline taken under a lenient policy or a
   narrower declared use cannot waive a block).
2. A dataset card's (or ``provenance.yaml``'s) licence that no licence rule can read (``license:
   other`` without ``license_name``, ``MIT-ish``, ``CC BY-NC 4.0`` with spaces) was taken as
   given: no trait was read from it, every licence rule passed it, and a non-commercial dataset
   went into a commercial model with exit 0. Such a value is now a finding at the card's line,
   built in (``declared-licence-unreadable``): ``review`` when a licence rule of the policy could
   apply under the declared use (the rules could not be evaluated; a person reads the licence),
   ``info`` otherwise, listed and counted in every format.
3. A pandas frame with a string index written with ``to_json(orient="index")`` or ``"columns"``
   (``{"conv-0": {"instruction": ..., "output": ...}, ...}``) was read as ONE record: its text
   was read, but every finding and waiver named record 0 and no row's schema was recognised.
   Which level holds the rows is now told by the field names (the level whose keys are
   ``instruction``, ``text``, ``messages``... holds the column names) and by the cells' types
   (one type per column), which must not disagree; when neither tells, the object is still one
   record and a located error says why and which orient reads (exit 4).
4. A copied answer stored base64-encoded (``"payload": "VGhlIHF1aWNr..."``) was an opaque
   string: counted as an "encoded value" when it looked like base64, read as one meaningless
   word when a schema took it as a turn (``output``) or when it was wrapped in lines (MIME), and
   never matched. A string of at least 64 base64 characters (standard or URL-safe, or lines of
   one width) whose bytes are UTF-8 text of words (white space, 95% printable, 30% letters) is
   now read as that text, located at ``FIELD#base64``; anything else stays as it was (binary
   data still counted as encoded).
"""

from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

COMPETING = "include: [provcheck:openai]\n"


def _json(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def _project(tmp_path: Path, index_dir: Path, extra: str = "") -> Path:
    """A dataset repository whose configuration declares a competing, commercial use."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # the top of a working tree: discovery stops here
    write_jsonl(root / "data" / "a.jsonl", [{"text": t} for t in REFERENCE_TEXTS[:2]])
    (root / "policy.yaml").write_text(COMPETING, encoding="utf-8")
    (root / ".provcheck.yaml").write_text(
        f"index: {index_dir}\npolicy: policy.yaml\nuse: [train-competing-model, commercial]\n{extra}",
        encoding="utf-8",
    )
    return root


def test_baseline_reads_the_project_configuration_like_scan(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, index_dir)
    monkeypatch.chdir(root)
    out = tmp_path / "gate.json"
    run_cli(["scan", "data", "--no-cache", "-q", "-f", "json", "-o", out], 1)
    blocked = {f["id"] for f in _json(out)["findings"] if f["action"] == "block"}
    assert len(blocked) == 2
    # No --index: the project names it; the policy and declared use are the project's.
    result = run_cli(["baseline", "data"])
    said = " ".join(result.stderr.split())
    assert f"configuration {root / '.provcheck.yaml'}" in said
    assert "declared use: train-competing-model (configuration), commercial (configuration)" in said
    text = (root / ".provcheck-waivers.yaml").read_text(encoding="utf-8")
    written = yaml.safe_load(text)["waivers"]
    assert {w["id"] for w in written} == blocked
    # What it was taken under is in the file too, above the entries.
    assert f"baseline taken under: configuration {root / '.provcheck.yaml'}; policy" in text
    assert {w["action"] for w in written} == {"block"}
    # The gate now passes on the baseline (its findings are the ones accepted).
    run_cli(["scan", "data", "--no-cache", "-q", "-f", "json", "-o", out], 0)
    assert all(f["waived"] for f in _json(out)["findings"])
    # A second baseline appends the new finding under its own note; the file reads back.
    write_jsonl(root / "data" / "b.jsonl", [{"text": REFERENCE_TEXTS[2]}])
    run_cli(["baseline", "data", "-q"])
    text = (root / ".provcheck-waivers.yaml").read_text(encoding="utf-8")
    assert len(yaml.safe_load(text)["waivers"]) == 3 and text.count("baseline taken under:") == 2
    run_cli(["scan", "data", "--no-cache", "-q"], 0)


def test_baseline_applies_the_project_globs(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A baseline of the whole repository took the files the project excludes too."""
    root = _project(tmp_path, index_dir, "exclude: ['legacy/**']\n")
    write_jsonl(root / "legacy" / "old.jsonl", [{"text": REFERENCE_TEXTS[2]}])
    monkeypatch.chdir(root)
    run_cli(["baseline", "-q"])
    notes = [w["note"] for w in yaml.safe_load(Path(".provcheck-waivers.yaml").read_text())["waivers"]]
    assert len(notes) == 2 and not any("legacy" in n for n in notes), notes


def test_a_baseline_under_a_lenient_policy_does_not_waive_a_block(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same rule id at ``review`` in the policy the baseline was taken under and at
    ``block`` in the gate's: the entry accepted a review, not a block."""
    rule = (
        "rules:\n  - id: team/openai-output\n    title: OpenAI output\n"
        "    when: {{source.provider: openai}}\n"
        "    action: {action}\n    message: output of {{source.name}}\n"
        "    rationale: Our policy.\n    remediation: Remove it.\n"
    )
    root = _project(tmp_path, index_dir)
    (root / "policy.yaml").write_text(rule.format(action="block"), encoding="utf-8")
    (root / "lenient.yaml").write_text(rule.format(action="review"), encoding="utf-8")
    monkeypatch.chdir(root)
    run_cli(["baseline", "data", "-i", index_dir, "-p", "lenient.yaml", "-q"])
    written = yaml.safe_load(Path(".provcheck-waivers.yaml").read_text())["waivers"]
    assert {w.get("action", "review") for w in written} == {"review"} and len(written) == 2
    out = tmp_path / "gate.json"
    run_cli(["scan", "data", "--no-cache", "-q", "-f", "json", "-o", out], 1)
    doc = _json(out)
    assert [f["waived"] for f in doc["findings"]] == [False, False]
    assert len(doc["waivers"]["stale"]) == 2


def test_a_waiver_action_is_checked(tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path, index_dir)
    monkeypatch.chdir(root)
    Path(".provcheck-waivers.yaml").write_text(
        "version: 1\nwaivers:\n  - rule: openai-no-competing-models\n    action: blok\n"
        "    reason: r\n    approver: a\n"
        "    date: 2026-01-01\n",
        encoding="utf-8",
    )
    result = run_cli(["scan", "data", "--no-cache", "-q"], 3)
    assert "'action' 'blok' is not an action (did you mean 'block'?)" in result.stderr


DATASET_LICENCES = "include: [provcheck:dataset-licences]\nuse: {purpose: fine-tune, commercial: true}\n"


def _carded(tmp_path: Path, licence: str, name: str = "README.md") -> Path:
    ds = tmp_path / "ds"
    write_jsonl(ds / "data.jsonl", [{"text": "an answer of its own, in words nobody indexed anywhere"}])
    if name == "README.md":
        (ds / name).write_text(f"---\nlicense: {licence}\n---\n# A dataset\n", encoding="utf-8")
    else:
        (ds / name).write_text(f"license: {licence}\n", encoding="utf-8")
    return ds


@pytest.mark.parametrize("licence", ["MIT-ish", "other", "'CC BY-NC 4.0'", "unknown"])
def test_a_declared_licence_no_rule_can_read_is_a_review_finding(
    tmp_path: Path, index_dir: Path, licence: str
) -> None:
    ds = _carded(tmp_path, licence)
    policy = tmp_path / "policy.yaml"
    policy.write_text(DATASET_LICENCES, encoding="utf-8")
    out = tmp_path / "r.json"
    args = ["scan", ds, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "json", "-o", out]
    run_cli([*args, "--fail-on", "review"], 1)
    found = [f for f in _json(out)["findings"] if f["rule"] == "declared-licence-unreadable"]
    assert len(found) == 1, _json(out)["findings"]
    f = found[0]
    value = licence.strip("'")
    assert f["action"] == "review"
    assert f["declaration"]["file"].endswith("README.md") and f["declaration"]["line"] == 2
    assert f"declares license {value!r}, which cannot be read as a licence" in f["message"]
    assert "declared-noncommercial-licence" in f["message"]


def test_an_unreadable_licence_is_listed_when_no_rule_reads_it(tmp_path: Path, index_dir: Path) -> None:
    """Under the default policy (no licence rule) it is an ``info`` finding, in every format."""
    ds = _carded(tmp_path, "MIT-ish", "provenance.yaml")
    out = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "text", "markdown", "html", "sarif", "junit")}
    run_cli(
        [
            "scan",
            ds,
            "-i",
            index_dir,
            "--no-cache",
            "-q",
            *[x for k, v in out.items() for x in ("-f", k, "-o", v)],
        ]
    )
    found = [f for f in _json(out["json"])["findings"] if f["rule"] == "declared-licence-unreadable"]
    assert [f["action"] for f in found] == ["info"]
    assert "no licence rule of the policy applies" in found[0]["message"]
    for fmt, path in out.items():
        assert "declared-licence-unreadable" in path.read_text(encoding="utf-8"), fmt


@pytest.mark.parametrize(
    ("licence", "code"), [("cc-by-nc-4.0", 1), ("MIT", 0), ("Apache-2.0 AND CC-BY-4.0", 0), ("llama2", 0)]
)
def test_only_the_licence_that_cannot_be_read_is_reported(
    tmp_path: Path, index_dir: Path, licence: str, code: int
) -> None:
    """A card listing a readable licence and one that is not: only the second is reported."""
    ds = _carded(tmp_path, f"['{licence}', MIT-ish]")
    policy = tmp_path / "policy.yaml"
    policy.write_text(DATASET_LICENCES, encoding="utf-8")
    out = tmp_path / "r.json"
    run_cli(["scan", ds, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "json", "-o", out], code)
    found = [f for f in _json(out)["findings"] if f["rule"] == "declared-licence-unreadable"]
    assert [f["declaration"]["value"] for f in found] == ["MIT-ish"]


def test_a_licence_name_with_spaces_is_one_licence_ref(tmp_path: Path, index_dir: Path) -> None:
    """``license: other`` with ``license_name: Our Research Licence`` is one LicenseRef- id
    (it read as three ids, one of them ``LicenseRef-Our``), readable: no unreadable finding."""
    ds = _carded(tmp_path, "other\nlicense_name: Our Research Licence")
    policy = tmp_path / "policy.yaml"
    policy.write_text(DATASET_LICENCES, encoding="utf-8")
    out = tmp_path / "r.json"
    run_cli(["scan", ds, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "json", "-o", out], 1)
    found = _json(out)["findings"]
    assert {f["rule"] for f in found} == {"declared-research-only-licence"}
    assert found[0]["declaration"]["value"] == "LicenseRef-Our-Research-Licence"


FRAME_BY_INDEX = (
    '{{"conv-0":{{"instruction":"q 0","output":{}}},"conv-1":{{"instruction":"q 1","output":{}}},'
    '"conv-2":{{"instruction":"q 2","output":{}}}}}'
).format(*tuple(json.dumps(t) for t in REFERENCE_TEXTS))
"""``df.set_index("id").to_json(orient="index")`` as pandas 3.1 writes it (hand-written)."""


def _scan_frame(path: Path, index_dir: Path, code: int = 0) -> dict[str, Any]:
    out = path.with_suffix(".report.json")
    run_cli(["scan", path, "-i", index_dir, "--no-cache", "-q", "-f", "json", "-o", out], code)
    return _json(out)


def _rows_read(doc: dict[str, Any], n: int) -> None:
    assert doc["stats"]["records"] == n and not doc["errors"], doc["errors"]
    assert doc["files"][0]["schema"] == "alpaca"
    assert sorted(m["record"]["index"] for m in doc["matches"]) == list(range(n))


def test_a_hand_written_frame_with_a_string_index_is_read_as_its_rows(
    tmp_path: Path, index_dir: Path
) -> None:
    by_index = tmp_path / "by-index.json"
    by_index.write_text(FRAME_BY_INDEX, encoding="utf-8")
    _rows_read(_scan_frame(by_index, index_dir), len(REFERENCE_TEXTS))
    # The same frame transposed (orient="columns"): the outer keys are the field names.
    rows = json.loads(FRAME_BY_INDEX)
    columns = {c: {label: row[c] for label, row in rows.items()} for c in ("instruction", "output")}
    by_columns = tmp_path / "by-columns.json"
    by_columns.write_text(json.dumps(columns, separators=(",", ":")), encoding="utf-8")
    _rows_read(_scan_frame(by_columns, index_dir), len(REFERENCE_TEXTS))


def test_frames_written_by_pandas_with_a_string_index_are_read_as_their_rows(
    tmp_path: Path, index_dir: Path
) -> None:
    pd = pytest.importorskip("pandas")
    n = len(REFERENCE_TEXTS)
    frame = pd.DataFrame(
        {
            "id": [f"conv-{i}" for i in range(n)],
            "instruction": [f"question {i}" for i in range(n)],
            "output": REFERENCE_TEXTS,
            "score": [0.5 + i for i in range(n)],
        }
    ).set_index("id")
    for orient in ("index", "columns"):
        path = tmp_path / f"frame-{orient}.json"
        frame.to_json(path, orient=orient)
        _rows_read(_scan_frame(path, index_dir), n)
    # A frame of strings only, with column names that are no field names, and a string index:
    # which level holds the rows cannot be told. One record, and a located error that says so.
    odd = pd.DataFrame({"left": REFERENCE_TEXTS[:2], "right": ["a", "b"]}, index=["p", "q"])
    path = tmp_path / "odd.json"
    odd.to_json(path, orient="index")
    doc = _scan_frame(path, index_dir, 4)
    assert doc["stats"]["records"] == 1 and {m["record"]["index"] for m in doc["matches"]} == {0}
    [error] = doc["errors"]
    assert error["line"] == 1 and "orient='records'" in error["message"]
    assert "read as ONE record" in error["message"]


def test_an_object_that_may_be_a_frame_says_so(tmp_path: Path, index_dir: Path) -> None:
    """The field names and the cells' types disagree (``title`` and ``body`` are the outer
    level, but each inner key holds one type): one record, with the located error."""
    doc_in = {"title": {"a": "Bread", "b": 1}, "body": {"a": REFERENCE_TEXTS[0], "b": 2}}
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(doc_in), encoding="utf-8")
    doc = _scan_frame(path, index_dir, 4)
    assert doc["stats"]["records"] == 1
    assert "which level holds the rows cannot be told" in doc["errors"][0]["message"]
    # A record with one nested object (no frame shape) stays one record, without a word.
    path.write_text(json.dumps({"text": REFERENCE_TEXTS[0], "meta": {"a": "x", "b": "y"}}), encoding="utf-8")
    doc = _scan_frame(path, index_dir, 0)
    assert doc["stats"]["records"] == 1 and not doc["errors"]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def test_base64_copies_are_decoded_and_nothing_else_is(tmp_path: Path, index_dir: Path) -> None:
    urlsafe = base64.urlsafe_b64encode(REFERENCE_TEXTS[0].encode("utf-8")).decode("ascii").rstrip("=")
    rows = [
        {
            "text": "an answer of its own, in words nobody indexed anywhere",
            "payload": _b64(REFERENCE_TEXTS[0]),
        },
        {"instruction": "question 1", "output": _b64(REFERENCE_TEXTS[1])},  # the schema's own turn
        {"text": "a note", "body": "\n".join(textwrap.wrap(_b64(REFERENCE_TEXTS[2]), 76))},  # MIME
        {"text": "another note", "blob": urlsafe},
        # Not text: binary (a signature, still counted as an encoded value), a digest, a long
        # identifier, base64 of one word without spaces, a short base64 word.
        {"text": "first note of its own", "signature": base64.b64encode(bytes(range(256)) * 2).decode()},
        {
            "text": "second note of its own",
            "sha": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        },
        {
            "text": "third note of its own",
            "key": "Model_Checkpoint_Name_With_Digits_12345_And_More_Words_XYZ_v2_final",
        },
        {"text": "fourth note of its own", "one": _b64("Supercalifragilisticexpialidocious" * 3)},
        {"text": "fifth note of its own", "word": "SGVsbG8gd29ybGQ="},
    ]
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    out = tmp_path / "r.json"
    run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", "-f", "json", "-o", out])
    doc = _json(out)
    found = {m["record"]["index"]: m["record"]["turn"]["field"] for m in doc["matches"]}
    assert found == {0: "payload#base64", 1: "output#base64", 2: "body#base64", 3: "blob#base64"}
    assert all(m["scores"]["similarity"] > 0.99 for m in doc["matches"])
    fields = doc["files"][0]["fields"]
    decoded = {c["field"] for c in fields["read"] if "#base64" in c["field"]}
    assert decoded == {"payload#base64", "output#base64", "body#base64", "blob#base64"}
    skipped = {c["field"]: c["reason"] for c in fields["skipped"]}
    assert skipped["signature"] == "encoded" and skipped["one"] == "encoded"
    # The text report names the decoded field too.
    text = run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", "-f", "text"]).stdout
    assert "payload" in text
