"""`dgw batch response`: the SPEC §5 rows of a finished batch, and nothing more."""

from __future__ import annotations

from collections.abc import Iterator

from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.domain.model import Decision, DecisionRecord

_SHOWN = {
    Decision.REJECTED: "REJECTED",
    Decision.NO_DISCLOSURE: "NO_DISCLOSURE",
    Decision.DISCLOSED: "DISCLOSED",
    Decision.REVIEW: "PENDING",
}


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
    return (response_row(r) for r in store.iter_decisions(batch_id))
