"""`dgw user …`, `dgw token …`, `dgw review …` and `dgw verify`: staff, requesters, reviews.

The staff CLI names the acting user with `--as USER` (an enabled user of the store; the
web app uses sessions instead). Passwords never come as arguments: `--password-file` or a
prompt, twice. A token's secret is printed once and never again.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.storage.master_store import MasterStore
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.cli import apps
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.service import identity, review
from disclosure_gateway.service.response import response_row
from disclosure_gateway.service.verify import verify_request

user_app = typer.Typer(help="Staff users and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="Requester API tokens.", no_args_is_help=True)
review_app = typer.Typer(help="The review of borderline decisions.", no_args_is_help=True)
apps.app.add_typer(user_app, name="user")
apps.app.add_typer(token_app, name="token")
apps.app.add_typer(review_app, name="review")

AsUser = Annotated[str, typer.Option("--as", help="the acting staff user")]
Reason = Annotated[str, typer.Option("--reason", help="why (at least 20 characters)")]


def say(text: str) -> None:
    apps.out.print(text, markup=False, soft_wrap=True)


def _password(path: Path | None) -> str:
    if path is not None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"the password file {path} cannot be read") from exc
        return lines[0] if lines else ""
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise BadInput("the two passwords differ")
    return first


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="the username: 2-64 of a-z 0-9 . _ -")],
    role: Annotated[list[str], typer.Option("--role", help="a role (repeat)")],
    password_file: Annotated[
        Path | None, typer.Option("--password-file", help="read the password from its first line")
    ] = None,
) -> None:
    """Add a staff user (reviewer, disclosure_officer, auditor, admin)."""
    password = _password(password_file)
    with StateStore.open(apps.home()) as store:
        identity.add_user(store, name, password, role)
    say(f"user {name}: {', '.join(sorted(set(role)))}")


@token_app.command("create")
def token_create(
    agency: Annotated[str, typer.Argument(help="the requesting agency")],
    label: Annotated[str, typer.Option("--label", help="what the token is for")],
) -> None:
    """Create a requester token; its secret is printed this once."""
    with StateStore.open(apps.home()) as store:
        token = identity.create_token(store, agency, label)
    say(token)
    apps.err.print("store this token now: it is shown only once", markup=False)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[str, typer.Argument(help="the token's id")]) -> None:
    """Revoke a requester token."""
    with StateStore.open(apps.home()) as store:
        identity.revoke_token(store, token_id)
    say(f"token {token_id} revoked")


@review_app.command("list")
def review_list(
    as_user: AsUser,
    all_items: Annotated[bool, typer.Option("--all", help="include decided items")] = False,
) -> None:
    """The review queue."""
    with StateStore.open(apps.home()) as store:
        viewer = identity.user_principal(store, as_user)
        items = review.review_queue(store, viewer, include_decided=all_items)
    table = Table(title=f"Review queue — {len(items)} items")
    for column in ("batch", "row", "request", "agency", "state", "proposal", "by"):
        table.add_column(column)
    for item in items:
        p = item.proposal
        table.add_row(
            item.batch_id,
            str(item.row_no),
            item.request_id,
            item.agency,
            item.state,
            p.action if p else "",
            p.by if p else "",
        )
    apps.out.print(table)


@review_app.command("show")
def review_show(
    batch_id: Annotated[str, typer.Argument()],
    row_no: Annotated[int, typer.Argument()],
    as_user: AsUser,
    purpose: Annotated[str, typer.Option("--purpose", help="why you look (logged first)")],
) -> None:
    """One item: the request, the taxpayer on file, the evidence (the view is logged)."""
    home = apps.home()
    with StateStore.open(home) as store, MasterStore.open(home) as master:
        viewer = identity.user_principal(store, as_user)
        detail = review.review_detail(store, master, viewer, batch_id, row_no, purpose)
    shown = {
        "item": {
            "batch_id": detail.item.batch_id,
            "row_no": detail.item.row_no,
            "request_id": detail.item.request_id,
            "agency": detail.item.agency,
            "state": detail.item.state,
            "rule": detail.item.rule,
            "proposal": None if detail.item.proposal is None else vars_of(detail.item.proposal),
        },
        "request": detail.request,
        "candidate": detail.candidate,
        "evidence": detail.evidence,
    }
    say(json.dumps(shown, indent=2, ensure_ascii=False))


def vars_of(proposal: review.Proposal) -> dict[str, str]:
    return {"action": proposal.action, "by": proposal.by, "reason": proposal.reason}


@review_app.command("propose")
def review_propose(
    batch_id: Annotated[str, typer.Argument()],
    row_no: Annotated[int, typer.Argument()],
    as_user: AsUser,
    reason: Reason,
    disclose: Annotated[
        bool | None, typer.Option("--disclose/--no-disclose", help="the proposal")
    ] = None,
) -> None:
    """Propose to disclose, or not (reviewer)."""
    if disclose is None:
        raise BadInput("say --disclose or --no-disclose")
    action = "DISCLOSE" if disclose else "NO_DISCLOSURE"
    with StateStore.open(apps.home()) as store:
        viewer = identity.user_principal(store, as_user)
        item = review.propose(store, viewer, batch_id, row_no, action, reason)
    say(f"batch {batch_id} row {row_no}: {item.state} {action} by {as_user}")


@review_app.command("approve")
def review_approve(
    batch_id: Annotated[str, typer.Argument()],
    row_no: Annotated[int, typer.Argument()],
    as_user: AsUser,
    reason: Reason,
) -> None:
    """Approve the standing proposal (disclosure officer; never the proposer)."""
    home = apps.home()
    with StateStore.open(home) as store, MasterStore.open(home) as master:
        viewer = identity.user_principal(store, as_user)
        record = review.approve(store, master, viewer, batch_id, row_no, reason)
    say(f"batch {batch_id} row {row_no}: {record.outcome.decision.value} ({record.outcome.rule})")


@review_app.command("send-back")
def review_send_back(
    batch_id: Annotated[str, typer.Argument()],
    row_no: Annotated[int, typer.Argument()],
    as_user: AsUser,
    reason: Reason,
) -> None:
    """Reject the standing proposal: the item is open again (disclosure officer)."""
    with StateStore.open(apps.home()) as store:
        viewer = identity.user_principal(store, as_user)
        item = review.send_back(store, viewer, batch_id, row_no, reason)
    say(f"batch {batch_id} row {row_no}: {item.state}")


@apps.app.command("verify")
def verify(
    agency: Annotated[str, typer.Option("--agency", help="the requesting agency")],
    official: Annotated[str, typer.Option("--official", help="its signatory")],
    record: Annotated[Path, typer.Option("--record", help="one SPEC §3.2 record (JSON)")],
) -> None:
    """Decide one request now, as a one-row batch; prints its SPEC §5 response row."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"the record file {record.name} is not readable JSON") from exc
    if not isinstance(data, dict):
        raise BadInput(f"the record file {record.name} is not a JSON object")
    # The operator at the console acts for the agency, as `batch submit` does for its batches.
    principal = identity.Principal(f"cli:{_os_user()}", frozenset({"requester"}), agency, "token")
    home = apps.home()
    with StateStore.open(home) as store, MasterStore.open(home) as master:
        decided = verify_request(store, master, principal, official, data, bootstrap.system_clock())
    say(json.dumps(response_row(decided), ensure_ascii=False))
    apps.err.print(f"batch {decided.batch_id}", markup=False)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "operator"
