"""The auditor's pages: the accounting, a search by TIN, the chain check, the report, the views.

Lists show a TIN's last four digits only. A search by TIN is a view of that taxpayer's
record: it asks for a purpose and is logged (`log_view`) before any entry is shown. The
report (`/audit/report`) is a printable page (print CSS) with the period's and the calendar
years' counts — requests, disclosures, distinct taxpayers, retractions, by agency.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from disclosure_gateway.adapters.storage.state import BatchInfo
from disclosure_gateway.api.deps import Store
from disclosure_gateway.domain.audit import DISCLOSURE, RETRACTION, AccountingEntry, YearCount
from disclosure_gateway.domain.errors import BadInput, TamperDetected
from disclosure_gateway.service.audit import ALL_AGENCIES, verify_accounting, yearly_report
from disclosure_gateway.service.views import log_view, view_log
from disclosure_gateway.web.access import (
    AUDIT_ROLES,
    Staff,
    csrf_ok,
    csrf_refused,
    mask_tin,
    render,
    staff_page,
)
from disclosure_gateway.web.charts import bar_chart

router = APIRouter()

MAX_ENTRIES = 500
MAX_REPORT_YEARS = 10


@dataclass(frozen=True, slots=True)
class EntryFilter:
    agency: str = ""
    batch: str = ""
    since: str = ""  # YYYY-MM-DD, inclusive
    until: str = ""  # YYYY-MM-DD, inclusive
    tin: str = ""

    def admits(self, entry: AccountingEntry) -> bool:
        d, day = entry.draft, entry.recorded_at[:10]
        return (
            (not self.agency or d.agency.casefold() == self.agency.casefold())
            and (not self.batch or d.batch_id == self.batch)
            and (not self.since or day >= self.since)
            and (not self.until or day <= self.until)
            and (not self.tin or d.tin == self.tin)
        )


def _day(text: str) -> str:
    """A YYYY-MM-DD date from a form, or "" when it is empty or not a date."""
    try:
        return date.fromisoformat(text.strip()).isoformat() if text.strip() else ""
    except ValueError:
        return ""


def entry_rows(entries: Iterable[AccountingEntry], show_tin: bool) -> list[dict[str, object]]:
    rows = []
    for e in entries:
        d = e.draft
        rows.append({
            "seq": e.seq, "recorded_at": e.recorded_at, "kind": d.kind, "agency": d.agency,
            "batch_id": d.batch_id, "request_id": d.request_id,
            "tin": d.tin if show_tin else mask_tin(d.tin), "official": d.official,
            "statute": d.statute, "fields": ", ".join(name for name, _ in d.disclosed),
            "policy_version": d.policy_version, "retracts_seq": d.retracts_seq,
        })  # fmt: skip
    return rows


def select_entries(
    entries: Iterable[AccountingEntry], f: EntryFilter
) -> tuple[list[AccountingEntry], bool]:
    """The admitted entries, newest first, at most MAX_ENTRIES; and whether more matched."""
    found = [e for e in entries if f.admits(e)]
    found.reverse()
    return found[:MAX_ENTRIES], len(found) > MAX_ENTRIES


def _audit_page(
    staff: Staff, store: Store, f: EntryFilter, status: int = 200, **extra: object
) -> Response:
    entries, truncated = select_entries(store.iter_accounting(), f)
    return render(
        "audit.html", staff, status, title="Accounting", f=f, truncated=truncated,
        entries=entry_rows(entries, show_tin=bool(f.tin)), **extra,
    )  # fmt: skip


@router.get("/audit")
def audit_page(
    request: Request, store: Store, agency: str = "", batch: str = "", since: str = "",
    until: str = "",
) -> Response:  # fmt: skip
    staff = staff_page(request, store, *AUDIT_ROLES)
    if not isinstance(staff, Staff):
        return staff
    f = EntryFilter(agency.strip(), batch.strip(), _day(since), _day(until))
    return _audit_page(staff, store, f)


@router.post("/audit/search")
def search_by_tin(
    request: Request,
    store: Store,
    tin: Annotated[str, Form()] = "",
    purpose: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = staff_page(request, store, *AUDIT_ROLES)
    if not isinstance(staff, Staff):
        return staff
    if not csrf_ok(staff, csrf):
        return csrf_refused(staff)
    digits = "".join(ch for ch in tin if ch.isdigit())
    if len(digits) != 9 or len(tin.replace("-", "").strip()) != 9:
        return _audit_page(staff, store, EntryFilter(), 400, error="A TIN is nine digits.")
    try:
        log_view(store, staff.principal, batch_id="", request_id="", tin=digits, purpose=purpose)
    except BadInput as exc:
        return _audit_page(staff, store, EntryFilter(), 400, error=str(exc))
    return _audit_page(staff, store, EntryFilter(tin=digits))


@router.post("/audit/verify")
def verify_chain(request: Request, store: Store, csrf: Annotated[str, Form()] = "") -> Response:
    staff = staff_page(request, store, *AUDIT_ROLES)
    if not isinstance(staff, Staff):
        return staff
    if not csrf_ok(staff, csrf):
        return csrf_refused(staff)
    try:
        report = verify_accounting(store)
    except TamperDetected as exc:
        return _audit_page(staff, store, EntryFilter(), verify={"ok": False, "problem": str(exc)})
    shown = {"ok": True, "entries": report.entries, "head_seq": report.head_seq,
             "head_hash": report.head_hash}  # fmt: skip
    return _audit_page(staff, store, EntryFilter(), verify=shown)


def period_counts(
    entries: Iterable[AccountingEntry], batches: Iterable[BatchInfo], since: str, until: str
) -> list[YearCount]:
    """Requests (rows of batches submitted in the period), disclosures, distinct taxpayers
    and retractions recorded in the period, by agency; the all-agencies total last."""
    requests: Counter[str] = Counter()
    for b in batches:
        if since <= b.submitted_on.isoformat() <= until:
            requests[b.agency] += b.record_count
    disclosures: Counter[str] = Counter()
    retractions: Counter[str] = Counter()
    taxpayers: dict[str, set[str]] = {}
    for e in entries:
        if not since <= e.recorded_at[:10] <= until:
            continue
        d = e.draft
        if d.kind == DISCLOSURE:
            disclosures[d.agency] += 1
            taxpayers.setdefault(d.agency, set()).add(d.tin)
        elif d.kind == RETRACTION:
            retractions[d.agency] += 1
    agencies = sorted(set(requests) | set(disclosures) | set(retractions))
    rows = [
        YearCount(a, requests[a], disclosures[a], len(taxpayers.get(a, ())), retractions[a])
        for a in agencies
    ]
    everyone = set().union(*taxpayers.values()) if taxpayers else set()
    total = YearCount(
        ALL_AGENCIES, sum(requests.values()), sum(disclosures.values()), len(everyone),
        sum(retractions.values()),
    )  # fmt: skip
    return [*rows, total]


def disclosures_by_month(
    entries: Iterable[AccountingEntry], since: str, until: str
) -> list[tuple[str, int]]:
    months: Counter[str] = Counter()
    for e in entries:
        if e.draft.kind == DISCLOSURE and since <= e.recorded_at[:10] <= until:
            months[e.recorded_at[:7]] += 1
    return sorted(months.items())


@router.get("/audit/report")
def report_page(request: Request, store: Store, since: str = "", until: str = "") -> Response:
    staff = staff_page(request, store, *AUDIT_ROLES)
    if not isinstance(staff, Staff):
        return staff
    now = datetime.now(UTC)
    start = _day(since) or date(now.year, 1, 1).isoformat()
    end = _day(until) or now.date().isoformat()
    if end < start:
        start, end = end, start
    entries = list(store.iter_accounting())
    period = period_counts(entries, store.list_batches(), start, end)
    first_year = max(int(start[:4]), int(end[:4]) - MAX_REPORT_YEARS + 1)
    years = [yearly_report(store, y) for y in range(first_year, int(end[:4]) + 1)]
    chain_ok = store.verify_chain().ok
    by_agency = [(c.agency, c.disclosures) for c in period[:-1]]
    return render(
        "audit_report.html", staff, title="Accounting report", since=start, until=end,
        prepared_at=now.isoformat(timespec="seconds"), period=period, years=years,
        chain_ok=chain_ok, agency_chart=bar_chart("Disclosures by agency", by_agency),
        month_chart=bar_chart("Disclosures by month", disclosures_by_month(entries, start, end)),
    )  # fmt: skip


@router.get("/audit/views")
def views_page(request: Request, store: Store, viewer: str = "") -> Response:
    staff = staff_page(request, store, *AUDIT_ROLES)
    if not isinstance(staff, Staff):
        return staff
    found = view_log(store, viewer=viewer.strip() or None)
    rows = [
        {"seq": v.seq, "at": v.at, "viewer": v.viewer, "batch_id": v.batch_id,
         "request_id": v.request_id, "tin": mask_tin(v.tin or ""), "purpose": v.purpose}
        for v in found
    ]  # fmt: skip
    return render("audit_views.html", staff, title="Record views", views=rows, viewer=viewer)
