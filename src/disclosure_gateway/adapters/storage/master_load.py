"""Reading and validating the taxpayer master file (SPEC §2) into Arrow tables.

Validation runs as SQL in DuckDB over the whole file at once; a bad row is reported by its
data-row number (1 = the first row after the header) and reason, never by its content.
"""

from __future__ import annotations

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


def read_table(path: Path, columns: tuple[str, ...]) -> pa.Table:
    """The file's SPEC columns as strings (empty for NULL), with `row_no` from 1."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if not path.is_file():
        raise MasterLoadError(f"master file {path} does not exist")
    try:
        if path.suffix.lower() == ".parquet":
            table = pq.read_table(path)
        else:
            table = pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in columns}, strings_can_be_null=False
                ),
            )
    except (OSError, pa.ArrowException) as exc:
        raise MasterLoadError(f"master file {path.name} cannot be read: {exc}") from exc
    table = table.rename_columns([c.strip().lower() for c in table.column_names])
    missing = [c for c in columns if c not in table.column_names and c not in OPTIONAL]
    if missing:
        raise MasterLoadError(f"master file {path.name} lacks column(s): {', '.join(missing)}")
    arrays = []
    for c in columns:
        if c in table.column_names:
            col = table.column(c).cast(pa.string()).fill_null("")
        else:
            col = pa.chunked_array([pa.array([""] * table.num_rows, pa.string())])
        arrays.append(col)
    row_no = pa.array(range(1, table.num_rows + 1), pa.int64())
    return pa.table([row_no, *arrays], names=["row_no", *columns])


def bad_rows(
    con: duckdb.DuckDBPyConnection, table: str, checks: tuple[tuple[str, str], ...], file: str
) -> BadRows:
    """Run every check over `table` (a registered relation) and collect the failures."""
    selects = ", ".join(f"({expr}) AS {name}" for name, expr in checks)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_flags AS SELECT row_no, {selects} FROM {table}"
    )
    reasons = []
    for name, _ in checks:
        n = con.execute(f"SELECT count(*) FROM {table}_flags WHERE {name}").fetchall()[0][0]
        if n:
            first = con.execute(
                f"SELECT row_no FROM {table}_flags WHERE {name} ORDER BY row_no LIMIT 5"
            ).fetchall()
            reasons.append((name, int(n), tuple(int(r[0]) for r in first)))
    return BadRows(file, tuple(reasons))


def register_valid_states(con: duckdb.DuckDBPyConnection) -> None:
    states = pa.table({"s": sorted(VALID_STATES)})
    con.register("valid_states", states)
