"""Merging the shares of a run: check that the partials are the N shares of one run (none
missing, none twice, none from another run, none edited), then put together the ``ScanResult``
one scan of everything gives, dataset cards judged over every share's matches.

Kept apart from ``scan.partial`` (what a share is, how it is written and read) so that each
reads as one concept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from provcheck import model
from provcheck.errors import ProvcheckError
from provcheck.model import (
    Finding,
    Match,
    RunRecord,
    ScanResult,
    ScanStats,
    WaiverState,
)
from provcheck.policy import Evaluator, Use, default_policy, load_policy
from provcheck.scan.partial import MergeError, Partial, deal, file_digest, inputs_digest
from provcheck.scan.results import Collector
from provcheck.waivers import Applier, load_waivers

SAME_RUN = (
    ("versions",),
    ("tool", "build", "code_sha256"),  # a build of other code under the same version string
    ("paths",),
    ("use",),
    ("index", "digest"),
    ("index", "signature"),
    ("policy", "digest"),
    ("policy", "name"),
    ("markers",),
    ("match",),
    ("roles",),
    ("schema",),
    ("text_field",),
    ("id_field",),
    ("fail_on",),
    ("waivers_digest",),
    ("shard", "count"),
    ("shard", "inputs"),
)
"""Run-record entries that must be equal in every share of one run (a missing one is None)."""


def _entry(run: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = run
    for k in keys:
        value = value.get(k) if isinstance(value, Mapping) else None
    return value


def check_set(partials: Sequence[Partial]) -> None:
    """The partials are the N shares of one run, each once; else a located error."""
    if not partials:
        raise MergeError("no partial given: name the files written by scan --shard I/N --partial FILE")
    first = partials[0]
    for p in partials[1:]:
        for keys in SAME_RUN:
            if _entry(p.run, keys) != _entry(first.run, keys):
                name, mine, theirs = _difference(".".join(keys), _entry(p.run, keys), _entry(first.run, keys))
                raise MergeError(
                    f"{p.path}: not a share of the same run as {first.path}: {name} differs "
                    f"({_short(mine)} vs {_short(theirs)})",
                    hint="merge only the partials of one scan: same inputs, index, policy, use and options",
                )
    count = first.shard.count
    seen: dict[int, str] = {}
    for p in partials:
        i = p.shard.index
        if i in seen:
            raise MergeError(f"{p.path}: shard {i}/{count} given twice (also {seen[i]})")
        seen[i] = p.path
    missing = [f"{i}/{count}" for i in range(1, count + 1) if i not in seen]
    if missing:
        raise MergeError(
            f"shard {', '.join(missing)} missing: {len(partials)} of {count} partials given",
            hint="scan the missing share with --shard and the same options, then merge all of them",
        )
    for p in partials:
        _check_file_list(p)
        if p.run["shard"]["files"] != first.run["shard"]["files"]:
            raise MergeError(f"{p.path}: its run's file list differs from that of {first.path}")
    for p in partials:
        expected = [f["path"] for f in p.run["shard"]["files"] if f["share"] == p.shard.index]
        listed = set(expected)  # an archive's members (`a.zip!x.jsonl`) come with the archive
        got = [f.path for f in p.files if f.path in listed or f.path.split("!", 1)[0] not in listed]
        if got != expected:
            raise MergeError(
                f"{p.path}: shard {p.shard} read {len(got)} file(s) but its share is {len(expected)}; "
                "the partial is not what its run record says"
            )


def _check_file_list(p: Partial) -> None:
    """The file list a partial's run record holds is the one its digest names, dealt as
    ``deal`` deals it: a list edited to leave a file out (or to move it) is refused."""
    shard = p.run["shard"]
    listed = [(str(f["path"]), int(f["bytes"]), int(f["share"])) for f in shard["files"]]
    if inputs_digest(listed) != shard["inputs"]:
        raise MergeError(f"{p.path}: its run's file list does not match its digest: the partial was edited")
    if [owner for _, _, owner in listed] != deal([size for _, size, _ in listed], p.shard.count):
        raise MergeError(
            f"{p.path}: its run's file list is not dealt as a scan deals it: the partial was edited"
        )


def _difference(name: str, a: Any, b: Any) -> tuple[str, Any, Any]:
    """The first place two values differ, e.g. ``match.min_tokens`` rather than ``match`` and
    two long objects that look alike when shortened."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key) != b.get(key):
                return _difference(f"{name}.{key}", a.get(key), b.get(key))
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _difference(f"{name}[{i}]", x, y)
    return name, a, b


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def merge(
    partials: Sequence[Partial],
    load: Callable[[Partial], Partial] | None = None,
    today: dt.date | None = None,
    command: Sequence[str] | None = None,
) -> ScanResult:
    """One ``ScanResult`` from the shares of a run, as one scan of everything gives it.

    ``load``: reads a partial's body when ``partials`` were read without (``body=False``), so
    that one partial's matches are in memory at a time (the collector spools them to disk).
    ``command``: the merge's own command line, recorded as the run's ``command`` and in
    ``merged.command`` beside each share's (counsel 20: the merge was recorded nowhere)."""
    merged_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    check_set(partials)
    ordered = sorted(partials, key=lambda p: p.shard.index)
    replay = _Replay()
    collector = Collector(replay)  # type: ignore[arg-type]  # replays stored findings
    declarations = [d for p in ordered for d in p.declarations]
    applier = _applier(ordered[0], today or dt.datetime.now(dt.timezone.utc).date())
    cards = _Cards(ordered[0], applier) if declarations else None
    for head in ordered:
        p = load(head) if load is not None else head
        # Waivers are applied again as of the merge, to every share alike: a share scanned
        # before a waiver expired kept its finding waived, and the merge passed (exit 0) what
        # one scan of everything on the day of the merge blocks.
        replay.findings = [applier(_unwaived(f)) for f in p.findings] if applier else list(p.findings)
        collector.add(p.matches, ())
        if cards is not None:
            cards.evaluator.matches(p.matches)  # what the cards' rules compare with
    replay.findings = cards.findings(declarations) if cards is not None else []
    collector.declarations(())
    collected = collector.finish()
    order = {f["path"]: i for i, f in enumerate(ordered[0].run["shard"]["files"])}
    files = tuple(sorted((f for p in ordered for f in p.files), key=lambda f: order.get(f.path, len(order))))
    errors = sorted(
        (e for p in ordered for e in p.errors),
        key=lambda e: (e.path, -1 if e.index is None else e.index, e.line or 0),
    )
    seconds = max(p.stats.seconds for p in ordered)
    stats = ScanStats(
        files=sum(p.stats.files for p in ordered),
        records=sum(p.stats.records for p in ordered),
        turns=sum(p.stats.turns for p in ordered),
        matches=len(collected.matches),
        findings=len(collected.findings),
        errors=len(errors),
        seconds=seconds,
    )
    return ScanResult(
        matches=collected.matches,
        findings=collected.findings,
        errors=tuple(errors),
        files=files,
        stats=stats,
        run=_merged_run(ordered, tuple(command) if command is not None else None, merged_at),
        waivers=applier.report() if applier is not None else None,
        markers=sum(p.markers for p in ordered),
        declarations=tuple(d for p in ordered for d in p.declarations),
        counts=collected.counts,
        unruled=collected.unruled,
        not_scanned=tuple(n for p in ordered for n in p.not_scanned),
    )


