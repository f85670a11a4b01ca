"""The whole server: the JSON API under `/api/v1`, the staff web pages, their static files.

`create_app()` reads its settings from the environment (`DGW_HOME`, `DGW_DATABASE_URL`,
`DGW_MAX_UPLOAD_BYTES`); `dgw serve` passes them in from its options.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from disclosure_gateway.api.app import create_app as create_api
from disclosure_gateway.api.config import ApiSettings

STATIC = Path(__file__).parent / "web" / "static"


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    app = create_api(settings if settings is not None else ApiSettings.from_env())
    from disclosure_gateway.web.routes import router as pages  # the pages use the API's deps

    app.include_router(pages, include_in_schema=False)
    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
