"""`dgw explain BATCH_ID REQUEST_ID`: what was decided for one request, under which rule, and why.

This is the agency's own console: the evidence names the candidate taxpayers' TINs.
"""

from __future__ import annotations

import json

import typer
from rich.table import Table

from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.cli import apps
from disclosure_gateway.domain.errors import BadInput

RULE_TEXT = {
    "R1-REJECTED": "the request is legally insufficient or malformed (see the reason codes)",
    "R2-TIN-NAME-CONFLICT": "the supplied TIN belongs to a taxpayer whose name does not match",
    "R3-NO-CANDIDATE": "no taxpayer of that name has the supplied address on file",
    "R4-AMBIGUOUS": "more than one taxpayer fits; namesakes are never told apart",
    "R5-ADDRESS-NOT-IN-EFFECT": "the supplied address was not in effect in the requested periods",
    "R6-UNIQUE-MATCH-CORROBORATED": "one taxpayer matched; the address is on file for the periods",
    "R7-BIRTH-DATE-UNREADABLE": "the supplied birth date cannot be read, so it cannot be checked",
}


@apps.app.command("explain")
def explain(batch_id: str = typer.Argument(...), request_id: str = typer.Argument(...)) -> None:
    """Print the decision-log entry for one request."""
    with StateStore.open(apps.home()) as store:
        record = store.decision_for(batch_id, request_id)
    if record is None:
        raise BadInput(f"no decision for request {request_id!r} of batch {batch_id!r}")
    outcome = record.outcome
    table = Table(title=f"Request {request_id} — batch {batch_id}", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("decision", outcome.decision.value)
    table.add_row("rule", f"{outcome.rule}: {RULE_TEXT.get(outcome.rule, '')}")
    if outcome.reason_codes:
        table.add_row("reason codes", ", ".join(outcome.reason_codes))
    table.add_row("row", str(record.row_no))
    table.add_row("policy", record.policy_version)
    table.add_row("model", record.model_version)
    table.add_row("code", record.code_version)
    table.add_row("evidence", json.dumps(outcome.evidence, indent=1, sort_keys=True, default=str))
    if outcome.disclosure is not None:
        table.add_row("disclosed", ", ".join(outcome.disclosure.disclosed_fields()))
    apps.out.print(table)
