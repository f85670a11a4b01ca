"""Reading a master file into the load's DuckDB: CSV by DuckDB's reader, Parquet by Arrow.

Both give the SPEC columns as text, empty for NULL or an absent optional column, and
`row_no` in file order; a malformed file is refused in one line that never quotes it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from disclosure_gateway.adapters.storage.master_load import (
    ADDRESS_CHECKS,
    TAXPAYER_CHECKS,
    TAXPAYER_COLUMNS,
    bad_rows,
    keep_good,
    open_source,
    read_source,
)
from disclosure_gateway.adapters.storage.master_lookup import MasterLookup
from disclosure_gateway.adapters.storage.master_store import MasterStore, load_master
from disclosure_gateway.domain.decision import Candidate
from disclosure_gateway.domain.errors import MasterLoadError

TP = (
    "TIN , Tin_Type,first_name,last_name,extra\n"
    '123456789,SSN," José ",García,x\n'
    "\n"
    '912701234,ITIN,"Ana, María",,""\n'
    "223456789,SSN,NULL,Ruiz,\r\n"
)
TP_HEADER = "tin,tin_type,first_name,middle_name,last_name,suffix,birth_date\n"
AD_HEADER = "tin,street,unit,city,state,zip,source,effective_date,tax_year\n"
AD = AD_HEADER + "123456789,123 N Main St,Apt 4,Houston,TX,77002,RETURN,2024-03-01,2023\n"


def _read(tmp_path: Path, text: str, name: str = "tp.csv") -> list[tuple[object, ...]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    con = duckdb.connect()
    n = read_source(con, open_source(path, TAXPAYER_COLUMNS), "tp_raw")
    rows = con.execute("SELECT * FROM tp_raw ORDER BY row_no").fetchall()
    assert n == len(rows)
    return rows


def test_csv_columns_are_text_in_file_order_with_empty_for_null(tmp_path: Path) -> None:
    rows = _read(tmp_path, "\n" + TP)
    assert rows == [
        (1, "123456789", "SSN", " José ", "", "García", "", ""),
        (2, "912701234", "ITIN", "Ana, María", "", "", "", ""),
        (3, "223456789", "SSN", "NULL", "", "Ruiz", "", ""),
    ]


def test_a_header_only_file_has_no_rows(tmp_path: Path) -> None:
    assert _read(tmp_path, "tin,tin_type,first_name,last_name\n") == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Empty CSV file"),
        ("tin,tin_type,first_name,last_name\n123456789,SSN,Secret\n", "Expected 4 columns, got 3"),
        (
            "tin,tin_type,first_name,last_name\n123456789,SSN,Secret,Name,x\n",
            "Expected 4 columns, got 5",
        ),
        ("tin,tin_type,first_name,first_name,last_name\n1,SSN,A,B,C\n", "appear twice"),
    ],
)
def test_an_unreadable_file_is_refused_without_its_content(
    tmp_path: Path, text: str, reason: str
) -> None:
    with pytest.raises(MasterLoadError, match="cannot be read") as refused:
        _read(tmp_path, text)
    assert reason in str(refused.value)
    assert "Secret" not in str(refused.value)


def test_mixed_line_endings_read_as_before(tmp_path: Path) -> None:
    """DuckDB's strict reader refuses a file whose last rows end in CRLF; Arrow reads it."""
    rows = _read(tmp_path, "tin,tin_type,first_name,last_name\n1,SSN,A,B\r\n2,ITIN,C,D\n")
    assert rows == [(1, "1", "SSN", "A", "", "B", "", ""), (2, "2", "ITIN", "C", "", "D", "", "")]


def test_invalid_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tp.csv"
    path.write_bytes(b"tin,tin_type,first_name,last_name\n123456789,SSN,\xff\xfe,B\n")
    with pytest.raises(MasterLoadError, match=r"tp\.csv cannot be read"):
        read_source(duckdb.connect(), open_source(path, TAXPAYER_COLUMNS), "tp_raw")


def test_a_missing_file_is_refused_before_anything_is_created(tmp_path: Path) -> None:
    (tmp_path / "ad.csv").write_text(AD, encoding="utf-8")
    with pytest.raises(MasterLoadError, match="does not exist"):
        load_master(tmp_path / "home", tmp_path / "no.csv", tmp_path / "ad.csv", False)
    assert not (tmp_path / "home").exists()


def test_a_clean_file_is_not_copied_and_a_bad_one_is_filtered(tmp_path: Path) -> None:
    path = tmp_path / "tp.csv"
    path.write_text(TP, encoding="utf-8", newline="")
    con = duckdb.connect()
    read_source(con, open_source(path, TAXPAYER_COLUMNS), "tp_raw")
    clean = bad_rows(con, "tp_raw", TAXPAYER_CHECKS[:3], "tp.csv")
    assert clean.reasons == ()
    keep_good(con, "tp_raw", "tp_ok", TAXPAYER_CHECKS[:3], clean)
    kinds = dict(
        con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall()
    )
    assert kinds["tp_ok"] == "VIEW"
    assert "tp_raw_flags" not in kinds
    bad = bad_rows(con, "tp_raw", TAXPAYER_CHECKS, "tp.csv")
    assert bad.reasons == (("name_missing", 1, (2,)),)
    keep_good(con, "tp_raw", "tp_good", TAXPAYER_CHECKS, bad)
    assert con.execute("SELECT row_no FROM tp_good ORDER BY 1").fetchall() == [(1,), (3,)]
    assert ADDRESS_CHECKS[0][0] == "tin_unknown"  # the address checks read `tp_ok`


