"""The state store: agencies, legal holds, batches, the decision log and the accounting chain.

One SQLite file, `HOME/state.sqlite` (schema in `state_schema.sql`), and the chain's
anchor, `HOME/anchor.sqlite`, attached to the same connection so that one commit updates
both atomically (rollback journals, not WAL: WAL breaks SQLite's multi-file atomic
commit). Every `record_chunk` is one transaction: the decisions, the accounting entries
of their disclosures, the batch's progress and the anchor, all or nothing.

A store file whose permission bits allow no writing is opened read-only (even for root),
so an archived store cannot be changed by mistake. Every SQLite failure (read-only, disk
full, locked, corrupt) becomes a `StoreError` with one line; messages carry batch ids,
row numbers and entry numbers only.
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from disclosure_gateway.adapters.storage import state_rows as rows
from disclosure_gateway.domain.audit import (
    GENESIS,
    AccountingEntry,
    ChainReport,
    YearCount,
    verify_entries,
)
from disclosure_gateway.domain.errors import BadInput, BatchRefused, StoreError, TamperDetected
from disclosure_gateway.domain.model import (
    AccountingDraft,
    DecisionRecord,
)

SCHEMA_VERSION = "1"
ANCHOR_SCHEMA = """CREATE TABLE IF NOT EXISTS anchor.chain_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  head_seq INTEGER NOT NULL,
  head_hash TEXT NOT NULL,
  updated_at TEXT NOT NULL
)"""
BATCH_STATES = ("SUBMITTED", "RUNNING", "DONE")
FETCH_ROWS = 1000


@dataclass(frozen=True, slots=True)
class Agency:
    name: str
    public_key_pem: bytes
    signatories: tuple[str, ...]
    safeguards_current: bool


@dataclass(frozen=True, slots=True)
class Hold:
    reason: str
    by: str
    since: str  # ISO timestamp (UTC)


@dataclass(frozen=True, slots=True)
class BatchInfo:
    batch_id: str
    agency: str
    official: str
    official_title: str
    signed_on: str
    records_file: str
    records_sha256: str
    record_count: int
    submitted_on: date
    submitted_at: str
    manifest_json: str
    state: str  # "SUBMITTED", "RUNNING", "DONE"
    rows_done: int


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _file_uri(path: Path, read_only: bool) -> str:
    return f"file:{quote(str(path.absolute()))}?mode={'ro' if read_only else 'rwc'}"


def _marked_read_only(path: Path) -> bool:
    return path.exists() and not stat.S_IMODE(path.stat().st_mode) & 0o222


def _fail(action: str, exc: BaseException) -> StoreError:
    return StoreError(f"state store: cannot {action} ({exc})")


class StateStore:
    def __init__(self, db: sqlite3.Connection, now: Callable[[], str]) -> None:
        self._db = db
        self._now = now

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(
        cls, home: Path, *, now: Callable[[], str] = utc_now, busy_timeout: float = 10.0
    ) -> StateStore:
        """Open (and on first use create) the store in `home`; StoreError when it cannot."""
        try:
            home.mkdir(parents=True, exist_ok=True)
            state, anchor = home / "state.sqlite", home / "anchor.sqlite"
            read_only = _marked_read_only(state) or _marked_read_only(anchor)
        except OSError as exc:
            raise StoreError(f"state store: cannot use the folder {home} ({exc.strerror})") from exc
        try:
            db = sqlite3.connect(
                _file_uri(state, read_only), uri=True, timeout=busy_timeout, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise _fail("open state.sqlite", exc) from exc
        store = cls(db, now)
        try:
            store._prepare(anchor, read_only)
        except BaseException:
            db.close()
            raise
        return store

    def _prepare(self, anchor: Path, read_only: bool) -> None:
        try:
            self._db.execute("ATTACH DATABASE ? AS anchor", (_file_uri(anchor, read_only),))
            for pragma in (
                "foreign_keys = ON",
                "main.journal_mode = DELETE",
                "anchor.journal_mode = DELETE",
                "main.synchronous = FULL",
                "anchor.synchronous = FULL",
            ):
                self._db.execute(f"PRAGMA {pragma}").fetchall()
        except sqlite3.Error as exc:
            raise _fail("open the store", exc) from exc
        if not read_only:
            self._create_schema()

    def _create_schema(self) -> None:
        probe = (
            "SELECT (SELECT COUNT(*) FROM main.sqlite_master WHERE name = 'meta'), "
            "(SELECT COUNT(*) FROM anchor.sqlite_master WHERE name = 'chain_head')"
        )
        with self._read("open the store") as db:
            if db.execute(probe).fetchone() == (1, 1):
                return
        with self._write("create the store") as db:
            fresh = db.execute(probe).fetchone()[0] == 0
            db.execute(ANCHOR_SCHEMA)
            if fresh:
                schema = Path(__file__).with_name("state_schema.sql").read_text(encoding="utf-8")
                for statement in rows.statements(schema):
                    db.execute(statement)
                db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            # An anchor at genesis only while the chain is empty. An anchor that exists is
            # kept: a state file replaced by an empty one must not reset the chain's head.
            db.execute(
                "INSERT INTO anchor.chain_head SELECT 1, 0, ?, ? WHERE NOT EXISTS "
                "(SELECT 1 FROM anchor.chain_head) AND NOT EXISTS (SELECT 1 FROM main.accounting)",
                (GENESIS, self._now()),
            )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- transactions --------------------------------------------------------------------
    @contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if anything fails."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _fail(action, exc) from exc
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise _fail(action, exc) from exc
            raise

    def _rollback(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite rolls a failed transaction back itself (hot journal) on next open

    @contextmanager
    def _read(self, action: str) -> Iterator[sqlite3.Connection]:
        try:
            yield self._db
        except sqlite3.Error as exc:
            raise _fail(action, exc) from exc

    # -- agencies ------------------------------------------------------------------------
    def add_agency(self, agency: Agency, replace: bool = False) -> None:
        """Register an agency; BadInput if it exists and `replace` is not set."""
        with self._write("register an agency") as db:
            exists = db.execute("SELECT 1 FROM agencies WHERE name = ?", (agency.name,)).fetchone()
            if exists and not replace:
                raise BadInput(f"agency {agency.name} is already registered (use --replace)")
            db.execute(
                "INSERT INTO agencies VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "public_key_pem = excluded.public_key_pem, "
                "safeguards_current = excluded.safeguards_current, "
                "updated_at = excluded.updated_at",
                (agency.name, agency.public_key_pem, int(agency.safeguards_current), self._now()),
            )
            db.execute("DELETE FROM agency_signatories WHERE agency = ?", (agency.name,))
            db.executemany(
                "INSERT INTO agency_signatories VALUES (?, ?, ?)",
                [(agency.name, i, name) for i, name in enumerate(agency.signatories)],
            )

    def get_agency(self, name: str) -> Agency | None:
        with self._read("read the agencies") as db:
            row = db.execute(
                "SELECT name, public_key_pem, safeguards_current FROM agencies WHERE name = ?",
                (name,),
            ).fetchone()
            return None if row is None else self._agency(db, row)

    def list_agencies(self) -> list[Agency]:
        with self._read("read the agencies") as db:
            found = db.execute(
                "SELECT name, public_key_pem, safeguards_current FROM agencies ORDER BY name"
            ).fetchall()
            return [self._agency(db, row) for row in found]

    @staticmethod
    def _agency(db: sqlite3.Connection, row: tuple[str, bytes, int]) -> Agency:
        names = db.execute(
            "SELECT name FROM agency_signatories WHERE agency = ? ORDER BY position", (row[0],)
        ).fetchall()
        return Agency(row[0], bytes(row[1]), tuple(n for (n,) in names), bool(row[2]))

    def set_safeguards(self, name: str, current: bool) -> None:
        with self._write("update an agency") as db:
            done = db.execute(
                "UPDATE agencies SET safeguards_current = ?, updated_at = ? WHERE name = ?",
                (int(current), self._now(), name),
            )
            if done.rowcount != 1:
                raise BadInput(f"agency {name} is not registered")

    # -- legal holds ---------------------------------------------------------------------
    def hold_on(self, reason: str, by: str) -> None:
        with self._write("record a legal hold") as db:
            if self._hold(db) is not None:
                raise BadInput("a legal hold is already in force")
            db.execute(
                "INSERT INTO hold_events (event, reason, by_name, at) VALUES ('ON', ?, ?, ?)",
                (reason, by, self._now()),
            )

    def hold_off(self, reason: str, by: str) -> None:
        with self._write("lift a legal hold") as db:
            if self._hold(db) is None:
                raise BadInput("no legal hold is in force")
            db.execute(
                "INSERT INTO hold_events (event, reason, by_name, at) VALUES ('OFF', ?, ?, ?)",
                (reason, by, self._now()),
            )

    def active_hold(self) -> Hold | None:
        with self._read("read the legal holds") as db:
            return self._hold(db)

    @staticmethod
    def _hold(db: sqlite3.Connection) -> Hold | None:
        row = db.execute(
            "SELECT event, reason, by_name, at FROM hold_events ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return Hold(row[1], row[2], row[3]) if row is not None and row[0] == "ON" else None

    # -- batches -------------------------------------------------------------------------
    def add_batch(self, info: BatchInfo) -> None:
        """Keep an accepted batch; BatchRefused("DUPLICATE_BATCH") if its id was used."""
        try:
            with self._write("record a batch") as db:
                db.execute(rows.insert("batches", rows.BATCH_COLUMNS), rows.batch_row(info))
        except StoreError as exc:
            cause = exc.__cause__
            if isinstance(cause, sqlite3.IntegrityError) and "batches.batch_id" in str(cause):
                raise BatchRefused(
                    "DUPLICATE_BATCH", f"batch {info.batch_id} was already submitted"
                ) from exc
            if isinstance(cause, sqlite3.IntegrityError) and "FOREIGN KEY" in str(cause):
                raise BadInput(f"batch {info.batch_id}: its agency is not registered") from exc
            raise

    def get_batch(self, batch_id: str) -> BatchInfo | None:
        with self._read("read the batches") as db:
            row = db.execute(
                f"SELECT {rows.BATCH_COLUMNS} FROM batches WHERE batch_id = ?", (batch_id,)
            ).fetchone()
            return None if row is None else BatchInfo(*rows.batch_values(row))

    def list_batches(self) -> list[BatchInfo]:
        with self._read("read the batches") as db:
            found = db.execute(f"SELECT {rows.BATCH_COLUMNS} FROM batches ORDER BY submitted_at")
            return [BatchInfo(*rows.batch_values(row)) for row in found.fetchall()]

    def set_batch_state(self, batch_id: str, state: str) -> None:
        if state not in BATCH_STATES:
            raise BadInput(f"batch state must be one of {', '.join(BATCH_STATES)}")
        with self._write("update a batch") as db:
            done = db.execute("UPDATE batches SET state = ? WHERE batch_id = ?", (state, batch_id))
            if done.rowcount != 1:
                raise BadInput(f"no batch {batch_id} has been submitted")

    # -- decisions and accounting --------------------------------------------------------
    def record_chunk(
        self,
        batch_id: str,
        decisions: Sequence[DecisionRecord],
        accounting: Sequence[AccountingDraft],
    ) -> None:
        """Decisions, their disclosures' accounting entries, progress and anchor: one commit."""
        rows.check_chunk(batch_id, decisions, accounting)
        span = f"rows {decisions[0].row_no}-{decisions[-1].row_no}" if decisions else "no rows"
        try:
            with self._write(f"record batch {batch_id} {span}") as db:
                found = db.execute("SELECT 1 FROM batches WHERE batch_id = ?", (batch_id,))
                if found.fetchone() is None:
                    raise StoreError(f"state store: no batch {batch_id} to record decisions for")
                db.executemany(
                    rows.insert("decisions", rows.DECISION_COLUMNS),
                    (rows.decision_row(d) for d in decisions),
                )
                rows.append_entries(db, accounting, self._now())
                counted = db.execute(
                    "UPDATE batches SET rows_done = rows_done + ?1 "
                    "WHERE batch_id = ?2 AND rows_done + ?1 <= record_count",
                    (len(decisions), batch_id),
                )
                if counted.rowcount != 1:
                    raise StoreError(
                        f"state store: batch {batch_id} would get more decisions than rows"
                    )
        except StoreError as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError) and "decisions." in str(exc):
                raise StoreError(
                    f"state store: batch {batch_id} {span}: a row was already decided; "
                    "nothing of this chunk was recorded"
                ) from exc
            raise

    def decided_count(self, batch_id: str) -> int:
        with self._read("count decisions") as db:
            row = db.execute("SELECT COUNT(*) FROM decisions WHERE batch_id = ?", (batch_id,))
            return int(row.fetchone()[0])

    def iter_decisions(self, batch_id: str) -> Iterator[DecisionRecord]:
        """The batch's decisions in row order, streamed."""
        sql = f"SELECT {rows.DECISION_COLUMNS} FROM decisions WHERE batch_id = ? ORDER BY row_no"
        yield from (
            rows.decision_record(r) for r in self._stream("read decisions", sql, (batch_id,))
        )

    def decision_for(self, batch_id: str, request_id: str) -> DecisionRecord | None:
        with self._read("read decisions") as db:
            row = db.execute(
                f"SELECT {rows.DECISION_COLUMNS} FROM decisions "
                "WHERE batch_id = ? AND request_id = ? ORDER BY row_no LIMIT 1",
                (batch_id, request_id),
            ).fetchone()
            return None if row is None else rows.decision_record(row)

    def _stream(
        self, action: str, sql: str, params: tuple[object, ...] = ()
    ) -> Iterator[tuple[object, ...]]:
        with self._read(action) as db:
            cursor = db.execute(sql, params)
            while batch := cursor.fetchmany(FETCH_ROWS):
                yield from batch

    # -- accounting ----------------------------------------------------------------------
    def iter_accounting(self) -> Iterator[AccountingEntry]:
        sql = f"SELECT {rows.ENTRY_COLUMNS} FROM accounting ORDER BY seq"
        yield from (rows.accounting_entry(r) for r in self._stream("read the accounting", sql))

    def accounting_entry(self, seq: int) -> AccountingEntry | None:
        with self._read("read the accounting") as db:
            row = db.execute(f"SELECT {rows.ENTRY_COLUMNS} FROM accounting WHERE seq = ?", (seq,))
            found = row.fetchone()
            return None if found is None else rows.accounting_entry(found)

    def retraction_of(self, seq: int) -> AccountingEntry | None:
        """The entry that retracts entry `seq`, if there is one."""
        with self._read("read the accounting") as db:
            found = db.execute(
                f"SELECT {rows.ENTRY_COLUMNS} FROM accounting "
                "WHERE kind = 'RETRACTION' AND retracts_seq = ?",
                (seq,),
            ).fetchone()
            return None if found is None else rows.accounting_entry(found)

    def append_accounting(self, drafts: Sequence[AccountingDraft]) -> None:
        """Append retractions (only): each must point to a disclosure not yet retracted."""
        with self._write("record a retraction") as db:
            for draft in drafts:
                rows.check_retraction(db, draft)
            rows.append_entries(db, drafts, self._now())

    def chain_anchor(self) -> tuple[int, str] | None:
        """The anchored head (seq, digest), or None when the anchor row is missing."""
        with self._read("read the chain's anchor") as db:
            row = db.execute(
                "SELECT head_seq, head_hash FROM anchor.chain_head WHERE id = 1"
            ).fetchone()
            return None if row is None else (int(row[0]), str(row[1]))

    def verify_chain(self) -> ChainReport:
        """The chain against its anchor, then disclosures against the decision log."""
        try:
            report = verify_entries(self.iter_accounting(), self.chain_anchor())
        except TamperDetected as exc:
            return ChainReport(False, 0, 0, GENESIS, str(exc))
        if not report.ok:
            return report
        with self._read("cross-check the decision log") as db:
            problem = rows.cross_check(db)
        if not problem:
            return report
        return ChainReport(False, report.entries, report.head_seq, report.head_hash, problem)

    def yearly_counts(self, year: int) -> list[YearCount]:
        """Requests (by submission date), disclosures, taxpayers and retractions, by agency."""
        with self._read("count the year") as db:
            found = db.execute(rows.YEARLY_COUNTS, {"year": f"{year:04d}"}).fetchall()
            return [YearCount(str(a), int(r), int(d), int(t), int(x)) for a, r, d, t, x in found]

    def yearly_taxpayers(self, year: int) -> int:
        """Distinct taxpayers disclosed about in the year, all agencies together."""
        with self._read("count the year") as db:
            row = db.execute(
                "SELECT COUNT(DISTINCT tin) FROM accounting "
                "WHERE kind = 'DISCLOSURE' AND substr(recorded_at, 1, 4) = ?",
                (f"{year:04d}",),
            ).fetchone()
            return int(row[0])
