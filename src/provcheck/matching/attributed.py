"""Text two answers share because both reproduce standard text of another author: a licence
notice, the Lorem ipsum placeholder, or one of the most quoted public-domain texts. Pure, no
numpy (``strength`` is reached from the policy layer, whose ``--help`` must stay light).

A file header "Licensed under the Apache License, Version 2.0 ..." or a mock-up's Lorem ipsum
aligns verbatim over 60-90 tokens with any reference that holds it, and was a blocking copy of
that reference. Such text shows that both reproduce the same standard text, not that one copied
the other: ``strength.judge`` sets it aside like text common to many sources
(``convergence.residual``), and what is left must still verify.

Quotations are not set aside: 2.4% of the 170,623 AlpacaEval outputs are at least half inside
quotation marks, most of them the model's own text presented in quotes (a slogan, a pitch, a
resume line); setting quoted text aside would have let copies of them pass. Only a short list
of famous public-domain texts (``PUBLIC_DOMAIN``: the Gettysburg Address, Sonnet 18, ...) is set
aside by name: two independent answers quoting one of them blocked as copies of a reference
that quotes it. Any other text of known independent authorship is convergence by the
common-passage test or when indexed as a background source (``index add --background``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

NOTICES = (
    # Apache-2.0, the header its appendix asks files to carry.
    'Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file '
    "except in compliance with the License. You may obtain a copy of the License at "
    "http://www.apache.org/licenses/LICENSE-2.0 Unless required by applicable law or agreed to in "
    'writing, software distributed under the License is distributed on an "AS IS" BASIS, WITHOUT '
    "WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the License for the "
    "specific language governing permissions and limitations under the License.",
    # MIT.
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software "
    'and associated documentation files (the "Software"), to deal in the Software without '
    "restriction, including without limitation the rights to use, copy, modify, merge, publish, "
    "distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the "
    "Software is furnished to do so, subject to the following conditions: The above copyright "
    "notice and this permission notice shall be included in all copies or substantial portions of "
    'the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR '
    "IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A "
    "PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE "
    "LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR "
    "OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER "
    "DEALINGS IN THE SOFTWARE.",
    # GPL-3.0 and GPL-2.0 file headers.
    "This program is free software: you can redistribute it and/or modify it under the terms of "
    "the GNU General Public License as published by the Free Software Foundation, either version 3 "
    "of the License, or (at your option) any later version. This program is distributed in the "
    "hope that it will be useful, but WITHOUT ANY WARRANTY; without even the implied warranty of "
    "MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE. See the GNU General Public License for "
    "more details. You should have received a copy of the GNU General Public License along with "
    "this program. If not, see <https://www.gnu.org/licenses/>.",
    "This program is free software; you can redistribute it and/or modify it under the terms of "
    "the GNU General Public License as published by the Free Software Foundation; either version 2 "
    "of the License, or (at your option) any later version. You should have received a copy of the "
    "GNU General Public License along with this program; if not, write to the Free Software "
    "Foundation, Inc., 51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA.",
    # BSD-2/3-Clause.
    "Redistribution and use in source and binary forms, with or without modification, are "
    "permitted provided that the following conditions are met: 1. Redistributions of source code "
    "must retain the above copyright notice, this list of conditions and the following disclaimer. "
    "2. Redistributions in binary form must reproduce the above copyright notice, this list of "
    "conditions and the following disclaimer in the documentation and/or other materials provided "
    "with the distribution. 3. Neither the name of the copyright holder nor the names of its "
    "contributors may be used to endorse or promote products derived from this software without "
    "specific prior written permission. THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND "
    'CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE '
    "IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN "
    "NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, "
    "INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, "
    "PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS "
    "INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT "
    "LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF "
    "THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.",
)
"""Standard notices that files carry verbatim (their wording is the licences' own)."""
PLACEHOLDERS = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco "
    "laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in "
    "voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat "
    "non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.",
)
"""Placeholder text every mock-up and template carries."""
PUBLIC_DOMAIN = (
    # Lincoln, the Gettysburg Address (1863), Bliss copy.
    "Four score and seven years ago our fathers brought forth on this continent, a new nation, "
    "conceived in Liberty, and dedicated to the proposition that all men are created equal. Now we "
    "are engaged in a great civil war, testing whether that nation, or any nation so conceived and "
    "so dedicated, can long endure. We are met on a great battle-field of that war. We have come to "
    "dedicate a portion of that field, as a final resting place for those who here gave their lives "
    "that that nation might live. It is altogether fitting and proper that we should do this. But, "
    "in a larger sense, we can not dedicate -- we can not consecrate -- we can not hallow -- this "
    "ground. The brave men, living and dead, who struggled here, have consecrated it, far above our "
    "poor power to add or detract. The world will little note, nor long remember what we say here, "
    "but it can never forget what they did here. It is for us the living, rather, to be dedicated "
    "here to the unfinished work which they who fought here have thus far so nobly advanced. It is "
    "rather for us to be here dedicated to the great task remaining before us -- that from these "
    "honored dead we take increased devotion to that cause for which they gave the last full measure "
    "of devotion -- that we here highly resolve that these dead shall not have died in vain -- that "
    "this nation, under God, shall have a new birth of freedom -- and that government of the people, "
    "by the people, for the people, shall not perish from the earth.",
    # Shakespeare, Sonnet 18 (1609).
    "Shall I compare thee to a summer's day? Thou art more lovely and more temperate: Rough winds do "
    "shake the darling buds of May, And summer's lease hath all too short a date; Sometime too hot "
    "the eye of heaven shines, And often is his gold complexion dimm'd; And every fair from fair "
    "sometime declines, By chance or nature's changing course untrimm'd; But thy eternal summer "
    "shall not fade, Nor lose possession of that fair thou ow'st; Nor shall Death brag thou "
    "wander'st in his shade, When in eternal lines to time thou grow'st: So long as men can breathe "
    "or eyes can see, So long lives this, and this gives life to thee.",
    # Shakespeare, Hamlet III.1 (1603).
    "To be, or not to be, that is the question: Whether 'tis nobler in the mind to suffer The slings "
    "and arrows of outrageous fortune, Or to take arms against a sea of troubles And by opposing end "
    "them. To die -- to sleep, No more; and by a sleep to say we end The heart-ache and the thousand "
    "natural shocks That flesh is heir to: 'tis a consummation Devoutly to be wish'd. To die, to "
    "sleep; To sleep, perchance to dream -- ay, there's the rub: For in that sleep of death what "
    "dreams may come, When we have shuffled off this mortal coil, Must give us pause.",
    # The United States Declaration of Independence (1776), its opening.
    "When in the Course of human events, it becomes necessary for one people to dissolve the "
    "political bands which have connected them with another, and to assume among the powers of the "
    "earth, the separate and equal station to which the Laws of Nature and of Nature's God entitle "
    "them, a decent respect to the opinions of mankind requires that they should declare the causes "
    "which impel them to the separation. We hold these truths to be self-evident, that all men are "
    "created equal, that they are endowed by their Creator with certain unalienable Rights, that "
    "among these are Life, Liberty and the pursuit of Happiness. That to secure these rights, "
    "Governments are instituted among Men, deriving their just powers from the consent of the "
    "governed.",
    # The Constitution of the United States (1787), its preamble.
    "We the People of the United States, in Order to form a more perfect Union, establish Justice, "
    "insure domestic Tranquility, provide for the common defence, promote the general Welfare, and "
    "secure the Blessings of Liberty to ourselves and our Posterity, do ordain and establish this "
    "Constitution for the United States of America.",
    # Psalm 23 and the Lord's Prayer (Matthew 6:9-13), King James Version (1611).
    "The LORD is my shepherd; I shall not want. He maketh me to lie down in green pastures: he "
    "leadeth me beside the still waters. He restoreth my soul: he leadeth me in the paths of "
    "righteousness for his name's sake. Yea, though I walk through the valley of the shadow of "
    "death, I will fear no evil: for thou art with me; thy rod and thy staff they comfort me. Thou "
    "preparest a table before me in the presence of mine enemies: thou anointest my head with oil; "
    "my cup runneth over. Surely goodness and mercy shall follow me all the days of my life: and I "
    "will dwell in the house of the LORD for ever.",
    "Our Father which art in heaven, Hallowed be thy name. Thy kingdom come. Thy will be done in "
    "earth, as it is in heaven. Give us this day our daily bread. And forgive us our debts, as we "
    "forgive our debtors. And lead us not into temptation, but deliver us from evil: For thine is "
    "the kingdom, and the power, and the glory, for ever. Amen.",
    # Emma Lazarus, The New Colossus (1883), its sestet.
    "Give me your tired, your poor, Your huddled masses yearning to breathe free, The wretched "
    "refuse of your teeming shore. Send these, the homeless, tempest-tost to me, I lift my lamp "
    "beside the golden door!",
    # Robert Frost, The Road Not Taken (1916), its first and last stanzas.
    "Two roads diverged in a yellow wood, And sorry I could not travel both And be one traveler, "
    "long I stood And looked down one as far as I could To where it bent in the undergrowth; "
    "I shall be telling this with a sigh Somewhere ages and ages hence: Two roads diverged in a "
    "wood, and I -- I took the one less traveled by, And that has made all the difference.",
    # Dickens, A Tale of Two Cities (1859), its opening.
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age "
    "of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season "
    "of Light, it was the season of Darkness, it was the spring of hope, it was the winter of "
    "despair, we had everything before us, we had nothing before us.",
    # The Balfour Declaration (1917), its one sentence: a British government statement (Crown
    # copyright long expired) that 58 of the 212 AlpacaEval generators quote verbatim when asked
    # what it is; seven independent answers blocked as copies of a gpt-4 answer quoting it.
    "His Majesty's Government view with favour the establishment in Palestine of a national home "
    "for the Jewish people, and will use their best endeavours to facilitate the achievement of "
    "this object, it being clearly understood that nothing shall be done which may prejudice the "
    "civil and religious rights of existing non-Jewish communities in Palestine, or the rights and "
    "political status enjoyed by Jews in any other country.",
)
"""Famous public-domain texts that answers quote verbatim whoever writes them. A short list
of the most quoted, not a library: index others as a background source
(``index add --background``)."""

