"""What every command shares: error-to-exit-code mapping, output files, progress on stderr."""

from __future__ import annotations

import contextlib
import errno
import functools
import gc
import io
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from provcheck.errors import ExitCode, OutputError, ProvcheckError, ReaderGone, UsageError
from provcheck.support import atomic
from provcheck.support.collection import cycles_paused

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from provcheck.model import RecordError

# rich, the report registry and the record model are imported where they are used, not here:
# every command imports this module, and `provcheck --help` should cost little more than click
# (tests/unit/test_startup.py).

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a command's modules are imported.

    An import builds long-lived objects (modules, classes, the methods each dataclass
    compiles) and next to no garbage, yet the collector runs every 700 allocations and walks
    the young objects each time: ~100 collections, ~20 ms of the ~450 ms of CPU of a hook that
    scans (docs/startup.md). It is switched back on afterwards (when it was on before), so the
    command's own work is collected as usual.
    """
    was = gc.isenabled()
    before = len(sys.modules)
    gc.disable()
    try:
        yield
    finally:
        if len(sys.modules) > before:
            gc.freeze()
        if was:
            gc.enable()


class _Stderr:
    """rich's console on stderr, built on first use (importing rich costs ~40 ms)."""

    _console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)
        return self._console

    def print(self, *objects: Any, **kwargs: Any) -> None:
        if self._console is None and kwargs == {"markup": False} and len(objects) == 1 and _plain(objects[0]):
            # What rich writes for such text, byte for byte (tests/unit/test_stderr_plain.py),
            # without importing rich: a hook's verdict and findings cost ~25 ms less. Once the
            # console exists (a live progress bar may own the terminal) it prints everything.
            sys.stderr.write(objects[0] + "\n")
            return
        self.console.print(*objects, **kwargs)


def _plain(text: object) -> bool:
    """Text that rich prints unchanged (no markup, no highlighting, soft wrap): printable
    lines, which rich neither strips (``\\r``, ``\\b``...) nor expands (tabs), in an encoding
    that holds them."""
    if sys.stderr is None or not isinstance(text, str) or not text.replace("\n", "").isprintable():
        return False
    return text.isascii() or (getattr(sys.stderr, "encoding", None) or "").lower().replace("-", "") == "utf8"


stderr = _Stderr()


ENGINE = click.option(
    "--engine",
    "engine_name",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Where the work runs: this machine's processes, or a Ray cluster (pip install 'provcheck[ray]').",
)
ADDRESS = click.option(
    "--address",
    metavar="ADDR",
    default=None,
    help="Ray cluster to join (HOST:PORT or auto); default: start Ray on this machine.",
)


def check_engine(engine: str, address: str | None) -> None:
    """``--address`` names a Ray cluster: without ``--engine ray`` it would be ignored."""
    if address is not None and engine != "ray":
        raise UsageError(
            f"--address {address!r} names a Ray cluster, but the engine is {engine!r}",
            hint="add --engine ray, or leave out --address",
        )


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_main(group: click.Group) -> None:
    """Run the click group; every exit goes through one mapping of errors to codes."""
    # A scheduler's SIGTERM (Slurm, Kubernetes, CI timeouts) ends the run like Ctrl-C: temporary
    # files are removed and no report is left half-written.
    signal.signal(signal.SIGTERM, _terminated)
    code = _run(group)
    try:
        # Flushed here, not at the interpreter's exit, so that a reader that went away after
        # the last write (`scan | head -1` with findings, which exits 1) is still seen.
        sys.stdout.flush()
    except BrokenPipeError:
        code = _broken_pipe()
    sys.exit(code)


def _run(group: click.Group) -> int | str | None:
    """The exit code (or message) of one run of the group."""
    try:
        group.main(standalone_mode=False)
    except SystemExit as exc:
        return exc.code
    except click.exceptions.Abort:
        stderr.print("provcheck: interrupted", markup=False)
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except ReaderGone:
        return _broken_pipe()
    except ProvcheckError as exc:
        report_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        stderr.print("provcheck: interrupted", markup=False)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return _broken_pipe()
    except Exception:
        if os.environ.get("PROVCHECK_DEBUG"):
            import traceback  # only here: not on every command's path

            traceback.print_exc()
        stderr.print(
            "provcheck: internal error (a bug). Please report it with the command line; "
            "set PROVCHECK_DEBUG=1 to see the traceback.",
            markup=False,
        )
        return ExitCode.INTERNAL
    return ExitCode.OK


