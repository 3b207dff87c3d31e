"""How the engine reports progress without printing: an interface the CLI implements."""

from __future__ import annotations

from typing import Protocol

from provcheck.model import RecordError


class Progress(Protocol):
    """Receives progress events; every method must return quickly."""

    def file_started(self, path: str) -> None:
        """A file is about to be read."""

    def records(self, count: int) -> None:
        """``count`` more records were processed."""

    def error(self, error: RecordError) -> None:
        """A record or file could not be read."""

    def file_done(self, path: str) -> None:
        """A file was read to its end."""

    def position(self, done: int, total: int) -> None:
        """``done`` of ``total`` input bytes are read (``total`` 0 when unknown)."""


class NullProgress:
    """Ignores every event (library use, tests, ``--quiet``)."""

    def file_started(self, path: str) -> None:
        """Ignored."""

    def records(self, count: int) -> None:
        """Ignored."""

    def error(self, error: RecordError) -> None:
        """Ignored."""

    def file_done(self, path: str) -> None:
        """Ignored."""

    def position(self, done: int, total: int) -> None:
        """Ignored."""
