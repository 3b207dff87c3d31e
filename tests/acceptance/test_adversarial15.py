"""Adversarial pass 15: command lines, packs and inputs of real users that let a copy of indexed
text through the gate, or wrote a report counsel cannot rely on. Each test fails on the code
before its fix.

1. REPORT ``-f json -f html -o report.html -o report.json`` (the pairs swapped, as one writes
   them from memory) wrote the JSON report into ``report.html`` and the HTML page into
   ``report.json``, exit 0. Counsel opened ``report.html``: a browser renders JSON text under an
   ``.html`` name as a page, and JSON escapes none of the data's markup, so a record's
   ``<img src=x onerror=...>`` ran in the page meant to be safe to open; the CI step that
   parses ``report.json`` failed on HTML. An ``--output`` whose name says another format than
   its ``--format`` is now refused (exit 2) with the pairing as given and a "did you mean"
   (``cli/common.py``); SARIF may be written to ``.json``, a name that says nothing is taken.
2. REPORT A clause cited for material generated after a later version of the terms took
   effect that has no wording of that clause on record quoted the older wording with no note:
   Grok output dated 2026-09-01 under ``xai-no-distillation`` cited the xAI Acceptable Use
   Policy of 2026-06-26 as the clause, though the SpaceXAI policy of 2026-08-14 was in force
   then and no distillation wording of it is on record. The citation now says which version
   was in force and that it has no wording of the clause on record (``policy/terms.py``); the
   same when the material's date is unknown and the latest version has none.
3. FAIL-OPEN (pack) Output of Mistral's web-search feature of unknown date (no ``--meta
   date``) used for training got only the ``info`` finding "Mistral's terms restrict only image
   outputs, not text": the 27 May 2025 terms (in force until 2025-12-11) barred web-search
   Outputs from any machine learning, and nothing said the date decides. It is now ``review``
   (``mistral-web-search-date-unknown``), as the Anthropic pack treats Claude output of unknown
   date.
4. FAIL-OPEN ``provcheck merge`` replayed each share's findings with the waivers as that share
   applied them, on the day it ran. Shares run on different days (the docs' own use: a job
   array, runs on different days): a share scanned while a waiver was in force kept its
   copies waived after the waiver expired, and the merge a week later passed (exit 0) what one
   scan of everything that day blocks; its report said the waivers were applied "as of" the
   first share's date. The merge now reads the run's waivers file again (refused if it
   changed, as for dataset cards) and applies it as of the day of the merge to every share's
   findings alike (``scan/merging.py``).
5. REPORT A diff-aware scan's reports (``scan --changed-since REV -f markdown``, the pull
   request's comment; ``-f text``) gave the verdict as "Blocked: 1 of 1 records (100.0%)" or
   "No blocking finding: none of the 3 records read matched" with nothing saying that only the
   records new since REV were read: a clean comment on a pull request read as a clean dataset.
   The verdict sentence now says so in every report that leads with it (text, Markdown, HTML)
   (``report/records.py``).
6. (usage) ``disable: [openai-no-competing-model]`` (one letter off) or ``disable: ["openai-*"]``
   was refused (exit 3) without the rule meant; it now says "did you mean
   'openai-no-competing-models'?" and that ``disable`` takes ids, not globs
   (``policy/loader.py``).
7. FAIL-OPEN Records that name their own licence (``{"text": ..., "license": "cc-by-nc-4.0"}``
   on every row, as many Hugging Face datasets and code corpora carry it) passed a scan for
   commercial use with exit 0 and "No blocking finding": the ``license`` values were counted as
   labels not read, and only a dataset card's ``license:`` was judged. A licence a record names
   in its ``license``/``licence`` field is now a declaration of its file, each value once,
   judged by the same rules as a card's (``declared-noncommercial-licence`` blocks), in the
   hook and in shards alike (``inputs/schemas``, ``scan/fields.py``); more than 50 different
   values in one file is a located limit error.

Checked and found sound (no test here): compressed inputs cut short (gzip, zstd: exit 4,
located), concatenated gzip members, multi-stream bzip2 and xz, zstd frames with a skippable
frame between, gzip with trailing zeros or garbage, gzip twice, gzip under a plain name;
Parquet with map, dictionary, large_binary, fixed-size binary, list-of-list, struct-of-struct,
large_string and dotted column names, several row groups, Arrow IPC files and streams,
run-end-encoded columns; an answer split across consecutive assistant messages or content
parts (OpenAI, Anthropic, Gemini, Responses API shapes: joined); homoglyphs of Latin
extensions, soft hyphens, tag characters, Mongolian and Khmer invisibles, ideographic, Ogham,
Braille and Hangul fillers instead of spaces; hook and ``--changed-since`` with file names
holding spaces, a newline, a tab, a quote, a leading dash or non-ASCII letters; symbolic links
(outside the repository or to an unstaged file: said, not scanned); ``--lfs`` outside a
diff-aware scan (refused); card licences spelt many ways; YAML alias bombs in policies and
cards; ``disable:``/``include:`` typos (refused); ``--output`` names with control characters
(escaped in the error).

Found and NOT FIXED (noted):

8. FAIL-OPEN (design) A copy cut across records is not found when every piece is under the
   25-token floor: the three ``REFERENCE_TEXTS`` words split ten to a record
   (``{"text": " ".join(words[i:i + 10])}`` per line), or streamed chat-completion chunks saved
   one per line (``{"choices": [{"delta": {"content": ...}}]}``), match nothing, exit 0.
   Records are matched one at a time; joining neighbouring short records (as ``runs.py``
   joins a list's short items inside one record) changes record identity, locations, finding
   ids and the hook's new-record selection. README's "What a clean report does not prove"
   says so now. (Fixed since: streamed chunks of one response are joined into one record,
   ``inputs/streams.py``, ``tests/acceptance/test_split_records.py``; runs of short plain
   records are matched again joined in windows, ``scan/runs.py``,
   ``tests/acceptance/test_short_runs.py``.)
9. FAIL-OPEN (design, noted) Archives (``.zip``, ``.tar``, ``.tar.gz``, ``.tar.xz``) in a
   scanned folder are listed as "not scanned: unsupported type" and the scan exits 0 ("No
   blocking finding") with a copy inside; the same archive named on the command line is exit
   4. Documented (docs/inputs.md); README now says archives are not read. (Fixed since:
   archives are read member by member, ``tests/acceptance/test_archives.py``.)
10. FAIL-OPEN (noted) A record's ``model``/``generator`` field (``"model": "gpt-4"``) and a
    ``licenses`` list are not read as declarations (item 7 reads ``license``/``licence``
    only): a row that says it is GPT-4 output passes unless its text is indexed. Mapping a
    generator to its provider needs the catalogue's model names.
11. FAIL-OPEN (noted, needs a tokenizer version) Letters of scripts outside the fold table
    drawn like Latin ones (Armenian ``օ`` ``ո`` ``հ``, Cherokee small letters) and a combining
    mark other than U+0332/U+0336 after every letter (U+0307) defeat matching (exit 0). Adding
    them changes the tokens of the index (a new tokenizer version, every index rebuilt).
    Fixed 2026-12-06 by tokenizer 6 (``matching/folding.py``, ``matching/lookalikes.py``:
    ``tests/acceptance/test_homoglyphs16.py``).
12. (noted) ``provcheck merge`` replays each share's findings as stored: a finding's action
    edited in a partial (``block`` to ``info``, counts unchanged) is taken. The merge cannot
    re-evaluate marker findings without the records' text; an HMAC over the partial would need
    a key the shards share.
"""

