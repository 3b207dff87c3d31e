"""YAML policy files -> a validated ``Policy``; every problem reported at once, located.

Includes are resolved depth-first (an included file's rules come before the including file's);
a rule with an id already defined replaces the earlier definition in place; ``disable:`` turns
rules off by id. Includes may name a shipped pack (``provcheck:openai``) or a file relative to
the including file; a file outside the top-level policy's directory and the shipped packs is
refused unless ``allow_outside`` is set (a policy is data from a repository you may not trust).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import provcheck
from provcheck.errors import PolicyError
from provcheck.model import Action, Clause
from provcheck.policy.model import (
    SIGNALS,
    All,
    AnyOf,
    ClauseRef,
    Comparison,
    Condition,
    Marker,
    Not,
    Policy,
    Rule,
    SourceFacts,
    Terms,
    TermsVersion,
    Use,
    comparisons,
    overlay,
)
from provcheck.policy.patterns import PatternError, compile_pattern, escape
from provcheck.support.dates import DateError, parse_date
from provcheck.yamlfile import LineDict, LineList, YamlProblem, line_of, load

PACK_PREFIX = "provcheck:"
MAX_INCLUDE_DEPTH = 16
MAX_REGEX = 500
"""Longest regular expression accepted in a rule or marker."""

FIELD_TYPES: dict[str, str] = {
    "source.name": "str",
    "source.provider": "str",
    "source.generator": "str",
    "source.license": "strs",
    "source.terms": "str",
    "source.origin": "str",
    "source.derived_from": "strs",
    "source.date": "date",
    "source.url": "str",
    "source.license_traits": "strs",
    "use.purpose": "strs",
    "use.commercial": "bool",
    "use.distributed": "bool",
    "use.research_only": "bool",
    "use.declared": "bool",
    "match.similarity": "num",
    "match.containment": "num",
    "match.coverage": "num",
    "match.char_similarity": "num",
    "match.jaccard": "num",
    "match.tokens": "num",
    "match.kind": "str",
    "match.short": "bool",
    "match.probability": "num",
    "match.convergence": "str",
    "match.relation": "str",
    "record.path": "str",
    "record.role": "str",
    "record.kind": "str",
    "record.id": "str",
    "reference.id": "str",
    "reference.role": "str",
    "marker.id": "str",
    "marker.label": "str",
    "marker.provider": "str",
    "marker.text": "str",
    "marker.count": "num",
    "declared.key": "str",
    "declared.value": "str",
    "declared.file": "str",
    "declared.dataset": "str",
    "declared.known": "bool",
    "declared.resolved": "str",
    "declared.license_traits": "strs",
    "conflict.records": "num",
    "conflict.example": "str",
}
"""Fields a condition can test, with their types. ``source.meta.KEY`` is also a string field."""
_TEMPLATE_EXTRA = {"rule.id", "rule.title", "action"}
SIGNAL_FIELDS: dict[str, tuple[str, ...]] = {
    "match": ("source.", "use.", "match.", "record.", "reference."),
    "marker": ("marker.", "use.", "record."),
    "declaration": ("declared.", "source.", "use."),
    "conflict": ("declared.", "source.", "use.", "conflict."),
}
"""Which fields each kind of signal sets: a rule may only test and show those."""
OPS: dict[str, tuple[str, ...]] = {
    "str": ("equals", "in", "not_in", "glob", "regex", "contains", "exists"),
    "strs": ("equals", "in", "not_in", "glob", "regex", "contains", "exists"),
    "num": ("equals", "gte", "gt", "lte", "lt", "exists"),
    "bool": ("equals", "exists"),
    "date": ("equals", "gte", "gt", "lte", "lt", "exists"),
}
_TOP_KEYS = (
    "version",
    "name",
    "description",
    "include",
    "use",
    "sources",
    "terms",
    "rules",
    "markers",
    "disable",
)
_RULE_KEYS = (
    "id",
    "title",
    "when",
    "signal",
    "action",
    "message",
    "rationale",
    "remediation",
    "clause",
    "enabled",
    "tags",
    "action_before_wording",
)
_USE_KEYS = ("purpose", "commercial", "distributed", "research_only")
_SOURCE_KEYS = (
    "provider",
    "generator",
    "license",
    "terms",
    "origin",
    "derived_from",
    "date",
    "url",
    "description",
    "meta",
)
_ORIGINS = ("generated", "human", "derived", "mixed")
_VERSION_KEYS = ("effective", "url", "document", "generators", "licenses", "datasets", "clauses")
_TERMS_KEYS = ("document", "url", "select", "versions")
_SELECT = ("date", "licence")
"""How a terms document's version is chosen: by the material's date (revisions of one text),
or by the source's licence or name (texts of different licences; ``effective`` optional)."""
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._/-]{0,99}$")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([a-z_][a-z0-9_.]*)\}")
"""``{field}`` placeholders of a message; ``{{`` and ``}}`` are a literal brace (findall: '')."""


