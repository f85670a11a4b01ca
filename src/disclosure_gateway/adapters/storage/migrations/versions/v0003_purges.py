"""The state store, version 3: the purge log of request records (retention).

When a batch's stored request records are purged after the policy's retention period, one
append-only `purges` row says which batch, which records (their digest), when, by whom and
why; the decisions and the accounting stay forever.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

GUARDS = (
    ("purges_never_changed", "UPDATE", "purge records are never changed"),
    ("purges_never_deleted", "DELETE", "purge records are never deleted"),
)


def upgrade() -> None:
    op.create_table(
        "purges",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Text, sa.ForeignKey("batches.batch_id"), nullable=False),
        sa.Column("records_sha256", sa.Text, nullable=False),
        sa.Column("purged_at", sa.Text, nullable=False),
        sa.Column("by_name", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sqlite_autoincrement=True,
        if_not_exists=True,
    )
    postgres = op.get_context().dialect.name == "postgresql"
    for name, event, message in GUARDS:
        if postgres:
            op.execute(
                f"CREATE OR REPLACE TRIGGER {name} BEFORE {event} ON purges "
                f"FOR EACH ROW EXECUTE FUNCTION dgw_refuse('{message}')"
            )
        else:
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON purges "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    if postgres:
        op.execute(
            "CREATE OR REPLACE TRIGGER purges_never_truncated BEFORE TRUNCATE ON purges "
            "FOR EACH STATEMENT EXECUTE FUNCTION dgw_refuse('purge records are never deleted')"
        )
    op.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def downgrade() -> None:
    raise NotImplementedError("the purge log is permanent: no downgrade")
