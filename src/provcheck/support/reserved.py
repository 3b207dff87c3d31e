"""Domains reserved for examples and tests (RFC 2606, RFC 6761): an approver at ``example.com``
or a ticket at ``jira.corp.test`` names no one who can be shown to exist."""

from __future__ import annotations

import re

RESERVED_DOMAINS = ("example.com", "example.org", "example.net")
"""Second-level domains reserved for examples (RFC 2606 §3), with their subdomains."""
RESERVED_TLDS = ("example", "test", "invalid", "localhost")
"""Top-level names reserved for examples and tests (RFC 2606 §2, RFC 6761)."""
_DOMAIN = re.compile(r"(?:@|://)([A-Za-z0-9.-]+)")


def reserved_domain(text: str) -> str | None:
    """The first domain in ``text`` (an address's or a URL's) reserved for examples, or None."""
    for found in _DOMAIN.findall(text):
        host = str(found).lower().rstrip(".")
        if host.rsplit(".", 1)[-1] in RESERVED_TLDS or any(
            host == d or host.endswith("." + d) for d in RESERVED_DOMAINS
        ):
            return host
    return None
