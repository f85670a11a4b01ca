"""`dgw explain BATCH_ID REQUEST_ID`: what was decided for one request, under which rule, and why.

This is the agency's own console: the evidence names the candidate taxpayers' TINs. For a
scored candidate it draws the model's weights as a waterfall (prior, then each comparison,
running total), the way Splink's own charts show them; the bars add up to the match weight
the decision used, so the explanation can never disagree with the score.
"""

from __future__ import annotations

import json
import math

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
    "R8-BORDERLINE-REVIEW": "one plausible taxpayer, but the evidence is not strong enough alone",
    "R9-NOT-CONFIDENT": "one candidate, but its name agrees too weakly to consider",
}
BAR_SCALE = 2.0  # characters per bit of match weight


def _bar(weight: float) -> str:
    n = min(int(abs(weight) * BAR_SCALE + 0.5), 60)
    return ("[green]" + "█" * n + "[/]") if weight >= 0 else ("[red]" + "█" * n + "[/]")


def waterfall(candidate: dict[str, object]) -> Table:
    """The model's weights for one candidate, prior first, with the running total."""
    table = Table(title=f"Match weights — candidate {candidate.get('tin', '?')}")
    table.add_column("comparison")
    table.add_column("level")
    table.add_column("weight", justify="right")
    table.add_column("total", justify="right")
    table.add_column("")
    total = 0.0
    weights = candidate.get("weights")
    for item in weights if isinstance(weights, list) else []:
        comparison, level, weight = str(item[0]), str(item[1]), float(item[2])
        total += weight
        table.add_row(comparison, level, f"{weight:+.2f}", f"{total:+.2f}", _bar(weight))
    probability = 1.0 / (1.0 + math.pow(2.0, -total))
    table.add_row(
        "[bold]match weight[/]", "", "", f"[bold]{total:+.2f}[/]", f"p = {probability:.6f}"
    )
    return table


def candidates_table(candidates: list[dict[str, object]]) -> Table:
    table = Table(title="Candidates considered")
    for col in ("TIN", "name", "address", "ruled out by", "probability"):
        table.add_column(col)
    for c in candidates:
        p = c.get("probability")
        table.add_row(
            str(c.get("tin", "")),
            f"{c.get('name', '')} ({c.get('name_detail', '')})",
            str(c.get("address", "")),
            str(c.get("contradicted_by", "")),
            f"{p:.6f}" if isinstance(p, float) else "–",
        )
    return table


@apps.app.command("explain")
def explain(batch_id: str = typer.Argument(...), request_id: str = typer.Argument(...)) -> None:
    """Print the decision-log entry for one request, with the model's weights."""
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
    evidence = dict(outcome.evidence)
    found = evidence.pop("candidates", [])
    candidates = [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []
    if evidence:
        table.add_row("evidence", json.dumps(evidence, sort_keys=True, default=str))
    if outcome.disclosure is not None:
        table.add_row("disclosed", ", ".join(outcome.disclosure.disclosed_fields()))
    apps.out.print(table)
    if candidates:
        apps.out.print(candidates_table(candidates))
    chosen = evidence.get("chosen")
    for c in candidates:
        if c.get("weights") and (chosen is None or c.get("tin") == chosen):
            apps.out.print(waterfall(c))
