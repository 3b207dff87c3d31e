"""Text two answers share because both reproduce standard boilerplate: a licence notice or the
Lorem ipsum placeholder. Pure, no numpy (``strength`` is reached from the policy layer, whose
``--help`` must stay light).

A file header "Licensed under the Apache License, Version 2.0 ..." or a mock-up's Lorem ipsum
aligns verbatim over 60-90 tokens with any reference that holds it, and was a blocking copy of
that reference. Such text shows that both reproduce the same standard text, not that one copied
the other: ``strength.judge`` sets it aside like text common to many sources
(``convergence.residual``), and what is left must still verify.

Quotations are not set aside: 2.4% of the 170,623 AlpacaEval outputs are at least half inside
quotation marks, most of them the model's own text presented in quotes (a slogan, a pitch, a
resume line); setting quoted text aside would have let copies of them pass. A famous text two
answers quote is convergence only by the common-passage test (other sources holding it).
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

NOTICE_RUN = 6
"""Words in a row that must occur in a notice for them to count as the notice's (comment
markers, line breaks and a changed year or name between runs do not matter)."""
_NOTICE_KEYS = ("license", "licence", "warrant", "redistribution", "permission", "lorem", "dolor")
"""Words every text above holds: a passage without any of them is not looked up word by word."""
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _notice_runs() -> frozenset[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for notice in (*NOTICES, *PLACEHOLDERS):
        words = _WORD.findall(notice.lower())
        runs.update(tuple(words[i : i + NOTICE_RUN]) for i in range(len(words) - NOTICE_RUN + 1))
    return frozenset(runs)


def notice_share(text: str) -> float:
    """Share of the words of ``text`` that lie in a run of ``NOTICE_RUN`` words of a notice or
    placeholder."""
    low = text.lower()
    if not any(k in low for k in _NOTICE_KEYS):
        return 0.0  # the common case, without a lookup per word
    words = _WORD.findall(low)
    if len(words) < NOTICE_RUN:
        return 0.0
    runs = _notice_runs()
    covered = bytearray(len(words))
    for i in range(len(words) - NOTICE_RUN + 1):
        if tuple(words[i : i + NOTICE_RUN]) in runs:
            covered[i : i + NOTICE_RUN] = b"\x01" * NOTICE_RUN
    return sum(covered) / len(words)


def attributed(candidate: str, ranges: Sequence[tuple[int, int]]) -> tuple[str | None, float]:
    """``("boilerplate", share)`` when the aligned ``ranges`` of ``candidate`` hold standard
    boilerplate (its share of their words), else ``(None, 0.0)``."""
    share = notice_share(" ".join(candidate[a:b] for a, b in ranges))
    return ("boilerplate", share) if share > 0.0 else (None, 0.0)
