"""Adversarial pass 18: command lines, configuration, policies, waivers, the hook and git,
played as a user whose typo, blank or odd value makes the gate stop looking. Each test fails
on the code before its fix.

1. FAIL-OPEN A waiver written from a template with its ``reason:`` and ``approver:`` left blank
   (YAML reads a key with no value as null) waived a blocking finding, exit 0: the reports
   said ``waiver (waived): None — None``, and nothing flagged it (a placeholder of ``provcheck
   baseline`` is flagged; a blank was not). A blank ``source:`` or ``path:`` of a scope waiver
   widened it to every source or every file; a blank ``expires:`` or ``action:`` dropped the
   entry without a word (the finding re-opened, no line said why). A key given with no value is
   now a located error (exit 3) that says what to write (``waivers.py``).
2. FAIL-OPEN A waiver dated after today (``date: 2062-12-01``, a typo; or a decision written
   ahead of the day it is to be taken) waived the finding at once, exit 0. A waiver records a
   decision already taken: an entry dated more than a day after today (UTC; the day of slack is
   for a reviewer east of UTC) is refused at its line (exit 3), in ``scan``, the hook,
   ``baseline`` and ``merge`` alike (``waivers.Applier``).
3. FAIL-OPEN A ``.provcheck.yaml`` that is a symbolic link whose target is gone (moved, or kept
   in a submodule that CI's checkout leaves out), or a folder of that name, was passed by as if
   there were no configuration: ``scan data -i INDEX`` (the index on the command line, as CI
   steps and the hook's ``args:`` give it) ran under the default policy, every match a review
   finding, and passed a copy the configuration blocks (exit 0). It is now refused where it is
   (exit 6, ``projectfile.find``).
4. DROPPED ``PROVCHECK_FAIL_ON=review`` or ``PROVCHECK_POLICY=strict.yaml`` in a CI job's
   environment (as many tools read their options) was dropped without a word: the gate ran on
   ``block`` under the default policy and passed, exit 0. So was a misspelt variable provcheck
   reads (``PROVCHECK_PURE_PYTON``). A ``PROVCHECK_*`` variable named like an option of the
   command (and not given on its command line) or a key of ``.provcheck.yaml``, or one near a
   variable provcheck reads, is now refused (exit 2) with what to write instead
   (``cli/environment.py``).
5. FAIL-OPEN ``scan data -i refs -p "$POLICY"`` with the variable unset (a CI template's
   optional policy) gave ``--policy ''``, taken for the option left out: the scan ran under the
   default policy (every match a review finding) and passed a copy the policy blocks, exit 0.
   ``--text-field ''``, ``--cache-dir ''``, ``--id-field ''`` were dropped likewise. An option
   given an empty (or blank) value is now refused before anything runs (exit 2), in every
   command (``cli/__init__.py``).
6. FAIL-OPEN An option given twice with different values is refused (the last silently won),
   but only the top-level group checked: ``hook run --fail-on block --fail-on never`` (a
   pre-commit ``entry:`` with options and ``args:`` adding more) passed a blocking copy, exit 0,
   and ``index add --provider openai --provider "$PROVIDER"`` indexed OpenAI output as another
   provider's. Every group now checks its commands (the empty values of item 5 and the
   variables of item 4 too): ``hook``, ``index``, ``policy``, ``pack`` (``cli.CheckedGroup``).
7. FAIL-OPEN The entry a refused commit prints to accept a finding (``reason: "<why this use
   is acceptable>"``, ``approver: "<who decided>"``), pasted into the waivers file as it is,
   waived the finding: the commit went in beside it (a waiver by id may be committed with its
   records), exit 0, and no report flagged it (only ``provcheck baseline``'s placeholders are
   flagged). A reason or approver that is all placeholder (``<...>``) is refused at its line
   (exit 3) (``waivers.py``). (usage) A misspelt key of an entry (``Reason:``, ``expiry:``)
   was refused without the key meant; it now says "did you mean".
8. REPORT ``-f json -o - -f text -o /dev/stdout > report.json``: only one ``-`` is allowed, but
   ``/dev/stdout`` is standard output too. The text report was renamed over the file the shell
   had opened, and the JSON report written there before was lost, exit 0; through a pipe the
   two ran into each other. Outputs that name the file or pipe standard output is are counted
   as ``-`` (exit 2) (``cli/pairing.py``, moved out of ``cli/common.py``).
9. REPORT Options win over ``.provcheck.yaml``, as documented, but only a replaced index or
   policy was said: ``scan --fail-on never`` in a repository whose configuration says
   ``fail_on: review`` wrote reports naming the configuration file and the threshold in force,
   nothing saying the file had asked for another (the same for ``--waivers``, ``--roles``,
   ``--schema``, ``--text-field``, ``-j``, ``--no-cache``...). Each replaced setting is now a note
   on stderr and a line of the run record, ``run.replaced`` (optional within schema 1.3)
   (``cli/scan.py``, ``model/run.py``).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REFERENCE_TEXTS, ROOT, run_cli, write_jsonl

BLOCKING_POLICY = """\
include: [provcheck:default]
use: {purpose: train-competing-model, commercial: true}
"""


def _blocked(tmp_path: Path, index_dir: Path) -> tuple[Path, Path, str]:
    """A dataset holding a copy, its blocking policy, and the id of the blocking finding."""
    data = write_jsonl(tmp_path / "data" / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCKING_POLICY)
    doc = tmp_path / "first.json"
    run_cli(
        ["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q", "-f", "json", "-o", doc], code=1
    )
    (finding,) = (f for f in json.loads(doc.read_text())["findings"] if f["action"] == "block")
    return data, policy, finding["id"]


# --- 1. a waiver's key left blank ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("blank", "said"),
    [
        ("reason", "'reason' has no value; say why this finding is acceptable"),
        ("approver", "'approver' has no value; name who accepted it"),
        ("expires", "'expires' has no value; give the last day it covers"),
        ("action", "'action' has no value"),
    ],
)
def test_a_waiver_with_a_key_left_blank_is_refused_where_it_is(
    tmp_path: Path, index_dir: Path, blank: str, said: str
) -> None:
    data, policy, fid = _blocked(tmp_path, index_dir)
    values = {"reason": "accepted by legal", "approver": "counsel@acme-legal.com", "date": "2026-12-01"}
    values.pop(blank, None)
    lines = [f"  - id: {fid}", *(f"    {k}: {v}" for k, v in values.items()), f"    {blank}:"]
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("version: 1\nwaivers:\n" + "\n".join(lines) + "\n")
    out = run_cli(
        ["scan", data, "-i", index_dir, "-p", policy, "--waivers", waivers, "--no-cache", "-q"], code=3
    )
    assert f"{waivers}:{len(lines) + 2}: {said}" in " ".join(out.stderr.split()), out.stderr


@pytest.mark.parametrize("blank", ["source", "path"])
def test_a_scope_waiver_with_a_blank_source_or_path_does_not_cover_everything(
    tmp_path: Path, index_dir: Path, blank: str
) -> None:
    """``source:`` left blank was taken for the key left out: the scope covered every source."""
    data, policy, _ = _blocked(tmp_path, index_dir)
    narrow = {"source": "other-dump", "path": "legacy/**"}
    narrow.pop(blank)
    ((key, value),) = narrow.items()
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "version: 1\nwaivers:\n  - rule: openai-no-competing-models\n"
        f"    {key}: {value}\n    {blank}:\n"
        "    reason: accepted\n    approver: counsel@acme-legal.com\n    date: 2026-12-01\n"
    )
    out = run_cli(
        ["scan", data, "-i", index_dir, "-p", policy, "--waivers", waivers, "--no-cache", "-q"], code=3
    )
    assert f"{waivers}:5: '{blank}' has no value" in out.stderr, out.stderr


# --- 2. a waiver dated after today ----------------------------------------------------------------


def test_a_waiver_dated_after_today_is_refused(tmp_path: Path, index_dir: Path) -> None:
    data, policy, fid = _blocked(tmp_path, index_dir)
    waivers = tmp_path / "waivers.yaml"
    entry = f"  - id: {fid}\n    reason: accepted\n    approver: counsel@acme-legal.com\n"
    waivers.write_text(f"version: 1\nwaivers:\n{entry}    date: 2062-12-01\n")
    args = ["scan", data, "-i", index_dir, "-p", policy, "--waivers", waivers, "--no-cache", "-q"]
    out = run_cli(args, code=3)
    assert f"{waivers}:3: 'date' 2062-12-01 is after today" in out.stderr, out.stderr
    # Today, and tomorrow (a reviewer east of UTC), are decisions already taken.
    tomorrow = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1)
    waivers.write_text(f"version: 1\nwaivers:\n{entry}    date: {tomorrow.isoformat()}\n")
    run_cli(args, code=0)


# --- 3. a configuration that is a dangling link -------------------------------------------------


@pytest.mark.parametrize("kind", ["dangling link", "folder"])
def test_a_configuration_that_is_no_file_is_refused_not_passed_by(
    tmp_path: Path, index_dir: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    data = write_jsonl(repo / "data" / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo)
    (repo / "policy.yaml").write_text(BLOCKING_POLICY)
    (repo / "governance").mkdir()
    (repo / "governance" / "provcheck.yaml").write_text("policy: policy.yaml\nfail_on: review\n")
    (repo / ".provcheck.yaml").symlink_to("governance/provcheck.yaml")
    args = ["scan", data, "-i", index_dir, "--no-cache", "-q"]
    run_cli(args, code=1)  # the configuration in force
    (repo / ".provcheck.yaml").unlink()
    if kind == "folder":
        (repo / ".provcheck.yaml").mkdir()
    else:
        (repo / ".provcheck.yaml").symlink_to("governance/provcheck.yml")  # the target renamed
    out = run_cli(args, code=6)
    assert f"{repo / '.provcheck.yaml'}: " in out.stderr, out.stderr
    assert "the run would go on without its configuration" in out.stderr, out.stderr


# --- 4. settings in the environment --------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        (
            "PROVCHECK_FAIL_ON",
            "review",
            "give --fail-on on the command line (or `fail_on:` in .provcheck.yaml)",
        ),
        ("PROVCHECK_POLICY", "policy.yaml", "give --policy on the command line"),
        ("PROVCHECK_EXCLUDE", "x/**", "write `exclude:` in .provcheck.yaml"),
        ("PROVCHECK_CACHEDIR", "/tmp/c", "did you mean PROVCHECK_CACHE_DIR?"),
    ],
)
def test_a_setting_in_the_environment_is_refused_not_dropped(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    data, _, _ = _blocked(tmp_path, index_dir)
    monkeypatch.setenv(variable, value)
    out = run_cli(["scan", data, "-i", index_dir, "--no-cache", "-q"], code=2)
    assert f"{variable} is set" in out.stderr and said in " ".join(out.stderr.split()), out.stderr


def test_a_variable_the_command_line_uses_or_provcheck_does_not_know_is_left_alone(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, policy, _ = _blocked(tmp_path, index_dir)
    monkeypatch.setenv("PROVCHECK_INDEX", str(index_dir))  # -i "$PROVCHECK_INDEX"
    monkeypatch.setenv("PROVCHECK_VERSION", "0.1.0")  # a CI's install step
    run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"], code=1)
    monkeypatch.setenv("PROVCHECK_FAIL_ON", "block")  # not an option of `index info`
    run_cli(["index", "info", index_dir])


def test_the_variables_provcheck_reads_are_the_ones_it_knows() -> None:
    from provcheck.cli.environment import READ

    found = set()
    for path in (ROOT / "src" / "provcheck").rglob("*.py"):
        if path.name == "environment.py":
            continue  # names the variables it refuses
        found |= set(re.findall(r"PROVCHECK_([A-Z_]+[A-Z])", path.read_text(encoding="utf-8")))
    # PROVCHECK_PYTHON is a variable of the git hook's shell script, not of the environment.
    assert found - {"PYTHON"} == set(READ), found


# --- 5. an option given an empty value -----------------------------------------------------------


@pytest.mark.parametrize("option", ["-p", "--policy=", "--text-field", "--cache-dir", "--id-field"])
def test_an_option_given_an_empty_value_is_refused(tmp_path: Path, index_dir: Path, option: str) -> None:
    data, policy, _ = _blocked(tmp_path, index_dir)
    given = [option] if option.endswith("=") else [option, ""]
    args = ["scan", data, "-i", index_dir, *([] if option in ("-p", "--policy=") else ["-p", policy])]
    out = run_cli([*args, *given, "--no-cache", "-q"], code=2)
    assert f"{option.rstrip('=')} '' is empty" in out.stderr, out.stderr


# --- 6. options of a command of a group -----------------------------------------------------------


def test_an_option_of_hook_run_given_twice_is_refused(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo)
    write_jsonl(repo / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    (repo / "policy.yaml").write_text(BLOCKING_POLICY)
    subprocess.run(["git", "add", "d.jsonl", "policy.yaml"], check=True)
    hook = ["hook", "run", "-i", index_dir, "-p", "policy.yaml", "--no-cache", "-q"]
    run_cli([*hook, "--fail-on", "block"], code=1)
    out = run_cli([*hook, "--fail-on", "block", "--fail-on", "never"], code=2)
    assert "--fail-on given twice ('block', then --fail-on 'never')" in out.stderr, out.stderr


def test_an_option_of_index_add_given_twice_or_empty_is_refused(tmp_path: Path, reference_file: Path) -> None:
    add = ["index", "add", tmp_path / "idx", reference_file, "--source", "share", "-q"]
    out = run_cli([*add, "--provider", "openai", "--provider", "deepseek"], code=2)
    assert "--provider given twice" in out.stderr and not (tmp_path / "idx").exists()
    out = run_cli([*add, "--provider", "openai", "--generator="], code=2)
    assert "--generator '' is empty" in out.stderr and not (tmp_path / "idx").exists()


# --- 7. the hook's waiver template pasted as it is -----------------------------------------------


def test_the_waiver_a_refused_commit_prints_is_refused_until_filled_in(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo)
    write_jsonl(repo / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    (repo / "policy.yaml").write_text(BLOCKING_POLICY)
    (repo / ".provcheck.yaml").write_text(f"index: {index_dir}\npolicy: policy.yaml\n")
    subprocess.run(["git", "add", "."], check=True)
    out = run_cli(["hook", "run", "--no-cache"], code=1)
    printed = out.stderr[out.stderr.index("waivers:\n") :].split("\nprovcheck:")[0]
    assert '"<who decided>"' in printed, out.stderr
    (repo / ".provcheck-waivers.yaml").write_text("version: 1\n" + printed + "\n")
    subprocess.run(["git", "add", "."], check=True)
    out = run_cli(["hook", "run", "--no-cache"], code=3)
    said = " ".join(out.stderr.split())
    assert "'reason' is still a placeholder, '<why this use is acceptable>'" in said, out.stderr
    assert "'approver' is still a placeholder, '<who decided>'" in said, out.stderr
    filled = printed.replace("<why this use is acceptable>", "licensed").replace("<who decided>", "Legal")
    (repo / ".provcheck-waivers.yaml").write_text("version: 1\n" + filled + "\n")
    subprocess.run(["git", "add", "."], check=True)
    run_cli(["hook", "run", "--no-cache"], code=0)


def test_a_misspelt_waiver_key_says_which_key_was_meant(tmp_path: Path, index_dir: Path) -> None:
    data, policy, fid = _blocked(tmp_path, index_dir)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        f"version: 1\nwaivers:\n  - id: {fid}\n    Reason: ok\n    approver: Legal\n"
        "    date: 2026-12-01\n    expiry: 2027-01-01\n"
    )
    out = run_cli(
        ["scan", data, "-i", index_dir, "-p", policy, "--waivers", waivers, "--no-cache", "-q"], code=3
    )
    said = " ".join(out.stderr.split())
    assert "unknown key 'Reason' (did you mean 'reason'?)" in said, out.stderr
    assert "unknown key 'expiry' (did you mean 'expires'?)" in said, out.stderr


# --- 8. two outputs to standard output --------------------------------------------------------


def test_a_second_output_to_standard_output_under_another_name_is_refused(
    tmp_path: Path, index_dir: Path
) -> None:
    data, policy, _ = _blocked(tmp_path, index_dir)
    report = tmp_path / "report.json"
    args = [
        sys.executable,
        "-m",
        "provcheck",
        "scan",
        data,
        "-i",
        index_dir,
        "-p",
        policy,
        "--no-cache",
        "-q",
    ]
    with report.open("w") as out:
        done = subprocess.run([*args, "-f", "json", "-o", "-", "-f", "text", "-o", "/dev/stdout"], stdout=out)
    assert done.returncode == 2, report.read_text()
    with report.open("w") as out:
        done = subprocess.run([*args, "-f", "json", "-o", "/dev/stdout"], stdout=out)
    assert done.returncode == 1 and json.loads(report.read_text())["findings"]  # one is fine


# --- 9. a configured setting an option replaces ------------------------------------------------


def test_a_configured_setting_an_option_replaces_is_in_the_run_record(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    data = write_jsonl(repo / "data" / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo)
    (repo / "policy.yaml").write_text(BLOCKING_POLICY)
    (repo / ".provcheck.yaml").write_text(
        f"index: {index_dir}\npolicy: policy.yaml\nfail_on: review\nroles: [assistant, text]\n"
    )
    doc = tmp_path / "r.json"
    args = ["scan", data, "--no-cache", "-f", "json", "-o", doc]
    out = run_cli([*args, "--fail-on", "never", "--roles", "text,assistant"])
    where = repo / ".provcheck.yaml"
    line = f"fail_on: review ({where}:3) replaced by --fail-on never"
    assert json.loads(doc.read_text())["run"]["replaced"] == [line]
    assert f"note: {line}" in " ".join(out.stderr.split()), out.stderr
    run_cli([*args, "--fail-on", "review"], code=1)  # the configured value given again
    assert "replaced" not in json.loads(doc.read_text())["run"]


def test_a_replaced_setting_is_said_in_every_report_not_only_the_run_record(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate lowered to ``never`` by an option was only in the JSON run record: the HTML page
    counsel signs, the Markdown comment and the text report did not say it."""
    repo = tmp_path / "repo"
    data = write_jsonl(repo / "data" / "d.jsonl", [{"id": "c", "text": REFERENCE_TEXTS[0]}])
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo)
    (repo / "policy.yaml").write_text(BLOCKING_POLICY)
    (repo / ".provcheck.yaml").write_text(f"index: {index_dir}\npolicy: policy.yaml\nfail_on: review\n")
    outs = {fmt: tmp_path / f"r.{fmt}" for fmt in ("html", "md", "txt", "sarif")}
    formats = {"html": "html", "md": "markdown", "txt": "text", "sarif": "sarif"}
    args: list[object] = ["scan", data, "--no-cache", "--fail-on", "never"]
    for ext, path in outs.items():
        args += ["-f", formats[ext], "-o", path]
    run_cli(args)
    said = "options replaced configured settings: fail_on: review"
    for ext, path in outs.items():
        text = " ".join(html.unescape(path.read_text(encoding="utf-8")).replace("\\_", "_").split())
        assert said in text and "replaced by --fail-on never" in text, ext


def test_an_unquoted_on_key_in_the_configuration_says_yaml_read_it_as_a_flag(
    tmp_path: Path, index_dir: Path
) -> None:
    """``on:`` (as GitHub workflows write it) was refused as "unknown key True": the user could not
    tell which line of theirs that was."""
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": "a line"}])
    config = tmp_path / ".provcheck.yaml"
    config.write_text(f"index: {index_dir}\non: push\n", encoding="utf-8")
    out = run_cli(["scan", data, "--config", config, "--no-cache", "-q"], code=6)
    assert "YAML reads an unquoted on, off, yes or no as true: quote the key" in out.stderr, out.stderr
