"""A terms document of a policy's ``terms:`` section: its dated (or per-licence) versions, and
the wording of a clause that governs some material (``Terms.cite``).

Kept out of ``policy.model`` so that a run whose policy has no ``terms:`` (and cites no clause)
does not build these classes (docs/startup.md).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from provcheck.model import Clause
from provcheck.policy.licenses import legal_code_url, license_ids
from provcheck.support.globs import name_match

if TYPE_CHECKING:
    from provcheck.policy.model import SourceFacts


@dataclass(frozen=True, slots=True)
class TermsVersion:
    """One dated version of a terms document."""

    effective: dt.date | None
    """When the version took effect (None only in a document selected by licence, whose
    versions are texts of different licences rather than dated revisions)."""
    url: str | None
    clauses: Mapping[str, Mapping[str, str]]
    """Clause key -> ``quote``, ``section``, ``confidence``."""
    document: str | None = None
    """The version's own title, when it differs from the document's (a renamed or moved text)."""
    generators: tuple[str, ...] = ()
    """Globs of generators this version governs whatever the date (a model licence: Llama 2
    outputs stay under the Llama 2 licence after Llama 3 is released)."""
    licenses: tuple[str, ...] = ()
    """Licence ids this version governs whatever the date (any id of an SPDX expression)."""
    datasets: tuple[str, ...] = ()
    """Source names this version governs whatever the date (a dataset's own licence wording)."""
    version: str | None = None
    """The document's own version number, as its text names it."""
    date_note: str | None = None
    """Without ``effective``: what is known of its date, with its source."""
    effective_note: str | None = None
    """With ``effective``: where that date comes from and how the version is selected."""
    seen: dt.date | None = None
    """When the quoted wording was last seen in a copy of the document, if recorded."""
    date_label: str | None = None
    """What ``effective`` is, as the document or the reference labels it (``Updated``, ``Last
    Update``, ``added``); None for an effective date."""
    parts: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """Clause key -> ``(section, words)`` of each passage a clause quotes separately."""

    def governs(self, facts: SourceFacts | None) -> bool:
        """True when the source's name, generator or licence names this version."""
        if facts is None:
            return False
        if facts.name.lower() in {d.lower() for d in self.datasets}:
            return True
        generator = (facts.generator or "").lower()
        if generator and any(name_match(generator, g) for g in self.generators):
            return True
        ids = {i.lower() for i in license_ids(facts.license)} | {(facts.license or "").lower()}
        return bool(ids & {x.lower() for x in self.licenses})


@dataclass(frozen=True, slots=True)
class Terms:
    """A terms document with its versions, oldest first."""

    id: str
    document: str
    url: str | None
    versions: tuple[TermsVersion, ...]
    by_licence: bool = False
    """Versions are the texts of different licences (``select: licence``): one applies only to
    the sources it names; for any other source no wording is on record."""

    def wordings(self, key: str) -> list[Clause]:
        """Every wording of the clause on record, oldest first (for ``policy explain``); a
        licence text's note says which licences or datasets it is the text of."""
        out = []
        for v in self.versions:
            text = v.clauses.get(key)
            if text is None:
                continue
            names = [*v.licenses, *v.datasets, *v.generators]
            out.append(
                Clause(
                    quote=text["quote"],
                    document=v.document or self.document,
                    url=v.url or self.url,
                    effective=_iso(v.effective) or None,
                    section=text.get("section"),
                    confidence=text.get("confidence"),
                    note=f"the text for {', '.join(names)}" if names else None,
                    version=v.version,
                    date_note=v.date_note,
                    effective_note=v.effective_note,
                    seen=_iso(v.seen) or None,
                    date_label=v.date_label,
                    parts=v.parts.get(key, ()),
                )
            )
        return out

    def clause(self, key: str, on: dt.date | None, facts: SourceFacts | None = None) -> Clause | None:
        """The clause as worded in the version that governs the material (see ``cite``)."""
        cited = self.cite(key, on, facts)
        return cited.clause if cited else None

    def cite(self, key: str, on: dt.date | None, facts: SourceFacts | None = None) -> Citation | None:
        """The clause as worded in the version that governs the material, and whether the
        material predates every wording on record.

        A version that names the source's generator or licence governs it whatever the date;
        otherwise the version in force ``on`` the date the material was generated (the latest
        when the date is unknown). When the material predates every version having the clause,
        the earliest is cited with a note saying so: earlier wording is not on record.
        """
        having = [v for v in self.versions if key in v.clauses]
        if not having:
            return None
        note = None
        predates = False
        named = [v for v in having if v.governs(facts)]
        if named:
            chosen = named[-1]
            # A dataset's own wording with a date on record (Alpaca's README statement, added
            # 2023-03-25) is dated like any other: material dated before it is not shown to have
            # been under it (counsel 23: kept at block for material of 2023-03-13).
            if on is not None and chosen.effective is not None and on < chosen.effective:
                predates = True
                note = (
                    f"the material is dated {on.isoformat()}, before this wording's date on record "
                    f"({_dated(chosen)}); no wording of it in force before then is on record"
                )
        elif self.by_licence:
            return Citation(self._no_wording(facts))
        elif on is None:
            chosen = having[-1]
            if len(having) > 1:
                note = "the material's date is unknown: the latest version is cited"
            note = self._superseded(key, chosen, None) or note
        else:
            earlier = [v for v in having if v.effective is not None and v.effective <= on]
            chosen = earlier[-1] if earlier else having[0]
            if not earlier:
                predates = True
                note = (
                    f"the material is dated {on.isoformat()}, {_before(chosen)}; no earlier wording "
                    "is on record"
                )
            else:
                note = self._superseded(key, chosen, on)
        text = chosen.clauses[key]
        # The source records no terms and this document is cited as the policy's default: a
        # version chosen by the source's generator, licence or name (a Llama licence) is not.
        default = (
            facts is not None
            and not facts.terms
            and not any(v.generators or v.licenses or v.datasets for v in self.versions)
        )
        clause = Clause(
            quote=text["quote"],
            document=chosen.document or self.document,
            url=chosen.url or self.url,
            effective=_iso(chosen.effective) or None,
            section=text.get("section"),
            confidence=text.get("confidence"),
            note=note,
            version=chosen.version,
            date_note=chosen.date_note,
            effective_note=chosen.effective_note,
            seen=_iso(chosen.seen) or None,
            default_terms=default,
            date_label=chosen.date_label,
            parts=chosen.parts.get(key, ()),
        )
        return Citation(clause, predates)

    def _superseded(self, key: str, chosen: TermsVersion, on: dt.date | None) -> str | None:
        """A note when a later version than the one cited was in force ``on`` the material's
        date (the latest, when the date is unknown) and has no wording of the clause on record:
        the quote is then not the wording in force, and counsel must be told so (xAI's
        ``distill`` wording of 2026-06-26, cited for material of 2026-09 under the 2026-08-14
        policy, which records none)."""
        if chosen.effective is None:
            return None
        later = [
            v
            for v in self.versions
            if v.effective is not None
            and v.effective > chosen.effective
            and (on is None or v.effective <= on)
            and key not in v.clauses
        ]
        if not later:
            return None
        current = later[-1]
        when = "now (the material's date is unknown)"
        if on is not None:
            when = f"on {on.isoformat()}, the material's date"
        return (
            f"the version in force {when}, {current.document or self.document} "
            f"{_dated(current)}, has no wording of this clause on record: the earlier wording "
            f"of {_iso(chosen.effective)} is quoted; check whether the restriction was still in force"
        )

    def _no_wording(self, facts: SourceFacts | None) -> Clause:
        """A citation that says no wording of the source's licence is on record: never a
        quote of another licence's text."""
        ids = license_ids(facts.license if facts else None)
        named = " AND ".join(ids) or "the licence"
        urls = [u for u in (legal_code_url(i) for i in ids) if u]
        return Clause(
            quote="",
            document=f"{named} ({self.document})",
            url=urls[0] if urls else (facts.url if facts else None),
            note=f"no wording of {named} is on record; read the licence where it is published",
            version=_id_version(ids),
        )


def _id_version(ids: Sequence[str]) -> str | None:
    """The version an SPDX id names (``CC-BY-SA-3.0``: ``3.0``) when the source has one licence:
    that much is known of a licence whose text is not on record."""
    found = {m[1] for i in ids if (m := re.search(r"-(\d+(?:\.\d+)+)$", i))}
    return found.pop() if len(ids) == 1 and len(found) == 1 else None


def _before(v: TermsVersion) -> str:
    """``before this version took effect (2024-01-31)``, or for a date labelled otherwise ``before
    this version's date (Updated 2023-03-14)``: an "Updated" heading is not an effective date."""
    if v.date_label:
        return f"before this version's date ({_dated(v)})"
    return f"before this version took effect ({_iso(v.effective)})"


def _dated(v: TermsVersion) -> str:
    """A version's date as its source labels it: ``effective 2024-01-31``, ``Updated 2023-03-14``."""
    return f"{v.date_label or 'effective'} {_iso(v.effective)}"


def _iso(date: dt.date | None) -> str:
    return date.isoformat() if date else ""


@dataclass(frozen=True, slots=True)
class Citation:
    """A clause as cited for some material."""

    clause: Clause
    predates: bool = False
    """True when the material is dated before every wording of the clause on record: nothing
    on record shows the restriction was in force when the material was made."""
