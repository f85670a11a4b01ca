"""Retention: purge a finished batch's stored request records once the policy allows.

The request records (names, addresses, reasons as the requester sent them) are kept under
`HOME/batches/<id>/` so a run can be resumed and a review can show them; the policy says
how long after submission they stay. A purge deletes them (and the batch tally), keeps the
manifest, the policy, every decision and every accounting entry, and is itself recorded in
the append-only purge log: who, when, why, and the digest of what was deleted.
"""

from __future__ import annotations

from datetime import date, timedelta

from disclosure_gateway.adapters.batch_files import BatchFiles
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.domain.errors import BadInput, NotFound
from disclosure_gateway.domain.model import Decision
from disclosure_gateway.domain.policy import parse_policy
from disclosure_gateway.service.agencies import checked_text


def purge_batch(
    store: StateStore, files: BatchFiles, batch_id: str, by: str, reason: str, today: date
) -> date:
    """Purge the batch's request records; returns the date retention ended. BadInput when
    the batch is unfinished, has open reviews, or is still within its retention period."""
    batch = store.get_batch(batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id!r} has been submitted")
    by, reason = checked_text(by, "the operator's name"), checked_text(reason, "reason")
    if store.decided_count(batch_id) < batch.record_count:
        raise BadInput(f"batch {batch_id} is not finished; its records are still needed")
    if store.decision_counts(batch_id).get(Decision.REVIEW.value, 0):
        raise BadInput(f"batch {batch_id} has requests under review; its records are still needed")
    policy = parse_policy(files.policy_text(batch_id))
    until = batch.submitted_on + timedelta(days=policy.request_records_days)
    if today < until:
        raise BadInput(f"batch {batch_id}: its records are kept until {until.isoformat()}")
    store.record_purge(batch_id, batch.records_sha256, by, reason)
    files.purge_records(batch_id)
    return until
