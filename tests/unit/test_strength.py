"""Match strength: convergence classes, probability, blocking eligibility, reasons in words."""

from __future__ import annotations

from provcheck.matching.calibration import BLOCK_PROBABILITY, FEATURES, MODEL
from provcheck.matching.params import MatchConfig
from provcheck.matching.strength import Signals, judge, probability, relation
from provcheck.matching.structure import structure
from provcheck.model import AlignedSpan, CharSpan, Evidence, MatchKind


def ev(tokens: int = 200, similarity: float = 0.97, extent: float = 0.95, short: bool = False) -> Evidence:
    return Evidence(
        MatchKind.NEAR_DUPLICATE,
        similarity,
        extent,
        extent,
        tokens,
        similarity,
        0.8,
        (AlignedSpan(CharSpan(0, 10), CharSpan(0, 10), tokens, similarity),),
        short,
    )


def sig(
    e: Evidence, source: str = "a", common: float = 0.0, shape: str | None = None, echo: float = 0.0
) -> Signals:
    return Signals(e, common, shape, source, echo)


def test_a_whole_near_verbatim_copy_is_likely_and_can_block() -> None:
    s = judge(sig(ev()), [])
    assert s.convergence is None and s.can_block and s.probability >= BLOCK_PROBABILITY
    assert "200 aligned tokens" in s.reason and "97% similarity" in s.reason
    assert set(s.features) == set(FEATURES) and s.sources == ("a",)


def test_a_passage_many_reference_texts_hold_is_common_and_never_blocks() -> None:
    s = judge(sig(ev(), common=0.8), [])
    assert s.convergence == "common-passage" and not s.can_block
    assert "not treated as a copy" in s.reason
    # The whole reference aligned, yet convergent: never "copies" beside "not treated as a copy".
    assert s.reason.startswith("Shares aligned passages with the reference")


def test_a_crowd_of_sources_matched_about_equally_is_convergence() -> None:
    me = sig(ev(tokens=60, extent=0.5, similarity=0.85), "a")
    peers = [sig(ev(tokens=55, extent=0.5), "b"), sig(ev(tokens=50, extent=0.5), "c")]
    s = judge(me, peers)
    assert s.convergence == "crowd" and not s.can_block and s.sources == ("a", "b", "c")
    # The same crowd behind one match that clearly leads it: that one is not convergent.
    lead = judge(sig(ev(tokens=200), "a"), peers)
    assert lead.convergence is None


def test_structure_counts_only_for_partial_matches() -> None:
    partial = sig(ev(tokens=60, extent=0.4, similarity=0.85), shape="list")
    assert judge(partial, []).convergence == "list"
    assert judge(sig(ev(), shape="list"), []).convergence is None


def test_prompt_echo_is_convergence() -> None:
    assert judge(sig(ev(), echo=0.7), []).convergence == "prompt"


def test_short_evidence_never_blocks() -> None:
    s = judge(sig(ev(tokens=30, short=True)), [])
    assert not s.can_block and "short evidence" in s.reason


def test_probability_grows_with_evidence() -> None:
    weak = judge(sig(ev(tokens=40, extent=0.3, similarity=0.8)), []).features
    strong = judge(sig(ev(tokens=300, extent=0.98, similarity=0.99)), []).features
    assert probability(strong) > probability(weak)
    assert len(MODEL["weights"]) == len(FEATURES)


def test_structure_kinds() -> None:
    assert structure("def f(x):\n    return x\nimport os\nfor i in x:\n") == "code"
    assert structure("- a\n- b\n- c\n") == "list"
    assert structure("Dear [Name],\nthanks") == "template"
    assert structure("2 cups flour, 1 tsp salt, 3 tbsp sugar") == "recipe"
    assert structure("Vaswani et al. (2017). Attention is all you need.") == "citation"
    assert structure("Plain prose about a topic.") is None


def test_copies_is_said_only_of_a_near_verbatim_whole_copy() -> None:
    assert judge(sig(ev()), []).reason.startswith(
        "Copies the reference: 97% similarity over 200 aligned tokens"
    )
    partial = judge(sig(ev(tokens=60, extent=0.3, similarity=0.95)), [])
    assert partial.reason.startswith("Shares aligned passages with the reference")
    assert judge(sig(ev(tokens=500, similarity=1.0, extent=1.0)), []).reason.endswith("derivation over 99%")


def test_a_whole_copy_below_even_odds_is_not_worded_copies() -> None:
    # A short page that aligns whole (e.g. two independent HTML5 boilerplate pages): the model
    # gives it a low probability, and the words must not say more than the estimate.
    low = judge(sig(ev(tokens=10, similarity=0.9, extent=0.95)), [])
    assert low.probability < 0.5 and low.convergence is None
    assert low.reason.startswith("Shares aligned passages with the reference"), low.reason
    assert relation(ev(tokens=10, similarity=0.9), None, low.probability) == "shares aligned passages with"
    assert relation(ev(tokens=30), None, 0.9) == "copies" and relation(ev(tokens=30)) == "copies"


