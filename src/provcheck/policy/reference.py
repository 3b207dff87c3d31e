"""The legal reference the shipped packs quote, defined once (outside counsel 23, P10).

Every clause, date and confidence label of the shipped packs comes from one compiled reference,
``../shared/reference/terms-and-licences.md`` (with its licence texts in ``licences/``). No
report said so, nor as of when: counsel could not say what research the legal statements rest
on. A policy file names the reference its quotes come from (``reference: terms-and-licences``);
the run record carries its description, and every report shows it under Scope and in the facts
the decision rests on. The description is the reference's own words: its title, how it was
compiled, and its currency (it states no date of its own).
"""

from __future__ import annotations

from provcheck.model import LegalReference

REFERENCES: dict[str, LegalReference] = {
    "terms-and-licences": LegalReference(
        id="terms-and-licences",
        file="terms-and-licences.md (provcheck's shared reference, with its licence texts in licences/)",
        title=(
            "Restricted-provenance facts for policy packs (provider terms, model licences, dataset "
            "licences, telltale phrases)"
        ),
        compiled="Compiled by reading primary and secondary sources; nothing here is legal advice.",
        currency=(
            "it states no date of compilation; of its currency it says: \u201cThe stored corpora are "
            'snapshots, so "current" means "as of the newest snapshot I saw". The OTA history ends '
            "2026-08-22.\u201d"
        ),
        sha256="3d202eee118f758ab5d7dbc2028e7d8ef9217844db99e5231bb53ff76ed84b41",
    ),
}
"""Every reference a policy file may name, by the name it uses."""
