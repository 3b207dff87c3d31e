"""``PROVCHECK_*`` environment variables: the few provcheck reads, and the settings it does not.

provcheck takes no option from the environment (no ``auto_envvar_prefix``): a CI job's
``PROVCHECK_FAIL_ON=review`` or ``PROVCHECK_POLICY=strict.yaml``, written as other tools read
them, was dropped without a word and the gate ran on ``block`` and the default policy (every
match a review finding), exit 0 (adversarial pass 18). So was a misspelt variable provcheck does
read (``PROVCHECK_CACHEDIR``, ``PROVCHECK_PURE_PYTON``). Both are refused before the command
runs (exit 2, with what to write instead). A variable named like an option that the command line
also gives is the user's own (``-i "$PROVCHECK_INDEX"``), and any other name
(``PROVCHECK_VERSION`` for a CI's install step) is not provcheck's to judge.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import click

PREFIX = "PROVCHECK_"
READ = ("CACHE_DIR", "CHROMIUM", "DEBUG", "MERGE_KEY", "PACK_KEY", "PURE_PYTHON", "RUN_BY")
"""What follows ``PROVCHECK_`` in the names provcheck reads (a test keeps this in step with
``src/``)."""
CONFIG_KEYS = (
    "allow_include_outside",
    "cache",
    "exclude",
    "fail_on",
    "id_field",
    "include",
    "index",
    "lfs",
    "policy",
    "roles",
    "schema",
    "text_field",
    "use",
    "use_only",
    "waivers",
    "workers",
)
"""Keys of ``.provcheck.yaml`` (``projectfile.ALLOWED_KEYS``; not imported: the hook's start-up
does not load the configuration module before it needs it)."""


def refuse_unread(
    command: click.Command, ctx: click.Context, args: Sequence[str], environ: Mapping[str, str] = os.environ
) -> None:
    """``click.UsageError`` for a ``PROVCHECK_*`` variable that would be silently dropped."""
    names = sorted(k[len(PREFIX) :] for k in environ if k.startswith(PREFIX) and k[len(PREFIX) :] not in READ)
    if not names:
        return
    options: dict[str, click.Option] = {}
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            for opt in param.opts + param.secondary_opts:
                if opt.startswith("--"):
                    options[opt[2:].replace("-", "_").upper()] = param
    given = {t.partition("=")[0] if t.startswith("--") else t[:2] for t in args if t.startswith("-")}
    reads_config = "CONFIG" in options
    for name in names:
        variable = PREFIX + name
        option = options.get(name)
        misspelt = next((r for r in READ if _distance(name, r) <= max(1, len(r) // 5)), None)
        meant, spelt = "", name
        if option is None and misspelt is None:
            near = _near(name, list(options))
            if near is not None:
                option, spelt = options[near], near
                meant = f" (read as {PREFIX + near}, the option {option.opts[-1]})"
        if option is not None:
            if any(opt in given for opt in option.opts + option.secondary_opts):
                continue  # the user's own variable, given on the command line (-i "$PROVCHECK_INDEX")
            key = spelt.lower()
            where = f" (or `{key}:` in .provcheck.yaml)" if reads_config and key in CONFIG_KEYS else ""
            raise click.UsageError(
                f"{variable} is set{meant}, but provcheck reads no option from the environment: it "
                f"would be dropped; give {option.opts[-1]} on the command line{where}, or unset {variable}",
                ctx,
            )
        setting = _near(name, [k.upper() for k in CONFIG_KEYS]) if reads_config and misspelt is None else None
        if setting is not None and setting.lower() != name.lower():
            raise click.UsageError(
                f"{variable} is set (read as {PREFIX + setting}), but provcheck reads no setting from the "
                f"environment: it would be dropped; write `{setting.lower()}:` in .provcheck.yaml, or "
                f"unset {variable}",
                ctx,
            )
        if reads_config and name.lower() in CONFIG_KEYS:
            raise click.UsageError(
                f"{variable} is set, but provcheck reads no setting from the environment: it would be "
                f"dropped; write `{name.lower()}:` in .provcheck.yaml, or unset {variable}",
                ctx,
            )
        if misspelt is not None:
            raise click.UsageError(
                f"{variable} is set, but provcheck does not read it (did you mean {PREFIX + misspelt}?); "
                f"it reads {', '.join(PREFIX + r for r in READ)}",
                ctx,
            )


_SUFFIXES = ("_FILE", "_PATH", "_DIR", "_URL", "_LEVEL")
"""What a variable may add to a setting's name (``PROVCHECK_POLICY_FILE``, ``PROVCHECK_INDEX_DIR``)."""


def _near(name: str, keys: Sequence[str]) -> str | None:
    """The option or setting a variable name spells another way (``FAILON``, ``WAIVER``,
    ``POLICY_FILE`` for ``FAIL_ON``, ``WAIVERS``, ``POLICY``): such a variable was dropped
    without a word, as another tool's would be, and the gate ran without the setting
    (adversarial pass 23). Only these spellings: without its underscores, one ``S`` more or
    less, or a suffix of ``_SUFFIXES``; ``PROVCHECK_SHARED`` is not ``--shard``."""
    for key in keys:
        if (
            name.replace("_", "") == key.replace("_", "")
            or name in (key + "S", key.removesuffix("S"))
            or (name.startswith(key) and name[len(key) :] in _SUFFIXES)
        ):
            return key
    return None


def _distance(a: str, b: str) -> int:
    """Edit distance of two short names (not difflib: the hook's start-up imports stay few, and
    any other ``PROVCHECK_*`` variable of the environment is looked at on every run)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]
