"""Scoring requests against the master with the frozen Splink model, on Apache Spark.

The same work as `SplinkScorer`, with Splink's Spark backend doing the blocking and the
scoring: the master's `linkage_records` are exported once from the DuckDB master file to
Parquet, Spark reads them and computes the master's term-frequency table (the meaning of
`create_tf_tables`), and each `score` call runs `predict_between(master, chunk)` with the
packaged model, its SQL rewritten for Spark (spark_sql.py) with DuckDB's meaning. Rules,
decisions and accounting stay in Python on the driver; only the linkage runs on Spark.

The session is local (`local[*]`, 127.0.0.1 only, no UI, bounded driver memory) unless a
session already exists in the process (under `spark-submit` on a cluster, or a test's).
Nothing is downloaded: Splink's Scala similarity jar is not needed (see spark_sql.py).
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from disclosure_gateway.adapters.linkage.features import LINKAGE_TABLE, request_records
from disclosure_gateway.adapters.linkage.pair_rows import level_labels, pair_scores, score_columns
from disclosure_gateway.adapters.linkage.spark_sql import (
    JARO_WINKLER_UDF,
    jaro_winkler_similarity,
    spark_settings,
)
from disclosure_gateway.adapters.linkage.splink_model import (
    MASTER_DB,
    TF_COLUMN,
    ModelFile,
    load_model,
    quiet_splink,
)
from disclosure_gateway.adapters.linkage.splink_scorer import MIN_MATCH_WEIGHT, packaged_model_path
from disclosure_gateway.domain.errors import StoreError
from disclosure_gateway.domain.evidence import PairScore
from disclosure_gateway.domain.rules import RowCheck

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SparkScorer", "spark_session"]

DRIVER_MEMORY = os.environ.get("DGW_SPARK_DRIVER_MEMORY", "2g")
SHUFFLE_PARTITIONS = os.environ.get("DGW_SPARK_SHUFFLE_PARTITIONS", "2")

_TF_SQL = """
WITH people AS (SELECT DISTINCT tin, first_given, first_surname, {tf}
                FROM {master} WHERE {tf} IS NOT NULL),
g AS (SELECT first_given, count(*) / sum(count(*)) OVER () AS p
      FROM people GROUP BY first_given),
s AS (SELECT first_surname, count(*) / sum(count(*)) OVER () AS p
      FROM people GROUP BY first_surname)
