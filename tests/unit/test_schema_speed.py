"""The record-schema walk's faster forms give exactly what the plain Python forms gave."""

from __future__ import annotations

import hashlib
import sys

from provcheck.inputs.schemas import base, content_hash
from provcheck.inputs.schemas.base import RawTurn, _role_kind, role_kind
from provcheck.inputs.schemas.runs import joined
from provcheck.inputs.schemas.walk import HAS_ALNUM, HAS_SPACE, classify, last_key
from provcheck.model import RoleKind


def test_regex_searches_equal_str_predicates_on_every_code_point() -> None:
    # classify() tests "any character is alnum / is space" with one regex search each.
    differ = [
        c
        for c in range(sys.maxunicode + 1)
        if (HAS_ALNUM.search(chr(c)) is not None) != chr(c).isalnum()
        or (HAS_SPACE.search(chr(c)) is not None) != chr(c).isspace()
    ]
    assert differ == []


def test_classify_on_strings_of_every_shape() -> None:
    cases = {
        ("note", "—…!?"): "no-tokens",
        ("note", "\u3000\u2028"): "empty",
        ("id", "abc-123_DEF"): "id",
        ("note", "hello\u00a0world"): None,  # a no-break space makes it spaced: read
        ("source", "https://example.com/x"): "url",
        ("note", "12\u202f345,67 €"): None,  # as before: the narrow space is not in _NUMBER
        ("note", "12.5%"): "number",
    }
    for (key, text), want in cases.items():
        got = classify(key, text)
        assert (got.value if got else None) == want, (key, text)


def _reference_hash(turns: list[RawTurn]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for t in turns:
        digest.update(t.role.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
        digest.update(t.text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def test_content_hash_equals_the_part_by_part_digest() -> None:
    samples = [
        [],
        [RawTurn("user", "a", "")],
        [RawTurn("user", "a", "Straße … 😀"), RawTurn("assistant", "b", "ok")],
        [RawTurn("x\ud800", "a", "lone \udc00 surrogates"), RawTurn("y", "b", "\ud83d")],
        [RawTurn("a", "f", "\x1f\x1e inside"), RawTurn("", "g", "")],
    ]
    for turns in samples:
        assert content_hash(turns) == _reference_hash(turns)


def test_last_key_of_a_top_level_key_equals_the_general_split() -> None:
    # last_key returns a plain key as it is, without the three splits of a path.
    for path in ["text", "", "output", "a.b", "a[2]", "x#key", "a.b[1].c", ".", "[", "#", "k y"]:
        general = path.rsplit(".", 1)[-1].split("[")[0].split("#")[0] or "text"
        assert last_key(path) == general, path


def test_role_kind_remembers_names_within_its_bound() -> None:
    names = ["gpt", " Assistant ", "USER", "thinking", "tool_use", "observation", "weird", ""]
    first = [role_kind(n) for n in names]
    assert [role_kind(n) for n in names] == first == [_role_kind(n) for n in names]
    for i in range(base._MAX_KINDS + 10):  # names come from data: the memo stays bounded
        role_kind(f"role {i}")
    assert len(base._KINDS) <= base._MAX_KINDS
    assert role_kind("role 99999") is RoleKind.TEXT and role_kind("chatgpt") is RoleKind.ASSISTANT


def test_a_single_piece_is_never_joined_and_runs_still_are() -> None:
    one = [("text", RoleKind.TEXT, "sentences[0].text", "short")]
    assert joined(one) == one
    two = [*one, ("text", RoleKind.TEXT, "sentences[1].text", "also short")]
    assert joined(two) == [("text", RoleKind.TEXT, "sentences[0-1].text", "short\nalso short")]
    assert joined([("text", RoleKind.TEXT, "text", "a"), ("text", RoleKind.TEXT, "other", "b")]) == [
        ("text", RoleKind.TEXT, "text", "a"),
        ("text", RoleKind.TEXT, "other", "b"),
    ]
