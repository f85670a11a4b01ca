"""Reading and validating the taxpayer master file (SPEC §2) in the load's DuckDB.

A CSV file is read by DuckDB's own reader straight into a temporary table (DuckDB bounds
its memory and spills, so a 10M-row master never sits whole in Arrow); Parquet goes
through Arrow. Every column is read as text, empty for NULL, and `row_no` numbers the data
rows from 1 in file order. Validation runs as SQL over the whole file at once; a bad row is
reported by its data-row number and reason, never by its content.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from disclosure_gateway.domain.errors import MasterLoadError
from disclosure_gateway.domain.geography import VALID_STATES

TAXPAYER_COLUMNS = (
    "tin",
    "tin_type",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "birth_date",
)
ADDRESS_COLUMNS = (
    "tin",
    "street",
    "unit",
    "city",
    "state",
    "zip",
    "source",
    "effective_date",
    "tax_year",
)
OPTIONAL = {"middle_name", "suffix", "birth_date", "unit", "tax_year"}

_ISO_DATE = (
    "(regexp_full_match({c}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') AND try_cast({c} AS DATE) IS NOT NULL)"
)

TAXPAYER_CHECKS: tuple[tuple[str, str], ...] = (
    ("tin_malformed", "NOT regexp_full_match(tin, '\\d{9}')"),
    ("tin_type_invalid", "tin_type NOT IN ('SSN', 'ITIN')"),
    (
        "tin_type_mismatch",
        "(tin_type = 'ITIN' AND left(tin, 1) <> '9') OR (tin_type = 'SSN' AND left(tin, 1) = '9')",
    ),
    ("name_missing", "trim(first_name) = '' OR trim(last_name) = ''"),
    ("birth_date_invalid", f"birth_date <> '' AND NOT {_ISO_DATE.format(c='birth_date')}"),
    ("tin_duplicate", "count(*) OVER (PARTITION BY tin) > 1"),
)

ADDRESS_CHECKS: tuple[tuple[str, str], ...] = (
    ("tin_unknown", "tin NOT IN (SELECT tin FROM tp_ok)"),
    ("street_missing", "trim(street) = ''"),
    ("city_missing", "trim(city) = ''"),
    ("state_invalid", "upper(trim(state)) NOT IN (SELECT s FROM valid_states)"),
    ("zip_invalid", "NOT regexp_full_match(trim(zip), '\\d{5}(-?\\d{4})?')"),
    ("source_invalid", "source NOT IN ('RETURN', 'FORM_8822', 'NCOA')"),
    ("effective_date_invalid", f"NOT {_ISO_DATE.format(c='effective_date')}"),
    ("tax_year_invalid", "tax_year <> '' AND try_cast(tax_year AS INTEGER) IS NULL"),
)


# Arrow's CSV errors end by quoting the offending line: never carried into a message.
_WITHOUT_LINE = re.compile(r"(Expected \d+ columns, got \d+): .*", re.DOTALL)


@dataclass(frozen=True, slots=True)
class BadRows:
    """Bad rows of one file: reason -> (count, the first row numbers)."""

    file: str
    reasons: tuple[tuple[str, int, tuple[int, ...]], ...]

    @property
    def total_reasons(self) -> int:
        return sum(n for _, n, _ in self.reasons)

    def summary(self) -> str:
        parts = []
        for reason, n, rows in self.reasons:
            shown = ", ".join(str(r) for r in rows)
            more = f" and {n - len(rows)} more" if n > len(rows) else ""
            parts.append(f"{reason}: {n} (row{'s' if n > 1 else ''} {shown}{more})")
        return f"{self.file}: " + "; ".join(parts)


@dataclass(frozen=True, slots=True)
class MasterSource:
    """A master file whose header has been checked: `fields` are its column names (stripped,
    lower case) in file order; `skip` the blank lines before a CSV header."""

    path: Path
    columns: tuple[str, ...]
    fields: tuple[str, ...]
    skip: int

    @property
    def parquet(self) -> bool:
        return self.path.suffix.lower() == ".parquet"


def open_source(path: Path, columns: tuple[str, ...]) -> MasterSource:
    """Check that the file exists and its header has every required SPEC column."""
    if not path.is_file():
        raise MasterLoadError(f"master file {path} does not exist")
    if path.suffix.lower() == ".parquet":
        fields, skip = _parquet_header(path), 0
    else:
        fields, skip = _csv_header(path)
    names = tuple(c.strip().lower() for c in fields)
    missing = [c for c in columns if c not in names and c not in OPTIONAL]
    if missing:
        raise MasterLoadError(f"master file {path.name} lacks column(s): {', '.join(missing)}")
    doubled = sorted({c for c in columns if names.count(c) > 1})
    if doubled:
        raise MasterLoadError(
            f"master file {path.name} cannot be read: column(s) {', '.join(doubled)} appear twice"
        )
    return MasterSource(path, columns, names, skip)


def _parquet_header(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except (OSError, pa.ArrowException) as exc:
        raise MasterLoadError(f"master file {path.name} cannot be read: {exc}") from exc


def _csv_header(path: Path) -> tuple[list[str], int]:
    """The first non-blank line's CSV fields and the number of lines before it."""
    try:
        with path.open("rb") as f:
            for skip, raw in enumerate(f):
                line = raw.decode("utf-8-sig" if skip == 0 else "utf-8")
                if line.strip("\r\n"):
                    return next(csv.reader([line])), skip
    except (OSError, UnicodeError, csv.Error) as exc:
        reason = f"its header is not CSV text ({type(exc).__name__})"
        raise MasterLoadError(f"master file {path.name} cannot be read: {reason}") from exc
    raise MasterLoadError(f"master file {path.name} cannot be read: Empty CSV file")


