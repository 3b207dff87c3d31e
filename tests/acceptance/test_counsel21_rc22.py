"""Counsel read 21, outside counsel's points on Rules checked, each with a test that fails on the
old code.

P7.  "Rules checked" said "no finding" of rules that could not fire: a match rule about Anthropic
     output read as a clean check when the index held no Anthropic source. A rule that made no
     finding is now "could not fire: <why>" or "evaluated, no finding", counted apart in the
     summary line; ``run.policy.rules[].could_not_fire`` gives the reason. Sound: a provider seen
     only through a source's derivation chain (the policy's ``sources:``, the catalogue) counts.
P9.  Rules checked cites the latest wording's section ("What you cannot do"), the findings the
     version in force for their material ("2(c)(iii)"); only the HTML said so. Every format says
     it, and a rule whose findings cite another section names it.
P14. declared-permissive-licence-over-provider-output's *Applies when* requires that the source's
     licence is not non-commercial, and the finding resolved to alpaca-style-nc (CC BY-NC): the
     facts that met it were those of the model that source derives from. Text and HTML say which
     source "the source" is when it is not the matched or declared one.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from typing import Any

import pytest

from helpers import FIXTURES, check_json_report, run_cli
from provcheck.model import ABSENT, Action, SourceInfo, SourceName
from provcheck.policy import Evaluator, Policy, Rule, Use
from provcheck.policy.model import All, AnyOf, Comparison, Not, SourceFacts
from provcheck.policy.reach import NO_SOURCE, TURNED_OFF, could_not_fire, matchable_sources
from provcheck.report.checked import CheckedRule


def _rule(when: Any, signal: str = "match", enabled: bool = True) -> Rule:
    return Rule(
        id="r", title="t", action=Action.BLOCK, message="m", when=when, signal=signal, enabled=enabled
    )


ANTHROPIC = Comparison("source.provider", "equals", "anthropic")
COMPETING = Comparison("use.purpose", "equals", "train-competing-model")
OPENAI_TOU = {"source.provider": "openai", "source.terms": "openai-terms-of-use", "source.generator": "gpt-4"}
SEEN = (OPENAI_TOU, {"source.provider": "deepseek", "source.terms": "deepseek-terms-of-use"}, {})
"""The source facts of three indexed sources (the third records none)."""


def test_a_rule_about_a_provider_no_source_is_from_could_not_fire() -> None:
    assert could_not_fire(_rule(All((ANTHROPIC, COMPETING))), SEEN) == "no indexed source from anthropic"
    either = Comparison("source.provider", "in", ["Qwen", "alibaba"])
    assert could_not_fire(_rule(either), SEEN) == "no indexed source from alibaba or qwen"
    glob = Comparison("source.provider", "glob", "anthro*")
    assert (
        could_not_fire(_rule(glob), SEEN)
        == "no indexed source is recorded with the provider its condition requires"
    )
    assert could_not_fire(_rule(ANTHROPIC, signal="conflict"), SEEN) == "no indexed source from anthropic"
    assert could_not_fire(_rule(ANTHROPIC, enabled=False), SEEN) == TURNED_OFF
    assert could_not_fire(_rule(COMPETING), None) == NO_SOURCE


def test_other_source_facts_no_source_has_rule_a_rule_out() -> None:
    openai = Comparison("source.provider", "equals", "openai")
    services = Comparison("source.terms", "equals", "openai-services-agreement")
    said = "no indexed source is recorded with the terms its condition requires"
    assert could_not_fire(_rule(All((openai, services, COMPETING))), SEEN) == said
    # Each fact is some source's, but no one source has both: tested source by source.
    deepseek_terms = Comparison("source.terms", "equals", "deepseek-terms-of-use")
    both = "no indexed source is recorded with the provider or terms its condition requires"
    assert could_not_fire(_rule(All((openai, deepseek_terms))), SEEN) == both
    gemma = AnyOf(
        (Comparison("source.terms", "equals", "gemma"), Comparison("source.generator", "glob", "gemma*"))
    )
    assert (
        could_not_fire(_rule(gemma), SEEN)
        == "no indexed source is recorded with the terms or model its condition requires"
    )


def test_a_rule_that_could_fire_is_never_said_unable() -> None:
    openai = Comparison("source.provider", "equals", "OpenAI")  # compared without case
    tou = Comparison("source.terms", "equals", "openai-terms-of-use")
    assert could_not_fire(_rule(All((openai, tou, COMPETING))), SEEN) is None
    # One branch of an "any of" that tests no source fact can hold.
    assert could_not_fire(_rule(AnyOf((ANTHROPIC, COMPETING))), SEEN) is None
    # Under a "not": a source without a provider (or another's) meets it.
    assert could_not_fire(_rule(Not(ANTHROPIC)), SEEN) is None
    assert could_not_fire(_rule(Not(Comparison("source.provider", "exists", True))), SEEN) is None
    assert could_not_fire(_rule(Not(All((ANTHROPIC, COMPETING)))), SEEN) is None
    # A condition that holds for nothing whatever the index: not said to be the index's doing.
    assert could_not_fire(_rule(AnyOf(())), SEEN) is None
    # Rules of other signals are tested on no indexed source: never said unable here.
    assert could_not_fire(_rule(ANTHROPIC, signal="declaration"), SEEN) is None
    assert could_not_fire(_rule(ANTHROPIC, signal="marker"), SEEN) is None


def _policy(**sources: SourceFacts) -> Policy:
    rule = _rule(All((ANTHROPIC, COMPETING)))
    return Policy(path="", files=(), digest="", rules=(rule,), sources=sources)


def test_facts_seen_through_the_policy_and_a_derivation_chain_count() -> None:
    dump = SourceInfo(SourceName("dump"), provider="openai")
    plain = Evaluator(_policy(), Use(), {"dump": dump})
    assert could_not_fire(plain.policy.rules[0], matchable_sources(plain)) is not None
    # The policy's sources: says the dump is Anthropic output: the rule can fire on it.
    said = Evaluator(_policy(dump=SourceFacts(name="dump", provider="anthropic")), Use(), {"dump": dump})
    assert could_not_fire(said.policy.rules[0], matchable_sources(said)) is None
    # A source derived from one of Anthropic's output (its parent in the policy's sources:).
    child = SourceInfo(SourceName("child"), meta={"derived_from": "claude-dump"})
    parent = SourceFacts(name="claude-dump", provider="anthropic")
    derived = Evaluator(_policy(**{"claude-dump": parent}), Use(), {"child": child})
    assert [s["source.provider"] for s in matchable_sources(derived) or ()] == [None, "anthropic"]
    assert could_not_fire(derived.policy.rules[0], matchable_sources(derived)) is None
    # A reference of a source the manifest does not list is matched with its name alone: a rule
    # about names or unrecorded facts is never said unable.
    named = _rule(Comparison("source.name", "equals", "elsewhere"))
    both = Evaluator(Policy(path="", files=(), digest="", rules=(named,)), Use(), {"dump": dump})
    assert could_not_fire(named, matchable_sources(both)) is None
    # A background source is never matched into a finding.
    background = SourceInfo(SourceName("b"), provider="anthropic", background=True)
    assert matchable_sources(Evaluator(_policy(), Use(), {"b": background})) is None


def test_a_record_that_predates_it_claims_neither() -> None:
    base: dict[str, Any] = {"id": "r", "title": "t", "action": "block", "signal": "match", "enabled": True}
    base |= {"clause": "c", "findings": 0, "waived": 0}
    assert CheckedRule(**base).outcome == "no finding"
    assert CheckedRule(**base, could_not_fire=None).outcome == "evaluated, no finding"
    unable = CheckedRule(**base, could_not_fire="no indexed source from xai")
    assert unable.outcome == "could not fire: no indexed source from xai"
    assert CheckedRule(**base).could_not_fire is ABSENT


FORMATS = {"json": "r.json", "html": "r.html", "markdown": "r.md", "text": "r.txt"}


def _flat(text: str, fmt: str) -> str:
    shown = re.sub(r"<[^>]+>", " ", text) if fmt == "html" else text.replace("\\", "")
    return re.sub(r"\s+", " ", htmllib.unescape(shown))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("rc22")
    run_cli(["index", "build", tmp / "index", "--sources", FIXTURES / "demo" / "sources.yaml", "-q"])
    args: list[object] = ["scan", FIXTURES / "demo" / "dataset", "--index", tmp / "index", "-q"]
    args += ["--policy", FIXTURES / "demo" / "policy.yaml", "--waivers", FIXTURES / "demo" / "waivers.yaml"]
    for fmt, name in FORMATS.items():
        args += ["-f", fmt, "-o", tmp / name]
    run_cli(args, 1)
    out: dict[str, Any] = {
        fmt: _flat((tmp / n).read_text(encoding="utf-8"), fmt) for fmt, n in FORMATS.items()
    }
    out["doc"] = json.loads((tmp / "r.json").read_text(encoding="utf-8"))
    check_json_report(out["doc"])  # the schema knows could_not_fire
    return out


def test_the_demo_splits_found_nothing_into_could_not_fire_and_evaluated(demo: dict[str, Any]) -> None:
    rules = demo["doc"]["run"]["policy"]["rules"]
    fired = {f["rule"] for f in demo["doc"]["findings"]}
    unable = {r["id"]: r["could_not_fire"] for r in rules if r["could_not_fire"]}
    # The index holds OpenAI and DeepSeek sources (and Alpaca's, OpenAI output): no rule that
    # made a finding is said unable, nor one that the declared use alone kept from firing.
    assert not fired & set(unable)
    assert unable["anthropic-no-competing-models"] == "no indexed source from anthropic"
    assert unable["llama-no-improving-other-llms"] == "no indexed source from meta"
    assert unable["qwen-attribution"] == "no indexed source from alibaba or qwen"
    terms = "no indexed source is recorded with the terms its condition requires"
    assert unable["openai-api-no-competing-models"] == terms  # OpenAI's, not under the API's terms
    for kept in ("openai-competition-undeclared", "declared-source-research-only", "marker-refusal"):
        assert kept not in unable
    quiet = [r for r in rules if r["enabled"] and r["id"] not in fired]
    line = (
        f"{len(quiet)} found nothing: {len(unable)} could not fire (no indexed source is recorded with the "
        f"provider, terms, licence or model they test for), {len(quiet) - len(unable)} evaluated with no "
        "finding"
    )
    for fmt in ("html", "markdown", "text"):
        assert line in demo[fmt], fmt
    assert (
        "| anthropic-no-competing-models | Claude output used to develop a competing model | block | "
    ) in demo["markdown"]
    assert "| evaluated, no finding |" in demo["markdown"]
    assert "could not fire: no indexed source from xai (5): xai-no-competing-models, " in demo["text"]
    assert "evaluated, no finding (" in demo["text"]
    assert " no finding (" not in demo["text"].replace("evaluated, no finding (", "")
    assert "could not fire: no indexed source from google" in demo["html"]


def test_every_format_says_which_wording_rules_checked_cites(demo: dict[str, Any]) -> None:
    note = (
        "The clause cited is the latest wording on record; findings cite the version in force for their "
        "material, which may number the clause differently"
    )
    cited = (
        "OpenAI Terms of Use, What you cannot do (openai-terms-of-use: compete); findings here cite "
        "2(c)(iii) (Updated 2023-03-14) (the version in force for their material)"
    )
    for fmt in ("html", "markdown", "text"):
        assert note in demo[fmt], fmt
        assert cited in demo[fmt], fmt
    # A rule whose findings cite the section of the latest wording says nothing more.
    assert "4.2(3) (deepseek-terms-of-use: training-permitted); 1 finding(s)" in demo["text"]


def test_applies_when_names_the_source_whose_facts_met_it(demo: dict[str, Any]) -> None:
    said = (
        "here “the source” is model:openai/text-davinci-003 (output of openai, text-davinci-003), from "
        "which alpaca-style-nc derives: the rule is tested on each source of the chain in turn, and the "
        "facts of model:openai/text-davinci-003 met it"
    )
    for fmt in ("html", "text"):
        assert said in demo[fmt], fmt
        # The finding over sharegpt-dump was met by the matched source itself: nothing more is said.
        assert "here “the source” is sharegpt-dump" not in demo[fmt]
    text = demo["text"]
    # Said of the finding over alpaca-style-nc, under its Applies when. The two permissive-licence
    # findings' order follows their ids, which hash the dataset's path as given (the checkout's):
    # the block is found by what it resolves to, not by its place.
    header = "[info] declared-permissive-licence-over-provider-output: "
    starts = [m.start() for m in re.finditer(re.escape(header), text)]
    blocks = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    over_alpaca = [b for b in blocks if "resolves to alpaca-style-nc <- tatsu-lab/alpaca" in b]
    assert len(over_alpaca) == 1 and said in over_alpaca[0]
    assert not any(said in b for b in blocks if b is not over_alpaca[0])
