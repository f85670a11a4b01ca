"""The state store, version 1: agencies, holds, batches, decisions, the accounting chain, anchor.

The same schema the first (pre-migration) SQLite stores were made with, so those are
stamped with this revision and open unchanged. The anchor table goes in the schema
`dgw_anchor` (the attached `anchor.sqlite` on SQLite) and is created only if missing: an
anchor that outlived its state file must keep the chain's head.

Revision ID: 0001
Revises:
Create Date: 2026-03-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

ANCHOR_SCHEMA = "dgw_anchor"

# (trigger, table, event, message): the append-only guards, on both databases.
GUARDS = (
    ("accounting_never_changed", "accounting", "UPDATE", "accounting entries are never changed"),
    ("accounting_never_deleted", "accounting", "DELETE", "accounting entries are never deleted"),
    ("hold_events_never_changed", "hold_events", "UPDATE", "hold events are never changed"),
    ("hold_events_never_deleted", "hold_events", "DELETE", "hold events are never deleted"),
    ("decisions_never_deleted", "decisions", "DELETE", "decisions are never deleted"),
)
# PostgreSQL's TRUNCATE skips row triggers: it gets statement triggers of its own.
TRUNCATE_GUARDS = (
    ("accounting_never_truncated", "accounting", "accounting entries are never deleted"),
    ("hold_events_never_truncated", "hold_events", "hold events are never deleted"),
    ("decisions_never_truncated", "decisions", "decisions are never deleted"),
)
PG_REFUSE = """CREATE OR REPLACE FUNCTION dgw_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'integrity_constraint_violation';
END
$$"""


def upgrade() -> None:
    _agencies_and_holds()
    _batches_and_decisions()
    _accounting()
    _anchor()
    _guards()
    op.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")


def downgrade() -> None:
    raise NotImplementedError("the accounting of disclosures is permanent: no downgrade")


def _agencies_and_holds() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "agencies",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("public_key_pem", sa.LargeBinary, nullable=False),
        sa.Column("safeguards_current", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.CheckConstraint("safeguards_current IN (0, 1)"),
    )
    op.create_table(
        "agency_signatories",
        sa.Column("agency", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("agency", "position"),
        sa.ForeignKeyConstraint(["agency"], ["agencies.name"], ondelete="CASCADE"),
    )
    op.create_table(
        "hold_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("by_name", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.CheckConstraint("event IN ('ON', 'OFF')"),
        sqlite_autoincrement=True,
    )


def _batches_and_decisions() -> None:
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.Text, primary_key=True),
        sa.Column("agency", sa.Text, sa.ForeignKey("agencies.name"), nullable=False),
        *(
            sa.Column(name, sa.Text, nullable=False)
            for name in ("official", "official_title", "signed_on", "records_file")
        ),
        sa.Column("records_sha256", sa.Text, nullable=False),
        sa.Column("record_count", sa.Integer, nullable=False),
        *(
            sa.Column(name, sa.Text, nullable=False)
            for name in ("submitted_on", "submitted_at", "manifest_json", "state")
        ),
        sa.Column("rows_done", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.CheckConstraint("record_count >= 0"),
        sa.CheckConstraint("state IN ('SUBMITTED', 'RUNNING', 'DONE')"),
        sa.CheckConstraint("rows_done >= 0"),
    )
    op.create_table(
        "decisions",
        sa.Column("batch_id", sa.Text, sa.ForeignKey("batches.batch_id"), nullable=False),
        sa.Column("row_no", sa.Integer, nullable=False, autoincrement=False),
        *(
            sa.Column(name, sa.Text, nullable=False)
            for name in ("request_id", "decision", "rule", "reason_codes", "evidence_json")
        ),
        sa.Column("has_disclosure", sa.Integer, nullable=False),
        sa.Column("tin", sa.Text),
        sa.Column("address_confirmed", sa.Integer),
        *(
            sa.Column(name, sa.Text)
            for name in ("lka_street", "lka_unit", "lka_city", "lka_state", "lka_zip")
        ),
        sa.Column("lka_effective_date", sa.Text),
        *(
            sa.Column(name, sa.Text, nullable=False)
            for name in ("policy_version", "model_version", "code_version")
        ),
        sa.PrimaryKeyConstraint("batch_id", "row_no"),
        sa.CheckConstraint("decision IN ('REJECTED', 'NO_DISCLOSURE', 'DISCLOSED', 'REVIEW')"),
        sa.CheckConstraint("has_disclosure IN (0, 1)"),
    )
    op.create_index("decisions_by_request", "decisions", ["batch_id", "request_id"])


def _accounting() -> None:
    text_columns = (
        ("recorded_at", "kind", "batch_id", "request_id"),
        ("tin", "agency", "official", "statute", "disclosed_json", "policy_version"),
        ("model_version", "evidence_json"),
    )
    op.create_table(
        "accounting",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        *(sa.Column(name, sa.Text, nullable=False) for name in text_columns[0]),
        sa.Column("row_no", sa.Integer, nullable=False),
        *(sa.Column(name, sa.Text, nullable=False) for name in text_columns[1]),
        *(sa.Column(name, sa.Text, nullable=False) for name in text_columns[2]),
        sa.Column("retracts_seq", sa.Integer, sa.ForeignKey("accounting.seq")),
        sa.Column("retraction_reason", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("entry_hash", sa.Text, nullable=False),
        sa.CheckConstraint("kind IN ('DISCLOSURE', 'RETRACTION')"),
        sa.ForeignKeyConstraint(["batch_id", "row_no"], ["decisions.batch_id", "decisions.row_no"]),
    )
    for name, columns, kind in (
        ("accounting_one_disclosure", ["batch_id", "row_no", "kind"], "DISCLOSURE"),
        ("accounting_one_retraction", ["retracts_seq"], "RETRACTION"),
    ):
        where = sa.text(f"kind = '{kind}'")
        op.create_index(
            name, "accounting", columns, unique=True, sqlite_where=where, postgresql_where=where
        )
    op.create_index("accounting_by_time", "accounting", ["recorded_at"])


def _anchor() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {ANCHOR_SCHEMA}")
    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("head_seq", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.CheckConstraint("id = 1"),
        schema=ANCHOR_SCHEMA,
        if_not_exists=True,
    )


def _guards() -> None:
    if op.get_context().dialect.name != "postgresql":
        for name, table, event, message in GUARDS:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        return
    op.execute(PG_REFUSE)
    for name, table, event, message in GUARDS:
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION dgw_refuse('{message}')"
        )
    for name, table, message in TRUNCATE_GUARDS:
        op.execute(
            f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION dgw_refuse('{message}')"
        )
