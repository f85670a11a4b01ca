"""The auditor's reads: the accounting of disclosures, its chain, yearly counts, decisions
and the record-view log.

A look-up by TIN, and any decision's detail, shows a taxpayer's record: it needs a
`purpose`, and each record shown is logged (`service.views.log_view`) before the answer
leaves.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Generator, Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from pydantic import BeforeValidator
from starlette.background import BackgroundTask

from disclosure_gateway.adapters.response_io import neutralise
from disclosure_gateway.api.deps import Auditor, Runtime, Store
from disclosure_gateway.api.render import decision_out, decision_tin, entry_out, record_view_out
from disclosure_gateway.api.routes_batches import work_folder
from disclosure_gateway.api.schemas import (
    AccountingEntryOut,
    ChainReportOut,
    DecisionOut,
    RecordViewOut,
    YearReportOut,
)
from disclosure_gateway.domain.audit import AccountingEntry
from disclosure_gateway.domain.errors import BadInput, NotFound
from disclosure_gateway.service.audit import yearly_report
from disclosure_gateway.service.identity import Principal
from disclosure_gateway.service.views import log_view, view_log

router = APIRouter(tags=["audit"])


def _blank_is_none(value: object) -> object:
    """A form's empty field means "no filter"."""
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(_blank_is_none)
Since = Annotated[date | None, Blank, Query(description="first day (UTC) of entries, inclusive")]
Until = Annotated[date | None, Blank, Query(description="last day (UTC) of entries, inclusive")]
Text = Annotated[str | None, Blank, Query()]
Limit = Annotated[int, Query(ge=1, le=10000)]
EXPORT_COLUMNS = (
    "seq", "recorded_at", "kind", "batch_id", "request_id", "row_no", "tin", "agency",
    "official", "statute", "disclosed", "policy_version", "model_version", "retracts_seq",
    "retraction_reason", "prev_hash", "entry_hash",
)  # fmt: skip


def _in_period(entry: AccountingEntry, since: date | None, until: date | None) -> bool:
    day = entry.recorded_at[:10]
    return (since is None or day >= since.isoformat()) and (
        until is None or day <= until.isoformat()
    )


def _entries(
    store: Store, since: date | None, until: date | None
) -> Generator[AccountingEntry, None, None]:
    for entry in store.iter_accounting():
        if _in_period(entry, since, until):
            yield entry


def _searched_tin(tin: str | None, purpose: str | None) -> str | None:
    if tin is None or not tin.strip():
        return None
    if purpose is None:
        raise BadInput("a purpose is required to search the accounting by TIN")
    return tin.strip().replace("-", "")


@router.get(
    "/accounting",
    response_model=list[AccountingEntryOut],
    summary="Accounting entries; by TIN only with a purpose (each entry shown is logged)",
)
def accounting(
    principal: Auditor,
    store: Store,
    tin: Text = None,
    agency: Text = None,
    batch: Text = None,
    since: Since = None,
    until: Until = None,
    purpose: Text = None,
    limit: Limit = 1000,
) -> list[AccountingEntryOut]:
    wanted = _searched_tin(tin, purpose)
    found: list[AccountingEntry] = []
    with closing(_entries(store, since, until)) as entries:
        for e in entries:
            d = e.draft
            if (
                (wanted is None or d.tin == wanted)
                and (agency is None or d.agency == agency)
                and (batch is None or d.batch_id == batch)
            ):
                found.append(e)
            if len(found) >= limit:
                break
    if wanted is not None:
        _log_tin_search(store, principal, wanted, found, purpose or "")
    return [entry_out(e) for e in found]


def _log_tin_search(
    store: Store, viewer: Principal, tin: str, found: list[AccountingEntry], purpose: str
) -> None:
    """One view per entry shown; a search that found nothing is logged once."""
    if not found:
        log_view(store, viewer, batch_id="", request_id="", tin=tin, purpose=purpose)
    for e in found:
        d = e.draft
        log_view(
            store, viewer, batch_id=d.batch_id, request_id=d.request_id, tin=tin, purpose=purpose
        )


@router.get("/accounting/verify", response_model=ChainReportOut, summary="Verify the chain")
def verify_chain(principal: Auditor, store: Store) -> ChainReportOut:
    report = store.verify_chain()
    return ChainReportOut(
        ok=report.ok,
        entries=report.entries,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        problem=report.problem,
    )


def _export_row(e: AccountingEntry) -> list[str]:
    d = e.draft
    values = {
        "seq": str(e.seq),
        "recorded_at": e.recorded_at,
        "kind": d.kind,
        "batch_id": d.batch_id,
        "request_id": d.request_id,
        "row_no": str(d.row_no),
        "tin": d.tin,
        "agency": d.agency,
        "official": d.official,
        "statute": d.statute,
        "disclosed": "; ".join(f"{k}={v}" for k, v in d.disclosed),
        "policy_version": d.policy_version,
        "model_version": d.model_version,
        "retracts_seq": "" if d.retracts_seq is None else str(d.retracts_seq),
        "retraction_reason": d.retraction_reason,
        "prev_hash": e.prev_hash,
        "entry_hash": e.entry_hash,
    }
    return [neutralise(values[c]) for c in EXPORT_COLUMNS]


def _write_export(path: Path, entries: Iterator[AccountingEntry]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(_export_row(e) for e in entries)


@router.get(
    "/accounting/export.csv",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}}},
    summary="The accounting as CSV (cells a spreadsheet would run as formulas neutralised)",
)
def export_csv(
    principal: Auditor, store: Store, gw: Runtime, since: Since = None, until: Until = None
) -> FileResponse:
    folder = work_folder(gw.settings.home)
    path = folder / "accounting.csv"
    try:
        with closing(_entries(store, since, until)) as entries:
            _write_export(path, entries)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type="text/csv; charset=utf-8",
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, True),
    )


@router.get("/accounting/yearly", response_model=YearReportOut, summary="The yearly counts")
def yearly(
    principal: Auditor, store: Store, year: Annotated[int, Query(ge=1900, le=9999)]
) -> YearReportOut:
    return YearReportOut.model_validate(yearly_report(store, year).as_json())


@router.get(
    "/decisions/{batch_id}/{request_id}",
    response_model=DecisionOut,
    summary="What was decided for one request, under which rule, and why (the view is logged)",
)
def decision(
    batch_id: str,
    request_id: str,
    principal: Auditor,
    store: Store,
    purpose: Annotated[str, Query(min_length=1, max_length=1000)],
) -> DecisionOut:
    found = store.decision_for(batch_id, request_id)
    if found is None:
        raise NotFound("there is no such decision")
    log_view(
        store,
        principal,
        batch_id=batch_id,
        request_id=request_id,
        tin=decision_tin(found),
        purpose=purpose,
    )
    return decision_out(found)


@router.get("/views", response_model=list[RecordViewOut], summary="The record-view log")
def views(
    principal: Auditor,
    store: Store,
    viewer: Text = None,
    tin: Text = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[RecordViewOut]:
    found = view_log(store, viewer=viewer, tin=tin, limit=limit)
    return [record_view_out(v) for v in found]
