"""What every command shares: error-to-exit-code mapping, output files, progress on stderr."""

from __future__ import annotations

import functools
import io
import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable
from typing import Any, TextIO, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from provcheck.errors import ExitCode, OutputError, ProvcheckError, UsageError
from provcheck.model import RecordError
from provcheck.report.terminal import printable

F = TypeVar("F", bound=Callable[..., Any])

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


ENGINE = click.option(
    "--engine",
    "engine_name",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Where the work runs: this machine's processes, or a Ray cluster (pip install 'provcheck[ray]').",
)
USE = click.option(
    "--use",
    "uses",
    multiple=True,
    metavar="PURPOSE",
    help="Intended use, added to the policy's and .provcheck.yaml's: a purpose (train-competing-model, "
    "fine-tune...) or commercial, non-commercial, distributed, internal, research-only. Repeatable. "
    "A value that contradicts the declared use is an error unless --use-only is given.",
)
USE_ONLY = click.option(
    "--use-only",
    is_flag=True,
    help="The --use values replace the declared use (of the policy and .provcheck.yaml) "
    "instead of adding to it.",
)
ADDRESS = click.option(
    "--address",
    metavar="ADDR",
    default=None,
    help="Ray cluster to join (HOST:PORT or auto); default: start Ray on this machine.",
)


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_main(group: click.Group) -> None:
    """Run the click group; every exit goes through one mapping of errors to codes."""
    # A scheduler's SIGTERM (Slurm, Kubernetes, CI timeouts) ends the run like Ctrl-C: temporary
    # files are removed and no report is left half-written.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        group.main(standalone_mode=False)
    except click.exceptions.Abort:
        stderr.print("provcheck: interrupted", markup=False)
        sys.exit(ExitCode.INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except ProvcheckError as exc:
        report_error(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        stderr.print("provcheck: interrupted", markup=False)
        sys.exit(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`); that is not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(ExitCode.OK)
    except Exception:
        if os.environ.get("PROVCHECK_DEBUG"):
            traceback.print_exc()
        stderr.print(
            "provcheck: internal error (a bug). Please report it with the command line; "
            "set PROVCHECK_DEBUG=1 to see the traceback.",
            markup=False,
        )
        sys.exit(ExitCode.INTERNAL)


def report_error(exc: ProvcheckError) -> None:
    """Print an error the standard way (its lines may quote data: control characters escaped)."""
    text = "\n".join(printable(line) for line in str(exc).split("\n"))
    stderr.print(f"provcheck: error: {text}", markup=False)


def handle_errors(fn: F) -> F:
    """Map ``ProvcheckError`` to its exit code inside a command (so CliRunner sees it too)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ProvcheckError as exc:
            report_error(exc)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def write_output(path: str | None, report: str | Callable[[TextIO], None]) -> None:
    """Write ``report`` (text, or a function that writes to a stream) to ``path``, or to stdout.

    A file is written atomically: to a temporary file in the same directory, renamed over
    ``path`` once complete, so a failed or interrupted report never leaves half a file.
    """
    write = report if callable(report) else lambda out: out.write(report)
    if path is None or path == "-":
        stdout = _Echo()
        write(stdout)
        stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"--output {path}: directory {directory} does not exist")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".provcheck-", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8", buffering=_BUFFER) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            kept = "the previous file is unchanged" if os.path.exists(path) else "nothing was written"
            raise OutputError(
                f"--output {path}: cannot write: {exc.strerror or exc}; {kept}",
                hint="free disk space or choose another --output",
            ) from None
        raise


_BUFFER = 1 << 20
"""Bytes of report text gathered before a write to the file or to stdout."""


class _Echo(io.StringIO):
    """A text stream to stdout through ``click.echo`` (which CliRunner captures and which
    copes with the terminal's encoding), in pieces of about ``_BUFFER`` characters."""

    def write(self, text: str) -> int:
        n = super().write(text)
        if self.tell() >= _BUFFER:
            self.flush()
        return n

    def flush(self) -> None:
        if not self.closed and self.tell():
            click.echo(self.getvalue(), nl=False)
            self.seek(0)
            self.truncate()

    def close(self) -> None:
        # What was not flushed is dropped: a report that failed half-way is not completed.
        self.seek(0)
        self.truncate()
        super().close()


def format_error(e: RecordError) -> str:
    """``path:line: kind: message``."""
    field = f" (field {e.field})" if e.field else ""
    return printable(f"{e.where()}: {e.kind.value}: {e.message}{field}")


class StderrProgress:
    """Progress on stderr: a live bar on a terminal, nothing in CI or with --quiet."""

    def __init__(self, enabled: bool, total_files: int = 0, label: str = "scanning") -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.errors_shown = 0
        self._count = 0
        self._bar: Progress | None = None
        self._task: Any = None
        if self.enabled:
            self._bar = Progress(
                TextColumn(f"{label} [progress.description]{{task.description}}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[count]:,} records {task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=stderr,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("", total=None, rate="", count=0)

    def file_started(self, path: str) -> None:
        """Show the file."""
        if self._bar is not None:
            self._bar.update(self._task, description=os.path.basename(path))

    def records(self, count: int) -> None:
        """Advance the record count and rate."""
        self._count += count
        if self._bar is not None:
            elapsed = self._bar.tasks[0].elapsed
            rate = f"({self._count / elapsed:,.0f}/s)" if elapsed else ""
            self._bar.update(self._task, count=self._count, rate=rate)

    def position(self, done: int, total: int) -> None:
        """Bytes read of the known total: the bar and the time remaining."""
        if self._bar is not None and total:
            self._bar.update(self._task, completed=done, total=total)

    def error(self, error: RecordError) -> None:
        """Errors are printed at the end with the summary."""

    def file_done(self, path: str) -> None:
        """Nothing to do."""

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