def packs_dir() -> Path:
    """Where the shipped policy packs are: in the installed package, or in the source tree."""
    # Anchored on the package, not on this module, so that moving the module cannot lose the packs.
    here = Path(provcheck.__file__).resolve().parent
    installed = here / "policies"
    if installed.is_dir():
        return installed
    return here.parent.parent / "policies"


def pack_path(name: str) -> Path:
    """Path of a shipped pack by name (``openai`` -> ``policies/openai.yaml``)."""
    return packs_dir() / f"{name}.yaml"


@dataclass
class _State:
    """Accumulates the merged policy and every problem while files are read."""

    roots: list[Path]
    allow_outside: bool
    problems: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    digest: Any = field(default_factory=lambda: hashlib.sha256())
    rules: list[Rule] = field(default_factory=list)
    use: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, SourceFacts] = field(default_factory=dict)
    source_lines: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    """Where each source's ``derived_from`` (else its entry) was last given: cycles are located."""
    terms: dict[str, Terms] = field(default_factory=dict)
    markers: list[Marker] = field(default_factory=list)
    name: str | None = None
    stack: list[Path] = field(default_factory=list)

    def problem(self, path: str, line: int | None, message: str) -> None:
        self.problems.append(f"{path}:{line}: {message}" if line else f"{path}: {message}")


def load_policy(path: str, *, allow_outside: bool = False) -> Policy:
    """Load, merge and validate a policy file and everything it includes."""
    top = Path(path)
    state = _State(roots=[top.resolve().parent, packs_dir().resolve()], allow_outside=allow_outside)
    _load_file(state, top, None)
    if state.problems:
        raise PolicyError(state.problems)
    _check_references(state)
    if state.problems:
        raise PolicyError(state.problems)
    use = state.use
    return Policy(
        path=str(path),
        files=tuple(state.files),
        digest=state.digest.hexdigest(),
        rules=tuple(state.rules),
        use=Use(
            purposes=frozenset(use.get("purpose", ())),
            commercial=use.get("commercial"),
            distributed=use.get("distributed"),
            research_only=use.get("research_only"),
        ),
        sources=dict(state.sources),
        terms=dict(state.terms),
        markers=tuple(state.markers),
        name=state.name,
    )


def validate(paths: list[str], *, allow_outside: bool = False) -> list[str]:
    """Every problem of every file (``policy validate``); empty when all are valid."""
    problems: list[str] = []
    for p in paths:
        try:
            load_policy(p, allow_outside=allow_outside)
        except PolicyError as exc:
            problems.extend(exc.problems)
    return problems


def _load_file(state: _State, path: Path, included_from: tuple[str, int | None] | None) -> None:
    resolved = path.resolve()
    if resolved in state.stack:
        cycle = " -> ".join(str(p) for p in [*state.stack, resolved])
        where, line = included_from or (str(path), None)
        state.problem(where, line, f"include cycle: {cycle}")
        return
    if len(state.stack) >= MAX_INCLUDE_DEPTH:
        where, line = included_from or (str(path), None)
        state.problem(where, line, f"includes nested more than {MAX_INCLUDE_DEPTH} deep")
        return
    display = str(path)
    try:
        doc = load(display)
        with open(path, "rb") as fh:
            state.digest.update(fh.read())
    except YamlProblem as exc:
        state.problems.append(str(exc))
        return
    except OSError as exc:
        state.problem(display, None, f"cannot read: {exc.strerror or exc}")
        return
    state.files.append(display)
    if doc is None:
        doc = LineDict()
        doc.line, doc.key_lines = 1, {}
    if not isinstance(doc, LineDict):
        state.problem(display, 1, "a policy file is a mapping with keys such as 'rules:'")
        return
    for key in doc:
        if key not in _TOP_KEYS:
            state.problem(display, doc.line_of(key), _unknown("key", key, _TOP_KEYS))
    version = doc.get("version", 1)
    if version != 1:
        state.problem(display, doc.line_of("version"), f"version {version!r}; allowed: 1")
    if isinstance(doc.get("name"), str) and included_from is None:
        state.name = doc["name"]
    state.stack.append(resolved)
    try:
        for include, line in _includes(state, doc, display):
            _load_file(state, include, (display, line))
    finally:
        state.stack.pop()
    _merge_use(state, doc, display)
    _merge_sources(state, doc, display)
    _merge_terms(state, doc, display)
    _merge_markers(state, doc, display)
    _merge_rules(state, doc, display)
    _apply_disable(state, doc, display)


