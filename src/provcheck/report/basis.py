"""An indexed source's provenance basis: what its provider, generator and date rest on.

An indexed source's facts are what the person who built the index recorded for it (a sources
file, ``index add`` options). ``meta.basis`` records why they hold: where the text came from (a
URL, a file hash), who indexed it and when, and the evidence for the provider, generator and date.
Reports show it beside the source, and say "basis not recorded" where it is absent (outside
counsel 21: a DeepSeek permission cleared records on the index builder's word alone).
"""

from __future__ import annotations

from collections.abc import Mapping

from provcheck.model import BASIS, Absent, Action, Finding, ScanResult, SourceInfo

NOT_RECORDED = (
    "basis not recorded: its provider, generator and date are as the index builder recorded them, "
    "with no record of where its text came from"
)
"""Said where an indexed source has no ``meta.basis``."""
SHORT = "basis not recorded"
"""The same in a table's cell, beside the table's note on where a source's facts come from."""


def recorded(info: SourceInfo) -> str | None:
    """The source's recorded basis, or None."""
    value = info.meta.get(BASIS)
    return value if value and value.strip() else None


def words(basis: str | None, short: bool = False) -> str:
    """``basis: ...`` or :data:`NOT_RECORDED` (:data:`SHORT` if ``short``)."""
    return f"basis: {basis}" if basis else SHORT if short else NOT_RECORDED


def permission_note(f: Finding) -> tuple[str, bool] | None:
    """For a permission (an ``info`` finding on a match, "Nothing to do"): what it rests on,
    and whether a basis is recorded for it. None for any other finding.

    The finding's action is left as the rule gives it; the card says what it rests on: the
    facts the index records of the matched source, and their basis or that none is recorded."""
    if f.action is not Action.INFO or f.match is None:
        return None
    info = f.match.reference.source
    if info.background:
        return None
    facts = ", ".join(
        x
        for x in (
            f"provider {info.provider}" if info.provider else "",
            f"generator {info.generator}" if info.generator else "",
            f"dated {info.meta['date']}" if info.meta.get("date") else "",
        )
        if x
    )
    rests = f"This finding rests on what the index records of {info.name}" + (f" ({facts})" if facts else "")
    based = recorded(info)
    if based is not None:
        return f"{rests}; the basis recorded for those facts: {based}", True
    return (
        f"{rests}; no basis is recorded for those facts (index add --meta basis=..., or basis: under "
        "meta in a sources file). If the source was recorded wrongly, this finding is wrong: "
        "establish where its text came from before relying on it.",
        False,
    )


def rests_on(f: Finding, indexed: Mapping[str, str | None]) -> tuple[tuple[str, str | None], ...]:
    """The indexed sources a finding rests on, each with its recorded basis (None when none is
    recorded): the matched source, then every source of its chain the index holds (a parent
    named by ``derived_from`` that was indexed too); facts from the policy or the catalogue of
    known datasets are not the index builder's word and are left out, as are background
    sources (never a finding's ground). ``indexed``: each indexed source's basis
    (:func:`indexed_bases`)."""
    out: dict[str, str | None] = {}
    if f.match is not None and not f.match.reference.source.background:
        out[f.match.reference.source.name] = recorded(f.match.reference.source)
    for info in f.chain:
        if info.name not in out and info.name in indexed and not info.background:
            out[info.name] = indexed[info.name]
    return tuple(out.items())


def indexed_bases(result: ScanResult) -> dict[str, str | None]:
    """Each indexed (non-background) source's recorded basis, or None, from the run record."""
    details = result.run.index.source_details
    if isinstance(details, Absent):
        return {}
    return {
        d.name: d.basis if isinstance(d.basis, str) and d.basis.strip() else None
        for d in details
        if d.background is not True
    }


def unrecorded_line(result: ScanResult) -> str:
    """ "N findings rest on sources whose provenance basis is not recorded: …", or "" when every
    finding's indexed sources have one (or no finding rests on an indexed source). Said where a
    decision is made (headline, decision facts): the basis was listed under the sources table
    and in each card, and a reader of the verdict alone did not learn that the findings rest on
    the index builder's word (trust 23)."""
    indexed = indexed_bases(result)
    per_source: dict[str, int] = {}
    findings = 0
    for f in result.findings:
        missing = [name for name, based in rests_on(f, indexed) if based is None]
        findings += bool(missing)
        for name in missing:
            per_source[name] = per_source.get(name, 0) + 1
    if not findings:
        return ""
    shown = ", ".join(
        f"{name} ({n:,} finding{'s' if n != 1 else ''})" for name, n in sorted(per_source.items())
    )
    return (
        f"{findings:,} of {len(result.findings):,} finding(s) rest on sources whose provenance basis is "
        f"not recorded: {shown}; their provider, generator and date are as the index builder "
        "recorded them, with no record of where their text came from, and a source recorded wrongly "
        "gives wrong findings, permissions included."
    )
