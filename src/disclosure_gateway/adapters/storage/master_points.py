"""Each taxpayer row, address row and linkage record packed as one JSON array, for
single requests (`point_taxpayers`, `point_addresses`, `point_linkage`, built at load).

A DuckDB point lookup costs about half a millisecond for the index probe and the query,
then a fetch per column of each row found (each column from its own compressed segment).
A single request needs a few TINs' taxpayer row (11 columns), address rows (16 columns)
and linkage records (the model's columns): ~40 column fetches. Packed, it is one column a
row. Each packed table is its source table's rows in its stored order (the taxpayers by
TIN, the address rows about in the file's order, the linkage records grouped by TIN), with
the TIN beside the packed text and an index on it (`master_index.py`); the three source
tables need no index of their own. The packing keeps every value exactly: strings,
integers and lists as JSON, dates as ISO dates read back into `date`s, NULL as null;
`unpack_*` return the tuples the source tables' own queries return
(tests/integration/test_master_points.py compares them row for row).

Not a table of one row per taxpayer: aggregating the rows of each TIN into one list cost
DuckDB 35 s at 1M taxpayers (and ran out of memory at 10M); a JSON array per row costs
about 3 s at 1M. Batch runs hash-join the source tables and never read these. The master
file is replaced, never edited, so the packed rows never go stale.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import duckdb

from disclosure_gateway.adapters.linkage.features import LINKAGE_SCHEMA, LINKAGE_TABLE
from disclosure_gateway.adapters.storage.master_load import ADDRESS_COLUMNS, TAXPAYER_COLUMNS
from disclosure_gateway.adapters.storage.master_std import ADDRESS_STD_FIELDS, NAME_STD_FIELDS

__all__ = [
    "ADDRESS_FIELDS",
    "LINKAGE_FIELDS",
    "POINT_ADDRESSES",
    "POINT_LINKAGE",
    "POINT_TABLES",
    "POINT_TAXPAYERS",
    "TAXPAYER_FIELDS",
    "build_point_rows",
    "unpack_addresses",
    "unpack_linkage",
    "unpack_taxpayer",
]

# The columns of each packed row, in the order the source tables' queries select them.
TAXPAYER_FIELDS = (*TAXPAYER_COLUMNS, *NAME_STD_FIELDS[1:])
ADDRESS_FIELDS = ("tin", "seq", *ADDRESS_COLUMNS[1:], *ADDRESS_STD_FIELDS[1:])
LINKAGE_FIELDS = tuple(LINKAGE_SCHEMA.names)
POINT_TAXPAYERS, POINT_ADDRESSES, POINT_LINKAGE = (
    "point_taxpayers",
    "point_addresses",
    "point_linkage",
)
# (packed table, source table, the source's columns packed)
POINT_TABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (POINT_TAXPAYERS, "taxpayers", TAXPAYER_FIELDS),
    (POINT_ADDRESSES, "addresses", ADDRESS_FIELDS),
    (POINT_LINKAGE, LINKAGE_TABLE, LINKAGE_FIELDS),
)
_DATES = frozenset({"birth_date", "effective_date"})
_SEQ = ADDRESS_FIELDS.index("seq")


def build_point_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Create the packed tables from the loaded taxpayers, addresses and linkage records
    (each in its source's stored order)."""
    for point, source, fields in POINT_TABLES:
        packed = f"json_array({', '.join(fields)})::VARCHAR"
        con.execute(f"CREATE TABLE {point} AS SELECT tin, {packed} AS packed FROM {source}")


def _dated(fields: Sequence[str]) -> tuple[int, ...]:
    return tuple(i for i, f in enumerate(fields) if f in _DATES)


_TAXPAYER_DATES, _ADDRESS_DATES = _dated(TAXPAYER_FIELDS), _dated(ADDRESS_FIELDS)
_LINKAGE_DATES = _dated(LINKAGE_FIELDS)


def _row(text: str, dates: Sequence[int]) -> tuple[object, ...]:
    values: list[Any] = json.loads(text)
    for i in dates:
        if values[i] is not None:
            values[i] = date.fromisoformat(values[i])
    return tuple(values)


def unpack_taxpayer(text: str) -> tuple[object, ...]:
    """The taxpayer row, as `SELECT <TAXPAYER_FIELDS> FROM taxpayers` returns it."""
    return _row(text, _TAXPAYER_DATES)


def unpack_addresses(texts: Iterable[str]) -> list[tuple[object, ...]]:
    """A TIN's address rows by `seq`, as `SELECT <ADDRESS_FIELDS> FROM addresses`."""
    return sorted((_row(t, _ADDRESS_DATES) for t in texts), key=lambda r: r[_SEQ])  # type: ignore[arg-type,return-value]


def unpack_linkage(text: str, read: Sequence[str]) -> tuple[object, ...]:
    """A linkage record, every column in `LINKAGE_FIELDS`' order; those not in `read` as
    None, as the scorer's `NULL AS column` selects them."""
    wanted = set(read)
    values = _row(text, _LINKAGE_DATES)
    return tuple(v if f in wanted else None for f, v in zip(LINKAGE_FIELDS, values, strict=True))
