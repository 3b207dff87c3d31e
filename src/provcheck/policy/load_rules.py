"""The ``markers:`` and ``rules:`` sections of a policy: marker patterns, rules, their conditions
and the fields a condition may test."""

from __future__ import annotations

import json
from typing import Any

from provcheck.model import Action, MatchKind, RoleKind
from provcheck.policy.licenses import TRAITS, misspelt_license
from provcheck.policy.load_terms import clause_ref
from provcheck.policy.loadstate import (
    FIELD_TYPES,
    PLACEHOLDER,
    SIGNAL_FIELDS,
    TEMPLATE_EXTRA,
    LoadState,
    policy_date,
    shipped_pack,
)
from provcheck.policy.model import (
    All,
    AnyOf,
    Comparison,
    Condition,
    Marker,
    Not,
    Rule,
    comparisons,
)
from provcheck.policy.patterns import PatternError, compile_pattern, escape
from provcheck.policy.use import PURPOSES
from provcheck.yamlfile import LineDict, line_of


def merge_markers(state: LoadState, doc: LineDict, display: str) -> None:
    # Structure (keys, types, one of phrases/pattern) is the schema's; what is left is whether
    # the pattern compiles, and runs in linear time.
    markers = doc.get("markers", [])
    for i, m in enumerate(markers):
        line = line_of(markers, i)
        mid = m["id"]
        case_sensitive = m.get("case_sensitive", False)
        if "phrases" in m:
            regex_text: str | None = "|".join(escape(p) for p in sorted(m["phrases"], key=len, reverse=True))
            try:
                compile_pattern(str(regex_text), case_sensitive=case_sensitive)
            except PatternError as exc:
                state.problem(display, m.line_of("phrases"), f"marker {mid!r}: {exc}")
                continue
        else:
            regex_text = _regex_text(state, display, m.line_of("pattern"), m["pattern"])
        if regex_text is None:
            continue
        marker = Marker(mid, m["label"], regex_text, m.get("provider"), f"{display}:{line}", case_sensitive)
        state.markers = [x for x in state.markers if x.id != mid] + [marker]


def _regex_text(state: LoadState, display: str, line: int | None, value: str) -> str | None:
    try:
        compile_pattern(value)
    except PatternError as exc:
        state.problem(display, line, f"invalid regex {value!r}: {exc}")
        return None
    return value


def merge_rules(state: LoadState, doc: LineDict, display: str) -> None:
    rules = doc.get("rules", [])
    seen: set[str] = set()
    for i, raw in enumerate(rules):
        line = line_of(rules, i)
        rule = _rule(state, display, line, raw)
        if rule is None:
            continue
        if rule.id in seen:
            state.problem(display, line, f"rule {rule.id!r} is defined twice in this file")
            continue
        seen.add(rule.id)
        for j, existing in enumerate(state.rules):
            if existing.id == rule.id:
                pack = shipped_pack(display)
                if pack is not None and shipped_pack(existing.origin) is None:
                    where, _, at = existing.origin.rpartition(":")
                    state.problem(
                        where, int(at) if at.isdigit() else None, REPLACED_BY_PACK.format(pack=pack)
                    )
                    break
                state.rules[j] = rule  # a later definition overrides, keeping the position
                note_override(state, existing, display, line, rule)
                break
        else:
            state.rules.append(rule)


REPLACED_BY_PACK = (
    "this rule redefines a rule of {pack}, which an include after this file reads (by name or "
    "through another pack) and which would replace it without a word (a later definition "
    "wins): include the shipped packs before the file that redefines their rules, or redefine "
    "the rule in the policy file itself"
)
"""A user's redefinition of a pack's rule that a later include of the pack would undo: it was
dropped without a word, and a rule made stricter (``openai-declared-source`` at ``block``, as
the README suggests) went back to the pack's ``review`` (adversarial pass 17)."""


def note_override(
    state: LoadState, shipped: Rule, display: str, line: int | None, rule: Rule | None = None
) -> None:
    """Record that the file ``display`` redefined (``rule``) or turned off (no ``rule``) a rule of
    a shipped pack: a report showing only the policy in force read as if the pack said so (a
    pack's ``block`` redefined as ``info`` showed an ``info`` finding under the pack's rule id,
    and counsel could not see that the user's policy, not the pack, decided it)."""
    pack = shipped_pack(shipped.origin)
    if pack is None or shipped_pack(display) is not None or not shipped.enabled:
        return  # the user's own rules, and packs composing packs, are the policy itself
    where = f"{display}:{line}" if line else display
    now = "turned off" if rule is None or not rule.enabled else rule.action.value
    verb = "turned off" if rule is None else f"redefined ({now})"
    state.overrides.append(f"{shipped.id} of {pack} ({shipped.action.value}) {verb} at {where}")


