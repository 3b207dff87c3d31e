"""Hard negatives for ``heldout.py`` that the shared corpora do not hold, written for it:
templates filled differently, licence boilerplate, textbook code written from scratch,
famous (public-domain) quotations and recipe ingredient lists.

Each builder returns texts; ``heldout.py`` indexes one seeded set of some kinds (as model
outputs that hold the shared part) and scans another, so every match it lists is false: what
the two sides share is a template, a licence, a quotation or an ingredient list, never one
side's own writing. Filler prose (independent answers of non-indexed generators) is passed in
by the caller, drawn from the corpora at run time.
"""

from __future__ import annotations

import random
import textwrap

_NAMES = (
    "Alex Morgan",
    "Priya Natarajan",
    "Tomás Rivera",
    "Mei Chen",
    "Jordan Blake",
    "Fatima Idris",
    "Lukas Weber",
    "Aiko Tanaka",
    "Sam Okafor",
    "Elena Petrova",
)
_COMPANIES = (
    "Northwind Labs",
    "Bluefin Analytics",
    "Cedar & Pine",
    "Orbital Foods",
    "Helix Health",
    "Quarry Software",
    "Lumen Energy",
    "Brightpath Learning",
    "Atlas Logistics",
    "Marigold Media",
)
_ROLES = (
    "Data Analyst",
    "Backend Engineer",
    "Product Designer",
    "Marketing Coordinator",
    "Project Manager",
    "Research Assistant",
    "Customer Success Lead",
    "DevOps Engineer",
)
_FIELDS = (
    "data analysis",
    "distributed systems",
    "user research",
    "digital marketing",
    "supply chain operations",
    "clinical research",
    "customer support",
    "cloud infrastructure",
)
_SKILLS = (
    "SQL",
    "Python",
    "stakeholder communication",
    "A/B testing",
    "Figma prototyping",
    "budget planning",
    "Kubernetes",
    "statistical modelling",
    "copywriting",
    "team leadership",
    "vendor negotiation",
    "technical writing",
)
_ACHIEVEMENTS = (
    "led a migration that cut reporting time from two days to four hours",
    "redesigned the onboarding flow and raised activation by eighteen percent",
    "built a forecasting model that the finance team still uses every quarter",
    "coordinated a launch across three time zones without missing a deadline",
    "reduced cloud spending by a third while improving uptime",
    "mentored four junior colleagues who have since been promoted",
)
_REASONS = (
    "your commitment to open research",
    "the way your products put accessibility first",
    "your recent expansion into renewable energy",
    "the thoughtful engineering culture your team writes about",
    "your focus on affordable healthcare",
    "the impact your work has on small businesses",
)

