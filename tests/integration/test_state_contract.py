"""The state store's contract, the same on every database it supports: SQLite and PostgreSQL.

The `store` fixture runs each test on SQLite files in a fresh home and on a fresh
PostgreSQL database (created on the server of `DGW_TEST_POSTGRES_URL`, dropped after).
Without that variable the PostgreSQL half is skipped on a workstation but FAILS under CI
(env `CI` set), so CI can never pass without having run it; `.ci/run` provides one.

`Backend.attack` is someone with direct write access to the database: the guard triggers
dropped, rows edited; `verify_chain` must name the first bad entry.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from test_state_store import Clock, agency, batch, chunk, decision, draft_for, retraction

from disclosure_gateway.adapters.storage import migrations
from disclosure_gateway.adapters.storage.migrations import include_name
from disclosure_gateway.adapters.storage.state import Agency, Hold, StateStore
from disclosure_gateway.adapters.storage.state_engine import server_url, store_error, violation
from disclosure_gateway.adapters.storage.state_tables import ENTRY_COLUMNS, metadata
from disclosure_gateway.domain.audit import GENESIS
from disclosure_gateway.domain.errors import BadInput, BatchRefused, StoreError, TamperDetected
from disclosure_gateway.domain.model import Decision
from disclosure_gateway.settings import Settings
from support.pg import drop_database

POSTGRES_URL = os.environ.get("DGW_TEST_POSTGRES_URL", "").strip()
GUARDS = (
    ("accounting_never_changed", "accounting"),
    ("accounting_never_deleted", "accounting"),
    ("decisions_never_deleted", "decisions"),
    ("hold_events_never_changed", "hold_events"),
    ("hold_events_never_deleted", "hold_events"),
    ("accounting_never_truncated", "accounting"),
    ("decisions_never_truncated", "decisions"),
    ("hold_events_never_truncated", "hold_events"),
)


@dataclass
class Backend:
    name: str
    home: Path
    url: str | None  # None: SQLite files in `home`

    def open(self, clock: Clock | None = None, busy_timeout: float = 10.0) -> StateStore:
        return StateStore.open(
            self.home, now=clock or Clock(), busy_timeout=busy_timeout, database_url=self.url
        )

    def engine(self) -> Engine:
        """A plain engine on the store's database, the anchor reachable as dgw_anchor.*."""
        if self.url is not None:
            return create_engine(server_url(self.url))
        engine = create_engine(f"sqlite:///{self.home / 'state.sqlite'}")
        anchor = str(self.home / "anchor.sqlite")

        @event.listens_for(engine, "connect")
        def attach(dbapi: object, _: object) -> None:
            dbapi.execute("ATTACH DATABASE ? AS dgw_anchor", (anchor,))  # type: ignore[attr-defined]

        return engine

    def run(self, *statements: str, guards: bool = True) -> None:
        """Run SQL in one transaction; `guards=False` drops the guard triggers first."""
        engine = self.engine()
        try:
            with engine.begin() as db:
                for trigger, table in () if guards else GUARDS:
                    on = f" ON {table}" if self.name == "postgresql" else ""
                    db.execute(text(f"DROP TRIGGER IF EXISTS {trigger}{on}"))
                for statement in statements:
                    db.execute(text(statement))
        finally:
            engine.dispose()

    def attack(self, *statements: str) -> None:
        self.run(*statements, guards=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        yield Backend("sqlite", tmp_path / "home", None)
        return
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set DGW_TEST_POSTGRES_URL: the PostgreSQL contract did not run")
        pytest.skip("DGW_TEST_POSTGRES_URL is not set (the PostgreSQL half runs in CI)")
    server = server_url(POSTGRES_URL)
    name = f"dgw_t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            db.execute(text(f"CREATE DATABASE {name}"))
        url = server.set(database=name).render_as_string(hide_password=False)
        yield Backend("postgresql", tmp_path / "home", url)
    finally:
        drop_database(admin, name)
        admin.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(backend: Backend, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[StateStore]:
    monkeypatch.delenv("DGW_DATABASE_URL", raising=False)
    with backend.open(clock) as s:
        s.add_agency(agency())
        s.add_batch(batch(count=20))
        yield s


def five_disclosures(store: StateStore) -> None:
    """Rows 1-9 of B-1 in two chunks; rows 1, 3, 4, 6, 8 disclosed: entries 1-5."""
    for rows in (range(1, 5), range(5, 10)):
        records, drafts = chunk("B-1", rows, {1, 3, 4, 6, 8} & set(rows))
        store.record_chunk("B-1", records, drafts)


# -- schema --------------------------------------------------------------------------------
def test_the_migrated_schema_is_the_metadata(store: StateStore, backend: Backend) -> None:
    engine = backend.engine()
    try:
        with engine.connect() as db:
            context = MigrationContext.configure(
                db, opts={"include_schemas": True, "include_name": include_name}
            )
            assert compare_metadata(context, metadata) == []
            assert context.get_current_revision() == migrations.HEAD
    finally:
        engine.dispose()


def test_head_is_the_last_migration_script() -> None:
    assert ScriptDirectory(str(migrations.MIGRATIONS)).get_current_head() == migrations.HEAD


def test_a_store_made_before_migrations_is_stamped_and_kept(
    store: StateStore, backend: Backend, clock: Clock
) -> None:
    store.hold_on("court order", "ops")
    store.close()
    backend.run("DROP TABLE alembic_version")
    with backend.open(clock) as again:
        assert again.get_agency("DHS-ICE") == agency()
        assert again.active_hold() == Hold("court order", "ops", clock.now)
    engine = backend.engine()
    try:
        with engine.connect() as db:
            assert db.execute(text("SELECT version_num FROM alembic_version")).all() == [
                (migrations.HEAD,)
            ]
    finally:
        engine.dispose()


def test_sqlite_connections_attach_the_anchor_with_safe_settings(tmp_path: Path) -> None:
    with StateStore.open(tmp_path) as store, store._db.engine.connect() as db:
        pragma = {
            name: db.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("foreign_keys", "main.journal_mode", "dgw_anchor.journal_mode")
        }
        synchronous = db.exec_driver_sql("PRAGMA dgw_anchor.synchronous").scalar()
        files = {row[1]: Path(row[2]).name for row in db.exec_driver_sql("PRAGMA database_list")}
    assert pragma == {
        "foreign_keys": 1,
        "main.journal_mode": "delete",
        "dgw_anchor.journal_mode": "delete",
    }
    assert synchronous == 2  # FULL
    assert files | {"temp": ""} == {
        "main": "state.sqlite",
        "dgw_anchor": "anchor.sqlite",
        "temp": "",
    }


def test_constraint_violations_are_told_apart(store: StateStore, backend: Backend) -> None:
    """What add_batch relies on when a concurrent submission wins the race."""
    fk = "PRAGMA foreign_keys = ON" if backend.name == "sqlite" else "SELECT 1"
    cases = {
        "INSERT INTO batches SELECT * FROM batches": ("unique", "batches"),
        "UPDATE batches SET agency = 'nobody'": ("foreign_key", ""),
        "UPDATE batches SET state = 'PAUSED'": ("check", ""),
    }
    for statement, (kind, table) in cases.items():
        with pytest.raises(DBAPIError) as err:
            backend.run(fk, statement)
        found_kind, found_table = violation(err.value)
        assert found_kind == kind, statement
        assert found_table in (table, "batches"), statement
        message = str(store_error("record a batch", err.value))  # PostgreSQL's DETAIL has values
        assert message.startswith("state store: cannot record a batch (")
        assert not any(leak in message for leak in ("\n", "nobody", "B-1", "PAUSED", "SELECT"))


# -- agencies, holds, batches ----------------------------------------------------------------
def test_agencies(store: StateStore) -> None:
    assert store.get_agency("DHS-ICE") == agency()
    assert store.get_agency("nobody") is None
    with pytest.raises(BadInput, match="already registered"):
        store.add_agency(agency())
    replaced = Agency("DHS-ICE", b"\x00key\xff", ("Ann Lee",), False)
    store.add_agency(replaced, replace=True)
    assert store.get_agency("DHS-ICE") == replaced
    store.add_agency(agency("DOJ-FBI"))
    store.add_agency(agency("Dhs-lower"))
    assert [a.name for a in store.list_agencies()] == ["DHS-ICE", "DOJ-FBI", "Dhs-lower"]
    store.set_safeguards("DHS-ICE", True)
    assert store.get_agency("DHS-ICE") == Agency("DHS-ICE", b"\x00key\xff", ("Ann Lee",), True)
    with pytest.raises(BadInput, match="not registered"):
        store.set_safeguards("nobody", True)


def test_holds_and_their_append_only_history(
    store: StateStore, backend: Backend, clock: Clock
) -> None:
    assert store.active_hold() is None
    with pytest.raises(BadInput, match="no legal hold"):
        store.hold_off("nothing", "ops")
    store.hold_on("court order 1", "alice")
    with pytest.raises(BadInput, match="already in force"):
        store.hold_on("again", "bob")
    assert store.active_hold() == Hold("court order 1", "alice", clock.now)
    assert store.agency_and_hold("DHS-ICE") == (agency(), store.active_hold())
    assert store.agency_and_hold("nobody") == (None, store.active_hold())
    store.hold_off("lifted", "bob")
    assert store.active_hold() is None
    assert store.agency_and_hold("DHS-ICE") == (agency(), None)
    for statement in ("DELETE FROM hold_events", "UPDATE hold_events SET reason = 'x'"):
        with pytest.raises(DBAPIError, match="hold events are never"):
            backend.run(statement)
    assert store.active_hold() is None  # the OFF event is still the latest


def test_batches(store: StateStore) -> None:
    assert store.get_batch("B-1") == batch(count=20)
    store.add_batch(batch("A-0", on="2026-03-02"))
    assert [b.batch_id for b in store.list_batches()] == ["B-1", "A-0"]
    with pytest.raises(BatchRefused) as refused:
        store.add_batch(batch(count=99))
    assert refused.value.code == "DUPLICATE_BATCH"
    with pytest.raises(BadInput, match="agency is not registered"):
        store.add_batch(batch("B-9", agency_name="nobody"))
    store.set_batch_state("B-1", "DONE")
    got = store.get_batch("B-1")
    assert got is not None
    assert (got.state, got.record_count) == ("DONE", 20)
    with pytest.raises(BadInput, match="no batch"):
        store.set_batch_state("nope", "DONE")


# -- decisions -------------------------------------------------------------------------------
def test_decisions_round_trip_and_stream_in_row_order(store: StateStore) -> None:
    kinds = [Decision.DISCLOSED, Decision.REJECTED, Decision.NO_DISCLOSURE, Decision.REVIEW]
    records = [decision("B-1", n, kind) for n, kind in enumerate(kinds, start=5)]
    store.record_chunk("B-1", records, [draft_for(records[0])])
    early, early_drafts = chunk("B-1", range(1, 5), {2})
    store.record_chunk("B-1", early, early_drafts)
    assert list(store.iter_decisions("B-1")) == early + records
    assert store.decision_for("B-1", "R-6") == records[1]
    assert store.decided_count("B-1") == 8
    got = store.get_batch("B-1")
    assert got is not None
    assert got.rows_done == 8


def test_a_failing_chunk_writes_nothing(store: StateStore) -> None:
    first, first_drafts = chunk("B-1", range(1, 3), {1})
    store.record_chunk("B-1", first, first_drafts)
    anchor = store.chain_anchor()
    records, drafts = chunk("B-1", range(3, 7), {3, 5})
    records.append(decision("B-1", 4))  # row 4 twice: refused after rows 3-6 went in
    with pytest.raises(StoreError, match="nothing of this chunk was recorded") as err:
        store.record_chunk("B-1", records, drafts)
    assert "\n" not in str(err.value)
    assert [r.row_no for r in store.iter_decisions("B-1")] == [1, 2]
    assert [e.seq for e in store.iter_accounting()] == [1]
    assert store.chain_anchor() == anchor
    got = store.get_batch("B-1")
    assert got is not None
    assert got.rows_done == 2
    assert store.verify_chain().ok


def test_a_decided_row_is_never_decided_again(store: StateStore, backend: Backend) -> None:
    records, drafts = chunk("B-1", range(1, 4), {2})
    store.record_chunk("B-1", records, drafts)
    with pytest.raises(StoreError, match="rows 1-3: a row was already decided"):
        store.record_chunk("B-1", records, drafts)
    with pytest.raises(DBAPIError, match="decisions are never deleted"):
        backend.run("DELETE FROM decisions WHERE row_no = 2")
    assert store.decided_count("B-1") == 3
    assert len(list(store.iter_accounting())) == 1


def test_a_chunk_past_the_batch_or_for_no_batch_is_refused(store: StateStore) -> None:
    records, drafts = chunk("B-1", range(1, 22), {21})
    with pytest.raises(StoreError, match="more decisions than rows"):
        store.record_chunk("B-1", records, drafts)
    with pytest.raises(StoreError, match="no batch B-7"):
        store.record_chunk("B-7", *chunk("B-7", range(1, 3), set()))
    assert store.decided_count("B-1") == 0
    assert store.chain_anchor() == (0, GENESIS)


# -- the accounting chain --------------------------------------------------------------------
def test_the_chain_is_linked_anchored_retractable_and_counted(store: StateStore) -> None:
    five_disclosures(store)
    entries = list(store.iter_accounting())
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(entries))
    assert store.chain_anchor() == (5, entries[-1].entry_hash)
    assert store.accounting_entry(3) == entries[2]
    store.append_accounting([retraction(2, row_no=3)])
    with pytest.raises(BadInput, match="already retracted by entry 6"):
        store.append_accounting([retraction(2, row_no=3)])
    made = store.retraction_of(2)
    assert made is not None
    assert made.seq == 6
    report = store.verify_chain()
    assert (report.ok, report.entries, report.head_seq) == (True, 6, 6)
    [count] = store.yearly_counts(2026)
    assert (count.agency, count.requests, count.disclosures, count.retractions) == (
        "DHS-ICE",
        20,
        5,
        1,
    )
    assert count.taxpayers == store.yearly_taxpayers(2026) == 5


def test_two_stores_on_one_database_continue_one_chain(backend: Backend, store: StateStore) -> None:
    store.add_batch(batch("B-2", count=20))
    with backend.open() as other:
        for n in range(1, 7):
            writer, name = (store, "B-1") if n % 2 else (other, "B-2")
            writer.record_chunk(name, *chunk(name, range(n, n + 1), {n}))
        assert [e.seq for e in other.iter_accounting()] == [1, 2, 3, 4, 5, 6]
        assert other.verify_chain().ok


def swap_entries(backend: Backend, a: int, b: int) -> None:
    columns = [c for c in ENTRY_COLUMNS if c != "seq"]
    engine = backend.engine()
    try:
        with engine.begin() as db:
            select = f"SELECT {', '.join(columns)} FROM accounting WHERE seq = :seq"
            first = db.execute(text(select), {"seq": a}).one()
            second = db.execute(text(select), {"seq": b}).one()
            assign = ", ".join(f"{c} = :{c}" for c in columns)
            for seq, row in ((a, second), (b, first)):
                values = dict(zip(columns, row, strict=True))
                db.execute(
                    text(f"UPDATE accounting SET {assign} WHERE seq = :seq"), values | {"seq": seq}
                )
    finally:
        engine.dispose()


TAMPERING = {
    "edit": (
        ["UPDATE accounting SET statute = '8 U.S.C. 1326' WHERE seq = 3"],
        "entry 3: digest does not match content (edited)",
    ),
    "delete": (["DELETE FROM accounting WHERE seq = 2"], "entry 2 is missing"),
    "reorder": (["DROP INDEX accounting_one_disclosure"], "entry 2: broken link"),
    "truncate tail": (
        ["DELETE FROM accounting WHERE seq >= 4"],
        "entry 4 is missing (chain ends before anchor)",
    ),
    "edit the anchor": (
        ["UPDATE dgw_anchor.chain_head SET head_hash = 'ab' || substr(head_hash, 3)"],
        "entry 5: the anchor digest does not match",
    ),
    "edit a disclosed decision": (
        ["UPDATE decisions SET lka_street = '1 Elsewhere Rd' WHERE row_no = 8"],
        "entry 5: differs from the decision log",
    ),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_tampering_is_named_and_a_moved_head_refuses_more(
    store: StateStore, backend: Backend, kind: str
) -> None:
    five_disclosures(store)
    assert store.verify_chain().ok
    statements, expected = TAMPERING[kind]
    backend.attack(*statements)
    if kind == "reorder":
        swap_entries(backend, 2, 3)
    report = store.verify_chain()
    assert not report.ok
    assert report.problem.startswith(expected), report.problem
    if kind in ("truncate tail", "edit the anchor"):  # the head no longer matches its anchor
        more, drafts = chunk("B-1", range(10, 12), {10})
        with pytest.raises(TamperDetected, match="nothing was recorded"):
            store.record_chunk("B-1", more, drafts)
        assert store.decided_count("B-1") == 9


# -- failures are one-line StoreErrors -------------------------------------------------------
def test_a_locked_store_is_a_one_line_store_error(store: StateStore, backend: Backend) -> None:
    engine = backend.engine()
    try:
        with engine.connect() as blocker:
            if backend.name == "sqlite":
                blocker.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                blocker.begin()
                blocker.execute(text("LOCK TABLE agencies IN EXCLUSIVE MODE"))
            with backend.open(busy_timeout=0.2) as waiting:
                assert waiting.get_agency("DHS-ICE") == agency()
                with pytest.raises(StoreError, match="lock") as err:
                    waiting.set_safeguards("DHS-ICE", False)
            blocker.rollback()
    finally:
        engine.dispose()
    message = str(err.value)
    assert message.startswith("state store: cannot update an agency (")
    assert "\n" not in message
    assert "UPDATE" not in message  # the SQL never leaves


def test_an_unreachable_server_is_a_one_line_store_error(tmp_path: Path) -> None:
    url = "postgresql+psycopg://dgw:s3cret@127.0.0.1:9/dgw"  # port 9: nothing listens
    with pytest.raises(StoreError, match=r"^state store: cannot open the store") as err:
        StateStore.open(tmp_path, database_url=url, busy_timeout=1)
    assert "\n" not in str(err.value)
    assert "s3cret" not in str(err.value)
    assert not (tmp_path / "state.sqlite").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://dgw:s3cret@host/db", "mysql databases are not supported"),
        ("::not a url s3cret::", "not a valid URL"),
    ],
)
def test_a_wrong_database_url_is_a_store_error(tmp_path: Path, url: str, expected: str) -> None:
    with pytest.raises(StoreError, match=expected) as err:
        StateStore.open(tmp_path, database_url=url)
    assert "s3cret" not in str(err.value)


# -- settings --------------------------------------------------------------------------------
def test_settings_read_the_database_url_and_never_show_it() -> None:
    assert Settings.from_env({}) == Settings(None)
    assert Settings.from_env({"DGW_DATABASE_URL": "  "}) == Settings(None)
    url = "postgresql+psycopg://dgw:s3cret@db:5432/dgw"
    settings = Settings.from_env({"DGW_DATABASE_URL": f" {url} "})
    assert settings.database_url == url
    assert "s3cret" not in repr(settings)


def test_the_environment_chooses_the_server(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend.url is None:
        monkeypatch.delenv("DGW_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DGW_DATABASE_URL", backend.url)
    with StateStore.open(backend.home) as opened:
        opened.add_agency(agency())
    assert (backend.home / "state.sqlite").exists() == (backend.url is None)
    with backend.open() as again:
        assert again.get_agency("DHS-ICE") == agency()
