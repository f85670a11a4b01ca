"""Scoring requests against the master with the frozen Splink model.

`SplinkScorer` opens its own in-memory DuckDB connection, ATTACHes the master database
READ_ONLY (other code may hold it open read-only too) and computes the master's
term-frequency table once. Each `score` call registers one chunk of request records and
runs `predict_between(master, chunk)`, so the master is never copied and a request's scores
never depend on which chunk it came in (term frequencies are the master's alone).

Given the chunk's candidate TINs (retrieval's answer), the master side is cut down to those
taxpayers' linkage records before Splink blocks: the pipeline only ever reads the scores of
retrieved candidates, every pair's comparison depends on its two records alone and the term
frequencies on the whole master, so the scores read are the same and the work is a few
thousand records a chunk instead of the whole master file. The cut reads only the columns
the model's comparisons and blocking rules read (the others come as typed NULLs, which no
score depends on): the linkage records are wide, and the cut scans them whole every chunk.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from disclosure_gateway.adapters.linkage.features import request_records
from disclosure_gateway.adapters.linkage.pair_rows import level_labels, pair_scores, score_columns
from disclosure_gateway.adapters.linkage.splink_model import (
    MASTER_DB,
    MASTER_VIEW,
    ModelFile,
    attach_master,
    create_tf_tables,
    load_model,
    quiet_splink,
    register_tf_tables,
)
from disclosure_gateway.domain.evidence import PairScore
from disclosure_gateway.domain.rules import RowCheck

__all__ = ["MIN_MATCH_WEIGHT", "SplinkScorer", "packaged_model_path"]

MIN_MATCH_WEIGHT = -10.0  # low, so the decision sees near misses too


def packaged_model_path() -> Path:
    """The committed, trained model: `disclosure_gateway/data/models/model.json`."""
    return Path(str(resources.files("disclosure_gateway").joinpath("data", "models", "model.json")))


class SplinkScorer:
    """Candidate pairs and their match evidence for chunks of checked requests."""

    def __init__(self, home: Path, model: Path | None = None) -> None:
        from splink import DuckDBAPI, Linker

        self.model: ModelFile = load_model(model or packaged_model_path())
        self._labels = level_labels(self.model.settings)
        lam = float(self.model.settings["probability_two_random_records_match"])
        self.prior_weight = math.log2(lam / (1 - lam))
        self._con = duckdb.connect()
        self._con.execute("SET enable_progress_bar = false")
        self._con.execute("SET memory_limit = '2GB'")
        attach_master(self._con, home / MASTER_DB)
        create_tf_tables(self._con)
        self._db_api = DuckDBAPI(connection=self._con)
        self._master = self._db_api.register(MASTER_VIEW, table_name="master_records")
        self._cut_columns = _read_columns(self._con, self.model.settings)
        template = self._db_api.register(request_records([]), table_name="dgw_requests_template")
        with quiet_splink():
            self._linker = Linker([template, self._master], self.model.settings, log_level=None)
            register_tf_tables(self._linker, self._db_api)
        self._chunks = 0

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> SplinkScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def score(
        self, checks: Sequence[RowCheck], tins: Collection[str] | None = None
    ) -> dict[int, list[PairScore]]:
        """Every candidate pair with match weight >= MIN_MATCH_WEIGHT, per request row,
        best first (ties by TIN, then record id). Rows without a name are not scored.

        With `tins`, only pairs with those taxpayers' records are formed (see the module's
        docstring); without, pairs with the whole master file.
        """
        named = [c for c in checks if c.name is not None]
        if not named or (tins is not None and not tins):
            return {}
        self._chunks += 1
        name = f"dgw_requests_{self._chunks}"
        requests = self._db_api.register(request_records(named), table_name=name)
        master = self._master if tins is None else self._master_of(tins)
        try:
            with quiet_splink():
                predictions = self._linker.inference.predict_between(
                    master,
                    requests,
                    threshold_match_weight=MIN_MATCH_WEIGHT,
                    warning_mode="never",
                )
            rows = self._fetch(predictions.physical_name)
            predictions.drop_table_from_database_and_remove_from_cache()
        finally:
            self._con.unregister(name)
        return pair_scores(rows, self._labels, self.prior_weight)

    def _master_of(self, tins: Collection[str]) -> Any:
        """The linkage records of `tins`, as a Splink table of this chunk."""
        self._con.register("dgw_want", pa.table({"tin": pa.array(sorted(tins), pa.string())}))
        try:
            self._con.execute(
                f"""CREATE OR REPLACE TEMP TABLE dgw_master_chunk AS
                    SELECT {self._cut_columns} FROM {MASTER_VIEW} m
                    SEMI JOIN dgw_want w ON m.tin = w.tin
                    ORDER BY m.unique_id"""
            )
        finally:
            self._con.unregister("dgw_want")
        return self._db_api.register("dgw_master_chunk", table_name=f"dgw_master_{self._chunks}")

    def _fetch(self, table: str) -> list[tuple[Any, ...]]:
        parts = score_columns(self.model.settings)
        return self._con.execute(
            f"""SELECT CAST(substr(unique_id_r, 2) AS BIGINT) AS row_no, tin_l, unique_id_l,
                       match_weight, match_probability, {parts}
                FROM {table}
                ORDER BY row_no, match_weight DESC, tin_l, unique_id_l"""
        ).fetchall()


def _read_columns(con: duckdb.DuckDBPyConnection, settings: dict[str, Any]) -> str:
    """The master records' columns, in order, as the chunk's cut selects them: those the
    model reads, the others typed NULLs; every column when the model is not understood by
    the level evaluator (which lists what a model reads)."""
    from disclosure_gateway.adapters.linkage.level_scorer import compile_model
    from disclosure_gateway.domain.errors import StoreError

    try:
        read = compile_model(settings).columns
    except StoreError:
        return "m.*"
    described = con.execute(f"DESCRIBE {MASTER_VIEW}").fetchall()
    return ", ".join(
        f"m.{name}" if name in read else f"CAST(NULL AS {kind}) AS {name}"
        for name, kind, *_ in described
    )
