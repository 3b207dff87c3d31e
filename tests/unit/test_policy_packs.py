"""The shipped policy packs, case by case: ``tests/policy_cases/<pack>.yaml`` files, one test.

A case gives the signals (a record matching one or more sources, a turn with markers, or what
a dataset declares), the facts of the sources, the declared use, and the rules expected to
fire with their actions (and optionally the source that triggered and the clause cited). The
expected set is exact: a rule that fires and is not listed fails the case.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from helpers import SHARED
from provcheck.model import (
    Action,
    AlignedSpan,
    CharSpan,
    ContentHash,
    Declaration,
    Evidence,
    Finding,
    Location,
    Match,
    MatchId,
    MatchKind,
    Record,
    RecordRef,
    Reference,
    ReferenceId,
    RoleKind,
    SourceInfo,
    SourceName,
    Turn,
)
from provcheck.policy import Evaluator, Policy, load_policy, use_from_words
from provcheck.policy.loader import pack_path, packs_dir
from provcheck.policy.markers import MarkerScanner, MarkerSpec
from provcheck.yamlfile import load

CASES = Path(__file__).resolve().parent.parent / "policy_cases"
_KINDS = {
    "human": RoleKind.USER,
    "user": RoleKind.USER,
    "gpt": RoleKind.ASSISTANT,
    "assistant": RoleKind.ASSISTANT,
}


def _cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        doc = load(str(path))
        for case in doc["cases"]:
            out.append((doc["pack"], {**case, "file": f"{path.name}:{case.get('name')}"}))
    return out


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per case of every case file."""
    if "pack_case" in metafunc.fixturenames:
        cases = _cases()
        metafunc.parametrize("pack_case", cases, ids=[f"{pack}: {c['name']}" for pack, c in cases])


_POLICIES: dict[str, Policy] = {}


def _policy(pack: str) -> Policy:
    if pack not in _POLICIES:
        _POLICIES[pack] = load_policy(str(pack_path(pack)))
    return _POLICIES[pack]


def _info(name: str, facts: dict[str, Any]) -> SourceInfo:
    meta = {str(k): str(v) for k, v in (facts.get("meta") or {}).items()}
    for key in ("date", "origin", "derived_from"):
        if key in facts:
            value = facts[key]
            meta[key] = ",".join(value) if isinstance(value, list) else str(value)
    return SourceInfo(
        name=SourceName(name),
        provider=facts.get("provider"),
        generator=facts.get("generator"),
        license=facts.get("license"),
        terms=facts.get("terms"),
        meta=meta,
    )


def _match(info: SourceInfo, tokens: int) -> Match:
    turn = Turn("gpt", RoleKind.ASSISTANT, 1, "conversations[1].value", "the copied answer")
    ev = Evidence(
        MatchKind.NEAR_DUPLICATE,
        0.95,
        0.9,
        0.9,
        tokens,
        0.97,
        0.8,
        (AlignedSpan(CharSpan(0, 6), CharSpan(0, 6), tokens, 0.95),),
        tokens < 40,
    )
    rec = RecordRef(Location("data/train.jsonl", 0, 1), "rec-1", ContentHash("c0ffee"), turn)
    return Match(MatchId(f"m-{info.name}"), rec, Reference(ReferenceId(f"{info.name}#0"), info, turn), ev)


def _findings(pack: str, case: dict[str, Any]) -> list[Finding]:
    policy = _policy(pack)
    overrides = case.get("override") or {}
    if overrides:
        # What a policy including the pack would say about one of its rules (fields of Rule).
        rules = []
        for rule in policy.rules:
            changes = dict(overrides.get(rule.id) or {})
            if "action_before_wording" in changes:
                changes["action_before_wording"] = Action(changes["action_before_wording"])
            rules.append(replace(rule, **changes))
        assert set(overrides) <= {r.id for r in policy.rules}, case["file"]
        policy = replace(policy, rules=tuple(rules))
    use = use_from_words(case["use"]) if "use" in case else policy.use
    index_sources = {n: _info(n, f) for n, f in (case.get("index") or {}).items()}
    ev = Evaluator(policy, use, index_sources)
    findings: list[Finding] = []
    matched = case.get("source")
    if matched is not None:
        for i, facts in enumerate(matched if isinstance(matched, list) else [matched]):
            name = facts.get("name", f"source-{i}")
            info = index_sources.get(name) or _info(name, facts)
            findings += ev.matches([_match(info, int(case.get("tokens", 80)))])
    for turn in case.get("turns") or []:
        role = turn.get("role", "gpt")
        t = Turn(role, _KINDS.get(role, RoleKind.TEXT), 0, "text", turn["text"])
        record = Record(Location("data/train.jsonl", 0, 1), "rec-1", "sharegpt", (t,), ContentHash("c0ffee"))
        hits = MarkerScanner([MarkerSpec.of(m) for m in policy.markers]).records([record])
        findings += ev.markers(hits)
    declared = case.get("declare") or {}
    decls = []
    for key, values in declared.items():
        for i, value in enumerate(values if isinstance(values, list) else [values]):
            decls.append(Declaration("data/README.md", 2 + i, key, str(value), "data"))
    for i, named in enumerate(case.get("records_name") or []):
        # A model records name in their own field: ``{model: gpt-4, records: 3, output: 3}``.
        path = "data/train.jsonl"
        records, output = int(named.get("records", 1)), int(named.get("output", 0))
        decls.append(
            Declaration(path, 1 + i, "generator", str(named["model"]), path, None, "model", records, output)
        )
    findings += ev.declarations(decls)
    return findings


