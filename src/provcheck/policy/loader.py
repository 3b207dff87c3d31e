"""YAML policy files -> a validated ``Policy``; every problem reported at once, located.

Includes are resolved depth-first (an included file's rules come before the including file's);
a rule with an id already defined replaces the earlier definition in place; ``disable:`` turns
rules off by id. Includes may name a shipped pack (``provcheck:openai``) or a file relative to
the including file; a file outside the top-level policy's directory and the shipped packs is
refused unless ``allow_outside`` is set (a policy is data from a repository you may not trust).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from provcheck.errors import PolicyError, UsageError
from provcheck.model import Action
from provcheck.policy.checked import Stamps
from provcheck.policy.load_rules import merge_markers, merge_rules, note_override
from provcheck.policy.load_terms import merge_terms
from provcheck.policy.loadstate import (
    MAX_INCLUDE_DEPTH,
    PACK_PREFIX,
    LoadState,
    packs_dir,
    policy_date,
    unknown,
)
from provcheck.policy.model import (
    Policy,
    Rule,
    SourceFacts,
    Use,
    overlay,
)
from provcheck.policy.schema import structure_problems
from provcheck.policy.use import FLAG_WORDS, PURPOSES, did_you_mean
from provcheck.yamlfile import LineDict, LineList, YamlProblem, line_of, parse, read

__all__ = ["default_policy", "load_policy", "pack_path", "packs_dir", "validate"]


def pack_path(name: str) -> Path:
    """Path of a shipped pack by name (``openai`` -> ``policies/openai.yaml``)."""
    return packs_dir() / f"{name}.yaml"


def load_policy(path: str, *, allow_outside: bool = False) -> Policy:
    """Load, merge and validate a policy file and everything it includes."""
    top = Path(path)
    hint = _pack_hint(top)
    if hint is not None:
        # A pack's name where a policy file goes: the option's value is wrong (exit 2), not the
        # policy (``-p provcheck:default`` exited 3 as an invalid policy).
        raise UsageError(f"policy {path!r}: no such file; {hint}")
    state = LoadState(roots=[top.resolve().parent, packs_dir().resolve()], allow_outside=allow_outside)
    stamps = Stamps()
    _load_file(state, top, None, stamps)
    stamps.save()
    if state.problems:
        raise PolicyError(state.problems, hint=_pack_hint(top))
    _check_references(state)
    _check_some_rule(state, str(path))
    if state.problems:
        raise PolicyError(state.problems)
    use = state.use
    return Policy(
        path=str(path),
        files=tuple(state.files),
        file_sha256=tuple(state.file_sha256),
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
        source_lines=dict(state.source_lines),
        overrides=tuple(state.overrides),
        references=tuple(state.references),
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


def _pack_hint(top: Path) -> str | None:
    """What to do when the policy given is a pack's name (``--policy provcheck:openai``, which is
    read as a file path and is no file): packs are included by a policy file."""
    if not top.name.startswith(PACK_PREFIX) or top.exists():
        return None
    name = top.name[len(PACK_PREFIX) :]
    packs = sorted(p.stem for p in packs_dir().glob("*.yaml"))
    if name not in packs:
        import difflib  # a misspelling's hint only

        close = difflib.get_close_matches(name, packs, n=1, cutoff=0.6)
        near = f"did you mean {PACK_PREFIX + close[0]!r}? " if close else ""
        return near + unknown("pack", top.name, [PACK_PREFIX + p for p in packs])
    return (
        f"{top.name} is a shipped pack, used through a policy file: write `include: [{top.name}]` "
        f"in one and give that file, or give the pack's own file: {pack_path(name)}"
    )


def _load_file(
    state: LoadState, path: Path, included_from: tuple[str, int | None] | None, stamps: Stamps
) -> None:
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
        # The bytes parsed are the bytes digested and stamped: one read, no window between.
        data = read(display)
        doc = parse(data, display)
    except YamlProblem as exc:
        state.problems.append(str(exc))
        return
    state.digest.update(data)
    state.files.append(display)
    state.file_sha256.append(hashlib.sha256(data).hexdigest())
    if doc is None:
        doc = LineDict()
        doc.line, doc.key_lines = 1, {}
    # Bytes that passed the schema once pass again (policy/checked.py): no jsonschema import.
    broken = [] if stamps.passed(data) else structure_problems(doc)
    if not broken:
        stamps.remember(data)
    for _, (line, column), message in broken:
        state.problem(display, line, message, column)
    if not isinstance(doc, LineDict):
        return
    # What the schema refused is left out (and reported above); the rest is still read, so that
    # its own problems (dates, regexes, references) are reported in the same run.
    _drop(state, doc, {path[:2] for path, _, _ in broken})
    if "name" in doc and included_from is None:
        state.name = doc["name"]
    _merge_reference(state, doc, display)
    state.stack.append(resolved)
    try:
        for include, line in _includes(state, doc, display):
            _load_file(state, include, (display, line), stamps)
    finally:
        state.stack.pop()
    _merge_use(state, doc, display)
    _merge_sources(state, doc, display)
    merge_terms(state, doc, display)
    merge_markers(state, doc, display)
    merge_rules(state, doc, display)
    _apply_disable(state, doc, display)


def _merge_reference(state: LoadState, doc: LineDict, display: str) -> None:
    """The legal reference the file's quotes come from (``policy.reference``): a name the
    reports describe, so that an unknown name is a located problem, never shown as research."""
    from provcheck.policy.reference import REFERENCES

    name = doc.get("reference")
    if name is None:
        return
    if name not in REFERENCES:
        state.problem(display, doc.line_of("reference"), unknown("reference", name, sorted(REFERENCES)))
    elif name not in state.references:
        state.references.append(name)


def _drop(state: LoadState, doc: LineDict, paths: set[tuple[str | int, ...]]) -> None:
    def order(path: tuple[str | int, ...]) -> tuple[int, str, int]:
        return len(path), str(path[0]), path[-1] if isinstance(path[-1], int) else 0

    # Later list items first, so that each deletion leaves the earlier indexes valid.
    for path in sorted(paths, key=order, reverse=True):
        if len(path) == 1:
            doc.pop(str(path[0]), None)
            continue
        container = doc.get(str(path[0]))
        step = path[1]
        if isinstance(container, LineList) and isinstance(step, int) and 0 <= step < len(container):
            item = container[step]
            if path[0] == "rules" and isinstance(item, dict) and isinstance(item.get("id"), str):
                state.broken_rules.add(item["id"])  # `disable:` of it is not a second problem
            del container[step]
            del container.item_lines[step]
            del container.item_columns[step]
        elif isinstance(container, LineDict) and isinstance(step, str):
            container.pop(step, None)


def _includes(state: LoadState, doc: LineDict, display: str) -> list[tuple[Path, int | None]]:
    raw = doc.get("include", [])
    items = [raw] if isinstance(raw, str) else raw
    out = []
    base = Path(display).resolve().parent
    for i, item in enumerate(items):
        line = line_of(items, i) if isinstance(items, LineList) else doc.line_of("include")
        if not item.strip():
            state.problem(display, line, "an include is a file path or provcheck:PACK")
            continue
        try:
            target = _include_target(state, display, line, base, item)
        except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL
            state.problem(display, line, f"include {item[:80]!r}: cannot be read ({exc.__class__.__name__})")
            continue
        if target is not None:
            out.append((target, line))
    return out


def _include_target(state: LoadState, display: str, line: int | None, base: Path, item: str) -> Path | None:
    if item.startswith(PACK_PREFIX):
        target = pack_path(item[len(PACK_PREFIX) :])
        if not target.is_file():
            packs = sorted(p.stem for p in packs_dir().glob("*.yaml"))
            state.problem(display, line, unknown("pack", item, [PACK_PREFIX + p for p in packs]))
            return None
    else:
        target = (base / item).resolve()
        if not state.allow_outside and not any(_within(target, r) for r in state.roots):
            state.problem(
                display,
                line,
                f"include {item!r} is outside the policy's directory; "
                "pass --allow-include-outside to permit it",
            )
            return None
        if not target.is_file():
            state.problem(display, line, f"include {item!r}: no such file")
            return None
    return target


def _within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def _merge_use(state: LoadState, doc: LineDict, display: str) -> None:
    # Keys and types are the schema's (policy/schema.py).
    for key, value in doc.get("use", {}).items():
        if key == "purpose":
            state.use["purpose"] = _purposes(state, display, doc["use"], value)
        else:
            state.use[key] = value


def _purposes(state: LoadState, display: str, use: LineDict, value: str | list[str]) -> list[str]:
    """The purposes of ``use: {purpose: ...}`` as ``--use`` reads its words: split at commas,
    white space around each left out, lower-cased. Written ``"train-competing-model "`` or
    ``"train-competing-model, fine-tune"`` the word was a purpose no rule names, and every rule
    for the intended use passed the data. A flag word (``commercial``) is refused where it is:
    the flags have keys of their own, and as a purpose it declared nothing."""
    words = [w.strip().lower() for v in ([value] if isinstance(value, str) else value) for w in v.split(",")]
    for word in words:
        if word in FLAG_WORDS:
            flag, on = FLAG_WORDS[word]
            state.problem(
                display,
                use.line_of("purpose"),
                f"use.purpose: {word!r} is not a purpose but a flag; write it as "
                f"{flag}: {'true' if on else 'false'} beside purpose:",
            )
    if not any(words):
        state.problem(
            display,
            use.line_of("purpose"),
            f"use.purpose: {value!r} declares no purpose; name one ({', '.join(sorted(PURPOSES))}) "
            "or leave the key out",
        )
    return [w for w in words if w and w not in FLAG_WORDS]


_FACT_KEYS = ("provider", "generator", "license", "terms", "url")


def _merge_sources(state: LoadState, doc: LineDict, display: str) -> None:
    # Keys, types and origins are the schema's; dates are checked here.
    sources = doc.get("sources", {})
    for name, facts in sources.items():
        parents = facts.get("derived_from", [])
        parents = [parents] if isinstance(parents, str) else parents
        date = None
        if "date" in facts:
            date = policy_date(state, display, facts.line_of("date"), facts["date"], f"source {name!r} date")
            if date is None:
                continue
        # `provider: ""` (a template's variable left unset) erased the index's provider, and
        # no rule applied to a copy (adversarial pass 14): an empty fact states nothing.
        blank = [k for k in _FACT_KEYS if isinstance(facts.get(k), str) and not facts[k].strip()]
        meta = facts.get("meta", {})
        blank += [f"meta.{k}" for k, v in meta.items() if isinstance(v, str) and not v.strip()]
        if blank:
            where = facts.line_of(blank[0]) if blank[0] in facts else facts.line_of("meta")
            state.problem(
                display,
                where,
                f"source {name!r}: {blank[0]}: empty; an empty value states nothing and would erase "
                "what the index records: leave the key out to keep it",
            )
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
            meta={str(k): str(v) for k, v in facts.get("meta", {}).items()},
        )
        state.sources[name] = overlay(previous, new) if previous else new
        if parents or name not in state.source_lines:
            line = sources.line_of(name)
            state.source_lines[name] = (display, facts.line_of("derived_from") if parents else line)


def _apply_disable(state: LoadState, doc: LineDict, display: str) -> None:
    ids = doc.get("disable", [])
    known = {r.id for r in state.rules}
    for i, rid in enumerate(ids):
        if rid not in known and rid not in state.broken_rules:
            from provcheck.policy.selfdeclared import RULE_ID as UNKNOWN_MODEL
            from provcheck.policy.unreadable import RULE_ID as UNREADABLE

            state.problem(
                display,
                line_of(ids, i),
                f"disable: {rid!r} is built into provcheck and applies under every policy; waive its "
                "findings instead (.provcheck-waivers.yaml)"
                if rid in (UNREADABLE, UNKNOWN_MODEL)
                else f"disable: no rule {rid!r} is defined{did_you_mean(str(rid), known)}"
                + ("; disable takes rule ids, not globs" if "*" in str(rid) else ""),
            )
    for rule in state.rules:
        if rule.id in ids:
            note_override(state, rule, display, line_of(ids, list(ids).index(rule.id)))
    state.rules = [replace(r, enabled=False) if r.id in ids else r for r in state.rules]


def _check_references(state: LoadState) -> None:
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


def _check_some_rule(state: LoadState, display: str) -> None:
    """A policy under which no match can ever be a finding is refused: an empty file, one of
    comments or of ``use:`` alone, or one whose every rule is disabled made every verified copy
    pass without a word, whereas leaving ``--policy`` out reports each for review."""
    if any(r.enabled for r in state.rules):
        return
    what = (
        "every rule it defines or includes is disabled"
        if state.rules
        else "it defines no rules and includes no pack that does"
    )
    state.problem(
        display,
        1,
        f"{what}: no match would ever be a finding and every copy would pass; include a pack "
        "(`include: [provcheck:default]`), write `rules:`, or leave --policy out to report every "
        "match for review",
    )


def _check_source_cycles(state: LoadState) -> None:
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
    title="Record shares text with indexed reference material",
    action=Action.REVIEW,
    message="matches {source.name} ({source.provider}/{source.generator}) reference {reference.id}",
    rationale="No policy was given: every verified match is reported for review.",
    remediation="Give a policy (--policy) that says which sources are restricted for your use.",
)


def default_policy() -> Policy:
    """The policy used without ``--policy``: every verified match is a ``review`` finding."""
    return Policy(path="", files=(), digest="", rules=(DEFAULT_RULE,))
