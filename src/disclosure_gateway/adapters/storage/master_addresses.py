"""Standardising a master file's distinct addresses in SQL wherever the street line allows.

A master file's street lines are mostly `HOUSE REST` with a plain REST (`8607 Delacruz
Pkwy`) and the locality in fields of its own; such a line standardises as REST does after
any other house number (`domain.addresses.read_rest`). So DuckDB splits each distinct
address into house number and REST, Python reads only the few distinct RESTs, city/state
pairs, ZIPs and unit fields, and SQL puts the standard columns together exactly as
`standardise_address` would. Every other address (a REST that `read_rest` does not vouch
for, a line whose tail could be taken for the address's state, an over-long field) goes
through the per-row standardiser on the worker processes (`master_std.address_table`).
tests/unit/test_address_rest.py and tests/integration/test_master_load_sql.py hold the
two routes to the same table.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from disclosure_gateway.adapters.storage.master_std import (
    ADDRESS_STD_FIELDS,
    SLICE,
    address_table,
)
from disclosure_gateway.domain.addresses import (
    MAX_FIELD_LENGTH,
    REST_HOUSE_PATTERN,
    locality_fields,
    read_rest,
    unit_field_id,
)
from disclosure_gateway.domain.geography import zip5_of

__all__ = ["ADDRESS_KEYS", "AddressRoutes", "standardise_addresses"]

ADDRESS_KEYS = ("street", "unit", "city", "state", "zip")
# False sends every address through the per-row standardiser (for tests that compare them).
SQL_ROUTE = True

_KEYS = ", ".join(ADDRESS_KEYS)
# strlen counts bytes, never fewer than Python's characters: within it, within the limit.
_FITS = " AND ".join(f"strlen({c}) <= {MAX_FIELD_LENGTH}" for c in ADDRESS_KEYS)
_HOUSE = f"regexp_extract(street, '^({REST_HOUSE_PATTERN}) ', 1)"
_STD_SELECT = """
    SELECT street, unit, city, state, zip,
           CASE WHEN level THEN house || '|' || street_std || '|' || zip5 END AS addr_key,
           CASE WHEN level THEN house END AS house_std,
           CASE WHEN level THEN street_std END AS street_std,
           CASE WHEN level THEN unit_id END AS unit_std,
           CASE WHEN level THEN city_std END AS city_std,
           CASE WHEN level THEN state_std END AS state_std,
           CASE WHEN level THEN zip5 END AS zip5
    FROM (
        SELECT s.street, s.unit, s.city, s.state, s.zip, s.house, r.street_std,
               coalesce(nullif(u.unit_id, ''), r.line_unit) AS unit_id,
               l.city_std, l.state_std, z.zip5,
               (l.city_std <> '' AND l.state_std <> '') OR z.zip5 <> '' AS level
        FROM ad_split s
        JOIN ad_rest r USING (rest)
        JOIN ad_locality l USING (city, state)
        JOIN ad_zip z USING (zip)
        JOIN ad_unit u USING (unit)
        WHERE (l.city_std <> '' OR l.state_std <> '' OR z.zip5 <> '')
          AND NOT list_contains(r.tail_states, l.state_std)
    )
"""


@dataclass(frozen=True, slots=True)
class AddressRoutes:
    """How many distinct addresses each route standardised."""

    sql: int
    per_row: int


def standardise_addresses(
    con: duckdb.DuckDBPyConnection, source: str, name: str, workers: int | None
) -> AddressRoutes:
    """Create the temp table `name`: the distinct (street, unit, city, state, zip) of
    `source` with the `ADDRESS_STD_FIELDS` (all null when not street-level)."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ad_split AS
            SELECT *, CASE WHEN house <> '' THEN substr(street, length(house) + 2) END AS rest
            FROM (SELECT {_KEYS}, CASE WHEN {_FITS} AND {SQL_ROUTE} THEN {_HOUSE} ELSE '' END
                  AS house FROM (SELECT DISTINCT {_KEYS} FROM {source}))"""
    )
    _register_readings(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE ad_sql AS {_STD_SELECT}")
    for table in ("ad_rest", "ad_locality", "ad_zip", "ad_unit"):
        con.unregister(table)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ad_left AS
            SELECT {_KEYS} FROM ad_split ANTI JOIN ad_sql USING ({_KEYS})"""
    )
    con.execute("DROP TABLE ad_split")
    sql_rows = _count(con, "ad_sql")
    left_rows = _count(con, "ad_left")
    reader = con.sql(f"SELECT {_KEYS} FROM ad_left").to_arrow_reader(SLICE)
    con.register("ad_rows", address_table(reader, left_rows, workers))
    std = ", ".join(ADDRESS_STD_FIELDS)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {name} AS
            SELECT {_KEYS}, {std} FROM ad_sql UNION ALL SELECT {_KEYS}, {std} FROM ad_rows"""
    )
    con.unregister("ad_rows")
    con.execute("DROP TABLE ad_sql")
    con.execute("DROP TABLE ad_left")
    return AddressRoutes(sql=sql_rows, per_row=left_rows)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _distinct(con: duckdb.DuckDBPyConnection, columns: str) -> list[tuple[str, ...]]:
    rows = con.execute(f"SELECT DISTINCT {columns} FROM ad_split WHERE rest IS NOT NULL")
    return [tuple(str(v) for v in row) for row in rows.fetchall()]


def _register_readings(con: duckdb.DuckDBPyConnection) -> None:
    """The Python readings of the few distinct RESTs, localities, ZIPs and unit fields of
    the addresses the SQL route may take, as the relations `_STD_SELECT` joins."""
    rests = [(r, read_rest(r)) for (r,) in _distinct(con, "rest")]
    read = [(r, reading) for r, reading in rests if reading is not None]
    con.register(
        "ad_rest",
        pa.table(
            {
                "rest": pa.array([r for r, _ in read], pa.string()),
                "street_std": pa.array([x.street for _, x in read], pa.string()),
                "line_unit": pa.array([x.unit for _, x in read], pa.string()),
                "tail_states": pa.array(
                    [list(x.tail_states) for _, x in read], pa.list_(pa.string())
                ),
            }
        ),
    )
    places = _distinct(con, "city, state")
    std_places = [locality_fields(city, state) for city, state in places]
    con.register(
        "ad_locality",
        pa.table(
            {
                "city": pa.array([c for c, _ in places], pa.string()),
                "state": pa.array([s for _, s in places], pa.string()),
                "city_std": pa.array([c for c, _ in std_places], pa.string()),
                "state_std": pa.array([s for _, s in std_places], pa.string()),
            }
        ),
    )
    zips = [z for (z,) in _distinct(con, "zip")]
    con.register(
        "ad_zip",
        pa.table({"zip": zips, "zip5": pa.array([zip5_of(z) or "" for z in zips], pa.string())}),
    )
    units = [u for (u,) in _distinct(con, "unit")]
    con.register(
        "ad_unit",
        pa.table(
            {"unit": units, "unit_id": pa.array([unit_field_id(u) for u in units], pa.string())}
        ),
    )
