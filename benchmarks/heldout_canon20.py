"""Texts independent writers produce alike, second set (adversarial precision pass 20).

Written for ``heldout_precision.py`` (not in ``../shared``, nor in ``heldout_canon.py``): kinds
users meet that earlier passes did not try. Each builder returns (kind, text): the shared part in
a style drawn per record (numbering, wording of a step drawn of two or three usual ones, format),
framed with the writer's own prose (``heldout_canon._frame``). ``CANON`` gives each part once, in
its first style, for the index side.

* step-by-step arithmetic and algebra solutions of the usual textbook problems;
* translations of the same everyday sentences into five languages;
* JSON, YAML and a Markdown table of the same record (a user profile, the planets);
* unit conversions (lengths, weights, volumes, temperatures);
* recipes (pancakes, chocolate chip cookies), ingredients and method;
* legal boilerplate: a privacy notice, a cookie notice, an email confidentiality disclaimer,
  the MIT and Apache-2.0 licence headers.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from heldout_canon import _frame

Builder = Callable[[random.Random, str, int | None], tuple[str, str]]

_MATHS = {
    "solve 3x + 7 = 22": (
        (
            "Subtract 7 from both sides: 3x + 7 - 7 = 22 - 7, so 3x = 15.",
            "Subtract 7 from both sides to get 3x = 15.",
        ),
        ("Divide both sides by 3: 3x / 3 = 15 / 3, so x = 5.", "Divide both sides by 3 to get x = 5."),
        (
            "Check: 3(5) + 7 = 15 + 7 = 22. The solution is x = 5.",
            "Check the answer: 3 * 5 + 7 = 22, so x = 5 is correct.",
        ),
    ),
    "15% of 240": (
        ("Convert the percentage to a decimal: 15% = 15 / 100 = 0.15.", "Write 15% as a decimal: 0.15."),
        ("Multiply the decimal by the number: 0.15 x 240 = 36.", "Multiply 0.15 by 240: 0.15 * 240 = 36."),
        ("So 15% of 240 is 36.", "Therefore, 15 percent of 240 equals 36."),
    ),
    "the area of a circle of radius 5 cm": (
        ("The formula for the area of a circle is A = πr².", "Use the formula A = π × r²."),
        ("Substitute r = 5 cm: A = π × 5² = π × 25.", "Plug in the radius: A = π × (5 cm)² = 25π cm²."),
        ("A = 25π ≈ 78.54 cm².", "Using π ≈ 3.14159, A ≈ 78.54 square centimeters."),
    ),
    "x² - 5x + 6 = 0": (
        (
            "Find two numbers that multiply to 6 and add to -5: -2 and -3.",
            "We need two numbers whose product is 6 and whose sum is -5, which are -2 and -3.",
        ),
        ("Factor the equation: (x - 2)(x - 3) = 0.", "So the quadratic factors as (x - 2)(x - 3) = 0."),
        (
            "Set each factor to zero: x - 2 = 0 or x - 3 = 0.",
            "Setting each factor equal to zero gives x - 2 = 0 or x - 3 = 0.",
        ),
        ("The solutions are x = 2 and x = 3.", "Therefore x = 2 or x = 3."),
    ),
    "$1,000 at 5% compounded annually for 3 years": (
        (
            "Use the compound interest formula A = P(1 + r)^t.",
            "The formula for compound interest is A = P(1 + r)^t.",
        ),
        ("Here P = 1000, r = 0.05 and t = 3.", "Substitute P = $1,000, r = 0.05 and t = 3."),
        (
            "A = 1000 × (1.05)^3 = 1000 × 1.157625 = 1157.63.",
            "A = 1000(1.05)³ = 1000 × 1.157625 ≈ $1,157.63.",
        ),
        ("The interest earned is 1157.63 - 1000 = $157.63.", "So the interest earned is $157.63."),
    ),
}


def maths(rng: random.Random, filler: str, style: int | None = None) -> tuple[str, str]:
    """A worked solution of a textbook problem, each step's wording drawn of two usual ones."""
    name = rng.choice(sorted(_MATHS))
    mark = ("Step {n}: ", "{n}. ", "- ", "")[rng.randrange(4) if style is None else style]
    steps = [
        mark.format(n=n) + (s[0] if style is not None else rng.choice(s))
        for n, s in enumerate(_MATHS[name], 1)
    ]
    return f"maths: {name}", _frame(rng, filler, f"the step-by-step solution of {name}", "\n".join(steps))


