"""The compiled modules, ``provcheck.matching._align`` (alignment passes in C) and
``provcheck.matching._tokens`` (the batch tokenizer's character loop in C), and the policy packs
copied into the wheel. Everything else is declared in ``pyproject.toml``.

The extensions are optional: where they cannot be built (no C compiler), the install goes on
without them and alignment and tokenizing run on the pure-Python paths; ``provcheck.matching.compiled``
says which paths run and every report records it (``tool.build.alignment``).
"""

import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

# Scores are summed in doubles in the Python code's order; a fused multiply-add would round
# differently and could change which chains win (the pure path is the reference).
FLAGS = [] if sys.platform == "win32" else ["-O2", "-ffp-contract=off"]


class BuildPy(build_py):
    """Also copies the shipped policy packs (``policies/``, at the top of the repository) to
    ``provcheck/policies`` in the built package. An editable install reads them from the
    checkout instead (``policy/loadstate.py``), so its ``src`` stays a plain path entry."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib, "provcheck", "policies")
        self.mkpath(str(target))
        for pack in sorted(Path("policies").iterdir()):
            if pack.is_file():
                self.copy_file(str(pack), str(target / pack.name))


setup(
    cmdclass={"build_py": BuildPy},
    ext_modules=[
        Extension(
            "provcheck.matching._align",
            ["src/provcheck/matching/_align.c", "src/provcheck/matching/_align_index.c"],
            extra_compile_args=FLAGS,
            optional=True,
        ),
        Extension(
            "provcheck.matching._tokens",
            ["src/provcheck/matching/_tokens.c"],
            extra_compile_args=FLAGS,
            optional=True,
        ),
    ],
)
