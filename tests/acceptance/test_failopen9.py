"""Fail-open leftovers (pass 9): places where something given or selected was dropped without a
word, or a plausible typo was taken. Each test fails on the code before its fix.

1. ``scan --min-probability P`` left verified matches out and counted them nowhere: a raised
   threshold made copies vanish while every report said fewer records matched. The matcher now
   gives every verified match; the scan's collector applies the threshold and counts what it
   leaves out, once, whatever path the matches came by (result cache, workers, Ray, a merge of
   partial results). The run record's ``below_threshold`` and every summary's coverage line say
   "Left out by --min-probability P: N verified match(es) below it; R record(s) show no match
   because of it". The result cache no longer depends on the threshold (it holds every match).
2. ``index add`` said "2 records, 2 reference turns" of records whose strings it did not take:
   prompts, ids, and a model answer kept under a key of its own (``extra_notes``), which was
   then never matched. It now counts every string it does not take, per reason and field, in
   its summary ("not taken: 2 prompt turn(s), 1 string(s) outside the roles taken
   (conversations[].extra_notes; ...)"), in the source's manifest (``files[].not_taken``) and in
   ``index info``; "every string of the records was taken" when nothing was left.
3. ``index add --terms openai-term-of-use`` (or ``"OpenAI Terms of Use"``, a sources manifest's
   ``terms:``) was stored as is: no rule citing OpenAI's terms ever applied to the source. A
   misspelling of a terms id the shipped packs know is refused (exit 2) with a "did you mean";
   an id of the user's own that is near none is taken. When a policy meets the index, a
   source's terms spelt near ones the policy names are refused (exit 5), as providers are.
4. ``index add --provider azure-openai`` (``openai-azure``, ``OpenAI Inc``) was not near
   ``openai`` by spelling and passed the provider check: a provider of its own, no rule of the
   packs applied, and a verbatim ChatGPT copy passed a competing-model gate. A provider that
   holds a provider the policy's rules name as a separate part of its name, and is not itself
   named, is refused the same way (exit 5, "did you mean 'openai'"), unless the policy's
   ``sources:`` states it (the way to keep one as a provider of its own); ``openaiforge`` (one
   word) and other providers are unaffected.
5. pandas ``DataFrame.to_json`` files other than ``orient="records"``: ``index`` and ``split``
   were read as ONE record holding every row (every finding at record 0, no row's schema
   recognised), ``columns`` (pandas' default) was refused by the schema it resembled, and
   ``table`` gave its Table Schema as a record of its own. Each is now read as its rows
   (``inputs/frames.py``); ``values`` (no field names) is refused per row, located, with the
   orient that reads. The JSON shapes are written here as pandas writes them (pandas is not a
   dependency).
6. A ``.txt``/``.md`` file that only opened like the text or Markdown report ("provcheck
   report · declared use: ", "### provcheck: ") was skipped as a report, listed as one, its
   copies never read. The text report is now recognised by its second section as well ("By
   source (records, not findings):") and the Markdown report by its last line (the digests
   and "not legal advice"); a file that only opens like one is scanned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

BLOCKING_POLICY = """\
include: [provcheck:openai]
use: {purpose: train-competing-model, commercial: true}
"""

UNRELATED = "an answer of its own, in words nobody indexed anywhere at all"


def _json(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def _copies(tmp_path: Path, name: str = "data.jsonl", times: int = 1) -> Path:
    rows = [{"text": t} for t in REFERENCE_TEXTS] + [{"text": UNRELATED}]
    return write_jsonl(tmp_path / name, rows * times)


def _threshold(data: Path, index_dir: Path, tmp_path: Path) -> tuple[float, int]:
    """A threshold that leaves out some but not all of the copies' matches, and how many."""
    out = tmp_path / "all.json"
    run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", "-f", "json", "-o", out])
    probabilities = sorted(m["strength"]["probability"] for m in _json(out)["matches"])
    assert len(probabilities) == len(REFERENCE_TEXTS) and probabilities[0] < probabilities[-1]
    top = probabilities[-1]
    return top, sum(1 for p in probabilities if p < top)