def _broken_pipe() -> int:
    """The reader of our output went away (`| head -1`): quietly, with the code a shell
    reports for SIGPIPE, so that `set -o pipefail` pipelines see neither findings (1) nor a
    bug (10), and without the interpreter's own complaint when it flushes stdout."""
    _silence_stdout()
    return ExitCode.BROKEN_PIPE


def report_error(exc: ProvcheckError) -> None:
    """Print an error the standard way (its lines may quote data: control characters escaped)."""
    from provcheck.report.terminal import printable_lines

    stderr.print(f"provcheck: error: {printable_lines(exc)}", markup=False)


def say(text: object, indent: int = 0) -> None:
    """Print data on stdout through the one printable filter: control characters escaped, and
    the lines of a multi-line value indented by ``indent`` so that none can pass for a line of
    provcheck's own."""
    from provcheck.report.terminal import printable

    lines = str(text).rstrip("\n").split("\n")
    click.echo("\n".join([printable(lines[0]), *(" " * indent + printable(li) for li in lines[1:])]))


def handle_errors(fn: F) -> F:
    """Map ``ProvcheckError`` to its exit code inside a command (so CliRunner sees it too)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ReaderGone:
            raise  # quietly, by run_main
        except ProvcheckError as exc:
            report_error(exc)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def write_output(
    path: str | None, report: str | Callable[[Any], None], binary: bool = False, what: str = "--output"
) -> None:
    """Write ``report`` (text, or a function that writes to a stream) to ``path``, or to stdout.

    A file is written by ``support.atomic``: whole or not at all, a special file (``/dev/null``,
    a FIFO) in place and never replaced, an existing file's mode kept, a new one under the umask.
    ``binary``: the function writes bytes (a PDF).
    """
    write = _writer(report)  # a text, or a function of a text or (``binary``) a byte stream
    if path is None or path == "-":
        if binary:
            raw = sys.stdout.buffer
            write(raw)
            raw.flush()
            return
        stdout = _Echo()
        try:
            write(stdout)
            stdout.flush()
        except OSError as exc:
            _silence_stdout()
            raise OutputError(
                f"cannot write the report to standard output: {exc.strerror or exc}",
                hint="write it to a file with --output, on a disk with free space",
            ) from None
        return
    check_target(path, what)
    try:
        atomic.write_atomic(path, write, binary=binary)
    except OSError as exc:
        kept = "the previous file is unchanged" if os.path.isfile(path) else "nothing was written"
        raise OutputError(
            f"{what} {path}: cannot write: {exc.strerror or exc}; {kept}", hint=_hint(exc)
        ) from None


Output = tuple[str | None, Callable[[Any], None], bool]
"""A report to write: its path (None or ``-`` for standard output), its writer, binary or not."""


def write_outputs(outputs: Sequence[Output]) -> None:
    """Write every ``(path, report, binary)`` of a run as ``write_output`` does, all or none.

    Each file is first written whole to a temporary file beside it; only when every one is
    complete (and standard output and special files are written) are they renamed into place.
    Written one after the other, a full disk on the second report left the first one, the
    report of a run that exited 2, where a CI step picked it up.
    """
    staged: list[atomic.Staged] = []
    try:
        for path, report, binary in outputs:
            if path is None or path == "-" or atomic.is_special(path):
                continue
            check_target(path)
            try:
                staged.append(atomic.stage(path, _writer(report), binary=binary))
            except OSError as exc:
                kept = "the previous file is unchanged" if os.path.isfile(path) else "nothing was written"
                others = "; no other report was written either" if len(outputs) > 1 else ""
                raise OutputError(
                    f"--output {path}: cannot write: {exc.strerror or exc}; {kept}{others}",
                    hint=_hint(exc),
                ) from None
        for path, report, binary in outputs:
            if path is None or path == "-" or atomic.is_special(path):
                write_output(path, report, binary)
        for done in staged:
            done.commit()
    finally:
        for done in staged:
            done.discard()


def _writer(report: str | Callable[[Any], None]) -> Callable[[Any], None]:
    if isinstance(report, str):
        text = report
        return lambda out: out.write(text)
    # A report's dicts and strings die by reference counting (``support.collection``).
    return cycles_paused()(report)


def check_target(path: str, what: str = "--output") -> None:
    """Refuse an output that cannot be written where it is named, before any work is done: a
    scan of hours wrote its first report and then failed on a second one whose folder did not
    exist (adversarial pass 11), leaving a report of a run that exited 2."""
    if path == "-" or atomic.is_special(path):
        return
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"{what} {path}: directory {directory} does not exist")
    if os.path.isdir(path):
        raise UsageError(f"{what} {path} is a directory; give a file name")
    try:
        # A folder one may not write to (or /proc, /sys, a read-only mount) failed only when the
        # report was written: after the scan, and after the outputs before it were written, so
        # a CI step kept a JSON report of a run that exited 2 (adversarial pass 12).
        atomic.probe(path)
    except OSError as exc:
        raise OutputError(
            f"{what} {path}: cannot write there: {exc.strerror or exc}",
            hint=_hint(exc),
        ) from None


def _hint(exc: OSError) -> str:
    """What to do about an output error: only a full disk is helped by freeing space."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "free disk space or choose another --output"
    if exc.errno == errno.EISDIR:
        return "give a file name, not a directory"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "choose an --output you may write to"
    return "choose another --output"


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush does not fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def refuse_outputs_over_inputs(outputs: list[str], inputs: list[str], what: str = "--output") -> None:
    """No output may replace an input: ``-o data.jsonl`` where data.jsonl is scanned is refused."""
    for out in outputs:
        if atomic.is_special(out):
            continue
        for given in inputs:
            if atomic.same_file(out, given):
                raise UsageError(
                    f"{what} {out} is an input of this run ({given}): the report would replace it",
                    hint="write the report somewhere else",
                )
            if _replaces_data_under(out, given):
                raise UsageError(
                    f"{what} {out} is a file under the scanned directory {given} and not a provcheck "
                    "report: the report would replace a dataset file",
                    hint="write the report somewhere else (a report provcheck wrote there before may be "
                    "replaced: it is recognised and never scanned)",
                )


