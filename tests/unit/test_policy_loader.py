"""Policy files: what loads, and every kind of mistake reported at once with file:line."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from provcheck.errors import PolicyError
from provcheck.model import Action
from provcheck.policy import load_policy
from provcheck.policy.model import All, Comparison

GOOD = """\
version: 1
name: test policy
use:
  purpose: train-competing-model
  commercial: true
sources:
  sharegpt:
    provider: openai
    derived_from: chatgpt
    date: 2023-04-01
terms:
  t:
    document: Terms
    versions:
      - effective: 2023-01-01
        clauses: {c: {quote: "old wording"}}
      - effective: 2024-01-01
        clauses: {c: {quote: "new wording", section: "2"}}
rules:
  - id: r1
    title: Rule one
    when:
      all:
        - source.provider: openai
        - match.similarity: {gte: 0.8}
        - not: {record.path: {glob: "tests/**"}}
    action: block
    message: "copies {source.name}"
    clause: {terms: t, clause: c}
"""


def write(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_policy(str(write(tmp_path, text)))
    return info.value.problems


def test_a_valid_policy_loads(tmp_path: Path) -> None:
    pol = load_policy(str(write(tmp_path, GOOD)))
    assert pol.name == "test policy" and pol.use.commercial is True
    assert pol.use.purposes == frozenset({"train-competing-model"})
    (rule,) = pol.rules
    assert rule.action is Action.BLOCK and isinstance(rule.when, All)
    assert Comparison("source.provider", "equals", "openai", 24) in rule.when.items
    assert pol.sources["sharegpt"].date == dt.date(2023, 4, 1)
    assert pol.clause_for(rule, dt.date(2023, 6, 1)).quote == "old wording"  # type: ignore[union-attr]
    assert pol.clause_for(rule, None).quote == "new wording"  # type: ignore[union-attr]
    assert pol.clause_for(rule, dt.date(2022, 1, 1)).effective == "2023-01-01"  # type: ignore[union-attr]


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
version: 1
colour: blue
rules:
  - id: r1
    title: t
    action: explode
    message: hi {nonsense.field}
  - id: r2
    title: t
    action: warn
    when:
      source.provder: openai
      match.similarity: {gte: high}
      use.commercial: {glob: "x"}
      source.date: {gte: 2023-13-45}
  - id: Bad Id
    title: t
    action: warn
""",
    )
    text = "\n".join(found)
    assert "policy.yaml:2: unknown key 'colour'" in text
    assert "policy.yaml:6: rule 'r1': unknown action 'explode'; allowed: block, review, warn, info" in text
    assert "unknown placeholder {nonsense.field}" in text
    assert "policy.yaml:12: unknown field 'source.provder'" in text
    assert "policy.yaml:13: match.similarity gte: expected a number, found 'high'" in text
    assert "policy.yaml:14: use.commercial: unknown operator 'glob'; allowed: equals, exists" in text
    assert "not a date" in text
    assert "rule 'id' 'Bad Id'" in text
    assert len(found) == 8


def test_unknown_terms_and_clauses_are_reported(tmp_path: Path) -> None:
    text = "\n".join(problems(tmp_path, GOOD.replace("{terms: t, clause: c}", "{terms: t, clause: zz}")))
    assert "cites clause 'zz' that 't' does not have; it has: c" in text
    text = "\n".join(problems(tmp_path, GOOD.replace("{terms: t, clause: c}", "{terms: nope, clause: c}")))
    assert "cites unknown terms 'nope'" in text


def test_includes_compose_and_later_rules_override_earlier_ones(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "base.yaml")
    top = write(
        tmp_path,
        """\
include: [base.yaml]
rules:
  - id: r1
    title: Rule one, softened
    action: review
  - id: r2
    title: Another
    action: info
""",
    )
    pol = load_policy(str(top))
    assert [(r.id, r.action) for r in pol.rules] == [("r1", Action.REVIEW), ("r2", Action.INFO)]
    assert pol.use.commercial is True and "t" in pol.terms
    assert len(pol.files) == 2 and len(pol.digest) == 64


def test_disable_turns_rules_off_and_checks_ids(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "base.yaml")
    pol = load_policy(str(write(tmp_path, "include: [base.yaml]\ndisable: [r1]\n")))
    assert not pol.rules[0].enabled
    text = "\n".join(problems(tmp_path, "include: [base.yaml]\ndisable: [r9]\n"))
    assert "policy.yaml:2: disable: no rule 'r9' is defined" in text


def test_include_cycles_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "include: [b.yaml]\n", "a.yaml")
    write(tmp_path, "include: [a.yaml]\n", "b.yaml")
    with pytest.raises(PolicyError, match="include cycle"):
        load_policy(str(tmp_path / "a.yaml"))


def test_includes_outside_the_policy_directory_need_permission(tmp_path: Path) -> None:
    outside = write(tmp_path, GOOD, "outside.yaml")
    inner = tmp_path / "repo"
    inner.mkdir()
    top = write(inner, f"include: [../{outside.name}]\n")
    with pytest.raises(PolicyError, match="outside the policy's directory"):
        load_policy(str(top))
    assert load_policy(str(top), allow_outside=True).rules[0].id == "r1"


def test_missing_include_and_unknown_pack(tmp_path: Path) -> None:
    text = "\n".join(problems(tmp_path, "include: [nope.yaml, 'provcheck:no-such-pack']\n"))
    assert "include 'nope.yaml': no such file" in text and "unknown pack 'provcheck:no-such-pack'" in text


def test_source_derivation_cycles_are_reported(tmp_path: Path) -> None:
    text = "\n".join(problems(tmp_path, "sources:\n  a: {derived_from: b}\n  b: {derived_from: a}\n"))
    assert "derives from itself" in text


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, "rules:\n  - id: r1\n    title: [unclosed\n")
    assert problem.startswith(f"{tmp_path / 'policy.yaml'}:") and "invalid YAML" in problem


def test_alias_bombs_are_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    (problem,) = problems(tmp_path, "\n".join(lines) + "\n")
    assert "expands to more than" in problem


def test_python_object_tags_are_not_constructed(tmp_path: Path) -> None:
    found = problems(tmp_path, "rules: !!python/object/apply:os.system ['echo pwned']\n")
    assert any("python/object" in p or "could not determine a constructor" in p for p in found)


def test_backtracking_regexes_cannot_hang_a_scan(tmp_path: Path) -> None:
    # RE2 matches in linear time: the classic catastrophic patterns load and run instantly on
    # the inputs that make Python's backtracking `re` take exponential time.
    pol = load_policy(
        str(
            write(
                tmp_path,
                """\
rules:
  - id: r1
    title: t
    action: warn
    when:
      any:
        - record.path: {regex: "(a+)+$"}
        - record.id: {regex: "(a|aa)*b"}
""",
            )
        )
    )
    hostile = {"record.path": "a" * 5000 + "!", "record.id": "a" * 5000}
    started = time.perf_counter()
    assert pol.rules[0].when.holds(hostile) is False
    assert time.perf_counter() - started < 0.5


def test_regexes_needing_backtracking_are_refused_with_their_line(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
rules:
  - id: r1
    title: t
    action: warn
    when:
      record.path: {regex: "(a)\\\\1"}
      record.id: {regex: "x(?=y)"}
""",
    )
    text = "\n".join(found)
    assert "policy.yaml:6: invalid regex" in text and "no backreferences or lookaround" in text
    assert "policy.yaml:7: invalid regex" in text