def _left_out(doc: dict[str, Any]) -> dict[str, Any]:
    below: dict[str, Any] = doc["run"]["below_threshold"]
    return below


def test_min_probability_counts_what_it_leaves_out_in_every_report(tmp_path: Path, index_dir: Path) -> None:
    data = _copies(tmp_path)
    top, below = _threshold(data, index_dir, tmp_path)
    out = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "text", "markdown", "html", "sarif", "junit")}
    args = ["scan", data, "-i", index_dir, "--no-cache", "--min-probability", top]
    result = run_cli([*args, *[x for fmt, path in out.items() for x in ("-f", fmt, "-o", path)]])
    doc = _json(out["json"])
    assert len(doc["matches"]) == len(REFERENCE_TEXTS) - below
    assert _left_out(doc) == {"min_probability": top, "matches": below, "records": below}
    said = f"Left out by --min-probability {top:g}: {below} verified match(es) below it"
    assert said in " ".join(result.stderr.split())
    assert said in doc["summary"]["coverage"]
    for fmt in ("text", "markdown", "html", "sarif", "junit"):
        assert said in " ".join(out[fmt].read_text(encoding="utf-8").split()), fmt
    # At the default nothing is left out and nothing is said (the reports do not change).
    plain = tmp_path / "plain.json"
    result = run_cli(["scan", data, "-i", index_dir, "--no-cache", "-f", "json", "-o", plain])
    assert "below_threshold" not in _json(plain)["run"] and "Left out by" not in result.stderr


def test_a_threshold_that_leaves_nothing_out_says_so(tmp_path: Path, index_dir: Path) -> None:
    data = _copies(tmp_path)
    out = tmp_path / "r.json"
    run_cli(
        ["scan", data, "-i", index_dir, "--no-cache", "--min-probability", "0.01", "-f", "json", "-o", out]
    )
    doc = _json(out)
    assert _left_out(doc) == {"min_probability": 0.01, "matches": 0, "records": 0}
    assert "Left out by --min-probability 0.01: no verified match." in doc["summary"]["coverage"]


def test_the_count_is_right_from_the_result_cache(tmp_path: Path, index_dir: Path) -> None:
    """Cached results once held only the matches kept at the threshold of the run that stored
    them: a rerun from the cache could count nothing. The cache holds every verified match now,
    so a run at another threshold is answered from it, and counts the same."""
    data = _copies(tmp_path)
    top, below = _threshold(data, index_dir, tmp_path)
    cache = tmp_path / "c"
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    run_cli(["scan", data, "-i", index_dir, "--cache-dir", cache, "-q", "-f", "json", "-o", first])
    assert _json(first)["run"]["cache"]["stored"] == len(REFERENCE_TEXTS) + 1
    args = ["scan", data, "-i", index_dir, "--cache-dir", cache, "--min-probability", top]
    run_cli([*args, "-q", "-f", "json", "-o", second])
    doc = _json(second)
    assert doc["run"]["cache"]["hits"] == len(REFERENCE_TEXTS) + 1
    assert _left_out(doc) == {"min_probability": top, "matches": below, "records": below}
    assert len(doc["matches"]) == len(REFERENCE_TEXTS) - below


def test_the_count_is_right_with_workers_and_after_a_merge(tmp_path: Path, index_dir: Path) -> None:
    data = _copies(tmp_path, times=150)
    top, below = _threshold(_copies(tmp_path, "one.jsonl"), index_dir, tmp_path)
    out = tmp_path / "w.json"
    args = ["scan", data, "-i", index_dir, "--no-cache", "--min-probability", top]
    run_cli([*args, "-j", "2", "-q", "-f", "json", "-o", out])
    doc = _json(out)
    assert doc["run"]["workers"] == 2
    assert _left_out(doc) == {"min_probability": top, "matches": below * 150, "records": below * 150}
    # Three shares of a folder, each with its partial count, merged: the counts add up.
    folder = tmp_path / "ds"
    folder.mkdir()
    for i in range(3):
        _copies(folder, f"part-{i}.jsonl")
    parts = [tmp_path / f"p{i}.partial" for i in (1, 2, 3)]
    for i, part in enumerate(parts, 1):
        share = ["--shard", f"{i}/3", "--partial", part, "-q"]
        run_cli(["scan", folder, "-i", index_dir, "--no-cache", "--min-probability", top, *share])
    merged = tmp_path / "m.json"
    result = run_cli(["merge", *parts, "-f", "json", "-o", merged])
    doc = _json(merged)
    assert _left_out(doc) == {"min_probability": top, "matches": below * 3, "records": below * 3}
    assert f"{below * 3} verified match(es) below it" in result.stderr


