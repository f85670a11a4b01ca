"""The API server's settings, in one frozen value built once at start-up.

| variable               | meaning                                                         |
|------------------------|-----------------------------------------------------------------|
| `DGW_HOME`             | the store folder (default `./.dgw`), as for the CLI             |
| `DGW_DATABASE_URL`     | the state store's server database (see `settings.py`)           |
| `DGW_MAX_UPLOAD_BYTES` | the largest batch upload accepted, in bytes (default 512 MiB)   |
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from disclosure_gateway.bootstrap import system_clock
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.service.submission import Clock
from disclosure_gateway.settings import Settings

MAX_UPLOAD_BYTES = 512 * 1024 * 1024
MAX_JSON_BYTES = 1024 * 1024
HOME = "DGW_HOME"
UPLOAD_LIMIT = "DGW_MAX_UPLOAD_BYTES"


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """`secure_cookies`: None sets the cookie's Secure flag unless the request is to loopback.

    `run_jobs`: start the background worker that runs submitted batches (tests may turn it
    off). `clock` gives the submission date and time (tests fix it).
    """

    home: Path
    database_url: str | None = None
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_json_bytes: int = MAX_JSON_BYTES
    secure_cookies: bool | None = None
    run_jobs: bool = True
    clock: Callable[[], Clock] = field(default=system_clock, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ApiSettings:
        env = os.environ if environ is None else environ
        limit = env.get(UPLOAD_LIMIT, "").strip()
        if limit and not limit.isdigit():
            raise BadInput(f"{UPLOAD_LIMIT} must be a whole number of bytes")
        return cls(
            home=Path(env.get(HOME, "").strip() or ".dgw"),
            database_url=Settings.from_env(env).database_url,
            max_upload_bytes=int(limit) if limit else MAX_UPLOAD_BYTES,
        )

    def __repr__(self) -> str:
        shown = "None" if self.database_url is None else "'***'"
        return (
            f"ApiSettings(home={str(self.home)!r}, database_url={shown}, "
            f"max_upload_bytes={self.max_upload_bytes})"
        )
