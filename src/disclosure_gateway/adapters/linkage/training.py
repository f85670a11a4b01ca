"""Offline training of the Splink model (`dgw model train`); runs never train.

u: random sampling over the master with one record per taxpayer (so no sampled pair is one
person) for name and birth date; the address and unit levels are counted exactly with joins,
because random pairs almost never share a house number and ZIP. lambda and m: unsupervised
EM over blocked pairs between a calibration batch and the master (ground truth unused), then
lambda as EM's fixed point over all predicted pairs. Afterwards every level gets an m floor
(EM drives rare levels to ~0) and no level may outweigh the stronger level above it.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from disclosure_gateway.adapters.linkage.features import LINKAGE_TABLE
from disclosure_gateway.adapters.linkage.splink_model import (
    MASTER_VIEW,
    META_KEY,
    attach_master,
    create_tf_tables,
    model_settings,
    quiet_splink,
    register_tf_tables,
)
from disclosure_gateway.domain.errors import BadInput, StoreError

__all__ = ["calibration_records", "fill_untrained_m", "make_monotone", "train_model"]

U_MAX_PAIRS = 1e7
# Not house + ZIP: household members share it and a surname, and EM would take them for
# one person (the surname-only level learned a large m that way).
_EM_RULES = (
    "l.tin = r.tin",
    "l.birth_date = r.birth_date AND l.zip5 = r.zip5",
    "l.first_given = r.first_given AND l.first_surname = r.first_surname",
)
_LAMBDA_ROUNDS = 100


def calibration_records(path: Path) -> pa.Table:
    """The linkage records of a calibration batch's rows that have a name and an address."""
    from disclosure_gateway.adapters.linkage.features import request_records
    from disclosure_gateway.adapters.records_io import read_records
    from disclosure_gateway.adapters.reference.packaged import packaged_text
    from disclosure_gateway.domain.geography import parse_zip_prefixes
    from disclosure_gateway.domain.policy import parse_policy
    from disclosure_gateway.domain.rules import check_row

    policy = parse_policy(packaged_text("policy-default.toml"))
    zips = parse_zip_prefixes(packaged_text("zip3_state.csv"))
    checks = [check_row(rec, policy, _CALIBRATION_DAY, zips) for rec in read_records(path)]
    return request_records([c for c in checks if c.name is not None and c.address is not None])


_CALIBRATION_DAY = date(2026, 1, 1)  # only names and addresses are used; codes do not matter


def _levels_without_u(settings: dict[str, Any]) -> list[str]:
    return [
        f"{c['output_column_name']}:{lvl.get('label_for_charts', '?')}"
        for c in settings["comparisons"]
        for lvl in c["comparison_levels"]
        if not lvl.get("is_null_level") and lvl.get("u_probability") is None
    ]


_PAIR_COUNTS_SQL = """
WITH u AS (SELECT * FROM u_records WHERE house IS NOT NULL AND zip5 IS NOT NULL),
hz AS (
    SELECT l.street = r.street AS same_street,
           jaro_winkler_similarity(l.street, r.street) >= 0.9 AS close_street,
           l.unit_no AS unit_no_l, r.unit_no AS unit_no_r
    FROM u l JOIN u r ON l.house = r.house AND l.zip5 = r.zip5 AND l.unique_id < r.unique_id
)
SELECT
    (SELECT count(*) FROM u) AS n,
    (SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) AS c FROM u GROUP BY zip5)) AS zip_pairs,
    (SELECT count(*) FROM u l JOIN u r ON l.house = r.house AND l.street = r.street
        AND l.zip5 <> r.zip5 AND l.unique_id < r.unique_id) AS house_street,
    count(*) FILTER (WHERE same_street) AS exact,
    count(*) FILTER (WHERE NOT same_street AND close_street) AS street_typo,
    count(*) FILTER (WHERE NOT close_street) AS house_zip,
    count(*) FILTER (WHERE unit_no_l = unit_no_r) AS unit_equal,
    count(*) FILTER (WHERE (unit_no_l IS NULL) <> (unit_no_r IS NULL)) AS unit_one_missing,
    count(*) FILTER (WHERE unit_no_l <> unit_no_r) AS unit_different
FROM hz
"""


_HALF_PAIR = 0.5  # a level never seen among non-matches counts as half a pair, never zero


