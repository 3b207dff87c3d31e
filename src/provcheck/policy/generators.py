"""Which provider's model a generator name names: the catalogue of model names.

A record that names its own generator (``"model": "gpt-4-0613"``, AlpacaEval's ``"generator":
"claude-2.1"``) declares whose output its text is, but the packs' rules are about a provider's
output (``source.provider: openai``): the name has to be resolved to a provider before any rule
can apply. This module is the one place that does it, in this order:

1. the catalogue of known datasets' model nodes (``model:meta/llama-2-70b-chat``: exact names,
   with a licence where the catalogue records one);
2. the packs' own generator globs: every ``source.generator`` glob of a rule that tests one
   provider (``google-declared-source``'s ``gemini*``, ``palm*``, ``bard*``; OpenAI's
   ``gpt-oss*``; Meta's ``*llama-2*``), and the ``generators:`` of a terms version cited by
   such a rule (the Llama licences);
3. ``PROVIDER_GLOBS`` below, the common names of each provider the packs know;
4. a Hugging Face organisation before the name (``mistralai/…``, ``meta-llama/…``).

Names are compared in lower case, with spaces and ``_`` also read as ``-`` (``gpt4_0613``,
``Claude 3 Opus``). A name none of these resolve is *unknown*: never dropped, it is counted and
reported (``policy/selfdeclared.py``). Nothing here is a term: a provider's rules come only
from the packs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from provcheck.policy.model import Policy, SourceFacts, comparisons
from provcheck.support.globs import name_match

PROVIDER_GLOBS: Mapping[str, tuple[str, ...]] = {
    "openai": (
        "gpt-3*",
        "gpt-35*",
        "gpt3*",
        "gpt-4*",
        "gpt4*",
        "gpt-5*",
        "gpt5*",
        "chatgpt*",
        "o1",
        "o1-*",
        "o3",
        "o3-*",
        "o4-mini*",
        "text-davinci*",
        "davinci*",
        "code-davinci*",
        "text-curie*",
        "text-babbage*",
        "text-ada*",
        "gpt-oss*",
        "gpt-1*",
        "gpt-2*",
        "gpt2*",
        "openai-gpt*",
    ),
    "anthropic": ("claude*", "bedrock-claude*", "anthropic-*"),
    "google": ("gemini*", "gemma*", "palm*", "*bison*", "bard*", "learnlm*", "med-palm*"),
    "meta": ("llama*", "meta-llama*", "codellama*", "code-llama*"),
    "mistral": (
        "mistral*",
        "mixtral*",
        "open-mistral*",
        "open-mixtral*",
        "codestral*",
        "ministral*",
        "magistral*",
        "pixtral*",
        "mathstral*",
        "devstral*",
    ),
    "xai": ("grok*",),
    "deepseek": ("deepseek*",),
    "alibaba": ("qwen*", "qwq*", "qvq*"),
    "cohere": ("command", "command-*", "c4ai-*", "aya-*", "cohere*"),
}
"""Glob patterns (lower case, ``-`` for ``_`` and spaces) of each provider's model names, for the
providers the shipped packs have rules about (the names the packs test: ``source.provider``).
The packs accept ``alibaba`` or ``qwen`` for Qwen models; ``alibaba`` is used, as AlpacaEval's
list of generators says."""

ORGANISATIONS: Mapping[str, str] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "models": "google",
    "meta-llama": "meta",
    "mistralai": "mistral",
    "xai": "xai",
    "x-ai": "xai",
    "deepseek-ai": "deepseek",
    "qwen": "alibaba",
    "cohereforai": "cohere",
    "coherelabs": "cohere",
}
"""Hugging Face (and API router) organisations before a model name, ``org/name``: the provider
whose model it is when the name itself resolves to none."""

_SEPARATORS = re.compile(r"[\s_]+")


def fold(name: str) -> str:
    """A model name as compared: lower case, runs of spaces and ``_`` as one ``-``."""
    return _SEPARATORS.sub("-", name.strip().lower())


@dataclass(frozen=True, slots=True)
class Resolved:
    """A generator name resolved to the provider whose model it is."""

    provider: str
    """The provider, as the packs name it (``openai``, ``anthropic``, ``meta``...)."""
    how: str
    """Where the answer comes from: ``catalogue``, ``pack`` (with the rule or terms id),
    ``names`` (``PROVIDER_GLOBS``) or ``organisation``."""
    license: str | None = None
    """The model's licence where the catalogue records one (``LicenseRef-Llama-2``)."""


class Generators:
    """The catalogue of model names for one policy (its packs' globs) and the known datasets'
    model nodes."""

    def __init__(self, policy: Policy, models: Mapping[str, SourceFacts] | None = None) -> None:
        self._exact: dict[str, SourceFacts] = {}
        for facts in (models or {}).values():
            if facts.generator and facts.provider:
                self._exact.setdefault(fold(facts.generator), facts)
        self._pack = list(_pack_globs(policy))
        self._memo: dict[str, Resolved | None] = {}

    def resolve(self, name: str) -> Resolved | None:
        """The provider whose model ``name`` is, or None when no catalogue knows the name."""
        key = fold(name)
        if key in self._memo:
            return self._memo[key]
        found = self._resolve(key)
        if len(self._memo) < 4096:  # names come from data: bounded
            self._memo[key] = found
        return found

    def _resolve(self, key: str) -> Resolved | None:
        org, _, bare = key.rpartition("/")
        for name in dict.fromkeys((key, bare)):
            exact = self._exact.get(name)
            if exact is not None and exact.provider:
                return Resolved(exact.provider, "catalogue", exact.license)
            for provider, glob, where in self._pack:
                if name_match(name, glob):
                    return Resolved(provider, f"pack ({where})")
            for provider, globs in PROVIDER_GLOBS.items():
                if any(name_match(name, g) for g in globs):
                    return Resolved(provider, "names")
        first = org.split("/", 1)[0]
        if first in ORGANISATIONS:
            return Resolved(ORGANISATIONS[first], "organisation")
        return None


def _pack_globs(policy: Policy) -> Iterator[tuple[str, str, str]]:
    """``(provider, glob, rule or terms id)`` for every generator glob of a rule that tests one
    provider, and every ``generators:`` glob of a terms version such a rule cites."""
    cited: dict[str, str] = {}
    for rule in policy.rules:
        found = comparisons(rule.when)
        providers = {
            str(v).lower()
            for c in found
            if c.field == "source.provider" and c.op in ("equals", "in")
            for v in (c.value if isinstance(c.value, (list, tuple)) else [c.value])
        }
        if len(providers) != 1 and providers != {"alibaba", "qwen"}:
            continue
        provider = "alibaba" if "alibaba" in providers else next(iter(providers))
        for c in found:
            if c.field == "source.generator" and c.op == "glob":
                for glob in c.value if isinstance(c.value, (list, tuple)) else [c.value]:
                    yield provider, fold(str(glob)), rule.id
        if rule.clause is not None and rule.clause.terms:
            cited.setdefault(rule.clause.terms, provider)
    for terms_id, provider in cited.items():
        terms = policy.terms.get(terms_id)
        for version in terms.versions if terms is not None else ():
            for glob in version.generators:
                yield provider, fold(glob), terms_id


__all__ = ["ORGANISATIONS", "PROVIDER_GLOBS", "Generators", "Resolved", "fold"]
