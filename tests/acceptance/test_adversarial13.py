"""Adversarial pass 13: light rewrites of a copy, and settings and inputs of real users, that let
a copy of indexed text through the gate or made it cry wolf. Each test fails on the code before
its fix.

1. FAIL-OPEN A copy written in "small caps" (``ᴀ ʜᴇᴀʟᴛʜʏ ꜱᴏᴜʀᴅᴏᴜɢʜ``, as fancy-text generators
   write it), underlined or struck through letter by letter (``a̲ ̲h̲e̲a̲l̲t̲h̲y̲``, U+0332 or
   U+0336 after every letter), or with a variation selector (U+FE0F) or the grapheme joiner
   inside its words matched nothing (exit 0): small capitals have no case and no compatibility
   form, so NFKC and casefold left them as they are, and a nonspacing mark is not a letter, so
   each cut the word it sat in. Small capitals now read as their Latin letters, and those marks
   fold to nothing (between two words, a variation selector is judged as the zero-width space
   is: ``matching/laundering.py``). Tokenizer version 5: an index built before is refused with
   the command that rebuilds it.
2. FAIL-OPEN A copy with an invisible character after every letter (a zero-width space, word
   joiner, soft hyphen or ZWNJ; and after 1, a variation selector or the grapheme joiner)
   matched nothing (exit 0), where one inside each word was found: with more invisible
   characters than spaces, every one was taken for a space (the rule for a copy whose spaces were
   all replaced), and every letter became a token. Invisible characters whose pieces are a letter
   or two on average sit inside words and fold to nothing (``laundering.unglue``).
3. FAIL-OPEN A copy kept as HTML source with ``&nbsp;`` for its spaces (as rich-text editors and
   web exports write them; every space or every other one), escaped again (``&amp;nbsp;``), or
   with its letters as numeric character references (``&#104;&#101;``) matched nothing (exit
   0): each reference was a word of its own (``nbsp``, ``104``) between every two words. HTML
   tags were blanked, character references were not. They are now read as what they stand for
   (``laundering.unescape_html``): a letter stays a letter, anything else is a separator.
4. FAIL-OPEN ``index add --provider x.ai`` (xAI's domain, and how its name is often written),
   ``X.AI`` or ``X.AI Corp`` was taken as a provider of its own: a verbatim copy of Grok output
   passed a competing-model gate under ``provcheck:default`` (exit 0, "no rule applies"), where
   ``xai.com`` or ``open-ai`` are refused as misspellings. A domain suffix was cut before names
   were compared (``x.ai`` became ``x``); the name with its dots left out is now compared too
   (``policy/sourcecheck.py``), and the scan is refused (exit 5, "did you mean 'xai'").
5. FAIL-OPEN A policy's ``use: {purpose: "train-competing-model, fine-tune"}`` (written as
   ``--use`` takes it), ``"train-competing-model "`` (a trailing space or tab) or
   ``"train-competing-model,commercial"`` declared one purpose of that exact spelling: the
   purpose check read the words stripped and split, the rules compared the raw string, no rule
   for the intended use applied, and a verbatim copy passed (exit 0) while every report named
   the purpose as declared. The words are now read as ``--use`` reads them (split at commas,
   stripped); a flag word given as a purpose (``purpose: non-commercial``) and a purpose that
   declares nothing (``""``, ``[","]``) are refused where they are (exit 3).
6. DROPPED A dataset's own ``provenance.yaml`` declaring ``provider: anthropic`` (or ``xai``,
   ``google`` with a Gemini generator, ``meta`` with a Llama 2/3 generator), a card declaring
   ``license: llama2``, or a declared source the catalogue knows as Claude or Llama 3 output
   (``THUDM/LongAlign-10k``, ``Magpie-Align/Magpie-Pro-300K-Filtered``) gave no finding under a
   competing-model (or, for Llama, any training) use: only the OpenAI pack had a
   ``signal: declaration`` rule, so the same declaration of OpenAI output was a review finding
   and of Claude output nothing. The anthropic, xai, google and meta-llama packs now have one
   each (``review``: a person decides whether the files carry that material).

Checked and found sound (no test here): chat shapes of provider APIs (Anthropic and OpenAI
responses, the Batch API's ``response.body``, the Responses API's ``output[].content[]``,
Gemini ``contents[].parts``, Cohere ``chat_history``, DPO message lists), UTF-16 CSV/TSV/JSONL
with a byte-order mark (one without is a located error), Parquet and Arrow layouts (dictionary,
large, map keys and values, fixed-size lists, unions, nested structs, row groups, Feather with
zstd), fullwidth, circled, mathematical and Cyrillic/Greek letters, tag characters,
bidirectional overrides, hyphenated line ends, list markers renumbered (``1)``, ``a.``,
``iii.``, ``Step 1:``, bullets, HTML ``<ol>``), ``<br>``/``<span>``/``**`` around every word;
waivers with misspelt keys, dates or ids; ``--use`` in any case; ``--roles``/``--text-field``
typos; SARIF URIs of names with spaces, ``#`` and ``%``; Markdown escaping of file names;
outputs onto the policy, an included policy file, the configuration or a dataset file; partials
of other policies, uses, thresholds or ``--fail-on`` merged; a committed symbolic link to data
outside the include globs.

Found and NOT FIXED:

7. CRY-WOLF With an index of one generator's outputs (AlpacaEval ``gpt4``, 805 answers, the
   corpora README's typical use) and the competing-model policy, 9 of 6,439 independent
   answers of 8 other generators (claude-3-opus, claude-instant-1.2, Qwen1.5-72B, Yi-34B,
   llama-2-70b, gemma-7b, Mistral-7B, mistral-medium) block: 5 French translations of the
   article the request gives ("Make the article available in a second language..."), 3 worked
   calculations of the request's own formula (``f(x) = 5x^3 - 2x + 3``, the distance formula:
   0.81-0.95 similarity over 48-51 tokens) and 1 quotation of song lyrics. Answers the request
   determines (a translation of text it holds, the arithmetic of its formula) converge without
   copying; a rule would have to tell them from an edited copy of the same answer, which the
   benchmarks' recall targets cover, and was not attempted in this pass. (Since then, in part:
   such a match under the reference's own request is class ``request``, review, unless it is
   near-verbatim; 5 of the 9 no longer block, the 4 at 0.93-1.0 similarity still do:
   ``tests/acceptance/test_request_determined.py``, docs/matching.md, "Answers the request
   determines".)
8. FAIL-OPEN A copy split over many short turns (an answer logged as 20-word assistant
   messages, as streamed chunks are) matches nothing: every turn is under ``min_tokens`` and
   turns are matched one by one (``matching/segment.py``). Joining consecutive turns of one kind
   needs a turn that spans several (the result cache keys matches by turn index).
9. (noted) ``scan -i INDEX`` in a project whose ``.provcheck.yaml`` names an index replaces it,
   as documented ("command-line options always win"), and no report says the configured index
   was not used; ``-i pack`` meant as an addition (the README's own example pairs ``--index
   pack --index my-index``) silently drops the project's index.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitrepo import BLOCK_POLICY
from helpers import REFERENCE_TEXTS, run_cli, write_jsonl

COPY = REFERENCE_TEXTS[0]


def _blocked(
    tmp_path: Path, index: Path, texts: dict[str, str], expect_block: bool = True
) -> dict[str, float]:
    """Scan one record per text under a policy blocking OpenAI output: the best similarity of
    each record that has a match, every one of them blocked."""
    data = write_jsonl(tmp_path / "data" / "d.jsonl", [{"id": k, "text": v} for k, v in texts.items()])
    policy = tmp_path / "block.yaml"
    policy.write_text(BLOCK_POLICY, encoding="utf-8")
    out = tmp_path / "r.json"
    args = ["scan", data, "-i", index, "-p", policy, "--no-cache", "-q", "-f", "json", "-o", out]
    run_cli(args, code=1 if expect_block else 0)
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    names = list(texts)
    best: dict[str, float] = {}
    for m in doc["matches"]:
        name = names[m["record"]["index"]]
        best[name] = max(best.get(name, 0.0), m["scores"]["similarity"])
    blocked = {names[f["record"]["index"]] for f in doc["findings"] if f["action"] == "block"}
    assert blocked == set(best), (blocked, best)
    return best


_SMALL_CAPS = dict(zip("abcdefghijklmnopqrstuvwxyz", "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡxʏᴢ", strict=True))


def _every_letter(text: str, mark: str) -> str:
    return "".join(c + mark if c.isalpha() else c for c in text)


def test_small_caps_underlined_struck_and_variation_selected_copies_block(
    tmp_path: Path, index_dir: Path
) -> None:
    words = COPY.split(" ")
    texts = {
        "small-caps": "".join(_SMALL_CAPS.get(c.lower(), c) for c in COPY),
        "underlined": _every_letter(COPY, "\u0332"),
        "struck": _every_letter(COPY, "\u0336"),
        "selector-in-words": " ".join(w[:2] + "\ufe0f" + w[2:] for w in words),
        "joiner-in-words": " ".join(w[:3] + "\u034f" + w[3:] for w in words),
        # Still found as before: a variation selector for every space, and an emoji's.
        "selector-for-spaces": "\ufe0f".join(words),
        "emoji": COPY + " \u2764\ufe0f",
        "own": "A short note of our own about tomato plants, with nothing copied in it at all.",
    }
    best = _blocked(tmp_path, index_dir, texts)
    assert set(best) == set(texts) - {"own"}
    assert min(best.values()) > 0.95


@pytest.mark.parametrize("mark", ["\u200b", "\u2060", "\u00ad", "\u200c", "\ufe0f", "\u034f"])
def test_a_copy_with_an_invisible_character_after_every_letter_blocks(
    tmp_path: Path, index_dir: Path, mark: str
) -> None:
    texts = {
        "every-letter": _every_letter(COPY, mark),
        # Still found as before: the same character for every space.
        "every-space": mark.join(COPY.split(" ")),
    }
    best = _blocked(tmp_path, index_dir, texts)
    assert set(best) == set(texts)
    assert min(best.values()) > 0.95


def test_a_copy_with_html_character_references_blocks(tmp_path: Path, index_dir: Path) -> None:
    words = COPY.split(" ")
    texts = {
        "nbsp": "&nbsp;".join(words),
        "every-other-nbsp": "".join(w + ("&nbsp;" if i % 2 else " ") for i, w in enumerate(words)),
        "escaped-twice": "<p>" + "&amp;nbsp;".join(words) + "</p>",
        "numeric": "".join(f"&#{ord(c)};" if c.isalpha() else c for c in COPY),
        "hex": "".join(f"&#x{ord(c):x};" if c in "aeiou" else c for c in COPY),
        # Not references: kept as written.
        "own": "R&D; AT&T; a&b; our own note about tomato plants and nothing copied in it at all.",
    }
    best = _blocked(tmp_path, index_dir, texts)
    assert set(best) == set(texts) - {"own"}
    assert min(best.values()) > 0.95


DEFAULT_COMPETING = "include: [provcheck:default]\nuse: {purpose: train-competing-model, commercial: true}\n"


@pytest.mark.parametrize("provider", ["x.ai", "X.AI", "X.AI Corp"])
def test_a_provider_written_as_its_domain_name_is_refused_not_passed(
    tmp_path: Path, reference_file: Path, provider: str
) -> None:
    idx = tmp_path / "idx"
    run_cli(["index", "add", idx, reference_file, "--source", "grok", "--provider", provider, "-q"])
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(DEFAULT_COMPETING, encoding="utf-8")
    out = run_cli(["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"], code=5)
    assert f"provider {provider!r}" in out.stderr and "did you mean 'xai'" in out.stderr


def test_a_provider_of_its_own_under_a_domain_name_is_still_taken(
    tmp_path: Path, reference_file: Path
) -> None:
    idx = tmp_path / "idx"
    run_cli(["index", "add", idx, reference_file, "--source", "zai", "--provider", "z.ai", "-q"])
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(DEFAULT_COMPETING, encoding="utf-8")
    run_cli(["scan", data, "-i", idx, "-p", policy, "--no-cache", "-q"], code=0)


@pytest.mark.parametrize(
    "purpose",
    ['"train-competing-model, fine-tune"', '"train-competing-model "', '["train-competing-model\\t"]'],
)
def test_a_policy_purpose_written_as_use_takes_it_is_in_force(
    tmp_path: Path, index_dir: Path, purpose: str
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"include: [provcheck:default]\nuse: {{purpose: {purpose}}}\n", encoding="utf-8")
    out = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-f", "json"], code=1)
    assert "train-competing-model" in json.loads(out.stdout)["run"]["use"]["purpose"]


@pytest.mark.parametrize(
    ("purpose", "says"),
    [
        ('"train-competing-model,commercial"', "write it as commercial: true"),
        ("non-commercial", "write it as commercial: false"),
        ('""', "declares no purpose"),
        ('[","]', "declares no purpose"),
    ],
)
def test_a_policy_purpose_that_is_a_flag_or_nothing_is_refused_where_it_is(
    tmp_path: Path, index_dir: Path, purpose: str, says: str
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "c", "text": COPY}])
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"include: [provcheck:default]\nuse: {{purpose: {purpose}}}\n", encoding="utf-8")
    out = run_cli(["scan", data, "-i", index_dir, "-p", policy, "--no-cache", "-q"], code=3)
    assert f"{policy}:2: use.purpose" in out.stderr and says in out.stderr


@pytest.mark.parametrize(
    ("manifest", "rule"),
    [
        ("provider: anthropic\ngenerator: claude-3-opus\n", "anthropic-declared-source"),
        ("provider: xai\n", "xai-declared-source"),
        ("provider: google\ngenerator: gemini-1.5-pro\n", "google-declared-source"),
        ("license: [llama2]\n", "llama-declared-source"),
    ],
)
def test_a_dataset_declaring_output_of_other_providers_is_a_finding(
    tmp_path: Path, index_dir: Path, manifest: str, rule: str
) -> None:
    ds = tmp_path / "ds"
    write_jsonl(ds / "train.jsonl", [{"id": "own", "text": "A short note of our own about tomato plants."}])
    (ds / "provenance.yaml").write_text(manifest, encoding="utf-8")
    policy = tmp_path / "policy.yaml"
    policy.write_text(DEFAULT_COMPETING, encoding="utf-8")
    args = ["scan", ds, "-i", index_dir, "-p", policy, "--no-cache", "-f", "json"]
    doc = json.loads(run_cli([*args, "--fail-on", "review"], code=1).stdout)
    assert [(f["rule"], f["action"]) for f in doc["findings"]] == [(rule, "review")]
