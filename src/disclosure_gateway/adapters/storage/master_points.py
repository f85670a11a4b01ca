"""One row per taxpayer, for single requests: the taxpayer, their address rows and their
linkage records, each packed as one JSON text (`point_tins`, built at the end of a load).

A DuckDB point lookup costs about half a millisecond for the index probe and the query,
then a fetch per column of each row found (each column from its own compressed segment).
A single request needs a few TINs' taxpayer row (11 columns), address rows (16 columns,
several rows) and linkage records (the model's columns): three queries, ~40 column
fetches. Packed, it is one query of one or two columns per TIN. The packing keeps every
value exactly: strings and integers as JSON strings and numbers, dates as ISO dates read
back into `date`s, NULL as null; `unpack_*` return the tuples the unpacked tables' queries
return (tests/integration/test_master_points.py compares them row for row).

Batch runs hash-join the unpacked tables and never read this one. The master file is
replaced, never edited, so the packed rows never go stale.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb

from disclosure_gateway.adapters.linkage.features import LINKAGE_SCHEMA, LINKAGE_TABLE
from disclosure_gateway.adapters.storage.master_load import ADDRESS_COLUMNS, TAXPAYER_COLUMNS
from disclosure_gateway.adapters.storage.master_std import ADDRESS_STD_FIELDS, NAME_STD_FIELDS

__all__ = [
    "ADDRESS_FIELDS",
    "POINT_TABLE",
    "TAXPAYER_FIELDS",
    "build_point_rows",
    "unpack_addresses",
    "unpack_linkage",
    "unpack_taxpayer",
]

POINT_TABLE = "point_tins"
# The columns of each packed part, in the order the unpacked queries select them.
TAXPAYER_FIELDS = (*TAXPAYER_COLUMNS, *NAME_STD_FIELDS[1:])
ADDRESS_FIELDS = ("tin", "seq", *ADDRESS_COLUMNS[1:], *ADDRESS_STD_FIELDS[1:])
LINKAGE_FIELDS = tuple(LINKAGE_SCHEMA.names)
_DATES = frozenset({"birth_date", "effective_date"})


def _pack(fields: Sequence[str], alias: str) -> str:
    """A struct of `fields` (in order) of the table aliased `alias`, for `to_json`."""
    return "struct_pack(" + ", ".join(f"{f} := {alias}.{f}" for f in fields) + ")"


# Built a slice of TINs at a time: a list aggregate holds its groups in memory, and all
# 27M address rows of a 10M master at once outgrow the load's memory limit. The tables are
# sorted by TIN, so each slice reads only its own row groups.
_BUILD = """
INSERT INTO {points}
WITH a AS (
    SELECT a.tin, to_json(list({pack_a} ORDER BY a.seq))::VARCHAR AS rows
    FROM addresses a WHERE a.tin >= $low {below_a} GROUP BY a.tin
), l AS (
    SELECT l.tin,
           to_json(list({pack_l} ORDER BY l.unique_id))::VARCHAR AS rows
    FROM {linkage} l WHERE l.tin >= $low {below_l} GROUP BY l.tin
)
SELECT t.tin, to_json({pack_t})::VARCHAR AS taxpayer,
       coalesce(a.rows, '[]') AS addresses, coalesce(l.rows, '[]') AS linkage
FROM taxpayers t LEFT JOIN a ON a.tin = t.tin LEFT JOIN l ON l.tin = t.tin
WHERE t.tin >= $low {below_t}
ORDER BY t.tin
"""
# About this many taxpayers a slice (their address rows' lists: well under a gigabyte).
SLICE_TAXPAYERS = 1_000_000


def build_point_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Create `point_tins` from the loaded taxpayers, addresses and linkage records, slice
    by slice of TINs in order. (A TIN with address rows but no taxpayer row is no
    candidate: it is not packed.)"""
    con.execute(
        f"CREATE TABLE {POINT_TABLE} (tin VARCHAR, taxpayer VARCHAR, addresses VARCHAR, "
        "linkage VARCHAR)"
    )
    for low, high in _slices(con):
        below = {f"below_{t}": "" if high is None else f"AND {t}.tin < $high" for t in "alt"}
        sql = _BUILD.format(
            points=POINT_TABLE,
            linkage=LINKAGE_TABLE,
            pack_a=_pack(ADDRESS_FIELDS, "a"),
            pack_l=_pack(LINKAGE_FIELDS, "l"),
            pack_t=_pack(TAXPAYER_FIELDS, "t"),
            **below,
        )
        con.execute(sql, {"low": low} if high is None else {"low": low, "high": high})


def _slices(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None]]:
    """[low, high) TIN bounds covering every taxpayer (the last slice has no high bound),
    about SLICE_TAXPAYERS each: every SLICE_TAXPAYERS-th stored TIN (the table is sorted
    by TIN; were it not, the cuts would be a sample, the slices merely uneven)."""
    count = int(con.execute("SELECT count(*) FROM taxpayers").fetchall()[0][0])
    cuts = (
        con.execute(
            "SELECT DISTINCT tin FROM taxpayers WHERE rowid > 0 AND rowid % $step = 0 ORDER BY tin",
            {"step": SLICE_TAXPAYERS},
        ).fetchall()
        if count > SLICE_TAXPAYERS
        else []
    )
    lows = ["", *(str(c[0]) for c in cuts)]
    return list(zip(lows, [*lows[1:], None], strict=True))


def _value(field: str, value: Any) -> Any:
    if value is not None and field in _DATES:
        return date.fromisoformat(value)
    return value


def _row(fields: Sequence[str], packed: dict[str, Any]) -> tuple[object, ...]:
    return tuple(_value(f, packed[f]) for f in fields)


def unpack_taxpayer(text: str) -> tuple[object, ...]:
    """The taxpayer row, as `SELECT <TAXPAYER_FIELDS> FROM taxpayers` returns it."""
    return _row(TAXPAYER_FIELDS, json.loads(text))


def unpack_addresses(text: str) -> list[tuple[object, ...]]:
    """The TIN's address rows by `seq`, as `SELECT <ADDRESS_FIELDS> FROM addresses`."""
    return [_row(ADDRESS_FIELDS, r) for r in json.loads(text)]


def unpack_linkage(text: str, read: Sequence[str]) -> list[tuple[object, ...]]:
    """The TIN's linkage records (every column in `LINKAGE_FIELDS`' order; those not in
    `read` as None, as the scorer's `NULL AS column` selects them)."""
    wanted = set(read)
    return [
        tuple(_value(f, r[f]) if f in wanted else None for f in LINKAGE_FIELDS)
        for r in json.loads(text)
    ]