def test_index_add_counts_the_strings_it_does_not_take(tmp_path: Path) -> None:
    note = "The model also wrote this long note about fermentation and ovens in its own words."
    refs = write_jsonl(
        tmp_path / "refs.jsonl",
        [
            {
                "id": "a1",
                "link": "https://example.com/a1",
                "conversations": [
                    {"from": "human", "value": "tell me about bread"},
                    {"from": "gpt", "value": REFERENCE_TEXTS[0], "extra_notes": note},
                ],
            },
            {
                "id": "a2",
                "conversations": [{"from": "human", "value": "and?"}, {"from": "gpt", "value": note}],
            },
        ],
    )
    idx = tmp_path / "idx"
    result = run_cli(["index", "add", idx, refs, "--source", "s", "--provider", "acme"])
    said = " ".join(result.stderr.split())
    assert (
        "not taken: 2 prompt turn(s), 1 string(s) outside the roles taken (conversations[].extra_notes;"
        in said
    )
    assert "2 id(s), 1 URL(s)" in said
    info = json.loads(run_cli(["index", "info", idx, "--format", "json"]).stdout)
    (entry,) = info["sources"]["s"]["files"]
    taken = {(e["reason"], e["field"]): e["strings"] for e in entry["not_taken"]}
    assert taken[("prompt", "conversations[].value")] == 2
    assert taken[("outside-roles", "conversations[].extra_notes")] == 1
    assert taken[("id", "id")] == 2 and taken[("url", "link")] == 1
    text = " ".join(run_cli(["index", "info", idx]).stdout.split())
    assert "s: not taken: 2 prompt turn(s), 1 string(s) outside the roles taken" in text
    # Taken with --roles: counted as taken, and nothing of the kind is said.
    idx2 = tmp_path / "idx2"
    result = run_cli(["index", "add", idx2, refs, "--source", "s", "--roles", "assistant,field"])
    assert "outside the roles" not in result.stderr and "2 prompt turn(s)" in " ".join(result.stderr.split())
    # Plain texts with nothing else: said to be taken whole.
    plain = write_jsonl(tmp_path / "plain.jsonl", [{"text": t} for t in REFERENCE_TEXTS])
    result = run_cli(["index", "add", tmp_path / "idx3", plain, "--source", "p"])
    assert "every string of the records was taken" in " ".join(result.stderr.split())


def test_a_misspelt_terms_id_is_refused_with_a_did_you_mean(tmp_path: Path, reference_file: Path) -> None:
    idx = tmp_path / "idx"
    base = ["index", "add", idx, reference_file, "--source", "s", "--provider", "openai"]
    for given in ("openai-term-of-use", "OpenAI Terms of Use", "openai-terms-of-usage"):
        result = run_cli([*base, "--terms", given], code=2)
        assert "did you mean 'openai-terms-of-use'?" in result.stderr, (given, result.stderr)
        assert not idx.exists()
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        f"sources:\n  - path: {reference_file}\n    source: s\n    provider: openai\n"
        "    terms: anthropic-comercial-terms\n",
        encoding="utf-8",
    )
    result = run_cli(["index", "build", idx, "--sources", manifest], code=2)
    assert (
        f"{manifest}:5: terms:" in result.stderr
        and "did you mean 'anthropic-commercial-terms'?" in result.stderr
    )
    # Known ids (in any case) and ids of the user's own, near none, are taken.
    run_cli([*base, "--terms", "OpenAI-Terms-of-Use", "-q"])
    run_cli(["index", "add", idx, reference_file, "--source", "own", "--terms", "acme-terms-of-use", "-q"])


