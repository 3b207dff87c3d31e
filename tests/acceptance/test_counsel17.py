"""The counsel-facing reports decidable and signable (seventh pass): counsel 17's read of the
demo's HTML report as a lawyer deciding whether to sign.

1. The note that a permissive card does not lift a provider's terms named a catalogue entry the
   records never matched (``model:openai/text-davinci-003``, the end of the matched source's
   chain) as what "1 record(s) match". It now names the indexed source they matched
   (``conflict.source``, a field of ``signal: conflict`` rules), with the provider and model.
2. A conflict finding's "What this shows" described only the card ("What README.md declares
   about ...: license = apache-2.0"), not what the card conflicts with. It now states both sides:
   the declared licence and the indexed source the records under it matched, with its facts, and
   the ancestor whose facts made the rule apply.
3. A card's provenance chain called a source the card declares (``source_datasets``) the
   "matched source" though no record matched it, and gave the engine's key names
   (``derived_from``, ``facts_from``, ``catalogued true``) as the facts.
4. Turns left out by a role filter were put down to "--roles or roles: in .provcheck.yaml":
   counsel could not tell which, and the command under Reproducibility shows only the flag. The
   coverage line now names the one the run used.
5. A rule's header noted a clause "Note for declared in README.md: ..." (a fragment): it now
   reads "Note for what README.md declares: ..." or "Note for source NAME: ...".
6. The coverage line counted "22 label(s)" not read without saying what a label is: it now says
   (short values of fields such as role, type, name or language).
7. The policy files the decision rests on were listed by path alone: the packs shipped with
   provcheck read as install paths beside the user's own policy. Each shipped pack now says
   "(shipped with provcheck VERSION)".

The demo is scanned through the real command line as ``make demo`` does.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from helpers import FIXTURES, run_cli, write_jsonl
from provcheck.policy import load_policy


def _words(markup: str) -> str:
    words = re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()
    return re.sub(r" ([:;,.)])", r"\1", words)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("counsel17")
    shutil.copytree(FIXTURES / "demo", root / "demo")
    demo = root / "demo"
    run_cli(["index", "build", root / "index", "--sources", demo / "sources.yaml", "--quiet"])
    args: list[object] = ["scan", demo / "dataset", "--index", root / "index"]
    args += ["--policy", demo / "policy.yaml", "--waivers", demo / "waivers.yaml", "-q"]
    args += ["-f", "html", "-o", root / "report.html", "-f", "text", "-o", root / "report.txt"]
    args += ["-f", "json", "-o", root / "report.json"]
    run_cli(args, 1)
    return {fmt: (root / f"report.{fmt}").read_text(encoding="utf-8") for fmt in ("html", "txt", "json")}


def _findings(demo: dict[str, str], rule: str) -> list[dict[str, object]]:
    doc = json.loads(demo["json"])
    return [f for f in doc["findings"] if f["rule"] == rule]


def _card(page: str, finding_id: str) -> str:
    start = page.index(f'id="f-{finding_id}"')
    return _words(page[start : page.index("</details>", start)])


# --- 1. the permissive-label note names the source the records matched --------------------------


def test_the_permissive_label_note_names_the_matched_source(demo: dict[str, str]) -> None:
    notes = _findings(demo, "declared-permissive-licence-over-provider-output")
    said = sorted(str(f["message"]) for f in notes)
    # Three since trust 23: the DeepSeek chat output has no licence of its own (MIT was
    # DeepSeek-R1's), so the card's apache-2.0 over it is noted as over OpenAI's output is.
    assert len(said) == 3, said
    assert "1 record(s) match alpaca-style-nc, output of openai (text-davinci-003)" in said[0], said
    assert "1 record(s) match deepseek-chat-outputs, output of deepseek (deepseek-chat)" in said[1], said
    assert "2 record(s) match sharegpt-dump, output of openai (gpt-3.5-turbo)" in said[2], said
    assert not any("match model:openai" in s for s in said), said
    # The rule still applies through the ancestor whose facts it tests (rule logic unchanged).
    assert {f["source"]["name"] for f in notes} == {  # type: ignore[index]
        "model:openai/text-davinci-003",
        "deepseek-chat-outputs",
        "sharegpt-dump",
    }


def test_conflict_source_is_a_field_only_conflict_rules_may_use(tmp_path: Path) -> None:
    """A message of a ``match`` rule naming ``{conflict.source}`` is refused like any field its
    signal does not set."""
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "rules:\n"
        "  - id: r\n    title: t\n    signal: match\n    when: {source.provider: openai}\n"
        "    action: info\n    message: '{conflict.source}'\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception, match=r"conflict\.source"):
        load_policy(policy)


# --- 2. a conflict finding says what the card conflicts with ------------------------------------


def test_a_conflict_finding_shows_both_sides(demo: dict[str, str]) -> None:
    (nc,) = _findings(demo, "declared-licence-contradicts-matched-noncommercial")
    card = _card(demo["html"], str(nc["id"]))
    said = r"What this shows That \S+/README\.md declares license = apache-2\.0 over \S+/dataset,"
    assert re.search(said, card), card
    assert "verified, by alignment, to match the indexed source alpaca-style-nc (licence CC-BY-NC-4.0" in card
    assert "What it does not show Which licence the dataset's authors could grant" in card, card


def test_a_conflict_through_an_ancestor_names_it(demo: dict[str, str]) -> None:
    notes = _findings(demo, "declared-permissive-licence-over-provider-output")
    (through,) = [f for f in notes if f["source"]["name"] == "model:openai/text-davinci-003"]  # type: ignore[index]
    card = _card(demo["html"], str(through["id"]))
    assert "to match the indexed source alpaca-style-nc" in card, card
    assert (
        "which derives from model:openai/text-davinci-003 (output of openai, text-davinci-003): the "
        "facts of that source made the rule apply" in card
    ), card
    text = " ".join(demo["txt"].split())
    assert "to match the indexed source alpaca-style-nc" in text


def test_a_card_s_own_declaration_keeps_its_plain_meaning(demo: dict[str, str]) -> None:
    (declared,) = _findings(demo, "declared-source-noncommercial")
    card = _card(demo["html"], str(declared["id"]))
    assert "declares about" in card and "source_datasets = tatsu-lab/alpaca" in card, card
    assert "indexed source" not in card


# --- 3. the provenance chain in words ------------------------------------------------------------


def test_a_declared_source_is_not_called_matched(demo: dict[str, str]) -> None:
    (declared,) = _findings(demo, "declared-source-noncommercial")
    card = _card(demo["html"], str(declared["id"]))
    assert "tatsu-lab/alpaca (declared source:" in card and "README.md names it)" in card, card
    assert "tatsu-lab/alpaca (matched source)" not in card, card


def test_provenance_facts_are_words_not_key_names(demo: dict[str, str]) -> None:
    chains = " ".join(_words(c) for c in re.findall(r'<ol class="chain">.*?</ol>', demo["html"], re.S))
    assert "derived from tatsu-lab/alpaca" in chains and "facts from Data Provenance" in chains, chains
    assert "in provcheck's catalogue of known datasets and models" in chains, chains
    for key in ("derived_from", "facts_from", "catalogued"):
        assert key not in chains, (key, chains)


# --- 4. where the role filter came from ----------------------------------------------------------


def _roles_run(tmp_path: Path, index_dir: Path, flag: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    repo = tmp_path / "repo"
    turns = [{"role": "user", "content": "hi there"}, {"role": "assistant", "content": "hello"}]
    data = write_jsonl(repo / "data" / "d.jsonl", [{"messages": turns}])
    config = repo / ".provcheck.yaml"
    config.write_text(f"index: {index_dir}\n" + ("" if flag else "roles: [assistant]\n"))
    out = tmp_path / "r.html"
    args: list[object] = ["scan", data, "--config", config, "--no-cache", "-q", "-f", "html", "-o", out]
    args += ["--roles", "assistant"] if flag else []
    # The run record's command is the process's argv (``cli/scan.py``), as a shell gives it.
    monkeypatch.setattr(sys, "argv", ["provcheck", *map(str, args)])
    run_cli(args, code=0)
    return _words(out.read_text(encoding="utf-8"))


def test_roles_from_the_configuration_are_put_down_to_it(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _roles_run(tmp_path, index_dir, False, monkeypatch)
    config = tmp_path / "repo" / ".provcheck.yaml"
    assert f"turn(s) outside the roles selected (roles: in {config})" in page, page
    assert f"turns other than assistant (roles: in {config})" in page, page
    assert "--roles or roles:" not in page


def test_roles_from_the_flag_are_put_down_to_it(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _roles_run(tmp_path, index_dir, True, monkeypatch)
    assert "turn(s) outside the roles selected (--roles)" in page, page
    assert "turns other than assistant (--roles)" in page, page


def test_the_run_record_says_who_set_the_roles_whatever_the_command_line_looked_like(
    tmp_path: Path, index_dir: Path
) -> None:
    """``run.roles_from`` is set where the settings are resolved: a caller whose argv does not
    show ``--roles`` (a library call, a wrapper script) is not credited to the config file."""
    repo = tmp_path / "repo"
    turns = [{"role": "user", "content": "hi there"}, {"role": "assistant", "content": "hello"}]
    data = write_jsonl(repo / "data" / "d.jsonl", [{"messages": turns}])
    config = repo / ".provcheck.yaml"
    config.write_text(f"index: {index_dir}\nroles: [user]\n")
    for extra, want, said in (
        ([], "configuration", f"roles: in {config}"),
        (["--roles", "assistant"], "command line", "--roles"),
    ):
        out, page = tmp_path / f"r{len(extra)}.json", tmp_path / f"r{len(extra)}.html"
        args = ["scan", data, "--config", config, "--no-cache", "-q", *extra]
        run_cli([*args, "-f", "json", "-o", out], code=0)
        assert json.loads(out.read_text(encoding="utf-8"))["run"]["roles_from"] == want
        run_cli([*args, "-f", "html", "-o", page], code=0)
        assert f"turn(s) outside the roles selected ({said})" in _words(page.read_text(encoding="utf-8"))
    out = tmp_path / "none.json"
    config.write_text(f"index: {index_dir}\n")
    run_cli(["scan", data, "--config", config, "--no-cache", "-q", "-f", "json", "-o", out], code=0)
    assert "roles_from" not in json.loads(out.read_text(encoding="utf-8"))["run"]


# --- 5. a rule header's clause notes say whose they are ------------------------------------------


def test_a_clause_note_in_a_rule_header_says_whose_it_is(demo: dict[str, str]) -> None:
    notes = [_words(n) for n in re.findall(r'<div class="note clause-note">(.*?)</div>', demo["html"])]
    assert notes, demo["html"][:2000]
    assert not any(n.startswith("Note for declared in") for n in notes), notes
    assert any(
        re.match(r"Note for what \S+/README\.md declares: the material is dated 2023-03-13", n) for n in notes
    )


# --- 6. what a "label" not read is ---------------------------------------------------------------


def test_the_coverage_line_says_what_a_label_is(demo: dict[str, str]) -> None:
    text = " ".join(demo["txt"].split())
    said = "22 label(s) (short values of fields such as role, type, name or language)"
    assert said in text and said in _words(demo["html"]), text


# --- 7. which policy files came with provcheck ---------------------------------------------------


def test_the_policy_files_say_which_were_shipped_with_provcheck(demo: dict[str, str]) -> None:
    files = [_words(li) for li in re.findall(r"<li>(.*?)</li>", demo["html"]) if "sha256" in li]
    shipped = [f for f in files if "/policies/openai.yaml (shipped with provcheck" in f]
    own = [f for f in files if "demo/policy.yaml" in f]
    assert shipped and own, files
    assert not any("shipped" in f for f in own), own
