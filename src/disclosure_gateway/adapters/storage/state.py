"""The state store: agencies, legal holds, batches, the decision log and the accounting chain.

On SQLAlchemy Core, on two databases (see `state_engine.py`): SQLite files in HOME by
default (`state.sqlite`, with the chain's anchor in `anchor.sqlite` attached to every
connection), or PostgreSQL when a database URL is given (`database_url=` or env
`DGW_DATABASE_URL`), the anchor then in schema `dgw_anchor`. The tables are
`state_tables.py`; Alembic migrations (`migrations/`) build them, run by `open`.

Every `record_chunk` is one transaction: the decisions, the accounting entries of their
disclosures, the batch's progress and the anchor, all or nothing. Every database failure
(read-only, disk full, locked, unreachable, corrupt) becomes a `StoreError` with one line;
messages carry batch ids, row numbers and entry numbers only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from disclosure_gateway.adapters.storage import state_rows as rows
from disclosure_gateway.adapters.storage.state_engine import FETCH_ROWS, Database, violation
from disclosure_gateway.adapters.storage.state_staff import StaffStore
from disclosure_gateway.adapters.storage.state_tables import (
    BATCH_COLUMNS,
    DECISION_COLUMNS,
    ENTRY_COLUMNS,
    agencies,
    agency_signatories,
    batches,
    hold_events,
    purges,
)
from disclosure_gateway.adapters.storage.state_tables import accounting as accounting_log
from disclosure_gateway.adapters.storage.state_tables import decisions as decision_log
from disclosure_gateway.domain.audit import (
    GENESIS,
    AccountingEntry,
    ChainReport,
    YearCount,
    verify_entries,
)
from disclosure_gateway.domain.errors import BadInput, BatchRefused, StoreError, TamperDetected
from disclosure_gateway.domain.model import AccountingDraft, DecisionRecord
from disclosure_gateway.settings import Settings

BATCH_STATES = ("SUBMITTED", "RUNNING", "DONE")
_BATCH = [batches.c[name] for name in BATCH_COLUMNS]
_DECISION = [decision_log.c[name] for name in DECISION_COLUMNS]
_ENTRY = [accounting_log.c[name] for name in ENTRY_COLUMNS]
_RESPONSE = [decision_log.c[name] for name in rows.RESPONSE_FIELDS]


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


class StateStore(StaffStore):  # the staff tables' methods: state_staff.py
    def __init__(self, db: Database, now: Callable[[], str]) -> None:
        self._db = db
        self._now = now

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        home: Path,
        *,
        now: Callable[[], str] = utc_now,
        busy_timeout: float = 10.0,
        database_url: str | None = None,
    ) -> StateStore:
        """Open (and on first use create or upgrade) the store; StoreError when it cannot.

        SQLite in `home` unless a database URL is given here or in `DGW_DATABASE_URL`.
        """
        url = database_url or Settings.from_env().database_url
        return cls(Database.open(home, url, busy_timeout, now), now)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- agencies ------------------------------------------------------------------------
    def add_agency(self, agency: Agency, replace: bool = False) -> None:
        """Register an agency; BadInput if it exists and `replace` is not set."""
        values = {
            "public_key_pem": agency.public_key_pem,
            "safeguards_current": int(agency.safeguards_current),
            "updated_at": self._now(),
        }
        with self._db.write("register an agency") as db:
            named = agencies.c.name == agency.name
            if db.execute(select(agencies.c.name).where(named)).first() is None:
                db.execute(insert(agencies).values(name=agency.name, **values))
            elif replace:
                db.execute(update(agencies).where(named).values(**values))
            else:
                raise BadInput(f"agency {agency.name} is already registered (use --replace)")
            db.execute(delete(agency_signatories).where(agency_signatories.c.agency == agency.name))
            if agency.signatories:
                db.execute(
                    insert(agency_signatories),
                    [
                        {"agency": agency.name, "position": i, "name": name}
                        for i, name in enumerate(agency.signatories)
                    ],
                )

    def get_agency(self, name: str) -> Agency | None:
        with self._db.read("read the agencies") as db:
            found = db.execute(self._agencies().where(agencies.c.name == name)).first()
            return None if found is None else self._agency(db, found)

    def agency_and_hold(self, name: str) -> tuple[Agency | None, Hold | None]:
        """`get_agency` and `active_hold` read in one transaction (a single request reads
        both before it is decided; the hold is checked again inside its commit)."""
        with self._db.read("read the agency and the legal holds") as db:
            found = db.execute(self._agencies().where(agencies.c.name == name)).first()
            return (None if found is None else self._agency(db, found)), self._hold(db)

    def list_agencies(self) -> list[Agency]:
        with self._db.read("read the agencies") as db:
            found = [self._agency(db, row) for row in db.execute(self._agencies())]
        return sorted(found, key=lambda a: a.name)  # code-point order on every database

    @staticmethod
    def _agencies() -> Any:
        return select(agencies.c.name, agencies.c.public_key_pem, agencies.c.safeguards_current)

    @staticmethod
    def _agency(db: Connection, row: Sequence[Any]) -> Agency:
        names = db.execute(
            select(agency_signatories.c.name)
            .where(agency_signatories.c.agency == row[0])
            .order_by(agency_signatories.c.position)
        )
        return Agency(row[0], bytes(row[1]), tuple(n for (n,) in names), bool(row[2]))

    def set_safeguards(self, name: str, current: bool) -> None:
        with self._db.write("update an agency") as db:
            done = db.execute(
                update(agencies)
                .where(agencies.c.name == name)
                .values(safeguards_current=int(current), updated_at=self._now())
            )
            if done.rowcount != 1:
                raise BadInput(f"agency {name} is not registered")

    # -- legal holds ---------------------------------------------------------------------
    def hold_on(self, reason: str, by: str) -> None:
        self._hold_event("ON", reason, by)

    def hold_off(self, reason: str, by: str) -> None:
        self._hold_event("OFF", reason, by)

    def _hold_event(self, event: str, reason: str, by: str) -> None:
        action = "record a legal hold" if event == "ON" else "lift a legal hold"
        with self._db.write(action) as db:
            held = self._hold(db) is not None
            if event == "ON" and held:
                raise BadInput("a legal hold is already in force")
            if event == "OFF" and not held:
                raise BadInput("no legal hold is in force")
            db.execute(
                insert(hold_events).values(event=event, reason=reason, by_name=by, at=self._now())
            )

    def active_hold(self) -> Hold | None:
        with self._db.read("read the legal holds") as db:
            return self._hold(db)

    @staticmethod
    def _hold(db: Connection) -> Hold | None:
        h = hold_events.c
        row = db.execute(
            select(h.event, h.reason, h.by_name, h.at).order_by(h.id.desc()).limit(1)
        ).first()
        return Hold(row[1], row[2], row[3]) if row is not None and row[0] == "ON" else None

    # -- batches -------------------------------------------------------------------------
    def add_batch(self, info: BatchInfo) -> None:
        """Keep an accepted batch; BatchRefused("DUPLICATE_BATCH") if its id was used."""
        try:
            with self._db.write("record a batch") as db:
                taken = select(batches.c.batch_id).where(batches.c.batch_id == info.batch_id)
                if db.execute(taken).first() is not None:
                    raise self._duplicate(info.batch_id)
                known = select(agencies.c.name).where(agencies.c.name == info.agency)
                if db.execute(known).first() is None:
                    raise self._unknown_agency(info.batch_id)
                db.execute(insert(batches).values(rows.batch_row(info)))
        except StoreError as exc:  # a concurrent submission got there first
            kind, table = violation(exc.__cause__)
            if (kind, table) == ("unique", "batches"):
                raise self._duplicate(info.batch_id) from exc
            if kind == "foreign_key":
                raise self._unknown_agency(info.batch_id) from exc
            raise

    @staticmethod
    def _duplicate(batch_id: str) -> BatchRefused:
        return BatchRefused("DUPLICATE_BATCH", f"batch {batch_id} was already submitted")

    @staticmethod
    def _unknown_agency(batch_id: str) -> BadInput:
        return BadInput(f"batch {batch_id}: its agency is not registered")

    def get_batch(self, batch_id: str) -> BatchInfo | None:
        with self._db.read("read the batches") as db:
            row = db.execute(select(*_BATCH).where(batches.c.batch_id == batch_id)).first()
            return None if row is None else BatchInfo(*rows.batch_values(row))

    def list_batches(self) -> list[BatchInfo]:
        with self._db.read("read the batches") as db:
            found = [BatchInfo(*rows.batch_values(row)) for row in db.execute(select(*_BATCH))]
        return sorted(found, key=lambda b: (b.submitted_at, b.batch_id))

    def set_batch_state(self, batch_id: str, state: str) -> None:
        if state not in BATCH_STATES:
            raise BadInput(f"batch state must be one of {', '.join(BATCH_STATES)}")
        with self._db.write("update a batch") as db:
            done = db.execute(
                update(batches).where(batches.c.batch_id == batch_id).values(state=state)
            )
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
        self.record_encoded(rows.encode_chunk(batch_id, decisions, accounting))

    def record_encoded(self, chunk: rows.EncodedChunk) -> None:
        """`record_chunk` of a chunk encoded beforehand (perhaps by a worker process)."""
        rows.check_encoded(chunk)
        batch_id, decided = chunk.batch_id, chunk.decisions
        span = f"rows {decided[0][1]}-{decided[-1][1]}" if decided else "no rows"
        try:
            with self._db.write(f"record batch {batch_id} {span}") as db:
                if chunk.drafts and self._hold(db) is not None:
                    # the backstop inside the transaction: a hold placed while the chunk was
                    # being decided stops its disclosures too
                    raise BatchRefused(
                        "LEGAL_HOLD", f"batch {batch_id} {span}: a legal hold is in force"
                    )
                self._count_rows(db, batch_id, len(decided))
                rows.insert_rows(db, decision_log, decided)
                rows.append_encoded(db, chunk.drafts, self._now())
        except StoreError as exc:
            if violation(exc.__cause__) == ("unique", "decisions"):
                raise StoreError(
                    f"state store: batch {batch_id} {span}: a row was already decided; "
                    "nothing of this chunk was recorded"
                ) from exc
            raise

    def record_single(
        self,
        info: BatchInfo,
        decisions: Sequence[DecisionRecord],
        accounting: Sequence[AccountingDraft],
    ) -> None:
        """A single request, decided at once: its one-row batch (finished), the decision and
        its disclosure's accounting entry in one commit, so a request is recorded whole or
        not at all (never an entry for an answer that was not given)."""
        chunk = rows.encode_chunk(info.batch_id, decisions, accounting)
        rows.check_encoded(chunk)
        finished = replace(info, state="DONE", rows_done=len(decisions))
        try:
            with self._db.write(f"record request {info.batch_id}") as db:
                if accounting and self._hold(db) is not None:
                    raise BatchRefused("LEGAL_HOLD", f"{info.batch_id}: a legal hold is in force")
                db.execute(insert(batches).values(rows.batch_row(finished)))
                rows.insert_rows(db, decision_log, chunk.decisions)
                rows.append_encoded(db, chunk.drafts, self._now())
        except StoreError as exc:
            kind, table = violation(exc.__cause__)
            if (kind, table) == ("unique", "batches"):
                raise self._duplicate(info.batch_id) from exc
            if kind == "foreign_key":
                raise self._unknown_agency(info.batch_id) from exc
            raise

    @staticmethod
    def _count_rows(db: Connection, batch_id: str, count: int) -> None:
        """Move the batch's progress (first: it locks the batch's row on PostgreSQL)."""
        found = db.execute(select(batches.c.batch_id).where(batches.c.batch_id == batch_id))
        if found.first() is None:
            raise StoreError(f"state store: no batch {batch_id} to record decisions for")
        counted = db.execute(
            update(batches)
            .where(
                batches.c.batch_id == batch_id,
                batches.c.rows_done + count <= batches.c.record_count,
            )
            .values(rows_done=batches.c.rows_done + count)
        )
        if counted.rowcount != 1:
            raise StoreError(f"state store: batch {batch_id} would get more decisions than rows")

    def record_purge(self, batch_id: str, records_sha256: str, by: str, reason: str) -> None:
        """Append the purge of a batch's stored request records to the purge log."""
        with self._db.write(f"record the purge of batch {batch_id}") as db:
            db.execute(
                insert(purges).values(
                    batch_id=batch_id,
                    records_sha256=records_sha256,
                    purged_at=self._now(),
                    by_name=by,
                    reason=reason,
                )
            )

    def purges_of(self, batch_id: str) -> list[tuple[str, str, str]]:
        """(purged_at, by, reason) of every purge of a batch, oldest first."""
        c = purges.c
        with self._db.read(f"read the purges of batch {batch_id}") as db:
            found = db.execute(
                select(c.purged_at, c.by_name, c.reason)
                .where(c.batch_id == batch_id)
                .order_by(c.seq)
            ).all()
        return [(str(a), str(b), str(r)) for a, b, r in found]

    def decision_counts(self, batch_id: str) -> dict[str, int]:
        """How many rows of a batch got each decision (one GROUP BY, not a scan in Python)."""
        c = decision_log.c
        with self._db.read(f"count the decisions of batch {batch_id}") as db:
            found = db.execute(
                select(c.decision, func.count()).where(c.batch_id == batch_id).group_by(c.decision)
            ).all()
        return {str(decision): int(n) for decision, n in found}

    def decided_count(self, batch_id: str) -> int:
        with self._db.read("count decisions") as db:
            query = (
                select(func.count())
                .select_from(decision_log)
                .where(decision_log.c.batch_id == batch_id)
            )
            return int(db.execute(query).scalar_one())

    def iter_decisions(self, batch_id: str) -> Iterator[DecisionRecord]:
        """The batch's decisions in row order, streamed."""
        query = (
            select(*_DECISION)
            .where(decision_log.c.batch_id == batch_id)
            .order_by(decision_log.c.row_no)
        )
        yield from (rows.decision_record(r) for r in self._db.stream("read decisions", query))

    def iter_response_fields(self, batch_id: str) -> Iterator[Sequence[Any]]:
        """The batch's `rows.RESPONSE_FIELDS`, in row order, streamed: the response's columns
        and nothing more (the evidence is neither read nor parsed)."""
        query = (
            select(*_RESPONSE)
            .where(decision_log.c.batch_id == batch_id)
            .order_by(decision_log.c.row_no)
        )
        yield from self._db.stream("read decisions", query)

    def decision_for(self, batch_id: str, request_id: str) -> DecisionRecord | None:
        with self._db.read("read decisions") as db:
            row = db.execute(
                select(*_DECISION)
                .where(decision_log.c.batch_id == batch_id, decision_log.c.request_id == request_id)
                .order_by(decision_log.c.row_no)
                .limit(1)
            ).first()
            return None if row is None else rows.decision_record(row)

    # -- accounting ----------------------------------------------------------------------
    def iter_accounting(self) -> Iterator[AccountingEntry]:
        query = select(*_ENTRY).order_by(accounting_log.c.seq)
        yield from (rows.accounting_entry(r) for r in self._db.stream("read the accounting", query))

    def accounting_entry(self, seq: int) -> AccountingEntry | None:
        with self._db.read("read the accounting") as db:
            found = db.execute(select(*_ENTRY).where(accounting_log.c.seq == seq)).first()
            return None if found is None else rows.accounting_entry(found)

    def retraction_of(self, seq: int) -> AccountingEntry | None:
        """The entry that retracts entry `seq`, if there is one."""
        with self._db.read("read the accounting") as db:
            found = db.execute(
                select(*_ENTRY).where(
                    accounting_log.c.kind == "RETRACTION", accounting_log.c.retracts_seq == seq
                )
            ).first()
            return None if found is None else rows.accounting_entry(found)

    def append_accounting(self, drafts: Sequence[AccountingDraft]) -> None:
        """Append retractions (only): each must point to a disclosure not yet retracted."""
        with self._db.write("record a retraction") as db:
            for draft in drafts:
                rows.check_retraction(db, draft)
            rows.append_entries(db, drafts, self._now())

    def chain_anchor(self) -> tuple[int, str] | None:
        """The anchored head (seq, digest), or None when the anchor row is missing."""
        with self._db.read("read the chain's anchor") as db:
            return rows.anchor_of(db)

    def verify_chain(self) -> ChainReport:
        """The chain against its anchor, then disclosures against the decision log.

        One snapshot: a batch committing meanwhile cannot look like tampering.
        """
        with self._db.read("verify the accounting", snapshot=True) as db:
            anchor = rows.anchor_of(db)
            entries = db.execute(
                select(*_ENTRY).order_by(accounting_log.c.seq),
                execution_options={"yield_per": FETCH_ROWS},
            )
            try:
                report = verify_entries((rows.accounting_entry(r) for r in entries), anchor)
            except TamperDetected as exc:
                return ChainReport(False, 0, 0, GENESIS, str(exc))
            if not report.ok:
                return report
            problem = rows.cross_check(db)
        if not problem:
            return report
        return ChainReport(False, report.entries, report.head_seq, report.head_hash, problem)

    def yearly_counts(self, year: int) -> list[YearCount]:
        """Requests (by submission date), disclosures, taxpayers and retractions, by agency."""
        with self._db.read("count the year") as db:
            found = db.execute(rows.YEARLY_COUNTS, {"year": f"{year:04d}"}).all()
        counts = [YearCount(str(a), int(r), int(d), int(t), int(x)) for a, r, d, t, x in found]
        return sorted(counts, key=lambda c: c.agency)

    def yearly_taxpayers(self, year: int) -> int:
        """Distinct taxpayers disclosed about in the year, all agencies together."""
        with self._db.read("count the year") as db:
            return int(db.execute(rows.YEARLY_TAXPAYERS, {"year": f"{year:04d}"}).scalar_one())