def _rule(state: LoadState, display: str, line: int | None, raw: LineDict) -> Rule | None:
    # Keys, types and enumerations are the schema's (policy/schema.py): here, what they mean.
    before_count = len(state.problems)
    rid: str = raw["id"]
    title: str = raw["title"]
    if not title.strip():
        state.problem(display, raw.line_of("title"), f"rule {rid!r}: 'title' is blank")
    if "action_before_wording" in raw and "clause" not in raw:
        state.problem(
            display,
            raw.line_of("action_before_wording"),
            f"rule {rid!r}: 'action_before_wording' needs a 'clause' (whose wording's dates it is about)",
        )
    signal: str = raw.get("signal", "match")
    message: str = raw.get("message", title)
    for name in PLACEHOLDER.findall(message):
        if (
            name
            and name not in FIELD_TYPES
            and name not in TEMPLATE_EXTRA
            and not name.startswith("source.meta.")
        ):
            state.problem(
                display, raw.line_of("message"), f"rule {rid!r}: unknown placeholder {{{name}}} in 'message'"
            )
    when: Condition = All(())
    if "when" in raw:
        when = _condition(state, display, raw.line_of("when"), raw["when"])
    clause = clause_ref(state, display, raw, rid) if "clause" in raw else None
    if len(state.problems) == before_count:
        _check_signal_fields(state, display, raw, rid, signal, when, message)
    if len(state.problems) > before_count:
        return None
    return Rule(
        id=rid,
        title=title.strip(),
        action=Action(raw["action"]),
        message=message,
        when=when,
        signal=signal,
        rationale=raw.get("rationale"),
        remediation=raw.get("remediation"),
        clause=clause,
        enabled=raw.get("enabled", True),
        origin=f"{display}:{line}",
        action_before_wording=Action(raw.get("action_before_wording", Action.REVIEW.value)),
    )


def _check_signal_fields(
    state: LoadState, display: str, raw: LineDict, rid: str, signal: str, when: Condition, message: str
) -> None:
    allowed = SIGNAL_FIELDS[signal]
    available = ", ".join(p + "*" for p in allowed)
    for comparison in comparisons(when):
        if not comparison.field.startswith(allowed):
            state.problem(
                display,
                comparison.line,
                f"rule {rid!r}: {comparison.field} is never set for signal {signal!r}; "
                f"available: {available}",
            )
    for name in PLACEHOLDER.findall(message):
        if name and name not in TEMPLATE_EXTRA and not name.startswith(allowed):
            state.problem(
                display,
                raw.line_of("message"),
                f"rule {rid!r}: placeholder {{{name}}} is never set for signal {signal!r}; "
                f"available: {available}",
            )


def _condition(state: LoadState, display: str, line: int | None, raw: Any) -> Condition:
    if isinstance(raw, list):
        return All(tuple(_condition(state, display, line_of(raw, i), c) for i, c in enumerate(raw)))
    parts: list[Condition] = []
    for key, value in raw.items():
        kline = raw.line_of(key)
        # An empty `any` is false and `not` of an empty condition is not(true): the rule
        # could never fire, which is never what its author meant.
        if (key == "any" and value == []) or (key == "not" and value in ({}, [])):
            state.problem(
                display, kline, f"{key}: an empty condition here never holds (the rule would never fire)"
            )
            continue
        if key in ("all", "any"):
            items = tuple(_condition(state, display, line_of(value, i), c) for i, c in enumerate(value))
            parts.append(All(items) if key == "all" else AnyOf(items))
        elif key == "not":
            parts.append(Not(_condition(state, display, kline, value)))
        else:
            parts.extend(_tests(state, display, kline, key, value))
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def _field_type(name: str) -> str:
    if name.startswith("source.meta."):
        return "str"
    return FIELD_TYPES[name]


def _tests(state: LoadState, display: str, line: int | None, name: str, raw: Any) -> list[Comparison]:
    # The field, its operators and the operands' types are the schema's; dates and regexes
    # are checked (and converted) here.
    ftype = _field_type(name)
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        pairs = [("in", raw)]
    else:
        pairs = [("equals", raw)]
    tests = []
    for op, value in pairs:
        checked = _operand(state, display, line, name, ftype, op, value)
        if checked is not _BAD:
            tests.append(Comparison(name, op, checked, line))
    return tests


_BAD = object()
CONVERGENCE = frozenset(
    {
        "none",
        "common-passage",
        "crowd",
        "prompt",
        "list",
        "code",
        "template",
        "recipe",
        "citation",
        "grid",
        "formula",
        "request",
        "boilerplate",
        "background",
        "public-domain",
    }
)
"""The classes ``match.convergence`` takes (``matching/strength.py``; a test keeps them in step)."""
DECLARED_BY = frozenset({"card", "manifest", "record"})
"""What ``declared.by`` takes: a dataset card (``README.md``), a ``provenance.yaml``, or a
record's own field (``"model": "gpt-4"``, ``"license"``)."""
CLOSED = {
    "match.kind": frozenset(k.value for k in MatchKind),
    "record.kind": frozenset(k.value for k in RoleKind),
    # A misspelt trait or class (`noncomercial`, `comon-passage`) never matched, and the rule
    # never fired (adversarial pass 14).
    "source.license_traits": TRAITS,
    "declared.license_traits": TRAITS,
    "match.convergence": CONVERGENCE,
    "declared.by": DECLARED_BY,
}
"""Fields whose values are a fixed set of words: a misspelt word would never match."""
FRACTIONS = frozenset(
    {
        "match.similarity",
        "match.containment",
        "match.coverage",
        "match.char_similarity",
        "match.jaccard",
        "match.probability",
    }
)
"""Fields that are shares from 0 to 1 (never percentages)."""
_WHOLE = ("equals", "in", "not_in", "contains")
"""Operators comparing a text as written (no pattern)."""


