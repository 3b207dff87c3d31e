"""Identifiers of the values that cross stages: distinct types, so that mypy keeps them apart."""

from __future__ import annotations

from typing import NewType

ReferenceId = NewType("ReferenceId", str)
"""Id of a reference record: its ``--id-field`` value, else ``<source>#<position>``."""
SourceName = NewType("SourceName", str)
"""Name of a reference source, unique within an index."""
ContentHash = NewType("ContentHash", str)
"""Hex digest of a record's or a text's content; independent of its position in a file."""
MatchId = NewType("MatchId", str)
"""Stable id of a match: candidate content, turn and reference, never positions."""
FindingId = NewType("FindingId", str)
"""Stable id of a finding: rule, record content, turn and reference, never line numbers."""
