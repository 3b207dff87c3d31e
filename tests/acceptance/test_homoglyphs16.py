"""Homoglyph and combining-mark laundering (adversarial pass, 2026-12-06): through the CLI.

A verbatim copy of an indexed text with its Latin letters swapped, block by block, for the
Cherokee or Armenian letters drawn like them, or with combining marks stacked on every letter
(Zalgo text: U+0300-U+036F, U+0489, enclosing marks), matched nothing before tokenizer version
6: those letters were not folded and the marks cut every word, so the gate passed the copy.
Text in genuine Armenian still matches the Armenian reference, and only it. An index built by
tokenizer 5 is refused with the command that rebuilds it."""

from __future__ import annotations

import json
import random
from pathlib import Path

from helpers import REFERENCE_TEXTS, UNRELATED_TEXT, run_cli, write_jsonl
from provcheck.index import manifest as mf

BLOCK_ALL = """\
name: block every match
rules:
  - id: any-match
    title: Any match
    signal: match
    when: {match.similarity: {gte: 0}}
    action: block
"""

ARMENIAN_TEXT = (
    "Հայաստանը լեռնային երկիր է Հարավային Կովկասում։ Նրա մայրաքաղաքը Երևանն է, որը աշխարհի "
    "ամենահին անընդհատ բնակեցված քաղաքներից մեկն է։ Երկրի ամենաբարձր գագաթը Արագածն է, իսկ "
    "ամենամեծ լիճը Սևանն է, որը գտնվում է ծովի մակերևույթից մոտ երկու հազար մետր բարձրության "
    "վրա։ Հայերենը հնդեվրոպական լեզուների ընտանիքի առանձին ճյուղ է, և նրա այբուբենը ստեղծել է "
    "Մեսրոպ Մաշտոցը հինգերորդ դարի սկզբին։ Ամռանը հովիտներում շոգ է և չոր, իսկ ձմռանը "
    "լեռներում առատ ձյուն է գալիս։"
)
CHEROKEE = {
    "a": "Ꭺ", "b": "Ᏼ", "c": "Ꮯ", "d": "Ꭰ", "e": "Ꭼ", "h": "Ꮋ", "j": "Ꭻ", "k": "Ꮶ",
    "l": "Ꮮ", "m": "Ꮇ", "p": "Ꮲ", "s": "Ꮪ", "t": "Ꭲ", "w": "Ꮃ",
}  # fmt: skip
ARMENIAN = {"n": "ո", "g": "ց", "h": "հ", "u": "ս", "o": "օ"}
MARKS = [*map(chr, range(0x0300, 0x0370)), "\u0489", "\u20dd", "\u20de", "\u20df", "\u20e0", "\u20e2"]


def cherokee(text: str) -> str:
    return "".join(CHEROKEE.get(c.lower(), c) for c in text)


def armenian(text: str) -> str:
    return "".join(ARMENIAN.get(c.lower(), c) for c in text)


def zalgo(text: str) -> str:
    rng = random.Random(16)
    return "".join(c + "".join(rng.choices(MARKS, k=rng.randint(2, 8))) if c.isalpha() else c for c in text)


def blocks(text: str) -> str:
    """The text's sentences laundered in turn: Cherokee, Armenian, Zalgo."""
    sentences = text.split(". ")
    kinds = (cherokee, armenian, zalgo)
    return ". ".join(kinds[i % 3](s) for i, s in enumerate(sentences))


def index_of(tmp_path: Path) -> Path:
    refs = [{"id": f"r{i}", "text": t} for i, t in enumerate(REFERENCE_TEXTS)]
    refs += [{"id": "unrelated", "text": UNRELATED_TEXT}, {"id": "hy", "text": ARMENIAN_TEXT}]
    index = tmp_path / "index"
    path = write_jsonl(tmp_path / "refs.jsonl", refs)
    run_cli(["index", "add", index, path, "--source", "gpt", "--provider", "openai", "-q"])
    return index


def scan(tmp_path: Path, index: Path, records: list[dict[str, str]], code: int) -> dict:
    data = write_jsonl(tmp_path / "data.jsonl", records)
    policy = tmp_path / "policy.yaml"
    policy.write_text(BLOCK_ALL)
    out = tmp_path / "r.json"
    run_cli(["scan", "-i", index, data, "-p", policy, "-f", "json", "-o", out, "--no-cache"], code=code)
    return json.loads(out.read_text())


def test_cherokee_armenian_and_zalgo_copies_block(tmp_path: Path) -> None:
    index = index_of(tmp_path)
    source = REFERENCE_TEXTS[1]
    copies = {
        "cherokee": cherokee(source),
        "armenian": armenian(source),
        "zalgo": zalgo(source),
        "blocks": blocks(source),
    }
    for copy in copies.values():
        assert copy != source
    doc = scan(tmp_path, index, [{"id": k, "text": v} for k, v in copies.items()], 1)
    found = {(m["record"]["id"], m["reference"]["id"]) for m in doc["matches"]}
    assert found == {(k, "r1") for k in copies}, found
    assert {f["action"] for f in doc["findings"]} == {"block"}
    assert all(m["strength"]["can_block"] for m in doc["matches"])
    # The evidence quotes the copy as it is, not folded.
    quoted = {m["record"]["id"]: m["spans"][0]["candidate"]["text"] for m in doc["matches"]}
    assert "Ꭺ" in quoted["cherokee"] or "Ꮪ" in quoted["cherokee"]


def test_genuine_armenian_text_matches_itself_only(tmp_path: Path) -> None:
    index = index_of(tmp_path)
    records = [{"id": "hy", "text": ARMENIAN_TEXT}, {"id": "en", "text": REFERENCE_TEXTS[0]}]
    doc = scan(tmp_path, index, records, 1)
    found = sorted((m["record"]["id"], m["reference"]["id"]) for m in doc["matches"])
    assert found == [("en", "r0"), ("hy", "hy")], found


def test_an_index_of_tokenizer_5_is_refused_with_the_command_that_rebuilds_it(tmp_path: Path) -> None:
    index = index_of(tmp_path)
    manifest = index / "manifest.json"
    body = json.loads(manifest.read_text())
    del body["checksum"]
    body["fingerprint"]["tokenizer"] = 5  # what provcheck wrote before 2026-12-06
    body["checksum"] = mf._checksum(body)
    manifest.write_text(json.dumps(body))
    data = write_jsonl(tmp_path / "data.jsonl", [{"text": REFERENCE_TEXTS[0]}])
    result = run_cli(["scan", "-i", index, data, "-f", "json", "-o", tmp_path / "r.json"], code=5)
    assert "built with tokenizer version 5" in result.stderr and "rebuild the index" in result.stderr
    assert not (tmp_path / "r.json").exists()
