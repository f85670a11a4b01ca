"""Retrieval for a single request: point queries on the master file.

`MasterStore.candidates` is built for chunks of thousands of requests: it registers the
chunk and hash-joins it with whole tables. For one request that reads every row group of
`address_keys` and `taxpayers`. `MasterLookup` answers `candidates` with two point
queries instead, and returns the same `Candidate` objects in the same order as
`MasterStore.candidates` (tests/integration/test_verify_fast.py compares them); everything
else it inherits:

1. who was ever at the request's house number and ZIP, with the standardised street and
   unit there (`address_keys`, sorted by that key: its zone maps find the row group);
2. the taxpayer row and address rows of each corroborated TIN and of a supplied TIN, from
   their packed rows (`point_taxpayers`, `point_addresses`, `master_points.py`: one column
   fetched a row instead of every column).

DuckDB answers an equality from its ART index (the load builds one on the packed tables'
TIN and on the TF key, `master_index.py`) only when the value is a constant in the SQL text: a
bound parameter `?` is unknown to the planner, which then scans the row group instead (at
10M, about 7 ms instead of 1 ms a lookup). So keys made only of letters, digits, spaces
and `._-` (TINs, TF keys) are written into the query as quoted constants (`point_query`);
a key with any other character — it cannot end the quoted text, but nothing else is
allowed in — is bound as a parameter, as before.

A `MasterLookup`, like its parent, holds one DuckDB connection: one thread at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from disclosure_gateway.adapters.storage.master_points import (
    POINT_ADDRESSES,
    POINT_TAXPAYERS,
    unpack_addresses,
    unpack_taxpayer,
)
from disclosure_gateway.adapters.storage.master_store import (
    MasterStore,
    RequestKeys,
    _candidate,
    _candidate_address,
)
from disclosure_gateway.domain.address_match import street_corroborates
from disclosure_gateway.domain.decision import Candidate
from disclosure_gateway.domain.errors import StoreError

__all__ = ["POINT_KEYS", "MasterLookup", "by_keys", "point_query"]

_AT_ADDRESS = "SELECT tin, street_std, unit_std FROM address_keys WHERE zip5 = ? AND house_std = ?"
_TAXPAYER_POINTS = f"SELECT tin, 0 AS part, packed FROM {POINT_TAXPAYERS}"
_ADDRESS_POINTS = f"SELECT tin, 1 AS part, packed FROM {POINT_ADDRESSES}"
# Up to this many keys, one equality per key; beyond, an IN list (a scan, as a chunk's).
POINT_KEYS = 32
# What a key may hold to be written into a query as a constant: no quote, no backslash,
# no control character — nothing that could end the quoted text or change its meaning.
_CONSTANT = re.compile(r"[0-9A-Za-z _.-]{1,64}")


def by_keys(select: str, key: str, count: int, order_by: str = "") -> str:
    """`select` (with no WHERE) restricted to `count` values of `key`, given as parameters.

    DuckDB checks an equality on a sorted key against its zone maps, so each `key = ?`
    reads the row group its value falls in; an `IN (...)` list is not checked against them
    and reads the whole table. A few keys: one equality each, joined by UNION ALL."""
    if count <= POINT_KEYS:
        query = " UNION ALL ".join([f"({select} WHERE {key} = ?)"] * count)
    else:
        query = f"{select} WHERE {key} IN ({', '.join('?' * count)})"
    return f"{query} ORDER BY {order_by}" if order_by else query


def point_query(
    select: str, key: str, values: Sequence[str], order_by: str = ""
) -> tuple[str, list[str]]:
    """`by_keys`'s query and its parameters, with each key written in as a quoted constant
    when every key is plain text (`_CONSTANT`) and there are at most POINT_KEYS of them, so
    DuckDB can answer each from the key's ART index; else `by_keys` with parameters."""
    if len(values) > POINT_KEYS or not all(_CONSTANT.fullmatch(v) for v in values):
        return by_keys(select, key, len(values), order_by), list(values)
    query = " UNION ALL ".join(f"({select} WHERE {key} = '{v}')" for v in values)
    return (f"{query} ORDER BY {order_by}" if order_by else query), []


class MasterLookup(MasterStore):
    """The master file, with retrieval by point queries (one request, or a few)."""

    @classmethod
    def open(cls, home: Path) -> MasterLookup:
        store = super().open(home)
        if not isinstance(store, MasterLookup):  # MasterStore.open builds `cls`
            store.close()
            raise StoreError("the master file could not be opened for point queries")
        # A point query reads a row group or two: one thread, no hand-offs between cores.
        store._con.execute("SET threads = 1")
        return store

    def candidates(self, keys: Sequence[RequestKeys]) -> dict[int, list[Candidate]]:
        """As `MasterStore.candidates`: every taxpayer who ever had an address row that
        corroborates the supplied address (with the house number and ZIP, for a key without
        one), plus the owner of a supplied TIN; by TIN.

        Everyone at the house number and ZIP comes from one lookup of `address_keys`
        (their standardised street and unit there, what corroboration reads); the whole
        address and taxpayer rows only of those corroborated and of the supplied TIN's owner.
        """
        wanted: dict[int, set[str]] = {}
        for key in keys:
            rows = self._con.execute(_AT_ADDRESS, [key.zip5, key.house_number]).fetchall()
            tins = _corroborated(key, rows)
            wanted[key.row_no] = tins if key.tin is None else tins | {key.tin}
        found = self._candidates(set().union(set(), *wanted.values()))
        result: dict[int, list[Candidate]] = {}
        for row_no in sorted(wanted):
            # A TIN with no taxpayer row is no candidate (the batch query joins taxpayers).
            cands = [found[tin] for tin in sorted(wanted[row_no]) if tin in found]
            if cands:
                result[row_no] = cands
        return result

    def _candidates(self, tins: set[str]) -> dict[str, Candidate]:
        """The taxpayers of `tins` with their address rows, from their packed rows."""
        if not tins:
            return {}
        want = sorted(tins)
        taxpayers, tp_params = point_query(_TAXPAYER_POINTS, "tin", want)
        addresses, ad_params = point_query(_ADDRESS_POINTS, "tin", want)
        found = self._con.execute(
            f"{taxpayers} UNION ALL {addresses}", [*tp_params, *ad_params]
        ).fetchall()
        rows: dict[str, list[str]] = {tin: [] for tin in want}
        people: dict[str, str] = {}
        for tin, part, packed in found:
            if part == 0:
                people[str(tin)] = str(packed)
            else:
                rows[str(tin)].append(str(packed))
        return {
            tin: _candidate(
                unpack_taxpayer(person),
                tuple(_candidate_address(r) for r in unpack_addresses(rows[tin])),
            )
            for tin, person in people.items()
        }


def _corroborated(key: RequestKeys, rows: Iterable[tuple[object, ...]]) -> set[str]:
    """The TINs of the (TIN, street, unit) rows at `key`'s house number and ZIP whose street
    and unit corroborate the supplied address (every one, for a key without one), each row
    read as `corroborated` reads the batch join's."""
    found: set[str] = set()
    for tin, street, unit in rows:
        if str(tin) in found:
            continue
        if key.address is None or street_corroborates(key.address, str(street), str(unit or "")):
            found.add(str(tin))
    return found
