"""Scoring one request (or a few) by evaluating the frozen model's levels in Python.

`SingleScorer` replays Splink's SQL on DuckDB for every request: a dozen statements, tens of
milliseconds. `LevelScorer` computes the same thing directly: it reads the candidates'
linkage records and their term frequencies by point queries on the master file (the term
frequencies remembered), forms the pairs Splink's blocking rules form (a pair exists when
any rule holds), gives each comparison the level of the first condition that holds (SQL's
three-valued logic: NULL is not true), and adds up the levels' weights as Splink's SQL
does — the prior, then each comparison's log2(m/u) and its term-frequency adjustment
`weight * (log2(u) - log2(greatest(tf_l, tf_r, tf_minimum_u_value)))`, in that order —
with Splink's match probability, its weight floor (MIN_MATCH_WEIGHT) and its ordering.

Only what it understands is evaluated: the four list and string functions of the packaged
model (with DuckDB's meaning, NULLs included; Jaro-Winkler is DuckDB's own, spark_sql.py),
`left`, comparisons, IS [NOT] NULL, AND/OR/NOT over the linkage columns. Any other
function, column, setting or level option makes the constructor raise StoreError, so a
retrained model is never scored wrongly (the Verifier then replays Splink's SQL). The
answers equal `SplinkScorer.score`'s pair for pair (tests/integration/test_level_scorer.py).
One scorer holds one DuckDB connection: one thread at a time.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from disclosure_gateway.adapters.linkage.features import (
    LINKAGE_TABLE,
    request_records,
)
from disclosure_gateway.adapters.linkage.level_conditions import (
    COLUMNS,
    Eval,
    Row,
    Value,
    compiled,
    refuse,
)
from disclosure_gateway.adapters.linkage.pair_rows import level_labels, pair_scores
from disclosure_gateway.adapters.linkage.single_scorer import TF_REMEMBERED, tf_source
from disclosure_gateway.adapters.linkage.splink_model import (
    MASTER_DB,
    TF_COLUMN,
    ModelFile,
    attach_master,
    load_model,
)
from disclosure_gateway.adapters.linkage.splink_scorer import MIN_MATCH_WEIGHT, packaged_model_path
from disclosure_gateway.adapters.storage.master_lookup import point_query
from disclosure_gateway.adapters.storage.master_points import POINT_LINKAGE, unpack_linkage
from disclosure_gateway.domain.errors import StoreError
from disclosure_gateway.domain.evidence import PairScore
from disclosure_gateway.domain.rules import RowCheck

__all__ = ["LevelScorer", "compile_model"]

M_U_CLAMP_MIN = 1e-300  # Splink's floor under m and u before log2(m/u)
_SETTINGS = frozenset(
    {
        "link_type", "unique_id_column_name", "probability_two_random_records_match",
        "comparisons", "blocking_rules_to_generate_predictions", "retain_matching_columns",
        "retain_intermediate_calculation_columns", "additional_columns_to_retain",
        "em_convergence", "max_iterations", "sql_dialect", "source_dataset_column_name",
        "comparison_vector_value_column_prefix", "match_weight_column_prefix",
        "term_frequency_adjustment_column_prefix",
    }
)  # fmt: skip
_LEVEL_KEYS = frozenset(
    {
        "sql_condition", "label_for_charts", "is_null_level", "m_probability", "u_probability",
        "fix_m_probability", "fix_u_probability", "tf_adjustment_column",
        "tf_adjustment_weight", "tf_minimum_u_value", "disable_tf_exact_match_detection",
    }
)  # fmt: skip


# -- the model: levels, weights, term-frequency adjustments --------------------------------
@dataclass(frozen=True, slots=True)
class _Level:
    gamma: int
    condition: Eval | None  # None: ELSE
    weight: float  # log2(m/u), 0.0 for a null level
    tf: tuple[float, float, float] | None  # (adjustment weight, log2(u), minimum u)


@dataclass(frozen=True, slots=True)
class _Comparison:
    name: str
    levels: tuple[_Level, ...]
    has_tf: bool  # Splink adds this comparison's tf-adjustment column to the sum


@dataclass(frozen=True, slots=True)
class CompiledModel:
    """What scoring needs of the model's settings, every part of them understood."""

    prior_weight: float
    blocking: tuple[Eval, ...]
    comparisons: tuple[_Comparison, ...]
    columns: frozenset[str]  # the linkage columns read: the rest need not be fetched


def _probability(level: dict[str, Any], key: str) -> float:
    value = level.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise refuse(f"a level's {key} is not a probability")
    return float(value)