def read_source(con: duckdb.DuckDBPyConnection, source: MasterSource, name: str) -> int:
    """Create the temporary view `name` over the file (table `{name}_data`): `row_no`, then
    the SPEC columns as text, empty for NULL or absent; its row count.

    DuckDB's strict CSV reader takes a well-formed file; whatever it refuses (mixed line
    endings, say) is read by Arrow's reader as before, which loads or refuses it."""
    if source.parquet:
        _read_arrow(con, source, name)
    else:
        try:
            con.execute(f"CREATE TEMP TABLE {name}_data AS {_csv_select(source)}")
        except duckdb.Error:
            con.execute(f"DROP TABLE IF EXISTS {name}_data")
            _read_arrow(con, source, name)
    # The table keeps the file's order (DuckDB preserves insertion order), so its row ids
    # are the data-row numbers.
    con.execute(f"CREATE TEMP VIEW {name} AS SELECT rowid + 1 AS row_no, * FROM {name}_data")
    return int(con.execute(f"SELECT count(*) FROM {name}_data").fetchall()[0][0])


def _csv_select(source: MasterSource) -> str:
    fields = {c: i for i, c in enumerate(source.fields)}
    declared = ", ".join(f"'f{i}': 'VARCHAR'" for i in range(len(source.fields)))
    picked = ", ".join(
        f"coalesce(f{fields[c]}, '') AS {c}" if c in fields else f"'' AS {c}"
        for c in source.columns
    )
    path = str(source.path).replace("'", "''")
    return (
        f"SELECT {picked} FROM read_csv('{path}', header = true, skip = {source.skip},"
        " auto_detect = false, delim = ',', quote = '\"', escape = '\"',"
        f" encoding = 'utf-8', columns = {{{declared}}})"
    )


def _read_arrow(con: duckdb.DuckDBPyConnection, source: MasterSource, name: str) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    try:
        if source.parquet:
            table = pq.read_table(source.path)
        else:
            table = pacsv.read_csv(
                source.path,
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in source.columns},
                    strings_can_be_null=False,
                ),
            )
    except (OSError, pa.ArrowException) as exc:
        reason = _WITHOUT_LINE.sub(r"\1", str(exc))
        raise MasterLoadError(f"master file {source.path.name} cannot be read: {reason}") from exc
    table = table.rename_columns([c.strip().lower() for c in table.column_names])
    arrays = []
    for c in source.columns:
        if c in table.column_names:
            col = table.column(c).cast(pa.string()).fill_null("")
        else:
            col = pa.chunked_array([pa.array([""] * table.num_rows, pa.string())])
        arrays.append(col)
    con.register(f"{name}_arrow", pa.table(arrays, names=list(source.columns)))
    con.execute(f"CREATE TEMP TABLE {name}_data AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")


def bad_rows(
    con: duckdb.DuckDBPyConnection, table: str, checks: tuple[tuple[str, str], ...], file: str
) -> BadRows:
    """Run every check over `table` and collect the failures. The checks are counted in one
    pass; only a file with failures gets a `{table}_flags` table (for `keep_good`)."""
    selects = ", ".join(f"({expr}) AS {name}" for name, expr in checks)
    counted = ", ".join(f"count_if({name})" for name, _ in checks)
    counts = con.execute(f"SELECT {counted} FROM (SELECT {selects} FROM {table})").fetchall()[0]
    if not any(counts):
        return BadRows(file, ())
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_flags AS SELECT row_no, {selects} FROM {table}"
    )
    reasons = []
    for (name, _), n in zip(checks, counts, strict=True):
        if n:
            first = con.execute(
                f"SELECT row_no FROM {table}_flags WHERE {name} ORDER BY row_no LIMIT 5"
            ).fetchall()
            reasons.append((name, int(n), tuple(int(r[0]) for r in first)))
    return BadRows(file, tuple(reasons))


def keep_good(
    con: duckdb.DuckDBPyConnection,
    table: str,
    good: str,
    checks: tuple[tuple[str, str], ...],
    bad: BadRows,
) -> None:
    """Create `good`: the rows of `table` that pass every check (a view of `table` itself
    when every row does, so a clean file is never copied)."""
    if not bad.reasons:
        con.execute(f"CREATE TEMP VIEW {good} AS SELECT * FROM {table}")
        return
    con.execute(
        f"CREATE TEMP TABLE {good} AS SELECT r.* FROM {table} r"
        f" JOIN {table}_flags f USING (row_no) WHERE NOT ("
        + " OR ".join(f"f.{n}" for n, _ in checks)
        + ")"
    )
    con.execute(f"DROP TABLE {table}_flags")


def drop_source(con: duckdb.DuckDBPyConnection, table: str, good: str, bad: BadRows) -> None:
    """Free what `read_source` and `keep_good` made once the load no longer needs it."""
    con.execute(f"DROP {'TABLE' if bad.reasons else 'VIEW'} {good}")
    con.execute(f"DROP VIEW {table}")
    con.execute(f"DROP TABLE {table}_data")


def register_valid_states(con: duckdb.DuckDBPyConnection) -> None:
    states = pa.table({"s": sorted(VALID_STATES)})
    con.register("valid_states", states)
