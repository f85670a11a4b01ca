"""The taxpayer master file in an embedded DuckDB database (`HOME/master.duckdb`).

`load_master` validates, standardises and writes a new database beside the old one, then
renames it into place, so a failed load never leaves a half-loaded master file.
`MasterStore.candidates` is the retrieval step of matching: for a chunk of checked requests
it finds the taxpayers whose name key and an address key agree with a request's, plus the
owner of a supplied TIN, and returns them whole (every address row) for the domain to judge.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from disclosure_gateway.adapters.linkage.features import build_master_records
from disclosure_gateway.adapters.linkage.splink_model import store_tf_table
from disclosure_gateway.adapters.storage.master_addresses import standardise_addresses
from disclosure_gateway.adapters.storage.master_index import build_point_indexes
from disclosure_gateway.adapters.storage.master_load import (
    ADDRESS_CHECKS,
    ADDRESS_COLUMNS,
    TAXPAYER_CHECKS,
    TAXPAYER_COLUMNS,
    BadRows,
    MasterSource,
    bad_rows,
    drop_source,
    keep_good,
    open_source,
    read_source,
    register_valid_states,
)
from disclosure_gateway.adapters.storage.master_points import build_point_rows
from disclosure_gateway.adapters.storage.master_std import SLICE, name_table
from disclosure_gateway.domain.address_match import street_corroborates
from disclosure_gateway.domain.addresses import ADDRESS_TABLES_DIGEST, StdAddress
from disclosure_gateway.domain.decision import Candidate, CandidateAddress
from disclosure_gateway.domain.errors import MasterLoadError, StoreError
from disclosure_gateway.domain.model import AddressRow, AddressSource, Taxpayer, TinType
from disclosure_gateway.domain.names import StdName

DB_NAME = "master.duckdb"
# The database's layout: bump when a load writes other tables (or orders) than before, so a
# master file loaded by an older version is refused with a clear line, not a failed query.
# 2: tables sorted by lookup key, `address_keys`, stored term frequencies.
# 3: `address_keys` holds the standardised street and unit of each (ZIP, house, TIN);
#    packed rows for single requests (`master_points.py`).
# 4: packed rows in three tables, one row per source row; linkage record ids "m<TIN>.<n>".
MASTER_LAYOUT = "4"
# DuckDB takes 80% of the machine's memory by default; a load and every reader are bounded
# below that (beyond it they spill to disk), so the whole run stays within its budget.
LOAD_MEMORY = "8GB"
READ_MEMORY = "2GB"
# Enum members by value: a dict lookup, not an Enum call, per row of a candidate's history.
_SOURCES = {s.value: s for s in AddressSource}
_TIN_TYPES = {t.value: t for t in TinType}


@dataclass(frozen=True, slots=True)
class LoadReport:
    taxpayers: int
    addresses: int
    skipped_taxpayers: int
    skipped_addresses: int
    unparsed_addresses: int
    digest: str
    bad: tuple[BadRows, ...]


@dataclass(frozen=True, slots=True)
class RequestKeys:
    """What retrieval needs of one checked request. With the supplied `address`, only the
    taxpayers with an address row that corroborates it are found at the address (see
    `MasterStore.candidates`); without it, everyone with the house number and ZIP."""

    row_no: int
    house_number: str
    zip5: str
    tin: str | None
    address: StdAddress | None = None

    @classmethod
    def of(cls, row_no: int, address: StdAddress, tin: str | None) -> RequestKeys:
        return cls(row_no, address.house_number, address.zip5, tin, address)


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        with p.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def load_master(
    home: Path, taxpayers: Path, addresses: Path, skip_bad_rows: bool, workers: int | None = None
) -> LoadReport:
    """Validate and load (or replace) the master file; MasterLoadError if refused."""
    tp = open_source(taxpayers, TAXPAYER_COLUMNS)
    ad = open_source(addresses, ADDRESS_COLUMNS)
    home.mkdir(parents=True, exist_ok=True)
    target = home / DB_NAME
    tmp = home / f"{DB_NAME}.loading"
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET memory_limit = '{LOAD_MEMORY}'")
    except duckdb.Error as exc:
        raise StoreError(f"cannot create the master database in {home}: {exc}") from exc
    try:
        report = _load_into(con, tp, ad, skip_bad_rows, workers)
        con.execute("CHECKPOINT")
    except BaseException as exc:
        con.close()
        tmp.unlink(missing_ok=True)
        if isinstance(exc, duckdb.Error):  # out of memory or disk, say: one line, no data
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"master load failed, nothing was replaced: {first}") from exc
        raise
    con.close()
    os.replace(tmp, target)
    return report


def _load_into(
    con: duckdb.DuckDBPyConnection,
    tp: MasterSource,
    ad: MasterSource,
    skip_bad_rows: bool,
    workers: int | None,
) -> LoadReport:
    n_tp_rows = read_source(con, tp, "tp_raw")
    n_ad_rows = read_source(con, ad, "ad_raw")
    register_valid_states(con)
    tp_bad = bad_rows(con, "tp_raw", TAXPAYER_CHECKS, tp.path.name)
    keep_good(con, "tp_raw", "tp_ok", TAXPAYER_CHECKS, tp_bad)
    ad_bad = bad_rows(con, "ad_raw", ADDRESS_CHECKS, ad.path.name)
    bad = tuple(b for b in (tp_bad, ad_bad) if b.reasons)
    if bad and not skip_bad_rows:
        raise MasterLoadError(
            "master load refused, bad rows: "
            + " | ".join(b.summary() for b in bad)
            + " (fix them, or pass --skip-bad-rows to load the rest)"
        )
    keep_good(con, "ad_raw", "ad_ok", ADDRESS_CHECKS, ad_bad)
    n_tp = _write_taxpayers(con, workers)
    drop_source(con, "tp_raw", "tp_ok", tp_bad)
    n_ad, unparsed = _write_addresses(con, workers)
    drop_source(con, "ad_raw", "ad_ok", ad_bad)
    build_master_records(con)
    store_tf_table(con)
    build_point_rows(con)  # single requests' lookups; batch runs hash-join instead
    build_point_indexes(con)
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    digest = _digest(tp.path, ad.path)
    loaded_at = datetime.now(UTC).isoformat(timespec="seconds")
    con.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [
            ("digest", digest),
            ("loaded_at", loaded_at),
            ("address_tables", ADDRESS_TABLES_DIGEST),
            ("layout", MASTER_LAYOUT),
        ],
    )
    return LoadReport(
        taxpayers=n_tp,
        addresses=n_ad,
        skipped_taxpayers=n_tp_rows - n_tp,
        skipped_addresses=n_ad_rows - n_ad,
        unparsed_addresses=unparsed,
        digest=digest,
        bad=bad,
    )


def _register_std(
    con: duckdb.DuckDBPyConnection,
    name: str,
    source: str,
    columns: str,
    standardise: Callable[[pa.RecordBatchReader, int, int | None], pa.Table],
    workers: int | None,
) -> None:
    """Register the distinct `columns` of `source` with their standardised columns as
    `name`. The source's row count (not the distinct count: that would run the DISTINCT
    twice) bounds the work, to choose between this process and the workers."""
    rows = int(con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0])
    reader = con.sql(f"SELECT DISTINCT {columns} FROM {source}").to_arrow_reader(SLICE)
    con.register(name, standardise(reader, rows, workers))


def _write_taxpayers(con: duckdb.DuckDBPyConnection, workers: int | None) -> int:
    keys = "first_name, middle_name, last_name, suffix"
    _register_std(con, "tp_std", "tp_ok", keys, name_table, workers)
    con.execute(
        """CREATE TABLE taxpayers AS
           SELECT t.tin, t.tin_type, t.first_name, t.middle_name, t.last_name, t.suffix,
                  try_cast(nullif(t.birth_date, '') AS DATE) AS birth_date,
                  s.name_key, s.given_std, s.middle_std, s.surnames_std, s.suffix_std
           FROM tp_ok t JOIN tp_std s USING (first_name, middle_name, last_name, suffix)
           ORDER BY t.tin"""
    )
    con.unregister("tp_std")
    return int(con.execute("SELECT count(*) FROM taxpayers").fetchall()[0][0])


def _write_addresses(con: duckdb.DuckDBPyConnection, workers: int | None) -> tuple[int, int]:
    standardise_addresses(con, "ad_ok", "ad_std", workers)
    # The address rows stay about in the file's order (the join keeps its larger side's
    # order, up to its threads' batches), not sorted by TIN: no reader needs an order. Batch
    # runs hash-join them; a single request finds a TIN's rows by `point_addresses`' index
    # and sorts them by `seq`. Sorting 27M rows by TIN cost 32 s of a 10M-taxpayer load.
    # A file that lists each taxpayer's rows together keeps them together here and in the
    # packed rows; docs/scaling.md measures single requests on a file that does not.
    con.execute(
        """CREATE TABLE addresses AS
           SELECT a.row_no AS seq, a.tin, a.street, a.unit, a.city, a.state, a.zip, a.source,
                  CAST(a.effective_date AS DATE) AS effective_date,
                  try_cast(nullif(a.tax_year, '') AS INTEGER) AS tax_year,
                  s.addr_key, s.house_std, s.street_std, s.unit_std, s.city_std, s.state_std, s.zip5
           FROM ad_ok a JOIN ad_std s USING (street, unit, city, state, zip)"""
    )
    con.execute("DROP TABLE ad_std")
    # Who was ever at each (ZIP, house number), with the standardised street and unit that
    # corroboration reads: retrieval joins this narrow table, not the whole address rows.
    # Sorted by its lookup key: a lookup reads the few row groups its key falls in.
    con.execute(
        """CREATE TABLE address_keys AS
           SELECT DISTINCT zip5, house_std, tin, street_std, unit_std FROM addresses
           WHERE house_std IS NOT NULL ORDER BY zip5, house_std, tin, street_std, unit_std"""
    )
    n = int(con.execute("SELECT count(*) FROM addresses").fetchall()[0][0])
    unparsed = int(
        con.execute("SELECT count(*) FROM addresses WHERE addr_key IS NULL").fetchall()[0][0]
    )
    return n, unparsed


class MasterStore:
    """Read access to the loaded master file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, home: Path) -> None:
        self._con = con
        self.home = home

    @classmethod
    def open(cls, home: Path) -> MasterStore:
        path = home / DB_NAME
        if not path.is_file():
            raise StoreError(f"no master file loaded in {home} (run `dgw master load` first)")
        try:
            con = duckdb.connect(str(path), read_only=True)
            con.execute("SET enable_progress_bar = false")
            con.execute(f"SET memory_limit = '{READ_MEMORY}'")
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the master file in {home}: {exc}") from exc
        store = cls(con, home)
        try:
            layout = store.meta("layout")
        except duckdb.Error:
            layout = ""
        if layout != MASTER_LAYOUT:
            store.close()
            raise StoreError(
                f"the master file in {home} was loaded by an older version (layout "
                f"{layout or '1'}, this version needs {MASTER_LAYOUT}); load it again with "
                "`dgw master load`"
            )
        return store

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> MasterStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def meta(self, key: str) -> str:
        """A fact recorded at load time: `digest`, `loaded_at`, `address_tables`; "" if absent."""
        rows = self._con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return str(rows[0][0]) if rows else ""

    def counts(self) -> tuple[int, int]:
        tp = self._con.execute("SELECT count(*) FROM taxpayers").fetchall()[0][0]
        ad = self._con.execute("SELECT count(*) FROM addresses").fetchall()[0][0]
        return int(tp), int(ad)

    def candidates(self, keys: Sequence[RequestKeys]) -> dict[int, list[Candidate]]:
        """For each request, the taxpayers that could be the person named (maybe none).

        Every taxpayer who ever had an address row that corroborates the supplied address
        (house number and ZIP exact, street and unit as `compare_addresses` allows),
        whatever the name, plus the owner of a supplied TIN. Only such a taxpayer can be
        disclosed or make the request ambiguous, so nobody who matters is left out; the
        neighbours who merely share the house number and ZIP are not loaded (nor named in
        the decision's evidence). Keys without an address find everyone with the house
        number and ZIP.
        """
        if not keys:
            return {}
        self._con.register(
            "req_keys",
            pa.table(
                {
                    "row_no": pa.array([k.row_no for k in keys], pa.int64()),
                    "house": pa.array([k.house_number for k in keys], pa.string()),
                    "zip5": pa.array([k.zip5 for k in keys], pa.string()),
                    "tin": pa.array([k.tin for k in keys], pa.string()),
                    "unit": pa.array([_unit_of(k) for k in keys], pa.string()),
                }
            ),
        )
        # Each (row, taxpayer, street, unit) once, and none whose unit rules it out: what
        # `corroborated` would test and refuse (a unit NULL on file reads as none).
        at_address = self._con.execute(
            """SELECT DISTINCT r.row_no, a.tin, a.street_std, a.unit_std
               FROM req_keys r JOIN address_keys a ON a.house_std = r.house AND a.zip5 = r.zip5
               WHERE r.unit IS NULL OR r.unit = '' OR coalesce(a.unit_std, '') = ''
                     OR a.unit_std = r.unit"""
        ).fetchall()
        by_tin = self._con.execute(
            "SELECT r.row_no, t.tin FROM req_keys r JOIN taxpayers t ON t.tin = r.tin"
        ).fetchall()
        self._con.unregister("req_keys")
        pairs = corroborated(keys, at_address) | {(int(r), str(t)) for r, t in by_tin}
        found = self._load_candidates(sorted({tin for _, tin in pairs}))
        result: dict[int, list[Candidate]] = defaultdict(list)
        for row_no, tin in sorted(pairs):
            if tin in found:  # an address row always has its taxpayer; fail safe if not
                result[row_no].append(found[tin])
        return dict(result)

    def _load_candidates(self, tins: list[str]) -> dict[str, Candidate]:
        if not tins:
            return {}
        self._con.register("want", pa.table({"tin": pa.array(tins, pa.string())}))
        tps = self._con.execute(
            """SELECT t.tin, t.tin_type, t.first_name, t.middle_name, t.last_name, t.suffix,
                      t.birth_date, t.given_std, t.middle_std, t.surnames_std, t.suffix_std
               FROM taxpayers t JOIN want USING (tin)"""
        ).fetchall()
        ads = self._con.execute(
            """SELECT a.tin, a.seq, a.street, a.unit, a.city, a.state, a.zip, a.source,
                      a.effective_date, a.tax_year, a.house_std, a.street_std, a.unit_std,
                      a.city_std, a.state_std, a.zip5
               FROM addresses a JOIN want USING (tin) ORDER BY a.tin, a.seq"""
        ).fetchall()
        self._con.unregister("want")
        by_tin: dict[str, list[CandidateAddress]] = defaultdict(list)
        for row in ads:
            by_tin[row[0]].append(_candidate_address(row))
        return {t[0]: _candidate(t, tuple(by_tin.get(t[0], ()))) for t in tps}


