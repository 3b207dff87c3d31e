"""Canonical texts, templates and textbook code that independent writers reproduce word for word,
written for ``heldout_precision.py`` (nothing here comes from the shared corpora).

Every builder returns ``(kind, text)`` for one side: the same canonical part (a public-domain
quotation, a fact list, a refusal, a code idiom) in prose or code that the side writes itself,
with the styles and the surrounding sentences drawn per record. A data-side text never holds an
index-side text's own writing: what the two share is what anyone who writes it down shares.
"""

from __future__ import annotations

import random
import textwrap

GETTYSBURG = (
    "Four score and seven years ago our fathers brought forth on this continent, a new nation, "
    "conceived in Liberty, and dedicated to the proposition that all men are created equal.\n\n"
    "Now we are engaged in a great civil war, testing whether that nation, or any nation so conceived "
    "and so dedicated, can long endure. We are met on a great battle-field of that war. We have come "
    "to dedicate a portion of that field, as a final resting place for those who here gave their "
    "lives that that nation might live. It is altogether fitting and proper that we should do this.\n\n"
    "But, in a larger sense, we can not dedicate -- we can not consecrate -- we can not hallow -- this "
    "ground. The brave men, living and dead, who struggled here, have consecrated it, far above our "
    "poor power to add or detract. The world will little note, nor long remember what we say here, "
    "but it can never forget what they did here. It is for us the living, rather, to be dedicated "
    "here to the unfinished work which they who fought here have thus far so nobly advanced. It is "
    "rather for us to be here dedicated to the great task remaining before us -- that from these "
    "honored dead we take increased devotion to that cause for which they gave the last full measure "
    "of devotion -- that we here highly resolve that these dead shall not have died in vain -- that "
    "this nation, under God, shall have a new birth of freedom -- and that government of the people, "
    "by the people, for the people, shall not perish from the earth."
)
LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco "
    "laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in "
    "voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat "
    "non proident, sunt in culpa qui officia deserunt mollit anim id est laborum."
)
PLEDGE = (
    "I pledge allegiance to the Flag of the United States of America, and to the Republic for which "
    "it stands, one Nation under God, indivisible, with liberty and justice for all."
)
PSALM23 = (
    "The LORD is my shepherd; I shall not want. He maketh me to lie down in green pastures: he leadeth "
    "me beside the still waters. He restoreth my soul: he leadeth me in the paths of righteousness for "
    "his name's sake. Yea, though I walk through the valley of the shadow of death, I will fear no "
    "evil: for thou art with me; thy rod and thy staff they comfort me. Thou preparest a table before "
    "me in the presence of mine enemies: thou anointest my head with oil; my cup runneth over. Surely "
    "goodness and mercy shall follow me all the days of my life: and I will dwell in the house of the "
    "LORD for ever."
)
CORINTHIANS = (
    "Charity suffereth long, and is kind; charity envieth not; charity vaunteth not itself, is not "
    "puffed up, doth not behave itself unseemly, seeketh not her own, is not easily provoked, "
    "thinketh no evil; rejoiceth not in iniquity, but rejoiceth in the truth; beareth all things, "
    "believeth all things, hopeth all things, endureth all things. Charity never faileth."
)
ROAD = (
    "Two roads diverged in a yellow wood,\nAnd sorry I could not travel both\nAnd be one traveler, "
    "long I stood\nAnd looked down one as far as I could\nTo where it bent in the undergrowth;\n\n"
    "Then took the other, as just as fair,\nAnd having perhaps the better claim,\nBecause it was "
    "grassy and wanted wear;\nThough as for that the passing there\nHad worn them really about the "
    "same,\n\nAnd both that morning equally lay\nIn leaves no step had trodden black.\nOh, I kept the "
    "first for another day!\nYet knowing how way leads on to way,\nI doubted if I should ever come "
    "back.\n\nI shall be telling this with a sigh\nSomewhere ages and ages hence:\nTwo roads diverged "
    "in a wood, and I—\nI took the one less traveled by,\nAnd that has made all the difference."
)
SONNET18 = (
    "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\nRough winds "
    "do shake the darling buds of May,\nAnd summer's lease hath all too short a date;\nSometime too "
    "hot the eye of heaven shines,\nAnd often is his gold complexion dimm'd;\nAnd every fair from "
    "fair sometime declines,\nBy chance or nature's changing course untrimm'd;\nBut thy eternal "
    "summer shall not fade,\nNor lose possession of that fair thou ow'st;\nNor shall death brag thou "
    "wander'st in his shade,\nWhen in eternal lines to time thou grow'st:\nSo long as men can "
    "breathe or eyes can see,\nSo long lives this, and this gives life to thee."
)
QUOTATIONS = {
    "the Gettysburg Address": GETTYSBURG,
    "Lorem ipsum": LOREM,
    "the Pledge of Allegiance": PLEDGE,
    "Psalm 23 (KJV)": PSALM23,
    "1 Corinthians 13:4-8 (KJV)": CORINTHIANS,
    "The Road Not Taken": ROAD,
    "Sonnet 18": SONNET18,
}