_TRANSLATIONS = {
    "Good morning, how are you?": (
        ("French", "Bonjour, comment allez-vous ?"),
        ("Spanish", "Buenos días, ¿cómo estás?"),
        ("German", "Guten Morgen, wie geht es Ihnen?"),
        ("Italian", "Buongiorno, come stai?"),
        ("Portuguese", "Bom dia, como você está?"),
    ),
    "Where is the train station?": (
        ("French", "Où est la gare ?"),
        ("Spanish", "¿Dónde está la estación de tren?"),
        ("German", "Wo ist der Bahnhof?"),
        ("Italian", "Dov'è la stazione ferroviaria?"),
        ("Portuguese", "Onde fica a estação de trem?"),
    ),
    "Thank you very much for your help.": (
        ("French", "Merci beaucoup pour votre aide."),
        ("Spanish", "Muchas gracias por tu ayuda."),
        ("German", "Vielen Dank für Ihre Hilfe."),
        ("Italian", "Grazie mille per il tuo aiuto."),
        ("Portuguese", "Muito obrigado pela sua ajuda."),
    ),
    "I would like a cup of coffee, please.": (
        ("French", "Je voudrais une tasse de café, s'il vous plaît."),
        ("Spanish", "Me gustaría una taza de café, por favor."),
        ("German", "Ich hätte gerne eine Tasse Kaffee, bitte."),
        ("Italian", "Vorrei una tazza di caffè, per favore."),
        ("Portuguese", "Eu gostaria de uma xícara de café, por favor."),
    ),
}


def translation(rng: random.Random, filler: str, style: int | None = None) -> tuple[str, str]:
    """Everyday sentences translated into five languages, one line a language."""
    fmt = ("{lang}: {text}", "- {lang}: {text}", "**{lang}:** {text}", "{n}. {lang} - {text}")
    mark = fmt[rng.randrange(len(fmt)) if style is None else style % len(fmt)]
    names = sorted(_TRANSLATIONS)
    chosen = names if style is not None else rng.sample(names, rng.randrange(2, len(names) + 1))
    blocks = []
    for sentence in chosen:
        lines = [
            mark.format(n=n, lang=lang, text=t) for n, (lang, t) in enumerate(_TRANSLATIONS[sentence], 1)
        ]
        blocks.append(f'"{sentence}"\n' + "\n".join(lines))
    return "translation: everyday sentences", _frame(rng, filler, "the translations", "\n\n".join(blocks))


_PROFILE = {
    "id": 1,
    "name": "John Doe",
    "email": "john.doe@example.com",
    "age": 30,
    "address": {"street": "123 Main St", "city": "Anytown", "state": "CA", "zip": "12345"},
    "phone": "+1-555-123-4567",
    "is_active": True,
}
_PLANET_ROWS = (
    ("Mercury", "4,879", "0"),
    ("Venus", "12,104", "0"),
    ("Earth", "12,742", "1"),
    ("Mars", "6,779", "2"),
    ("Jupiter", "139,820", "95"),
    ("Saturn", "116,460", "146"),
    ("Uranus", "50,724", "28"),
    ("Neptune", "49,244", "16"),
)


def _yaml(value: object, indent: int = 0) -> list[str]:
    assert isinstance(value, dict)
    out = []
    for k, v in value.items():
        if isinstance(v, dict):
            out.append(" " * indent + f"{k}:")
            out += _yaml(v, indent + 2)
        else:
            out.append(" " * indent + f"{k}: {json.dumps(v) if isinstance(v, bool) else v}")
    return out


