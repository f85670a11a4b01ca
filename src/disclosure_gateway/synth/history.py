"""The generator's own reading of SPEC §2 and §4 over one synthetic taxpayer's rows:
the last known address and each row's "in effect" interval. Written independently of
`domain/lka.py` so that the ground truth checks the gateway instead of echoing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

SOURCE_RANK = {"NCOA": 0, "RETURN": 1, "FORM_8822": 2}


class AddrRow(NamedTuple):
    """One address row of a synthetic taxpayer; `residence` indexes the block's residences.
    A named tuple: millions are made, and tuples are the cheapest immutable value."""

    residence: int
    source: str
    effective: date
    tax_year: int | None


def order_key(row: AddrRow, seq: int) -> tuple[date, int, int, int]:
    """SPEC §2: later date; ties FORM_8822 > RETURN > NCOA, later tax year, later file row."""
    year = row.tax_year if row.tax_year is not None else -1
    return (row.effective, SOURCE_RANK[row.source], year, seq)


def ordered(rows: Sequence[AddrRow]) -> list[int]:
    """Row indices (their file order) sorted by SPEC §2 order, earliest first."""
    rank = SOURCE_RANK
    keys = sorted(
        [
            (r.effective, rank[r.source], -1 if r.tax_year is None else r.tax_year, i)
            for i, r in enumerate(rows)
        ]
    )
    return [k[3] for k in keys]


def lka_index(rows: Sequence[AddrRow]) -> int:
    """The index of the last known address row (SPEC §2)."""
    return ordered(rows)[-1]


def tenures(rows: Sequence[AddrRow]) -> list[tuple[int, date, date | None]]:
    """(row index, start, end) in SPEC order: in effect from its date to the next row's date.

    A row superseded on its own date (a tie it loses) was never in effect: end == start.
    """
    order = ordered(rows)
    out: list[tuple[int, date, date | None]] = []
    for pos, i in enumerate(order):
        start = rows[i].effective
        end = rows[order[pos + 1]].effective if pos + 1 < len(order) else None
        out.append((i, start, end))
    return out


def in_effect_since(rows: Sequence[AddrRow], residence: int, first: date, as_of: date) -> bool:
    """Whether some row for `residence` was in effect at some time in [first, as_of]."""
    return bool(years_in_effect(rows, residence, [first], as_of))


def years_in_effect(
    rows: Sequence[AddrRow], residence: int, firsts: Sequence[date], as_of: date
) -> list[date]:
    """Those of `firsts` for which `in_effect_since(rows, residence, first, as_of)` holds
    (one ordering of the rows for all of them)."""
    spans = [
        end
        for i, start, end in tenures(rows)
        if rows[i].residence == residence and start <= as_of and (end is None or end > start)
    ]
    if None in spans:
        return list(firsts)
    latest = max((e for e in spans if e is not None), default=None)
    return [] if latest is None else [f for f in firsts if latest > f]


def left_before(rows: Sequence[AddrRow], residence: int) -> date | None:
    """When the residence's last non-empty tenure ended; None if still in effect or never."""
    latest: date | None = None
    for i, start, end in tenures(rows):
        if rows[i].residence != residence or (end is not None and end <= start):
            continue
        if end is None:
            return None
        latest = end if latest is None or end > latest else latest
    return latest
