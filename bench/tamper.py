"""Tamper campaign (issue 6): random single edits to the state store; every one must be caught.

    .venv/bin/python bench/tamper.py --trials 1000 --entries 200

Builds a store with one batch of disclosures and a signed chain head, then for each trial
copies it, applies one random edit as an attacker with write access to the database files
(but not to the head-signing key) would, and runs `audit verify`. Prints caught / tried by
kind of edit. Exit status 1 if any edit went unnoticed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from disclosure_gateway.hardening.tamper import KINDS, build_pristine, run_campaign


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pristine = Path(tmp) / "pristine"
        build_pristine(pristine, args.entries, "2026-11-23T12:00:00+00:00")
        started = time.monotonic()
        result = run_campaign(pristine, Path(tmp), args.trials, args.seed)
        seconds = time.monotonic() - started
    table = Table(
        title=f"Tamper campaign: {args.trials} trials on {args.entries} entries ({seconds:.0f}s)"
    )
    for col in ("edit", "tried", "caught", "refused by the database"):
        table.add_column(col, justify="left" if col == "edit" else "right")
    for kind in KINDS:
        table.add_row(
            kind,
            str(result.trials[kind]),
            str(result.caught[kind]),
            str(result.refused_by_database[kind]),
        )
    table.add_row("all", str(sum(result.trials.values())), str(sum(result.caught.values())),
                  str(sum(result.refused_by_database.values())), style="bold")  # fmt: skip
    Console(width=120).print(table)
    return 1 if result.missed else 0


if __name__ == "__main__":
    sys.exit(main())