def _unknown(what: str, value: Any, allowed: tuple[str, ...] | list[str]) -> str:
    return f"unknown {what} {value!r}; allowed: {', '.join(allowed)}"


def _includes(state: _State, doc: LineDict, display: str) -> list[tuple[Path, int | None]]:
    raw = doc.get("include")
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list):
        state.problem(display, doc.line_of("include"), "'include' must be a list of paths")
        return []
    out = []
    base = Path(display).resolve().parent
    for i, item in enumerate(items):
        line = line_of(items, i) if isinstance(items, LineList) else doc.line_of("include")
        if not isinstance(item, str) or not item.strip():
            state.problem(display, line, "an include is a file path or provcheck:PACK")
            continue
        if item.startswith(PACK_PREFIX):
            target = pack_path(item[len(PACK_PREFIX) :])
            if not target.is_file():
                packs = sorted(p.stem for p in packs_dir().glob("*.yaml"))
                state.problem(display, line, _unknown("pack", item, [PACK_PREFIX + p for p in packs]))
                continue
        else:
            target = (base / item).resolve()
            if not state.allow_outside and not any(_within(target, r) for r in state.roots):
                state.problem(
                    display,
                    line,
                    f"include {item!r} is outside the policy's directory; "
                    "pass --allow-include-outside to permit it",
                )
                continue
            if not target.is_file():
                state.problem(display, line, f"include {item!r}: no such file")
                continue
        out.append((target, line))
    return out


def _within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def _merge_use(state: _State, doc: LineDict, display: str) -> None:
    use = doc.get("use")
    if use is None:
        return
    if not isinstance(use, LineDict):
        state.problem(display, doc.line_of("use"), "'use' must be a mapping")
        return
    for key, value in use.items():
        line = use.line_of(key)
        if key not in _USE_KEYS:
            state.problem(display, line, _unknown("use key", key, _USE_KEYS))
        elif key == "purpose":
            purposes = [value] if isinstance(value, str) else value
            if not isinstance(purposes, list) or not all(isinstance(p, str) for p in purposes):
                state.problem(display, line, "'purpose' must be a string or a list of strings")
            else:
                state.use["purpose"] = [p.lower() for p in purposes]
        elif not isinstance(value, bool):
            state.problem(display, line, f"'{key}' must be true or false, found {value!r}")
        else:
            state.use[key] = value


def _date(state: _State, display: str, line: int | None, value: Any, what: str) -> dt.date | None:
    try:
        return parse_date(value)
    except DateError as exc:
        state.problem(display, line, f"{what}: {exc}")
        return None