class _Cards:
    """Evaluates the dataset cards of a run at its merge: their rules compare what a card
    declares with what every share's records matched, which no share saw alone. The policy and
    the waivers file are read again from where the shares read them, and refused if they
    changed since (their digests are in the run record)."""

    def __init__(self, first: Partial, applier: Applier | None) -> None:
        run = first.run
        policy_info: dict[str, Any] = run["policy"] if isinstance(run.get("policy"), dict) else {}
        path = policy_info.get("path")
        try:
            policy = (
                load_policy(path, allow_outside=bool(run.get("allow_include_outside")))
                if path
                else default_policy()
            )
        except ProvcheckError as exc:
            raise MergeError(
                f"{first.path}: the run's policy {path} cannot be read again for its dataset cards: "
                f"{exc.message}",
                hint="run merge where the shards ran (paths in the run record are relative to it)",
            ) from None
        if (policy.digest or None) != policy_info.get("digest"):
            raise MergeError(f"{first.path}: the policy {path} changed since the shards ran (digest differs)")
        u: dict[str, Any] = run["use"] if isinstance(run.get("use"), dict) else {}
        use = Use(
            frozenset(u.get("purpose") or ()),
            u.get("commercial"),
            u.get("distributed"),
            u.get("research_only"),
        )
        self.evaluator = Evaluator(policy, use, dict(first.sources))
        self.applier = applier

    def findings(self, declarations: Sequence[model.Declaration]) -> list[Finding]:
        found = self.evaluator.declarations(declarations)
        return [self.applier(f) for f in found] if self.applier is not None else found


