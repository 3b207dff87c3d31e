"""An indexed source's provenance basis: what its provider, generator and date rest on.

An indexed source's facts are what the person who built the index recorded for it (a sources
file, ``index add`` options). ``meta.basis`` records why they hold: where the text came from (a
URL, a file hash), who indexed it and when, and the evidence for the provider, generator and date.
Reports show it beside the source, and say "basis not recorded" where it is absent (outside
counsel 21: a DeepSeek permission cleared records on the index builder's word alone).
"""

from __future__ import annotations

from provcheck.model import BASIS, Action, Finding, SourceInfo

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