def _merge_sources(state: _State, doc: LineDict, display: str) -> None:
    sources = doc.get("sources")
    if sources is None:
        return
    if not isinstance(sources, LineDict):
        state.problem(display, doc.line_of("sources"), "'sources' must map source names to facts")
        return
    for name, facts in sources.items():
        line = sources.line_of(name)
        if not isinstance(facts, LineDict):
            state.problem(display, line, f"source {name!r}: facts must be a mapping")
            continue
        ok = True
        for key in facts:
            if key not in _SOURCE_KEYS:
                state.problem(display, facts.line_of(key), _unknown("source key", key, _SOURCE_KEYS))
                ok = False
        strings = ("provider", "generator", "license", "terms", "origin", "url", "description")
        for key in strings:
            if key in facts and not isinstance(facts[key], str):
                state.problem(display, facts.line_of(key), f"source {name!r}: '{key}' must be a string")
                ok = False
        if isinstance(facts.get("origin"), str) and facts["origin"] not in _ORIGINS:
            state.problem(display, facts.line_of("origin"), _unknown("origin", facts["origin"], _ORIGINS))
            ok = False
        parents = facts.get("derived_from", [])
        parents = [parents] if isinstance(parents, str) else parents
        if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
            state.problem(
                display,
                facts.line_of("derived_from"),
                "'derived_from' must be a source name or a list of them",
            )
            ok = False
            parents = []
        date = None
        if "date" in facts:
            date = _date(state, display, facts.line_of("date"), facts["date"], f"source {name!r} date")
            ok = ok and date is not None
        meta = facts.get("meta", {})
        if not isinstance(meta, dict):
            state.problem(display, facts.line_of("meta"), "'meta' must be a mapping")
            ok = False
        if not ok:
            continue
        previous = state.sources.get(name)
        new = SourceFacts(
            name=name,
            provider=facts.get("provider"),
            generator=facts.get("generator"),
            license=facts.get("license"),
            terms=facts.get("terms"),
            origin=facts.get("origin"),
            derived_from=tuple(parents),
            date=date,
            url=facts.get("url"),
            meta={str(k): str(v) for k, v in meta.items()},
        )
        state.sources[name] = overlay(previous, new) if previous else new
        if parents or name not in state.source_lines:
            state.source_lines[name] = (display, facts.line_of("derived_from") if parents else line)


def _merge_terms(state: _State, doc: LineDict, display: str) -> None:
    terms = doc.get("terms")
    if terms is None:
        return
    if not isinstance(terms, LineDict):
        state.problem(display, doc.line_of("terms"), "'terms' must map terms ids to documents")
        return
    for tid, body in terms.items():
        line = terms.line_of(tid)
        if not isinstance(body, LineDict):
            state.problem(display, line, f"terms {tid!r}: expected a mapping with 'document' and 'versions'")
            continue
        for key in body:
            if key not in _TERMS_KEYS:
                state.problem(display, body.line_of(key), _unknown("terms key", key, _TERMS_KEYS))
        select = body.get("select", "date")
        if select not in _SELECT:
            state.problem(
                display, body.line_of("select"), f"terms {tid!r}: " + _unknown("select", select, _SELECT)
            )
        if not isinstance(body.get("document"), str):
            state.problem(display, line, f"terms {tid!r}: 'document' (its title) is required")
            continue
        versions = body.get("versions")
        if not isinstance(versions, LineList) or not versions:
            state.problem(
                display,
                body.line_of("versions"),
                f"terms {tid!r}: 'versions' must be a non-empty list",
            )
            continue
        parsed = []
        for i, v in enumerate(versions):
            vline = line_of(versions, i)
            if not isinstance(v, LineDict):
                state.problem(display, vline, "a terms version is a mapping with 'effective' and 'clauses'")
                continue
            for key in v:
                if key not in _VERSION_KEYS:
                    state.problem(display, v.line_of(key), _unknown("version key", key, _VERSION_KEYS))
            selectors: dict[str, tuple[str, ...]] = {}
            for key in ("generators", "licenses", "datasets"):
                raw = v.get(key, [])
                if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
                    state.problem(display, v.line_of(key), f"'{key}' must be a list of strings")
                    raw = []
                selectors[key] = tuple(raw)
            vdoc = v.get("document")
            if vdoc is not None and not isinstance(vdoc, str):
                state.problem(display, v.line_of("document"), "'document' must be a string (the title)")
                vdoc = None
            effective = None
            if select != "licence" or "effective" in v:
                effective = _date(state, display, v.line_of("effective"), v.get("effective"), "effective")
            if select == "licence" and not (selectors["licenses"] or selectors["datasets"]):
                state.problem(
                    display,
                    vline,
                    f"terms {tid!r}: with 'select: licence' a version names 'licenses' or 'datasets'",
                )
            clauses = v.get("clauses")
            if not isinstance(clauses, LineDict) or not clauses:
                state.problem(
                    display,
                    v.line_of("clauses"),
                    "'clauses' must map clause keys to {quote, section, confidence}",
                )
                continue
            texts: dict[str, dict[str, str]] = {}
            for key, clause in clauses.items():
                cline = clauses.line_of(key)
                if not isinstance(clause, LineDict) or not isinstance(clause.get("quote"), str):
                    state.problem(display, cline, f"clause {key!r}: 'quote' (verbatim text) is required")
                    continue
                for ck in clause:
                    if ck not in ("quote", "section", "confidence"):
                        state.problem(
                            display,
                            clause.line_of(ck),
                            _unknown("clause key", ck, ("quote", "section", "confidence")),
                        )
                texts[key] = {k: str(clause[k]) for k in ("quote", "section", "confidence") if k in clause}
            if effective is not None or select == "licence":
                url = v.get("url")
                parsed.append(
                    TermsVersion(
                        effective,
                        url if isinstance(url, str) else None,
                        texts,
                        document=vdoc,
                        generators=selectors["generators"],
                        licenses=selectors["licenses"],
                        datasets=selectors["datasets"],
                    )
                )
        parsed.sort(key=lambda tv: tv.effective or dt.date.min)
        url = body.get("url")
        state.terms[tid] = Terms(
            tid, body["document"], url if isinstance(url, str) else None, tuple(parsed), select == "licence"
        )