SELECT DISTINCT k.{tf}, CAST(g.p * s.p AS DOUBLE) AS tf_{tf}
FROM people k JOIN g USING (first_given) JOIN s USING (first_surname)
"""


def spark_session(master: str = "local[*]") -> SparkSession:
    """The process's Spark session: an existing one, else a local one on 127.0.0.1."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    # Python workers (our Jaro-Winkler UDF) run this interpreter, which imports this package.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(master)
        .appName("disclosure-gateway")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", DRIVER_MEMORY)
        .config("spark.sql.shuffle.partitions", SHUFFLE_PARTITIONS)
        .config("spark.default.parallelism", SHUFFLE_PARTITIONS)
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _export_master(home: Path, folder: Path) -> Path:
    """The master's linkage records as one Parquet file (read-only on the master file)."""
    master_db = home / MASTER_DB
    if not master_db.is_file():
        raise StoreError(f"no master database at {master_db}")
    out = folder / "linkage_records.parquet"
    try:
        con = duckdb.connect(str(master_db), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the master database read-only: {exc}") from exc
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(
            f"COPY (SELECT * FROM {LINKAGE_TABLE}) TO '{out.as_posix()}' "
            "(FORMAT parquet, ROW_GROUP_SIZE 200000)"
        )
    except duckdb.Error as exc:
        raise StoreError("the master database has no linkage records (reload it)") from exc
    finally:
        con.close()
    return out


class SparkScorer:
    """Candidate pairs and their match evidence for chunks of checked requests, on Spark."""

    def __init__(
        self, home: Path, model: Path | None = None, session: SparkSession | None = None
    ) -> None:
        from pyspark.sql.types import DoubleType
        from splink import Linker, SparkAPI

        self.model: ModelFile = load_model(model or packaged_model_path())
        settings = spark_settings(self.model.settings)
        self._labels = level_labels(settings)
        lam = float(self.model.settings["probability_two_random_records_match"])
        self.prior_weight = math.log2(lam / (1 - lam))
        self._owns_session = session is None and _no_active_session()
        self._spark = session or spark_session()
        self._closed = False
        self._views = f"dgw_{uuid.uuid4().hex[:8]}"  # this scorer's names in the session
        self._spark.udf.register(JARO_WINKLER_UDF, jaro_winkler_similarity, DoubleType())
        self._dir = Path(tempfile.mkdtemp(prefix="dgw-spark-"))
        try:
            self._master = self._spark.read.parquet(str(_export_master(home, self._dir)))
            self._master.createOrReplaceTempView(f"{self._views}_all")
            tf_path = str(self._dir / f"tf_{TF_COLUMN}.parquet")
            self._spark.sql(
                _TF_SQL.format(master=f"{self._views}_all", tf=TF_COLUMN)
            ).write.parquet(tf_path)
            spark_api: Any = SparkAPI  # Splink's Spark backend is untyped
            self._db_api = spark_api(
                spark_session=self._spark,
                break_lineage_method="persist",
                register_udfs_automatically=False,
                num_partitions_on_repartition=int(SHUFFLE_PARTITIONS),
            )
            master = self._db_api.register(self._master, table_name=f"{self._views}_master")
            template = self._db_api.register(
                request_records([]), table_name=f"{self._views}_template"
            )
            tf = self._db_api.register(
                self._spark.read.parquet(tf_path), table_name=f"{self._views}_tf"
            )
            with quiet_splink():
                self._linker = Linker([template, master], settings, log_level=None)
                self._linker.table_management.register_term_frequency_lookup(tf, TF_COLUMN)
        except BaseException:
            self.close()
            raise
        self._chunks = 0

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._spark.catalog.clearCache()
            if self._owns_session:
                self._spark.stop()
            else:  # a shared session keeps running: take our views out of it
                for table in self._spark.catalog.listTables():
                    if table.isTemporary and table.name.startswith(self._views):
                        self._spark.catalog.dropTempView(table.name)
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SparkScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def score(
        self, checks: Sequence[RowCheck], tins: Collection[str] | None = None
    ) -> dict[int, list[PairScore]]:
        """Every candidate pair with match weight >= MIN_MATCH_WEIGHT, per request row,
        best first (ties by TIN, then record id), exactly as `SplinkScorer.score`."""
        named = [c for c in checks if c.name is not None]
        if not named or (tins is not None and not tins):
            return {}
        self._chunks += 1
        views = (f"{self._views}_r{self._chunks}", f"{self._views}_m{self._chunks}")
        requests = self._db_api.register(request_records(named), table_name=views[0])
        master = self._db_api.register(self._master_of(tins), table_name=views[1])
        try:
            with quiet_splink():
                predictions = self._linker.inference.predict_between(
                    master,
                    requests,
                    threshold_match_weight=MIN_MATCH_WEIGHT,
                    warning_mode="never",
                )
            rows = self._fetch(predictions.physical_name)
        finally:
            self._spark.catalog.clearCache()  # Splink persists its blocked pairs and scores
            for view in views:
                self._spark.catalog.dropTempView(view)
        return pair_scores(rows, self._labels, self.prior_weight)

    def _master_of(self, tins: Collection[str] | None) -> DataFrame:
        if tins is None:
            return self._master
        from pyspark.sql.functions import broadcast

        want = self._spark.createDataFrame([(t,) for t in sorted(tins)], "tin string")
        return self._master.join(broadcast(want), "tin", "left_semi")

    def _fetch(self, table: str) -> list[tuple[Any, ...]]:
        """The scored pairs, ordered as SplinkScorer orders them (sorted here on the driver:
        a chunk's pairs are few, and a distributed sort would cost two more Spark jobs)."""
        parts = score_columns(self.model.settings, zero="0D")
        found = self._spark.sql(
            f"""SELECT CAST(substr(unique_id_r, 2) AS BIGINT) AS row_no, tin_l, unique_id_l,
                       match_weight, match_probability, {parts}
                FROM {table}"""
        ).collect()
        rows = [tuple(r) for r in found]
        rows.sort(key=lambda r: (r[0], -r[3], r[1], r[2]))
        return rows


def _no_active_session() -> bool:
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession() is None
