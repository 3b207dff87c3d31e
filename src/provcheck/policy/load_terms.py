"""The ``terms:`` section of a policy: dated wordings, how a version is selected, and the
clause a rule cites."""

from __future__ import annotations

import datetime as dt

from provcheck.model import Clause
from provcheck.policy.loadstate import (
    SELECT,
    TERMS_KEYS,
    VERSION_KEYS,
    LoadState,
    policy_date,
    unknown,
)
from provcheck.policy.model import (
    ClauseRef,
    Terms,
    TermsVersion,
)
from provcheck.yamlfile import LineDict, LineList, line_of


def merge_terms(state: LoadState, doc: LineDict, display: str) -> None:
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
            if key not in TERMS_KEYS:
                state.problem(display, body.line_of(key), unknown("terms key", key, TERMS_KEYS))
        select = body.get("select", "date")
        if select not in SELECT:
            state.problem(
                display, body.line_of("select"), f"terms {tid!r}: " + unknown("select", select, SELECT)
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
                if key not in VERSION_KEYS:
                    state.problem(display, v.line_of(key), unknown("version key", key, VERSION_KEYS))
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
                effective = policy_date(
                    state, display, v.line_of("effective"), v.get("effective"), "effective"
                )
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
                            unknown("clause key", ck, ("quote", "section", "confidence")),
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


def clause_ref(state: LoadState, display: str, raw: LineDict, rid: str) -> ClauseRef | None:
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
                state.problem(display, body.line_of(name), unknown("clause key", name, ("terms", "clause")))
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
            state.problem(display, body.line_of(key), unknown("clause key", key, allowed))
    if not isinstance(body.get("quote"), str) or not isinstance(body.get("document"), str):
        state.problem(display, line, f"rule {rid!r}: an inline clause needs 'quote' and 'document'")
        return None
    effective = None
    if "effective" in body:
        date = policy_date(state, display, body.line_of("effective"), body["effective"], "effective")
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
