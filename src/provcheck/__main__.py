"""``python -m provcheck``."""

from provcheck.cli import main

main()