# A copied passage of prose with one structure marker put into it, or its sentences bulleted or
# ended with ';', was "convergence" and could never block (exit 0 on a 99-token verbatim excerpt).
_PROSE = (
    "Feed it at the same time every day with equal weights of flour and water, discarding all but a "
    "spoonful of the old starter before each feeding so the yeast always has fresh food.",
    "Keep it somewhere between 24 and 27 degrees Celsius because colder kitchens slow fermentation "
    "and let acid producing bacteria take over.",
    "Whole rye or whole wheat flour gives the microbes more nutrients than white flour, so mixing in "
    "a little can revive a sluggish culture.",
    "A healthy starter should roughly double in size within four to eight hours of feeding and smell "
    "pleasantly sour.",
)


def test_prose_sentences_in_list_or_code_form_are_not_structure() -> None:
    assert structure("\n".join("- " + s for s in _PROSE)) is None
    assert structure("\n".join(f"{i}. {s}" for i, s in enumerate(_PROSE, 1))) is None
    assert structure("\n".join(s[:-1] + ";" for s in _PROSE)) is None
    assert structure("\n".join(s + " {" for s in _PROSE)) is None


def test_one_marker_in_copied_prose_is_not_structure() -> None:
    first, *rest = _PROSE
    for marker in ("[Your Name]", "(Smith et al., 2020).", "(2020).", "2 cups, 3 tsp, 4 oz."):
        assert structure(" ".join([first, marker, *rest])) is None, marker
    assert structure("x = 1;\ny = 2;\nz = 3;\n" + " ".join(_PROSE)) is None


def test_short_structured_passages_stay_convergent() -> None:
    films = "\n".join(
        f"- {t} ({y})"
        for t, y in (
            ("She's Gotta Have It", 1986),
            ("Do the Right Thing", 1989),
            ("Malcolm X", 1992),
            ("Inside Man", 2006),
        )
    )
    assert structure(films) == "list"
    assert structure("Dear [Hiring Manager],\nI am writing to apply for the [Position] role.") == "template"
    assert structure("1 cup flour\n2 tsp salt\n3 tbsp sugar\n") == "recipe"
    assert structure("def search(a, x):\n    lo = 0\n    return lo\nimport os\n") == "code"


def _at(e: Evidence, start: int, end: int) -> Evidence:
    span = AlignedSpan(CharSpan(start, end), CharSpan(0, end - start), e.matched_tokens, e.similarity)
    return Evidence(
        e.kind,
        e.similarity,
        e.containment,
        e.coverage,
        e.matched_tokens,
        e.char_similarity,
        e.jaccard,
        (span,),
        e.short,
    )


def test_copies_of_several_sources_in_one_turn_are_not_a_crowd() -> None:
    """Three whole copies of three sources pasted into one answer were all "crowd" (none blocked):
    a crowd is one passage matching many sources."""
    a, b, c = (_at(ev(tokens=150, extent=0.4), x, x + 900) for x in (0, 1000, 2000))
    s = judge(sig(a, "a"), [sig(b, "b"), sig(c, "c")])
    assert s.convergence is None and s.can_block and s.sources == ("a", "b", "c")
    # The same three matches over one passage stay a crowd.
    same = [sig(_at(ev(tokens=150, extent=0.4), 0, 900), n) for n in "bc"]
    assert judge(sig(a, "a"), same).convergence == "crowd"


def test_near_duplicates_within_the_matched_source_are_not_a_common_passage() -> None:
    """A dump holding three near-copies of a popular answer made its anchors "common": a verbatim
    copy of it was common-passage and never blocked."""
    e = _at(ev(), 0, 900)
    mine = Signals(e, 0.9, None, "dump", 0.0, 1)
    dups = [Signals(e, 0.9, None, "dump", 0.0, t) for t in (2, 3)]
    s = judge(mine, [mine, *dups])
    assert s.convergence is None and s.can_block
    # Common anchors held by other sources' texts are still a common passage.
    assert judge(mine, [mine]).convergence == "common-passage"


def test_evidence_explained_by_common_text_is_listed_but_not_verified() -> None:
    """An independent answer quoting the same request as many references matched them on text
    every one of them holds: it was a verified match (4.2% of same-prompt answers at 150
    references). Once that text is set aside what is left fails the verification tests."""
    quoted = ev(tokens=85, extent=0.7, similarity=1.0)
    s = judge(sig(quoted, common=1.0, echo=0.4), [], MatchConfig())
    assert s.explained and not s.can_block and s.convergence == "common-passage"
    assert "not a verified match" in s.reason and "not treated as a copy" in s.reason
    # A request matching mostly what the reference repeats of its own request: class "prompt".
    asked = Signals(quoted, 0.2, None, "a", 0.9, prompt_turn=True)
    assert judge(asked, [], MatchConfig()).explained
    assert judge(asked, [], MatchConfig()).convergence == "prompt"
    # An answer copying an answer that quotes its request: the quote is not set aside.
    assert not judge(sig(quoted, common=0.2, echo=0.9), [], MatchConfig()).explained
    # Without the scan's tests nothing is judged explained (matches built by hand).
    assert not judge(sig(quoted, common=1.0), []).explained