from __future__ import annotations

import datetime as dt
import json
import types
from pathlib import Path

import pytest

from gitrepo import BLOCK_POLICY, GitRepo, clean, isolated_env, jsonl, restricted
from helpers import REFERENCE_TEXTS, run_cli, write_jsonl
from provcheck.scan import merging

COPY = REFERENCE_TEXTS[0]
MARKUP = "<img src=x onerror=alert(1)>"


# --- 1. an output named for another format than its --format ----------------------------------


@pytest.mark.parametrize(
    ("pairs", "wrong"),
    [
        (["-f", "json", "-f", "html", "-o", "report.html", "-o", "report.json"], "report.html"),
        (["-f", "markdown", "-o", "comment.html"], "comment.html"),
        (["-f", "text", "-o", "report.csv"], "report.csv"),
        (["-f", "json", "-o", "results.sarif.json"], "results.sarif.json"),
    ],
)
def test_an_output_named_for_another_format_is_refused(
    tmp_path: Path, index_dir: Path, pairs: list[str], wrong: str
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY + " " + MARKUP}])
    args = [a if a.startswith("-") or "." not in a else str(tmp_path / a) for a in pairs]
    out = run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", *args], code=2)
    assert f"{tmp_path / wrong}, whose name says" in out.stderr and "did you mean" in out.stderr, out.stderr
    assert not any(p.suffix in (".html", ".json", ".csv") for p in tmp_path.iterdir() if p.is_file())


