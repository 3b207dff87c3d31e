"""``notice_share`` looks runs up only where every word is a notice's word: the same figure as
looking every run of ``NOTICE_RUN`` words up (a transcription of the definition)."""

from __future__ import annotations

import random

from provcheck.matching import attributed as a

PROSE = (
    "The license of this project is permissive, and you may use the code in your own work if "
    "the notice is kept. Self-evident truths aside, summer is the best of times to read."
)


def _definition(text: str, public: bool) -> float:
    low = text.lower()
    if not any(k in low for k in (a._PUBLIC_KEYS if public else a._NOTICE_KEYS)):
        return 0.0
    words = a._WORD.findall(low)
    if len(words) < a.NOTICE_RUN:
        return 0.0
    runs = a._runs(a.PUBLIC_DOMAIN if public else (*a.NOTICES, *a.PLACEHOLDERS))[0]
    covered = [0] * len(words)
    for i in range(len(words) - a.NOTICE_RUN + 1):
        if tuple(words[i : i + a.NOTICE_RUN]) in runs:
            covered[i : i + a.NOTICE_RUN] = [1] * a.NOTICE_RUN
    return sum(covered) / len(words)


def test_notice_share_is_the_word_run_definition() -> None:
    rng = random.Random(17)
    pool = [*a.NOTICES, *a.PLACEHOLDERS, *a.PUBLIC_DOMAIN]
    texts = [PROSE, *pool, ""]
    for _ in range(300):
        words = rng.choice(pool).split()
        start = rng.randrange(len(words))
        piece = words[start : start + rng.randrange(2, 30)]
        if rng.random() < 0.3 and len(piece) > 3:  # a run broken by a changed word
            piece[rng.randrange(len(piece))] = "zebra"
        prose = PROSE.split()
        at = rng.randrange(len(prose) + 1)
        texts.append(" ".join(prose[:at] + piece + prose[at:]))
    found = 0
    for text in texts:
        for public in (False, True):
            assert a.notice_share(text, public) == _definition(text, public), (text, public)
            found += a.notice_share(text, public) > 0
    assert found > 100  # the texts do hold runs of notices and public-domain texts
    ranges = [(0, len(texts[5]) // 2), (len(texts[5]) // 2 + 1, len(texts[5]))]
    kind, share = a.attributed(texts[5], ranges)
    passage = " ".join(texts[5][x:y] for x, y in ranges)
    assert share == max(_definition(passage, False), _definition(passage, True)) > 0 and kind


def test_a_passage_asked_again_is_answered_from_the_memo() -> None:
    a._attributed.cache_clear()
    texts = [PROSE, *a.NOTICES[:3], *a.PUBLIC_DOMAIN[:2]]
    first = [a.attributed(t, [(0, len(t))]) for t in texts]
    assert {k for k, _ in first} >= {None, "boilerplate", "public-domain"}
    again = [a.attributed(" " + t, [(1, len(t) + 1)]) for t in texts]  # the same passage, elsewhere
    assert again == first and a._attributed.cache_info().hits == len(texts)
    assert [a._attributed.__wrapped__(t.lower()) for t in texts] == first
