"""The declared use: what the scanned data is for, and how its declarations merge.

A policy's ``use:``, ``.provcheck.yaml``'s ``use:`` and ``--use`` are layers that add to each
other (docs/policy.md, Declared use); every word is checked, so a typo never quietly leaves a
purpose or flag undeclared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provcheck.errors import UsageError


@dataclass(frozen=True, slots=True)
class Use:
    """The intended use of the data being scanned."""

    purposes: frozenset[str] = frozenset()
    """What the data is for, e.g. ``train-competing-model``, ``fine-tune``, ``evaluation``."""
    commercial: bool | None = None
    distributed: bool | None = None
    """Whether the trained model (weights) is distributed or made available to third parties."""
    research_only: bool | None = None

    @property
    def declared(self) -> bool:
        """True when anything at all is declared."""
        return bool(self.purposes) or any(
            v is not None for v in (self.commercial, self.distributed, self.research_only)
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain form for reports."""
        return {
            "purpose": sorted(self.purposes),
            "commercial": self.commercial,
            "distributed": self.distributed,
            "research_only": self.research_only,
        }


FLAG_WORDS = {
    "commercial": ("commercial", True),
    "non-commercial": ("commercial", False),
    "noncommercial": ("commercial", False),
    "distributed": ("distributed", True),
    "internal": ("distributed", False),
    "not-distributed": ("distributed", False),
    "research-only": ("research_only", True),
    "not-research-only": ("research_only", False),
}
"""``--use`` words that set a flag rather than name a purpose."""

FLAGS = ("commercial", "distributed", "research_only")
_FLAG_NAMES = {
    ("commercial", True): "commercial",
    ("commercial", False): "non-commercial",
    ("distributed", True): "distributed",
    ("distributed", False): "internal",
    ("research_only", True): "research-only",
    ("research_only", False): "not-research-only",
}

PURPOSES = frozenset(
    {
        "train-model",
        "train-competing-model",
        "fine-tune",
        "fine-tune-provider-model",
        "distill",
        "train-classifier",
        "train-embedding-model",
        "evaluation",
        "research",
    }
)
"""Purposes the shipped packs know (a test checks every pack's ``use.purpose`` is here). A
policy's own rules may name more; any other word is refused as a probable typo."""


def flag_word(name: str, value: bool) -> str:
    """``("commercial", False)`` -> ``non-commercial``."""
    return _FLAG_NAMES[(name, value)]