def corroborated(
    keys: Sequence[RequestKeys], at_address: Sequence[tuple[object, ...]]
) -> set[tuple[int, str]]:
    """(row number, TIN) of the `at_address` rows (row number, TIN, street, unit of an
    address row with the request's house number and ZIP) that corroborate the request's
    supplied address; every row for a key without one."""
    supplied = {k.row_no: k.address for k in keys}
    found: set[tuple[int, str]] = set()
    for row_no, tin, street, unit in at_address:
        pair = (int(row_no), str(tin))  # type: ignore[call-overload]
        if pair in found:
            continue
        address = supplied[pair[0]]
        if address is None or street_corroborates(address, str(street), str(unit or "")):
            found.add(pair)
    return found


def _unit_of(key: RequestKeys) -> str | None:
    """The supplied unit (None without a supplied address: every unit may be the one)."""
    return None if key.address is None else key.address.unit


def corroborates_key(key: RequestKeys, addresses: Iterable[CandidateAddress]) -> bool:
    """Whether a taxpayer with these address rows is found at `key`'s address (as by
    `corroborated`): a row with the house number and ZIP whose street and unit corroborate
    the supplied address (any such row, for a key without one)."""
    for a in addresses:
        std = a.std
        if std is None or std.house_number != key.house_number or std.zip5 != key.zip5:
            continue
        if key.address is None or street_corroborates(key.address, std.street, std.unit):
            return True
    return False


