"""The Typer applications every command module registers onto, and the shared plumbing."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(
    name="dgw",
    help="Disclosure Gateway: vet, match, decide and account for §6103(i)(2) requests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
master_app = typer.Typer(help="The taxpayer master file.", no_args_is_help=True)
agency_app = typer.Typer(
    help="Requesting agencies, their keys and signatories.", no_args_is_help=True
)
batch_app = typer.Typer(help="Request batches: sign, submit, run, respond.", no_args_is_help=True)
audit_app = typer.Typer(
    help="The accounting of disclosures and the decision log.", no_args_is_help=True
)
hold_app = typer.Typer(help="Legal holds that stop every disclosure.", no_args_is_help=True)
app.add_typer(master_app, name="master")
app.add_typer(agency_app, name="agency")
app.add_typer(batch_app, name="batch")
app.add_typer(audit_app, name="audit")
app.add_typer(hold_app, name="hold")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class Globals:
    home: Path = Path(".dgw")


@app.callback()
def main_options(
    home: Path = typer.Option(
        None,
        "--home",
        help="Store directory (default: $DGW_HOME, else ./.dgw).",
        show_default=False,
    ),
) -> None:
    Globals.home = home or Path(os.environ.get("DGW_HOME") or ".dgw")


def home() -> Path:
    """The store directory chosen by `--home`, `$DGW_HOME` or the default."""
    return Globals.home
