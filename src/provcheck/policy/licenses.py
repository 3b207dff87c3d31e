"""What licences imply for use: traits of SPDX ids and common ``LicenseRef-`` names.

Traits are facts a rule can test (``source.license_traits: {contains: noncommercial}``), taken
from each licence's definition (``../shared/reference/terms-and-licences.md`` §7).
"""

from __future__ import annotations

import re

NONCOMMERCIAL = "noncommercial"
SHAREALIKE = "sharealike"
NODERIVATIVES = "noderivatives"
ATTRIBUTION = "attribution"
RESEARCH_ONLY = "research-only"
PERMISSIVE = "permissive"
PUBLIC_DOMAIN = "public-domain"
MODEL_TERMS = "model-terms"
"""The material is governed by a model licence or a provider's terms, not a data licence."""
NO_LICENSE = "no-license"
"""Published without a licence: no permission to reuse was given."""
TRAITS = frozenset(
    {
        NONCOMMERCIAL,
        SHAREALIKE,
        NODERIVATIVES,
        ATTRIBUTION,
        RESEARCH_ONLY,
        PERMISSIVE,
        PUBLIC_DOMAIN,
        MODEL_TERMS,
        NO_LICENSE,
    }
)
"""Every trait a licence can have: the words ``license_traits`` tests may name."""

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
    "gpl-2.0-only": frozenset({ATTRIBUTION, SHAREALIKE}),
    "lgpl-2.1-only": frozenset({ATTRIBUTION, SHAREALIKE}),
    "lgpl-3.0-only": frozenset({ATTRIBUTION, SHAREALIKE}),
    "mpl-2.0": frozenset({ATTRIBUTION, SHAREALIKE}),
    "epl-1.0": frozenset({ATTRIBUTION, SHAREALIKE}),
    "bsd-2-clause": frozenset({ATTRIBUTION, PERMISSIVE}),
    "isc": frozenset({ATTRIBUTION, PERMISSIVE}),
    "artistic-2.0": frozenset({ATTRIBUTION, PERMISSIVE}),
    "afl-3.0": frozenset({ATTRIBUTION, PERMISSIVE}),
    "cc-by-2.0": frozenset({ATTRIBUTION, PERMISSIVE}),
    "cc-by-2.5": frozenset({ATTRIBUTION, PERMISSIVE}),
    "cc-by-sa-2.0": frozenset({ATTRIBUTION, SHAREALIKE}),
    "cc-by-nc-2.0": frozenset({ATTRIBUTION, NONCOMMERCIAL}),
    "cc-by-nc-nd-3.0": frozenset({ATTRIBUTION, NONCOMMERCIAL, NODERIVATIVES}),
    "cdla-permissive-1.0": frozenset({ATTRIBUTION, PERMISSIVE}),
    # Hugging Face card tags (lower-case SPDX-like spellings without the version suffix).
    "apache2": frozenset({ATTRIBUTION, PERMISSIVE}),
    "cc-by-nc-4.0-deed": frozenset({ATTRIBUTION, NONCOMMERCIAL}),
    # Licences named by the shipped packs (../shared/reference/terms-and-licences.md §5, §7).
    "licenseref-qwen-research": frozenset({MODEL_TERMS, NONCOMMERCIAL, RESEARCH_ONLY}),
    "licenseref-c4ai-cc-by-nc": frozenset({MODEL_TERMS, ATTRIBUTION, NONCOMMERCIAL}),
    "licenseref-mistral-mrl": frozenset({MODEL_TERMS, RESEARCH_ONLY}),
    "licenseref-mistral-mnpl": frozenset({MODEL_TERMS, NONCOMMERCIAL}),
    "licenseref-academic-research-only": frozenset({RESEARCH_ONLY, NONCOMMERCIAL}),
    # UltraChat's README: MIT, "intended solely for research and educational purposes".
    "licenseref-ultrachat-research-and-education-only": frozenset({RESEARCH_ONLY, NONCOMMERCIAL}),
    # Stanford Alpaca's README: "intended and licensed for research use only" (reference §6).
    "licenseref-alpaca-research-use-only": frozenset({RESEARCH_ONLY, NONCOMMERCIAL}),
    "licenseref-no-license": frozenset({NO_LICENSE}),
    # ShareGPT: "none released; unclear terms" (reference §6, ShareGPT / Vicuna): no licence was
    # given, as the catalogue records for its re-uploads (LicenseRef-No-License). Read as a model
    # licence by the LicenseRef- convention, it met no licence rule and nothing said so (counsel 23).
    "licenseref-sharegpt": frozenset({NO_LICENSE}),
}
DATA_TRAITS = TRAITS - {MODEL_TERMS}
"""Traits a data-licence rule tests (``model-terms`` says only that a model licence or a
provider's terms govern the material, which the provider packs assess)."""
_MODEL_LICENCES = (
    "licenseref-llama",
    "licenseref-gemma",
    "licenseref-deepseek",
    "licenseref-qwen",
    "licenseref-tongyi",
    "licenseref-mistral",
    "licenseref-c4ai",
    "licenseref-openai",
    "licenseref-lmsys",
)
"""``LicenseRef-`` names of the model licences and provider terms the reference names (§7, "Not
in SPDX"), which the provider packs assess by name."""


def license_ids(expression: str | None) -> tuple[str, ...]:
    """The licence ids of an SPDX expression: ``MIT AND (CC-BY-4.0 OR X)`` -> MIT, CC-BY-4.0, X."""
    if not expression:
        return ()
    words = _EXPRESSION.split(expression)
    return tuple(dict.fromkeys(w for w in words if w and w.upper() not in _OPERATORS))


