"""`dgw master load`: good files load; bad rows are reported by number and refuse the load."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from disclosure_gateway.adapters.storage.master_index import has_point_indexes
from disclosure_gateway.adapters.storage.master_store import MasterStore, RequestKeys, load_master
from disclosure_gateway.domain.addresses import StdAddress, standardise_address
from disclosure_gateway.domain.errors import MasterLoadError, StoreError

TP_HEADER = "tin,tin_type,first_name,middle_name,last_name,suffix,birth_date\n"
AD_HEADER = "tin,street,unit,city,state,zip,source,effective_date,tax_year\n"
GOOD_TP = (
    TP_HEADER + "123456789,SSN,José,,García-López,,1980-02-02\n912701234,ITIN,Ana,María,Pérez,,\n"
)
GOOD_AD = AD_HEADER + (
    "123456789,123 N Main St,Apt 4,Houston,TX,77002,RETURN,2024-03-01,2023\n"
    "123456789,9 Elm St,,Houston,TX,77002-1234,FORM_8822,2025-01-10,\n"
    "912701234,PO Box 5,,Houston,TX,77002,NCOA,2024-03-01,\n"
)


def write(tmp: Path, tp: str, ad: str) -> tuple[Path, Path]:
    (tmp / "tp.csv").write_text(tp, encoding="utf-8")
    (tmp / "ad.csv").write_text(ad, encoding="utf-8")
    return tmp / "tp.csv", tmp / "ad.csv"


def test_good_files_load_and_candidates_are_found(tmp_path: Path) -> None:
    tp, ad = write(tmp_path, GOOD_TP, GOOD_AD)
    report = load_master(tmp_path / "home", tp, ad, skip_bad_rows=False)
    assert (report.taxpayers, report.addresses, report.unparsed_addresses) == (2, 3, 1)
    addr = standardise_address("123 North Main Street", "#4", "Houston", "TX", "77002")
    assert isinstance(addr, StdAddress)
    with MasterStore.open(tmp_path / "home") as master:
        found = master.candidates(
            [
                RequestKeys(7, addr.house_number, addr.zip5, None),
                RequestKeys(8, "1", "99999", "912701234"),
            ]
        )
    (jose,) = found[7]
    assert jose.taxpayer.tin == "123456789"
    assert jose.taxpayer.birth_date is not None
    assert jose.taxpayer.birth_date.isoformat() == "1980-02-02"
    assert len(jose.addresses) == 2
    assert [a.row.source.value for a in jose.addresses] == ["RETURN", "FORM_8822"]
    (ana,) = found[8]  # found by TIN alone; the decision will judge the name
    assert ana.addresses[0].std is None  # a PO box is not street-level
    con = duckdb.connect(str(tmp_path / "home" / "master.duckdb"), read_only=True)
    try:  # single requests' lookups find rows by index
        assert has_point_indexes(con)
    finally:
        con.close()


def test_reload_replaces_the_master_file(tmp_path: Path) -> None:
    tp, ad = write(tmp_path, GOOD_TP, GOOD_AD)
    load_master(tmp_path / "home", tp, ad, skip_bad_rows=False)
    tp2, ad2 = write(tmp_path, TP_HEADER + "123456789,SSN,Ana,,Ruiz,,\n", AD_HEADER)
    report = load_master(tmp_path / "home", tp2, ad2, skip_bad_rows=False)
    assert report.taxpayers == 1
    with MasterStore.open(tmp_path / "home") as master:
        assert master.counts() == (1, 0)


@pytest.mark.parametrize(
    ("tp_extra", "ad_extra", "reason", "row"),
    [
        ("12345678,SSN,A,,B,,\n", "", "tin_malformed", 3),
        ("987654321,SSNX,A,,B,,\n", "", "tin_type_invalid", 3),
        ("223456789,ITIN,A,,B,,\n", "", "tin_type_mismatch", 3),
        ("987654321,SSN,A,,B,,1980-02-30\n", "", "birth_date_invalid", 3),
        ("123456789,SSN,A,,B,,\n", "", "tin_duplicate", 1),
        ("", "555555555,1 A St,,X,TX,77002,RETURN,2024-01-01,\n", "tin_unknown", 4),
        ("", "123456789,1 A St,,X,ZZ,77002,RETURN,2024-01-01,\n", "state_invalid", 4),
        ("", "123456789,1 A St,,X,TX,7700,RETURN,2024-01-01,\n", "zip_invalid", 4),
        ("", "123456789,1 A St,,X,TX,77002,W2,2024-01-01,\n", "source_invalid", 4),
        ("", "123456789,1 A St,,X,TX,77002,RETURN,01/02/2024,\n", "effective_date_invalid", 4),
        ("", "123456789,1 A St,,X,TX,77002,RETURN,2024-01-01,twenty\n", "tax_year_invalid", 4),
    ],
)
def test_bad_rows_refuse_the_load_and_name_the_row(
    tmp_path: Path, tp_extra: str, ad_extra: str, reason: str, row: int
) -> None:
    tp, ad = write(tmp_path, GOOD_TP + tp_extra, GOOD_AD + ad_extra)
    with pytest.raises(MasterLoadError) as info:
        load_master(tmp_path / "home", tp, ad, skip_bad_rows=False)
    message = str(info.value)
    assert reason in message
    assert f"row {row}" in message or f"rows {row}" in message
    assert "\n" not in message
    assert "García" not in message
    assert "José" not in message
    assert not (tmp_path / "home" / "master.duckdb").exists()


def test_skip_bad_rows_loads_the_rest(tmp_path: Path) -> None:
    tp, ad = write(
        tmp_path,
        GOOD_TP + "12345678,SSN,A,,B,,\n",
        GOOD_AD + "123456789,1 A St,,X,ZZ,77002,RETURN,2024-01-01,\n",
    )
    report = load_master(tmp_path / "home", tp, ad, skip_bad_rows=True)
    assert (
        report.taxpayers,
        report.skipped_taxpayers,
        report.addresses,
        report.skipped_addresses,
    ) == (2, 1, 3, 1)


def test_missing_column_is_one_clear_line(tmp_path: Path) -> None:
    tp, ad = write(tmp_path, "tin,first_name\n1,A\n", GOOD_AD)
    with pytest.raises(MasterLoadError, match="lacks column"):
        load_master(tmp_path / "home", tp, ad, skip_bad_rows=False)


def test_a_master_file_of_an_older_layout_is_refused_with_one_line(tmp_path: Path) -> None:
    import duckdb

    from disclosure_gateway.domain.errors import StoreError

    tp, ad = write(tmp_path, GOOD_TP, GOOD_AD)
    load_master(tmp_path / "home", tp, ad, skip_bad_rows=False)
    con = duckdb.connect(str(tmp_path / "home" / "master.duckdb"))
    con.execute("DELETE FROM meta WHERE key = 'layout'")
    con.close()
    with pytest.raises(StoreError, match=r"older version .* `dgw master load`"):
        MasterStore.open(tmp_path / "home")


def test_many_threads_share_one_sqlite_store_without_busy_errors(tmp_path: Path) -> None:
    """The server's threads queue on the store's process lock instead of timing out."""
    import contextlib
    from concurrent.futures import ThreadPoolExecutor

    from disclosure_gateway.adapters.storage.state import StateStore
    from disclosure_gateway.domain.errors import BadInput

    with StateStore.open(tmp_path) as store:

        def work(i: int) -> int:
            for _ in range(20):
                for change in (store.hold_on, store.hold_off):
                    # another thread may have turned it on (or off) first
                    with contextlib.suppress(BadInput):
                        change(f"reason {i}", f"officer {i}")
                store.active_hold()
            return i

        with ThreadPoolExecutor(16) as pool:
            assert sorted(pool.map(work, range(16))) == list(range(16))


def test_standardising_on_worker_processes_loads_the_same_master(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    from disclosure_gateway.adapters.storage import master_std

    tp, ad = write(tmp_path, GOOD_TP, GOOD_AD)
    load_master(tmp_path / "one", tp, ad, skip_bad_rows=False, workers=1)
    monkeypatch.setattr(master_std, "PARALLEL_FROM", 0)
    load_master(tmp_path / "two", tp, ad, skip_bad_rows=False, workers=2)
    tables = ("taxpayers", "addresses", "address_keys", "linkage_records", "tf_name_tf_key")
    found = []
    for home in ("one", "two"):
        con = duckdb.connect(str(tmp_path / home / "master.duckdb"), read_only=True)
        # Contents, not storage order: `linkage_records` is written by parallel threads in
        # whatever order they finish (its ids are numbered within each TIN, so they don't move).
        found.append([con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables])
        con.close()
    assert found[0] == found[1]
    assert all(found[0])


def test_an_engine_failure_is_one_line_and_keeps_the_master_loaded_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from disclosure_gateway.adapters.storage import master_store

    tp, ad = write(tmp_path, GOOD_TP, GOOD_AD)
    home = tmp_path / "home"
    load_master(home, tp, ad, skip_bad_rows=False)
    before = (home / "master.duckdb").read_bytes()

    def out_of_memory(con: duckdb.DuckDBPyConnection) -> None:
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate\nmore")

    monkeypatch.setattr(master_store, "build_point_rows", out_of_memory)
    with pytest.raises(StoreError) as failed:
        load_master(home, tp, ad, skip_bad_rows=False)
    assert str(failed.value) == (
        "master load failed, nothing was replaced: Out of Memory Error: could not allocate"
    )
    assert (home / "master.duckdb").read_bytes() == before
    assert not (home / "master.duckdb.loading").exists()