STATES = (
    "Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii "
    "Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan "
    "Minnesota Mississippi Missouri Montana Nebraska Nevada New_Hampshire New_Jersey New_Mexico "
    "New_York North_Carolina North_Dakota Ohio Oklahoma Oregon Pennsylvania Rhode_Island "
    "South_Carolina South_Dakota Tennessee Texas Utah Vermont Virginia Washington West_Virginia "
    "Wisconsin Wyoming"
).replace("_", " ")
ELEMENTS = (
    ("Hydrogen", "H"),
    ("Helium", "He"),
    ("Lithium", "Li"),
    ("Beryllium", "Be"),
    ("Boron", "B"),
    ("Carbon", "C"),
    ("Nitrogen", "N"),
    ("Oxygen", "O"),
    ("Fluorine", "F"),
    ("Neon", "Ne"),
    ("Sodium", "Na"),
    ("Magnesium", "Mg"),
    ("Aluminum", "Al"),
    ("Silicon", "Si"),
    ("Phosphorus", "P"),
    ("Sulfur", "S"),
    ("Chlorine", "Cl"),
    ("Argon", "Ar"),
    ("Potassium", "K"),
    ("Calcium", "Ca"),
)
PLANETS = (
    ("Mercury", "the smallest planet and the closest to the Sun"),
    ("Venus", "the hottest planet, with a thick carbon dioxide atmosphere"),
    ("Earth", "the only planet known to support life"),
    ("Mars", "the Red Planet, home to Olympus Mons"),
    ("Jupiter", "the largest planet, a gas giant with the Great Red Spot"),
    ("Saturn", "a gas giant famous for its ring system"),
    ("Uranus", "an ice giant that rotates on its side"),
    ("Neptune", "the windiest planet and the farthest from the Sun"),
)

_INTROS = (
    "Here is {what}, as requested:",
    "Sure! Below is {what}.",
    "Of course. This is {what}:",
    "Certainly, here you go - {what}:",
    "The text of {what} reads:",
    "Below you will find {what}.",
)
_OUTROS = (
    "Let me know if you would like anything else.",
    "I hope this helps with your project.",
    "Feel free to ask if you need it in another format.",
    "",
    "Is there anything you would like me to explain further?",
)


def _frame(rng: random.Random, filler: str, what: str, body: str) -> str:
    """``body`` with an intro naming ``what``, the writer's own prose before or after it."""
    intro = rng.choice(_INTROS).format(what=what)
    outro = rng.choice(_OUTROS)
    parts = [intro, body, outro]
    if filler:
        parts.insert(0 if rng.random() < 0.5 else len(parts), filler)
    return "\n\n".join(p for p in parts if p)


def quotation(rng: random.Random, filler: str) -> tuple[str, str]:
    """A whole public-domain text quoted in an answer (as a line-per-verse poem or prose)."""
    name = rng.choice(sorted(QUOTATIONS))
    return f"quotation: {name}", _frame(rng, filler, name, QUOTATIONS[name])


