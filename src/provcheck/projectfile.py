"""The project configuration file, ``.provcheck.yaml``: defaults for a dataset repository.

It is found by walking up from the working directory to the first folder that has one,
stopping at the top of the git working tree (a folder holding ``.git``), like other tools'
configuration files. Relative paths in it resolve from its own folder. Every problem is
reported at once with its line (exit code 6).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from provcheck import yamlfile
from provcheck.errors import ConfigError, UsageError
from provcheck.support.globs import path_glob_problem, path_match

FILENAME = ".provcheck.yaml"
FAIL_ON = ("block", "review", "warn", "info", "never")
LFS_MODES = ("report", "scan", "skip")
"""``report``: an LFS pointer is unreadable input; ``scan``: scan the local LFS object;
``skip``: note the pointer and go on."""


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """Validated ``.provcheck.yaml``; paths are absolute."""

    path: str
    """The file itself."""
    index: str | None = None
    policy: str | None = None
    use: tuple[str, ...] = ()
    use_only: bool = False
    """``use`` replaces the policy's declared use instead of adding to it."""
    include: tuple[str, ...] = ()
    """Globs of dataset files, relative to the file's folder; empty means every dataset file."""
    exclude: tuple[str, ...] = ()
    waivers: str | None = None
    fail_on: str | None = None
    lfs: str | None = None
    cache: str | bool | None = None
    """A cache directory, True for the default location, False for no cache."""
    schema: str | None = None
    text_field: str | None = None
    id_field: str | None = None
    roles: tuple[str, ...] = ()
    workers: int | None = None
    allow_include_outside: bool | None = None
    lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each key, for messages about values used later."""

    @property
    def root(self) -> str:
        """The folder relative paths and globs start from."""
        return os.path.dirname(self.path)

    def where(self, key: str) -> str:
        """``file:line`` of a key."""
        line = self.lines.get(key)
        return f"{self.path}:{line}" if line else self.path

    def selects(self, path: str) -> bool:
        """True when ``path`` (a filesystem path) passes ``include`` and ``exclude``
        (path globs, docs/globs.md: ``*`` stays within a folder, ``**`` spans folders).

        Files outside the configuration's folder are not subject to its globs.
        """
        return self.left_out(path) is None

    def left_out(self, path: str) -> str | None:
        """Why :meth:`selects` leaves ``path`` out, in words naming the glob, or None when it
        selects it: a file no ``include`` glob matches was not excluded by anyone.

        ``include`` globs match in any case: ``data/*.jsonl`` left ``data/b.JSONL`` unscanned,
        counted but not read, where the user meant every JSON Lines file of the folder. The
        wider reading scans more, so it wins; ``exclude`` keeps case (it leaves files out,
        and there the narrower reading wins)."""
        rel = self._relative(path)
        if rel is None:
            return None
        if self.include and not any(path_match(rel, p, any_case=True) for p in self.include):
            return f"matched by no include: glob of {self.path} ({', '.join(self.include)})"
        hit = next((p for p in self.exclude if path_match(rel, p)), None)
        return f"excluded by the exclude: glob {hit} of {self.path}" if hit is not None else None

    def excluded(self, path: str) -> bool:
        """True when an ``exclude`` glob matches ``path`` (left out on purpose)."""
        rel = self._relative(path)
        return rel is not None and any(path_match(rel, p) for p in self.exclude)

    def _relative(self, path: str) -> str | None:
        """``path`` relative to the configuration's folder with ``/``, or None outside it."""
        rel = os.path.relpath(os.path.abspath(path), self.root)
        if rel == ".." or rel.startswith(".." + os.sep):
            return None
        return rel.replace(os.sep, "/")


def _schemas() -> tuple[str, ...]:
    # Imported here: the schemas pull in the tokenizer (numpy), which `hook run` does not
    # need when a commit has no dataset file.
    from provcheck.inputs.schemas import SCHEMAS

    return ("auto", *SCHEMAS)


MISSPELT = (
    ".provcheck.yml",
    "provcheck.yaml",
    "provcheck.yml",
    ".provcheck.YAML",
    ".provcheck.YML",
    ".Provcheck.yaml",
)
"""Names a configuration is plausibly given instead of ``.provcheck.yaml``: none is read, so one
found on the way up is refused rather than passed by (its policy and ``fail_on`` would be left
out while the scan ran under the defaults)."""


def find(start: str = ".") -> str | None:
    """The ``.provcheck.yaml`` governing ``start``, or None; ``ConfigError`` for a configuration
    under another name on the way (``.provcheck.yml``)."""
    here = os.path.abspath(start)
    if os.path.isfile(here):
        here = os.path.dirname(here)
    while True:
        candidate = os.path.join(here, FILENAME)
        for name in MISSPELT:
            other = os.path.join(here, name)
            # On a case-insensitive file system `.provcheck.YAML` is the file itself.
            if os.path.isfile(other) and not (
                os.path.isfile(candidate) and os.path.samefile(other, candidate)
            ):
                _refuse_misnamed(other)
        if os.path.isfile(candidate):
            return candidate
        if os.path.lexists(candidate):
            _refuse_unreadable(candidate)
        parent = os.path.dirname(here)
        if parent == here or os.path.exists(os.path.join(here, ".git")):
            return None
        here = parent


def _refuse_unreadable(path: str) -> None:
    """``ConfigError`` for a ``.provcheck.yaml`` that is there but is no file: a link whose
    target is gone (moved, in a submodule CI did not check out) or a folder was passed by, and
    the run went on under no configuration at all (the default policy: every match a review
    finding), exit 0 where the configuration blocks (adversarial pass 18)."""
    if os.path.islink(path):
        what = f"a symbolic link to {os.readlink(path)}, which is not a file that can be read"
        hint = "restore the file it leads to (check out the submodule holding it), or remove the link"
    else:
        what = "not a file"
        hint = f"the configuration is a file named {FILENAME}; rename what is there"
    raise ConfigError([f"{path}: {what}: the run would go on without its configuration"], hint=hint)


_OWN_KEYS = frozenset(
    {"index", "policy", "exclude", "waivers", "fail_on", "fail-on", "lfs", "cache", "schema"}
    | {"text_field", "id_field", "roles", "workers", "allow_include_outside", "use_only"}
)
"""Keys only a configuration has (a policy has ``use`` and ``include`` too, none of these)."""


def _refuse_misnamed(path: str) -> None:
    """``ConfigError`` when ``path`` (``.provcheck.yml``...) holds a configuration: a key only a
    configuration has. Anything else under such a name (a policy called ``provcheck.yaml``) is
    not provcheck's to judge here."""
    try:
        data = yamlfile.load(path)
    except yamlfile.YamlProblem:
        return  # not read as a configuration either way; a policy that is one says so itself
    if isinstance(data, dict) and any(isinstance(k, str) and k in _OWN_KEYS for k in data):
        raise ConfigError(
            [
                f"{path}: not read: provcheck reads its configuration from {FILENAME} only "
                f"(did you mean {FILENAME!r}?)"
            ],
            hint=f"rename it to {FILENAME} (or merge it into the {FILENAME} beside it)",
        )


_STR = "a string"
_PATH = "a path (string)"
_STRS = "a string or a list of strings"


_NOT_EMPTY = ("use", "include", "roles")
"""Keys whose empty list (or, but for ``use``, which says more itself, empty string) is refused."""


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    for kind, name in (
        (dict, "a mapping"),
        (list, "a list"),
        # `use: no` or `provider: off`: YAML 1.1 reads these words, unquoted, as booleans.
        (bool, "a boolean (YAML reads an unquoted yes, no, on, off, true or false as one: quote the word)"),
        ((int, float), "a number"),
    ):
        if isinstance(value, kind):
            return name
    if isinstance(value, str):
        # `text_field: ""` said "expected a string, found str" (adversarial pass 12).
        return "an empty string" if not value.strip() else "a string"
    return type(value).__name__


def load(path: str) -> ProjectConfig:
    """Read and validate a configuration file; ``ConfigError`` lists every problem."""
    try:
        data = yamlfile.load(path)
    except yamlfile.YamlProblem as exc:
        raise ConfigError([str(exc)]) from None
    if data is None:
        data = yamlfile.LineDict()
        data.line, data.key_lines = 1, {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}:1: expected a mapping of settings, found {_type_name(data)}"])
    base = os.path.dirname(os.path.abspath(path))
    problems: list[str] = []
    values: dict[str, Any] = {}

    def where(key: str) -> str:
        line = yamlfile.line_of(data, key)
        return f"{path}:{line}" if line else path

    def bad(key: str, expected: str, value: Any) -> None:
        problems.append(f"{where(key)}: {key}: expected {expected}, found {_type_name(value)}")

    top = _repository_top(base)

    def inside(key: str, value: str) -> str | None:
        """The absolute path of ``value``; a relative one must stay inside the repository."""
        full = os.path.normpath(os.path.join(base, os.path.expanduser(value)))
        if top is None or os.path.isabs(os.path.expanduser(value)):
            return full  # outside git there is no repository; an absolute path is explicit
        real = os.path.realpath(full)
        if real != top and not real.startswith(top + os.sep):
            problems.append(
                f"{where(key)}: {key}: {value!r} leads to {real}, outside the repository {top}; "
                "a relative path must stay inside it (give an absolute path for a location "
                "outside the repository)"
            )
            return None
        return full

    spelt: dict[str, str] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name in spelt:
            # `fail_on: block` then `fail-on: never`: one setting twice, the later silently won.
            problems.append(f"{where(key)}: {key!r} sets {spelt[name]!r} a second time; keep one of them")
            continue
        spelt[name] = key
        if name in ("index", "policy", "waivers"):
            if isinstance(value, str) and value.strip():
                if (resolved := inside(key, value)) is None:
                    pass
                elif name == "waivers" and os.path.isdir(resolved):
                    # A waivers file that does not exist yet holds no waivers (api.waivers_of), and
                    # a folder was taken for one: every decision recorded was silently not applied.
                    problems.append(
                        f"{where(key)}: {key}: {value!r} is a folder; give the waivers file "
                        "(e.g. .provcheck-waivers.yaml)"
                    )
                elif name == "waivers" and (near := _near_file(resolved)):
                    # A file that does not exist yet holds no waivers, but a misspelt name beside
                    # the real file applied none of its decisions and said nothing.
                    problems.append(
                        f"{where(key)}: {key}: {value!r} does not exist (did you mean {near!r}?); "
                        "no waiver in it would be applied: correct the name"
                    )
                else:
                    values[name] = resolved
            else:
                bad(key, _PATH, value)
        elif name in ("use", "include", "exclude", "roles"):
            strings = _strings(value)
            if strings is None:
                bad(key, _STRS, value)
            elif (
                name in _NOT_EMPTY
                and not (name == "use" and isinstance(value, str))
                and not any(v.strip() for v in strings)
            ):
                # `roles: []`, `use: []`, `include: []` were taken for the key left out (every
                # role, no use, every file), where `roles: ""` and `use: ""` are refused: a
                # setting given and dropped (adversarial pass 12).
                problems.append(
                    f"{where(key)}: {key}: an empty {'value' if isinstance(value, str) else 'list'} says "
                    "nothing; give at least one value, "
                    "or leave the key out for the default"
                )
            elif name in ("include", "exclude"):
                # Globs are relative to this file's folder: a leading '/' says so, and is dropped.
                values[name] = tuple(p[1:] if p.startswith("/") and len(p) > 1 else p for p in strings)
            else:
                values[name] = strings
        elif name in ("text_field", "id_field"):
            if isinstance(value, str) and value.strip():
                values[name] = value
            else:
                bad(key, _STR, value)
        elif name in ("fail_on", "lfs", "schema"):
            allowed = {"fail_on": FAIL_ON, "lfs": LFS_MODES, "schema": _schemas()}[name]
            if isinstance(value, str) and value in allowed:
                values[name] = value
            else:
                found = repr(value) if isinstance(value, str) else _type_name(value)
                near = _near(value, allowed) if isinstance(value, str) else ""
                problems.append(
                    f"{where(key)}: {key}: {found} is not allowed{near}; allowed: {', '.join(allowed)}"
                )
        elif name == "cache":
            if isinstance(value, bool):
                values[name] = value
            elif isinstance(value, str) and value.strip():
                if (resolved := inside(key, value)) is not None:
                    values[name] = resolved
            else:
                bad(key, "true, false or a directory", value)
        elif name == "workers":
            if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
                values[name] = value
            else:
                bad(key, "a whole number of at least 1", value)
        elif name in ("allow_include_outside", "use_only"):
            if isinstance(value, bool):
                values[name] = value
            else:
                bad(key, "true or false", value)
        else:
            near = _near(name, ALLOWED_KEYS)
            if key in ("True", "False"):  # YAML 1.1 reads a bare on/off/yes/no key as a flag
                near = f" (YAML reads an unquoted on, off, yes or no as {key.lower()}: quote the key){near}"
            problems.append(
                f"{where(key)}: unknown key {key!r}{near}; allowed: {', '.join(sorted(ALLOWED_KEYS))}"
            )
    for key in ("include", "exclude"):
        for i, pattern in enumerate(values.get(key, ())):
            problem = path_glob_problem(pattern)
            if problem:
                item = data[key] if isinstance(data.get(key), list) else None
                line = yamlfile.line_of(item, i) if item is not None else yamlfile.line_of(data, key)
                problems.append(f"{path}:{line}: {key}: {pattern!r}: {problem}")
    if values.get("use_only") and not values.get("use"):
        problems.append(
            f"{where('use_only')}: use_only: true replaces the declared use with `use:`; set `use:` too"
        )
    if problems:
        raise ConfigError(problems, hint=f"see docs/repository.md for the keys of {FILENAME}")
    lines = {k.replace("-", "_"): line for k in data if (line := yamlfile.line_of(data, k))}
    return ProjectConfig(path=os.path.abspath(path), lines=lines, **values)


def _near_file(path: str) -> str | None:
    """A file beside ``path``, which does not exist, whose name is a near miss of it (a typo in
    the configured name), else None."""
    if os.path.lexists(path):
        return None
    import difflib

    folder, name = os.path.split(path)
    try:
        names = sorted(n for n in os.listdir(folder) if os.path.isfile(os.path.join(folder, n)))
    except OSError:
        return None
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.8)
    return close[0] if close else None


def _near(word: str, allowed: Iterable[str]) -> str:
    """`` (did you mean 'include'?)`` for a near miss (``inclde``, ``fail_on: blok``), else ''."""
    import difflib  # a misspelling's hint only: not on every configuration load's path

    close = difflib.get_close_matches(word.lower(), sorted(allowed), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _repository_top(folder: str) -> str | None:
    """The top of the git working tree holding ``folder`` (symlinks resolved), or None."""
    here = os.path.realpath(folder)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


ALLOWED_KEYS = frozenset(
    {
        "index",
        "policy",
        "use",
        "include",
        "exclude",
        "waivers",
        "fail_on",
        "lfs",
        "cache",
        "schema",
        "text_field",
        "id_field",
        "roles",
        "workers",
        "allow_include_outside",
        "use_only",
    }
)


def discover(explicit: str | None, start: str = ".") -> ProjectConfig | None:
    """The configuration named by ``--config``, else the one found from ``start``, else None."""
    if explicit is not None:
        if not os.path.isfile(explicit):
            raise ConfigError([f"{explicit}: no such configuration file"])
        return load(explicit)
    found = find(start)
    return load(found) if found else None


def refuse_other_configurations(paths: Sequence[str], config: ProjectConfig | None) -> None:
    """Refuse to scan a path that a ``.provcheck.yaml`` this run does not use governs.

    The configuration is found from the working directory: ``provcheck scan repo/data`` run
    from ``repo``'s parent left ``repo/.provcheck.yaml`` (its policy, use, fail_on, globs) out,
    judged the data under the default policy and passed a copy its own gate blocks. Two
    configurations disagreeing over one run is refused, never settled in silence; ``--config``
    says which one applies.
    """
    for path in paths:
        if "://" in path:
            continue
        governing = find(path)
        if governing is None or (config is not None and os.path.abspath(governing) == config.path):
            continue
        using = (
            f"it uses {config.path}"
            if config is not None
            else f"no {FILENAME} was found from the working directory"
        )
        raise UsageError(
            f"{path} is governed by {governing}, which this run does not use ({using}): its "
            "index, policy, declared use, fail_on and globs would be left out",
            hint=f"run from {os.path.dirname(os.path.abspath(governing))}, or pass --config to say "
            "which configuration applies",
        )


def select(paths: Sequence[str], config: ProjectConfig | None) -> list[str]:
    """``paths`` that the configuration's globs select (all of them without a configuration)."""
    if config is None:
        return list(paths)
    return [p for p in paths if config.selects(p)]
