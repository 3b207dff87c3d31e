"""The hostile corpus, second part: outputs that must never destroy, exits that must be clear,
and data that must not reach a terminal or a rendered page as anything but text.

Special files are ``mknod`` copies in ``tmp_path`` (never the machine's ``/dev``), except
``/dev/full``, which is only opened as a process's stdout (writing to it changes nothing).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from gitrepo import PROVCHECK
from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, write_jsonl

ESC = "\x1b]8;;https://evil.example\x07click\x1b[2J\u202e"
"""Terminal control a policy, a waiver or an index can carry: a link, clear screen, bidi."""


def _null_copy(where: Path) -> Path:
    """A character device like /dev/null (1, 3), in a temporary directory."""
    if os.geteuid() != 0:
        pytest.skip("mknod of a character device needs root")
    os.mknod(where, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return where


def _data(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "data" / "d.jsonl", [{"id": "copy", "text": REFERENCE_TEXTS[0]}, {"text": UNRELATED_TEXT}]
    )


def _run(args: list[object], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PROVCHECK_DEBUG": ""}
    return subprocess.run(
        [*PROVCHECK, *map(str, args)],
        text=True,
        env=env,
        timeout=300,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


# --- outputs never destroy -------------------------------------------------------------------


def test_an_output_onto_a_device_writes_in_place(tmp_path: Path, index_dir: Path) -> None:
    null = _null_copy(tmp_path / "null")
    run_cli(["scan", _data(tmp_path), "-i", index_dir, "-f", "json", "-o", null, "-q"])
    assert stat.S_ISCHR(os.stat(null).st_mode), "the device was replaced by a regular file"
    assert os.stat(null).st_rdev == os.makedev(1, 3)


def test_an_output_onto_a_fifo_is_written_through_it(tmp_path: Path, index_dir: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    run_cli(["scan", _data(tmp_path), "-i", index_dir, "-f", "json", "-o", fifo, "-q"])
    reader.join(30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(got[0])["stats"]["records"] == 2


def test_an_output_through_a_link_to_a_pipe_reaches_the_pipe(tmp_path: Path, index_dir: Path) -> None:
    # What `-o /dev/stdout` is when stdout is a pipe: a link to /proc/self/fd/1, whose target
    # ("pipe:[123]") no path names. The link must be written through, never replaced.
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    proc = _run(
        ["scan", _data(tmp_path), "-i", index_dir, "-f", "json", "-o", link, "-q"], capture_output=True
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["stats"]["records"] == 2
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


def test_an_output_that_is_a_scanned_input_is_refused(tmp_path: Path, index_dir: Path) -> None:
    data = _data(tmp_path)
    before = data.read_bytes()
    result = run_cli(["scan", data, "-i", index_dir, "-f", "json", "-o", data], 2)
    assert "is an input of this run" in result.stderr
    assert data.read_bytes() == before
    link = tmp_path / "link.jsonl"
    link.symlink_to(data)
    run_cli(["scan", data, "-i", index_dir, "-f", "json", "-o", link], 2)
    assert data.read_bytes() == before


def test_an_output_onto_a_dataset_file_inside_a_scanned_directory_is_refused(
    tmp_path: Path, index_dir: Path
) -> None:
    data = _data(tmp_path / "ds")
    other = data.parent / "other.jsonl"
    other.write_text(data.read_text())
    before = other.read_bytes()
    result = run_cli(["scan", data.parent, "-i", index_dir, "-f", "json", "-o", other], 2)
    assert "would replace a dataset file" in result.stderr and other.read_bytes() == before
    # A new report there, and a report provcheck wrote before, are fine (never scanned as data).
    report = data.parent / "report.json"
    run_cli(["scan", data.parent, "-i", index_dir, "-f", "json", "-o", report, "-q"], 0)
    run_cli(["scan", data.parent, "-i", index_dir, "-f", "json", "-o", report, "-q"], 0)


def test_two_outputs_on_one_file_are_refused(tmp_path: Path, index_dir: Path) -> None:
    out = tmp_path / "r"
    args = ["scan", _data(tmp_path), "-i", index_dir, "-f", "json", "-o", out, "-f", "html", "-o"]
    result = run_cli([*args, out], 2)
    assert "are the same file" in result.stderr and not out.exists()
    (tmp_path / "alias").symlink_to(out)
    run_cli([*args, tmp_path / "alias"], 2)


def test_reports_follow_the_umask_and_keep_an_existing_mode(tmp_path: Path, index_dir: Path) -> None:
    data = _data(tmp_path)
    old = os.umask(0o022)
    try:
        run_cli(["scan", data, "-i", index_dir, "-f", "json", "-o", tmp_path / "new.json", "-q"])
        kept = tmp_path / "kept.json"
        kept.write_text("{}")
        kept.chmod(0o640)
        run_cli(["scan", data, "-i", index_dir, "-f", "json", "-o", kept, "-q"])
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.json").st_mode) == 0o644
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o640 and json.loads(kept.read_text())["stats"]


def test_the_output_suffix_chooses_the_format_or_is_refused(tmp_path: Path, index_dir: Path) -> None:
    data = _data(tmp_path)
    run_cli(["scan", data, "-i", index_dir, "-o", tmp_path / "r.json", "-q"])
    assert json.loads((tmp_path / "r.json").read_text())["stats"]["records"] == 2
    run_cli(["scan", data, "-i", index_dir, "-o", tmp_path / "r.sarif", "-q"])
    assert json.loads((tmp_path / "r.sarif").read_text())["version"] == "2.1.0"
    result = run_cli(["scan", data, "-i", index_dir, "-o", tmp_path / "r.out", "-q"], 2)
    assert "cannot tell the report format" in result.stderr and not (tmp_path / "r.out").exists()


def test_a_directory_as_output_gets_no_disk_space_hint(tmp_path: Path, index_dir: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    result = run_cli(["scan", _data(tmp_path), "-i", index_dir, "-f", "json", "-o", out], 2)
    assert "is a directory" in result.stderr.lower() and "free disk space" not in result.stderr
    assert out.is_dir()


@pytest.mark.parametrize("style", ["pyyaml", "four"])
def test_baseline_appends_to_a_waivers_file_in_its_own_indentation(
    tmp_path: Path, index_dir: Path, style: str
) -> None:
    data = write_jsonl(
        tmp_path / "d.jsonl",
        [{"id": "a", "text": REFERENCE_TEXTS[0]}, {"id": "b", "text": REFERENCE_TEXTS[1]}],
    )
    waivers = tmp_path / "w.yaml"
    run_cli(["baseline", data, "-i", index_dir, "-o", waivers, "-q"])
    doc = yaml.safe_load(waivers.read_text())
    first = doc["waivers"][:1]
    # The same file as another tool or a person writes it: one waiver, another indentation.
    if style == "pyyaml":
        waivers.write_text(yaml.safe_dump({"version": 1, "waivers": first}, sort_keys=False))
    else:
        waivers.write_text(
            "version: 1\nwaivers:\n"
            + "".join("    " + li + "\n" for li in yaml.safe_dump(first).splitlines())
        )
    run_cli(["baseline", data, "-i", index_dir, "-o", waivers, "-q"])
    after = yaml.safe_load(waivers.read_text())
    assert after["waivers"][0] == first[0] and len(after["waivers"]) == 2
    run_cli(["scan", data, "-i", index_dir, "--waivers", waivers, "-q"])  # still valid: exit 0


def test_a_cache_locked_by_another_process_is_skipped_never_deleted(
    tmp_path: Path, index_dir: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provcheck.scan import cache as cache_mod

    data = _data(tmp_path)
    run_cli(["scan", data, "-i", index_dir, "--cache-dir", private_cache, "-q"])
    path = private_cache / cache_mod.FILENAME
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another scan writing, for longer than we wait
    monkeypatch.setattr(cache_mod, "LOCK_WAIT", 0.2)
    try:
        result = run_cli(["scan", data, "-i", index_dir, "--cache-dir", private_cache])
        assert "is in use by another process" in result.stderr
        assert holder.execute("SELECT count(*) FROM results").fetchone()[0] > 0  # alive, untouched
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert path.exists()


# --- exits and errors ----------------------------------------------------------------------


def test_a_report_to_a_full_device_is_an_output_error(tmp_path: Path, index_dir: Path) -> None:
    if not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:  # only opened as stdout: writing to it changes nothing
        proc = _run(
            ["scan", _data(tmp_path), "-i", index_dir, "-f", "json", "-q"],
            stdout=full,
            stderr=subprocess.PIPE,
        )
    assert proc.returncode == 2, proc.stderr
    assert "No space left on device" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", ["policy list", "scan"])
def test_a_closed_pipe_exits_141_quietly(tmp_path: Path, index_dir: Path, command: str) -> None:
    args: list[object] = command.split()
    if command == "scan":  # with a blocking finding: the code must not be 1 either
        policy = tmp_path / "p.yaml"
        policy.write_text(
            "rules:\n  - id: any\n    title: Any copy\n"
            "    when: {source.provider: openai}\n    action: block\n"
        )
        args += [_data(tmp_path), "-i", index_dir, "-p", policy, "-f", "text", "-q"]
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written (`| head -0`)
    try:
        proc = _run(args, stdout=write, stderr=subprocess.PIPE)
    finally:
        os.close(write)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""


def test_hook_install_into_a_hooks_path_that_is_not_a_directory(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    null = _null_copy(tmp_path / "null")
    subprocess.run(["git", "-C", str(repo), "config", "core.hooksPath", str(null)], check=True)
    proc = _run(["hook", "install"], cwd=repo, capture_output=True)
    assert proc.returncode == 2, proc.stderr
    assert "not a directory" in proc.stderr and "core.hooksPath" in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_index_add_runs_on_the_engine_it_is_given(
    tmp_path: Path, reference_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provcheck.ingest import add as add_mod
    from provcheck.runtime.executors import executor_for

    engines: list[tuple[str, str | None]] = []

    def recording(recipe, batches, workers, engine="local", address=None):  # type: ignore[no-untyped-def]
        engines.append((engine, address))
        return executor_for(recipe, batches, workers, "local", None)

    monkeypatch.setattr(add_mod, "executor_for", recording)
    result = run_cli(
        [
            "index",
            "add",
            tmp_path / "i",
            reference_file,
            "--source",
            "s",
            "--engine",
            "ray",
            "--address",
            "h:1",
        ]
    )
    assert engines == [("ray", "h:1")]
    assert "on Ray (h:1)" in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--source", ""], "--source '' is empty"),  # refused as every empty value is
        (["--source", "  "], "--source '  ' is empty"),
        (["--source", "s", "--meta", "derived_from=s"], "names the source itself"),
    ],
)
def test_index_add_refuses_a_blank_or_self_derived_source(
    tmp_path: Path, reference_file: Path, args: list[str], says: str
) -> None:
    result = run_cli(["index", "add", tmp_path / "i", reference_file, *args], 2)
    assert says in result.stderr and not (tmp_path / "i").exists()


def test_a_sources_manifest_may_not_climb_out_of_its_folder(tmp_path: Path, reference_file: Path) -> None:
    folder = tmp_path / "manifests"
    folder.mkdir()
    manifest = folder / "sources.yaml"
    manifest.write_text(f"sources:\n  - path: ../refs/{reference_file.name}\n    source: s\n")
    result = run_cli(["index", "build", tmp_path / "i", "--sources", manifest], 2)
    assert f"{manifest}:2: path" in result.stderr and "leads outside the manifest's folder" in result.stderr
    manifest.write_text(f"sources:\n  - path: {reference_file}\n    source: s\n")  # explicit: allowed
    run_cli(["index", "build", tmp_path / "i", "--sources", manifest, "-q"])
    manifest.write_text(
        f"sources:\n  - path: {reference_file}\n    source: s\n    meta: {{derived_from: s}}\n"
    )
    result = run_cli(["index", "build", tmp_path / "j", "--sources", manifest], 2)
    assert f"{manifest}:4: derived_from 's' names the source itself" in result.stderr


def test_a_policy_sources_cycle_is_located(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "sources:\n  a:\n    derived_from: b\n  b:\n    provider: x\n    derived_from: [a]\n"
        "rules:\n  - id: r\n    title: T\n    when: {source.provider: x}\n    action: info\n"
    )
    result = run_cli(["policy", "validate", policy], 3)
    assert f"{policy}:3: sources: 'a' derives from itself" in result.stderr
    assert f"{policy}:6: sources: 'b' derives from itself" in result.stderr


def test_a_message_can_hold_literal_braces(tmp_path: Path, index_dir: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "rules:\n  - id: r\n    title: T\n    when: {source.provider: openai}\n    action: review\n"
        '    message: "field {{text}} of {source.name} {"\n'
    )
    run_cli(["policy", "validate", policy])
    report = json.loads(
        run_cli(["scan", _data(tmp_path), "-i", index_dir, "-p", policy, "-f", "json"]).stdout
    )
    assert report["findings"][0]["message"] == "field {text} of share {"


# --- escapes from data ----------------------------------------------------------------------


def _clean(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text, text


def test_policy_explain_and_list_escape_what_the_policy_says(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    doc = {
        "name": f"pack{ESC}",
        "rules": [
            {
                "id": "r",
                "title": f"title{ESC}",
                "when": {"source.provider": "x"},
                "action": "info",
                "rationale": f"why{ESC}\nsecond line",
                "remediation": f"fix{ESC}",
                "clause": {"quote": f"quote{ESC}", "document": f"doc{ESC}", "url": "https://example.org"},
            }
        ],
    }
    policy.write_text(yaml.safe_dump(doc))
    out = run_cli(["policy", "explain", "r", "-p", policy]).stdout
    _clean(out)
    assert "title\\x1b]8;;" in out and "fix\\x1b]8;;" in out and "doc\\x1b" in out
    assert "\n" + " " * 15 + "second line" in out  # a value's next line cannot pose as a heading


def test_index_info_escapes_source_facts(tmp_path: Path, reference_file: Path) -> None:
    run_cli(
        ["index", "add", tmp_path / "i", reference_file, "--source", f"s{ESC}", "--provider", f"p{ESC}", "-q"]
    )
    out = run_cli(["index", "info", tmp_path / "i"]).stdout
    _clean(out)
    assert "p\\x1b]8;;" in out


def test_the_stale_waiver_summary_escapes_the_waiver(tmp_path: Path, index_dir: Path) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "waivers": [{"rule": f"rule{ESC}", "reason": "r", "approver": "a", "date": "2020-01-01"}],
            }
        )
    )
    result = run_cli(["scan", _data(tmp_path), "-i", index_dir, "--waivers", waivers])
    _clean(result.stderr)
    assert "stale waiver (rule rule\\x1b]8;;" in result.stderr


def test_sarif_help_links_only_to_http_and_escapes_policy_text(tmp_path: Path, index_dir: Path) -> None:
    policy = tmp_path / "p.yaml"
    doc = {
        "rules": [
            {
                "id": "r",
                "title": "![x](https://evil.example/t.png) <img src=x onerror=alert(1)>",
                "when": {"source.provider": "openai"},
                "action": "review",
                "rationale": "[click](javascript:alert(1)) @team",
                "remediation": "<script>alert(2)</script>",
                "clause": {"quote": "q **bold**", "document": "Terms", "url": "javascript:alert(3)"},
            }
        ]
    }
    policy.write_text(yaml.safe_dump(doc))
    out = run_cli(["scan", _data(tmp_path), "-i", index_dir, "-p", policy, "-f", "sarif"]).stdout
    (rule,) = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert "helpUri" not in rule
    markdown = rule["help"]["markdown"]
    for raw in ("![x](", "<img", "<script>", "[click](javascript:", "@team", "**bold**"):
        assert raw not in markdown, (raw, markdown)
    assert "\\!\\[x\\]" in markdown and "&lt;script&gt;" in markdown
