"""Helpers shared by the tests: the CLI runner, data builders, test texts, corpora paths."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from provcheck.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = Path(os.environ.get("PROVCHECK_SHARED", ROOT.parent / "shared"))
CORPORA = SHARED / "corpora"


def run_cli(args: list[Any], code: int = 0, input: str | None = None) -> Result:
    """Run provcheck in-process; fail with the full output when the exit code differs."""
    runner = CliRunner()
    result = runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
    if result.exit_code != code:
        raise AssertionError(
            f"provcheck {' '.join(map(str, args))} exited {result.exit_code}, expected {code}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    return result


def write_jsonl(path: Path, records: Iterable[Any]) -> Path:
    """One JSON value per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


# Reference texts written for these tests; each is long enough to carry evidence.
REFERENCE_TEXTS = [
    "A healthy sourdough starter depends on a steady feeding routine, the right temperature and a "
    "little patience. Feed it at the same time every day with equal weights of flour and water, "
    "discarding all but a spoonful of the old starter before each feeding so the yeast always has "
    "fresh food. Keep it somewhere between 24 and 27 degrees Celsius; colder kitchens slow "
    "fermentation and let acid-producing bacteria take over. A healthy starter should roughly "
    "double in size within four to eight hours of feeding and smell pleasantly sour.",
    "TCP is connection-oriented: before any data is sent, the two hosts perform a three-way "
    "handshake, and afterwards every segment is numbered, acknowledged and retransmitted if it "
    "goes missing. This gives applications a reliable, ordered byte stream with flow control and "
    "congestion control built in. UDP, by contrast, is connectionless. It simply wraps data in "
    "datagrams and sends them without handshakes, acknowledgements or ordering guarantees, which "
    "suits live video, online games and voice calls where a late packet is worse than a lost one.",
    "The French Revolution grew out of political, social and economic pressures. France was "
    "nearly bankrupt after costly wars, and the monarchy's attempts to raise taxes met fierce "
    "resistance from the privileged nobility and clergy, who were largely exempt. The Third "
    "Estate carried most of the tax burden while holding little political power, and poor "
    "harvests in 1788 pushed bread prices to record highs, spreading hunger and anger in Paris "
    "and the countryside until the Estates-General deadlocked in 1789.",
]
UNRELATED_TEXT = (
    "Tides are caused mostly by the Moon's gravity pulling on the oceans. The side of Earth facing "
    "the Moon feels a stronger pull, and the far side a weaker one, so the water bulges in two "
    "places. As Earth rotates through these bulges, most coasts see two high tides and two low "
    "tides every lunar day of about twenty-four hours and fifty minutes."
)