def test_outputs_of_their_own_kind_and_sarif_as_json_are_written(tmp_path: Path, index_dir: Path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    html, doc, sarif, plain = (tmp_path / n for n in ("r.html", "r.json", "s.json", "report"))
    outputs = ["-f", "html", "-o", html, "-f", "json", "-o", doc, "-f", "sarif", "-o", sarif]
    run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", *outputs, "-f", "text", "-o", plain])
    assert html.read_text().lstrip().lower().startswith("<!doctype html")
    assert json.loads(doc.read_text())["stats"]["records"] == 1
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert plain.read_text().strip()


# --- 2. the clause in force on the material's date --------------------------------------------


def _xai_index(tmp_path: Path, reference_file: Path, date: str | None) -> Path:
    idx = tmp_path / "xai-index"
    meta = ["--meta", f"date={date}"] if date else []
    facts = ["--source", "grok-dump", "--provider", "xai", "--generator", "grok-4", *meta]
    run_cli(["index", "add", idx, reference_file, *facts, "-q"])
    return idx


@pytest.mark.parametrize(("date", "said"), [("2026-09-01", "on 2026-09-01"), (None, "now (the material")])
def test_a_clause_cited_after_a_version_without_it_says_so(
    tmp_path: Path, reference_file: Path, date: str | None, said: str
) -> None:
    idx = _xai_index(tmp_path, reference_file, date)
    policy = tmp_path / "policy.yaml"
    policy.write_text("include: [provcheck:default]\nuse: {purpose: fine-tune}\n")
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    args = ["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"]
    doc = json.loads(run_cli([*args, "-f", "json"]).stdout)
    (finding,) = [f for f in doc["findings"] if f["rule"] == "xai-no-distillation"]
    clause = finding["clause"]
    assert clause["effective"] == "2026-06-26"
    note = clause["note"] or ""
    assert said in note and "SpaceXAI Acceptable Use Policy effective 2026-08-14" in note, note
    assert "has no wording of this clause on record" in note
    text = run_cli(args).stdout
    assert "SpaceXAI Acceptable Use Policy effective" in " ".join(text.split())


def test_a_clause_in_force_on_the_date_has_no_such_note(tmp_path: Path, reference_file: Path) -> None:
    idx = _xai_index(tmp_path, reference_file, "2026-07-01")
    policy = tmp_path / "policy.yaml"
    policy.write_text("include: [provcheck:default]\nuse: {purpose: fine-tune}\n")
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    args = ["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"]
    doc = json.loads(run_cli([*args, "-f", "json"]).stdout)
    (finding,) = [f for f in doc["findings"] if f["rule"] == "xai-no-distillation"]
    assert finding["clause"]["effective"] == "2026-06-26"
    assert finding["clause"]["note"] is None


# --- 3. Mistral web-search output of unknown date ---------------------------------------------


def test_mistral_web_search_output_of_unknown_date_is_reviewed(tmp_path: Path, reference_file: Path) -> None:
    idx = tmp_path / "mistral-index"
    facts = ["--source", "lechat-search", "--provider", "mistral", "--generator", "mistral-large"]
    run_cli(["index", "add", idx, reference_file, *facts, "--meta", "feature=web-search", "-q"])
    policy = tmp_path / "policy.yaml"
    policy.write_text("include: [provcheck:default]\nuse: {purpose: fine-tune}\n")
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    args = ["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q", "-f", "json"]
    doc = json.loads(run_cli(args).stdout)
    got = {(f["rule"], f["action"]) for f in doc["findings"]}
    assert got == {("mistral-web-search-date-unknown", "review")}, got
    run_cli([*args[:-2], "--fail-on", "review"], code=1)


# --- 4. waivers at the merge ------------------------------------------------------------------

BLOCK = """\
rules:
  - id: openai-copy
    title: OpenAI output
    when: {source.provider: openai}
    action: block
"""


class _Tomorrow(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _Tomorrow:  # type: ignore[override]
        return cls.fromtimestamp((dt.datetime.now(tz) + dt.timedelta(days=1)).timestamp(), tz)


def test_a_merge_applies_the_waivers_as_of_its_own_day(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for i, text in enumerate(REFERENCE_TEXTS[:2]):
        write_jsonl(data / f"part-{i}.jsonl", [{"id": f"c{i}", "text": text}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK)
    today = dt.datetime.now(dt.timezone.utc).date()
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "version: 1\nwaivers:\n  - rule: openai-copy\n    reason: licensed until today\n"
        f"    approver: counsel\n    date: {today - dt.timedelta(days=30)}\n    expires: {today}\n"
    )
    parts = []
    for i in (1, 2):
        part = tmp_path / f"p{i}.pcp"
        args = ["scan", data, "-i", index_dir, "-p", policy, "--waivers", waivers, "--no-cache", "-q"]
        run_cli([*args, "--shard", f"{i}/2", "--partial", part, "-f", "json", "-o", tmp_path / f"s{i}.json"])
        parts.append(part)
    merged = json.loads(run_cli(["merge", *parts, "-f", "json", "-q"]).stdout)
    assert [f["waiver_state"] for f in merged["findings"]] == ["waived", "waived"]
    # The same partials merged the next day: the waiver has expired, as for a scan that day.
    monkeypatch.setattr(merging, "dt", types.SimpleNamespace(datetime=_Tomorrow, timezone=dt.timezone))
    later = json.loads(run_cli(["merge", *parts, "-f", "json", "-q"], code=1).stdout)
    assert [f["waiver_state"] for f in later["findings"]] == ["expired", "expired"]
    assert later["waivers"]["expired"] == 2 and later["waivers"]["waived"] == 0
    assert later["waivers"]["as_of"] == str(today + dt.timedelta(days=1))


def test_a_merge_refuses_a_waivers_file_changed_since_the_shards(tmp_path: Path, index_dir: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for i, text in enumerate(REFERENCE_TEXTS[:2]):
        write_jsonl(data / f"part-{i}.jsonl", [{"id": f"c{i}", "text": text}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("version: 1\nwaivers: []\n")
    parts = []
    for i in (1, 2):
        part = tmp_path / f"p{i}.pcp"
        args = ["scan", data, "-i", index_dir, "-p", policy, "--waivers", waivers, "--no-cache", "-q"]
        shard = ["--shard", f"{i}/2", "--partial", part, "-f", "json", "-o", tmp_path / f"s{i}.json"]
        run_cli([*args, *shard], code=1)
        parts.append(part)
    waivers.write_text(
        "version: 1\nwaivers:\n  - rule: openai-copy\n    reason: added after the scan\n"
        "    approver: someone\n    date: 2026-01-01\n"
    )
    out = run_cli(["merge", *parts, "-q"], code=2)
    assert "waivers file" in out.stderr and "changed since the shards ran" in out.stderr


# --- 5. what a diff-aware verdict is about -------------------------------------------------


@pytest.mark.parametrize("fmt", ["markdown", "text", "html"])
def test_a_diff_aware_verdict_says_it_is_about_the_new_records(
    tmp_path: Path, index_dir: Path, fmt: str
) -> None:
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", BLOCK_POLICY)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([clean(0), restricted(1)]))
    repo.git("add", ".")
    repo.commit("dataset", "--no-verify")
    repo.append("data/train.jsonl", jsonl([clean(5)]))
    out = repo.provcheck("scan", "--changed-since", "HEAD", "-f", fmt, "-q").stdout
    said = " ".join(out.split())
    assert "Only records new or changed since HEAD were scanned (--changed-since)" in said, said[:2000]
    # A whole scan says nothing of the kind.
    whole = repo.provcheck("scan", "-f", fmt, "-q", code=1).stdout
    assert "new or changed since" not in " ".join(whole.split())


# --- 6. disable: a misspelt rule id -------------------------------------------------------------


def test_disabling_a_misspelt_rule_says_which_rule_was_meant(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text('include: [provcheck:default]\ndisable: [openai-no-competing-model, "openai-*"]\n')
    out = run_cli(["policy", "validate", policy], code=3).stderr
    assert "(did you mean 'openai-no-competing-models'?)" in out, out
    assert "disable takes rule ids, not globs" in out


# --- 7. a licence the records name in their own fields ------------------------------------------

COMMERCIAL = "include: [provcheck:default]\nuse: {purpose: train-model, commercial: true}\n"


def _rows(licence: str, n: int = 3) -> list[dict[str, object]]:
    return [
        {"id": i, "text": f"Our own note number {i} about tomatoes.", "license": licence} for i in range(n)
    ]


def test_records_naming_a_non_commercial_licence_block_a_commercial_use(
    tmp_path: Path, index_dir: Path
) -> None:
    data = write_jsonl(tmp_path / "rows.jsonl", _rows("cc-by-nc-4.0"))
    policy = tmp_path / "policy.yaml"
    policy.write_text(COMMERCIAL)
    args = ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"]
    doc = json.loads(run_cli([*args, "-f", "json"], code=1).stdout)
    (finding,) = doc["findings"]
    assert finding["rule"] == "declared-noncommercial-licence" and finding["action"] == "block"
    assert finding["declaration"]["file"] == str(data) and finding["declaration"]["value"] == "cc-by-nc-4.0"
    text = "".join(run_cli(args, code=1).stdout.split())  # wrapped where the terminal is narrow
    assert "".join(f"declared in {data} (its records' own fields): license = cc-by-nc-4.0".split()) in text
    # The same rows under a permissive licence, or scanned for a non-commercial use, pass.
    write_jsonl(data, _rows("mit"))
    run_cli(args)
    write_jsonl(data, _rows("cc-by-nc-4.0"))
    policy.write_text("include: [provcheck:default]\nuse: {purpose: train-model, commercial: false}\n")
    run_cli(args)


def test_a_records_licence_is_judged_in_a_shard_and_the_hook(tmp_path: Path, index_dir: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "a.jsonl", [{"id": "x", "text": "A line of our own about the weather today."}])
    write_jsonl(data / "b.jsonl", _rows("CC-BY-NC-SA-4.0"))
    policy = tmp_path / "policy.yaml"
    policy.write_text(COMMERCIAL)
    parts = []
    for i in (1, 2):
        part = tmp_path / f"p{i}.pcp"
        args = ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q", "--shard", f"{i}/2"]
        run_cli([*args, "--partial", part, "-f", "json", "-o", tmp_path / f"s{i}.json"])
        parts.append(part)
    merged = json.loads(run_cli(["merge", *parts, "-f", "json", "-q"], code=1).stdout)
    assert "declared-noncommercial-licence" in {f["rule"] for f in merged["findings"]}
    repo = GitRepo(tmp_path / "dataset", isolated_env(tmp_path))
    repo.write("policy.yaml", COMMERCIAL)
    repo.write(".provcheck.yaml", f"index: {index_dir}\npolicy: policy.yaml\n")
    repo.write("data/train.jsonl", jsonl([clean(0)]))
    repo.git("add", ".")
    repo.commit("dataset", "--no-verify")
    repo.append("data/train.jsonl", jsonl(_rows("cc-by-nc-4.0", 1)))
    repo.git("add", ".")
    refused = repo.provcheck("hook", "run", code=1).stderr
    assert "declared-noncommercial-licence" in refused, refused


def test_many_different_licences_in_one_file_are_a_located_limit(tmp_path: Path, index_dir: Path) -> None:
    rows = [
        {"id": i, "text": f"Note {i} of our own.", "license": f"LicenseRef-custom-{i}"} for i in range(60)
    ]
    data = write_jsonl(tmp_path / "rows.jsonl", rows)
    doc = json.loads(
        run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q", "-f", "json"], code=4).stdout
    )
    assert any("60 different licences" in e["message"] for e in doc["errors"]), doc["errors"]
    assert len(doc["declarations"]) == 50
