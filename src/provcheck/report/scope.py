"""What every report says it covered, in the same words: the declared use (each part with
where it came from) and the files not scanned (``summary_lines``).

Apart from ``report.overview`` (which re-exports these) so that the pre-commit hook, which
prints these lines and nothing else of the overview, does not build the overview's classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from provcheck.model import Absent, RunRecord, ScanResult

if TYPE_CHECKING:  # the hook's reports never build a merge's facts: not imported for them
    from provcheck.model import PartialFacts


def declared_use(run: RunRecord) -> str:
    """The effective declared use in words, each part with where it came from.

    ``train-competing-model (policy), commercial (policy), fine-tune (command line)``: every
    format's summary and the terminal say it the same way (they all call this).
    """
    use = run.use
    origin = run.use_origin or None
    by_purpose: Mapping[str, str] = origin.purpose if origin is not None else {}

    def said(word: str, by: object) -> str:
        return f"{word} ({by})" if by else word

    parts = [said(str(p), by_purpose.get(p)) for p in use.purpose]
    for key, yes, no in (
        ("commercial", "commercial", "non-commercial"),
        ("distributed", "distributed", "internal"),
        ("research_only", "research only", "not research only"),
    ):
        value = getattr(use, key)
        by = getattr(origin, key) if origin is not None else None
        if value is True:
            parts.append(said(yes, by))
        elif value is False:
            parts.append(said(no, by))
    replaced = origin.replaced if origin is not None and origin.replaced else ()
    # Replaced by --use-only: what it dropped is said, so a reader sees the policy's use was set
    # aside, not only what took its place.
    tail = f"; replacing {', '.join(replaced)}" if replaced else ""
    if not parts:
        return f"not declared{tail}"
    if origin is not None:
        return ", ".join(parts) + tail
    by = run.use_declared_by  # a run record from before origins were recorded
    return f"{', '.join(parts)} (declared by the {by})" if by else ", ".join(parts)


def use_line(run: RunRecord) -> str:
    """The summary line every format shows: ``declared use: ...``."""
    return f"declared use: {declared_use(run)}"


def not_scanned_line(result: ScanResult) -> str | None:
    """``3 files not scanned: unsupported type (.zip, .png, LICENSE)``, or None when every file
    found was read. Every format's summary and the terminal show it (they all call this)."""
    items = result.not_scanned
    if not items:
        return None
    groups: dict[str, list[str]] = {}
    for item in items:
        kinds = groups.setdefault(item.reason, [])
        if item.kind not in kinds:
            kinds.append(item.kind)
    shown = 6
    parts = []
    for reason, kinds in groups.items():
        more = f", +{len(kinds) - shown} more" if len(kinds) > shown else ""
        parts.append(f"{reason} ({', '.join(kinds[:shown])}{more})")
    noun = "file" if len(items) == 1 else "files"
    return f"{len(items):,} {noun} not scanned: {'; '.join(parts)}"


def read_by_content_line(result: ScanResult) -> str | None:
    """``read by content: data.jsonlines as JSON Lines``, or None when every file was read by
    its name: a file whose name provcheck does not read was read as its content showed."""
    items = [f"{f.path} as {f.read_as}" for f in result.files if f.read_as is not None]
    if not items:
        return None
    more = f", +{len(items) - 6} more" if len(items) > 6 else ""
    return f"read by content: {', '.join(items[:6])}{more}"


def joined_line(result: ScanResult) -> str | None:
    """``40 stream chunks joined into 2 responses (data.jsonl)``, ``120 short records also read
    as 8 runs (b.jsonl)`` (``scan.runs``), or None when no file held streamed chunks
    (``inputs.streams``) or runs of short records: each response was matched as one record."""
    parts = []
    for attr, said in (
        ("joined", "stream chunks joined into {} response"),
        ("runs", "short records also read as {} run"),
    ):
        joined = [(f.path, j) for f in result.files if (j := getattr(f, attr)) is not None]
        if joined:
            chunks, made = sum(j[0] for _, j in joined), sum(j[1] for _, j in joined)
            names = ", ".join(p for p, _ in joined[:6]) + (
                f", +{len(joined) - 6} more" if len(joined) > 6 else ""
            )
            parts.append(f"{chunks:,} {said.format(f'{made:,}')}{'' if made == 1 else 's'} ({names})")
    return "; ".join(parts) or None


def overrides_line(run: RunRecord) -> str | None:
    """``the policy overrides: openai-no-competing-models of provcheck:openai (block) redefined
    (info) at policy.yaml:4; source share: provider openai (index) set to deepseek at ...``, or
    None when it overrides nothing. A finding shows only the rule and facts in force: without
    this line a pack's ``block`` redefined as ``info`` (or turned off) by the user's file read as
    the pack's own judgement, and a source's provider the policy replaced was not shown."""
    overrides = run.policy.overrides
    if isinstance(overrides, Absent) or not overrides:
        return None
    return f"the policy overrides: {'; '.join(overrides)}"


NO_REFERENCE = (
    "not recorded: the policy's files name no legal reference for their quotes (or the run "
    "record predates recording it)"
)
"""Said where the legal reference is shown and none is recorded."""


REFERENCE_OF = "legal reference of the policy's quotes and legal facts: "


def reference_line(run: RunRecord) -> str | None:
    """``reference_words`` after what it is, for a line of its own."""
    said = reference_words(run)
    return REFERENCE_OF + said if said else None