def test_a_copy_with_some_common_text_stays_verified() -> None:
    s = judge(sig(ev(tokens=300, extent=0.98, similarity=0.99), common=0.3), [], MatchConfig())
    assert not s.explained and s.convergence is None and s.can_block


def test_same_source_near_duplicates_do_not_explain_a_copy_away() -> None:
    e = _at(ev(), 0, 900)
    mine = Signals(e, 0.9, None, "dump", 0.0, 1)
    dups = [Signals(e, 0.9, None, "dump", 0.0, t) for t in (2, 3)]
    s = judge(mine, [mine, *dups], MatchConfig())
    assert not s.explained and s.can_block


def test_only_text_other_sources_hold_is_set_aside() -> None:
    """Text the matched reference's own source repeats (a model repeating itself) is no
    independent author: when the matcher found that no anchor is held by three other sources,
    a match whose anchors are all "common" by text count stays verified."""
    e = ev(tokens=60, extent=0.6, similarity=0.9)
    own = Signals(e, 1.0, None, "openai", 0.0, foreign_share=0.0)
    assert not judge(own, [], MatchConfig()).explained
    assert judge(Signals(e, 1.0, None, "openai", 0.0, foreign_share=1.0), [], MatchConfig()).explained


def test_formula_is_mathematical_notation_not_code_or_paths() -> None:
    """``formula`` (convergence even for a whole match) takes LaTeX notation only: code with
    escapes and regular expressions, Windows paths and prose mentioning ``$x$`` keep their
    class."""
    from provcheck.matching.structure import is_formula

    maxwell = (
        "\\nabla \\cdot \\mathbf{E} &= \\frac{\\rho}{\\varepsilon_0} \\\\ \\nabla \\cdot \\mathbf{B} &= 0"
    )
    assert is_formula(maxwell, "$$\\begin{aligned}" + maxwell + "\\end{aligned}$$")
    assert not is_formula(maxwell)  # no delimiter anywhere: not known to be notation
    regex_code = 'pattern = re.compile(r"\\d+\\s*\\w+\\b")\nprint("a\\n", "b\\t", "$x")\nreturn m.group(1)'
    assert not is_formula(regex_code)
    paths = "Copy C:\\Users\\Admin\\Documents\\Reports to $HOME and C:\\Program\\Files\\Tools\\Backup"
    assert not is_formula(paths)
    prose = (
        "The derivative of $x^2$ is $2x$, which \\emph{every} student learns \\textbf{early}; the "
        "\\textit{chain rule} and the \\underline{product rule} follow soon after in most courses."
    )
    assert not is_formula(prose)
    assert structure(maxwell, "$$" + maxwell + "$$") == "formula"


def _spans_evidence(spans: list[tuple[int, int]]) -> Evidence:
    """A whole verbatim match made of spans (candidate order) of (reference position, tokens)."""
    aligned, pos = [], 0
    for ref_at, tokens in spans:
        aligned.append(
            AlignedSpan(CharSpan(pos, pos + 6 * tokens), CharSpan(ref_at, ref_at + 6 * tokens), tokens, 1.0)
        )
        pos += 6 * tokens + 1
    total = sum(t for _, t in spans)
    return Evidence(MatchKind.NEAR_DUPLICATE, 1.0, 0.97, 0.97, total, 1.0, 0.8, tuple(aligned), False)


def test_a_copy_with_its_sentences_reordered_can_block_as_the_same_copy_in_order() -> None:
    """Nine sentences of 20 tokens: in order the alignment would give one span; reordered it
    gives nine. Measured on the longest span alone, the reordered copy was estimated about
    50% derived and could not block; runs that stand in another order count together."""
    reordered = _spans_evidence([(6 * 21 * k, 20) for k in (3, 0, 7, 1, 8, 2, 5, 4, 6)])
    whole = judge(sig(_spans_evidence([(0, 180)])), [])
    moved = judge(sig(reordered), [])
    assert moved.features["longest_share"] == whole.features["longest_share"] == 1.0
    assert moved.can_block and moved.probability >= BLOCK_PROBABILITY


def test_runs_in_the_same_order_keep_the_longest_span() -> None:
    """Two answers sharing a sentence of facts and, further on, a quotation (in order in both)
    are no rearranged copy: the longest span's share stands."""
    in_order = _spans_evidence([(0, 40), (900, 60)])
    assert judge(sig(in_order), []).features["longest_share"] == 0.6