def traits(license_id: str | None) -> frozenset[str]:
    """Traits of a licence id or SPDX expression (every id's traits: the most restrictive
    reading); ``LicenseRef-`` names and Hugging Face licence tags are read by convention."""
    ids = license_ids(license_id)
    if len(ids) > 1:
        return frozenset().union(*(_one(i) for i in ids))
    return _one(ids[0]) if ids else frozenset()


def _one(license_id: str) -> frozenset[str]:
    key = license_id.strip().lower()
    if key in _TRAITS:
        return _TRAITS[key]
    found: set[str] = set()
    if key.startswith("licenseref-") or key in _MODEL_TAGS or key.startswith(("llama", "gemma")):
        found.add(MODEL_TERMS)
    if "-nc" in key or "noncommercial" in key or "non-commercial" in key:
        found.add(NONCOMMERCIAL)
    if "research" in key:
        found.add(RESEARCH_ONLY)
    if "-sa" in key or "sharealike" in key:
        found.add(SHAREALIKE)
    return frozenset(found)


def unassessed(expression: str | None) -> tuple[str, ...]:
    """The licence ids of ``expression`` no licence rule can read: no data-licence trait is
    known for them, and they are not a model licence the reference names (an unknown
    ``LicenseRef-`` name is read as model terms by convention, and every data-licence rule
    passed it silently: ``LicenseRef-ShareGPT``, counsel 23)."""
    out = []
    for i in license_ids(expression):
        key = i.strip().lower()
        if _one(i) & DATA_TRAITS:
            continue
        if key in _TRAITS or key in _MODEL_TAGS or key.startswith(("llama", "gemma", *_MODEL_LICENCES)):
            continue
        out.append(i)
    return tuple(out)


def not_assessed(expression: str | None) -> str | None:
    """``licence not assessed (no traits known for LicenseRef-X)``, or None when every id of
    ``expression`` has a trait a rule can read (or there is no licence)."""
    ids = unassessed(expression)
    return f"licence not assessed (no traits known for {', '.join(ids)})" if ids else None


def legal_code_url(license_id: str) -> str | None:
    """Where Creative Commons publishes the legal code of a CC licence id (``CC-BY-NC-4.0`` ->
    https://creativecommons.org/licenses/by-nc/4.0/legalcode); None for other ids."""
    m = _CC.fullmatch(license_id.strip().lower())
    if m is None:
        return None
    return f"https://creativecommons.org/licenses/{m.group(1)}/{m.group(2)}/legalcode"


_CC = re.compile(r"cc-(by(?:-nc)?(?:-sa|-nd)?)-(\d\.\d)")
_EXPRESSION = re.compile(r"[\s()]+")
_OPERATORS = {"AND", "OR", "WITH"}
_MODEL_TAGS = {"openrail", "openrail++", "bigscience-openrail-m", "creativeml-openrail-m", "deepseek"}
"""Hugging Face licence tags that name model licences rather than data licences."""


def license_problem(expression: str) -> str | None:
    """Why a licence given for indexed material is refused, or None.

    A policy reads a licence through its traits (``noncommercial``, ``research-only``): a value
    no trait can be read from (``MIT-ish``, ``CC BY-NC 4.0`` with spaces, ``other``) was stored
    and shown, and every licence rule silently passed the source. Accepted: an SPDX licence
    expression (checked by ``packaging.licenses``, which carries the SPDX list; ``LicenseRef-``
    names included), and the Hugging Face tags and model-licence names this module reads by
    convention."""
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    key = expression.strip().lower()
    if key in _TRAITS or key in _MODEL_TAGS or key.startswith(("llama", "gemma")):
        return None
    try:
        canonicalize_license_expression(expression)
    except InvalidLicenseExpression:
        pass
    else:
        return None
    dashed = re.sub(r"\s+", "-", key)
    if dashed not in _TRAITS:
        from provcheck.policy.sourcecheck import near_name

        dashed = near_name(key, _TRAITS) or ""
    hint = f" (did you mean {_spdx_spelling(dashed)!r}?)" if dashed else ""
    return (
        f"unknown licence {expression!r}{hint}; give an SPDX licence expression (CC-BY-NC-4.0, MIT, "
        "Apache-2.0 AND CC-BY-4.0), or LicenseRef-<name> for a licence of your own: a policy's "
        f"licence rules (noncommercial, research-only) cannot read {expression!r}"
    )


def _spdx_spelling(key: str) -> str:
    """How SPDX spells a licence id this module keys in lower case."""
    try:
        from packaging.licenses import canonicalize_license_expression

        return canonicalize_license_expression(key)
    except ValueError:
        return key


def misspelt_license(value: str) -> str | None:
    """The licence id a rule's ``source.license`` value misspells (``CC-BY-NC-4`` for
    ``CC-BY-NC-4.0``), as SPDX spells it, or None.

    A rule compares the id as written, and an index refuses unknown ids (``license_problem``):
    a misspelt id in a rule never matched anything, and the rule never fired (adversarial pass
    14). A ``LicenseRef-`` name, an id this module or SPDX knows, and a value near no known id
    (a licence of the policy's own) are taken."""
    key = value.strip().lower()
    if key in _TRAITS or key in _MODEL_TAGS or key.startswith(("licenseref-", "llama", "gemma")):
        return None
    from provcheck.policy.sourcecheck import near_name

    near = near_name(key, _TRAITS)
    if near is None or license_problem(value) is None:
        return None
    return _spdx_spelling(near)
