"""An option that several commands take means the same thing in each: the same flags, type,
default and help (one definition in ``provcheck.cli.options``)."""

from __future__ import annotations

import itertools
import subprocess
import sys

import click
import pytest

from provcheck.cli.baseline import baseline
from provcheck.cli.hook import run as hook_run
from provcheck.cli.scan import scan

COMMANDS: dict[str, click.Command] = {"scan": scan, "hook run": hook_run, "baseline": baseline}

DIFFERENT_ON_PURPOSE = {
    ("baseline", "index_path"): "baseline does not read .provcheck.yaml: its --index is required",
    ("baseline", "policy_path"): "baseline does not read .provcheck.yaml: no `policy:` default",
    ("hook run", "quiet"): "the hook still prints what refuses a commit when quiet",
}
"""Options a command takes under a shared name that mean something else there, and why."""


def _options(command: click.Command) -> dict[str, click.Option]:
    return {p.name: p for p in command.params if isinstance(p, click.Option) and p.name}


def _shape(option: click.Option) -> tuple[object, ...]:
    return (
        tuple(option.opts),
        tuple(option.secondary_opts),
        repr(option.type),
        getattr(option.type, "choices", None),
        option.default,
        option.is_flag,
        option.multiple,
        option.metavar,
        option.help,
    )


SHARED = sorted(
    {
        name
        for (a, ca), (b, cb) in itertools.combinations(COMMANDS.items(), 2)
        for name in set(_options(ca)) & set(_options(cb))
    }
)


def test_the_commands_share_the_options_they_should() -> None:
    # The list below is what `scan`, `hook run` and `baseline` have in common; a command that
    # loses one of them (or gains a copy) shows here.
    assert (
        sorted(
            [
                "allow_include_outside",
                "cache_dir",
                "config_path",
                "fail_on",
                "id_field",
                "index_path",
                "lfs_mode",
                "no_cache",
                "policy_path",
                "quiet",
                "roles",
                "schema",
                "text_field",
                "use_only",
                "uses",
                "waivers_path",
                "workers",
            ]
        )
        == SHARED
    )


@pytest.mark.parametrize("name", SHARED)
def test_a_shared_option_is_the_same_in_every_command(name: str) -> None:
    shapes = {
        command: _shape(options[name])
        for command, c in COMMANDS.items()
        if name in (options := _options(c)) and (command, name) not in DIFFERENT_ON_PURPOSE
    }
    if len(shapes) < 2:
        return
    first, *rest = shapes.items()
    for command, shape in rest:
        assert shape == first[1], f"{name}: {command} differs from {first[0]}"


def test_the_flags_are_the_same_even_where_the_meaning_differs() -> None:
    for command, name in DIFFERENT_ON_PURPOSE:
        flags = {tuple(_options(c)[name].opts) for c in COMMANDS.values() if name in _options(c)}
        assert len(flags) == 1, f"{command} {name}: {flags}"


def test_the_hook_does_not_load_the_record_schemas_for_its_options() -> None:
    # The schema choice is listed lazily: importing the hook's command costs no numpy.
    code = (
        "import sys, provcheck.cli.hook; "
        "print('numpy' in sys.modules, 'provcheck.inputs.schemas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_the_schema_choice_lists_every_schema() -> None:
    from provcheck.inputs.schemas import SCHEMAS

    schema = _options(scan)["schema"]
    assert isinstance(schema.type, click.Choice)
    assert list(schema.type.choices) == ["auto", *SCHEMAS]
