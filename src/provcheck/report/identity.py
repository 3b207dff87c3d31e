"""The report's identity: the id and digest a signed decision refers to (``PC-...``), over what
the findings rest on and the findings themselves, never times (moved out of ``records``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from provcheck.model import ScanResult


@dataclass(frozen=True, slots=True)
class ReportIdentity:
    """What a decision refers to: the same inputs and findings give the same id and digest."""

    id: str
    """``PC-`` and the digest's first 12 hex digits."""
    digest: str
    """SHA-256 over what the findings rest on and the findings themselves (never times)."""


_IDENTITY_KEYS = (("index", "digest"), ("index", "signature"), ("policy", "digest"), ("policy", "name"))

DIGEST_COVERS = (
    "SHA-256 over each dataset file's path, SHA-256, records and unreadable records; each dataset "
    "card's or manifest's path and SHA-256; the waivers file's SHA-256; the index digest and "
    "parameters; the policy's name and digest; the declared use; the thresholds; fail-on; the tool "
    "version and its code digest; every finding's id, action and waiver state, in order; and the "
    "counts of records and unreadable inputs. Times, the command line and the decision file are "
    "left out (a decision refers to the report: it carries a digest of its own, over this one and "
    "its file). It is not a checksum of this file: it identifies the scan, and re-running the "
    "command on the same inputs gives the same id and digest"
)
"""What the report's digest covers, said where counsel signs against it: a digest beside the
index's and the policy's, which say their algorithm, read as the checksum of the page signed."""


def _get(plain: Mapping[str, Any], *keys: str) -> object:
    value: object = plain
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def identity(result: ScanResult, findings_digest: str) -> ReportIdentity:
    """The id and digest of ``result``: its inputs (file digests, index and policy digests,
    declared use, thresholds, fail-on), its findings (ids, actions, waiver states) and its
    error count. Re-running the scan on the same inputs gives the same identity, so a signed
    decision can be regenerated with its report; times and the command line are left out."""
    # Digested in its serialized form, so that an identity computed from a run record read
    # back (``RunRecord.from_dict``) is the same.
    run = result.run.to_dict()
    body = {
        "files": [[f.path, f.sha256, f.records, f.errors] for f in result.files],
        "inputs": {"/".join(k): _get(run, *k) for k in _IDENTITY_KEYS},
        "use": _get(run, "use"),
        "match": _get(run, "match"),
        "fail_on": _get(run, "fail_on"),
        "tool": _get(run, "tool", "version"),
        "findings": findings_digest,
        "errors": len(result.errors),
        "records": result.stats.records,
    }
    # What the decision says it rests on, beside the dataset files: a card's body or a waiver's
    # reason edited gave the same id, and a decision made on the one was shown on the other
    # (outside counsel 23). Absent from identities of scans with no card and no waivers file.
    cards = sorted({(d.path, d.sha256) for d in result.declarations if d.sha256})
    if cards:
        body["cards"] = [list(c) for c in cards]
    if result.waivers is not None and result.waivers.sha256:
        body["waivers"] = result.waivers.sha256
    code = _get(run, "tool", "build", "code_sha256")
    if code is not None:  # the code that produced it; absent from records written before
        body["tool_code"] = code
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    return ReportIdentity(id=f"PC-{digest[:12]}", digest=digest)
