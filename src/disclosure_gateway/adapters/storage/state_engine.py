"""Where the state store lives: SQLite files in HOME, or a PostgreSQL server, as an Engine.

SQLite (the embedded default): `HOME/state.sqlite`, with `HOME/anchor.sqlite` attached as
schema `dgw_anchor` to every new connection, so that one commit moves both files
atomically. That needs rollback journals (journal_mode DELETE; WAL breaks SQLite's
multi-file commit), synchronous FULL and foreign keys on. Writes begin IMMEDIATE (the
write lock first, so two writers never deadlock half-way); reads begin DEFERRED. A file
whose permission bits allow no writing is opened read-only, even for root.

PostgreSQL 15+ (`postgresql+psycopg://…`): the anchor is the schema `dgw_anchor` of the
same database (its privileges can be granted apart), in the same transaction.

Every database failure becomes a one-line `StoreError` built from the driver's first
message line; the SQL text and its parameters (which may hold taxpayer data) never leave.
"""

from __future__ import annotations

import math
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import (
    Engine,
    Executable,
    create_engine,
    event,
    exists,
    insert,
    inspect,
    literal,
    select,
)
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from disclosure_gateway.adapters.storage import migrations
from disclosure_gateway.adapters.storage.state_tables import ANCHOR_SCHEMA, accounting, chain_head
from disclosure_gateway.domain.audit import GENESIS
from disclosure_gateway.domain.errors import StoreError

STATE_FILE = "state.sqlite"
ANCHOR_FILE = "anchor.sqlite"
SQLITE_PRAGMAS = (
    "foreign_keys = ON",
    "main.journal_mode = DELETE",
    f"{ANCHOR_SCHEMA}.journal_mode = DELETE",
    "main.synchronous = FULL",
    f"{ANCHOR_SCHEMA}.synchronous = FULL",
)
WRITE = "dgw_write"  # execution option: this transaction writes
DATABASE_ERRORS = (SQLAlchemyError, sqlite3.Error)
FETCH_ROWS = 1000

# Constraint violations by PostgreSQL SQLSTATE and by SQLite extended result code.
_SQLSTATES = {"23505": "unique", "23503": "foreign_key", "23514": "check"}
_SQLITE_CODES = {
    "SQLITE_CONSTRAINT_PRIMARYKEY": "unique",
    "SQLITE_CONSTRAINT_UNIQUE": "unique",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key",
    "SQLITE_CONSTRAINT_CHECK": "check",
}


def store_error(action: str, exc: BaseException) -> StoreError:
    """`state store: cannot <action> (<the driver's first line>)`: one line, no SQL, no data."""
    return StoreError(f"state store: cannot {action} ({_reason(exc)})")


def _reason(exc: BaseException) -> str:
    cause: BaseException = exc
    if isinstance(exc, DBAPIError) and isinstance(exc.orig, BaseException):
        cause = exc.orig
    lines = str(cause).strip().splitlines()
    first = lines[0].strip() if lines else ""
    return first[:240] or type(cause).__name__


def violation(exc: BaseException | None) -> tuple[str, str]:
    """(kind, table) of a constraint violation: kind "unique", "foreign_key", "check" or ""."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    sqlstate = getattr(cause, "sqlstate", None)
    if isinstance(sqlstate, str):
        diag = getattr(cause, "diag", None)
        return _SQLSTATES.get(sqlstate, ""), str(getattr(diag, "table_name", "") or "")
    kind = _SQLITE_CODES.get(str(getattr(cause, "sqlite_errorname", "")), "")
    # SQLite names the table in its message: "UNIQUE constraint failed: decisions.row_no, …"
    _, _, columns = str(cause).partition("constraint failed: ")
    return kind, columns.split(".", 1)[0] if "." in columns else ""


# -- SQLite ----------------------------------------------------------------------------------
def _file_uri(path: Path, read_only: bool) -> str:
    return f"file:{quote(str(path.absolute()))}?mode={'ro' if read_only else 'rwc'}"


def marked_read_only(path: Path) -> bool:
    return path.exists() and not stat.S_IMODE(path.stat().st_mode) & 0o222


_PROCESS_LOCKS: dict[str, threading.RLock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def _process_lock(path: Path) -> threading.RLock:
    """The one lock of this process for the SQLite store at `path` (every open shares it)."""
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(str(path.absolute()), threading.RLock())


def sqlite_engine(home: Path, busy_timeout: float) -> tuple[Engine, bool]:
    """The engine over HOME's two files, and whether they are opened read-only."""
    try:
        home.mkdir(parents=True, exist_ok=True)
        state, anchor = home / STATE_FILE, home / ANCHOR_FILE
        read_only = marked_read_only(state) or marked_read_only(anchor)
    except OSError as exc:
        raise StoreError(f"state store: cannot use the folder {home} ({exc.strerror})") from exc
    state_uri, anchor_uri = _file_uri(state, read_only), _file_uri(anchor, read_only)

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(
            state_uri,
            uri=True,
            timeout=busy_timeout,
            isolation_level=None,  # no implicit BEGIN: the `begin` listener below decides
            check_same_thread=False,  # the pool hands a connection to one thread at a time
        )

    engine = create_engine("sqlite+pysqlite://", creator=connect, poolclass=QueuePool)

    @event.listens_for(engine, "connect")
    def attach_anchor(dbapi: sqlite3.Connection, _: ConnectionPoolEntry) -> None:
        dbapi.execute(f"ATTACH DATABASE ? AS {ANCHOR_SCHEMA}", (anchor_uri,))
        for pragma in SQLITE_PRAGMAS:
            dbapi.execute(f"PRAGMA {pragma}").fetchall()

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        writes = bool(connection.get_execution_options().get(WRITE))
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine, read_only