def _replaces_data_under(out: str, directory: str) -> bool:
    """True when ``out`` is an existing file inside the scanned ``directory`` that provcheck did
    not write: a file found there is data to scan, and a report must never replace it."""
    from provcheck.inputs import own_report  # the readers: only when an output is checked

    if "://" in directory or not os.path.isdir(directory) or not os.path.isfile(out):
        return False
    root = os.path.realpath(directory)
    target = os.path.realpath(out)
    return os.path.commonpath([root, target]) == root and not own_report(target)


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
            try:
                click.echo(self.getvalue(), nl=False)
            except BrokenPipeError:
                # Not an OSError any more: rich (the text table) and click would each turn a
                # closed pipe into exit 1, the code of blocking findings.
                raise ReaderGone("the reader of the output went away") from None
            self.seek(0)
            self.truncate()

    def close(self) -> None:
        # What was not flushed is dropped: a report that failed half-way is not completed.
        self.seek(0)
        self.truncate()
        super().close()


def format_error(e: RecordError) -> str:
    """``path:line: kind: message``."""
    from provcheck.report.terminal import printable

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
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn(label, markup=False),
                # A file name is data: "[red]" or ":smile:" in it is text, neither markup nor emoji.
                TextColumn("{task.description}", markup=False, style="progress.description"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[count]:,} records {task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=stderr.console,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("", total=None, rate="", count=0)

    def file_started(self, path: str) -> None:
        """Show the file."""
        if self._bar is not None:
            from provcheck.report.terminal import printable

            self._bar.update(self._task, description=printable(os.path.basename(path)))

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


def refuse_repeated_keys(option: str, items: tuple[str, ...] | list[str]) -> None:
    """Refuse ``KEY=VALUE`` items of a repeatable option that give one key two values.

    ``--match min-tokens=25 --match min_tokens=1000`` (a CI template's, then a job's) kept the
    last without a word, as click does with a one-value option given twice (``cli._refuse_repeated``).
    Keys are compared as the option reads them: ``-`` and ``_`` alike, case and spaces ignored.
    """
    seen: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            continue  # the option's own check says what is wrong
        name = key.strip().lower().replace("-", "_")
        first = seen.setdefault(name, item)
        if first.partition("=")[2].strip() != value.strip():
            raise UsageError(
                f"{option} {key.strip()} given twice ({first!r}, then {item!r}): give it once; "
                "the second would silently replace the first"
            )
