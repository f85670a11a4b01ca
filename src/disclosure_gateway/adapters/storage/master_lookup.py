"""Retrieval for a single request: parameterised point queries on the sorted master tables.

`MasterStore.candidates` is built for chunks of thousands of requests: it registers the
chunk and hash-joins it with whole tables. For one request that reads every row group of
`address_keys` and `taxpayers`. The master tables are sorted by their lookup keys
(`address_keys` by ZIP and house, `taxpayers` and `addresses` by TIN), so an equality
filter on a key reads only the row groups whose zone maps hold the value. `MasterLookup`
answers `candidates` with such filters and returns the same `Candidate` objects in the
same order as `MasterStore.candidates` (tests/integration/test_verify_fast.py compares
them); everything else it inherits.

A `MasterLookup`, like its parent, holds one DuckDB connection: one thread at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from disclosure_gateway.adapters.storage.master_store import (
    MasterStore,
    RequestKeys,
    _candidate,
    _candidate_address,
    corroborates_key,
)
from disclosure_gateway.domain.decision import Candidate, CandidateAddress
from disclosure_gateway.domain.errors import StoreError

__all__ = ["POINT_KEYS", "MasterLookup", "by_keys"]

_AT_ADDRESS = "SELECT tin FROM address_keys WHERE zip5 = ? AND house_std = ?"
_TAXPAYERS = """SELECT tin, tin_type, first_name, middle_name, last_name, suffix, birth_date,
                       given_std, middle_std, surnames_std, suffix_std
                FROM taxpayers"""
_ADDRESSES = """SELECT tin, seq, street, unit, city, state, zip, source, effective_date,
                       tax_year, house_std, street_std, unit_std, city_std, state_std, zip5
                FROM addresses"""
# Up to this many keys, one equality per key; beyond, an IN list (a scan, as a chunk's).
POINT_KEYS = 32


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

        The address rows of everyone at the house number and ZIP are read first, and the
        taxpayer rows only of those they corroborate (a neighbour costs one query, not two).
        """
        at_address = {key.row_no: self._at_address(key.zip5, key.house_number) for key in keys}
        near = set().union(set(), *at_address.values())
        addresses = self._addresses(near)
        wanted: dict[int, set[str]] = {}
        for key in keys:
            near_key = at_address[key.row_no]
            tins = {t for t in near_key if corroborates_key(key, addresses.get(t, []))}
            wanted[key.row_no] = tins if key.tin is None else tins | {key.tin}
        tins = set().union(set(), *wanted.values())
        addresses.update(self._addresses(tins - near))
        found = self._taxpayers(tins, addresses)
        result: dict[int, list[Candidate]] = {}
        for row_no in sorted(wanted):
            # A TIN with no taxpayer row is no candidate (the batch query joins taxpayers).
            cands = [found[tin] for tin in sorted(wanted[row_no]) if tin in found]
            if cands:
                result[row_no] = cands
        return result

    def _at_address(self, zip5: str, house: str) -> set[str]:
        rows = self._con.execute(_AT_ADDRESS, [zip5, house]).fetchall()
        return {str(r[0]) for r in rows}

    def _addresses(self, tins: set[str]) -> dict[str, list[CandidateAddress]]:
        if not tins:
            return {}
        wanted = sorted(tins)
        query = by_keys(_ADDRESSES, "tin", len(wanted), "tin, seq")
        return _addresses_by_tin(self._con.execute(query, wanted).fetchall())

    def _taxpayers(
        self, tins: set[str], addresses: dict[str, list[CandidateAddress]]
    ) -> dict[str, Candidate]:
        if not tins:
            return {}
        wanted = sorted(tins)
        tps = self._con.execute(by_keys(_TAXPAYERS, "tin", len(wanted)), wanted).fetchall()
        return {str(t[0]): _candidate(t, tuple(addresses.get(str(t[0]), ()))) for t in tps}


def _addresses_by_tin(rows: Iterable[tuple[object, ...]]) -> dict[str, list[CandidateAddress]]:
    by_tin: dict[str, list[CandidateAddress]] = defaultdict(list)
    for row in rows:
        by_tin[str(row[0])].append(_candidate_address(row))
    return by_tin