def test_terms_spelt_near_ones_the_policy_names_are_refused_at_scan(
    tmp_path: Path, reference_file: Path
) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    policy = tmp_path / "own.yaml"
    policy.write_text(
        "version: 1\nrules:\n  - id: acme-contract\n    title: Acme contract material\n    action: block\n"
        "    when: {source.terms: acme-data-contract}\n    message: under the Acme contract\n"
        "    rationale: the contract forbids it\n    remediation: Remove the record.\n",
        encoding="utf-8",
    )
    run_cli(["policy", "validate", policy])
    for terms, code in (("acme-data-contrakt", 5), ("acme-data-contract", 1)):
        idx = tmp_path / terms
        run_cli(["index", "add", idx, reference_file, "--source", "s", "--terms", terms, "-q"])
        result = run_cli(["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"], code=code)
        if code == 5:
            assert "terms 'acme-data-contrakt': did you mean 'acme-data-contract'?" in result.stderr


def test_a_provider_holding_a_named_provider_as_a_part_is_refused(
    tmp_path: Path, reference_file: Path
) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCKING_POLICY, encoding="utf-8")
    for n, (provider, code) in enumerate(
        [
            ("azure-openai", 5),
            ("openai-azure", 5),
            ("Microsoft Azure OpenAI Service", 5),
            ("OpenAI Inc", 5),
            ("openai", 1),
            ("openaiforge", 0),
            ("acme", 0),
        ]
    ):
        idx = tmp_path / f"idx{n}"
        run_cli(["index", "add", idx, reference_file, "--source", "chat", "--provider", provider, "-q"])
        result = run_cli(["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"], code=code)
        if code == 5:
            assert f"provider {provider!r}" in result.stderr and "did you mean 'openai'?" in result.stderr
    # The policy may say it is a provider of its own (or that it is openai).
    for stated, code in (("azure-openai", 0), ("openai", 1)):
        own = tmp_path / f"own-{stated}.yaml"
        own.write_text(BLOCKING_POLICY + f"sources:\n  chat: {{provider: {stated}}}\n", encoding="utf-8")
        run_cli(["scan", data, "-i", tmp_path / "idx0", "-p", own, "--no-cache", "-q"], code=code)


def _frame_files(tmp_path: Path) -> dict[str, Path]:
    """An Alpaca-shaped frame of the three reference texts, as ``DataFrame.to_json`` writes it
    for each ``orient`` (default RangeIndex; one line, no newline at the end)."""
    cols = ["instruction", "output"]
    rows = [{"instruction": f"question {i}", "output": t} for i, t in enumerate(REFERENCE_TEXTS)]
    fields = [{"name": "index", "type": "integer"}] + [{"name": c, "type": "string"} for c in cols]
    shapes: dict[str, Any] = {
        "records": rows,
        "columns": {c: {str(i): r[c] for i, r in enumerate(rows)} for c in cols},
        "index": {str(i): r for i, r in enumerate(rows)},
        "split": {
            "columns": cols,
            "index": list(range(len(rows))),
            "data": [[r[c] for c in cols] for r in rows],
        },
        "table": {
            "schema": {"fields": fields, "primaryKey": ["index"], "pandas_version": "1.4.0"},
            "data": [{"index": i, **r} for i, r in enumerate(rows)],
        },
        "values": [[r[c] for c in cols] for r in rows],
    }
    out = {}
    for orient, shape in shapes.items():
        out[orient] = tmp_path / f"frame-{orient}.json"
        out[orient].write_text(json.dumps(shape, separators=(",", ":")), encoding="utf-8")
    return out