_COVER_LETTER = (
    "Dear Hiring Manager,\n\n"
    "I am writing to express my interest in the {role} position at {company}. With {years} years "
    "of experience in {field}, I have developed strong skills in {skill1} and {skill2}, which I "
    "believe make me an excellent fit for your team.\n\n"
    "In my previous role at {prev}, I {achievement}. This experience taught me the importance of "
    "clear communication and careful planning, and it gave me the confidence to take on new "
    "challenges.\n\n"
    "I am particularly drawn to {company} because of {reason}. I would welcome the opportunity to "
    "discuss how my background and skills can contribute to your continued success.\n\n"
    "Thank you for considering my application. I look forward to hearing from you.\n\n"
    "Sincerely,\n{name}"
)
_EMAIL = (
    "Subject: Meeting request: {topic}\n\n"
    "Hi {first},\n\n"
    "I hope this email finds you well. I wanted to reach out to schedule a meeting to discuss "
    "{topic}. Would you be available for a {minutes}-minute call sometime {when}? I would like to "
    "go over {item1}, {item2} and any questions you may have.\n\n"
    "Please let me know what time works best for you, and I will send a calendar invitation. If "
    "it is easier, feel free to suggest another day.\n\n"
    "Thank you for your time, and I look forward to speaking with you.\n\n"
    "Best regards,\n{name}\n{role}, {company}"
)
_README = (
    "# {project}\n\n{description}\n\n"
    "## Installation\n\nUse the package manager [pip](https://pip.pypa.io/en/stable/) to install "
    "{project_lower}.\n\n```bash\npip install {project_lower}\n```\n\n"
    "## Usage\n\n```python\nimport {project_lower}\n\n{usage}\n```\n\n"
    "## Contributing\n\nPull requests are welcome. For major changes, please open an issue first to "
    "discuss what you would like to change.\n\nPlease make sure to update tests as appropriate.\n\n"
    "## License\n\n[MIT](https://choosealicense.com/licenses/mit/)"
)
_TOPICS = (
    "the Q3 roadmap",
    "the vendor contract renewal",
    "our hiring plan",
    "the website redesign",
    "the data retention policy",
    "next year's budget",
    "the pilot results",
    "the onboarding process",
)
_ITEMS = (
    "the timeline",
    "the open risks",
    "the budget",
    "the next milestones",
    "who owns what",
    "the feedback we received",
    "the draft proposal",
)
_WHEN = (
    "this week",
    "early next week",
    "on Thursday afternoon",
    "before the end of the month",
    "on Monday morning",
)
_PROJECTS = (
    "Tidewater",
    "Quillfeather",
    "Sparrowhawk",
    "Mossgrid",
    "Copperleaf",
    "Driftwood",
    "Lanternfish",
    "Brambleway",
    "Nightjar",
    "Saltmarsh",
)
_DESCRIPTIONS = (
    "A small library for parsing and validating configuration files.",
    "Tools for downloading, cleaning and plotting weather station data.",
    "A command-line helper that renames photos by the date they were taken.",
    "Lightweight retry and backoff decorators for network calls.",
    "Utilities for splitting large CSV files into balanced shards.",
    "A tiny templating engine for generating static HTML reports.",
)
_USAGES = (
    "config = {p}.load('settings.toml')\nprint(config.get('database.url'))",
    "data = {p}.fetch(station='KSEA', days=7)\n{p}.plot(data)",
    "{p}.rename_all('photos/', pattern='%Y-%m-%d')",
    "@{p}.retry(times=3)\ndef fetch():\n    return requests.get(URL)",
    "{p}.split('big.csv', shards=8)",
    "html = {p}.render('report.html', rows=rows)",
)


