"""The packed tables (adapters/storage/master_points.py) hold exactly the loaded rows: for
every taxpayer of a messy generated master, the unpacked taxpayer row, address rows and
linkage records equal what the source tables' own queries return, value for value and type
for type (dates, NULLs, accents, quotes, backslashes, lists)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from disclosure_gateway.adapters.linkage.features import LINKAGE_TABLE
from disclosure_gateway.adapters.storage import master_store
from disclosure_gateway.adapters.storage.master_points import (
    ADDRESS_FIELDS,
    LINKAGE_FIELDS,
    POINT_ADDRESSES,
    POINT_LINKAGE,
    POINT_TABLES,
    POINT_TAXPAYERS,
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
    master_store.load_master(folder / "home", tp_file, ad_file, skip_bad_rows=True, workers=1)
    return folder / "home" / master_store.DB_NAME


def _by_tin(con: duckdb.DuckDBPyConnection, query: str) -> dict[str, list[tuple[object, ...]]]:
    found: dict[str, list[tuple[object, ...]]] = {}
    for row in con.execute(query).fetchall():
        found.setdefault(str(row[0]), []).append(tuple(row[1:]))
    return found


def test_every_packed_row_is_the_loaded_row(master: Path) -> None:
    con = duckdb.connect(str(master), read_only=True)
    try:
        packed = {
            point: _by_tin(con, f"SELECT tin, packed FROM {point}") for point, _, _ in POINT_TABLES
        }
        taxpayers = _by_tin(con, f"SELECT tin, {', '.join(TAXPAYER_FIELDS)} FROM taxpayers")
        addresses = _by_tin(
            con, f"SELECT tin, {', '.join(ADDRESS_FIELDS)} FROM addresses ORDER BY tin, seq"
        )
        linkage = _by_tin(
            con,
            f"SELECT tin, {', '.join(LINKAGE_FIELDS)} FROM {LINKAGE_TABLE} ORDER BY tin, rowid",
        )
        odd_names = con.execute(
            "SELECT count(*) FROM taxpayers WHERE first_name IN (SELECT unnest(?))", [ODD]
        ).fetchall()[0][0]
        no_birth = con.execute("SELECT count(*) FROM taxpayers WHERE birth_date IS NULL")
        no_birth_count = no_birth.fetchall()[0][0]
    finally:
        con.close()
    assert odd_names == len(ODD)  # the odd rows were loaded
    assert no_birth_count >= len(ODD)
    by_point = {POINT_TAXPAYERS: taxpayers, POINT_ADDRESSES: addresses, POINT_LINKAGE: linkage}
    for point, rows in by_point.items():  # one packed row per source row, and no other
        assert {t: len(r) for t, r in packed[point].items()} == {t: len(r) for t, r in rows.items()}
    half = LINKAGE_FIELDS[::2]
    for tin, [row] in taxpayers.items():
        [(person,)] = packed[POINT_TAXPAYERS][tin]
        assert unpack_taxpayer(person) == row
        texts = [text for (text,) in reversed(packed[POINT_ADDRESSES].get(tin, []))]
        assert unpack_addresses(texts) == addresses.get(tin, [])  # by seq, whatever the order
        records = [text for (text,) in packed[POINT_LINKAGE].get(tin, [])]
        assert [unpack_linkage(r, LINKAGE_FIELDS) for r in records] == linkage.get(tin, [])
        assert [unpack_linkage(r, half) for r in records] == [
            tuple(v if f in half else None for f, v in zip(LINKAGE_FIELDS, r, strict=True))
            for r in linkage.get(tin, [])
        ]
    dated = [
        unpack_taxpayer(p[0][0])[TAXPAYER_FIELDS.index("birth_date")]
        for p in packed[POINT_TAXPAYERS].values()
    ]
    assert any(isinstance(d, date) for d in dated)
    assert None in dated
