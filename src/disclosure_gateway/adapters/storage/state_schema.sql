-- The state store (HOME/state.sqlite). The chain anchor lives in HOME/anchor.sqlite,
-- attached as `anchor` (see ANCHOR_SCHEMA in state.py). Version 1.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE agencies (
  name               TEXT PRIMARY KEY,
  public_key_pem     BLOB NOT NULL,
  safeguards_current INTEGER NOT NULL CHECK (safeguards_current IN (0, 1)),
  updated_at         TEXT NOT NULL
);

CREATE TABLE agency_signatories (
  agency   TEXT NOT NULL REFERENCES agencies (name) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name     TEXT NOT NULL,
  PRIMARY KEY (agency, position)
);

-- Legal holds: an append-only list of ON / OFF events; the latest one says whether a hold is in force.
CREATE TABLE hold_events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  event   TEXT NOT NULL CHECK (event IN ('ON', 'OFF')),
  reason  TEXT NOT NULL,
  by_name TEXT NOT NULL,
  at      TEXT NOT NULL
);

CREATE TABLE batches (
  batch_id       TEXT PRIMARY KEY,
  agency         TEXT NOT NULL REFERENCES agencies (name),
  official       TEXT NOT NULL,
  official_title TEXT NOT NULL,
  signed_on      TEXT NOT NULL,
  records_file   TEXT NOT NULL,
  records_sha256 TEXT NOT NULL,
  record_count   INTEGER NOT NULL CHECK (record_count >= 0),
  submitted_on   TEXT NOT NULL,
  submitted_at   TEXT NOT NULL,
  manifest_json  TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('SUBMITTED', 'RUNNING', 'DONE')),
  rows_done      INTEGER NOT NULL DEFAULT 0 CHECK (rows_done >= 0)
);

-- The decision log: one row per request, never two (PRIMARY KEY), never deleted (trigger).
CREATE TABLE decisions (
  batch_id           TEXT NOT NULL REFERENCES batches (batch_id),
  row_no             INTEGER NOT NULL,
  request_id         TEXT NOT NULL,
  decision           TEXT NOT NULL CHECK (decision IN ('REJECTED', 'NO_DISCLOSURE', 'DISCLOSED', 'REVIEW')),
  rule               TEXT NOT NULL,
  reason_codes       TEXT NOT NULL,
  evidence_json      TEXT NOT NULL,
  has_disclosure     INTEGER NOT NULL CHECK (has_disclosure IN (0, 1)),
  tin                TEXT,
  address_confirmed  INTEGER,
  lka_street         TEXT,
  lka_unit           TEXT,
  lka_city           TEXT,
  lka_state          TEXT,
  lka_zip            TEXT,
  lka_effective_date TEXT,
  policy_version     TEXT NOT NULL,
  model_version      TEXT NOT NULL,
  code_version       TEXT NOT NULL,
  PRIMARY KEY (batch_id, row_no)
);
CREATE INDEX decisions_by_request ON decisions (batch_id, request_id);

-- The accounting of disclosures: a hash chain, append-only.
CREATE TABLE accounting (
  seq               INTEGER PRIMARY KEY,
  recorded_at       TEXT NOT NULL,
  kind              TEXT NOT NULL CHECK (kind IN ('DISCLOSURE', 'RETRACTION')),
  batch_id          TEXT NOT NULL,
  request_id        TEXT NOT NULL,
  row_no            INTEGER NOT NULL,
  tin               TEXT NOT NULL,
  agency            TEXT NOT NULL,
  official          TEXT NOT NULL,
  statute           TEXT NOT NULL,
  disclosed_json    TEXT NOT NULL,
  policy_version    TEXT NOT NULL,
  model_version     TEXT NOT NULL,
  evidence_json     TEXT NOT NULL,
  retracts_seq      INTEGER REFERENCES accounting (seq),
  retraction_reason TEXT NOT NULL,
  prev_hash         TEXT NOT NULL,
  entry_hash        TEXT NOT NULL,
  FOREIGN KEY (batch_id, row_no) REFERENCES decisions (batch_id, row_no)
);
CREATE UNIQUE INDEX accounting_one_disclosure
  ON accounting (batch_id, row_no, kind) WHERE kind = 'DISCLOSURE';
CREATE UNIQUE INDEX accounting_one_retraction
  ON accounting (retracts_seq) WHERE kind = 'RETRACTION';
CREATE INDEX accounting_by_time ON accounting (recorded_at);

-- Guards against our own mistakes (an attacker can drop them; `audit verify` still catches it).
CREATE TRIGGER accounting_never_changed BEFORE UPDATE ON accounting
BEGIN SELECT RAISE(ABORT, 'accounting entries are never changed'); END;
CREATE TRIGGER accounting_never_deleted BEFORE DELETE ON accounting
BEGIN SELECT RAISE(ABORT, 'accounting entries are never deleted'); END;
CREATE TRIGGER hold_events_never_changed BEFORE UPDATE ON hold_events
BEGIN SELECT RAISE(ABORT, 'hold events are never changed'); END;
CREATE TRIGGER hold_events_never_deleted BEFORE DELETE ON hold_events
BEGIN SELECT RAISE(ABORT, 'hold events are never deleted'); END;
CREATE TRIGGER decisions_never_deleted BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are never deleted'); END;
