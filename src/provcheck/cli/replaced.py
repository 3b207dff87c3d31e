"""Settings of ``.provcheck.yaml`` that command-line options replaced, said in every report.

Options win over the configuration file, as documented; each setting an option replaced is one
line of the run record (``run.replaced``), which every report and the hook's summary print:
``fail_on: block (.provcheck.yaml:3) replaced by --fail-on never``. ``scan`` has said so since
adversarial pass 18; ``hook run`` said nothing, and ``--fail-on never`` or ``-p lenient.yaml``
(the pre-commit framework's ``args:``) over the file's settings passed a commit with "findings:
1 block" and no word that the configured gate was not the one applied (adversarial pass 23).
"""

from __future__ import annotations

import os

from provcheck import projectfile as project


def replaced_settings(config: project.ProjectConfig, given: dict[str, tuple[str, object]]) -> list[str]:
    """What options replaced of the configuration, one line each (``fail_on: review
    (.provcheck.yaml:3) replaced by --fail-on never``), for the run record and a note.

    ``given`` maps a configuration key to the option and the value given (None when not given;
    True for a flag). Options win over the file, as documented, but only a replaced index or
    policy was said: ``--fail-on never`` over ``fail_on: review`` left every report naming the
    configuration and the threshold in force, with nothing saying that the file had asked for
    another (adversarial pass 18)."""
    out: list[str] = []
    for key, (option, value) in given.items():
        configured = getattr(config, key)
        if value is None or configured is None or configured == ():
            continue
        if isinstance(value, tuple):  # --roles a,b --roles c
            value = ",".join(_words(value))
            configured = ",".join(_words(configured))
        if value is True:  # --no-cache
            if configured is False:
                continue
            said = option
        elif isinstance(value, str) and isinstance(configured, str) and same_path(value, configured):
            continue
        else:
            said = f"{option} {value}"
        if value == configured:
            continue
        out.append(f"{key}: {configured} ({config.where(key)}) replaced by {said}")
    return out


def _words(values: object) -> list[str]:
    return sorted({w.strip() for v in values for w in str(v).split(",") if w.strip()})  # type: ignore[attr-defined]


def same_path(a: str, b: str) -> bool:
    return a == b or ("://" not in a and "://" not in b and os.path.realpath(a) == os.path.realpath(b))
