"""Hosts at which no one can be shown to exist: an approver at ``example.com``, a ticket at
``jira.corp.test`` or at ``https://192.0.2.10/LEGAL-1`` names no one anyone else can reach.

- domains reserved for examples and tests (RFC 2606, RFC 6761), and their lookalikes: a name
  whose ``xn--`` labels (IDNA, decoded with the standard ``idna`` codec) or non-ASCII letters
  fold to a reserved name (``exаmple.com`` with a Cyrillic ``а``, ``xn--exmple-4nf.com``);
  the folding (NFKC, case, Unicode's confusables) is the tokenizer's, passed in by the caller
  (``waiver_doubts``: this module stands below ``matching``);
- IP addresses (parsed by ``ipaddress``, never by hand) in the ranges reserved for
  documentation (RFC 5737, RFC 3849), and any address that is not globally reachable:
  loopback, private (RFC 1918, RFC 4193), link-local, shared, unspecified, reserved; an
  IPv4-mapped IPv6 address is judged as its IPv4 address, and a URL's host written as one
  integer (``http://3221225985/``, which browsers read as 192.0.2.1) as that address.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable

RESERVED_DOMAINS = ("example.com", "example.org", "example.net")
"""Second-level domains reserved for examples (RFC 2606 §3), with their subdomains."""
RESERVED_TLDS = ("example", "test", "invalid", "localhost")
"""Top-level names reserved for examples and tests (RFC 2606 §2, RFC 6761)."""
DOCUMENTATION_NETWORKS = (
    (ipaddress.ip_network("192.0.2.0/24"), "RFC 5737"),
    (ipaddress.ip_network("198.51.100.0/24"), "RFC 5737"),
    (ipaddress.ip_network("203.0.113.0/24"), "RFC 5737"),
    (ipaddress.ip_network("2001:db8::/32"), "RFC 3849"),
)
"""Address ranges reserved for documentation and examples."""
EXAMPLE_DOMAIN = "a domain reserved for examples (RFC 2606/6761)"
_DOMAIN = re.compile(
    r"(?P<via>@|://|\s*[\[(]at[\])]\s*)\s*\[?(?:ipv6:)?(?P<host>[\w.:%-]+)|\sat\s+(?P<dotted>[\w-]+\.[\w.:-]+)",
    re.IGNORECASE,
)
"""The host after an address's ``@`` (also written ``@ host``, ``@[host]``, ``@[IPv6:…]``,
``(at)``) or a URL's ``://`` (``[…]`` around an IPv6 address; a port after ``:``), or a dotted
host after `` at `` (``jane at example.com``, not ``lead at Test``); a host may hold ``_``
(``legal_team.example.com`` was read as ``legal``, and credited)."""


def reserved_domain(text: str) -> str | None:
    """The first host in ``text`` (an address's or a URL's) at which no one can be shown to
    exist (the kinds above, lookalikes left out), or None."""
    found = reserved_host(text)
    return found[0] if found else None


def reserved_host(text: str, fold: Callable[[str], str] | None = None) -> tuple[str, str] | None:
    """``(host, why)`` for the first host in ``text`` at which no one can be shown to exist, or
    None. ``fold`` folds one character as the tokenizer does (``matching.folding.fold_char``):
    with it, lookalikes of reserved names are found too.

    The text is NFKC-normalized first: a full-width ``＠`` or ``．`` reads as ``@`` or ``.``."""
    for m in _DOMAIN.finditer(unicodedata.normalize("NFKC", text)):
        host = (m.group("host") or m.group("dotted") or "").lower()
        url = m.group("via") == "://"
        found = _ip_reason(host, url=url) or _ip_reason(host.rstrip(".:"), url=url)
        if found is not None:
            return found
        name = host.strip(".:")
        name = (name.rsplit(":", 1)[0] if name.count(":") == 1 else name).rstrip(".")
        if not name:
            continue
        why = EXAMPLE_DOMAIN if _reserved_name(name) else _lookalike(name, fold)
        if why is not None:
            return name, why
    return None


def _reserved_name(host: str) -> bool:
    return host.rsplit(".", 1)[-1] in RESERVED_TLDS or any(
        host == d or host.endswith("." + d) for d in RESERVED_DOMAINS
    )


def _lookalike(host: str, fold: Callable[[str], str] | None) -> str | None:
    """Why a name that is not itself reserved is a lookalike of one, or None."""
    if fold is None:
        return None
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except UnicodeError:
                return None  # not a name a resolver would look up
        labels.append(label)
    shown = ".".join(labels)
    if shown.isascii():
        return None
    folded = "".join(fold(c) for c in shown)
    if not _reserved_name(folded):
        return None
    return f"a lookalike of {folded} ({shown!r}), {EXAMPLE_DOMAIN}"


def _ip_reason(host: str, *, url: bool) -> tuple[str, str] | None:
    """``(address, why)`` for an IP address host that names no one anyone else can reach, or
    None (a name, or an address that is globally reachable)."""
    address = _address(host, url=url)
    if address is None:
        return None
    shown = (
        str(address)
        if host.split(":", 1)[0] == str(address) or ":" in str(address)
        else f"{host} ({address})"
    )
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for network, rfc in DOCUMENTATION_NETWORKS:
        if address in network:
            return shown, f"an IP address reserved for documentation ({network}, {rfc})"
    if address.is_unspecified:
        why = "an unspecified IP address (it names no host)"
    elif address.is_loopback:
        why = "a loopback IP address (this machine's own: no one else can open it)"
    elif address.is_link_local:
        why = "a link-local IP address (reachable only on one network segment)"
    elif address.is_private:
        why = "a private IP address (reachable only inside one network)"
    elif not address.is_global:
        why = "an IP address that is not globally reachable"
    else:
        return None
    return shown, why


def _address(host: str, *, url: bool) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    candidates = [host]
    if host.count(":") == 1:  # a port after a name or an IPv4 address
        candidates.append(host.split(":", 1)[0])
    for candidate in candidates:
        try:
            return ipaddress.ip_address(candidate)
        except ValueError:
            pass
        if url and candidate.isdigit() and candidate.isascii() and int(candidate) < 2**32:
            return ipaddress.IPv4Address(int(candidate))
    return None


NO_ONE = frozenset({"todo", "tbd", "tba", "n/a", "na", "none", "nobody", "unknown", "fixme", "xxx", "-", "?"})
"""Approvers that name no one (compared in lower case): the baseline's ``TODO`` written by hand as
``todo``, ``TBD`` or ``n/a`` was credited with no flag (adversarial pass 22)."""