def fact_list(rng: random.Random, filler: str) -> tuple[str, str]:
    """A list whose items anyone writes alike: the 50 states, the first 20 elements, the planets,
    a multiplication table; numbering and separators drawn per record."""
    what = rng.choice(("states", "elements", "planets", "times"))
    bullet = rng.choice(("{n}. ", "- ", "* ", "{n}) "))
    if what == "states":
        items = _states()
        lines = [bullet.format(n=n) + s for n, s in enumerate(items, 1)]
        return "fact list: the 50 US states", _frame(
            rng, filler, "the list of all 50 US states", "\n".join(lines)
        )
    if what == "elements":
        fmt = rng.choice(("{name} ({sym})", "{name} - {sym}", "{sym}: {name}"))
        lines = [bullet.format(n=n) + fmt.format(name=a, sym=b) for n, (a, b) in enumerate(ELEMENTS, 1)]
        return "fact list: the first 20 elements", _frame(
            rng, filler, "the first 20 elements of the periodic table", "\n".join(lines)
        )
    if what == "planets":
        sep = rng.choice((": ", " - ", " is "))
        lines = [bullet.format(n=n) + p + sep + d for n, (p, d) in enumerate(PLANETS, 1)]
        return "fact list: the planets", _frame(
            rng, filler, "the planets of the solar system in order", "\n".join(lines)
        )
    k = rng.randrange(2, 13)
    fmt = rng.choice(("{k} x {i} = {p}", "{k} × {i} = {p}", "{k} * {i} = {p}"))
    lines = [fmt.format(k=k, i=i, p=k * i) for i in range(1, 13)]
    return "fact list: a multiplication table", _frame(
        rng, filler, f"the multiplication table of {k}", "\n".join(lines)
    )


def _states() -> list[str]:
    out: list[str] = []
    for word in STATES.split(" "):
        if out and out[-1] in {"New", "North", "South", "Rhode", "West"}:
            out[-1] += " " + word
        else:
            out.append(word)
    return out


_REFUSALS = (
    "As an AI language model, I don't have personal opinions or feelings, and I cannot {act}. "
    "However, I can provide you with some general information that may help you make an informed "
    "decision.",
    "As an AI language model, I am not able to {act}. It is important to consult a qualified "
    "professional who can assess your specific situation and provide appropriate guidance.",
    "I'm sorry, but as an AI language model, I cannot {act}. My purpose is to provide helpful and "
    "informative responses while adhering to ethical guidelines. If you have any other questions, "
    "feel free to ask.",
    "I'm sorry, but I cannot {act}. It is not appropriate or ethical, and it goes against my "
    "programming to assist with requests that could cause harm. Is there anything else I can help "
    "you with?",
)
_ACTS = (
    "browse the internet or access real-time information",
    "provide medical advice or diagnose conditions",
    "predict the future or give financial advice",
    "write content that promotes violence",
    "access your personal files or accounts",
    "have personal experiences or memories",
)
_AGENDA = (
    "Meeting Agenda\n\nDate: {date}\nTime: {time}\nLocation: {place}\n\n"
    "1. Welcome and introductions\n2. Review of the previous meeting's minutes\n"
    "3. {item1}\n4. {item2}\n5. Open discussion\n6. Action items and next steps\n"
    "7. Adjournment"
)
_SIGNOFF = (
    "Thank you for your time and consideration. Please do not hesitate to contact me if you have "
    "any questions or need any further information. I look forward to hearing from you soon.\n\n"
    "Best regards,\n\n[Your Name]\n[Your Title]\n[Your Company]\n[Your Phone Number]\n[Your Email]"
)
_STEPS = (
    (
        "Preheat the oven to 350°F (175°C).",
        "Preheat your oven to 350 degrees F.",
        "Heat the oven to 180°C (350°F).",
    ),
    (
        "Grease and flour a 9x13 inch baking pan.",
        "Grease a 9x13-inch pan and dust it with flour.",
        "Line a 9x13 inch pan with parchment paper.",
    ),
    (
        "In a large bowl, whisk together the flour, baking powder and salt.",
        "Whisk the flour, baking powder and salt together in a bowl.",
        "Combine the dry ingredients in a medium bowl and set aside.",
    ),
    (
        "In another bowl, cream the butter and sugar until light and fluffy.",
        "Beat the butter and sugar together until light and fluffy.",
        "Cream the softened butter with the sugar for about 3 minutes.",
    ),
    (
        "Beat in the eggs one at a time, then stir in the vanilla.",
        "Add the eggs one at a time, beating well after each, and mix in the vanilla.",
        "Mix in the eggs and vanilla extract until combined.",
    ),
    (
        "Pour the batter into the prepared pan.",
        "Spread the batter evenly in the pan.",
        "Transfer the batter to the prepared pan and smooth the top.",
    ),
    (
        "Bake for 30 to 35 minutes, or until a toothpick inserted into the center comes out clean.",
        "Bake for 30-35 minutes, until a toothpick comes out clean.",
        "Bake until golden and a tester inserted in the middle comes out clean, about 30 minutes.",
    ),
)
"""Baking steps as independent writers put them: most steps have a usual wording that many
writers use word for word, and each writer words some of them their own way (a first version
of this kind gave every record the same 90 words, which is a copy by any reading)."""
_ITEMS = (
    "Budget update for Q3",
    "Status of the website redesign",
    "Hiring plan for the spring",
    "Customer feedback review",
    "Office move logistics",
    "Product roadmap priorities",
)


