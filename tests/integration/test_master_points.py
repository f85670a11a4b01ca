"""`point_tins` (adapters/storage/master_points.py) holds exactly the loaded rows: for every
taxpayer of a messy generated master, the unpacked taxpayer row, address rows and linkage
records equal what the unpacked tables' own queries return, value for value and type for
type (dates, NULLs, accents, quotes, backslashes)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from disclosure_gateway.adapters.linkage.features import LINKAGE_TABLE
from disclosure_gateway.adapters.storage import master_points, master_store
from disclosure_gateway.adapters.storage.master_points import (
    ADDRESS_FIELDS,
    LINKAGE_FIELDS,
    POINT_TABLE,
    TAXPAYER_FIELDS,
    unpack_addresses,
    unpack_linkage,
    unpack_taxpayer,
)
from disclosure_gateway.synth.population import generate_population
from disclosure_gateway.synth.writers import block_rows
from support.world import write_master_files

AS_OF = date(2026, 11, 23)
# Values JSON must escape, or that look like JSON, on a few taxpayers' rows.
ODD = ['O"Brien', "Back\\slash", "Peña Ñandú", "日本", "null", "[1, 2]", "Tab\tIn"]


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pop = generate_population(400, 11, AS_OF)
    taxpayers: list[tuple[str, ...]] = []
    addresses: list[tuple[str, ...]] = []
    for block in pop.blocks():
        tp, ad = block_rows(block)
        taxpayers += tp
        addresses += ad
    for i, odd in enumerate(ODD):
        person = list(taxpayers[i])
        person[2:4] = [odd, odd]  # first and middle name
        person[6] = ""  # no birth date
        taxpayers[i] = tuple(person)
        place = list(addresses[i * 3])
        place[0], place[1], place[3], place[8] = person[0], f"12 {odd} St", odd, ""  # no tax year
        addresses[i * 3] = tuple(place)
    folder = tmp_path_factory.mktemp("points")
    tp_file, ad_file = write_master_files(folder, taxpayers, addresses)
    master_store.load_master(folder / "whole", tp_file, ad_file, skip_bad_rows=True, workers=1)
    with pytest.MonkeyPatch.context() as patch:  # built 37 taxpayers a slice
        patch.setattr(master_points, "SLICE_TAXPAYERS", 37)
        master_store.load_master(folder / "home", tp_file, ad_file, True, workers=1)
    return folder / "home" / master_store.DB_NAME


def test_slices_build_the_same_table_as_one(master: Path) -> None:
    tables = []
    for home in (master.parent, master.parent.parent / "whole"):
        con = duckdb.connect(str(home / master_store.DB_NAME), read_only=True)
        tables.append(con.execute(f"SELECT * FROM {POINT_TABLE}").fetchall())
        con.close()
    assert len(tables[0]) > 37 * 5  # several slices
    assert tables[0] == tables[1]  # the same rows, in the same (TIN) order


def _by_tin(con: duckdb.DuckDBPyConnection, query: str) -> dict[str, list[tuple[object, ...]]]:
    found: dict[str, list[tuple[object, ...]]] = {}
    for row in con.execute(query).fetchall():
        found.setdefault(str(row[0]), []).append(tuple(row[1:]))
    return found


def test_every_packed_row_is_the_loaded_rows(master: Path) -> None:
    con = duckdb.connect(str(master), read_only=True)
    try:
        packed = con.execute(
            f"SELECT tin, taxpayer, addresses, linkage FROM {POINT_TABLE} ORDER BY tin"
        ).fetchall()
        taxpayers = _by_tin(con, f"SELECT tin, {', '.join(TAXPAYER_FIELDS)} FROM taxpayers")
        addresses = _by_tin(
            con, f"SELECT tin, {', '.join(ADDRESS_FIELDS)} FROM addresses ORDER BY tin, seq"
        )
        linkage = _by_tin(
            con,
            f"SELECT tin, {', '.join(LINKAGE_FIELDS)} FROM {LINKAGE_TABLE} ORDER BY tin, unique_id",
        )
        odd_names = con.execute(
            "SELECT count(*) FROM taxpayers WHERE first_name IN (SELECT unnest(?))", [ODD]
        ).fetchall()[0][0]
        no_birth = con.execute("SELECT count(*) FROM taxpayers WHERE birth_date IS NULL")
        no_birth_count = no_birth.fetchall()[0][0]
    finally:
        con.close()
    assert [p[0] for p in packed] == sorted(taxpayers)  # one row per taxpayer
    assert odd_names == len(ODD)
    assert no_birth_count >= len(ODD)
    half = LINKAGE_FIELDS[::2]
    for tin, taxpayer, rows, records in packed:
        assert unpack_taxpayer(taxpayer) == taxpayers[tin][0]
        assert unpack_addresses(rows) == addresses.get(tin, [])
        assert unpack_linkage(records, LINKAGE_FIELDS) == linkage.get(tin, [])
        assert unpack_linkage(records, half) == [
            tuple(v if f in half else None for f, v in zip(LINKAGE_FIELDS, r, strict=True))
            for r in linkage.get(tin, [])
        ]
    dated = [unpack_taxpayer(p[1])[TAXPAYER_FIELDS.index("birth_date")] for p in packed]
    assert any(isinstance(d, date) for d in dated)
    assert None in dated
