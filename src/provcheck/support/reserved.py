"""Domains reserved for examples and tests (RFC 2606, RFC 6761): an approver at ``example.com``
or a ticket at ``jira.corp.test`` names no one who can be shown to exist."""

from __future__ import annotations

import re
import unicodedata

RESERVED_DOMAINS = ("example.com", "example.org", "example.net")
"""Second-level domains reserved for examples (RFC 2606 §3), with their subdomains."""
RESERVED_TLDS = ("example", "test", "invalid", "localhost")
"""Top-level names reserved for examples and tests (RFC 2606 §2, RFC 6761)."""
_DOMAIN = re.compile(r"(?:@|://|\s*[\[(]at[\])]\s*)\s*\[?([\w.-]+)|\sat\s+([\w-]+\.[\w.-]+)", re.IGNORECASE)
"""The host after an address's ``@`` (also written ``@ host``, ``@[host]``, ``(at)``) or a URL's
``://``, or a dotted host after `` at `` (``jane at example.com``, not ``lead at Test``); a host
may hold ``_`` (``legal_team.example.com`` was read as ``legal``, and credited)."""


def reserved_domain(text: str) -> str | None:
    """The first domain in ``text`` (an address's or a URL's) reserved for examples, or None.

    The text is NFKC-normalized first: a full-width ``＠`` or ``．`` reads as ``@`` or ``.``."""
    for groups in _DOMAIN.findall(unicodedata.normalize("NFKC", text)):
        host = "".join(groups).lower().rstrip(".")
        if host.rsplit(".", 1)[-1] in RESERVED_TLDS or any(
            host == d or host.endswith("." + d) for d in RESERVED_DOMAINS
        ):
            return host
    return None


NO_ONE = frozenset({"todo", "tbd", "tba", "n/a", "na", "none", "nobody", "unknown", "fixme", "xxx", "-", "?"})
"""Approvers that name no one (compared in lower case): the baseline's ``TODO`` written by hand as
``todo``, ``TBD`` or ``n/a`` was credited with no flag (adversarial pass 22)."""
