"""Adversarial pass on three rules of 2026-12-05: background sources (``index add --background``),
grids under the puzzle's request (``strength.GIVENS_SHARE``) and famous public-domain texts set
aside by name (``attributed.PUBLIC_DOMAIN``), played as a user laundering a copy of OpenAI output
through them and as a user surprised by them.

Defects found (the test of each failed before its fix; the other tests guard the other side):

1. A copy of a reference's own words that blocks on its own was only *reviewed* once the
   public-domain quotation (or background text, or licence notice) the reference also holds was
   copied with it: the set-aside text made the match class ``public-domain`` whenever it was half
   the aligned text, even when what is left verifies on its own. Copying more lowered the action.
   Now an attributed class explains a match only when what is left fails verification
   (``strength.judge``).
2. Background text that holds a reference's *whole* text near-verbatim (one near-copy, or several
   small background texts whose union covers it) explains a whole copy of it; the report said only
   that "the text of a background source both texts reproduce is set aside". An independent text
   does not hold a whole reference: the background is then not independent, or the reference is
   not restricted material. That is the user's declaration (the stricter reading does not
   overrule it), but the reason now says so in words counsel reads (``strength.judge``).
3. A policy rule ``when: {source.name: <background source>}`` was accepted and silently never
   fired (background matches are never findings): now refused, exit 3, located
   (``policy/sourcecheck.py``).
4. The text and markdown reports' source tables listed a background source like reference
   material (its 0 records read as "nothing of it found"); they now mark it ``(background)``, as
   the HTML report does.
5. Background texts *less* similar to a candidate than the reference (near-copies of the
   reference with words changed) still counted as other texts and sources holding its passage:
   two of them made a verbatim copy a ``common-passage`` or a ``crowd``, three set it aside as
   text of other sources, and the copy was reviewed, not blocked, against ``BACKGROUND_MARGIN``.
   Background texts no longer count in the document frequency or the foreign sources of an
   anchor (``scan/holders.py``), nor in a crowd (``strength.judge``). Not fixed: texts of a
   background *pack* (withheld) still count in the document frequency.
6. The same as 1 with the quotation copied *apart* from the reference's own words: the set-aside
   share was taken evenly from every aligned span (``convergence.residual``), so the own passage
   fell below the excerpt test and the copy was explained. Text of another author is now set
   aside from the span where it lies (``Signals.attributed_spans``; background text too).
7. ``--min-probability`` left out the background matches that explained a listed reference
   match, whose reason then named evidence the report did not show; they stay listed with it
   (``scan/match.py``).

Checked and found sound (no test here): public-domain lines interleaved between a copy's
sentences or wrapped around it (the reference does not hold them, so they are not aligned); a
background that only partly overlaps a whole copy (the rest still verifies); one background
near-copy of the reference with words changed does not explain a verbatim copy of the reference
(``BACKGROUND_MARGIN``); background roles kept across ``-i a -i b`` (a source with two roles is
refused), in fingerprint packs and through ``scan --shard``/``merge``; the result cache is not
reused when a background source is added; ``index info`` and the HTML report name background
sources; SARIF/CSV/JUnit/markdown never list background matches as findings.

Not fixed (noted): a grid is ``solved`` when 20% of its aligned tokens repeat the request,
whatever the request is: example rows in a "design your own Sudoku" request get a copy of the
model's grid explained, while without them it stays verified (grids never block either way).
Non-finding matches (background ones among them) are counted in the JSON, HTML and terminal
reports only, not in SARIF, CSV, JUnit or markdown. A background holding a *part* of a reference
near-verbatim (not the whole) explains a copy of that part without the sentence of defect 2: a
textbook function is held so by design, and length alone cannot tell it from copied prose.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, write_jsonl
from provcheck.matching.attributed import PUBLIC_DOMAIN

GETTYSBURG = PUBLIC_DOMAIN[0]
POLICY = "include: [provcheck:openai]\nuse: {purpose: train-competing-model, commercial: true}\n"
WHOLE = "\n\n".join(REFERENCE_TEXTS)


def _scan(
    tmp_path: Path,
    refs: dict[str, str],
    data: dict[str, str],
    background: dict[str, str] | None = None,
    fmt: str = "json",
) -> tuple[Path, str]:
    index = tmp_path / "index"
    rows = [{"id": k, "text": v} for k, v in refs.items()]
    run_cli(["index", "add", index, write_jsonl(tmp_path / "refs.jsonl", rows), "--source", "chat", "-q"])
    if background:
        rows = [{"id": k, "text": v} for k, v in background.items()]
        book = write_jsonl(tmp_path / "book.jsonl", rows)
        run_cli(["index", "add", index, book, "--source", "book", "--background", "-q"])
    d = write_jsonl(tmp_path / "d.jsonl", [{"id": k, "text": v} for k, v in data.items()])
    policy, out = tmp_path / "policy.yaml", tmp_path / f"r.{fmt}"
    policy.write_text(POLICY + "sources:\n  chat: {provider: openai}\n", encoding="utf-8")
    run_cli(
        ["scan", d, "-i", index, "-p", policy, "-q", "--no-cache", "-f", fmt, "-o", out, "--fail-on", "never"]
    )
    return index, out.read_text(encoding="utf-8")


def _worst(doc: dict) -> dict[str, str]:
    order = ["info", "warn", "review", "block"]
    worst: dict[str, str] = {}
    for f in doc["findings"]:
        rid = f["record"]["id"]
        if order.index(f["action"]) >= order.index(worst.get(rid, "info")):
            worst[rid] = f["action"]
    return worst


def test_copying_the_quotation_a_reference_holds_with_its_own_words_does_not_lower_the_action(
    tmp_path: Path,
) -> None:
    """The reference's own paragraph copied alone blocks; copied with the Gettysburg Address the
    reference quotes after it, it must still block: what is left once the quotation is set aside
    is the same paragraph, and it verifies."""
    ref = f"{REFERENCE_TEXTS[0]}\n\nLincoln said:\n\n{GETTYSBURG}\n\n{REFERENCE_TEXTS[1]}"
    _, text = _scan(
        tmp_path,
        {"ref": ref},
        {
            "own_only": f"{REFERENCE_TEXTS[0]} {UNRELATED_TEXT}",
            "with_quote": f"{REFERENCE_TEXTS[0]}\n\nLincoln said:\n\n{GETTYSBURG}\n\n{UNRELATED_TEXT}",
        },
    )
    doc = json.loads(text)
    assert _worst(doc) == {"own_only": "block", "with_quote": "block"}, [
        m["strength"]["reason"] for m in doc["matches"]
    ]


def test_a_quotation_copied_apart_from_the_own_words_does_not_explain_them(tmp_path: Path) -> None:
    """The same with the quotation copied apart from the reference's own words (the candidate's
    text between): the quotation's share was set aside evenly from every aligned span, which
    took the own passage (51 tokens) below the excerpt test, and the copy was explained."""
    sonnet = PUBLIC_DOMAIN[1]
    own = " ".join(REFERENCE_TEXTS[1].split(". ")[:3]) + "."
    ref = f"{own}\n\nAs the sonnet has it:\n\n{sonnet}\n\n{REFERENCE_TEXTS[2]}"
    _, text = _scan(
        tmp_path,
        {"ref": ref},
        {"own_only": f"{own} {UNRELATED_TEXT}", "apart": f"{own}\n\n{UNRELATED_TEXT}\n\n{sonnet}"},
    )
    doc = json.loads(text)
    assert _worst(doc) == {"own_only": "block", "apart": "block"}, [
        m["strength"]["reason"] for m in doc["matches"]
    ]


def test_a_quotation_alone_is_still_set_aside(tmp_path: Path) -> None:
    """The other side of defect 1: a candidate sharing only the quotation with the reference
    (what is left does not verify) stays explained as public-domain."""
    ref = f"{REFERENCE_TEXTS[0]}\n\nLincoln said:\n\n{GETTYSBURG}"
    _, text = _scan(tmp_path, {"ref": ref}, {"speech": f"The address, in full:\n\n{GETTYSBURG}"})
    (match,) = json.loads(text)["matches"]
    assert match["strength"]["convergence"] == "public-domain" and match["strength"]["explained"]


def test_background_text_holding_the_whole_reference_is_said_in_the_reason(tmp_path: Path) -> None:
    """Three small background texts, each holding one paragraph of the reference among text of its
    own, together explain a whole verbatim copy of it. That is the user's declaration, but the
    reason must say that background text holds the whole reference near-verbatim."""
    background = {f"b{n}": f"{t} {UNRELATED_TEXT}" for n, t in enumerate(REFERENCE_TEXTS)}
    _, text = _scan(tmp_path, {"ref": WHOLE}, {"copy": WHOLE}, background)
    doc = json.loads(text)
    ref = next(m for m in doc["matches"] if m["reference"]["source"] == "chat")["strength"]
    assert ref["convergence"] == "background" and ref["explained"]
    assert "holds the whole reference near-verbatim" in ref["reason"], ref["reason"]
    assert "not independent" in ref["reason"]


def test_a_background_holding_only_a_textbook_part_is_not_said_to_hold_the_reference(
    tmp_path: Path,
) -> None:
    """The sentence of defect 2 is for a whole reference only: background text explaining a
    passage of a longer reference says nothing of the kind."""
    background = {"b0": f"{REFERENCE_TEXTS[0]} {UNRELATED_TEXT}"}
    _, text = _scan(tmp_path, {"ref": WHOLE}, {"part": f"{REFERENCE_TEXTS[0]}"}, background)
    ref = next(m for m in json.loads(text)["matches"] if m["reference"]["source"] == "chat")
    assert ref["strength"]["convergence"] == "background", ref["strength"]["reason"]
    assert "whole reference" not in ref["strength"]["reason"]


def test_a_policy_rule_naming_a_background_source_is_refused(tmp_path: Path) -> None:
    index, _ = _scan(tmp_path, {"ref": WHOLE}, {"x": UNRELATED_TEXT}, {"b0": REFERENCE_TEXTS[0]})
    data = write_jsonl(tmp_path / "data.jsonl", [{"id": "copy", "text": REFERENCE_TEXTS[1]}])
    policy = tmp_path / "rule.yaml"
    for when in ("{source.name: book}", "{source.name: {in: [chat, BOOK]}}"):
        policy.write_text(
            "name: x\nrules:\n  - id: book-rule\n    title: matches of the book\n    signal: match\n"
            f"    when: {when}\n    action: block\n",
            encoding="utf-8",
        )
        result = run_cli(["scan", data, "-i", index, "-p", policy, "--no-cache", "-q"], code=3)
        assert "book-rule" in result.stderr and "'book' is a background source" in result.stderr
        assert "rule.yaml:" in result.stderr
    # A rule that leaves the background source out is fine.
    policy.write_text(
        "name: x\nrules:\n  - id: not-book\n    title: t\n    signal: match\n"
        "    when: {source.name: {not_in: [book]}}\n    action: block\n",
        encoding="utf-8",
    )
    run_cli(["scan", data, "-i", index, "-p", policy, "--no-cache", "-q"], code=1)


def test_text_and_markdown_source_tables_mark_background_sources(tmp_path: Path) -> None:
    background = {"b0": f"{REFERENCE_TEXTS[0]} {UNRELATED_TEXT}"}
    _, md = _scan(tmp_path / "md", {"ref": WHOLE}, {"copy": WHOLE}, background, fmt="markdown")
    assert "| book (background) |" in md
    assert "| chat |" in md
    _, text = _scan(tmp_path / "txt", {"ref": WHOLE}, {"copy": WHOLE}, background, fmt="text")
    assert "book (background)" in text


def _near(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new)
    return text


def test_background_texts_less_similar_than_the_reference_do_not_lower_a_copy(tmp_path: Path) -> None:
    """Only background text at least as close to the candidate as the reference explains a match
    (``BACKGROUND_MARGIN``). Near-copies of the reference with a few words changed, one per
    background source, are less close to a verbatim copy of it: yet as other texts holding its
    anchors they made the copy a common passage (two of them), a crowd, or set it aside as text
    of three other sources, and the copy was reviewed, not blocked."""
    variants = [
        _near(WHOLE, ("patience", "care"), ("connectionless", "stateless"), ("bankrupt", "broke")),
        _near(WHOLE, ("healthy", "lively"), ("numbered", "counted"), ("nobility", "aristocracy")),
        _near(WHOLE, ("spoonful", "little"), ("datagrams", "packets"), ("record highs", "new highs")),
    ]
    index = tmp_path / "index"
    refs = write_jsonl(tmp_path / "refs.jsonl", [{"id": "ref", "text": WHOLE}])
    run_cli(["index", "add", index, refs, "--source", "chat", "--provider", "openai", "-q"])
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "copy", "text": WHOLE}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    for n, text in enumerate(variants):
        book = write_jsonl(tmp_path / f"b{n}.jsonl", [{"id": f"v{n}", "text": text}])
        run_cli(["index", "add", index, book, "--source", f"book{n}", "--background", "-q"])
        if n == 0:
            continue  # one of them never lowered it
        out = tmp_path / f"r{n}.json"
        run_cli(
            ["scan", data, "-i", index, "-p", policy, "-q", "--no-cache", "-o", out, "--fail-on", "never"]
        )
        doc = json.loads(out.read_text())
        ref = next(m for m in doc["matches"] if m["reference"]["source"] == "chat")["strength"]
        assert ref["can_block"] and not ref["explained"], (n + 1, ref["reason"])
        assert _worst(doc) == {"copy": "block"}


def test_background_matches_that_explain_a_listed_match_stay_listed(tmp_path: Path) -> None:
    """``--min-probability`` leaves out matches below it; a background match that explains a
    listed reference match is the evidence for that explanation and stays listed with it (it was
    left out, and the reason named background text the report no longer showed)."""
    background = {f"b{n}": f"{t} {UNRELATED_TEXT}" for n, t in enumerate(REFERENCE_TEXTS)}
    index, _ = _scan(tmp_path, {"ref": WHOLE}, {"copy": WHOLE}, background)
    data = write_jsonl(tmp_path / "d2.jsonl", [{"id": "copy", "text": WHOLE}])
    policy, out = tmp_path / "policy.yaml", tmp_path / "r2.json"
    args = ["scan", data, "-i", index, "-p", policy, "-q", "--no-cache", "-o", out, "--fail-on", "never"]
    run_cli([*args, "--min-probability", "0.9999"])
    doc = json.loads(out.read_text())
    ref = next(m for m in doc["matches"] if m["reference"]["source"] == "chat")
    assert ref["strength"]["convergence"] == "background"
    listed = sorted(m["reference"]["id"] for m in doc["matches"] if m["reference"]["source"] == "book")
    assert listed == ["b0", "b1", "b2"], [m["strength"]["probability"] for m in doc["matches"]]
