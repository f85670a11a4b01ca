"""The master load's SQL route for addresses (adapters/storage/master_addresses.py) writes
the same `addresses` table as the per-row standardiser, and takes most addresses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from disclosure_gateway.adapters.storage import master_addresses, master_store
from disclosure_gateway.adapters.storage.master_addresses import (
    ADDRESS_KEYS,
    AddressRoutes,
    standardise_addresses,
)
from disclosure_gateway.adapters.storage.master_load import ADDRESS_COLUMNS
from disclosure_gateway.domain.model import REQUEST_COLUMNS
from disclosure_gateway.synth.population import generate_population
from disclosure_gateway.synth.requests import generate_batch
from disclosure_gateway.synth.writers import block_rows
from support.world import write_master_files

AS_OF = date(2026, 11, 23)
Row = tuple[str, ...]

# Hand-written lines at the edges of what the SQL route may take.
MESSY_PLACES: list[tuple[str, str, str, str, str]] = [
    ("8120 Oak Ct", "", "Hartford", "CT", "06101"),  # the line ends in the state
    ("8120 Oak Ct", "", "Houston", "TX", "77002"),
    ("8120 Oak Ct", "", "Oak", "CT", "06101"),  # ... after the city: taken for the locality
    ("12 Zephyr St Apt Ct", "", "Apt", "CT", "06101"),
    ("12 Zephyr Ave NE", "Apt 3", "Omaha", "NE", "68102"),
    ("12 Zephyr St Ohio", "", "Columbus", "OH", "43004"),
    ("12 Zephyr St 77002", "", "Houston", "TX", "77002"),
    ("12 Zephyr St Houston TX 77002", "", "Houston", "TX", "77002"),
    ("12 Zephyr St Apt 4", "#5", "Houston", "TX", "77002-1234"),
    ("12 Zephyr St, Apt 4", "", "Houston", "tx", "770021234"),
    ("12  N  Zephyr  Street", "Unit 4-B", "San José", "TX", "77002"),
    ("12 Peña Ave", "", "Ciudad Niño", "PR", "00901"),
    ("0012 Zephyr St", "", "Houston", "TX", "77002"),
    ("1234567 Zephyr St", "", "Houston", "TX", "77002"),
    ("12A Zephyr St", "", "Houston", "TX", "77002"),
    ("12 1/2 Zephyr St", "", "Houston", "TX", "77002"),
    ("12 PO Box 7 St", "", "Houston", "TX", "77002"),
    ("12 Unknown", "", "Houston", "TX", "77002"),
    ("12 Zephyr St", "N/A", "N/A", "TX", "77002"),
    ("12 Zephyr St", "", "12", "TX", "77002"),
    ("12 " + "Zephyr " * 40 + "St", "", "Houston", "TX", "77002"),  # over the length limit
    ("12 Zephyr St", "Apt " + "9" * 199, "Houston", "TX", "77002"),
    ("12\tZephyr St", "", "Houston", "TX", "77002"),
    ("12 Calle Sol", "", "El Paso", "TX", "79901"),
]


def _master(n: int, seed: int, messy: bool) -> tuple[list[Row], list[Row]]:
    """A generated master file; with `messy`, also rows with hard-noise request addresses
    and the hand-written `MESSY_PLACES` on its taxpayers."""
    pop = generate_population(n, seed, AS_OF)
    taxpayers: list[Row] = []
    rows: list[Row] = []
    for block in pop.blocks():
        tp, ad = block_rows(block)
        taxpayers += tp
        rows += ad
    if messy:
        at = [REQUEST_COLUMNS.index(c) for c in ("street", "unit", "city", "state", "zip")]
        batch = generate_batch(pop, 1_500, seed, "hard", AS_OF)
        for i, record in enumerate(batch.records):
            base = rows[i * 7 % len(rows)]
            place = [record[j] for j in at]
            if i % 2:  # keep a valid state and ZIP, so the row is loaded
                place[3:5] = list(base[4:6])
            rows.append((base[0], *place, *base[6:]))
        for i, edge in enumerate(MESSY_PLACES):
            rows.append((rows[i][0], *edge, *rows[i][6:]))
    return taxpayers, rows


def _load(tmp: Path, name: str, sql: bool, master: tuple[list[Row], list[Row]]) -> Path:
    folder = tmp / name
    folder.mkdir()
    tp, ad = write_master_files(folder, *master)
    master_addresses.SQL_ROUTE = sql
    try:
        master_store.load_master(folder / "home", tp, ad, skip_bad_rows=True, workers=1)
    finally:
        master_addresses.SQL_ROUTE = True
    return folder / "home" / master_store.DB_NAME


def test_both_routes_write_the_same_addresses_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = _master(1_500, 17, messy=True)
    routes: list[AddressRoutes] = []

    def spy(*args: object) -> AddressRoutes:
        routes.append(standardise_addresses(*args))  # type: ignore[arg-type]
        return routes[-1]

    monkeypatch.setattr(master_store, "standardise_addresses", spy)
    by_sql = _load(tmp_path, "sql", True, master)
    by_row = _load(tmp_path, "rows", False, master)
    sql_route, row_route = routes
    assert sql_route.sql > 1_000
    assert sql_route.per_row > 100
    assert row_route.sql == 0
    assert row_route.per_row == sql_route.sql + sql_route.per_row
    con = duckdb.connect()
    con.execute(f"ATTACH '{by_sql}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{by_row}' AS b (READ_ONLY)")
    for table in ("addresses", "address_keys"):
        for x, y in (("a", "b"), ("b", "a")):
            differ = con.execute(
                f"SELECT count(*) FROM (SELECT * FROM {x}.{table} EXCEPT ALL "
                f"SELECT * FROM {y}.{table})"
            ).fetchall()[0][0]
            assert differ == 0, (table, x)
    counts = con.execute(
        "SELECT count(*), count(addr_key), count(DISTINCT unit_std) FROM a.addresses"
    ).fetchall()[0]
    assert counts[0] > len(master[1]) * 0.9
    assert 0 < counts[1] < counts[0]
    assert counts[2] > 10


def test_most_distinct_master_addresses_take_the_sql_route() -> None:
    _, rows = _master(8_000, 19, messy=False)
    columns = list(zip(*rows, strict=True))
    table = pa.table({c: pa.array(columns[ADDRESS_COLUMNS.index(c)]) for c in ADDRESS_KEYS})
    con = duckdb.connect()
    con.register("source", table)
    routes = standardise_addresses(con, "source", "std", workers=1)
    distinct = con.execute("SELECT count(*) FROM (SELECT DISTINCT * FROM source)").fetchall()
    assert routes.sql + routes.per_row == distinct[0][0] > 5_000
    assert routes.sql >= 0.8 * distinct[0][0]
    nulls = con.execute("SELECT count(*) FROM std WHERE addr_key IS NULL").fetchall()[0][0]
    assert nulls < 0.05 * distinct[0][0]
