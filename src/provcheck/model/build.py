"""Which build of provcheck wrote a record: ``scan/build.py`` determines it; the run record's
``tool.build`` carries it and every report says it (``describe``)."""

from __future__ import annotations

from dataclasses import dataclass

from provcheck.support.pickling import by_constructor


@dataclass(frozen=True, slots=True)
class BuildFacts:
    """Which code of provcheck wrote the record (``scan/build.py``): a version names every
    checkout and edit between two releases. What cannot be determined is said in ``unknown``."""

    code_sha256: str | None
    """SHA-256 over the imported package's files (``provcheck --version`` prints it), or null
    when a file could not be read."""
    install: str
    """``editable`` (a checkout), ``source`` (imported from a directory pip did not install),
    ``vcs`` (pip install from a repository URL), ``directory`` (from a local directory),
    ``archive`` (from a file), ``index`` (from a package index)."""
    origin: str | None
    """The checkout, directory or URL it was installed from."""
    commit: str | None
    """The git commit, or null when it cannot be determined."""
    dirty: bool | None
    """Whether a file of the package differed from ``commit`` or was not in it when the scan
    ran; null when unknown."""
    unknown: str | None
    """What could not be determined and why, in words; null when everything is known."""
    alignment: str | None = None
    """Which alignment and tokenizer code ran: ``compiled (...); tokenizer compiled (...)``, either
    may be ``pure Python (why)`` (``matching/compiled.py``); both give the same alignments and
    tokens. Null in records written before it was recorded (records
    written before the tokenizer was compiled name the alignment's path alone)."""
    matching_sha256: str | None = None
    """SHA-256, by the recipe of ``code_sha256``, over the files whose change can change what
    matches (``support/matchcode.py``): the digest the measured error rates record of the code
    that measured them, and compare with this scan's. Null when a file could not be read, and in
    records written before it was recorded."""

    def describe(self) -> str:
        """The build in one line (the reports put the version before it)."""
        if self.commit is not None:
            if self.dirty is None:
                state = ""
            elif self.dirty:
                state = (
                    "with uncommitted changes to the package: the commit alone does not give "
                    "this code, the code sha256 identifies it"
                )
            else:
                state = "clean"
            where = f"commit {self.commit}" + (f" ({state})" if state else "")
            where += f"; {self.unknown}" if self.unknown else ""
        else:
            where = f"commit not recorded: {self.unknown or 'unknown'}"
        code = (
            f"code sha256 {self.code_sha256}"
            if self.code_sha256
            else "code digest not recorded (a file of the package could not be read)"
        )
        origin = f" from {self.origin}" if self.origin else ""
        aligned = f"; alignment {self.alignment}" if self.alignment else ""
        matching = f"; matching code sha256 {self.matching_sha256}" if self.matching_sha256 else ""
        return f"{self.install} install{origin}, {where}; {code}{matching}{aligned}"


by_constructor(BuildFacts)  # as ``provcheck.model`` does for the classes it imports
