"""`dgw keygen`, `dgw batch sign`, `dgw agency …` and `dgw hold …`: requesters and legal holds."""

from __future__ import annotations

import getpass
import hashlib
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.cli import apps
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.service import agencies


def say(text: str) -> None:
    """One plain line on stdout (never wrapped, no markup)."""
    apps.out.print(text, markup=False, soft_wrap=True)


def operator(by: str | None) -> str:
    """The operator's name: `--by`, else the OS user name."""
    if by:
        return by
    try:
        return getpass.getuser()
    except (OSError, KeyError) as exc:
        raise BadInput("the OS user name is unknown; give --by NAME") from exc


@apps.app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option("--out", help="PREFIX: writes PREFIX.key and PREFIX.pub")],
) -> None:
    """Make an Ed25519 key pair for a requester (private key mode 0600)."""
    key_path, pub_path = agencies.write_keypair(out)
    say(f"wrote {key_path} (private, keep secret) and {pub_path} (register it with the gateway)")


@apps.batch_app.command("sign")
def batch_sign(
    manifest: Annotated[Path, typer.Argument(help="the manifest (JSON) to complete and sign")],
    key: Annotated[Path, typer.Option("--key", help="the requester's private key (PKCS#8 PEM)")],
) -> None:
    """Fill in the records' digest and count and the signature (requester side)."""
    signed = agencies.sign_batch(manifest, key)
    say(f"signed batch {signed.batch_id}: {signed.record_count} records")


@apps.agency_app.command("add")
def agency_add(
    agency: Annotated[str, typer.Argument(help="the agency's name, as its manifests give it")],
    public_key: Annotated[Path, typer.Option("--public-key", help="its Ed25519 public key (PEM)")],
    signatory: Annotated[
        list[str], typer.Option("--signatory", help="an official who may sign (repeat)")
    ],
    safeguards_current: Annotated[
        bool,
        typer.Option("--safeguards-current", help="its safeguard review (Pub. 1075) is current"),
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="replace an agency already registered")
    ] = False,
) -> None:
    """Register a requesting agency, its key and its signatories."""
    with StateStore.open(apps.home()) as store:
        added = agencies.register_agency(
            store,
            name=agency,
            public_key_file=public_key,
            signatories=signatory,
            safeguards_current=safeguards_current,
            replace=replace,
        )
    state = "current" if added.safeguards_current else "NOT current"
    say(f"agency {added.name}: {len(added.signatories)} signatories, safeguards {state}")


@apps.agency_app.command("safeguards")
def agency_safeguards(
    agency: Annotated[str, typer.Argument()],
    current: Annotated[
        bool | None, typer.Option("--current/--lapsed", help="the review's state")
    ] = None,
) -> None:
    """Record that an agency's safeguard review is current, or has lapsed."""
    if current is None:
        raise BadInput("say --current or --lapsed")
    with StateStore.open(apps.home()) as store:
        agencies.set_safeguards(store, agency, current)
    say(f"agency {agency}: safeguards {'current' if current else 'lapsed'}")


def key_fingerprint(pem: bytes) -> str:
    return hashlib.sha256(pem.strip()).hexdigest()[:16]


@apps.agency_app.command("list")
def agency_list() -> None:
    """Registered agencies, their signatories and safeguard state."""
    with StateStore.open(apps.home()) as store:
        found = agencies.list_agencies(store)
    table = Table(title="Requesting agencies")
    for column in ("agency", "signatories", "safeguards", "key (sha256 of PEM)"):
        table.add_column(column)
    for a in found:
        state = "current" if a.safeguards_current else "LAPSED"
        table.add_row(a.name, "; ".join(a.signatories), state, key_fingerprint(a.public_key_pem))
    apps.out.print(table)


@apps.hold_app.command("on")
def hold_on(
    reason: Annotated[str, typer.Option("--reason", help="why (a court order, an incident …)")],
    by: Annotated[str | None, typer.Option("--by", help="the operator (default: OS user)")] = None,
) -> None:
    """Put a legal hold in force: batches are refused and disclosures stop."""
    with StateStore.open(apps.home()) as store:
        hold = agencies.place_hold(store, reason, operator(by))
    say(f"legal hold in force since {hold.since}")


@apps.hold_app.command("off")
def hold_off(
    reason: Annotated[str, typer.Option("--reason")],
    by: Annotated[str | None, typer.Option("--by", help="the operator (default: OS user)")] = None,
) -> None:
    """Lift the legal hold in force."""
    with StateStore.open(apps.home()) as store:
        agencies.lift_hold(store, reason, operator(by))
    say("legal hold lifted")


@apps.hold_app.command("status")
def hold_status() -> None:
    """Whether a legal hold is in force."""
    with StateStore.open(apps.home()) as store:
        hold = agencies.hold_status(store)
    if hold is None:
        say("no legal hold is in force")
    else:
        say(f"legal hold in force since {hold.since}, placed by {hold.by}: {hold.reason}")