def schema(rng: random.Random, filler: str, style: int | None = None) -> tuple[str, str]:
    """The same record as JSON (indent 2 or 4), YAML, or a Markdown table of the planets."""
    what = rng.randrange(4) if style is None else style % 4
    if what == 3:
        head = rng.choice(
            ("| Planet | Diameter (km) | Moons |", "| Planet | Diameter (km) | Number of moons |")
        )
        rows = [head, "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in _PLANET_ROWS)]
        return "schema: Markdown table of the planets", _frame(
            rng, filler, "a table of the planets", "\n".join(rows)
        )
    if what == 2:
        body = "```yaml\n" + "\n".join(_yaml(_PROFILE)) + "\n```"
        return "schema: YAML user profile", _frame(rng, filler, "a sample user profile in YAML", body)
    body = "```json\n" + json.dumps(_PROFILE, indent=2 + 2 * what) + "\n```"
    return "schema: JSON user profile", _frame(rng, filler, "a sample user profile in JSON", body)


_CONVERSIONS = (
    ("1 inch", "2.54 centimeters"),
    ("1 foot", "0.3048 meters"),
    ("1 yard", "0.9144 meters"),
    ("1 mile", "1.609 kilometers"),
    ("1 ounce", "28.35 grams"),
    ("1 pound", "0.4536 kilograms"),
    ("1 US gallon", "3.785 liters"),
    ("1 US cup", "236.6 milliliters"),
)
_TEMPERATURES = ((-40, -40), (0, 32), (10, 50), (20, 68), (25, 77), (30, 86), (37, 98.6), (100, 212))


def conversion(rng: random.Random, filler: str, style: int | None = None) -> tuple[str, str]:
    """Imperial to metric equivalents, or a Celsius to Fahrenheit table with its formula."""
    mark = ("- ", "* ", "{n}. ")[rng.randrange(3) if style is None else style % 3]
    if (rng.random() < 0.5) if style is None else style >= 3:
        lines = ["To convert Celsius to Fahrenheit, use °F = °C × 9/5 + 32."]
        lines += [mark.format(n=n) + f"{c}°C = {f}°F" for n, (c, f) in enumerate(_TEMPERATURES, 1)]
        return "conversion: Celsius to Fahrenheit", _frame(
            rng, filler, "a temperature conversion table", "\n".join(lines)
        )
    sep = (" = ", " equals ", " is about ")[rng.randrange(3) if style is None else 0]
    lines = [mark.format(n=n) + a + sep + b for n, (a, b) in enumerate(_CONVERSIONS, 1)]
    return "conversion: imperial to metric", _frame(rng, filler, "common unit conversions", "\n".join(lines))


_RECIPES = {
    "pancakes": (
        (
            "1 1/2 cups all-purpose flour",
            "3 1/2 teaspoons baking powder",
            "1 tablespoon sugar",
            "1/4 teaspoon salt",
            "1 1/4 cups milk",
            "1 egg",
            "3 tablespoons butter, melted",
        ),
        (
            (
                "In a large bowl, sift together the flour, baking powder, salt and sugar.",
                "Whisk the flour, baking powder, salt and sugar together in a large bowl.",
            ),
            (
                "Make a well in the center and pour in the milk, egg and melted butter; mix until smooth.",
                "Add the milk, egg and melted butter and stir until just combined.",
            ),
            (
                "Heat a lightly oiled griddle or frying pan over medium-high heat.",
                "Heat a lightly greased pan over medium heat.",
            ),
            (
                "Pour or scoop the batter onto the griddle, using about 1/4 cup for each pancake.",
                "Pour 1/4 cup of batter for each pancake.",
            ),
            (
                "Brown on both sides and serve hot.",
                "Cook until bubbles form, flip, and cook until golden brown on both sides.",
            ),
        ),
    ),
    "chocolate chip cookies": (
        (
            "2 1/4 cups all-purpose flour",
            "1 teaspoon baking soda",
            "1 teaspoon salt",
            "1 cup butter, softened",
            "3/4 cup granulated sugar",
            "3/4 cup packed brown sugar",
            "1 teaspoon vanilla extract",
            "2 large eggs",
            "2 cups chocolate chips",
        ),
        (
            ("Preheat the oven to 375°F (190°C).", "Preheat your oven to 375 degrees F."),
            (
                "Combine the flour, baking soda and salt in a small bowl.",
                "Whisk together the flour, baking soda and salt.",
            ),
            (
                "Beat the butter, granulated sugar, brown sugar and vanilla in a large bowl until creamy.",
                "Cream the butter, both sugars and the vanilla until smooth.",
            ),
            (
                "Add the eggs one at a time, beating well after each addition.",
                "Beat in the eggs, one at a time.",
            ),
            (
                "Gradually beat in the flour mixture, then stir in the chocolate chips.",
                "Mix in the dry ingredients, then fold in the chocolate chips.",
            ),
            (
                "Drop rounded tablespoons of dough onto ungreased baking sheets.",
                "Scoop tablespoon-sized balls of dough onto a baking sheet.",
            ),
            (
                "Bake for 9 to 11 minutes or until golden brown.",
                "Bake 9-11 minutes, until the edges are golden.",
            ),
        ),
    ),
}


def recipe(rng: random.Random, filler: str, style: int | None = None) -> tuple[str, str]:
    """A classic recipe: its ingredients, then its method with each step's wording drawn."""
    name = rng.choice(sorted(_RECIPES))
    items, steps = _RECIPES[name]
    bullet = ("- ", "* ", "• ")[rng.randrange(3) if style is None else style % 3]
    method = [f"{n}. " + (s[0] if style is not None else rng.choice(s)) for n, s in enumerate(steps, 1)]
    body = "Ingredients:\n" + "\n".join(bullet + i for i in items) + "\n\nInstructions:\n" + "\n".join(method)
    return f"recipe: {name}", _frame(rng, filler, f"a recipe for {name}", body)


_LEGAL = {
    "privacy notice": (
        "We collect information you provide directly to us, such as when you create an account, "
        "update your profile, make a purchase, or contact us for support. This information may "
        "include your name, email address, phone number, postal address and payment information. "
        "We use the information we collect to provide, maintain and improve our services, to process "
        "transactions, to send you technical notices and support messages, and to respond to your "
        "comments and questions. We do not sell your personal information to third parties. We may "
        "share your information with service providers who perform services on our behalf, when "
        "required by law, or to protect the rights and safety of our users."
    ),
    "cookie notice": (
        "This website uses cookies to improve your experience while you navigate through the website. "
        "Out of these, the cookies that are categorized as necessary are stored on your browser as "
        "they are essential for the working of basic functionalities of the website. We also use "
        "third-party cookies that help us analyze and understand how you use this website. These "
        "cookies will be stored in your browser only with your consent. You also have the option to "
        "opt-out of these cookies."
    ),
    "email confidentiality disclaimer": (
        "CONFIDENTIALITY NOTICE: This email and any attachments are confidential and may be legally "
        "privileged. They are intended solely for the use of the individual or entity to whom they "
        "are addressed. If you are not the intended recipient, please notify the sender immediately "
        "and delete this email from your system. Any unauthorized review, use, disclosure, copying "
        "or distribution of this email is strictly prohibited."
    ),
    "MIT licence": (
        "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
        'software and associated documentation files (the "Software"), to deal in the Software '
        "without restriction, including without limitation the rights to use, copy, modify, merge, "
        "publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons "
        "to whom the Software is furnished to do so, subject to the following conditions:\n\n"
        "The above copyright notice and this permission notice shall be included in all copies or "
        "substantial portions of the Software."
    ),
    "Apache-2.0 header": (
        'Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file '
        "except in compliance with the License. You may obtain a copy of the License at\n\n"
        "    http://www.apache.org/licenses/LICENSE-2.0\n\n"
        "Unless required by applicable law or agreed to in writing, software distributed under the "
        'License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, '
        "either express or implied. See the License for the specific language governing permissions "
        "and limitations under the License."
    ),
}


def legal(rng: random.Random, filler: str, style: int | None = None) -> tuple[str, str]:
    """A piece of legal boilerplate, whole, with the writer's own prose."""
    name = rng.choice(sorted(_LEGAL))
    return f"legal: {name}", _frame(rng, filler, f"a standard {name}", _LEGAL[name])


BUILDERS: tuple[Builder, ...] = (maths, translation, schema, conversion, recipe, legal)


def canon(rng: random.Random, fill: list[str]) -> list[tuple[str, str]]:
    """Each part once, in its first style (every problem, record, recipe and notice), framed
    with ``fill``'s prose: the index side."""
    pool = iter(fill)
    rows: list[tuple[str, str]] = []
    parts = {
        maths: len(_MATHS),
        translation: 1,
        schema: 3,
        conversion: 2,
        recipe: len(_RECIPES),
        legal: len(_LEGAL),
    }
    for build, count in parts.items():
        seen: set[str] = set()
        style = 0
        while len(seen) < count:
            kind, text = build(rng, next(pool), style)
            if kind not in seen:
                seen.add(kind)
                rows.append((kind, text))
            if build in (schema, conversion):
                style += 1 if build is schema else 3
    return rows