def _operand(
    state: LoadState, display: str, line: int | None, name: str, ftype: str, op: str, value: Any
) -> Any:
    if op == "regex":
        text = _regex_text(state, display, line, value)
        return _BAD if text is None else compile_pattern(text)
    if ftype == "date" and op != "exists":
        date = policy_date(state, display, line, value, name)
        return _BAD if date is None else date
    words = CLOSED.get(name)
    if words is not None and (op in ("equals", "in", "not_in") or (op == "contains" and ftype == "strs")):
        given = value if isinstance(value, list) else [value]
        unknown = [str(v) for v in given if str(v).lower() not in words]
        if unknown:
            import difflib  # a misspelling's hint only: not on every policy load's path

            close = difflib.get_close_matches(unknown[0].lower(), sorted(words), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            state.problem(
                display,
                line,
                f"{name}: unknown value {unknown[0]!r}; {hint}allowed: {', '.join(sorted(words))}",
            )
            return _BAD
    if name == "use.purpose" and op in ("equals", "in", "not_in"):
        # The purpose vocabulary is open (a policy may name its own), so an unknown word cannot
        # simply be refused; but a near miss of a shipped purpose (`train-competing-modle`) is a
        # typo that would make the rule never fire: the stricter reading wins.
        for v in value if isinstance(value, list) else [value]:
            word = str(v).lower()
            if word in PURPOSES:
                continue
            import difflib  # a misspelling's hint only: not on every policy load's path

            close = difflib.get_close_matches(word, sorted(PURPOSES), n=1, cutoff=0.85)
            if close:
                state.problem(
                    display,
                    line,
                    f"use.purpose: {word!r} is not a shipped purpose; did you mean {close[0]!r}? "
                    "(a purpose of your own must not be a near-spelling of a shipped one)",
                )
                return _BAD
    if name == "source.license" and op in ("equals", "in", "not_in"):
        for v in value if isinstance(value, list) else [value]:
            near = misspelt_license(str(v)) if isinstance(v, str) else None
            if near is not None:
                state.problem(
                    display,
                    line,
                    f"source.license: {v!r} is not a licence id; did you mean {near!r}? (the index "
                    "refuses ids it cannot read, so the rule would never fire; to test what a "
                    "licence allows, whatever its version: source.license_traits)",
                )
                return _BAD
    if name in FRACTIONS and op not in ("exists",):
        # A share written as a percentage (`match.probability: {gte: 80}`) is never reached (or,
        # with lte, always): the rule never fires, or fires on everything, without a word.
        given = value if isinstance(value, list) else [value]
        outside = [
            v for v in given if isinstance(v, (int, float)) and not isinstance(v, bool) and not 0 <= v <= 1
        ]
        if outside:
            state.problem(
                display,
                line,
                f"{name} {op}: {outside[0]!r} is outside 0-1; {name} is a share from 0 to 1 "
                f"(write {outside[0] / 100:g} for {outside[0]:g}%)",
            )
            return _BAD
    if op in _WHOLE and ftype in ("str", "strs"):
        # `source.generator: "gpt-*"` (the packs' `generators:` lists and waivers take globs
        # as plain values) compared the text whole: no generator is called `gpt-*`, and the
        # rule never fired (adversarial pass 14). A value holding `*` is refused with the way out.
        given = value if isinstance(value, list) else [value]
        starred = [v for v in given if isinstance(v, str) and "*" in v]
        if starred:
            as_glob = json.dumps(value)
            state.problem(
                display,
                line,
                f"{name} {op}: {starred[0]!r} is compared as written, not as a pattern, and no value "
                f"holds '*'; for a shell glob write {{glob: {as_glob}}}",
            )
            return _BAD
    if op == "equals" and ftype in ("str", "strs"):
        return str(value)  # `record.id: 12` tests the text "12"
    if op in ("in", "not_in", "glob") and ftype in ("str", "strs") and isinstance(value, list):
        # The schema leaves list items untyped: an item no text can equal (a mapping, a
        # list, a date, true) would make the rule never fire (or a set of them fail to hash).
        if op == "glob" and not value:
            state.problem(display, line, f"{name} glob: an empty list matches nothing")
            return _BAD
        wrong: list[Any] = [v for v in value if isinstance(v, bool) or not isinstance(v, (str, int, float))]
        if wrong:
            state.problem(
                display,
                line,
                f"{name} {op}: {wrong[0]!r} is not a text or a number (quote it if it is a text)",
            )
            return _BAD
        return [str(v) for v in value]  # as `equals`: `record.id: [12, 13]` tests "12", "13"
    return value