def _exact_address_u(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    """u of every address and unit level, counted over ALL pairs of distinct taxpayers.

    Random sampling almost never meets two different people at one house number and ZIP
    (about 1e-7 of pairs), so those levels are counted exactly with joins instead.
    """
    row = con.execute(_PAIR_COUNTS_SQL).fetchall()[0]
    n, zip_pairs, house_street, exact, typo, house_zip, u_eq, u_miss, u_diff = (
        max(float(v or 0), _HALF_PAIR) for v in row
    )
    pairs = n * (n - 1) / 2
    same_hz = exact + typo + house_zip
    zip_only = zip_pairs - same_hz
    address = {
        "exact": exact,
        "street_typo": typo,
        "house_street": house_street,
        "house_zip": house_zip,
        "zip_only": zip_only,
        "else": pairs - same_hz - house_street - zip_only,
    }
    units = u_eq + u_miss + u_diff
    return {
        "address": {k: v / pairs for k, v in address.items()},
        "unit": {"equal": u_eq / units, "one_missing": u_miss / units, "different": u_diff / units},
    }


def _estimate_u(con: duckdb.DuckDBPyConnection, seed: int) -> dict[str, Any]:
    from splink import DuckDBAPI, Linker

    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE u_records AS SELECT * FROM master.{LINKAGE_TABLE}
            QUALIFY row_number() OVER (PARTITION BY tin ORDER BY unique_id) = 1"""
    )
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register("u_records"), model_settings("dedupe_only"), log_level=None)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=U_MAX_PAIRS, seed=seed, min_count_per_level=None
    )
    settings: dict[str, Any] = linker.misc.save_model_to_json()
    counted = _exact_address_u(con)
    for comparison in settings["comparisons"]:
        exact_u = counted.get(comparison["output_column_name"], {})
        for level in comparison["comparison_levels"]:
            if level.get("label_for_charts") in exact_u:
                level["u_probability"] = exact_u[level["label_for_charts"]]
    missing = _levels_without_u(settings)
    if missing:
        raise StoreError(f"u sampling left levels without an estimate: {', '.join(missing)}")
    return settings


def _estimate_m(
    con: duckdb.DuckDBPyConnection, settings: dict[str, Any], calibration: pa.Table
) -> dict[str, Any]:
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    requests = db_api.register(calibration, table_name="calibration")
    master = db_api.register(MASTER_VIEW, table_name="master_records")
    linker = Linker([requests, master], {**settings, "link_type": "link_only"}, log_level=None)
    register_tf_tables(linker, db_api)
    for rule in _EM_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    weights = linker.inference.predict(threshold_match_weight=-30, warning_mode="never")
    rows = con.execute(f"SELECT match_weight FROM {weights.physical_name}").fetchall()
    trained: dict[str, Any] = linker.misc.save_model_to_json()
    pairs = calibration.num_rows * _count(con, f"master.{LINKAGE_TABLE}")
    trained["probability_two_random_records_match"] = _lambda_fixed_point(
        [float(r[0]) for r in rows], float(trained["probability_two_random_records_match"]), pairs
    )
    return trained


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _lambda_fixed_point(weights: list[float], prior: float, pairs: int) -> float:
    """EM's estimate of lambda over the blocked pairs (every pair not blocked is taken as a
    non-match): lambda = expected matches / all pairs, with each pair's probability
    recomputed under the current lambda until it settles."""
    bayes = [2.0 ** (w - math.log2(prior / (1 - prior))) for w in weights]
    lam = prior
    for _ in range(_LAMBDA_ROUNDS):
        odds = lam / (1 - lam)
        lam = sum(b * odds / (1 + b * odds) for b in bayes) / pairs
    return lam


def train_model(master_db: Path, calibration: Path | None, seed: int) -> dict[str, Any]:
    """Train offline: u on the master, lambda and m by EM on a calibration batch (no labels).

    Returns the settings dictionary with our metadata under the `dgw` key; `save_model`
    writes it. Raises BadInput without a calibration batch, StoreError on a bad master.
    """
    if calibration is None:
        raise BadInput("training needs a calibration batch (`dgw generate --noise hard`)")
    con = duckdb.connect()
    try:
        attach_master(con, master_db)
        create_tf_tables(con)
        digest = con.execute("SELECT value FROM master.meta WHERE key = 'digest'").fetchall()
        with quiet_splink():
            settings = _estimate_u(con, seed)
            trained = _estimate_m(con, settings, calibration_records(calibration))
    finally:
        con.close()
    trained.pop("linker_uid", None)
    untrained = fill_untrained_m(trained)
    clamped = make_monotone(trained)
    meta = {
        "trained_on": datetime.now(UTC).date().isoformat(),
        "seed": seed,
        "master_digest": str(digest[0][0]) if digest else "",
        "calibration": calibration.name,
        "splink": _splink_version(),
        "clamped_levels": clamped,
        "floored_m_levels": untrained,
    }
    return {**trained, META_KEY: meta}


M_FLOOR = 1e-3  # EM drives rare levels' m to ~0, which would make a typo damning
M_FLOOR_ELSE = 1e-4


def fill_untrained_m(settings: dict[str, Any]) -> list[str]:
    """Give a level EM never saw (m unset) or drove to almost nothing a floor m: weak
    evidence for a match, never an absolute veto. The levels floored."""
    floored: list[str] = []
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            is_else = level.get("sql_condition", "").upper() == "ELSE"
            floor = M_FLOOR_ELSE if is_else else M_FLOOR
            m = level.get("m_probability")
            if m is None or m < floor:
                level["m_probability"] = floor
                floored.append(f"{comparison['output_column_name']}:{level['label_for_charts']}")
    return floored


def make_monotone(settings: dict[str, Any]) -> list[str]:
    """Cap each level's Bayes factor at the one above it (each level relaxes the one above,
    so weaker evidence never outweighs stronger); raises u where needed. The capped levels."""
    clamped: list[str] = []
    for comparison in settings["comparisons"]:
        ceiling = float("inf")
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if level.get("is_null_level") or m is None or u is None:
                continue
            if level.get("sql_condition", "").upper() == "ELSE":
                continue
            if m / u > ceiling:
                level["u_probability"] = m / ceiling
                clamped.append(f"{comparison['output_column_name']}:{level['label_for_charts']}")
            ceiling = min(ceiling, m / level["u_probability"])
    return clamped


def _splink_version() -> str:
    import splink

    return str(splink.__version__)