def reference_short(run: RunRecord) -> str | None:
    """``reference_words`` in a few words, for the facts a decision rests on (which repeat what
    Scope says in full): the file, its digest's first 12 characters and its currency."""
    refs = run.policy.references
    if isinstance(refs, Absent) or not refs:
        return None
    return "; ".join(f"{r.file.split(' ', 1)[0]} (SHA-256 {r.sha256[:12]}…): {r.currency}" for r in refs) + (
        " (in full under Scope)"
    )


def reference_words(run: RunRecord) -> str | None:
    """``legal reference: terms-and-licences.md (…), “Restricted-provenance facts …” (SHA-256 …):
    “Compiled by …”; it states no date of compilation; …``: which reference the policy's quotes
    and legal facts come from, as it describes itself (outside counsel 23: no report identified
    it, or as of when); None when the run records none."""
    refs = run.policy.references
    if isinstance(refs, Absent) or not refs:
        return None
    said = [
        f"{r.file}, \u201c{r.title}\u201d (SHA-256 {r.sha256} of the copy the packs were checked "
        f"against): \u201c{r.compiled}\u201d; {r.currency}"
        for r in refs
    ]
    return "; and ".join(said)


def replaced_line(run: RunRecord) -> str | None:
    """``options replaced configured settings: fail_on: review (.provcheck.yaml:3) replaced by
    --fail-on never``, or None. The configuration is what the team agreed on; an option that
    replaced it for one run (a gate lowered to ``never``, another waivers file) has to be seen
    by whoever relies on the report, not only in the JSON run record."""
    replaced = run.replaced
    if isinstance(replaced, Absent) or not replaced:
        return None
    return f"options replaced configured settings: {'; '.join(replaced)}"


def summary_lines(result: ScanResult) -> list[str]:
    """The lines about what was checked and for which use, shared by every format."""
    lines = (
        reference_line(result.run),
        overrides_line(result.run),
        replaced_line(result.run),
        not_scanned_line(result),
        read_by_content_line(result),
        joined_line(result),
    )
    return [use_line(result.run), *(line for line in lines if line)]


def providers_not_indexed(run: RunRecord) -> str | None:
    """``The index holds no source from: anthropic, xai — …``: providers the policy's rules look
    for in matches that no indexed source is from. A clean report says nothing of them: with
    no reference text, a copy of their output cannot be matched. None when there are none or
    the run record predates recording the providers."""
    policy, index = run.policy.providers, run.index.providers
    if isinstance(policy, Absent) or isinstance(index, Absent):
        return None
    missing = sorted(set(policy) - set(index))
    if not missing:
        return None
    markers = isinstance(run.markers, tuple) and bool(run.markers)
    checked = "declarations and the policy's marker phrases" if markers else "declarations"
    return (
        f"The index holds no source from: {', '.join(missing)} — a copy of their output cannot be "
        f"found by text; only {checked} are checked for them."
    )


RUN_BY_UNRECORDED = "not recorded: the scan was run without --run-by or PROVCHECK_RUN_BY"
"""Said where a report names who ran the scan and the run recorded no one."""


def run_by_text(run: RunRecord) -> str | None:
    """Who ran the scan, as the run recorded it, in words: the name given with ``--run-by`` or
    ``PROVCHECK_RUN_BY`` (and which), or each share's for a merged run whose shares name someone;
    ``None`` when nothing names anyone. Every format says it in these words (counsel 19: the text
    and Markdown reports said neither who ran the scan nor when)."""
    if isinstance(run.run_by, str):
        origin = (
            "the environment variable PROVCHECK_RUN_BY"
            if run.run_by_from == "environment (PROVCHECK_RUN_BY)"
            else "--run-by on the command line"
        )
        return f"{run.run_by} (recorded by provcheck as given with {origin}; not verified)"
    merged = run.merged
    shares = [] if isinstance(merged, Absent) or merged is None else list(merged.partials)
    if any(isinstance(p.run_by, str) for p in shares):
        said = "; ".join(
            f"shard {p.shard}: {p.run_by if isinstance(p.run_by, str) else 'not recorded'}" for p in shares
        )
        return f"{said} (share by share, as given: not one person or job; not verified)"
    return None


def scan_time(run: RunRecord) -> str:
    """When the scan ran: its start, and its end when that differs (``2026-…T10:00:00+00:00 to
    2026-…T13:10:00+00:00``). The HTML's heading gave the end and its decision facts the start,
    two "scanned" times in one report (counsel 19: a merged or long scan showed both)."""
    started = run.started_at or "time not recorded"
    finished = run.finished_at
    said = f"{started} to {finished}" if finished and finished != run.started_at else started
    merged = run.merged
    shares = [] if isinstance(merged, Absent) or merged is None else list(merged.partials)
    if shares:
        # The merged span alone is the first share's start and the last one's end: each share's
        # own run time could not be told (counsel 20).
        said += (
            " (first share's start to last share's end; "
            + "; ".join(f"shard {p.shard}: {_share_time(p)}" for p in shares)
            + ")"
        )
        merged_at = None if isinstance(merged, Absent) or merged is None else merged.merged_at
        if isinstance(merged_at, str):  # when the reports were written (counsel 20)
            said += f"; merged {merged_at} by provcheck merge"
    return said


def _share_time(p: PartialFacts) -> str:
    """One share's start and end as its partial recorded them."""
    start = p.started_at if isinstance(p.started_at, str) else None
    end = p.finished_at if isinstance(p.finished_at, str) else None
    if start is None:
        return "time not recorded"
    return f"{start} to {end}" if end and end != start else start


def scanned_line(run: RunRecord) -> str:
    """When the scan ran and who ran it, in one line: what a reader of the text or Markdown
    report holding no other file needs to say whose scan, of when, they rely on."""
    return f"Scanned {scan_time(run)}; run by {run_by_text(run) or RUN_BY_UNRECORDED}"
