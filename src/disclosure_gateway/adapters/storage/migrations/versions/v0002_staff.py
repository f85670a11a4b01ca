"""The state store, version 2: staff users, sessions, requester tokens, record views, reviews.

`record_views` (every view of a taxpayer's record by staff, §7213A) and `review_actions`
(every step of the two-person review) are append-only, guarded by triggers like the
accounting's. An index on `decisions.decision` serves the review queue.

Every step is idempotent (IF NOT EXISTS, CREATE OR REPLACE TRIGGER): a store stamped with
an older revision that already holds these objects is upgraded without failing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

# (trigger, table, event, message): the append-only guards, on both databases.
GUARDS = (
    ("record_views_never_changed", "record_views", "UPDATE", "record views are never changed"),
    ("record_views_never_deleted", "record_views", "DELETE", "record views are never deleted"),
    ("review_actions_never_changed", "review_actions", "UPDATE", "review steps are never changed"),
    ("review_actions_never_deleted", "review_actions", "DELETE", "review steps are never deleted"),
)
TRUNCATE_GUARDS = (
    ("record_views_never_truncated", "record_views", "record views are never deleted"),
    ("review_actions_never_truncated", "review_actions", "review steps are never deleted"),
)


def upgrade() -> None:
    op.create_index("decisions_by_decision", "decisions", ["decision"], if_not_exists=True)
    _identities()
    _views_and_reviews()
    _guards()
    op.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def downgrade() -> None:
    raise NotImplementedError("record views and review steps are permanent: no downgrade")


def _identities() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.Text, primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("roles", sa.Text, nullable=False),
        sa.Column("disabled", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.CheckConstraint("disabled IN (0, 1)"),
        if_not_exists=True,
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.Text, primary_key=True),
        sa.Column("secret_sha256", sa.Text, nullable=False),
        sa.Column("agency", sa.Text, sa.ForeignKey("agencies.name"), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.Text),
        if_not_exists=True,
    )
    op.create_table(
        "sessions",
        sa.Column("session_sha256", sa.Text, primary_key=True),
        sa.Column("username", sa.Text, sa.ForeignKey("users.username"), nullable=False),
        sa.Column("csrf_token", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Text, nullable=False),
        if_not_exists=True,
    )


def _views_and_reviews() -> None:
    op.create_table(
        "record_views",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("viewer", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("batch_id", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=False),
        sa.Column("tin", sa.Text),
        sa.Column("purpose", sa.Text, nullable=False),
        sqlite_autoincrement=True,
        if_not_exists=True,
    )
    op.create_index("record_views_by_viewer", "record_views", ["viewer"], if_not_exists=True)
    op.create_index("record_views_by_tin", "record_views", ["tin"], if_not_exists=True)
    op.create_table(
        "review_actions",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Text, nullable=False),
        sa.Column("row_no", sa.Integer, nullable=False),
        *(sa.Column(name, sa.Text, nullable=False) for name in ("action", "proposal", "by_name")),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.CheckConstraint("action IN ('PROPOSE', 'APPROVE', 'SEND_BACK')"),
        sa.CheckConstraint("proposal IN ('', 'DISCLOSE', 'NO_DISCLOSURE')"),
        sa.ForeignKeyConstraint(["batch_id", "row_no"], ["decisions.batch_id", "decisions.row_no"]),
        sqlite_autoincrement=True,
        if_not_exists=True,
    )
    op.create_index(
        "review_actions_by_item", "review_actions", ["batch_id", "row_no"], if_not_exists=True
    )


def _guards() -> None:
    """The triggers; on PostgreSQL they reuse v0001's `dgw_refuse()` function."""
    if op.get_context().dialect.name != "postgresql":
        for name, table, event, message in GUARDS:
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        return
    for name, table, event, message in GUARDS:
        op.execute(
            f"CREATE OR REPLACE TRIGGER {name} BEFORE {event} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION dgw_refuse('{message}')"
        )
    for name, table, message in TRUNCATE_GUARDS:
        op.execute(
            f"CREATE OR REPLACE TRIGGER {name} BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION dgw_refuse('{message}')"
        )