# -- PostgreSQL ------------------------------------------------------------------------------
def server_url(raw: str) -> URL:
    """The URL of a PostgreSQL database (driver psycopg 3); StoreError for anything else."""
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError) as exc:
        # The text itself is not repeated: it may hold a password.
        raise StoreError("state store: the database URL is not a valid URL") from exc
    backend = url.drivername.split("+", 1)[0]
    if backend not in ("postgresql", "postgres"):
        raise StoreError(
            f"state store: {backend} databases are not supported: give a PostgreSQL URL, "
            "or none for SQLite in the home folder"
        )
    if "+" not in url.drivername:
        url = url.set(drivername="postgresql+psycopg")
    elif backend == "postgres":
        url = url.set(drivername="postgresql+" + url.drivername.split("+", 1)[1])
    return url


def server_engine(url: URL, busy_timeout: float) -> Engine:
    """An engine on a PostgreSQL database; waits on locks as long as SQLite would."""
    connect_args: dict[str, Any] = {
        "connect_timeout": max(1, math.ceil(busy_timeout)),
        "application_name": "dgw",
        "options": f"-c lock_timeout={max(1, round(busy_timeout * 1000))}",
    }
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except (SQLAlchemyError, ImportError) as exc:
        raise StoreError(
            f"state store: cannot use the database driver ({type(exc).__name__})"
        ) from exc


# -- the store's database ---------------------------------------------------------------------
class Database:
    """An engine with the store's transactions: every failure inside one is a StoreError."""

    def __init__(
        self, engine: Engine, serial: AbstractContextManager[object] | None = None
    ) -> None:
        self.engine = engine
        # SQLite: one transaction at a time in this process. Its rollback journal makes
        # readers and writers wait on each other, and under many threads its busy handler
        # starves some of them past any timeout; a lock makes them queue instead.
        self._serial: AbstractContextManager[object] = serial or nullcontext()

    @classmethod
    def open(
        cls, home: Path, url: str | None, busy_timeout: float, now: Callable[[], str]
    ) -> Database:
        """The server database at `url`, else SQLite in `home`; migrated, anchor in place."""
        read_only = False
        if url:
            engine = server_engine(server_url(url), busy_timeout)
        else:
            engine, read_only = sqlite_engine(home, busy_timeout)
        serial = None if url else _process_lock(home / STATE_FILE)
        database = cls(engine, serial)
        try:
            database.prepare(read_only, now)
        except BaseException:
            engine.dispose()
            raise
        return database

    def prepare(self, read_only: bool, now: Callable[[], str]) -> None:
        """Migrate to the head revision and anchor an empty chain at genesis, if needed."""
        with self.read("open the store") as db:
            revision, stamped = migrations.revision_of(db)
            anchored = inspect(db).has_table(chain_head.name, schema=chain_head.schema)
        if revision == migrations.HEAD and anchored and (stamped or read_only):
            return
        if read_only:
            raise StoreError(
                f"state store: it is read-only and its schema is not current "
                f"(revision {revision or 'none'}, this version needs {migrations.HEAD})"
            )
        with self.write("create the store") as db:
            migrations.upgrade(db)
            chain_head.create(db, checkfirst=True)  # an anchor file lost and made anew
            # An anchor at genesis only while the chain is empty. An anchor that exists is
            # kept: a state file replaced by an empty one must not reset the chain's head.
            empty = ~exists(select(chain_head.c.id)) & ~exists(select(accounting.c.seq))
            genesis = select(*map(literal, (1, 0, GENESIS, now()))).where(empty)
            columns = ["id", "head_seq", "head_hash", "updated_at"]
            db.execute(insert(chain_head).from_select(columns, genesis))

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self, action: str) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if anything fails."""
        try:
            with self._serial, self.engine.connect() as db:
                db.execution_options(**{WRITE: True})
                with db.begin():
                    yield db
        except DATABASE_ERRORS as exc:
            raise store_error(action, exc) from exc

    @contextmanager
    def read(self, action: str, snapshot: bool = False) -> Iterator[Connection]:
        """A read-only transaction; `snapshot`: every query sees the same committed state."""
        try:
            with self._serial, self.engine.connect() as db:
                if snapshot and self.engine.dialect.name == "postgresql":
                    db.execution_options(isolation_level="REPEATABLE READ")
                with db.begin():
                    yield db
        except DATABASE_ERRORS as exc:
            raise store_error(action, exc) from exc

    def stream(self, action: str, query: Executable) -> Iterator[Sequence[Any]]:
        """The query's rows, fetched FETCH_ROWS at a time (a server-side cursor on PostgreSQL)."""
        with self.read(action) as db:
            yield from db.execute(query, execution_options={"yield_per": FETCH_ROWS})
