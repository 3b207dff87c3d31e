"""One error root that knows its exit code.

Every error a user can cause is a ``ProvcheckError``; the CLI maps it to ``exit_code`` in one
place. Exit code 1 is reserved for blocking findings and is never produced by an error.
"""

from __future__ import annotations

import enum


@enum.unique
class ExitCode(enum.IntEnum):
    """Process exit codes. Documented in README.md; never renumber, only add."""

    OK = 0
    """The scan completed and no finding has an action in ``--fail-on``."""
    FINDINGS = 1
    """The scan completed and at least one finding blocks."""
    USAGE = 2
    """Bad command line (unknown option, missing argument, bad value)."""
    POLICY = 3
    """A policy or waivers file is invalid."""
    INPUT = 4
    """Input could not be read: a path is missing or a file or record is unreadable."""
    INDEX = 5
    """The reference index is missing, corrupt, locked or built with other parameters."""
    CONFIG = 6
    """A project configuration file (``.provcheck.yaml``) is invalid."""
    ENGINE = 7
    """Workers failed (a process was killed, a Ray cluster lost a node beyond its retries):
    the run is incomplete and no report was written."""
    INTERNAL = 10
    """A bug in provcheck. Please report it with the command line."""
    INTERRUPTED = 130
    """Interrupted by the user (Ctrl-C)."""
    BROKEN_PIPE = 141
    """The reader of the output went away (``provcheck ... | head -1``): 128 + SIGPIPE, as a
    shell reports a process killed by a closed pipe. Nothing is printed."""


class ProvcheckError(Exception):
    """Root of every error provcheck reports to a user.

    The message has the shape: where (file:line), what was found, what is allowed, how to fix.
    """

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class UsageError(ProvcheckError):
    """A command-line argument or option has a value provcheck cannot use."""

    exit_code = ExitCode.USAGE


class OutputError(UsageError):
    """A report or other output file cannot be written (disk full, permissions)."""


class TempSpaceError(OutputError):
    """A temporary file provcheck needs (a scan's results past memory, a report's findings
    being encoded) cannot be written: $TMPDIR is full, gone or read-only. Named as such, since
    another ``--output`` would fail the same way."""

    @classmethod
    def of(cls, exc: OSError) -> TempSpaceError:
        """The error for ``exc``, raised writing a temporary file."""
        import tempfile  # only on this path: the hook's start-up does not need it

        where = f" in {tempfile.tempdir}" if tempfile.tempdir else ""
        return cls(
            f"cannot write a temporary file{where}: {exc.strerror or exc}; no report was written",
            hint="set TMPDIR to a directory with free space that you may write to",
        )


class ReaderGone(ProvcheckError):
    """The reader of standard output closed it (``| head -1``): not an error to print."""

    exit_code = ExitCode.BROKEN_PIPE


class InputError(ProvcheckError):
    """An input path cannot be read at all (missing, unreadable, unsupported)."""

    exit_code = ExitCode.INPUT


class ReferenceIndexError(ProvcheckError):
    """The reference index cannot be used."""

    exit_code = ExitCode.INDEX


class IndexMismatchError(ReferenceIndexError):
    """The index was built with parameters this scan cannot use."""


class IndexCorruptError(ReferenceIndexError):
    """A file of the index is missing, truncated or fails its checksum."""


class IndexLockedError(ReferenceIndexError):
    """Another process is writing to the index."""


class IndexWriteError(ReferenceIndexError):
    """The index cannot be written (disk full, permissions); the previous index is kept."""


class GateChangeError(ProvcheckError):
    """A commit changes the configuration the pre-commit gate runs under together with the
    dataset records it would check under that configuration."""

    exit_code = ExitCode.CONFIG


class EngineError(ProvcheckError):
    """The workers could not finish the run; nothing is reported as complete."""

    exit_code = ExitCode.ENGINE


class InvalidFileError(ProvcheckError):
    """A file provcheck reads for instructions is invalid; carries every problem, each located."""

    what = "file"

    def __init__(self, problems: list[str], *, what: str | None = None, hint: str | None = None) -> None:
        self.problems = list(problems)
        what = what or self.what
        count = len(self.problems)
        head = f"invalid {what}" if count == 1 else f"invalid {what} ({count} problems)"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems), hint=hint)


class PolicyError(InvalidFileError):
    """A policy or waivers file is invalid."""

    exit_code = ExitCode.POLICY
    what = "policy"


class ConfigError(InvalidFileError):
    """A project configuration file (``.provcheck.yaml``) is invalid."""

    exit_code = ExitCode.CONFIG
    what = "configuration"


class SourcesError(InvalidFileError):
    """A sources manifest given to ``index build`` is invalid (a usage error)."""

    exit_code = ExitCode.USAGE
    what = "sources manifest"
