"""Any other shape: the schema that recognises nothing, so the generic walker reads it all.

Every string of the record is a turn named by its path, unless it is plainly not text (an id,
a URL, a number, a short label: see ``walk.classify``), in which case it is counted as skipped.
So no text is left unscanned when a dataset uses a schema provcheck does not know.
"""

from __future__ import annotations

from typing import Any

from provcheck.inputs.schemas.base import Part
from provcheck.inputs.schemas.walk import MAX_DEPTH

__all__ = ["MAX_DEPTH", "Generic"]


class Generic:
    """Every string of the record (up to ``MAX_DEPTH`` levels), except those plainly not text."""

    name = "generic"

    def matches(self, data: dict[str, Any]) -> bool:
        """Always: this is the fallback."""
        return True

    def turns(self, data: dict[str, Any]) -> list[Part]:
        """Nothing of its own: the walker that follows every schema reads the whole record."""
        return []