def template(rng: random.Random, filler: str) -> tuple[str, str]:
    """An "As an AI language model" refusal, a meeting agenda, an email sign-off with
    placeholders, or step-by-step baking steps, with the writer's own prose around it."""
    what = rng.choice(("refusal", "agenda", "signoff", "steps"))
    if what == "refusal":
        body = rng.choice(_REFUSALS).format(act=rng.choice(_ACTS))
        return "template: AI refusal", f"{body}\n\n{filler}" if filler else body
    if what == "agenda":
        a, b = rng.sample(_ITEMS, 2)
        body = _AGENDA.format(
            date=f"{rng.choice(('March', 'May', 'October'))} {rng.randrange(1, 29)}, 2024",
            time=f"{rng.randrange(9, 16)}:00",
            place=rng.choice(("Conference Room B", "Zoom", "Main office, 3rd floor")),
            item1=a,
            item2=b,
        )
        return "template: meeting agenda", _frame(rng, filler, "a simple meeting agenda", body)
    if what == "signoff":
        return "template: email sign-off", f"Dear [Recipient's Name],\n\n{filler}\n\n{_SIGNOFF}"
    style = rng.choice(("Step {n}: ", "{n}. ", "- "))
    steps = [style.format(n=n) + rng.choice(step) for n, step in enumerate(_STEPS, 1)]
    return "template: step-by-step list", _frame(rng, filler, "a step-by-step guide", "\n".join(steps))