NOTICE_RUN = 6
"""Words in a row that must occur in a notice for them to count as the notice's (comment
markers, line breaks and a changed year or name between runs do not matter)."""
_NOTICE_KEYS = ("license", "licence", "warrant", "redistribution", "permission", "lorem", "dolor")
"""Words every notice and placeholder holds: a passage without any of them is not looked up word
by word."""
_PUBLIC_KEYS = (
    "score and seven",
    "summer",
    "not to be",
    "human events",
    "self",
    "the people",
    "shepherd",
    "hallowed",
    "huddled",
    "two roads",
    "best of times",
    "national home",
)
"""A phrase each public-domain text above holds, in the same way."""
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=2)
def _runs(texts: tuple[str, ...]) -> tuple[frozenset[tuple[str, ...]], frozenset[str]]:
    """The runs of ``NOTICE_RUN`` words of ``texts``, and every word they hold."""
    runs: set[tuple[str, ...]] = set()
    for notice in texts:
        words = _WORD.findall(notice.lower())
        runs.update(tuple(words[i : i + NOTICE_RUN]) for i in range(len(words) - NOTICE_RUN + 1))
    return frozenset(runs), frozenset(w for run in runs for w in run)


_ALL_KNOWN = b"\x01" * NOTICE_RUN


def notice_share(text: str, public: bool = False) -> float:
    """Share of the words of ``text`` that lie in a run of ``NOTICE_RUN`` words of a notice or
    placeholder (``public``: of a famous public-domain text)."""
    return _share(text.lower(), public)


