"""Scoring one request (or a few) with the frozen Splink model, in milliseconds.

`SplinkScorer.score` asks Splink for a `predict_between` on every call: Splink builds its
SQL in Python (sqlglot) each time and the master side and the term-frequency table are
read whole. Here the SQL is made once: at start the scorer registers three small tables
under fixed names — the request records, the master's linkage records of the candidates,
and the term frequencies of their name keys — and records the statements Splink executes
for one `predict_between` (threshold and settings as `SplinkScorer`'s). Each `score` call
refills the three tables by point queries on the master file (by the ART indexes on TIN
and on name key, `master_index.py`) and replays the recorded statements.

The scores are those of `SplinkScorer.score(checks, tins)`, pair for pair: the SQL is
Splink's own, every pair's comparison depends on its two records alone, and each record
meets the same term frequency (the master's) in both, since the cut table holds every key
either side carries. tests/integration/test_verify_fast.py compares them on generated
requests. One scorer holds one DuckDB connection: one thread at a time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

import duckdb

from disclosure_gateway.adapters.linkage.features import request_records
from disclosure_gateway.adapters.linkage.pair_rows import level_labels, pair_scores, score_columns
from disclosure_gateway.adapters.linkage.splink_model import (
    MASTER_DB,
    MASTER_VIEW,
    TF_COLUMN,
    ModelFile,
    attach_master,
    create_tf_tables,
    load_model,
    quiet_splink,
)
from disclosure_gateway.adapters.linkage.splink_scorer import (
    MIN_MATCH_WEIGHT,
    packaged_model_path,
)
from disclosure_gateway.adapters.storage.master_lookup import point_query
from disclosure_gateway.domain.errors import StoreError
from disclosure_gateway.domain.evidence import PairScore
from disclosure_gateway.domain.rules import RowCheck

__all__ = ["TF_REMEMBERED", "SingleScorer", "tf_source"]

# Term-frequency rows remembered between calls (forgotten all at once beyond this).
TF_REMEMBERED = 200_000
REQUESTS = "dgw_one_requests"
MASTER = "dgw_one_master"
TF = "dgw_one_tf"


class SingleScorer:
    """`SplinkScorer.score` for a request or a few, by replaying Splink's recorded SQL."""

    def __init__(self, home: Path, model: Path | None = None) -> None:
        self.model: ModelFile = load_model(model or packaged_model_path())
        self._labels = level_labels(self.model.settings)
        lam = float(self.model.settings["probability_two_random_records_match"])
        self.prior_weight = math.log2(lam / (1 - lam))
        self._con = duckdb.connect()
        try:
            # A few rows a call: one thread does it with the least coordination.
            self._con.execute("SET enable_progress_bar = false; SET threads = 1")
            attach_master(self._con, home / MASTER_DB)
            self._tf_source = tf_source(self._con)
            columns = self._con.execute(f"SELECT * FROM {self._tf_source} LIMIT 0").description
            self._tf_key_at = [c[0] for c in columns].index(TF_COLUMN)
            self._tf_rows: dict[str, list[tuple[Any, ...]]] = {}
            self._script = self._record()
            self._steps, self._predict = _prepare(self._con, self._script, self.model.settings)
        except BaseException:
            self._con.close()
            raise

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> SingleScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def statements(self) -> tuple[str, ...]:
        """The SQL Splink executed for the recorded `predict_between`, in order."""
        return self._script

    def _record(self) -> tuple[str, ...]:
        """Create the fixed (empty) tables and record one predict_between's SQL."""
        from splink import DuckDBAPI, Linker

        con = self._con
        con.register("dgw_one_schema", request_records([]))
        con.execute(f"CREATE TEMP TABLE {REQUESTS} AS SELECT * FROM dgw_one_schema")
        con.unregister("dgw_one_schema")
        con.execute(f"CREATE TEMP TABLE {MASTER} AS SELECT * FROM {MASTER_VIEW} LIMIT 0")
        con.execute(f"CREATE TEMP TABLE {TF} AS SELECT * FROM {self._tf_source} LIMIT 0")
        db_api = DuckDBAPI(connection=con)
        requests = db_api.register(REQUESTS, table_name=f"{REQUESTS}_in")
        master = db_api.register(MASTER, table_name=f"{MASTER}_in")
        tf = db_api.register(TF, table_name=f"{TF}_in")
        with quiet_splink():
            linker = Linker([requests, master], self.model.settings, log_level=None)
            linker.table_management.register_term_frequency_lookup(tf, TF_COLUMN)

            def predict() -> str:
                predictions = linker.inference.predict_between(
                    master, requests, threshold_match_weight=MIN_MATCH_WEIGHT, warning_mode="never"
                )
                return str(predictions.physical_name)

            script, output = _recorded(db_api, predict)
        con.execute(f"DROP TABLE IF EXISTS {output}")
        return tuple(script)

    def score(
        self, checks: Sequence[RowCheck], tins: Collection[str] | None = None
    ) -> dict[int, list[PairScore]]:
        """As `SplinkScorer.score`: every candidate pair with match weight >=
        MIN_MATCH_WEIGHT per request row, best first (ties by TIN, then record id).

        Without `tins` the master side is the whole master file (correct, and slow)."""
        named = [c for c in checks if c.name is not None]
        if not named or (tins is not None and not tins):
            return {}
        keys = self._fill_requests(named)
        keys |= self._fill_master(tins)
        self._fill_tf(sorted(keys))
        con = self._con
        for table, statement in self._steps:
            con.execute(f"DELETE FROM {table}")
            con.execute(f"EXECUTE {statement}")
        found = con.execute(f"EXECUTE {self._predict}").fetchall()
        return pair_scores(found, self._labels, self.prior_weight)

    def _fill_requests(self, named: Sequence[RowCheck]) -> set[str]:
        """The request side; returns the name keys it carries."""
        rows = request_records(named).to_pylist()
        self._con.execute(f"DELETE FROM {REQUESTS}")
        _insert(self._con, REQUESTS, [tuple(r.values()) for r in rows])
        return {str(r[TF_COLUMN]) for r in rows if r[TF_COLUMN] is not None}

    def _fill_master(self, tins: Collection[str] | None) -> set[str]:
        """The candidates' linkage records; returns the name keys they carry."""
        self._con.execute(f"DELETE FROM {MASTER}")
        every = f"SELECT * FROM {MASTER_VIEW}"
        query, params = (every, []) if tins is None else point_query(every, "tin", sorted(tins))
        found = self._con.execute(
            f"INSERT INTO {MASTER} {query} ORDER BY unique_id RETURNING {TF_COLUMN}", params
        ).fetchall()
        return {str(r[0]) for r in found if r[0] is not None}

    def _fill_tf(self, keys: list[str]) -> None:
        """The term-frequency rows of `keys`, from the master file once, then remembered
        (the master file does not change under an open scorer)."""
        con, known = self._con, self._tf_rows
        missing = [k for k in keys if k not in known]
        if missing:
            if len(known) + len(missing) > TF_REMEMBERED:
                known.clear()  # forgotten all at once: this call's keys are all read again
                missing = list(keys)
            every = f"SELECT * FROM {self._tf_source}"
            query, params = point_query(every, TF_COLUMN, missing)
            found = con.execute(query, params).fetchall()
            for key in missing:
                known[key] = []
            for row in found:
                known[str(row[self._tf_key_at])].append(tuple(row))
        con.execute(f"DELETE FROM {TF}")
        _insert(con, TF, [row for k in keys for row in known[k]])


