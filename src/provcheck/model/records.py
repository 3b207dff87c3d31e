"""Records as read: turns with their roles and field paths, strings not read, read errors."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from provcheck.model.ids import (
    ContentHash,
)


@enum.unique
class RoleKind(str, enum.Enum):
    """What kind of speaker a turn has, whatever the schema calls it."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"
    """Output of a tool the model called (tool messages, ``tool_result`` blocks, observations)."""
    TEXT = "text"
    """A text field with no speaker (plain text records, unknown schemas)."""
    FIELD = "field"
    """A string field outside the record's schema (metadata, extra columns): scanned, but never
    reference material by default."""
    REASONING = "reasoning"
    """A model's reasoning trace (``reasoning_content``, ``thinking`` blocks): model output."""
    TOOL_CALL = "tool_call"
    """A call the model made to a tool (``tool_calls`` arguments, ``tool_use`` input): model output."""


@enum.unique
class SkipReason(str, enum.Enum):
    """Why a string in a record was not read as text (each is counted in the report)."""

    EMPTY = "empty"
    """Only whitespace."""
    NO_TOKENS = "no-tokens"
    """No word or character a match could use (only punctuation, symbols or emoji)."""
    ID = "id"
    """An identifier: an id-named field without spaces, a UUID or a hex digest."""
    URL = "url"
    """A URL or data URI."""
    LABEL = "label"
    """A short value of a label-named field (role, type, name, language, model, split ...)."""
    NUMBER = "number"
    """A number, date or time written as a string."""
    ENCODED = "encoded"
    """Encoded or encrypted data (base64 blobs, ``redacted_thinking`` data, signatures)."""
    NOT_SELECTED = "not-selected"
    """Outside the field chosen with ``--text-field``."""
    ROLE = "role"
    """A turn that ``--roles`` does not select (read, but not scanned)."""
    LIMIT = "limit"
    """Nested deeper than the documented limit (also reported as a located error)."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A string of a record that was not read as text, and why."""

    field: str
    """Path of the string (or of the container beyond the nesting limit) in the record."""
    reason: SkipReason
    value: str | None = None
    """The value, for a licence or a generator the record names in its own ``license`` or
    ``model`` (``generator``...) field: not text to match, but what the record declares about
    itself (read as a declaration of its file, ``scan/fields.py``)."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where a record is in its file."""

    path: str
    """The file path as given on the command line (joined under a given directory)."""
    index: int
    """0-based position of the record in its file."""
    line: int | None = None
    """1-based line where the record starts, where the container has lines."""
    end_line: int | None = None
    """1-based last line of a record joined from several lines (streamed chunks of one
    response, ``inputs.streams``); None for a record of one line."""
    end_index: int | None = None
    """0-based position of the last record a match covers when it spans consecutive records (a
    run of short records, ``scan.runs``: records ``index`` to ``end_index``); None for one."""

    @property
    def covers(self) -> range:
        """The positions of the records this location covers (one, or a run's)."""
        return range(self.index, (self.end_index if self.end_index is not None else self.index) + 1)

    @property
    def lines(self) -> str:
        """``3``, or ``3-57`` for a record joined from lines 3 to 57 ("" without lines)."""
        if self.line is None:
            return ""
        return f"{self.line}-{self.end_line}" if self.end_line else str(self.line)


@dataclass(frozen=True, slots=True)
class Turn:
    """One text-carrying part of a record: a chat turn or a field."""

    role: str
    """The role as the data spells it (``gpt``, ``assistant``, ``output``, ``text`` ...)."""
    kind: RoleKind
    """The role's kind, independent of the schema's vocabulary."""
    position: int
    """0-based position of the turn in its record."""
    field: str
    """Path of the text in the record, e.g. ``conversations[3].value``."""
    text: str
    """The text (NFC-normalized)."""


@dataclass(frozen=True, slots=True)
class Record:
    """A record read from a dataset, with its text-carrying turns."""

    location: Location
    """Where the record is."""
    id: str | None
    """The record's own id (``id`` or ``--id-field``), if it has one."""
    schema: str
    """The schema its turns were read with (``sharegpt``, ``openai``, ``alpaca``, ``text``...)."""
    turns: tuple[Turn, ...]
    """Every text-carrying turn, in record order."""
    content_hash: ContentHash
    """Digest of the turns' roles and texts; identical records share it."""
    skipped: tuple[Skipped, ...] = ()
    """Every string of the record that no turn reads, with the reason it was not read."""


@enum.unique
class ErrorKind(str, enum.Enum):
    """What went wrong with a piece of input."""

    FILE = "file"
    """The file as a whole cannot be read (missing, binary, unsupported)."""
    PARSE = "parse"
    """A record is not valid in its container format (bad JSON, bad CSV row)."""
    ENCODING = "encoding"
    """Bytes that are not valid in the file's text encoding."""
    SCHEMA = "schema"
    """A record parses but has no text where its schema puts it."""
    LIMIT = "limit"
    """A documented size or depth limit was exceeded."""


@dataclass(frozen=True, slots=True)
class RecordError:
    """Input that could not be read. Reported; the rest of the scan goes on."""

    path: str
    """The file, as given."""
    kind: ErrorKind
    """What kind of problem it is."""
    message: str
    """What was found and what was expected."""
    line: int | None = None
    """1-based line, where the container has lines."""
    index: int | None = None
    """0-based record position, where known."""
    field: str | None = None
    """The field concerned, where one is."""

    def where(self) -> str:
        """``path:line`` (or ``path record N``) for messages."""
        if self.line is not None:
            return f"{self.path}:{self.line}"
        if self.index is not None:
            return f"{self.path} record {self.index}"
        return self.path
