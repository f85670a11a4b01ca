"""Throw-away PostgreSQL databases for tests, dropped even when the server is busy with them."""

from __future__ import annotations

import time

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError


def drop_database(admin: Engine, name: str, attempts: int = 20) -> None:
    """DROP DATABASE … WITH (FORCE), retried: an autovacuum worker on the new database runs as
    the superuser, and a non-superuser cannot terminate it, so the first drop may fail."""
    for attempt in range(attempts):
        try:
            with admin.connect() as db:
                db.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)
