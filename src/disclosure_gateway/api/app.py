"""The API application: `create_app(settings)` builds it; its lifespan opens the state
store and starts the batch worker, and closes both at shutdown.

Every route lives under `/api/v1`; the OpenAPI document is `/api/v1/openapi.json`. There is
no Swagger UI or ReDoc: they load scripts from a CDN, and no third-party script may run
in a system that holds tax records.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from disclosure_gateway import __version__
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.api import (
    routes_audit,
    routes_batches,
    routes_review,
    routes_session,
    routes_verify,
)
from disclosure_gateway.api.config import ApiSettings
from disclosure_gateway.api.deps import Gateway
from disclosure_gateway.api.errors import install_error_handlers
from disclosure_gateway.api.guard import API_PREFIX, ApiGuard
from disclosure_gateway.api.jobs import BatchJobs
from disclosure_gateway.api.schemas import ErrorOut

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in {
        400: "bad input",
        401: "no or invalid credentials",
        403: "the caller's role or agency does not allow this",
        404: "not found",
        409: "out of order, or not finished",
        413: "the body is too large",
        422: "validation failed, or the batch is refused",
        503: "the store is unavailable",
    }.items()
}


ROUTERS = tuple(
    m.router for m in (routes_session, routes_batches, routes_verify, routes_review, routes_audit)
)


def _open(settings: ApiSettings) -> Gateway:
    store = StateStore.open(settings.home, database_url=settings.database_url)
    return Gateway(settings, store, BatchJobs(settings.home, store))


def create_app(settings: ApiSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gw = await run_in_threadpool(_open, settings)
        app.state.gateway = gw
        if settings.run_jobs:
            await run_in_threadpool(gw.jobs.start)
        try:
            yield
        finally:
            await run_in_threadpool(gw.jobs.stop)
            gw.store.close()

    app = FastAPI(
        title="Disclosure Gateway",
        version=__version__,
        summary="Vets, decides and accounts for 26 U.S.C. §6103(i)(2) address requests.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX, responses=ERROR_RESPONSES)
    install_error_handlers(app)
    app.add_middleware(ApiGuard, limit=settings.max_json_bytes)
    return app