def _merge_markers(state: _State, doc: LineDict, display: str) -> None:
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
                state.problem(display, m.line_of(key), _unknown("marker key", key, allowed))
        mid, label = m.get("id"), m.get("label")
        if not isinstance(mid, str) or not _ID_RE.match(mid):
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


def _regex_text(state: _State, display: str, line: int | None, value: Any) -> str | None:
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


def _merge_rules(state: _State, doc: LineDict, display: str) -> None:
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


def _rule(state: _State, display: str, line: int | None, raw: Any) -> Rule | None:
    if not isinstance(raw, LineDict):
        state.problem(display, line, "a rule is a mapping with 'id', 'title', 'action', 'message'")
        return None
    before_count = len(state.problems)
    for key in raw:
        if key not in _RULE_KEYS:
            state.problem(display, raw.line_of(key), _unknown("rule key", key, _RULE_KEYS))
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID_RE.match(rid):
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
            f"rule {rid!r}: " + _unknown("action", action_raw, actions),
        )
    before_raw = raw.get("action_before_wording", Action.REVIEW.value)
    before = Action(before_raw) if before_raw in actions else None
    if before is None:
        state.problem(
            display,
            raw.line_of("action_before_wording"),
            f"rule {rid!r}: 'action_before_wording' " + _unknown("action", before_raw, actions),
        )
    elif "action_before_wording" in raw and "clause" not in raw:
        state.problem(
            display,
            raw.line_of("action_before_wording"),
            f"rule {rid!r}: 'action_before_wording' needs a 'clause' (whose wording's dates it is about)",
        )
    signal = raw.get("signal", "match")
    if signal not in SIGNALS:
        state.problem(display, raw.line_of("signal"), f"rule {rid!r}: " + _unknown("signal", signal, SIGNALS))
    message = raw.get("message", title)
    if not isinstance(message, str):
        state.problem(display, raw.line_of("message"), f"rule {rid!r}: 'message' must be a string")
        message = str(title)
    else:
        for name in _PLACEHOLDER.findall(message):
            if (
                name
                and name not in FIELD_TYPES
                and name not in _TEMPLATE_EXTRA
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
    clause = _clause(state, display, raw, rid) if "clause" in raw else None
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
    state: _State, display: str, raw: LineDict, rid: str, signal: str, when: Condition, message: str
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
    for name in _PLACEHOLDER.findall(message):
        if name and name not in _TEMPLATE_EXTRA and not name.startswith(allowed):
            state.problem(
                display,
                raw.line_of("message"),
                f"rule {rid!r}: placeholder {{{name}}} is never set for signal {signal!r}; "
                f"available: {available}",
            )


def _clause(state: _State, display: str, raw: LineDict, rid: str) -> ClauseRef | None:
    body = raw["clause"]
    line = raw.line_of("clause")
    if not isinstance(body, LineDict):
        state.problem(
            display,
            line,
            f"rule {rid!r}: 'clause' must be {{terms, clause}} or {{quote, document, ...}}",
        )
        return None
    if "terms" in body:
        for name in body:
            if name not in ("terms", "clause"):
                state.problem(display, body.line_of(name), _unknown("clause key", name, ("terms", "clause")))
        terms, key = body.get("terms"), body.get("clause")
        if not isinstance(terms, str) or not isinstance(key, str):
            state.problem(
                display,
                line,
                f"rule {rid!r}: a clause reference needs 'terms' and 'clause' strings",
            )
            return None
        return ClauseRef(terms=terms, key=key)
    allowed = ("quote", "document", "url", "effective", "section", "confidence")
    for key in body:
        if key not in allowed:
            state.problem(display, body.line_of(key), _unknown("clause key", key, allowed))
    if not isinstance(body.get("quote"), str) or not isinstance(body.get("document"), str):
        state.problem(display, line, f"rule {rid!r}: an inline clause needs 'quote' and 'document'")
        return None
    effective = None
    if "effective" in body:
        date = _date(state, display, body.line_of("effective"), body["effective"], "effective")
        effective = date.isoformat() if date else None
    return ClauseRef(
        inline=Clause(
            quote=body["quote"],
            document=body["document"],
            url=body.get("url"),
            effective=effective,
            section=str(body["section"]) if "section" in body else None,
            confidence=body.get("confidence"),
        )
    )


def _condition(state: _State, display: str, line: int | None, raw: Any) -> Condition | None:
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


def _tests(state: _State, display: str, line: int | None, name: str, raw: Any) -> list[Comparison]:
    ftype = _field_type(name)
    if ftype is None:
        state.problem(display, line, _unknown("field", name, [*FIELD_TYPES, "source.meta.KEY"]))
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
            state.problem(display, line, f"{name}: " + _unknown("operator", op, OPS[ftype]))
            continue
        checked = _operand(state, display, line, name, ftype, op, value)
        if checked is not _BAD:
            tests.append(Comparison(name, op, checked, line))
    return tests


_BAD = object()


def _operand(
    state: _State, display: str, line: int | None, name: str, ftype: str, op: str, value: Any
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
            dates = [_date(state, display, line, v, name) for v in value]
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
        date = _date(state, display, line, value, name)
        return _BAD if date is None else date
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    return bad("a string")


def _apply_disable(state: _State, doc: LineDict, display: str) -> None:
    ids = doc.get("disable")
    if ids is None:
        return
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        state.problem(display, doc.line_of("disable"), "'disable' must be a list of rule ids")
        return
    known = {r.id for r in state.rules}
    for i, rid in enumerate(ids):
        if rid not in known:
            state.problem(display, line_of(ids, i), f"disable: no rule {rid!r} is defined")
    state.rules = [replace(r, enabled=False) if r.id in ids else r for r in state.rules]


def _check_references(state: _State) -> None:
    for rule in state.rules:
        ref = rule.clause
        if ref is None or ref.inline is not None:
            continue
        terms = state.terms.get(ref.terms or "")
        if terms is None:
            state.problems.append(
                f"{rule.origin}: rule {rule.id!r} cites unknown terms {ref.terms!r}; "
                f"defined: {', '.join(sorted(state.terms)) or 'none'}"
            )
        elif not any(ref.key in v.clauses for v in terms.versions):
            keys = sorted({k for v in terms.versions for k in v.clauses})
            state.problems.append(
                f"{rule.origin}: rule {rule.id!r} cites clause {ref.key!r} that "
                f"{ref.terms!r} does not have; it has: {', '.join(keys)}"
            )
    _check_source_cycles(state)


def _check_source_cycles(state: _State) -> None:
    for start in state.sources:
        seen = [start]
        frontier = list(state.sources[start].derived_from)
        while frontier:
            parent = frontier.pop()
            if parent == start:
                where, line = state.source_lines.get(start, ("sources", None))
                state.problem(
                    where, line, f"sources: {start!r} derives from itself ({' -> '.join([*seen, parent])})"
                )
                break
            if parent in seen or parent not in state.sources:
                continue
            seen.append(parent)
            frontier.extend(state.sources[parent].derived_from)


DEFAULT_RULE = Rule(
    id="reference-match",
    title="Record copies indexed reference material",
    action=Action.REVIEW,
    message="matches {source.name} ({source.provider}/{source.generator}) reference {reference.id}",
    rationale="No policy was given: every verified match is reported for review.",
    remediation="Give a policy (--policy) that says which sources are restricted for your use.",
)


def default_policy() -> Policy:
    """The policy used without ``--policy``: every verified match is a ``review`` finding."""
    return Policy(path="", files=(), digest="", rules=(DEFAULT_RULE,))
