"""Alembic's environment: migrations run on the connection `migrations.upgrade` hands over.

No URL and no alembic.ini: the store opens the connection (SQLite with the anchor file
attached, or PostgreSQL) and begins the transaction; the migrations run inside it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from disclosure_gateway.adapters.storage.migrations import include_name
from disclosure_gateway.adapters.storage.state_tables import metadata
from disclosure_gateway.domain.errors import StoreError


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise StoreError("state store: migrations run from StateStore.open, on its connection")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_schemas=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