def _tf_of(level: dict[str, Any], null: bool, is_else: bool) -> tuple[float, float, float] | None:
    column = level.get("tf_adjustment_column")
    if not column:
        return None
    weight = float(level.get("tf_adjustment_weight", 1.0))
    if column != TF_COLUMN or not level.get("disable_tf_exact_match_detection"):
        raise refuse("a term-frequency adjustment other than the name key's on its own u")
    if null or is_else or weight == 0:
        return None
    u = _probability(level, "u_probability")
    return weight, math.log2(u), float(level.get("tf_minimum_u_value", 0.0))


def _compile_levels(raw: list[dict[str, Any]], columns: set[str]) -> tuple[_Level, ...]:
    gamma = sum(1 for lv in raw if not lv.get("is_null_level")) - 1
    levels = []
    for i, lv in enumerate(raw):
        if set(lv) - _LEVEL_KEYS or not isinstance(lv.get("sql_condition"), str):
            raise refuse("a level with options it does not know")
        null = bool(lv.get("is_null_level"))
        is_else = lv["sql_condition"].strip().upper() == "ELSE"
        if is_else != (i == len(raw) - 1) or (null and is_else):
            raise refuse("a comparison whose last level, and only it, is not ELSE")
        tf = _tf_of(lv, null, is_else)
        if null:
            levels.append(_Level(-1, compiled(lv["sql_condition"], False, columns), 0.0, None))
            continue
        m = max(_probability(lv, "m_probability"), M_U_CLAMP_MIN)
        u = max(_probability(lv, "u_probability"), M_U_CLAMP_MIN)
        condition = None if is_else else compiled(lv["sql_condition"], False, columns)
        levels.append(_Level(gamma, condition, math.log2(m / u), tf))
        gamma -= 1
    return tuple(levels)


def compile_model(settings: dict[str, Any]) -> CompiledModel:
    """The settings as closures; StoreError naming the first part not understood."""
    if set(settings) - _SETTINGS:
        raise refuse(f"settings {sorted(set(settings) - _SETTINGS)}")
    if (settings.get("link_type"), settings.get("unique_id_column_name")) != (
        "link_only",
        "unique_id",
    ) or settings.get("sql_dialect", "duckdb") != "duckdb":
        raise refuse("not a DuckDB link-only model over unique_id")
    rules, columns = [], {"unique_id", "tin", TF_COLUMN}
    for rule in settings.get("blocking_rules_to_generate_predictions", []):
        if not isinstance(rule, dict) or set(rule) - {"blocking_rule", "sql_dialect"}:
            raise refuse("a blocking rule with options it does not know")
        if rule.get("sql_dialect", "duckdb") != "duckdb":
            raise refuse("a blocking rule in another SQL dialect")
        rules.append(compiled(str(rule["blocking_rule"]), True, columns))
    comparisons = []
    for c in settings["comparisons"]:
        if set(c) - {"output_column_name", "comparison_description", "comparison_levels"}:
            raise refuse("a comparison with options it does not know")
        raw = list(c["comparison_levels"])
        has_tf = any(lv.get("tf_adjustment_column") for lv in raw)
        comparisons.append(
            _Comparison(str(c["output_column_name"]), _compile_levels(raw, columns), has_tf)
        )
    p = _probability(settings, "probability_two_random_records_match")
    if not rules or not comparisons or p in (0.0, 1.0):
        raise refuse("no blocking rule, no comparison, or a certain prior")
    return CompiledModel(
        math.log2(p / (1 - p)), tuple(rules), tuple(comparisons), frozenset(columns)
    )


def _level_of(comparison: _Comparison, ml: Row, rq: Row) -> _Level:
    for level in comparison.levels:
        if level.condition is None or level.condition(ml, rq) is True:
            return level
    raise StoreError("unreachable: a comparison ends with ELSE")  # compile_model checks it


def _tf_adjustment(tf: tuple[float, float, float], tf_l: Value, tf_r: Value) -> float:
    if tf_l is None and tf_r is None:
        return 0.0
    weight, log2_u, minimum = tf
    found = max(v for v in (tf_l, tf_r, minimum) if v is not None)
    if found <= 0:
        raise StoreError("a term frequency of zero (the master's table is damaged)")
    return weight * (log2_u - math.log2(found))


def pair_row(model: CompiledModel, row_no: int, ml: Row, rq: Row, tf: tuple[Value, Value]) -> Row:
    """(row_no, tin, unique_id, weight, probability, then per comparison gamma, weight and
    tf adjustment): a fetched prediction row, as Splink's SQL computes it."""
    total = model.prior_weight
    parts: list[Any] = []
    for comparison in model.comparisons:
        level = _level_of(comparison, ml, rq)
        adjust = 0.0 if level.tf is None else _tf_adjustment(level.tf, *tf)
        total = total + level.weight  # Splink's sum, term by term, left to right
        if comparison.has_tf:
            total = total + adjust
        parts += [level.gamma, level.weight, adjust]
    if total >= 0:
        probability = 1.0 / (1.0 + 2.0**-total)
    else:
        probability = 2.0**total / (1.0 + 2.0**total)
    return (row_no, ml[_TIN], ml[_ID], total, probability, *parts)


