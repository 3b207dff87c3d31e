"""The ``terms:`` section of a policy: dated wordings, how a version is selected, and the
clause a rule cites."""

from __future__ import annotations

import datetime as dt

from provcheck.model import Clause
from provcheck.policy.loadstate import LoadState, policy_date
from provcheck.policy.model import ClauseRef
from provcheck.yamlfile import LineDict, line_of


def merge_terms(state: LoadState, doc: LineDict, display: str) -> None:
    # Keys, types, required fields and "a dated document's versions have 'effective'" are the
    # schema's; here: real dates, and a licence text says which licences it is for.
    terms = doc.get("terms", {})
    if not terms:
        return
    from provcheck.policy.terms import Terms, TermsVersion  # a policy with terms' only

    for tid, body in terms.items():
        by_licence = body.get("select", "date") == "licence"
        parsed = []
        for i, v in enumerate(body["versions"]):
            effective = None
            if "effective" in v:
                effective = policy_date(state, display, v.line_of("effective"), v["effective"], "effective")
                if effective is None:
                    continue
            if effective is not None and "date_note" in v:
                state.problem(
                    display,
                    v.line_of("date_note"),
                    f"terms {tid!r}: 'date_note' says what is known of the date of a version without "
                    "'effective'; this version has one: remove 'date_note' or 'effective'",
                )
            if effective is None and "effective_note" in v:
                state.problem(
                    display,
                    v.line_of("effective_note"),
                    f"terms {tid!r}: 'effective_note' says where the 'effective' date of a version comes "
                    "from; this version has none: use 'date_note' for what is known of its date",
                )
            if effective is None and "date_label" in v:
                state.problem(
                    display,
                    v.line_of("date_label"),
                    f"terms {tid!r}: 'date_label' says what a version's 'effective' date is (Updated, Last "
                    "Update); this version has none",
                )
            seen = None
            if "seen" in v:
                seen = policy_date(state, display, v.line_of("seen"), v["seen"], "seen")
            if by_licence and not (v.get("licenses") or v.get("datasets")):
                state.problem(
                    display,
                    line_of(body["versions"], i),
                    f"terms {tid!r}: with 'select: licence' a version names 'licenses' or 'datasets'",
                )
            # A clause that is not a mapping was refused by the schema (and reported): left out. A
            # YAML alias can carry it past the schema's path into a second terms document.
            clauses = {
                key: {k: str(clause[k]) for k in ("quote", "section", "confidence") if k in clause}
                for key, clause in v["clauses"].items()
                if isinstance(clause, dict)
            }
            # Passages of different sections, quoted apart (in section order): the clause's quote
            # is them joined by " […] ", and its section theirs, unless the clause gives one.
            parts = {
                key: tuple((str(p["section"]), str(p["quote"])) for p in clause["parts"])
                for key, clause in v["clauses"].items()
                if isinstance(clause, dict) and clause.get("parts")
            }
            for key, passages in parts.items():
                clauses[key].setdefault("quote", " […] ".join(words for _, words in passages))
                clauses[key].setdefault("section", "; ".join(section for section, _ in passages))
            parsed.append(
                TermsVersion(
                    effective,
                    v.get("url"),
                    clauses,
                    document=v.get("document"),
                    generators=tuple(v.get("generators", ())),
                    licenses=tuple(v.get("licenses", ())),
                    datasets=tuple(v.get("datasets", ())),
                    version=str(v["version"]) if "version" in v else None,
                    date_note=v.get("date_note"),
                    effective_note=v.get("effective_note"),
                    seen=seen,
                    date_label=v.get("date_label"),
                    parts=parts,
                )
            )
        parsed.sort(key=lambda tv: tv.effective or dt.date.min)
        state.terms[tid] = Terms(tid, body["document"], body.get("url"), tuple(parsed), by_licence)


def clause_ref(state: LoadState, display: str, raw: LineDict, rid: str) -> ClauseRef | None:
    """What a rule cites: a clause of a ``terms:`` document, or a quoted clause inline."""
    body = raw["clause"]
    if "terms" in body:
        return ClauseRef(terms=body["terms"], key=body["clause"])
    effective = None
    if "effective" in body:
        date = policy_date(state, display, body.line_of("effective"), body["effective"], "effective")
        if date is None:
            return None
        effective = date.isoformat()
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
