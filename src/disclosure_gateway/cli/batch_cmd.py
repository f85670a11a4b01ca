"""`dgw batch submit | run | response | status`: the tax agency's side of a batch."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.batch_files import BatchFiles
from disclosure_gateway.adapters.response_io import write_response
from disclosure_gateway.adapters.storage.heads import HeadPlaces
from disclosure_gateway.adapters.storage.master_store import MasterStore
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.cli import apps
from disclosure_gateway.service.audit import sign_chain_head
from disclosure_gateway.service.pipeline import (
    CHUNK_ROWS,
    LARGE_CHUNK_ROWS,
    RunSummary,
    run_batch,
)
from disclosure_gateway.service.response import response_rows
from disclosure_gateway.service.retention import purge_batch
from disclosure_gateway.service.submission import submit_batch


@apps.batch_app.command("submit")
def batch_submit(manifest: Path = typer.Argument(..., help="the signed manifest (JSON)")) -> None:
    """Verify a signed batch and accept it; prints its batch_id."""
    home = apps.home()
    with StateStore.open(home) as store:
        info = submit_batch(
            store, BatchFiles(home), manifest, bootstrap.policy_text(home), bootstrap.system_clock()
        )
    apps.out.print(info.batch_id, markup=False)


def run_with_progress(
    batch_id: str, chunk_rows: int = 0, engine: str = "duckdb", workers: int = 0
) -> RunSummary:
    """Run a batch, with a progress bar (rows, rate, ETA) on a terminal."""
    home = apps.home()
    with (
        StateStore.open(home) as store,
        MasterStore.open(home) as master,
        Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} rows · {task.fields[rate]} rows/s"),
            TimeRemainingColumn(),
            console=apps.err,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task(batch_id, total=None, rate="–")
        started = time.monotonic()
        first: list[int] = []

        def report(done: int, total: int) -> None:
            first.append(done) if not first else None
            elapsed = max(time.monotonic() - started, 1e-6)
            bar.update(
                task, completed=done, total=total, rate=f"{(done - first[0]) / elapsed:,.0f}"
            )

        files, zips = BatchFiles(home), bootstrap.zip_prefixes()
        summary = run_batch(
            store,
            files,
            master,
            zips,
            batch_id,
            report,
            chunk_rows or None,
            engine=engine,
            workers=workers or None,
        )
        if not summary.already_done:
            sign_chain_head(store, HeadPlaces.of(home), bootstrap.system_clock().now)
        return summary


@apps.batch_app.command("run")
def batch_run(
    batch_id: str = typer.Argument(...),
    chunk_rows: int = typer.Option(
        0,
        "--chunk-rows",
        min=0,
        help=f"rows decided and committed together (0: an eighth of the batch, at least "
        f"{CHUNK_ROWS:,} and at most {LARGE_CHUNK_ROWS:,})",
    ),
    engine: str = typer.Option(
        "duckdb", "--engine", help="where Splink scores: duckdb (one machine) or spark"
    ),
    workers: int = typer.Option(
        0, "--workers", min=0, help="processes (0: one per core for a large batch, else 1)"
    ),
) -> None:
    """Decide every request of a submitted batch; resumable, never discloses twice."""
    summary = run_with_progress(batch_id, chunk_rows, engine, workers)
    if summary.already_done:
        apps.out.print(f"batch {batch_id} is already finished; nothing to do", markup=False)
    else:
        apps.out.print(f"batch {batch_id}: decided {summary.decided_now} rows", markup=False)
    apps.out.print(decision_table(summary))


def decision_table(summary: RunSummary) -> Table:
    table = Table(title=f"Decisions — batch {summary.batch_id}")
    table.add_column("decision")
    table.add_column("rows", justify="right")
    table.add_column("share", justify="right")
    for decision, n in summary.counts:
        table.add_row(decision, f"{n:,}", f"{n / max(summary.rows, 1):.1%}")
    table.add_row("total", f"{summary.rows:,}", "100.0%", style="bold")
    return table


@apps.batch_app.command("response")
def batch_response(
    batch_id: str = typer.Argument(...),
    out: Path = typer.Option(..., "--out", help="where to write the response"),
    fmt: str = typer.Option("csv", "--format", help="csv, jsonl or parquet"),
) -> None:
    """Write the SPEC §5 response of a finished batch."""
    if fmt not in ("csv", "jsonl", "parquet"):
        raise typer.BadParameter("--format must be csv, jsonl or parquet")
    with StateStore.open(apps.home()) as store:
        n = write_response(out, response_rows(store, batch_id), fmt)
    apps.out.print(f"wrote {n} response rows to {out}", markup=False)


@apps.batch_app.command("status")
def batch_status(batch_id: str = typer.Argument(...)) -> None:
    """State and progress of one batch."""
    from disclosure_gateway.domain.errors import BadInput

    with StateStore.open(apps.home()) as store:
        info = store.get_batch(batch_id)
        if info is None:
            raise BadInput(f"no batch {batch_id!r} has been submitted")
        done = store.decided_count(batch_id)
    apps.out.print(
        f"batch {batch_id}: {info.state}, {done} of {info.record_count} rows decided, "
        f"agency {info.agency}, submitted {info.submitted_on.isoformat()}",
        markup=False,
    )


@apps.batch_app.command("purge")
def batch_purge(
    batch_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="why (recorded in the purge log)"),
    by: str = typer.Option(..., "--by", help="who purges (recorded)"),
) -> None:
    """Delete a finished batch's request records after the policy's retention period."""
    home = apps.home()
    with StateStore.open(home) as store:
        until = purge_batch(
            store, BatchFiles(home), batch_id, by, reason, bootstrap.system_clock().today
        )
    apps.out.print(
        f"batch {batch_id}: request records purged (kept until {until.isoformat()}); "
        "decisions and accounting kept; the purge is recorded",
        markup=False,
    )
