"""`dgw audit verify | report | retract | show`: the accounting of disclosures."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from disclosure_gateway.adapters.storage.heads import HeadPlaces
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.cli import apps
from disclosure_gateway.cli.requester_cmd import say
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.service import audit


@apps.audit_app.command("verify")
def audit_verify() -> None:
    """Check the chain, its anchor, the decision log and the signed heads; exit 3 on tampering."""
    places = HeadPlaces.of(apps.home())
    with StateStore.open(apps.home()) as store:
        report = audit.verify_accounting(store, places)
    signed = "signed heads checked" if places.configured else "no head-signing key configured"
    say(
        f"accounting verifies: {report.entries} entries, head {report.head_seq} "
        f"{report.head_hash}; {signed}"
    )


@apps.audit_app.command("keygen")
def audit_keygen() -> None:
    """Create the agency's head-signing key pair and sign the current chain head."""
    places = HeadPlaces.of(apps.home())
    with StateStore.open(apps.home()) as store:
        head = audit.create_head_key(store, places, _now())
    say(f"head-signing key written to {places.private_key}; signed head {head.seq}")


@apps.audit_app.command("sign-head")
def audit_sign_head() -> None:
    """Sign the current chain head (also done after every batch run)."""
    places = HeadPlaces.of(apps.home())
    with StateStore.open(apps.home()) as store:
        head = audit.sign_chain_head(store, places, _now())
    if head is None:
        raise BadInput("no head-signing key here (run `dgw audit keygen` first)")
    say(f"signed head {head.seq} {head.entry_hash}")


@apps.audit_app.command("export-heads")
def audit_export_heads(
    out: Annotated[Path, typer.Option("--out", help="a folder for oversight (created)")],
) -> None:
    """Copy the signed heads and the public key for oversight, to check the chain later."""
    places = HeadPlaces.of(apps.home())
    if not places.configured:
        raise BadInput("no head-signing key configured (run `dgw audit keygen` first)")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(places.public_key, out / "head-signing.pub")
    if places.heads_file.exists():
        shutil.copyfile(places.heads_file, out / "heads.jsonl")
    say(f"signed heads and public key exported to {out}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@apps.audit_app.command("report")
def audit_report(
    year: Annotated[
        int | None, typer.Option("--year", help="calendar year (default: this year, UTC)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table")] = False,
) -> None:
    """The yearly counts: requests, disclosures, distinct taxpayers, by agency."""
    chosen = year if year is not None else datetime.now(UTC).year
    with StateStore.open(apps.home()) as store:
        report = audit.yearly_report(store, chosen)
    if as_json:
        typer.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Accounting of disclosures — {report.year}")
    for column in ("agency", "requests", "disclosures", "taxpayers", "retractions"):
        table.add_column(column, justify="left" if column == "agency" else "right")
    for row in (*report.by_agency, report.total):
        style = "bold" if row is report.total else None
        table.add_row(
            row.agency,
            f"{row.requests:,}",
            f"{row.disclosures:,}",
            f"{row.taxpayers:,}",
            f"{row.retractions:,}",
            style=style,
        )
    apps.out.print(table)


@apps.audit_app.command("retract")
def audit_retract(
    seq: Annotated[int, typer.Argument(help="the disclosure entry to retract")],
    reason: Annotated[str, typer.Option("--reason", help="why the disclosure was wrong")],
    by: Annotated[str, typer.Option("--by", help="the officer retracting it")],
) -> None:
    """Retract a disclosure by a new entry that points to it (nothing is deleted)."""
    with StateStore.open(apps.home()) as store:
        made = audit.retract_disclosure(store, seq, reason, by)
    say(f"entry {made.seq} retracts entry {seq}")


@apps.audit_app.command("show")
def audit_show(seq: int = typer.Argument(..., help="the entry number")) -> None:
    """One accounting entry, every field (staff console: it shows the TIN)."""
    with StateStore.open(apps.home()) as store:
        entry = audit.show_entry(store, seq)
    table = Table(title=f"Accounting entry {seq}", show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for name, value in audit.entry_view(entry).items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        table.add_row(name, shown)
    apps.out.print(table)
