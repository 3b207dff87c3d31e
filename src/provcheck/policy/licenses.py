"""What licences imply for use: traits of SPDX ids and common ``LicenseRef-`` names.

Traits are facts a rule can test (``source.license_traits: {contains: noncommercial}``), taken
from each licence's definition (``../shared/reference/terms-and-licences.md`` §7).
"""

from __future__ import annotations

NONCOMMERCIAL = "noncommercial"
SHAREALIKE = "sharealike"
NODERIVATIVES = "noderivatives"
ATTRIBUTION = "attribution"
RESEARCH_ONLY = "research-only"
PERMISSIVE = "permissive"
PUBLIC_DOMAIN = "public-domain"
MODEL_TERMS = "model-terms"
"""The material is governed by a model licence or a provider's terms, not a data licence."""

_TRAITS: dict[str, frozenset[str]] = {
    "cc-by-4.0": frozenset({ATTRIBUTION, PERMISSIVE}),
    "cc-by-3.0": frozenset({ATTRIBUTION, PERMISSIVE}),
    "cc-by-sa-3.0": frozenset({ATTRIBUTION, SHAREALIKE}),
    "cc-by-sa-4.0": frozenset({ATTRIBUTION, SHAREALIKE}),
    "cc-by-nc-4.0": frozenset({ATTRIBUTION, NONCOMMERCIAL}),
    "cc-by-nc-3.0": frozenset({ATTRIBUTION, NONCOMMERCIAL}),
    "cc-by-nc-sa-4.0": frozenset({ATTRIBUTION, NONCOMMERCIAL, SHAREALIKE}),
    "cc-by-nc-sa-3.0": frozenset({ATTRIBUTION, NONCOMMERCIAL, SHAREALIKE}),
    "cc-by-nc-nd-4.0": frozenset({ATTRIBUTION, NONCOMMERCIAL, NODERIVATIVES}),
    "cc-by-nd-4.0": frozenset({ATTRIBUTION, NODERIVATIVES}),
    "cc0-1.0": frozenset({PUBLIC_DOMAIN, PERMISSIVE}),
    "apache-2.0": frozenset({ATTRIBUTION, PERMISSIVE}),
    "mit": frozenset({ATTRIBUTION, PERMISSIVE}),
    "bsd-3-clause": frozenset({ATTRIBUTION, PERMISSIVE}),
    "odc-by-1.0": frozenset({ATTRIBUTION, PERMISSIVE}),
    "odbl-1.0": frozenset({ATTRIBUTION, SHAREALIKE}),
    "cdla-permissive-2.0": frozenset({ATTRIBUTION, PERMISSIVE}),
    "cdla-sharing-1.0": frozenset({ATTRIBUTION, SHAREALIKE}),
    "gpl-3.0-only": frozenset({ATTRIBUTION, SHAREALIKE}),
    "gpl-3.0-or-later": frozenset({ATTRIBUTION, SHAREALIKE}),
    "gpl-3.0": frozenset({ATTRIBUTION, SHAREALIKE}),
}


def traits(license_id: str | None) -> frozenset[str]:
    """Traits of a licence id; ``LicenseRef-`` names are read by convention."""
    if not license_id:
        return frozenset()
    key = license_id.strip().lower()
    if key in _TRAITS:
        return _TRAITS[key]
    found: set[str] = set()
    if key.startswith("licenseref-"):
        found.add(MODEL_TERMS)
    if "-nc" in key or "noncommercial" in key or "non-commercial" in key:
        found.add(NONCOMMERCIAL)
    if "research" in key:
        found.add(RESEARCH_ONLY)
    if "-sa" in key or "sharealike" in key:
        found.add(SHAREALIKE)
    return frozenset(found)