def test_parquet_loads_the_same_master_as_csv(tmp_path: Path) -> None:
    tp_csv = tmp_path / "tp.csv"
    tp_csv.write_text(
        "tin,tin_type,first_name,middle_name,last_name,suffix,birth_date\n"
        "123456789,SSN,José,,García,,1980-02-02\n",
        encoding="utf-8",
    )
    ad_csv = tmp_path / "ad.csv"
    ad_csv.write_text(AD, encoding="utf-8")
    tp_pq = tmp_path / "tp.parquet"
    text = pacsv.ConvertOptions(column_types=dict.fromkeys(TAXPAYER_COLUMNS, pa.string()))
    pq.write_table(pacsv.read_csv(tp_csv, convert_options=text), tp_pq)
    ad_pq = tmp_path / "ad.parquet"
    row = AD.splitlines()[1].split(",")
    columns = {n: [v] for n, v in zip(AD_HEADER.strip().split(","), row, strict=True)}
    columns["tax_year"] = [2023]  # not text in Parquet: still read as "2023"
    pq.write_table(pa.table({"TIN" if n == "tin" else n: v for n, v in columns.items()}), ad_pq)
    by_csv = load_master(tmp_path / "a", tp_csv, ad_csv, skip_bad_rows=False)
    by_pq = load_master(tmp_path / "b", tp_pq, ad_pq, skip_bad_rows=False)
    assert (by_pq.taxpayers, by_pq.addresses) == (by_csv.taxpayers, by_csv.addresses) == (1, 1)
    with MasterStore.open(tmp_path / "a") as a, MasterStore.open(tmp_path / "b") as b:
        want = a._load_candidates(["123456789"])
        assert b._load_candidates(["123456789"]) == want


def test_linkage_record_ids_number_each_tins_records_whatever_the_files_order(
    tmp_path: Path,
) -> None:
    """`unique_id` is "m<TIN>.<n>", n numbering the TIN's records by their address columns:
    unique, and the same record gets the same id when the files list their rows in another
    order."""
    people = [f"{800000000 - i:09d}" for i in range(0, 60, 3)]
    tp_rows = [f"{tin},SSN,Ann{i % 7},,Lee{i % 5},,\n" for i, tin in enumerate(people)]
    tp_rows.append("123456789,SSN,Bo,,Kim,,\n")  # no address on file: one record
    ad_rows = [
        f"{tin},{(i + k) % 4 + 1} Main St,,Houston,TX,7700{k},RETURN,2024-01-01,\n"
        for i, tin in enumerate(people)
        for k in range(3)
    ]
    ids = []
    for name, order in (("a", 1), ("b", -1)):
        tp, ad = tmp_path / f"tp-{name}.csv", tmp_path / f"ad-{name}.csv"
        tp.write_text(TP_HEADER + "".join(tp_rows[::order]), encoding="utf-8")
        ad.write_text(AD_HEADER + "".join(ad_rows[::order]), encoding="utf-8")
        load_master(tmp_path / name, tp, ad, skip_bad_rows=False)
        con = duckdb.connect(str(tmp_path / name / "master.duckdb"), read_only=True)
        ids.append(
            con.execute(
                "SELECT unique_id, tin, house, street, zip5 FROM linkage_records ORDER BY ALL"
            ).fetchall()
        )
        con.close()
    assert ids[0] == ids[1]
    assert len(ids[0]) == 61 == len({r[0] for r in ids[0]})
    for tin in (*people, "123456789"):
        mine = [r for r in ids[0] if r[1] == tin]
        by_address = sorted(mine, key=lambda r: (r[2] or "", r[3] or "", r[4] or ""))
        assert [r[0] for r in by_address] == [f"m{tin}.{n}" for n in range(1, len(mine) + 1)]


def _without_seq(candidate: Candidate) -> tuple[object, ...]:
    """A candidate with its address rows in their order but not their file positions."""
    rows = tuple(replace(a, row=replace(a.row, seq=0)) for a in candidate.addresses)
    return candidate.taxpayer, candidate.name, rows


def test_a_tins_candidates_are_the_same_whether_its_address_rows_are_together_or_not(
    tmp_path: Path,
) -> None:
    """The load keeps address rows about in the file's order (it does not sort them by
    TIN): each TIN's rows come back whole and in file order through the batch join and
    through the packed rows, whether the file lists them together or interleaved."""
    people = [f"{700000000 + 7 * i:09d}" for i in range(40)]
    tp = tmp_path / "tp.csv"
    tp.write_text(
        TP_HEADER
        + "".join(f"{tin},SSN,Ann{i % 7},,Lee{i % 5},,\n" for i, tin in enumerate(people)),
        encoding="utf-8",
    )
    rows = {
        (i, k): f"{tin},{i + 1} {'Main' if k else 'Oak'} St,,Houston,TX,7700{k},RETURN,"
        f"2024-0{k + 1}-01,\n"
        for i, tin in enumerate(people)
        for k in range(3)
    }
    found = []
    for name, order in (
        ("together", [rows[i, k] for i in range(40) for k in range(3)]),
        ("apart", [rows[i, k] for k in range(3) for i in reversed(range(40))]),
    ):
        ad = tmp_path / f"ad-{name}.csv"
        ad.write_text(AD_HEADER + "".join(order), encoding="utf-8")
        load_master(tmp_path / name, tp, ad, skip_bad_rows=False)
        with MasterStore.open(tmp_path / name) as store:
            batch = store._load_candidates(people)
        with MasterLookup.open(tmp_path / name) as lookup:
            single = lookup._candidates(set(people))
        assert batch == single
        assert all(len(c.addresses) == 3 for c in batch.values())
        found.append({tin: _without_seq(c) for tin, c in batch.items()})
    assert len(found[0]) == len(people)
    assert found[0] == found[1]
