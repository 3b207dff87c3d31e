"""Policy files: what loads, and every kind of mistake reported at once with file:line."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from provcheck.errors import PolicyError
from provcheck.model import Action
from provcheck.policy import load_policy
from provcheck.policy.model import All, Comparison, SourceFacts

A_RULE = "rules:\n  - {id: any-match, title: Any match, action: review}\n"
"""A rule for policies written to test something else (a policy without one is refused)."""
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
  - id: r2
    title: t
    action: warn
    when:
      source.provder: openai
      match.similarity: {gte: high}
      use.commercial: {glob: "x"}
  - id: Bad Id
    title: t
    action: warn
  - id: r4
    title: t
    action: warn
    message: hi {nonsense.field}
    when: {source.date: {gte: 2023-13-45}}
""",
    )
    text = "\n".join(found)
    # Structure, from policies/policy.schema.json (wording changed with the schema-driven check:
    # unknown keys and fields now say "did you mean", values are named by their path in the rule,
    # and the place has a column: of the key or list item the problem is about).
    assert "policy.yaml:2:1: unknown key 'colour'; allowed: version, name" in text
    assert "policy.yaml:6:5: rule 'r1': unknown action 'explode'; allowed: block, review, warn, info" in text
    assert (
        "policy.yaml:11:7: rule 'r2': unknown field 'source.provder'; did you mean 'source.provider'?" in text
    )
    assert "policy.yaml:12:26: rule 'r2': when match.similarity gte: expected a number, found 'high'" in text
    assert (
        "policy.yaml:13:24: rule 'r2': use.commercial: unknown operator 'glob'; allowed: equals, exists"
        in text
    )
    assert "policy.yaml:14:5: 'id' 'Bad Id': lowercase letters, digits" in text
    # Meaning, from the loader: a rule whose structure is right is checked further in the same run.
    assert "policy.yaml:20: rule 'r4': unknown placeholder {nonsense.field}" in text
    assert "policy.yaml:21: source.date: '2023-13-45' is not a date" in text
    assert len(found) == 8


def test_an_entry_with_a_structural_problem_is_not_read_further(tmp_path: Path) -> None:
    # The schema's problem is reported; the rule's other (semantic) problems show once it is fixed,
    # and a `disable:` of the refused rule is not a second problem.
    found = problems(
        tmp_path,
        "rules:\n  - {id: r1, title: t, action: explode, message: 'hi {nonsense.x}'}\ndisable: [r1]\n",
    )
    assert len(found) == 1 and "unknown action 'explode'" in found[0]


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
    pol = load_policy(str(write(tmp_path, "include: [base.yaml]\ndisable: [r1]\n" + A_RULE)))
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


WORDING = """\
terms:
  t:
    document: Terms
    versions:
      - effective: 2024-01-01
        clauses: {c: {quote: "the only wording on record", confidence: V-P}}
rules:
  - id: raised
    title: Raised
    action: block
    action_before_wording: block
    clause: {terms: t, clause: c}
  - id: default
    title: Default
    action: block
    clause: {terms: t, clause: c}
  - id: mild
    title: Mild
    action: warn
    clause: {terms: t, clause: c}
"""


def test_material_older_than_every_wording_is_review_unless_the_rule_raises_it(tmp_path: Path) -> None:
    policy = load_policy(str(write(tmp_path, WORDING)))
    old, new = dt.date(2023, 6, 1), dt.date(2024, 6, 1)
    raised, default, mild = (policy.rule(r) for r in ("raised", "default", "mild"))
    assert raised is not None and default is not None and mild is not None
    assert default.action_before_wording is Action.REVIEW and raised.action_before_wording is Action.BLOCK
    cited = policy.cite(default, old)
    assert (
        cited is not None
        and cited.predates
        and "no earlier wording is on record" in (cited.clause.note or "")
    )
    assert default.action_for(True) is Action.REVIEW and default.action_for(False) is Action.BLOCK
    assert raised.action_for(True) is Action.BLOCK
    assert mild.action_for(True) is Action.WARN  # never raised above the rule's own action
    later = policy.cite(default, new)
    assert later is not None and not later.predates and later.clause.note is None
    undated = policy.cite(default, None)
    assert undated is not None and not undated.predates  # no date: the rule's action, latest wording