def use_from_words(words: Sequence[str], known: frozenset[str] | None = None, where: str = "--use") -> Use:
    """``--use train-competing-model --use commercial,distributed`` -> ``Use``.

    With ``known`` (the purposes the loaded policy knows), an unknown word or two words that
    contradict each other (``commercial,non-commercial``) raise ``UsageError`` naming ``where``.
    """
    purposes: set[str] = set()
    flags: dict[str, tuple[bool, str]] = {}
    for given in words:
        if not given.replace(",", "").strip():
            # `--use "$PURPOSE"` with the variable unset: with --use-only it wiped the declared
            # use and the gate passed. A value that declares nothing is refused, not skipped.
            raise UsageError(
                f"{where}: empty value {given!r} declares nothing; give a purpose "
                f"({', '.join(sorted(known or PURPOSES))}) or a flag ({', '.join(FLAG_WORDS)})"
            )
    for word in (w.strip().lower() for value in words for w in value.split(",")):
        if not word:
            continue
        if word in FLAG_WORDS:
            name, value = FLAG_WORDS[word]
            if name in flags and flags[name][0] != value:
                raise UsageError(f"{where}: {word!r} contradicts {flags[name][1]!r}; give one of them")
            flags[name] = (value, word)
        elif known is not None and word not in known:
            raise UsageError(
                f"{where}: unknown purpose {word!r}{did_you_mean(word, [*known, *FLAG_WORDS])}; "
                f"purposes: {', '.join(sorted(known))}; flags: {', '.join(FLAG_WORDS)}"
            )
        else:
            purposes.add(word)
    return Use(
        purposes=frozenset(purposes),
        commercial=flags["commercial"][0] if "commercial" in flags else None,
        distributed=flags["distributed"][0] if "distributed" in flags else None,
        research_only=flags["research_only"][0] if "research_only" in flags else None,
    )


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing."""
    import difflib  # a misspelling's hint only: not on every policy load's path

    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close and len(word) >= 3:
        # A word cut short (`eval` for `evaluation`, `comm` for `commercial`) is too far from the
        # whole word for a ratio; the one choice it begins is what was meant.
        close = [c for c in options if c.startswith(word)]
    return f" (did you mean {close[0]!r}?)" if len(close) == 1 else ""


@dataclass(frozen=True, slots=True)
class UseLayer:
    """One declaration of the intended use, with where it comes from."""

    origin: str
    """``policy``, ``configuration`` or ``command line``."""
    where: str
    """What to name in a message: the policy file, ``.provcheck.yaml:LINE``, ``--use``."""
    use: Use
    replace: bool = False
    """Replace the layers before it (``--use-only``, ``use_only: true``) instead of adding."""


@dataclass(frozen=True, slots=True)
class EffectiveUse:
    """The declared use after every layer is merged, and which layer declared each part."""

    use: Use
    origins: Mapping[str, str]
    """Part (a purpose, or ``commercial``/``distributed``/``research_only``) -> origin."""
    replaced: tuple[str, ...] = ()
    """What a replacing layer (``--use-only``) dropped, each part with its origin
    (``train-competing-model (policy)``): reports say the declared use was replaced, not only
    what it became."""

    def declared_by(self) -> str | None:
        """Who declared the use, in layer order: ``policy, command line``; None if nobody."""
        order = ("policy", "configuration", "command line")
        found = {part for origin in self.origins.values() for part in origin.split(", ")}
        return ", ".join(o for o in order if o in found) or None

    def origin_dict(self) -> dict[str, Any]:
        """Plain form for the run record: ``{"purpose": {p: origin}, flag: origin}``."""
        out: dict[str, Any] = {"purpose": {p: self.origins[p] for p in sorted(self.use.purposes)}}
        for name in FLAGS:
            out[name] = self.origins.get(name) if getattr(self.use, name) is not None else None
        return out


def merge_use(layers: Sequence[UseLayer]) -> EffectiveUse:
    """Layers in order (policy, configuration, command line): each adds to those before it.

    A flag that contradicts one an earlier layer set (``non-commercial`` over the policy's
    ``commercial: true``) is a ``UsageError``, unless the layer replaces (``--use-only``): a
    plausible option must never quietly weaken the declared use.
    """
    purposes: dict[str, str] = {}
    flags: dict[str, tuple[bool, UseLayer]] = {}
    credits: dict[str, str] = {}
    """Each flag's origins: a layer that repeats a flag is credited too."""
    dropped: dict[tuple[str, object], str] = {}
    for layer in layers:
        if layer.replace:
            dropped.update({(p, None): f"{p} ({origin})" for p, origin in purposes.items()})
            dropped.update({(n, v): f"{flag_word(n, v)} ({credits[n]})" for n, (v, _) in flags.items()})
            purposes.clear()
            flags.clear()
            credits.clear()
        for purpose in sorted(layer.use.purposes):
            # A purpose the command line repeats is credited to both: the report said "(policy)"
            # only, and the --use the user gave showed nowhere but in the command line.
            _credit(purposes, purpose, layer.origin)
        for name in FLAGS:
            value = getattr(layer.use, name)
            if value is None:
                continue
            if name in flags and flags[name][0] != value:
                before = flags[name][1]
                raise UsageError(
                    f"{layer.where}: {flag_word(name, value)!r} contradicts {flag_word(name, not value)!r} "
                    f"declared by the {before.origin} ({before.where})",
                    hint="the declared use can only be added to; to replace it, pass --use-only "
                    "(or set `use_only: true` in .provcheck.yaml)",
                )
            flags.setdefault(name, (value, layer))
            _credit(credits, name, layer.origin)
    _refuse_commercial_research(flags)
    use = Use(
        purposes=frozenset(purposes),
        **{name: flags[name][0] if name in flags else None for name in FLAGS},
    )
    origins = dict(purposes)
    origins.update({name: credits[name] for name in flags})
    kept = {(p, None) for p in purposes} | {(n, v) for n, (v, _) in flags.items()}
    return EffectiveUse(use, origins, tuple(text for key, text in dropped.items() if key not in kept))


def _refuse_commercial_research(flags: Mapping[str, tuple[bool, UseLayer]]) -> None:
    """A use both ``commercial`` and ``research-only`` is refused: research-only terms allow no
    commercial use (the research-only clauses of ``policies/dataset-licences.yaml``), and the
    research-only rules test ``use.research_only`` alone. So
    ``--use research-only`` over a policy's ``commercial: true``, an addition as documented,
    turned off ``research-only-licence-outside-research`` and the copy passed, exit 0, where
    ``non-commercial`` is refused as a contradiction (adversarial pass 23)."""
    research, commercial = flags.get("research_only"), flags.get("commercial")
    if research is None or commercial is None or not research[0] or not commercial[0]:
        return
    r, c = research[1], commercial[1]
    said = f"{r.where}: 'research-only' contradicts 'commercial'"
    if r is not c:
        said += f" declared by the {c.origin} ({c.where})"
    raise UsageError(
        f"{said}: research-only material may not be used commercially, and a use both would "
        "turn the research-only rules off",
        hint="declare one of them: a commercial use is not research-only (to replace the declared "
        "use, pass --use-only, or set `use_only: true` in .provcheck.yaml)",
    )


def _credit(origins: dict[str, str], part: str, origin: str) -> None:
    """Credit ``part`` of the use to ``origin`` too (``policy, command line``)."""
    have = origins.get(part)
    if have is None:
        origins[part] = origin
    elif origin not in have.split(", "):
        origins[part] = f"{have}, {origin}"
