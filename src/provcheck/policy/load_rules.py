"""The ``markers:`` and ``rules:`` sections of a policy: marker patterns, rules, their conditions
and the fields a condition may test."""

from __future__ import annotations

from typing import Any

from provcheck.model import Action
from provcheck.policy.load_terms import clause_ref
from provcheck.policy.loadstate import (
    FIELD_TYPES,
    ID_RE,
    MAX_REGEX,
    OPS,
    PLACEHOLDER,
    RULE_KEYS,
    SIGNAL_FIELDS,
    TEMPLATE_EXTRA,
    LoadState,
    policy_date,
    unknown,
)
from provcheck.policy.model import (
    SIGNALS,
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
from provcheck.yamlfile import LineDict, LineList, line_of


def merge_markers(state: LoadState, doc: LineDict, display: str) -> None:
    markers = doc.get("markers")
    if markers is None:
        return
    if not isinstance(markers, LineList):
        state.problem(display, doc.line_of("markers"), "'markers' must be a list")
        return
    for i, m in enumerate(markers):
        line = line_of(markers, i)
        if not isinstance(m, LineDict):
            state.problem(
                display, line, "a marker is a mapping with 'id', 'label' and 'phrases' or 'pattern'"
            )
            continue
        allowed = ("id", "label", "phrases", "pattern", "provider", "case_sensitive")
        for key in m:
            if key not in allowed:
                state.problem(display, m.line_of(key), unknown("marker key", key, allowed))
        mid, label = m.get("id"), m.get("label")
        if not isinstance(mid, str) or not ID_RE.match(mid):
            state.problem(display, line, "marker 'id' is required: lowercase letters, digits, . _ / -")
            continue
        if not isinstance(label, str):
            state.problem(display, line, f"marker {mid!r}: 'label' is required")
            continue
        case_sensitive = m.get("case_sensitive", False)
        if not isinstance(case_sensitive, bool):
            state.problem(
                display, m.line_of("case_sensitive"), f"marker {mid!r}: 'case_sensitive' is true or false"
            )
            continue
        phrases, pattern = m.get("phrases"), m.get("pattern")
        if (phrases is None) == (pattern is None):
            state.problem(display, line, f"marker {mid!r}: give exactly one of 'phrases' or 'pattern'")
            continue
        if phrases is not None:
            if (
                not isinstance(phrases, list)
                or not phrases
                or not all(isinstance(p, str) and p for p in phrases)
            ):
                state.problem(
                    display,
                    m.line_of("phrases"),
                    f"marker {mid!r}: 'phrases' must be a list of non-empty strings",
                )
                continue
            regex_text: str | None = "|".join(escape(p) for p in sorted(phrases, key=len, reverse=True))
            try:
                compile_pattern(str(regex_text), case_sensitive=case_sensitive)
            except PatternError as exc:
                state.problem(display, m.line_of("phrases"), f"marker {mid!r}: {exc}")
                continue
        else:
            regex_text = _regex_text(state, display, m.line_of("pattern"), pattern)
        if regex_text is None:
            continue
        provider = m.get("provider")
        if provider is not None and not isinstance(provider, str):
            state.problem(display, m.line_of("provider"), f"marker {mid!r}: 'provider' must be a string")
            continue
        marker = Marker(
            mid,
            label,
            regex_text,
            provider,
            f"{display}:{line}",
            case_sensitive,
        )
        state.markers = [x for x in state.markers if x.id != mid] + [marker]


def _regex_text(state: LoadState, display: str, line: int | None, value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        state.problem(display, line, "a regex must be a non-empty string")
        return None
    if len(value) > MAX_REGEX:
        state.problem(display, line, f"regex longer than {MAX_REGEX} characters")
        return None
    try:
        compile_pattern(value)
    except PatternError as exc:
        state.problem(display, line, f"invalid regex {value!r}: {exc}")
        return None
    return value


def merge_rules(state: LoadState, doc: LineDict, display: str) -> None:
    rules = doc.get("rules")
    if rules is None:
        return
    if not isinstance(rules, LineList):
        state.problem(display, doc.line_of("rules"), "'rules' must be a list")
        return
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
                state.rules[j] = rule  # a later definition overrides, keeping the position
                break
        else:
            state.rules.append(rule)


def _rule(state: LoadState, display: str, line: int | None, raw: Any) -> Rule | None:
    if not isinstance(raw, LineDict):
        state.problem(display, line, "a rule is a mapping with 'id', 'title', 'action', 'message'")
        return None
    before_count = len(state.problems)
    for key in raw:
        if key not in RULE_KEYS:
            state.problem(display, raw.line_of(key), unknown("rule key", key, RULE_KEYS))
    rid = raw.get("id")
    if not isinstance(rid, str) or not ID_RE.match(rid):
        state.problem(display, line, f"rule 'id' {rid!r}: required; lowercase letters, digits, . _ / -")
        return None
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        state.problem(display, line, f"rule {rid!r}: 'title' is required")
    action_raw = raw.get("action")
    actions = [a.value for a in Action]
    action = Action(action_raw) if action_raw in actions else None
    if action is None:
        state.problem(
            display,
            raw.line_of("action"),
            f"rule {rid!r}: " + unknown("action", action_raw, actions),
        )
    before_raw = raw.get("action_before_wording", Action.REVIEW.value)
    before = Action(before_raw) if before_raw in actions else None
    if before is None:
        state.problem(
            display,
            raw.line_of("action_before_wording"),
            f"rule {rid!r}: 'action_before_wording' " + unknown("action", before_raw, actions),
        )
    elif "action_before_wording" in raw and "clause" not in raw:
        state.problem(
            display,
            raw.line_of("action_before_wording"),
            f"rule {rid!r}: 'action_before_wording' needs a 'clause' (whose wording's dates it is about)",
        )
    signal = raw.get("signal", "match")
    if signal not in SIGNALS:
        state.problem(display, raw.line_of("signal"), f"rule {rid!r}: " + unknown("signal", signal, SIGNALS))
    message = raw.get("message", title)
    if not isinstance(message, str):
        state.problem(display, raw.line_of("message"), f"rule {rid!r}: 'message' must be a string")
        message = str(title)
    else:
        for name in PLACEHOLDER.findall(message):
            if (
                name
                and name not in FIELD_TYPES
                and name not in TEMPLATE_EXTRA
                and not name.startswith("source.meta.")
            ):
                state.problem(
                    display,
                    raw.line_of("message"),
                    f"rule {rid!r}: unknown placeholder {{{name}}} in 'message'",
                )
    for key in ("rationale", "remediation"):
        if key in raw and not isinstance(raw[key], str):
            state.problem(display, raw.line_of(key), f"rule {rid!r}: '{key}' must be a string")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        state.problem(display, raw.line_of("enabled"), f"rule {rid!r}: 'enabled' must be true or false")
    when: Condition = All(())
    if "when" in raw:
        parsed = _condition(state, display, raw.line_of("when"), raw["when"])
        when = parsed if parsed is not None else when
    clause = clause_ref(state, display, raw, rid) if "clause" in raw else None
    if signal in SIGNALS and len(state.problems) == before_count:
        _check_signal_fields(state, display, raw, rid, str(signal), when, message)
    if len(state.problems) > before_count or action is None or before is None:
        return None
    return Rule(
        id=rid,
        title=str(title).strip(),
        action=action,
        message=message,
        when=when,
        signal=str(signal),
        rationale=raw.get("rationale"),
        remediation=raw.get("remediation"),
        clause=clause,
        enabled=bool(enabled),
        origin=f"{display}:{line}",
        action_before_wording=before,
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


def _condition(state: LoadState, display: str, line: int | None, raw: Any) -> Condition | None:
    if isinstance(raw, LineList):
        items = [_condition(state, display, line_of(raw, i), c) for i, c in enumerate(raw)]
        return All(tuple(c for c in items if c is not None))
    if not isinstance(raw, LineDict):
        state.problem(
            display,
            line,
            f"a condition is a mapping (field: value, all:, any:, not:), found {raw!r}",
        )
        return None
    parts: list[Condition] = []
    for key, value in raw.items():
        kline = raw.line_of(key)
        if key in ("all", "any"):
            if not isinstance(value, LineList):
                state.problem(display, kline, f"'{key}' takes a list of conditions")
                continue
            items = [_condition(state, display, line_of(value, i), c) for i, c in enumerate(value)]
            kept = tuple(c for c in items if c is not None)
            parts.append(All(kept) if key == "all" else AnyOf(kept))
        elif key == "not":
            inner = _condition(state, display, kline, value)
            if inner is not None:
                parts.append(Not(inner))
        else:
            parts.extend(_tests(state, display, kline, key, value))
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def _field_type(name: str) -> str | None:
    if name.startswith("source.meta.") and len(name) > len("source.meta."):
        return "str"
    return FIELD_TYPES.get(name)


def _tests(state: LoadState, display: str, line: int | None, name: str, raw: Any) -> list[Comparison]:
    ftype = _field_type(name)
    if ftype is None:
        state.problem(display, line, unknown("field", name, [*FIELD_TYPES, "source.meta.KEY"]))
        return []
    if isinstance(raw, LineDict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        pairs = [("in", raw)]
    else:
        pairs = [("equals", raw)]
    tests = []
    for op, value in pairs:
        if op not in OPS[ftype]:
            state.problem(display, line, f"{name}: " + unknown("operator", op, OPS[ftype]))
            continue
        checked = _operand(state, display, line, name, ftype, op, value)
        if checked is not _BAD:
            tests.append(Comparison(name, op, checked, line))
    return tests


_BAD = object()


def _operand(
    state: LoadState, display: str, line: int | None, name: str, ftype: str, op: str, value: Any
) -> Any:
    def bad(expected: str) -> object:
        state.problem(display, line, f"{name} {op}: expected {expected}, found {value!r}")
        return _BAD

    if op == "exists":
        return value if isinstance(value, bool) else bad("true or false")
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            return bad("a non-empty list")
        if ftype == "date":
            dates = [policy_date(state, display, line, v, name) for v in value]
            return _BAD if None in dates else dates
        return value
    if op == "glob":
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            for pattern in [value] if isinstance(value, str) else value:
                if len(pattern) > MAX_REGEX:
                    return bad(f"a glob of at most {MAX_REGEX} characters")
            return value
        return bad("a glob pattern or a list of them")
    if op == "regex":
        text = _regex_text(state, display, line, value)
        return _BAD if text is None else compile_pattern(text)
    if op == "contains":
        return value if isinstance(value, str) else bad("a string")
    if ftype == "num":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return bad("a number")
        return value
    if ftype == "bool":
        return value if isinstance(value, bool) else bad("true or false")
    if ftype == "date":
        date = policy_date(state, display, line, value, name)
        return _BAD if date is None else date
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    return bad("a string")