def _share(low: str, public: bool) -> float:
    """``notice_share`` of a text given in lower case (``attributed`` lowers it once for both)."""
    if not any(k in low for k in (_PUBLIC_KEYS if public else _NOTICE_KEYS)):
        return 0.0  # the common case, without a lookup per word
    words = _WORD.findall(low)
    if len(words) < NOTICE_RUN:
        return 0.0
    runs, vocabulary = _runs(PUBLIC_DOMAIN if public else (*NOTICES, *PLACEHOLDERS))
    # A run can only start where ``NOTICE_RUN`` words in a row are words of the texts: one set
    # lookup a word finds those places, instead of a tuple built and looked up at every word.
    known = bytes([w in vocabulary for w in words])
    covered = bytearray(len(words))
    i = known.find(_ALL_KNOWN)
    while i >= 0:
        if tuple(words[i : i + NOTICE_RUN]) in runs:
            covered[i : i + NOTICE_RUN] = _ALL_KNOWN
        i = known.find(_ALL_KNOWN, i + 1)
    return covered.count(1) / len(words)


def attributed(candidate: str, ranges: Sequence[tuple[int, int]]) -> tuple[str | None, float]:
    """``("boilerplate", share)`` when the aligned ``ranges`` of ``candidate`` hold standard
    boilerplate (its share of their words), ``("public-domain", share)`` when they hold more of a
    famous public-domain text, else ``(None, 0.0)``."""
    return _attributed(" ".join(candidate[a:b] for a, b in ranges).lower())


@lru_cache(maxsize=2048)
def _attributed(low: str) -> tuple[str | None, float]:
    """``attributed`` of the aligned text, lower-cased; the last answers kept: a turn matching
    several texts of one answer shares the same passage with each (a third of the calls on
    issue 17's workload were asked before)."""
    share, public = _share(low, False), _share(low, True)
    if public > share:
        return "public-domain", public
    return ("boilerplate", share) if share > 0.0 else (None, 0.0)


def span_shares(candidate: str, ranges: Sequence[tuple[int, int]], kind: str) -> tuple[float, ...]:
    """Per range of ``candidate``, the share of its words that are text of ``kind``
    (``boilerplate`` or ``public-domain``, as ``attributed`` found): where that text lies, so
    that it is set aside from its own span (``convergence.residual``)."""
    public = kind == "public-domain"
    return tuple(notice_share(candidate[a:b], public=public) for a, b in ranges)