def test_pandas_frames_of_every_orient_are_read_as_their_rows_or_refused(
    tmp_path: Path, index_dir: Path
) -> None:
    n = len(REFERENCE_TEXTS)
    for orient, path in _frame_files(tmp_path).items():
        out = tmp_path / f"{orient}.json"
        code = 4 if orient == "values" else 0
        run_cli(["scan", path, "-i", index_dir, "--no-cache", "-q", "-f", "json", "-o", out], code=code)
        doc = _json(out)
        if orient == "values":
            assert doc["stats"]["records"] == 0 and len(doc["errors"]) == n
            assert all(
                "orient='values'" in e["message"] and e["index"] == i for i, e in enumerate(doc["errors"])
            )
            continue
        assert doc["stats"]["records"] == n, orient
        assert doc["files"][0]["schema"] == "alpaca", orient
        assert sorted(m["record"]["index"] for m in doc["matches"]) == list(range(n)), orient
        assert "every string in the records was read" in doc["summary"]["coverage"], orient
    # index add reads them the same way.
    idx = tmp_path / "idx"
    result = run_cli(["index", "add", idx, tmp_path / "frame-columns.json", "--source", "s"])
    assert f"{n} records, {n} reference turns" in result.stderr
    # An object of objects whose keys are row labels at neither level: read as rows when one
    # level's keys are field names (here the inner `title`, `body`), every string read
    # (test_failopen10.py, item 3: a frame with a string index).
    page = {"en": {"title": "Bread", "body": REFERENCE_TEXTS[0]}, "fr": {"title": "Pain", "body": UNRELATED}}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    out = tmp_path / "page-report.json"
    run_cli(["scan", path, "-i", index_dir, "--no-cache", "-q", "-f", "json", "-o", out])
    doc = _json(out)
    assert doc["stats"]["records"] == 2 and [m["record"]["index"] for m in doc["matches"]] == [0]


def test_text_that_only_opens_like_a_report_is_scanned(tmp_path: Path, index_dir: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "notes.md").write_text(
        f"### provcheck: notes on the tool\n\n{REFERENCE_TEXTS[0]}\n", encoding="utf-8"
    )
    (folder / "notes.txt").write_text(
        f"provcheck report \u00b7 declared use: see below\n\n{REFERENCE_TEXTS[1]}\n", encoding="utf-8"
    )
    # Real reports written beside the data are still recognised, and not read.
    data = _copies(tmp_path)
    for fmt, name in (("text", "report.txt"), ("markdown", "report.md")):
        run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", "-f", fmt, "-o", folder / name], code=0)
    out = tmp_path / "r.json"
    run_cli(["scan", folder, "-i", index_dir, "--no-cache", "-q", "-f", "json", "-o", out])
    doc = _json(out)
    assert sorted(n["path"] for n in doc["not_scanned"] if n["reason"] == "provcheck report") == [
        str(folder / "report.md"),
        str(folder / "report.txt"),
    ]
    assert sorted(m["record"]["path"] for m in doc["matches"]) == [
        str(folder / "notes.md"),
        str(folder / "notes.txt"),
    ]


def test_a_chat_written_as_a_bare_array_is_refused_with_a_hint_that_fits_it(
    tmp_path: Path, index_dir: Path
) -> None:
    # A record that is an array of messages is refused (exit 4, located): the hint sent its
    # owner looking for a pandas DataFrame ("orient='values'") it never came from.
    chat = [{"role": "user", "content": "Say it."}, {"role": "assistant", "content": REFERENCE_TEXTS[0]}]
    sharegpt = [{"from": "human", "value": "Say it."}, {"from": "gpt", "value": REFERENCE_TEXTS[0]}]
    (tmp_path / "chats.json").write_text(json.dumps([chat, sharegpt]), encoding="utf-8")
    (tmp_path / "lines.jsonl").write_text(json.dumps(chat) + "\n" + json.dumps(["q", "a"]) + "\n")
    out = tmp_path / "r.json"
    inputs = [tmp_path / "chats.json", tmp_path / "lines.jsonl"]
    run_cli(["scan", *inputs, "-i", index_dir, "-q", "--no-cache", "-f", "json", "-o", out], code=4)
    messages = [e["message"] for e in _json(out)["errors"]]
    assert len(messages) == 4
    assert sum('{"messages": [...]}' in m for m in messages) == 3
    assert not any("orient='values'" in m for m in messages[:3] if "messages" in m)
    assert any("a line that is an array has no field names" in m for m in messages)
