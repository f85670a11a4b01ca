"""Batches: submit (streamed upload), list, status, and the SPEC §5 response.

A requester sees its own agency's batches only (another agency's batch is a 404, as if it
did not exist); staff roles see every batch. The response goes to requesters only.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.batch_files import BatchFiles
from disclosure_gateway.adapters.response_io import write_response
from disclosure_gateway.adapters.storage.state import BatchInfo, StateStore
from disclosure_gateway.api.deps import AnyRole, Gateway, Requester, RequesterWrite, Runtime, Store
from disclosure_gateway.api.errors import ApiRefusal
from disclosure_gateway.api.schemas import BatchAcceptedOut, BatchOut
from disclosure_gateway.api.upload import manifest_agency, place_files, receive_parts
from disclosure_gateway.domain.errors import NotFound, NotPermitted
from disclosure_gateway.service.identity import Principal
from disclosure_gateway.service.response import response_rows
from disclosure_gateway.service.submission import submit_batch

router = APIRouter(tags=["batches"])

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}
UPLOADS = "uploads"


def work_folder(home: Path) -> Path:
    """A fresh private folder under HOME for an upload or a download being written."""
    root = home / UPLOADS
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=root))


def visible_batch(store: StateStore, principal: Principal, batch_id: str) -> BatchInfo:
    """The batch if this caller may see it; another agency's batch is simply not found."""
    info = store.get_batch(batch_id)
    if info is None or (principal.kind == "token" and info.agency != principal.agency):
        raise NotFound("there is no such batch for this caller")
    return info


def _accept(gw: Gateway, principal: Principal, folder: Path) -> BatchAcceptedOut:
    manifest = place_files(folder)
    agency = manifest_agency(manifest)
    if agency is not None and agency != principal.agency:
        raise NotPermitted("AGENCY_MISMATCH", "the manifest names another agency than the token's")
    home = gw.settings.home
    info = submit_batch(
        gw.store, BatchFiles(home), manifest, bootstrap.policy_text(home), gw.settings.clock()
    )
    gw.jobs.enqueue(info.batch_id)
    return BatchAcceptedOut(batch_id=info.batch_id, state=info.state)


@router.post(
    "/batches",
    status_code=202,
    response_model=BatchAcceptedOut,
    summary="Submit a signed batch (multipart: `manifest` JSON file + `records` file)",
)
async def submit(
    request: Request, response: Response, principal: RequesterWrite, gw: Runtime
) -> BatchAcceptedOut:
    folder = await run_in_threadpool(work_folder, gw.settings.home)
    try:
        await receive_parts(
            request.headers.get("content-type"),
            request.headers.get("content-length"),
            request.stream(),
            folder,
            gw.settings.max_upload_bytes,
        )
        accepted = await run_in_threadpool(_accept, gw, principal, folder)
    finally:
        await run_in_threadpool(shutil.rmtree, folder, True)
    response.headers["Location"] = f"/api/v1/batches/{accepted.batch_id}"
    return accepted


def _batch_out(gw: Gateway, info: BatchInfo, with_counts: bool) -> BatchOut:
    job = gw.jobs.progress(info.batch_id)
    counts = None
    if with_counts and info.rows_done >= info.record_count:
        shown = {"REVIEW": "PENDING"}  # as the response file says it
        counts = {
            shown.get(decision, decision): n
            for decision, n in gw.store.decision_counts(info.batch_id).items()
        }
    return BatchOut(
        batch_id=info.batch_id,
        agency=info.agency,
        official=info.official,
        signed_on=info.signed_on,
        submitted_at=info.submitted_at,
        state=info.state,
        record_count=info.record_count,
        rows_done=info.rows_done,
        rate=None if job is None else job.rate,
        problem=None if job is None else job.problem,
        counts=counts,
    )


@router.get("/batches", response_model=list[BatchOut], summary="Batches this caller may see")
def list_batches(principal: AnyRole, gw: Runtime) -> list[BatchOut]:
    found = gw.store.list_batches()
    if principal.kind == "token":
        found = [b for b in found if b.agency == principal.agency]
    return [_batch_out(gw, b, with_counts=False) for b in found]


@router.get("/batches/{batch_id}", response_model=BatchOut, summary="One batch's progress")
def get_batch(batch_id: str, principal: AnyRole, gw: Runtime) -> BatchOut:
    return _batch_out(gw, visible_batch(gw.store, principal, batch_id), with_counts=True)


@router.get(
    "/batches/{batch_id}/response",
    response_class=FileResponse,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
    summary="The SPEC §5 response of a finished batch",
)
def get_response(
    batch_id: str,
    principal: Requester,
    store: Store,
    gw: Runtime,
    fmt: Annotated[Literal["csv", "jsonl", "parquet"], Query(alias="format")] = "csv",
) -> FileResponse:
    info = visible_batch(store, principal, batch_id)
    done = store.decided_count(batch_id)
    if done < info.record_count:
        raise ApiRefusal(
            409,
            "NOT_FINISHED",
            f"batch {batch_id} is not finished ({done} of {info.record_count} rows decided)",
        )
    folder = work_folder(gw.settings.home)
    path = folder / f"{batch_id}-response.{fmt}"
    try:
        write_response(path, response_rows(store, batch_id), fmt)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[fmt],
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, True),
    )