def _candidate(row: tuple[object, ...], addresses: tuple[CandidateAddress, ...]) -> Candidate:
    tin, tin_type, first, middle, last, suffix, birth, given, mid, surnames, suffix_std = row
    taxpayer = Taxpayer(
        tin=str(tin),
        tin_type=_TIN_TYPES[str(tin_type)],
        first_name=str(first),
        middle_name=str(middle),
        last_name=str(last),
        suffix=str(suffix),
        birth_date=birth,  # type: ignore[arg-type]
    )
    name = StdName(
        given=_tokens(given),
        middle=_tokens(mid),
        surnames=_tokens(surnames),
        suffix=str(suffix_std),
    )
    return Candidate(taxpayer, name, addresses)


def _tokens(text: object) -> tuple[str, ...]:
    return tuple(str(text).split()) if text else ()


def _candidate_address(row: tuple[object, ...]) -> CandidateAddress:
    (
        tin,
        seq,
        street,
        unit,
        city,
        state,
        zip_code,
        source,
        eff,
        tax_year,
        house,
        street_std,
        unit_std,
        city_std,
        state_std,
        zip5,
    ) = row
    address = AddressRow(
        tin=str(tin),
        street=str(street),
        unit=str(unit),
        city=str(city),
        state=str(state),
        zip=str(zip_code),
        source=_SOURCES[str(source)],
        effective_date=eff,  # type: ignore[arg-type]
        tax_year=tax_year,  # type: ignore[arg-type]
        seq=int(seq),  # type: ignore[call-overload]
    )
    std = None
    if house is not None:
        std = StdAddress(
            house_number=str(house),
            street=str(street_std),
            unit=str(unit_std),
            city=str(city_std),
            state=str(state_std),
            zip5=str(zip5),
        )
    return CandidateAddress(address, std)
