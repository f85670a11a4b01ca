"""Accuracy benchmark: recall, unlawful and wrong-person counts, review share — per matcher.

Run on demand (not part of `make test`):

    .venv/bin/python bench/accuracy.py --taxpayers 200000 --requests 20000 --noise default,hard

Generates (once, cached under bench/.cache/) a population and one batch per noise profile,
loads the master file once, then for every matcher runs the real pipeline (sign, submit,
run, respond) in a fresh store and scores the response against the generator's truth.
Matchers: `exact` (the issue-2 matcher: bench/policies/exact.toml), `levels` (name and
address agreement levels without a model: bench/policies/levels.toml) and `model` (the
default policy: levels plus the packaged Splink model's probability).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.batch_files import BatchFiles
from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.adapters.response_io import write_response
from disclosure_gateway.adapters.storage.master_store import MASTER_LAYOUT, MasterStore, load_master
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.domain.addresses import ADDRESS_TABLES_DIGEST
from disclosure_gateway.service.agencies import register_agency, sign_batch, write_keypair
from disclosure_gateway.service.pipeline import run_batch
from disclosure_gateway.service.response import response_rows
from disclosure_gateway.service.submission import Clock, submit_batch
from disclosure_gateway.synth.population import generate_population
from disclosure_gateway.synth.requests import generate_batch
from disclosure_gateway.synth.scorer import Scorecard, score
from disclosure_gateway.synth.writers import write_batch, write_population

HERE = Path(__file__).parent
CACHE = HERE / ".cache"
console = Console(width=160)


@dataclass(frozen=True)
class Result:
    noise: str
    matcher: str
    card: Scorecard
    seconds: float


def matchers() -> dict[str, str]:
    return {
        "exact": (HERE / "policies" / "exact.toml").read_text(encoding="utf-8"),
        "levels": (HERE / "policies" / "levels.toml").read_text(encoding="utf-8"),
        "model": packaged_text("policy-default.toml"),
    }


def prepare(taxpayers: int, requests: int, seed: int, noises: list[str], as_of: str) -> Path:
    root = CACHE / f"pop-{taxpayers}-req-{requests}-seed-{seed}-{as_of}"
    day = datetime.fromisoformat(as_of).date()
    if not (root / "master" / "addresses.csv").exists():
        console.print(f"generating {taxpayers:,} taxpayers …")
        pop = generate_population(taxpayers, seed, day)
        write_population(pop, root / "master")
    else:
        pop = None
    for noise in noises:
        if not (root / noise / "truth.csv").exists():
            pop = pop or generate_population(taxpayers, seed, day)
            console.print(f"generating {requests:,} requests, noise {noise} …")
            write_batch(generate_batch(pop, requests, seed, noise, day), root / noise)
    master_home = root / f"master-home-{ADDRESS_TABLES_DIGEST[:8]}-layout{MASTER_LAYOUT}"
    if not (master_home / "master.duckdb").exists():
        t = time.monotonic()
        load_master(
            master_home, root / "master" / "taxpayers.csv", root / "master" / "addresses.csv", False
        )
        console.print(f"master loaded in {time.monotonic() - t:.1f}s")
    return root


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run_one(root: Path, noise: str, matcher: str, policy_text: str, day: str) -> Result:
    home = root / f"run-{noise}-{matcher}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    master = (
        root / f"master-home-{ADDRESS_TABLES_DIGEST[:8]}-layout{MASTER_LAYOUT}" / "master.duckdb"
    )
    os.symlink(master.resolve(), home / "master.duckdb")
    batch_dir = home / "batch"
    batch_dir.mkdir()
    for name in ("requests.csv", "manifest.json", "truth.csv"):
        (batch_dir / name).write_bytes((root / noise / name).read_bytes())
    key, pub = write_keypair(home / "ice")
    sign_batch(batch_dir / "manifest.json", key)
    clock = Clock(today=datetime.fromisoformat(day).date(), now=f"{day}T12:00:00+00:00")
    with StateStore.open(home) as store:
        register_agency(
            store,
            name="DHS-ICE",
            public_key_file=pub,
            signatories=["Jane Doe"],
            safeguards_current=True,
        )
        info = submit_batch(
            store, BatchFiles(home), batch_dir / "manifest.json", policy_text, clock
        )
    t = time.monotonic()
    with StateStore.open(home) as store, MasterStore.open(home) as master:
        run_batch(store, BatchFiles(home), master, bootstrap.zip_prefixes(), info.batch_id)
        seconds = time.monotonic() - t
        write_response(home / "response.csv", response_rows(store, info.batch_id))
    card = score(_rows(batch_dir / "truth.csv"), _rows(home / "response.csv"))
    return Result(noise, matcher, card, seconds)


def summary(results: list[Result]) -> Table:
    table = Table(title="Accuracy by noise profile and matcher")
    for col in (
        "noise",
        "matcher",
        "lawful recall",
        "exact-hint",
        "fuzzy-hint",
        "unlawful",
        "wrong person/address",
        "review share",
        "run s",
    ):
        table.add_column(col, justify="right" if col not in ("noise", "matcher") else "left")
    for r in results:
        hint = dict(r.card.by_hint)
        table.add_row(
            r.noise,
            r.matcher,
            f"{r.card.lawful.recall:.2%}",
            f"{hint['exact'].recall:.2%}" if "exact" in hint else "–",
            f"{hint['fuzzy'].recall:.2%}" if "fuzzy" in hint else "–",
            str(r.card.unlawful_disclosures),
            str(r.card.wrong_address_disclosures),
            f"{r.card.pending_share:.2%}",
            f"{r.seconds:.1f}",
        )
    return table


def by_noise(results: list[Result], noise: str) -> Table:
    chosen = [r for r in results if r.noise == noise]
    table = Table(title=f"Lawful recall by noise type — profile {noise}")
    table.add_column("noise type")
    table.add_column("rows", justify="right")
    for r in chosen:
        table.add_column(r.matcher, justify="right")
    kinds = sorted({k for r in chosen for k, _ in r.card.by_noise})
    for kind in kinds:
        cells = [dict(r.card.by_noise).get(kind) for r in chosen]
        count = next((c.count for c in cells if c is not None), 0)
        table.add_row(kind, str(count), *(f"{c.recall:.1%}" if c else "–" for c in cells))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--taxpayers", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--noise", default="clean,default,hard")
    parser.add_argument("--matchers", default="")
    parser.add_argument("--as-of", default=datetime.now(UTC).date().isoformat())
    args = parser.parse_args()
    noises = args.noise.split(",")
    root = prepare(args.taxpayers, args.requests, args.seed, noises, args.as_of)
    chosen = matchers()
    if args.matchers:
        chosen = {k: v for k, v in chosen.items() if k in args.matchers.split(",")}
    results = []
    for noise in noises:
        for name, policy_text in chosen.items():
            console.print(f"running noise={noise} matcher={name} …")
            results.append(run_one(root, noise, name, policy_text, args.as_of))
    console.print(
        f"{args.taxpayers:,} taxpayers, {args.requests:,} requests per profile, seed {args.seed}"
    )
    console.print(summary(results))
    console.print(by_noise(results, noises[-1]))


if __name__ == "__main__":
    main()
