"""Adversarial precision pass 19: texts independent writers reproduce word for word.

``benchmarks/heldout_precision.py`` measures them; each test here fails on the code before the
fix it names.
"""

from __future__ import annotations

from provcheck.matching.strength import Signals, judge
from provcheck.matching.structure import structure
from provcheck.model import AlignedSpan, CharSpan, Evidence, MatchKind

# The usual users/orders schema: two independent answers to "design tables for a shop" write it
# alike, and its lines end in "(" and "," (no line read as code before: no structure, so a
# partial match of it could block as a copy; 17 of 19 such records did in the benchmark).
SCHEMA = """\
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
    total_amount DECIMAL(10, 2) NOT NULL,
    status VARCHAR(20) DEFAULT 'pending',
    FOREIGN KEY (user_id) REFERENCES users(id)
);"""


def _partial(tokens: int = 150) -> Evidence:
    """A verbatim passage, 60% of both texts (not a whole copy)."""
    span = AlignedSpan(CharSpan(0, 10), CharSpan(0, 10), tokens, 1.0)
    return Evidence(MatchKind.NEAR_DUPLICATE, 1.0, 0.6, 0.6, tokens, 1.0, 0.8, (span,), False)


def test_an_sql_schema_is_code_and_a_partial_match_of_it_cannot_block() -> None:
    assert structure(SCHEMA) == "code"
    # One table alone, column types in lower case with their constraints.
    one = "create table users (\n  id serial primary key,\n  name varchar(100) not null,\n  email text\n);"
    assert structure(one) == "code"
    s = judge(Signals(_partial(), 0.0, structure(SCHEMA), "openai"), [])
    assert s.convergence == "code" and not s.can_block


def test_short_lines_that_only_look_like_sql_stay_what_they_were() -> None:
    # List items starting with a verb SQL also uses, and form fields ending in commas.
    assert structure("- Create a budget\n- Update your resume\n- Delete old files\n") == "list"
    assert structure("Name,\nStart date,\nNotes text,\nThe rest is prose about a topic.") is None


STEPS = (
    "Step 1: Preheat your oven to 350 degrees F.\n"
    "Step 2: Grease and flour a 9x13 inch baking pan.\n"
    "Step 3: Whisk the flour, baking powder and salt together in a bowl.\n"
    "Step 4: Bake for 30 to 35 minutes, or until a toothpick inserted into the center comes out clean."
)


def test_steps_numbered_in_words_are_a_list_as_steps_numbered_in_figures_are() -> None:
    numbered = "\n".join(line.replace("Step ", "").replace(":", ".", 1) for line in STEPS.splitlines())
    assert structure(numbered) == "list"
    assert structure(STEPS) == "list"
    assert structure(STEPS.replace("Step ", "**Step ").replace(":", ":**")) == "list"
    # A partial match of such a list is convergence, as it is for the same list numbered 1., 2.
    s = judge(Signals(_partial(47), 0.0, structure(STEPS), "openai"), [])
    assert s.convergence == "list" and not s.can_block
    # Steps that are sentences of prose stay prose (a copied how-to in prose keeps blocking).
    long = "\n".join(
        f"Step {n}: {line} and then wait a little while before going on to the next step of it."
        for n, line in enumerate(("Preheat the oven", "Grease a large pan", "Whisk the dry things"), 1)
    )
    assert structure(long) is None


def test_a_step_list_and_the_same_list_numbered_read_alike_item_by_item() -> None:
    # Items of eleven words: "3. " ends a sentence of its own, and "Step 3: " must not make the
    # item a sentence of prose either (three such made the whole passage prose).
    items = (
        "In a large bowl, whisk together the flour and the salt.",
        "In another bowl, cream the butter and sugar until quite fluffy.",
        "Beat in the eggs one at a time, then the vanilla.",
    )
    numbered = "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))
    steps = "\n".join(f"Step {n}: {item}" for n, item in enumerate(items, 1))
    assert structure(numbered) == "list"
    assert structure(steps) == "list"
    # Sentences of more words are prose in either numbering.
    longer = [item[:-1] + " in the kitchen." for item in items]
    assert structure("\n".join(f"{n}. {item}" for n, item in enumerate(longer, 1))) is None
    assert structure("\n".join(f"Step {n}: {item}" for n, item in enumerate(longer, 1))) is None
