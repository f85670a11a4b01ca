"""`dgw demo`: the whole flow end to end on generated data, with a decision table and a report.

Every step is the one an operator or a requester would run by hand (README, "The flow by
hand"); the demo only chains them, then scores the response against the generator's truth.
"""

from __future__ import annotations

import csv
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import typer

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.batch_files import BatchFiles
from disclosure_gateway.adapters.response_io import write_response
from disclosure_gateway.adapters.storage.heads import HeadPlaces
from disclosure_gateway.adapters.storage.master_store import load_master
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.cli import apps
from disclosure_gateway.cli.batch_cmd import decision_table, run_with_progress
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.service.agencies import register_agency, sign_batch, write_keypair
from disclosure_gateway.service.audit import create_head_key, verify_accounting
from disclosure_gateway.service.response import response_rows
from disclosure_gateway.service.submission import submit_batch
from disclosure_gateway.synth.population import generate_population
from disclosure_gateway.synth.requests import generate_batch
from disclosure_gateway.synth.scorer import Scorecard, render, score
from disclosure_gateway.synth.writers import write_batch, write_population

STORE_FILES = (
    "master.duckdb",
    "state.sqlite",
    "anchor.sqlite",
    "batches",
    "demo",
    "heads",
    "keys",
)


def _fresh(home: Path) -> None:
    """Remove only what a gateway store holds, never anything else in the folder."""
    for name in STORE_FILES:
        path = home / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _step(text: str) -> float:
    apps.out.print(f"[bold cyan]▶[/] {text}")
    return time.monotonic()


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@apps.app.command("demo")
def demo(
    taxpayers: int = typer.Option(20_000, help="synthetic taxpayers"),
    requests: int = typer.Option(2_000, help="request rows in the batch"),
    seed: int = typer.Option(7, help="seed for the generator"),
    noise: str = typer.Option("default", help="noise profile: clean, default or hard"),
    fresh: bool = typer.Option(False, "--fresh", help="start from an empty store"),
) -> None:
    """Generate data, load it, sign, submit, run, respond, score and verify — end to end."""
    home = apps.home()
    if fresh:
        _fresh(home)
    if (home / "state.sqlite").exists():
        raise BadInput(f"{home} already holds a store; pass --fresh to start over")
    work = home / "demo"
    as_of = datetime.now(UTC).date()
    started = time.monotonic()
    t = _step(
        f"generating {taxpayers:,} taxpayers and {requests:,} requests (seed {seed}, noise {noise})"
    )
    pop = generate_population(taxpayers, seed, as_of)
    write_population(pop, work / "master")
    write_batch(generate_batch(pop, requests, seed, noise, as_of), work / "batch")
    apps.out.print(f"  done in {time.monotonic() - t:.1f}s")
    t = _step("loading the master file")
    report = load_master(
        home, work / "master" / "taxpayers.csv", work / "master" / "addresses.csv", False
    )
    apps.out.print(
        f"  {report.taxpayers:,} taxpayers, {report.addresses:,} address rows"
        f" in {time.monotonic() - t:.1f}s"
    )
    _step("requester: key pair, signed manifest; agency registered with its public key")
    key, pub = write_keypair(work / "requester")
    with StateStore.open(home) as store:
        register_agency(
            store,
            name="DHS-ICE",
            public_key_file=pub,
            signatories=["Jane Doe"],
            safeguards_current=True,
        )
        create_head_key(store, HeadPlaces.of(home), bootstrap.system_clock().now)
    manifest = sign_batch(work / "batch" / "manifest.json", key)
    with StateStore.open(home) as store:
        info = submit_batch(
            store,
            BatchFiles(home),
            work / "batch" / "manifest.json",
            bootstrap.policy_text(home),
            bootstrap.system_clock(),
        )
    apps.out.print(
        f"  batch {info.batch_id} accepted: {manifest.record_count:,} records,"
        f" signed by {manifest.official}"
    )
    t = _step(f"running batch {info.batch_id}")
    summary = run_with_progress(info.batch_id)
    run_seconds = time.monotonic() - t
    apps.out.print(decision_table(summary))
    response = work / "response.csv"
    with StateStore.open(home) as store:
        write_response(response, response_rows(store, info.batch_id))
        chain = verify_accounting(store, HeadPlaces.of(home))
    apps.out.print(
        f"  response written to {response}; accounting chain verified: {chain.entries} entries"
    )
    card = score(_read_csv(work / "batch" / "truth.csv"), _read_csv(response))
    apps.out.print(render(card))
    report_path = _write_report(
        work, info.batch_id, summary.counts, card, run_seconds, time.monotonic() - started
    )
    apps.out.print(f"[bold]report:[/] {report_path}")
    if not card.safe:
        raise typer.Exit(1)


def _write_report(
    work: Path,
    batch_id: str,
    counts: tuple[tuple[str, int], ...],
    card: Scorecard,
    run_s: float,
    total_s: float,
) -> Path:
    lines = [
        f"# Disclosure Gateway demo — batch {batch_id}",
        "",
        f"Generated {datetime.now(UTC).isoformat(timespec='seconds')}; "
        f"batch run {run_s:.1f}s, whole demo {total_s:.1f}s.",
        "",
        "| decision | rows |",
        "|---|---|",
        *(f"| {d} | {n} |" for d, n in counts),
        "",
        "## Against the generator's truth",
        "",
        f"- unlawful disclosures: **{card.unlawful_disclosures}**",
        f"- wrong-address disclosures: **{card.wrong_address_disclosures}**",
        f"- recall on lawful requests: **{card.lawful.recall:.1%}** "
        f"({card.lawful.correct} of {card.lawful.count})",
        f"- rejected with a different code set than expected: {card.rejected_code_mismatches}",
        f"- pending review: {card.pending}",
        "",
        "| category | rows | correct | share |",
        "|---|---|---|---|",
        *(f"| {k} | {v.count} | {v.correct} | {v.recall:.1%} |" for k, v in card.by_category),
        "",
        "| lawful, by matcher hint | rows | found | recall |",
        "|---|---|---|---|",
        *(f"| {k} | {v.count} | {v.correct} | {v.recall:.1%} |" for k, v in card.by_hint),
        "",
    ]
    path = work / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
