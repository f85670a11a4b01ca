"""Every view of a taxpayer's record by staff is logged before the data is returned.

Unauthorised browsing of tax records is a crime (26 U.S.C. §7213A). So whoever shows staff
a request's candidate taxpayer, or an accounting entry found by TIN, first calls
`log_view` (who, when, which record, why); if the log cannot be written, nothing is shown.
The log is append-only (database triggers); `view_log` reads it for auditors.
"""

from __future__ import annotations

from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.adapters.storage.state_staff import RecordView
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.service.identity import Principal

__all__ = ["MIN_PURPOSE", "RecordView", "log_view", "view_log"]

MIN_PURPOSE = 10
MAX_PURPOSE = 1000
MAX_LIMIT = 10_000


def log_view(
    store: StateStore,
    viewer: Principal,
    *,
    batch_id: str,
    request_id: str,
    tin: str | None,
    purpose: str,
) -> None:
    """Record that `viewer` is about to see this record, and why; BadInput for a thin purpose."""
    stated = " ".join(purpose.split())
    if len(stated) < MIN_PURPOSE:
        raise BadInput(f"state the purpose of this view in at least {MIN_PURPOSE} characters")
    if len(stated) > MAX_PURPOSE:
        raise BadInput(f"the purpose is longer than {MAX_PURPOSE} characters")
    store.add_view(viewer.name, batch_id, request_id, tin, stated)


def view_log(
    store: StateStore, *, viewer: str | None = None, tin: str | None = None, limit: int = 500
) -> list[RecordView]:
    """The logged views, newest first, optionally of one viewer and/or one TIN."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be between 1 and {MAX_LIMIT}")
    return store.views(viewer, tin, limit)