def templates(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` filled templates as ``(kind, text)``: a cover letter, a meeting-request email and
    the README skeleton many generators write, one third each, slots drawn at random."""
    out = []
    for k in range(n):
        name = rng.choice(_NAMES)
        company = rng.choice(_COMPANIES)
        which = k % 3
        if which == 0:
            skill1, skill2 = rng.sample(_SKILLS, 2)
            text = _COVER_LETTER.format(
                role=rng.choice(_ROLES),
                company=company,
                years=rng.choice(("two", "three", "four", "five", "seven", "ten")),
                field=rng.choice(_FIELDS),
                skill1=skill1,
                skill2=skill2,
                prev=rng.choice([c for c in _COMPANIES if c != company]),
                achievement=rng.choice(_ACHIEVEMENTS),
                reason=rng.choice(_REASONS),
                name=name,
            )
            out.append(("template: cover letter", text))
        elif which == 1:
            item1, item2 = rng.sample(_ITEMS, 2)
            text = _EMAIL.format(
                topic=rng.choice(_TOPICS),
                first=rng.choice(_NAMES).split()[0],
                minutes=rng.choice((15, 20, 30, 45)),
                when=rng.choice(_WHEN),
                item1=item1,
                item2=item2,
                name=name,
                role=rng.choice(_ROLES),
                company=company,
            )
            out.append(("template: email", text))
        else:
            project = rng.choice(_PROJECTS)
            p = project.lower()
            text = _README.format(
                project=project,
                project_lower=p,
                description=rng.choice(_DESCRIPTIONS),
                usage=rng.choice(_USAGES).format(p=p),
            )
            out.append(("template: README skeleton", text))
    return out


MIT = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software "
    'and associated documentation files (the "Software"), to deal in the Software without '
    "restriction, including without limitation the rights to use, copy, modify, merge, publish, "
    "distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the "
    "Software is furnished to do so, subject to the following conditions:\n\n"
    "The above copyright notice and this permission notice shall be included in all copies or "
    "substantial portions of the Software.\n\n"
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING '
    "BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND "
    "NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, "
    "DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, "
    "OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE."
)
APACHE_HEADER = (
    '# Licensed under the Apache License, Version 2.0 (the "License");\n'
    "# you may not use this file except in compliance with the License.\n"
    "# You may obtain a copy of the License at\n#\n"
    "#     http://www.apache.org/licenses/LICENSE-2.0\n#\n"
    "# Unless required by applicable law or agreed to in writing, software\n"
    '# distributed under the License is distributed on an "AS IS" BASIS,\n'
    "# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.\n"
    "# See the License for the specific language governing permissions and\n"
    "# limitations under the License."
)


def licensed(filler: str, rng: random.Random) -> tuple[str, str]:
    """``filler`` (independent prose) with the MIT licence text after it, or with the Apache
    header before it, under a copyright line of a random holder and year."""
    holder = f"Copyright (c) {rng.randrange(2015, 2026)} {rng.choice(_NAMES)}"
    if rng.random() < 0.5:
        return "licence: MIT text", f"{filler}\n\n## License\n\nMIT License\n\n{holder}\n\n{MIT}"
    return "licence: Apache header", f"# {holder}\n#\n{APACHE_HEADER}\n\n{filler}"


QUOTES = (
    (
        "Abraham Lincoln",
        "Four score and seven years ago our fathers brought forth on this continent, a new nation, "
        "conceived in Liberty, and dedicated to the proposition that all men are created equal. Now "
        "we are engaged in a great civil war, testing whether that nation, or any nation so conceived "
        "and so dedicated, can long endure.",
    ),
    (
        "Charles Dickens",
        "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age "
        "of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season "
        "of Light, it was the season of Darkness, it was the spring of hope, it was the winter of despair.",
    ),
    (
        "the Declaration of Independence",
        "We hold these truths to be self-evident, that all men are created equal, that they are "
        "endowed by their Creator with certain unalienable Rights, that among these are Life, Liberty "
        "and the pursuit of Happiness. That to secure these rights, Governments are instituted among "
        "Men, deriving their just powers from the consent of the governed.",
    ),
    (
        "Shakespeare's Hamlet",
        "To be, or not to be, that is the question: Whether 'tis nobler in the mind to suffer the "
        "slings and arrows of outrageous fortune, or to take arms against a sea of troubles and by "
        "opposing end them. To die, to sleep; no more; and by a sleep to say we end the heart-ache "
        "and the thousand natural shocks that flesh is heir to.",
    ),
    (
        "the Book of Genesis",
        "In the beginning God created the heaven and the earth. And the earth was without form, and "
        "void; and darkness was upon the face of the deep. And the Spirit of God moved upon the face "
        "of the waters. And God said, Let there be light: and there was light.",
    ),
)


def quoted(filler: str, rng: random.Random) -> tuple[str, str]:
    """``filler`` (independent prose) with a famous public-domain passage quoted in the middle."""
    who, quote = rng.choice(QUOTES)
    paras = [p for p in filler.split("\n\n") if p.strip()]
    at = len(paras) // 2
    intro = rng.choice(("As {} put it:", "In the words of {}:", "Consider the famous lines of {}:"))
    paras.insert(at, f'{intro.format(who)} "{quote}"')
    return "quotation", "\n\n".join(paras)


_RECIPES = {
    "chocolate chip cookies": [
        "2 1/4 cups all-purpose flour",
        "1 teaspoon baking soda",
        "1 teaspoon salt",
        "1 cup (2 sticks) butter, softened",
        "3/4 cup granulated sugar",
        "3/4 cup packed brown sugar",
        "1 teaspoon vanilla extract",
        "2 large eggs",
        "2 cups semi-sweet chocolate chips",
        "1 cup chopped nuts (optional)",
    ],
    "pancakes": [
        "1 1/2 cups all-purpose flour",
        "3 1/2 teaspoons baking powder",
        "1 tablespoon white sugar",
        "1/4 teaspoon salt",
        "1 1/4 cups milk",
        "1 egg",
        "3 tablespoons butter, melted",
    ],
    "banana bread": [
        "2 to 3 very ripe bananas, peeled",
        "1/3 cup melted butter",
        "1 teaspoon baking soda",
        "pinch of salt",
        "3/4 cup sugar",
        "1 large egg, beaten",
        "1 teaspoon vanilla extract",
        "1 1/2 cups all-purpose flour",
    ],
}
_INTROS = (
    "Here is a simple recipe for {} that works every time.",
    "This is my family's favourite way to make {}.",
    "You asked for a recipe for {}; this one is easy and quick.",
    "Making {} at home is easier than most people think.",
    "Below is a classic version of {} with a couple of tips.",
)
_STEPS = (
    (
        "Preheat the oven and prepare your pan.",
        "Start by heating the oven.",
        "Get the oven warming up first.",
    ),
    (
        "Whisk the dry ingredients together in a bowl.",
        "Combine the flour and the other dry ingredients.",
        "Mix everything dry in one bowl.",
    ),
    (
        "In another bowl, beat the wet ingredients until smooth.",
        "Stir the butter, sugar and eggs together separately.",
        "Blend the wet ingredients in a second bowl.",
    ),
    (
        "Fold the two mixtures together gently.",
        "Add the dry mixture to the wet one and stir just until combined.",
        "Bring the two bowls together without overmixing.",
    ),
    (
        "Bake until golden and let it cool before serving.",
        "Cook until done, then rest a few minutes.",
        "Bake, cool briefly, and enjoy.",
    ),
)


def recipe(rng: random.Random) -> tuple[str, str]:
    """A recipe: a varied one-line introduction, a standard ingredient list (an optional item
    left out at random), steps in one of three phrasings each."""
    dish = rng.choice(sorted(_RECIPES))
    items = [i for i in _RECIPES[dish] if "optional" not in i or rng.random() < 0.5]
    lines = [
        rng.choice(_INTROS).format(dish),
        "",
        "Ingredients:",
        *[f"- {i}" for i in items],
        "",
        "Instructions:",
    ]
    lines += [f"{k}. {rng.choice(step)}" for k, step in enumerate(_STEPS, 1)]
    return "recipe ingredients", "\n".join(lines)


# Textbook code written for this benchmark, in two languages and several styles; the names are
# drawn per record. Independent of every indexed answer (whatever they converge on).
_PY = tuple(
    textwrap.dedent(s).strip("\n")
    for s in (
        """
            def {f}({a}, {t}):
                {lo}, {hi} = 0, len({a}) - 1
                while {lo} <= {hi}:
                    {m} = ({lo} + {hi}) // 2
                    if {a}[{m}] == {t}:
                        return {m}
                    if {a}[{m}] < {t}:
                        {lo} = {m} + 1
                    else:
                        {hi} = {m} - 1
                return -1
        """,
        """
            for {i} in range(1, 101):
                {s} = ''
                if {i} % 3 == 0:
                    {s} += 'Fizz'
                if {i} % 5 == 0:
                    {s} += 'Buzz'
                print({s} or {i})
        """,
        """
            def {f}({a}):
                if len({a}) < 2:
                    return {a}
                {m}, *{t} = {a}
                {lo} = [x for x in {t} if x < {m}]
                {hi} = [x for x in {t} if x >= {m}]
                return {f}({lo}) + [{m}] + {f}({hi})
        """,
        """
            def {f}({a}, {t}):
                while {t}:
                    {a}, {t} = {t}, {a} % {t}
                return abs({a})
        """,
        """
            def {f}({a}):
                {lo}, {hi} = 0, 1
                {s} = []
                for _ in range({a}):
                    {s}.append({lo})
                    {lo}, {hi} = {hi}, {lo} + {hi}
                return {s}
        """,
        """
            def {f}({a}):
                if {a} < 2:
                    return False
                {i} = 2
                while {i} * {i} <= {a}:
                    if {a} % {i} == 0:
                        return False
                    {i} += 1
                return True
        """,
        """
            def {f}({a}):
                {s} = ''.join(c.lower() for c in {a} if c.isalnum())
                return {s} == {s}[::-1]
        """,
        """
            def {f}({a}):
                {s} = list({a})
                for {i} in range(len({s})):
                    for {m} in range(len({s}) - 1 - {i}):
                        if {s}[{m}] > {s}[{m} + 1]:
                            {s}[{m}], {s}[{m} + 1] = {s}[{m} + 1], {s}[{m}]
                return {s}
        """,
        """
            def {f}({a}):
                {t} = 0
                for c in {a}.lower():
                    if c in 'aeiou':
                        {t} += 1
                return {t}
        """,
        """
            def {f}({a}, {t}):
                {s} = []
                {i} = {m} = 0
                while {i} < len({a}) and {m} < len({t}):
                    if {a}[{i}] <= {t}[{m}]:
                        {s}.append({a}[{i}])
                        {i} += 1
                    else:
                        {s}.append({t}[{m}])
                        {m} += 1
                return {s} + {a}[{i}:] + {t}[{m}:]
        """,
    )
)
_JS = tuple(
    textwrap.dedent(s).strip("\n")
    for s in (
        """
            function {f}({a}, {t}) {{
              let {lo} = 0;
              let {hi} = {a}.length - 1;
              while ({lo} <= {hi}) {{
                const {m} = Math.floor(({lo} + {hi}) / 2);
                if ({a}[{m}] === {t}) return {m};
                if ({a}[{m}] < {t}) {lo} = {m} + 1;
                else {hi} = {m} - 1;
              }}
              return -1;
            }}
        """,
        """
            for (let {i} = 1; {i} <= 100; {i}++) {{
              let {s} = '';
              if ({i} % 3 === 0) {s} += 'Fizz';
              if ({i} % 5 === 0) {s} += 'Buzz';
              console.log({s} || {i});
            }}
        """,
        """
            const {f} = ({a}) => {{
              if ({a}.length < 2) return {a};
              const [{m}, ...{t}] = {a};
              const {lo} = {t}.filter((x) => x < {m});
              const {hi} = {t}.filter((x) => x >= {m});
              return [...{f}({lo}), {m}, ...{f}({hi})];
            }};
        """,
        """
            function {f}({a}) {{
              const {s} = {a}.toLowerCase().replace(/[^a-z0-9]/g, '');
              return {s} === {s}.split('').reverse().join('');
            }}
        """,
        """
            function {f}({a}) {{
              if ({a} <= 1) return 1;
              let {t} = 1;
              for (let {i} = 2; {i} <= {a}; {i}++) {{
                {t} *= {i};
              }}
              return {t};
            }}
        """,
    )
)
_NAMES_POOL = {
    "f": ("solve", "run", "compute", "find_it", "helper", "go"),
    "a": ("xs", "data", "values", "seq", "n", "items"),
    "t": ("target", "key", "rest", "other", "acc", "goal"),
    "lo": ("low", "left", "start", "first"),
    "hi": ("high", "right", "stop", "last"),
    "m": ("mid", "pivot", "middle", "j"),
    "i": ("i", "k", "idx", "num"),
    "s": ("out", "res", "word", "buf"),
}


def textbook_code(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` snippets of textbook code (binary search, FizzBuzz, quicksort, gcd, Fibonacci,
    primality, palindromes, bubble sort, vowel count, merge, factorial) written for this
    benchmark, names drawn per record, each in a sentence before and after."""
    out = []
    sources = [*_PY, *_JS]
    for k in range(n):
        src = sources[k % len(sources)]
        names = {key: rng.choice(pool) for key, pool in _NAMES_POOL.items()}
        code = src.format(**names)
        lang = "python" if k % len(sources) < len(_PY) else "javascript"
        out.append(
            (
                "textbook code",
                f"Here is one way to write it:\n\n```{lang}\n{code}\n```\n\n"
                "It runs in the usual time for this algorithm.",
            )
        )
    return out
