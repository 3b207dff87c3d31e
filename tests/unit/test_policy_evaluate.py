"""Policy evaluation: rules over source facts, chains, declared use, strength, citations."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from provcheck.model import (
    Action,
    AlignedSpan,
    CharSpan,
    ContentHash,
    Evidence,
    Location,
    Match,
    MatchId,
    MatchKind,
    RecordRef,
    Reference,
    ReferenceId,
    RoleKind,
    SourceInfo,
    SourceName,
    Turn,
)
from provcheck.policy import Evaluator, load_policy, use_from_words
from provcheck.policy.evaluate import render

POLICY = """\
use: {purpose: train-competing-model, commercial: true}
sources:
  sharegpt-dump: {derived_from: chatgpt, origin: derived}
  chatgpt: {provider: openai, generator: gpt-3.5-turbo, origin: generated, date: 2023-05-01}
terms:
  openai-tou:
    document: OpenAI Terms of Use
    versions:
      - effective: 2023-03-14
        clauses:
          compete: {quote: "use output from the Services to develop models that compete with OpenAI;"}
      - effective: 2024-01-31
        clauses: {compete: {quote: "Use Output to develop models that compete with OpenAI."}}
rules:
  - id: openai-compete
    title: OpenAI output in a competing model
    when: {source.provider: openai, use.purpose: train-competing-model}
    action: block
    message: "{record.path} copies {source.generator} via {reference.id}"
    clause: {terms: openai-tou, clause: compete}
  - id: nc-commercial
    title: Non-commercial licence in a commercial model
    when: {source.license_traits: {contains: noncommercial}, use.commercial: true}
    action: block
  - id: strong-only
    title: Only strong matches
    when: {match.similarity: {gte: 0.9}, match.kind: excerpt}
    action: warn
