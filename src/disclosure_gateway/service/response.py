"""`dgw batch response`: the SPEC §5 rows of a finished batch, and nothing more."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.adapters.storage.state_rows import LKA
from disclosure_gateway.domain.errors import BadInput, StoreError
from disclosure_gateway.domain.model import Decision, DecisionRecord

_SHOWN = {
    Decision.REJECTED: "REJECTED",
    Decision.NO_DISCLOSURE: "NO_DISCLOSURE",
    Decision.DISCLOSED: "DISCLOSED",
    Decision.REVIEW: "PENDING",
}
_SHOWN_STORED = {decision.value: shown for decision, shown in _SHOWN.items()}


def response_row(record: DecisionRecord) -> dict[str, str]:
    """One response row: reason codes only when REJECTED, address fields only when DISCLOSED."""
    outcome = record.outcome
    row = {"request_id": record.request_id, "decision": _SHOWN[outcome.decision]}
    if outcome.decision is Decision.REJECTED:
        row["reason_codes"] = ";".join(outcome.reason_codes)
    if outcome.decision is Decision.DISCLOSED and outcome.disclosure is not None:
        d = outcome.disclosure
        row["address_confirmed"] = "true" if d.address_confirmed else "false"
        row.update(
            lka_street=d.lka_street,
            lka_unit=d.lka_unit,
            lka_city=d.lka_city,
            lka_state=d.lka_state,
            lka_zip=d.lka_zip,
            lka_effective_date=d.lka_effective_date,
        )
    return row


def response_rows(store: StateStore, batch_id: str) -> Iterator[dict[str, str]]:
    """The response of a finished batch; BadInput while any row is undecided."""
    batch = store.get_batch(batch_id)
    if batch is None:
        raise BadInput(f"no batch {batch_id!r} has been submitted")
    done = store.decided_count(batch_id)
    if done < batch.record_count:
        raise BadInput(
            f"batch {batch_id} is not finished ({done} of {batch.record_count} rows decided); "
            "run `dgw batch run` first"
        )
    return (stored_response_row(f) for f in store.iter_response_fields(batch_id))


def stored_response_row(fields: Sequence[Any]) -> dict[str, str]:
    """`response_row` from the stored `RESPONSE_FIELDS` of a decision, without rebuilding it.

    (request_id, decision, reason_codes, has_disclosure, address_confirmed, *LKA)
    """
    decision = fields[1]
    shown = _SHOWN_STORED.get(decision)
    if shown is None:
        raise StoreError(f"state store: request {fields[0]}: unknown decision in the log")
    row = {"request_id": fields[0], "decision": shown}
    if shown == "REJECTED":
        row["reason_codes"] = fields[2]
    elif shown == "DISCLOSED" and fields[3]:
        row["address_confirmed"] = "true" if fields[4] else "false"
        row.update(zip(LKA, fields[5:11], strict=True))
    return row
