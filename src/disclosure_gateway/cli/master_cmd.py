"""`dgw master load`: load or replace the taxpayer master file."""

from __future__ import annotations

from pathlib import Path

import typer

from disclosure_gateway.adapters.storage.master_store import load_master
from disclosure_gateway.cli import apps


@apps.master_app.command("load")
def master_load(
    taxpayers: Path = typer.Option(..., "--taxpayers", help="taxpayers table (CSV or Parquet)"),
    addresses: Path = typer.Option(..., "--addresses", help="address history (CSV or Parquet)"),
    skip_bad_rows: bool = typer.Option(
        False,
        "--skip-bad-rows",
        help="load the good rows and report the bad ones instead of refusing",
    ),
    workers: int = typer.Option(
        0, "--workers", min=0, help="processes that standardise (0: one per core)"
    ),
) -> None:
    """Validate, standardise and load the master file, replacing any loaded before."""
    with apps.err.status("loading the master file…"):
        report = load_master(apps.home(), taxpayers, addresses, skip_bad_rows, workers or None)
    for bad in report.bad:
        apps.err.print(f"skipped bad rows — {bad.summary()}", markup=False)
    apps.out.print(
        f"master file loaded: {report.taxpayers} taxpayers, {report.addresses} address rows "
        f"({report.unparsed_addresses} not street-level), skipped {report.skipped_taxpayers} "
        f"taxpayer rows and {report.skipped_addresses} address rows; digest {report.digest[:16]}"
    )