"""


def make_match(
    source: str,
    tokens: int = 80,
    similarity: float = 0.95,
    path: str = "d.jsonl",
    content: str = "h1",
    index: int = 0,
    kind: MatchKind = MatchKind.NEAR_DUPLICATE,
    **facts: object,
) -> Match:
    info = SourceInfo(name=SourceName(source), **facts)  # type: ignore[arg-type]
    turn = Turn("gpt", RoleKind.ASSISTANT, 1, "conversations[1].value", "text")
    ev = Evidence(
        kind,
        similarity,
        0.9,
        0.9,
        tokens,
        0.97,
        0.8,
        (AlignedSpan(CharSpan(0, 4), CharSpan(0, 4), tokens, similarity),),
        tokens < 40,
    )
    return Match(
        id=MatchId("m"),
        record=RecordRef(Location(path, index, index + 1), None, ContentHash(content), turn),
        reference=Reference(ReferenceId(f"{source}#0"), info, turn),
        evidence=ev,
    )


def evaluator(tmp_path: Path, words: list[str] | None = None) -> Evaluator:
    p = tmp_path / "p.yaml"
    p.write_text(POLICY)
    pol = load_policy(str(p))
    use = use_from_words(words) if words is not None else pol.use
    return Evaluator(pol, use, {})


def test_restrictions_of_a_parent_apply_to_its_copies(tmp_path: Path) -> None:
    (f,) = evaluator(tmp_path).matches([make_match("sharegpt-dump")])
    assert f.rule.id == "openai-compete" and f.action is Action.BLOCK
    assert f.source is not None and f.source.name == "chatgpt"
    assert [s.name for s in f.chain] == ["sharegpt-dump", "chatgpt"]
    assert f.message == "d.jsonl copies gpt-3.5-turbo via sharegpt-dump#0"


def test_the_clause_in_force_when_the_data_was_generated_is_cited(tmp_path: Path) -> None:
    (f,) = evaluator(tmp_path).matches([make_match("sharegpt-dump")])
    assert f.rule.clause is not None and f.rule.clause.effective == "2023-03-14"
    (g,) = evaluator(tmp_path).matches([make_match("new", provider="openai", meta={"date": "2025-02-01"})])
    assert g.rule.clause is not None and g.rule.clause.quote.startswith("Use Output")


def test_declared_use_decides(tmp_path: Path) -> None:
    m = make_match("x", provider="openai", license="CC-BY-NC-4.0")
    rules = {f.rule.id for f in evaluator(tmp_path).matches([m])}
    assert rules == {"openai-compete", "nc-commercial"}
    assert evaluator(tmp_path, ["fine-tune", "non-commercial"]).matches([m]) == []
    only_nc = evaluator(tmp_path, ["commercial"]).matches([m])
    assert [f.rule.id for f in only_nc] == ["nc-commercial"]


def test_short_evidence_never_blocks(tmp_path: Path) -> None:
    (f,) = evaluator(tmp_path).matches([make_match("x", tokens=30, provider="openai")])
    assert f.action is Action.REVIEW and f.downgraded_from is Action.BLOCK


def test_match_strength_conditions(tmp_path: Path) -> None:
    weak = make_match("x", similarity=0.8, kind=MatchKind.EXCERPT)
    strong = make_match("x", similarity=0.95, kind=MatchKind.EXCERPT)
    ev = evaluator(tmp_path, ["research"])
    assert [f.rule.id for f in ev.matches([weak, strong])] == ["strong-only"]


def test_finding_ids_ignore_position_but_not_content(tmp_path: Path) -> None:
    ev = evaluator(tmp_path)
    a = ev.matches([make_match("x", provider="openai", index=0)])[0]
    moved = ev.matches([make_match("x", provider="openai", index=900, path="d.jsonl")])[0]
    other = ev.matches([make_match("x", provider="openai", content="h2")])[0]
    assert a.id == moved.id and a.id != other.id


def test_index_metadata_feeds_the_facts(tmp_path: Path) -> None:
    pol_path = tmp_path / "p.yaml"
    pol_path.write_text(POLICY)
    pol = load_policy(str(pol_path))
    index_sources = {"mirror": SourceInfo(SourceName("mirror"), meta={"derived_from": "chatgpt"})}
    (f,) = Evaluator(pol, pol.use, index_sources).matches(
        [make_match("mirror", meta={"derived_from": "chatgpt"})]
    )
    assert f.source is not None and f.source.provider == "openai"


def test_messages_render_only_known_placeholders() -> None:
    ctx = {"source.name": "s", "match.similarity": 0.91234, "source.date": dt.date(2024, 1, 2)}
    assert (
        render("{source.name} {match.similarity} {source.date} {x.y} {{source.name}} {", ctx)
        == "s 0.91 2024-01-02 unknown {source.name} {"
    )
    assert render("{__class__} {source.name.__class__}", ctx) == "unknown unknown"


def _with_strength(m: Match, probability: float, convergence: str | None, can_block: bool) -> Match:
    from provcheck.model import Strength

    return replace(
        m, strength=Strength(probability, convergence, "why", (m.reference.source.name,), can_block)
    )


def test_convergent_or_improbable_evidence_never_blocks(tmp_path: Path) -> None:
    base = make_match("x", provider="openai")
    (strong,) = evaluator(tmp_path).matches([_with_strength(base, 0.99, None, True)])
    assert strong.action is Action.BLOCK and strong.downgraded_from is None
    for p, conv in ((0.99, "crowd"), (0.2, None)):
        (f,) = evaluator(tmp_path).matches([_with_strength(base, p, conv, False)])
        assert f.action is Action.REVIEW and f.downgraded_from is Action.BLOCK


def test_probability_and_convergence_are_condition_fields(tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(
        "rules:\n"
        "  - {id: likely, title: t, when: {match.probability: {gte: 0.9}}, action: warn}\n"
        "  - {id: conv, title: t, when: {match.convergence: list}, action: review}\n"
        "  - {id: rel, title: t, when: {match.relation: copies}, action: info,"
        ' message: "{match.relation} it"}\n'
    )
    ev = Evaluator(load_policy(str(p)), use_from_words(["research"]), {})
    m = make_match("x")
    assert [f.rule.id for f in ev.matches([_with_strength(m, 0.95, None, True)])] == ["likely", "rel"]
    # A whole match marked as convergence is not called a copy: the relation says so.
    assert [f.rule.id for f in ev.matches([_with_strength(m, 0.5, "list", False)])] == ["conv"]
    # An excerpt is not a whole copy: the relation says so.
    partial = make_match("x", kind=MatchKind.EXCERPT)
    partial = _with_strength(
        replace(partial, evidence=replace(partial.evidence, coverage=0.2, containment=0.1)), 0.9, None, True
    )
    assert [f.rule.id for f in ev.matches([partial])] == ["likely"]


def test_a_message_template_is_parsed_once_and_renders_as_placeholder_substitution() -> None:
    """``render`` parses a template once (a message is rendered for every finding) and gives
    what substituting each placeholder in turn gives, on every mix of placeholders, escaped
    braces, lone braces and text."""
    import datetime as dt
    import random
    import re
    import sys

    evaluate = sys.modules[render.__module__]  # the module (the package exports a function of its name)

    def substituted(template: str, ctx: dict[str, object]) -> str:
        def value(m: re.Match[str]) -> str:
            if m.group(1) is None:
                return m.group()[0]
            v = ctx.get(m.group(1))
            if v is None or v == ():
                return "unknown"
            if isinstance(v, (tuple, list)):
                return ", ".join(map(str, v))
            if isinstance(v, float):
                return f"{v:.2f}"
            if isinstance(v, dt.date):
                return v.isoformat()
            return str(v)

        return re.sub(r"\{\{|\}\}|\{([a-z_][a-z0-9_.]*)\}", value, template)

    ctx: dict[str, object] = {"a": 1.234, "b": (1, "x"), "c": None, "d": dt.date(2024, 1, 2), "e": "{e}"}
    ctx |= {"f": (), "g": True, "h.i": 3, "j": ["y"]}
    pieces = ["{a}", "{b}", "{c}", "{d}", "{e}", "{f}", "{g}", "{h.i}", "{j}", "{{", "}}", "{", "}"]
    pieces += ["{A}", "{ a}", "text ", "é", "{{a}}", "{zz}", "{a.}", ""]
    rng = random.Random(5)
    for _ in range(3000):
        template = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        assert render(template, ctx) == substituted(template, ctx), template
    evaluate._parts.cache_clear()
    for _ in range(3):
        render("{a} and {b}", ctx)
    assert evaluate._parts.cache_info().misses == 1


def test_explained_is_a_condition_field(tmp_path: Path) -> None:
    """A policy can tell explained matches (listed, not verified) from verified ones."""
    from provcheck.model import Strength

    p = tmp_path / "p.yaml"
    p.write_text(
        "rules:\n"
        "  - {id: verified, title: t, when: {match.explained: false}, action: warn}\n"
        "  - {id: listed, title: t, when: {match.explained: true}, action: info}\n"
    )
    ev = Evaluator(load_policy(str(p)), use_from_words(["research"]), {})
    m = make_match("x")
    explained = replace(m, strength=Strength(0.1, "common-passage", "why", ("x",), False, explained=True))
    assert [f.rule.id for f in ev.matches([explained])] == ["listed"]
    assert [f.rule.id for f in ev.matches([_with_strength(m, 0.95, None, True)])] == ["verified"]
