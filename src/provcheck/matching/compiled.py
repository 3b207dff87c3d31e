"""Which alignment and tokenizer paths run: the compiled ones (``_align.c``, ``_tokens.c``,
built by ``setup.py`` where a C compiler is found) or the pure-Python ones in ``verify.py`` and
``normalize.py``, which are their reference and their fallback. Both give the same alignments
(``tests/unit/test_align_compiled.py``) and the same tokens (``tests/unit/test_tokens_compiled.py``);
the run record says which ran (``BuildFacts.alignment``), never silently.

The same module decodes a shard's token codes and searches its anchor table
(``_align_index.c``: ``index/shard.py`` uses it; ``index/blocks.py`` and ``support/arrays.py``
hold the references, ``tests/unit/test_compiled_index.py`` compares them).

``PROVCHECK_PURE_PYTHON=1`` forces the pure paths (to compare the two, or to rule the compiled
code out). A build whose ``VERSION`` is not the one this code expects (a checkout's stale build
after a C file changed, until ``pip install -e .`` runs again) is not used.
"""

from __future__ import annotations

import os
from types import ModuleType

PURE_VARIABLE = "PROVCHECK_PURE_PYTHON"
"""Set to anything but ``""`` or ``0`` to force the pure-Python alignment."""
VERSION = 3
"""The ``_align.VERSION`` this code calls (raised with every change of its functions; 3:
``passes_many``)."""


def _load() -> tuple[ModuleType | None, str]:
    if os.environ.get(PURE_VARIABLE, "") not in ("", "0"):
        return None, f"pure Python ({PURE_VARIABLE} is set)"
    try:
        from provcheck.matching import _align
    except ImportError as exc:
        return None, f"pure Python (the compiled alignment is not built: {exc})"
    found = getattr(_align, "VERSION", None)
    if found != VERSION:
        return None, (
            f"pure Python (the compiled alignment is version {found}, this code expects {VERSION}: "
            "rebuild it with pip install -e .)"
        )
    return _align, "compiled (provcheck.matching._align)"


ALIGN, ALIGNMENT = _load()
"""The compiled module or None, and which path runs, in words (the run record's
``tool.build.alignment``)."""

TOKENS_VERSION = 5
"""The ``_tokens.VERSION`` this code calls (raised with every change of its functions; 3:
``trigram_sketches``; 4: ``holds_any``; 5: ``token_hashes``)."""


def _load_tokens() -> tuple[ModuleType | None, str]:
    if os.environ.get(PURE_VARIABLE, "") not in ("", "0"):
        return None, f"pure Python ({PURE_VARIABLE} is set)"
    try:
        from provcheck.matching import _tokens
    except ImportError as exc:
        return None, f"pure Python (the compiled tokenizer is not built: {exc})"
    found = getattr(_tokens, "VERSION", None)
    if found != TOKENS_VERSION:
        return None, (
            f"pure Python (the compiled tokenizer is version {found}, this code expects "
            f"{TOKENS_VERSION}: rebuild it with pip install -e .)"
        )
    return _tokens, "compiled (provcheck.matching._tokens)"


TOKENS, TOKENIZER = _load_tokens()
"""The compiled tokenizer loop (``normalize.tokenize``'s characters, in C) or None, and which
path runs, in words."""
PATHS = f"{ALIGNMENT}; tokenizer {TOKENIZER}"
"""Both, as the run record's ``tool.build.alignment`` says them."""
