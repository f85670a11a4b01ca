"""Alembic migrations of the state store, run from code: no alembic.ini at run time.

`StateStore.open` asks `revision_of` (plain SQL, Alembic is not even imported) and calls
`upgrade` only when the store is behind `HEAD`; a test pins `HEAD` to the scripts' head.
A store made before migrations existed (it has the `meta` table but no version table)
holds exactly revision `BASELINE`'s schema and is stamped with it, then upgraded.

To add a revision: write `versions/vNNNN_<what>.py` with `down_revision` the previous
head (copy the shape of v0001), move `HEAD`, and change `state_tables.py` to match;
`test_state_contract.py` compares the migrated schema with that metadata.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, inspect, text

from disclosure_gateway.adapters.storage.state_tables import ANCHOR_SCHEMA
from disclosure_gateway.domain.errors import StoreError

MIGRATIONS = Path(__file__).parent
BASELINE = "0001"
HEAD = "0003"
VERSION_TABLE = "alembic_version"
_PG_LOCK = 6103_0001  # pg_advisory_xact_lock key: one migrating process at a time


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Only the store's two schemas are ours (others in the database are left alone)."""
    return type_ != "schema" or name in (None, ANCHOR_SCHEMA)


def revision_of(connection: Connection) -> tuple[str | None, bool]:
    """The store's schema revision (None: empty) and whether it is stamped with it.

    A pre-migration store holds BASELINE's schema, not stamped.
    """
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE in tables:
        found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).first()
        return (None if found is None else str(found[0])), True
    return (BASELINE if "meta" in tables else None), False


def upgrade(connection: Connection) -> None:
    """Bring the schema to HEAD inside the caller's (write) transaction."""
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    try:
        if revision_of(connection) == (BASELINE, False):
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")
    except CommandError as exc:
        raise StoreError(
            "state store: its schema revision is unknown to this version of dgw "
            f"(expected {HEAD} or older)"
        ) from exc