_NAMES = {
    "f": ("binary_search", "bsearch", "find_index", "search"),
    "a": ("arr", "nums", "items", "values", "lst"),
    "t": ("target", "x", "key", "value"),
}
_CODE = {
    "fizzbuzz": (
        """\
        for i in range(1, 101):
            if i % 15 == 0:
                print("FizzBuzz")
            elif i % 3 == 0:
                print("Fizz")
            elif i % 5 == 0:
                print("Buzz")
            else:
                print(i)""",
        """\
        def fizzbuzz(n):
            for i in range(1, n + 1):
                if i % 3 == 0 and i % 5 == 0:
                    print("FizzBuzz")
                elif i % 3 == 0:
                    print("Fizz")
                elif i % 5 == 0:
                    print("Buzz")
                else:
                    print(i)

        fizzbuzz(100)""",
    ),
    "binary search": (
        """\
        def {f}({a}, {t}):
            low, high = 0, len({a}) - 1
            while low <= high:
                mid = (low + high) // 2
                if {a}[mid] == {t}:
                    return mid
                elif {a}[mid] < {t}:
                    low = mid + 1
                else:
                    high = mid - 1
            return -1""",
        """\
        def {f}({a}, {t}):
            left = 0
            right = len({a}) - 1
            while left <= right:
                mid = left + (right - left) // 2
                if {a}[mid] == {t}:
                    return mid
                if {a}[mid] < {t}:
                    left = mid + 1
                else:
                    right = mid - 1
            return -1""",
    ),
    "reverse a linked list": (
        """\
        class ListNode:
            def __init__(self, val=0, next=None):
                self.val = val
                self.next = next

        def reverse_list(head):
            prev = None
            current = head
            while current:
                next_node = current.next
                current.next = prev
                prev = current
                current = next_node
            return prev""",
        """\
        class Node:
            def __init__(self, data):
                self.data = data
                self.next = None

        def reverse(head):
            prev = None
            curr = head
            while curr is not None:
                nxt = curr.next
                curr.next = prev
                prev = curr
                curr = nxt
            return prev""",
    ),
    "Flask hello world": (
        """\
        from flask import Flask

        app = Flask(__name__)

        @app.route('/')
        def hello_world():
            return 'Hello, World!'

        if __name__ == '__main__':
            app.run(debug=True)""",
        """\
        from flask import Flask

        app = Flask(__name__)


        @app.route("/")
        def index():
            return "Hello, World!"


        if __name__ == "__main__":
            app.run(host="0.0.0.0", port=5000)""",
    ),
    "argparse boilerplate": (
        """\
        import argparse

        def main():
            parser = argparse.ArgumentParser(description='Process some files.')
            parser.add_argument('input', help='path to the input file')
            parser.add_argument('-o', '--output', help='path to the output file')
            parser.add_argument('-v', '--verbose', action='store_true', help='increase output verbosity')
            args = parser.parse_args()
            if args.verbose:
                print(f'Reading {{args.input}}')

        if __name__ == '__main__':
            main()""",
        """\
        import argparse


        def parse_args():
            parser = argparse.ArgumentParser(description="Process some files.")
            parser.add_argument("input", help="Path to the input file")
            parser.add_argument("-o", "--output", default="out.txt", help="Path to the output file")
            parser.add_argument("-v", "--verbose", action="store_true", help="Enable verbose output")
            return parser.parse_args()


        if __name__ == "__main__":
            args = parse_args()
            print(args)""",
    ),
    "SQL users/orders tables": (
        """\
        CREATE TABLE users (
            id INT PRIMARY KEY AUTO_INCREMENT,
            username VARCHAR(50) NOT NULL UNIQUE,
            email VARCHAR(100) NOT NULL UNIQUE,
            password_hash VARCHAR(255) NOT NULL,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
        );

        CREATE TABLE orders (
            id INT PRIMARY KEY AUTO_INCREMENT,
            user_id INT NOT NULL,
            order_date TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            total_amount DECIMAL(10, 2) NOT NULL,
            status VARCHAR(20) DEFAULT 'pending',
            FOREIGN KEY (user_id) REFERENCES users(id)
        );""",
        """\
        CREATE TABLE users (
            user_id SERIAL PRIMARY KEY,
            name VARCHAR(100) NOT NULL,
            email VARCHAR(255) UNIQUE NOT NULL,
            created_at TIMESTAMP NOT NULL DEFAULT NOW()
        );

        CREATE TABLE orders (
            order_id SERIAL PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(user_id),
            order_date DATE NOT NULL DEFAULT CURRENT_DATE,
            total DECIMAL(10, 2) NOT NULL,
            status VARCHAR(20) NOT NULL DEFAULT 'pending'
        );""",
    ),
}


def textbook(rng: random.Random, filler: str, style: int | None = None) -> tuple[str, str]:
    """A textbook snippet in one of its usual styles, fenced, with an explanation sentence of the
    writer's own; ``style`` picks the style (else drawn)."""
    name = rng.choice(sorted(_CODE))
    styles = _CODE[name]
    code = textwrap.dedent(styles[rng.randrange(len(styles)) if style is None else style % len(styles)])
    code = code.format(**{k: rng.choice(v) for k, v in _NAMES.items()})
    lang = "sql" if name.startswith("SQL") else "python"
    body = f"```{lang}\n{code}\n```"
    sentence = next(
        (x.strip() for x in filler.split(". ") if len(x.split()) >= 6 and "\n" not in x.strip()), ""
    )
    text = _frame(rng, "", f"a {name} example", body)
    return f"code: {name}", f"{text}\n\n{sentence}." if sentence else text


BUILDERS = (quotation, fact_list, template, textbook)