def test_action_before_wording_and_licence_selection_are_checked(tmp_path: Path) -> None:
    text = "\n".join(
        problems(
            tmp_path,
            """\
terms:
  lic:
    document: Licences
    select: licence
    versions:
      - clauses: {c: {quote: "text"}}
      - licenses: [CC-BY-NC-4.0]
        clauses: {c: {quote: "text"}}
  bad:
    document: Other
    select: newest
    versions:
      - effective: 2024-01-01
        clauses: {c: {quote: "q"}}
rules:
  - id: a
    title: A
    action: block
    action_before_wording: stop
    clause: {terms: lic, clause: c}
  - id: b
    title: B
    action: block
    action_before_wording: block
""",
        )
    )
    assert (
        "policy.yaml:6: terms 'lic': with 'select: licence' a version names 'licenses' or 'datasets'" in text
    )
    assert "policy.yaml:11:5: terms 'bad': unknown select 'newest'; allowed: date, licence" in text
    assert "policy.yaml:19:5: rule 'a': unknown action_before_wording 'stop'; allowed: block" in text
    assert "policy.yaml:24: rule 'b': 'action_before_wording' needs a 'clause'" in text
    # A licence version needs no effective date; a dated document still does.
    assert "effective" not in text.split("policy.yaml:11")[0]


def test_licence_texts_are_chosen_by_licence_and_never_stand_in_for_another(tmp_path: Path) -> None:
    policy = load_policy(
        str(
            write(
                tmp_path,
                """\
terms:
  lic:
    document: Licences
    select: licence
    versions:
      - licenses: [CC-BY-NC-4.0]
        url: https://creativecommons.org/licenses/by-nc/4.0/legalcode
        clauses: {c: {quote: "NC text", confidence: V-P}}
      - datasets: [org/data]
        clauses: {c: {quote: "the dataset's own words"}}
"""
                + A_RULE,
            )
        )
    )
    terms = policy.terms["lic"]
    nc = terms.clause("c", dt.date(2020, 1, 1), SourceFacts(name="x", license="MIT AND CC-BY-NC-4.0"))
    assert nc is not None and nc.quote == "NC text" and nc.effective is None and nc.note is None
    own = terms.clause("c", None, SourceFacts(name="ORG/data", license="LicenseRef-Research"))
    assert own is not None and own.quote == "the dataset's own words"
    other = terms.clause("c", None, SourceFacts(name="y", license="CC-BY-NC-SA-4.0"))
    assert other is not None and other.quote == "" and other.note is not None
    assert "no wording of CC-BY-NC-SA-4.0 is on record" in other.note
    assert other.url == "https://creativecommons.org/licenses/by-nc-sa/4.0/legalcode"
    unknown = terms.clause(
        "c", None, SourceFacts(name="z", license="LicenseRef-Custom", url="https://example.org/z")
    )
    assert unknown is not None and unknown.quote == "" and unknown.url == "https://example.org/z"


def test_a_yaml_date_is_a_date_only_where_the_language_takes_one(tmp_path: Path) -> None:
    # YAML reads 2024-01-01 as a date: the schema sees it as text only where a date belongs.
    found = problems(tmp_path, "rules:\n  - {id: r, title: 2024-01-01, action: warn}\n")
    assert len(found) == 1 and "policy.yaml:2:13: rule 'r': title: expected a string" in found[0]
    text = "\n".join(
        problems(tmp_path, "rules:\n  - {id: r, title: t, action: warn, when: {source.name: 2024-01-01}}\n")
    )
    assert "expected a string or a number" in text
    pol = load_policy(str(write(tmp_path, "sources:\n  s: {date: 2024-01-01}\n" + A_RULE)))
    assert pol.sources["s"].date == dt.date(2024, 1, 1)


def test_an_include_name_the_file_system_cannot_hold_is_a_located_problem(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, f"include: [{'x' * 600}.yaml]\n")
    assert problem.startswith(f"{tmp_path / 'policy.yaml'}:1: include 'xxx") and "cannot be read" in problem