def _applier(first: Partial, today: dt.date) -> Applier | None:
    """The run's waivers file read again (refused if it changed since the shards ran), to be
    applied as of ``today`` to every share's findings."""
    waivers = first.run.get("waivers")
    if not isinstance(waivers, str):
        return None
    if not os.path.isfile(waivers) or file_digest(waivers) != first.run.get("waivers_digest"):
        raise MergeError(
            f"{first.path}: the waivers file {waivers} is missing or changed since the shards ran",
            hint="run merge where the shards ran (paths in the run record are relative to it)",
        )
    return Applier(load_waivers(waivers), today)


def _unwaived(finding: Finding) -> Finding:
    """A finding as the policy gave it, before a share applied its waivers."""
    if finding.waiver_state is WaiverState.NONE:
        return finding
    return dataclasses.replace(finding, waiver=None, waiver_state=WaiverState.NONE)


class _Replay:
    """Stands in for the policy evaluator: gives back the findings a share already made."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def matches(self, matches: Sequence[Match]) -> list[Finding]:
        return self.findings

    def markers(self, markers: Sequence[object]) -> list[Finding]:  # pragma: no cover - never given
        return []

    def declarations(self, declared: object) -> list[Finding]:
        return self.findings


def _merged_run(ordered: Sequence[Partial], command: tuple[str, ...] | None, merged_at: str) -> RunRecord:
    run = dict(ordered[0].run)
    if command is not None:  # the command that wrote these reports; each share's is its partial's
        run["command"] = list(command)
    else:
        run.pop("command", None)
    run.pop("shard", None)
    run.pop("waivers_digest", None)
    run["started_at"] = min(str(p.run.get("started_at")) for p in ordered)
    run["finished_at"] = max(str(p.run.get("finished_at")) for p in ordered)
    run["turns_selected"] = sum(int(p.run.get("turns_selected") or 0) for p in ordered)
    below = [p.run["below_threshold"] for p in ordered if isinstance(p.run.get("below_threshold"), dict)]
    if below:  # every share ran at the same min_probability (``check_set``): counts add up
        run["below_threshold"] = {
            **below[0],
            "matches": sum(int(b.get("matches") or 0) for b in below),
            "records": sum(int(b.get("records") or 0) for b in below),
        }
    routes = [p.run["trigram_route"] for p in ordered if isinstance(p.run.get("trigram_route"), dict)]
    if routes:  # the work of every share's matching adds up
        counts = ("candidates", "aligned", "kept")
        run["trigram_route"] = {k: sum(int(r.get(k) or 0) for r in routes) for k in counts}
    roles = sorted({str(r) for p in ordered for r in p.run.get("roles_seen") or []})
    run["roles_seen"] = roles[:50]
    # Who ran it is the first share's only when every share says the same: shares run by two
    # jobs or people are said share by share (``merged.partials``), never as the first one's.
    if len({(p.run.get("run_by"), p.run.get("run_by_from")) for p in ordered}) > 1:
        run.pop("run_by", None)
        run.pop("run_by_from", None)
    replaced = [line for p in ordered for line in p.run.get("replaced") or []]
    if replaced:  # every share's, once each: a share's option over the configuration is not lost
        run["replaced"] = list(dict.fromkeys(replaced))
    run["merged"] = {
        "shards": len(ordered),
        "inputs": ordered[0].run["shard"]["inputs"],
        "partials": [
            {
                "path": p.path,
                "shard": str(p.shard),
                "command": p.run.get("command"),
                "seconds": p.stats.seconds,
                **({"run_by": p.run["run_by"]} if isinstance(p.run.get("run_by"), str) else {}),
                "integrity": p.integrity,
                **{k: p.run[k] for k in ("started_at", "finished_at") if isinstance(p.run.get(k), str)},
            }
            for p in ordered
        ],
        **({"command": list(command)} if command is not None else {}),
        "merged_at": merged_at,
    }
    return RunRecord.from_dict(run)


__all__ = ["SAME_RUN", "check_set", "merge"]
