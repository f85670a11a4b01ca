"""The state store's tables as SQLAlchemy metadata: what the migrations must build, exactly.

The same tables on SQLite and PostgreSQL. Flags are integers 0/1 and dates ISO text, as
the first SQLite stores had them, so those stores open unchanged. The chain's anchor lives
in its own schema, `dgw_anchor`: on SQLite the attached file `anchor.sqlite`, on
PostgreSQL a schema whose privileges can be granted apart. The append-only triggers are
not metadata; the migrations create them for each database.

`tests/integration/test_state_contract.py` checks that the migrated schema equals this.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    text,
)

ANCHOR_SCHEMA = "dgw_anchor"

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

agencies = Table(
    "agencies",
    metadata,
    Column("name", Text, primary_key=True),
    Column("public_key_pem", LargeBinary, nullable=False),
    Column("safeguards_current", Integer, nullable=False),
    Column("updated_at", Text, nullable=False),
    CheckConstraint("safeguards_current IN (0, 1)"),
)

agency_signatories = Table(
    "agency_signatories",
    metadata,
    Column(
        "agency",
        Text,
        ForeignKey("agencies.name", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
)

# Legal holds: append-only ON / OFF events; the latest says whether a hold is in force.
hold_events = Table(
    "hold_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("by_name", Text, nullable=False),
    Column("at", Text, nullable=False),
    CheckConstraint("event IN ('ON', 'OFF')"),
    sqlite_autoincrement=True,
)

batches = Table(
    "batches",
    metadata,
    Column("batch_id", Text, primary_key=True),
    Column("agency", Text, ForeignKey("agencies.name"), nullable=False),
    Column("official", Text, nullable=False),
    Column("official_title", Text, nullable=False),
    Column("signed_on", Text, nullable=False),
    Column("records_file", Text, nullable=False),
    Column("records_sha256", Text, nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("submitted_on", Text, nullable=False),
    Column("submitted_at", Text, nullable=False),
    Column("manifest_json", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("rows_done", Integer, nullable=False, server_default=text("0")),
    CheckConstraint("record_count >= 0"),
    CheckConstraint("state IN ('SUBMITTED', 'RUNNING', 'DONE')"),
    CheckConstraint("rows_done >= 0"),
)

# The decision log: one row per request, never two (primary key), never deleted (trigger).
decisions = Table(
    "decisions",
    metadata,
    Column("batch_id", Text, ForeignKey("batches.batch_id"), primary_key=True),
    Column("row_no", Integer, primary_key=True, autoincrement=False),
    Column("request_id", Text, nullable=False),
    Column("decision", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("reason_codes", Text, nullable=False),
    Column("evidence_json", Text, nullable=False),
    Column("has_disclosure", Integer, nullable=False),
    Column("tin", Text),
    Column("address_confirmed", Integer),
    Column("lka_street", Text),
    Column("lka_unit", Text),
    Column("lka_city", Text),
    Column("lka_state", Text),
    Column("lka_zip", Text),
    Column("lka_effective_date", Text),
    Column("policy_version", Text, nullable=False),
    Column("model_version", Text, nullable=False),
    Column("code_version", Text, nullable=False),
    CheckConstraint("decision IN ('REJECTED', 'NO_DISCLOSURE', 'DISCLOSED', 'REVIEW')"),
    CheckConstraint("has_disclosure IN (0, 1)"),
    Index("decisions_by_request", "batch_id", "request_id"),
    Index("decisions_by_decision", "decision"),  # the review queue (revision 0002)
)

# The accounting of disclosures: a hash chain, append-only (triggers).
accounting = Table(
    "accounting",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("recorded_at", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("batch_id", Text, nullable=False),
    Column("request_id", Text, nullable=False),
    Column("row_no", Integer, nullable=False),
    Column("tin", Text, nullable=False),
    Column("agency", Text, nullable=False),
    Column("official", Text, nullable=False),
    Column("statute", Text, nullable=False),
    Column("disclosed_json", Text, nullable=False),
    Column("policy_version", Text, nullable=False),
    Column("model_version", Text, nullable=False),
    Column("evidence_json", Text, nullable=False),
    Column("retracts_seq", Integer, ForeignKey("accounting.seq")),
    Column("retraction_reason", Text, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("entry_hash", Text, nullable=False),
    CheckConstraint("kind IN ('DISCLOSURE', 'RETRACTION')"),
    ForeignKeyConstraint(["batch_id", "row_no"], ["decisions.batch_id", "decisions.row_no"]),
    Index(
        "accounting_one_disclosure",
        "batch_id",
        "row_no",
        "kind",
        unique=True,
        sqlite_where=text("kind = 'DISCLOSURE'"),
        postgresql_where=text("kind = 'DISCLOSURE'"),
    ),
    Index(
        "accounting_one_retraction",
        "retracts_seq",
        unique=True,
        sqlite_where=text("kind = 'RETRACTION'"),
        postgresql_where=text("kind = 'RETRACTION'"),
    ),
    Index("accounting_by_time", "recorded_at"),
)

# The chain's head, kept apart from the chain (one row, id 1).
chain_head = Table(
    "chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("head_seq", Integer, nullable=False),
    Column("head_hash", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    CheckConstraint("id = 1"),
    schema=ANCHOR_SCHEMA,
)

# -- revision 0002: staff identities, sessions, requester tokens, record views, reviews --------
# Staff users: an argon2id hash only; roles space-separated; never deleted, only disabled.
users = Table(
    "users",
    metadata,
    Column("username", Text, primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("roles", Text, nullable=False),
    Column("disabled", Integer, nullable=False),
    Column("created_at", Text, nullable=False),
    CheckConstraint("disabled IN (0, 1)"),
)

# Requester API tokens: the sha256 of the secret only; revoked, never deleted.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", Text, primary_key=True),
    Column("secret_sha256", Text, nullable=False),
    Column("agency", Text, ForeignKey("agencies.name"), nullable=False),
    Column("label", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("revoked_at", Text),
)

# Staff sessions: the sha256 of the session secret; ended sessions are deleted.
sessions = Table(
    "sessions",
    metadata,
    Column("session_sha256", Text, primary_key=True),
    Column("username", Text, ForeignKey("users.username"), nullable=False),
    Column("csrf_token", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
)

# Every view of a taxpayer's record by staff (§7213A): append-only (triggers).
record_views = Table(
    "record_views",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("viewer", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("batch_id", Text, nullable=False),
    Column("request_id", Text, nullable=False),
    Column("tin", Text),
    Column("purpose", Text, nullable=False),
    Index("record_views_by_viewer", "viewer"),
    Index("record_views_by_tin", "tin"),
    sqlite_autoincrement=True,
)

# Every step of the review of a REVIEW decision: append-only (triggers).
review_actions = Table(
    "review_actions",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Text, nullable=False),
    Column("row_no", Integer, nullable=False),
    Column("action", Text, nullable=False),
    Column("proposal", Text, nullable=False),
    Column("by_name", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", Text, nullable=False),
    CheckConstraint("action IN ('PROPOSE', 'APPROVE', 'SEND_BACK')"),
    CheckConstraint("proposal IN ('', 'DISCLOSE', 'NO_DISCLOSURE')"),
    ForeignKeyConstraint(["batch_id", "row_no"], ["decisions.batch_id", "decisions.row_no"]),
    Index("review_actions_by_item", "batch_id", "row_no"),
    sqlite_autoincrement=True,
)

BATCH_COLUMNS = tuple(c.name for c in batches.columns)
DECISION_COLUMNS = tuple(c.name for c in decisions.columns)
ENTRY_COLUMNS = tuple(c.name for c in accounting.columns)


# Every purge of a batch's stored request records (retention): append-only (triggers).
purges = Table(
    "purges",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Text, ForeignKey("batches.batch_id"), nullable=False),
    Column("records_sha256", Text, nullable=False),
    Column("purged_at", Text, nullable=False),
    Column("by_name", Text, nullable=False),
    Column("reason", Text, nullable=False),
    sqlite_autoincrement=True,
)