_CREATE = re.compile(r"CREATE TABLE (\S+) AS\n(.*)", re.DOTALL)
_DROP = re.compile(r"DROP TABLE IF EXISTS (\S+)")


def _prepare(
    con: duckdb.DuckDBPyConnection, script: Sequence[str], settings: dict[str, Any]
) -> tuple[tuple[tuple[str, str], ...], str]:
    """Prepared statements replaying `script`: (table, statement) per intermediate table
    (refilled in order), and the statement answering the last table's rows as
    `SplinkScorer` fetches them. Reads of the catalog are left out (they change nothing);
    tables are kept between calls and emptied before they are refilled."""
    creates: list[tuple[str, str]] = []
    for sql in script:
        created = _CREATE.fullmatch(sql)
        if created:
            creates.append((created[1], created[2]))
        elif not (_DROP.fullmatch(sql.strip()) or sql.lstrip().upper().startswith("SELECT ")):
            raise StoreError("the Splink model's SQL cannot be replayed (unexpected statement)")
    if not creates:
        raise StoreError("the Splink model's SQL cannot be replayed (no prediction)")
    steps = []
    for i, (table, query) in enumerate(creates[:-1]):
        con.execute(f"CREATE TABLE {table} AS\n{query}")
        con.execute(f"PREPARE dgw_step_{i} AS INSERT INTO {table} SELECT * FROM ({query})")
        steps.append((table, f"dgw_step_{i}"))
    con.execute(f"PREPARE dgw_predict AS {_fetch_sql(settings, f'({creates[-1][1]})')}")
    return tuple(steps), "dgw_predict"


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Rows into `table`, as parameters of one INSERT (cheaper than executemany here)."""
    if rows:
        one = f"({', '.join('?' * len(rows[0]))})"
        values = [value for row in rows for value in row]
        con.execute(f"INSERT INTO {table} VALUES {', '.join([one] * len(rows))}", values)


def tf_source(con: duckdb.DuckDBPyConnection) -> str:
    """The master's term-frequency table: stored at load (sorted by key), else made once."""
    stored = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'master' AND table_name = ?",
        [f"tf_{TF_COLUMN}"],
    ).fetchall()[0][0]
    if stored:
        return f"master.tf_{TF_COLUMN}"
    create_tf_tables(con)
    return f"tf_{TF_COLUMN}"


def _recorded(db_api: Any, run: Callable[[], str]) -> tuple[list[str], str]:
    """The SQL statements `run` makes Splink execute, and what `run` returned."""
    statements: list[str] = []
    execute = db_api._execute_sql_against_backend

    def recording(sql: str) -> Any:
        statements.append(sql)
        return execute(sql)

    db_api._execute_sql_against_backend = recording
    try:
        output = run()
    finally:
        del db_api._execute_sql_against_backend
    return statements, output


def _fetch_sql(settings: dict[str, Any], table: str) -> str:
    """SplinkScorer's query of a predictions table (same columns, same order)."""
    parts = score_columns(settings)
    return f"""SELECT CAST(substr(unique_id_r, 2) AS BIGINT) AS row_no, tin_l, unique_id_l,
                      match_weight, match_probability, {parts}
               FROM {table}
               ORDER BY row_no, match_weight DESC, tin_l, unique_id_l"""
