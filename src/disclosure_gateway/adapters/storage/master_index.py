"""Point indexes on the master file's lookup keys, for single requests.

An equality filter on a table sorted by its key reads only the row groups whose zone maps
hold the value; but a row group is still read and decompressed whole (122,880 rows), a
few milliseconds each, several per request, and only the taxpayers are sorted by TIN (the
address rows stay about in the file's order, the linkage records as their build leaves
them). An ART index on the key finds the rows themselves. `build_point_indexes` adds one
per key `MasterLookup` and the single-request scorers look up; it is called once, at the
end of the load (the master file is replaced, never edited, so the indexes never need
maintenance). A master file without them answers the same queries, by zone maps or whole
scans (slower); `has_point_indexes` tells which. Batch runs hash-join whole tables and
ignore the indexes.
"""

from __future__ import annotations

import duckdb

__all__ = ["POINT_INDEXES", "build_point_indexes", "has_point_indexes"]

# (index name, table, key columns): the keys single requests look rows up by.
# `address_keys` (ZIP, house) has none: DuckDB does not plan an index scan for an equality
# on two columns, and the table is sorted by that key (its zone maps find the row group).
# The taxpayers, address rows and linkage records are looked up by TIN in their packed
# rows (`master_points.py`), so their own tables need no index.
POINT_INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("dgw_point_taxpayers_tin", "point_taxpayers", ("tin",)),
    ("dgw_point_addresses_tin", "point_addresses", ("tin",)),
    ("dgw_point_linkage_tin", "point_linkage", ("tin",)),
    ("dgw_tf_name_tf_key", "tf_name_tf_key", ("name_tf_key",)),
)


def build_point_indexes(con: duckdb.DuckDBPyConnection) -> None:
    """Create every point index on the master file open (writable) on `con`; an index
    already there is kept. The caller checkpoints (the load does, before its rename)."""
    for name, table, columns in POINT_INDEXES:
        con.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({', '.join(columns)})")


def has_point_indexes(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> bool:
    """Whether the master file on `con` (attached as `catalog`, or the default) has every
    point index."""
    query = "SELECT index_name FROM duckdb_indexes()"
    params: list[str] = []
    if catalog is not None:
        query += " WHERE database_name = ?"
        params.append(catalog)
    found = {str(r[0]) for r in con.execute(query, params).fetchall()}
    return all(name in found for name, _, _ in POINT_INDEXES)
