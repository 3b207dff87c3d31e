#!/usr/bin/env python3
"""Measure the catalogue of model names (``policy/generators.py``) on a list of generators.

    python scripts/generator_coverage.py ../shared/corpora/alpacaeval/generators.csv

The CSV has ``generator`` and ``provider`` columns (AlpacaEval's 212 generators). A row whose
provider has a pack must resolve to it; any other row (community fine-tunes, research groups)
is counted as unknown or as resolved to the provider of the model its name carries, and listed.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path

from provcheck.policy.catalogue import catalogue
from provcheck.policy.generators import PROVIDER_GLOBS, Generators
from provcheck.policy.loader import load_policy, pack_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("csv", type=Path)
    args = parser.parse_args()
    names = Generators(load_policy(str(pack_path("default"))), catalogue().models)
    packs = set(PROVIDER_GLOBS)
    tally: Counter[str] = Counter()
    by_provider: Counter[str] = Counter()
    listed = []
    with args.csv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            found = names.resolve(row["generator"])
            got = found.provider if found else None
            if row["provider"] in packs:
                tally["pack provider"] += 1
                tally["resolved right"] += got == row["provider"]
                by_provider[row["provider"]] += got == row["provider"]
                if got != row["provider"]:
                    listed.append(f"WRONG {row['generator']}: {row['provider']} -> {got}")
            else:
                tally["other"] += 1
                tally["other unknown"] += got is None
                if found is not None:
                    listed.append(f"{row['generator']} ({row['provider']}) -> {got} by {found.how}")
    print(
        f"{tally['resolved right']} of {tally['pack provider']} generators of a provider with a pack "
        f"resolve to it ({', '.join(f'{p} {n}' for p, n in by_provider.most_common())}); "
        f"of the other {tally['other']}, {tally['other unknown']} stay unknown"
    )
    for line in listed:
        print(" ", line)


if __name__ == "__main__":
    main()