_TIN, _ID, _TF_KEY = COLUMNS.index("tin"), COLUMNS.index("unique_id"), COLUMNS.index(TF_COLUMN)
_LINKAGE_POINTS = f"SELECT tin, packed FROM master.{POINT_LINKAGE}"


class LevelScorer:
    """`SplinkScorer.score` for a request or a few, the model's levels evaluated in Python."""

    def __init__(self, home: Path, model: Path | None = None) -> None:
        self.model: ModelFile = load_model(model or packaged_model_path())
        self._compiled = compile_model(self.model.settings)  # StoreError: not understood
        self._labels = level_labels(self.model.settings)
        if list(self._labels) != [c.name for c in self._compiled.comparisons]:
            raise refuse("comparisons without distinct names")
        self.prior_weight = self._compiled.prior_weight
        # Columns in the records' order; those no condition reads are not fetched (NULL).
        read = [c if c in self._compiled.columns else f"NULL AS {c}" for c in COLUMNS]
        self._select = f"SELECT {', '.join(read)} FROM master.{LINKAGE_TABLE}"
        self._read = tuple(c for c in COLUMNS if c in self._compiled.columns)
        self._con = duckdb.connect()
        try:
            self._con.execute("SET enable_progress_bar = false; SET threads = 1")
            attach_master(self._con, home / MASTER_DB)
            self._tf_source = tf_source(self._con)
            self._tf_select = f"SELECT {TF_COLUMN}, tf_{TF_COLUMN} FROM {self._tf_source}"
            self._tf: dict[str, list[float | None]] = {}
        except BaseException:
            self._con.close()
            raise

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> LevelScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def score(
        self, checks: Sequence[RowCheck], tins: Collection[str] | None = None
    ) -> dict[int, list[PairScore]]:
        """As `SplinkScorer.score`: every candidate pair with match weight >=
        MIN_MATCH_WEIGHT per request row, best first (ties by TIN, then record id).

        Without `tins` the master side is the whole master file (correct, and slow)."""
        named = [c for c in checks if c.name is not None]
        if not named or (tins is not None and not tins):
            return {}
        table = request_records(named)
        requests = list(zip(*(table.column(c).to_pylist() for c in COLUMNS), strict=True))
        master = self._master(tins)
        keys = {str(rq[_TF_KEY]) for rq in [*requests, *master] if rq[_TF_KEY] is not None}
        self._remember_tf(keys)
        rows = [
            row
            for check, rq in zip(named, requests, strict=True)
            for ml in master
            for row in self._pairs(check.row_no, ml, rq)
        ]
        rows.sort(key=lambda row: (row[0], -row[3], row[1], row[2]))
        return pair_scores(rows, self._labels, self.prior_weight)

    def _pairs(self, row_no: int, ml: Row, rq: Row) -> list[Row]:
        """The pair's prediction rows: none if no blocking rule holds or its weight is under
        the floor; one per term-frequency row either side's key joins (one, in a sound
        master file: its table holds each key once)."""
        if not any(rule(ml, rq) is True for rule in self._compiled.blocking):
            return []
        found = []
        for tf_l in self._tf_values(ml[_TF_KEY]):
            for tf_r in self._tf_values(rq[_TF_KEY]):
                row = pair_row(self._compiled, row_no, ml, rq, (tf_l, tf_r))
                if row[3] >= MIN_MATCH_WEIGHT:
                    found.append(row)
        return found

    def _tf_values(self, key: Value) -> list[float | None]:
        values = self._tf[key] if key is not None else None
        return list(values) if values else [None]  # a LEFT JOIN's NULL

    def _master(self, tins: Collection[str] | None) -> list[Row]:
        """The candidates' linkage records: from their packed rows (`point_linkage`), by
        point queries, in TIN order; the whole table without `tins`."""
        if tins is None:
            return [tuple(r) for r in self._con.execute(self._select).fetchall()]
        query, params = point_query(_LINKAGE_POINTS, "tin", sorted(tins), "tin")
        found = self._con.execute(query, params).fetchall()
        return [unpack_linkage(str(packed), self._read) for _, packed in found]

    def _remember_tf(self, keys: set[str]) -> None:
        """The term frequencies of `keys`, read from the master file once, then remembered
        (the master file does not change under an open scorer)."""
        missing = sorted(k for k in keys if k not in self._tf)
        if not missing:
            return
        if len(self._tf) + len(missing) > TF_REMEMBERED:
            self._tf.clear()  # forgotten all at once: this call's keys are all read again
            missing = sorted(keys)
        query, params = point_query(self._tf_select, TF_COLUMN, missing)
        found = self._con.execute(query, params).fetchall()
        for key in missing:
            self._tf[key] = []
        for key, value in found:
            self._tf[str(key)].append(None if value is None else float(value))