def test_policy_pack_case(pack_case: tuple[str, dict[str, Any]]) -> None:
    pack, case = pack_case
    findings = _findings(pack, case)
    got = sorted((f.rule.id, f.action.value) for f in findings)
    expected = sorted((e["rule"], e["action"]) for e in case.get("expect") or [])
    assert got == expected, f"{case['file']}: {[f.message for f in findings]}"
    for e in case.get("expect") or []:
        (f,) = [f for f in findings if f.rule.id == e["rule"]][:1] or [None]
        assert f is not None
        if "source" in e:
            assert f.source is not None and f.source.name == e["source"], case["file"]
        clause = f.rule.clause
        if "clause_effective" in e:
            assert clause is not None and clause.effective == str(e["clause_effective"]), case["file"]
        if "clause_document" in e:
            assert clause is not None and clause.document == e["clause_document"], case["file"]
        if "clause_note" in e:
            assert clause is not None, case["file"]
            if e["clause_note"] is None:
                assert clause.note is None, case["file"]
            else:
                assert e["clause_note"] in (clause.note or ""), case["file"]
        for key in ("section", "url", "confidence", "quote", "date_label"):
            if f"clause_{key}" in e:
                assert clause is not None and getattr(clause, key) == e[f"clause_{key}"], case["file"]
        if "clause_quote_contains" in e:
            assert clause is not None and e["clause_quote_contains"] in clause.quote, case["file"]
        if "clause" in e and e["clause"] is None:
            assert clause is None, case["file"]
        if "message_contains" in e:
            assert e["message_contains"] in f.message, f"{case['file']}: {f.message}"
        if "marker_text" in e:
            assert f.marker is not None and f.marker.text == e["marker_text"], case["file"]
        if "chain" in e:
            assert [s.name for s in f.chain] == e["chain"], case["file"]


def test_every_shipped_rule_has_a_case_where_it_fires() -> None:
    fired = {(pack, e["rule"]) for pack, c in _cases() for e in c.get("expect") or []}
    fired_ids = {rule for _, rule in fired}
    missing = []
    for path in sorted(packs_dir().glob("*.yaml")):
        for rule in load_policy(str(path)).rules:
            if rule.id not in fired_ids:
                missing.append(f"{path.stem}: {rule.id}")
    assert missing == []


def test_every_pack_has_a_case_file() -> None:
    packs = {p.stem for p in packs_dir().glob("*.yaml")}
    files = {p.stem for p in CASES.glob("*.yaml")}
    assert packs == files


def test_licence_quotes_are_verbatim_from_the_legal_codes() -> None:
    """Every quote of a Creative Commons legal code in a shipped pack is the licence's own text
    (../shared/reference/licences), section by section ("[…]" separates quoted sections)."""
    folder = SHARED / "reference" / "licences"
    if not folder.is_dir():
        pytest.skip(f"reference licences not found at {folder}")
    checked = 0
    for path in sorted(packs_dir().glob("*.yaml")):
        for terms in load_policy(str(path)).terms.values():
            for version in terms.versions:
                url = version.url or terms.url or ""
                m = re.fullmatch(r"https://creativecommons\.org/licenses/([a-z-]+)/(\d\.\d)/legalcode", url)
                if m is None:
                    continue
                text = " ".join((folder / f"CC-{m.group(1).upper()}-{m.group(2)}.txt").read_text().split())
                for clause in version.clauses.values():
                    for piece in clause["quote"].split(" […] "):
                        assert piece in text, f"{path.name}: {piece[:60]!r} is not in the {url} text"
                        checked += 1
    assert checked >= 3


def test_shipped_match_messages_never_say_copies_of_a_partial_or_convergent_match() -> None:
    """A pack's message says what the evidence shows (``{match.relation}``), never a fixed
    "copies": counsel read "copies output of gpt-4" on a 15% common passage."""
    root = Path(__file__).resolve().parents[2] / "policies"
    fixed = [
        f"{p.name}:{n}"
        for p in sorted(root.glob("*.yaml"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.match(r'\s*message:\s*"?copies\b', line)
    ]
    assert fixed == []


def test_the_built_in_rule_does_not_call_every_match_a_copy() -> None:
    """Without a policy every match is a review finding, convergent ones included: its title was
    "Record copies indexed reference material" on a match marked likely convergence."""
    from provcheck.policy.loader import default_policy

    (rule,) = default_policy().rules
    assert "copies" not in rule.title.lower() and "shares text" in rule.title


def test_the_ai_self_reference_rule_cites_the_filter_lists_with_their_confidence() -> None:
    """Outside counsel 21 (P14): "Phrases like this were filtered out of ShareGPT by dataset
    builders" cited no source. The rule now names the lists the reference records (§9a), each with
    its confidence, and quotes them as the reference does; it claims no more than a look of model
    output."""
    (rule,) = [r for r in _policy("markers").rules if r.id == "marker-ai-self-reference"]
    why = " ".join((rule.rationale or "").split())
    assert "filtered out of ShareGPT by dataset builders" not in why
    card = "were removed (and a few others that can't be mentioned here)"
    garak = (
        "found in OpenAI ChatGPT mitigation messages listed in the ShareGPT dataset used in training "
        "the Vicuna models"
    )
    assert 'ShareGPT_Vicuna_unfiltered dataset card lists phrases such as "as an AI language model"' in why
    assert f'"{card}" (confidence V-S' in why
    assert "NVIDIA garak's MitigationBypass detector (garak/detectors/mitigation.py)" in why
    assert f'"{garak}" (confidence V-P' in why
    reference = SHARED / "reference" / "terms-and-licences.md"
    if reference.exists():
        text = reference.read_text(encoding="utf-8")
        for quote in (card, garak, '"Sorry, as an AI" †', '"As a digital AI" †'):
            assert quote in text, quote
