"""Code aligned without the comment lines a copier inserted (``matching/uncommented.py``)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from provcheck.matching.fingerprint import Fingerprinter
from provcheck.matching.params import FingerprintConfig, MatchConfig
from provcheck.matching.uncommented import align_uncommented, with_uncommented
from provcheck.matching.verify import align

C_CODE = """\
#include <stdio.h>
#define LIMIT 100

int sum_of_multiples(int limit) {
    int total = 0;
    for (int value = 1; value < limit; value++) {
        if (value % 3 == 0 || value % 5 == 0) {
            total += value;
        }
    }
    return total;
}

int main(void) {
    printf("%d\\n", sum_of_multiples(LIMIT));
    return 0;
}
"""

NOTE = "// we check this part carefully because the rest of the program depends on its result"


def commented(code: str) -> str:
    out = []
    for n, line in enumerate(code.split("\n"), 1):
        out.append(line)
        if n % 2 == 0 and line.strip() and n > 3:
            out.append(NOTE)
    return "\n".join(out)


def prints(*texts: str) -> list:
    return Fingerprinter(FingerprintConfig(), query=True).of_texts(list(texts))


def test_comment_lines_are_told_from_directives() -> None:
    (plain,) = prints(C_CODE)
    assert plain.comments is None  # ``#include`` and ``#define`` are code, not comments
    (copy,) = prints(commented(C_CODE))
    assert copy.comments is not None and len(copy.comments) >= 5
    # The copy's tokens without its comment lines are the original's: their anchors are its.
    assert copy.bare_anchors is not None and set(copy.bare_anchors.tolist()) <= set(plain.anchors.tolist())
    # Only a query fingerprint has them: an index is the same as before, and a reference's
    # comment lines are never left out (a scan's references are fingerprinted without them).
    (stored,) = Fingerprinter(FingerprintConfig()).of_texts([commented(C_CODE)])
    assert stored.bare_anchors is None and stored.comments is None
    assert stored.renamed == copy.renamed and stored.anchors.tolist() == copy.anchors.tolist()


def test_a_copy_with_comments_inserted_aligns_whole_without_them() -> None:
    copy, ref = prints(commented(C_CODE), C_CODE)
    config = MatchConfig()
    plain = align(copy.codes, ref.codes, config)
    found = align_uncommented(copy, ref.codes, config)
    assert found is not None and found.similarity == 1.0 and found.containment == 1.0
    assert plain is None or max(s.matched for s in plain.spans) < max(s.matched for s in found.spans)
    assert with_uncommented(plain, copy, ref.codes, config) == found
    # Spans are in the copy's plain token positions: the inserted comments lie inside them.
    assert found.spans[0].cand_end - found.spans[0].cand_start > len(ref.codes)


def test_comments_the_reference_holds_stay_and_other_code_does_not_align() -> None:
    copy, ref = prints(commented(C_CODE), commented(C_CODE))
    assert align_uncommented(copy, ref.codes, MatchConfig()) is None  # nothing inserted
    other = C_CODE.replace("value % 3 == 0 || value % 5 == 0", "value % 7 == 0").replace("total", "acc")
    cand, ref2 = prints(commented(other), C_CODE)
    assert align_uncommented(cand, ref2.codes, MatchConfig()) is None


def test_the_codes_aligned_are_the_candidates_less_the_comments_removed(monkeypatch) -> None:
    # Joined run by run between removed comments: the same string as one code per kept token.
    import numpy as np

    import provcheck.matching.uncommented as uncommented

    seen: list[str] = []
    monkeypatch.setattr(uncommented, "align", lambda codes, *rest: seen.append(codes))
    copy, ref = prints(commented(C_CODE), C_CODE)
    assert align_uncommented(copy, ref.codes, MatchConfig()) is None  # the stub aligns nothing
    assert copy.comments is not None
    keep = np.ones(len(copy.codes), dtype=bool)
    for a, b in copy.comments.tolist():
        keep[a:b] = False
    assert 0 < keep.sum() < len(keep)
    assert seen == ["".join(copy.codes[p] for p in np.flatnonzero(keep).tolist())]


def test_a_candidate_too_short_to_cover_the_reference_is_not_aligned(monkeypatch) -> None:
    # Aligned tokens are kept candidate tokens: under ``min_coverage`` of the reference's
    # tokens, the containment test rejects whatever the alignment finds, so it is not run.
    import provcheck.matching.uncommented as uncommented

    config = MatchConfig()
    more = C_CODE.replace("sum_of_multiples", "product_of_odds").replace("total", "acc")
    copy, ref = prints(commented(C_CODE), "\n".join([C_CODE, more, more.replace("acc", "prod")]))
    assert copy.comments is not None
    keep = [True] * len(copy.codes)
    for a, b in copy.comments.tolist():
        keep[a:b] = [False] * (b - a)
    kept = "".join(c for c, k in zip(copy.codes, keep, strict=True) if k)
    assert len(kept) / len(ref.codes) < config.min_coverage
    # What the alignment would have found fails the test (the skip changes no verdict)...
    found = align(kept, ref.codes, uncommented._floors(config))
    assert found is None or found.containment < config.min_coverage
    # ...and it is not run.
    calls: list[str] = []
    monkeypatch.setattr(uncommented, "align", lambda codes, *rest: calls.append(codes))
    assert align_uncommented(copy, ref.codes, config) is None
    assert calls == []


def _numpy_uncommented(cand, ref_codes: str, config: MatchConfig):  # type: ignore[no-untyped-def]
    """``align_uncommented`` as it was until 2026-12-06 (a boolean array and its edges per pair)."""
    import numpy as np

    from provcheck.matching.uncommented import RENAMED_MIN_TOKENS, _floors

    codes = cand.codes
    if cand.comments is None or not ref_codes or len(codes) / len(ref_codes) < config.min_coverage:
        return None
    keep = np.ones(len(codes), dtype=bool)
    for a, b in cand.comments.tolist():
        if codes[a:b] not in ref_codes:
            keep[a:b] = False
    if keep.all():
        return None
    c_at = np.flatnonzero(keep)
    if min(len(c_at), len(ref_codes)) < max(config.min_tokens, RENAMED_MIN_TOKENS):
        return None
    if len(c_at) / len(ref_codes) < config.min_coverage:
        return None
    edges = np.flatnonzero(np.diff(keep.view(np.int8), prepend=0, append=0)).tolist()
    kept = "".join(codes[a:b] for a, b in zip(edges[0::2], edges[1::2], strict=True))
    found = align(kept, ref_codes, _floors(config))
    if found is None or found.containment < config.min_coverage:
        return None
    return tuple((int(c_at[s.cand_start]), int(c_at[s.cand_end - 1]) + 1) for s in found.spans), found


@given(
    keep=st.lists(st.booleans(), min_size=1, max_size=12),
    noise=st.lists(st.integers(0, 9), min_size=0, max_size=12),
    drop=st.integers(0, 30),
)
@settings(max_examples=150, deadline=None)
def test_leaving_comments_out_by_ranges_is_what_the_arrays_gave(
    keep: list[bool], noise: list[int], drop: int
) -> None:
    # Each line of the code, commented or not, the reference holding some of the comments.
    lines = C_CODE.split("\n")
    out, ref = [], []
    for n, line in enumerate(lines):
        out.append(line)
        ref.append(line)
        if n > 2 and line.strip():
            note = f"// step {n} " + " ".join(
                f"w{noise[k % len(noise)] if noise else k}x{n}" for k in range(n % 7 + 2)
            )
            out.append(note)
            if keep[n % len(keep)]:
                ref.append(note)
    (copy,) = prints("\n".join(out))
    (original,) = prints("\n".join(ref[: max(len(ref) - drop, 1)]))
    config = MatchConfig()
    found = align_uncommented(copy, original.codes, config)
    expected = _numpy_uncommented(copy, original.codes, config)
    if expected is None:
        assert found is None
    else:
        spans, whole = expected
        assert found is not None
        assert tuple((s.cand_start, s.cand_end) for s in found.spans) == spans
        assert found.similarity == whole.similarity and found.containment == whole.containment
