"""`dgw serve`: the HTTP API under /api/v1 and the staff web app, on uvicorn."""

from __future__ import annotations

import typer

from disclosure_gateway.api.config import ApiSettings
from disclosure_gateway.cli import apps

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@apps.app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="port to listen on"),
) -> None:
    """Serve the API (OpenAPI at /api/v1/openapi.json) and the staff web app (/login)."""
    import uvicorn

    from disclosure_gateway.app import create_app

    base = ApiSettings.from_env()
    settings = ApiSettings(
        home=apps.home(),
        database_url=base.database_url,
        max_upload_bytes=base.max_upload_bytes,
        secure_cookies=None if host in LOOPBACK else True,
    )
    apps.err.print(f"dgw: serving on http://{host}:{port} (Ctrl-C stops)", markup=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)
