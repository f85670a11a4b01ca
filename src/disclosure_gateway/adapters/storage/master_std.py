"""Standardising a master file's names and distinct addresses on every core.

The domain's standardisers are per-row Python; a master file has tens of millions of rows.
The work is cut into slices of distinct values and sent to spawned worker processes (never
forked from a process holding a database connection); results come back in order, so the
output is exactly the one-process output. Small inputs are done in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

from disclosure_gateway.domain.addresses import StdAddress, standardise_address
from disclosure_gateway.domain.names import standardise_name

__all__ = ["ADDRESS_STD_FIELDS", "NAME_STD_FIELDS", "address_rows", "name_rows"]

NAME_STD_FIELDS = ("name_key", "given_std", "middle_std", "surnames_std", "suffix_std")
ADDRESS_STD_FIELDS = (
    "addr_key",
    "house_std",
    "street_std",
    "unit_std",
    "city_std",
    "state_std",
    "zip5",
)
SLICE = 20_000
PARALLEL_FROM = 100_000

In = TypeVar("In")
Out = TypeVar("Out")


def _names(rows: list[tuple[str, str, str, str]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for first, middle, last, suffix in rows:
        std = standardise_name(first, middle, last, suffix)
        out.append(
            (std.key, " ".join(std.given), " ".join(std.middle), " ".join(std.surnames), std.suffix)
        )
    return out


def _addresses(rows: list[tuple[str, str, str, str, str]]) -> list[tuple[str | None, ...]]:
    out: list[tuple[str | None, ...]] = []
    for street, unit, city, state, zip_code in rows:
        std = standardise_address(street, unit, city, state, zip_code)
        if isinstance(std, StdAddress):
            out.append(
                (std.key, std.house_number, std.street, std.unit, std.city, std.state, std.zip5)
            )
        else:
            out.append((None,) * len(ADDRESS_STD_FIELDS))
    return out


def _slices(rows: Sequence[In]) -> Iterator[list[In]]:
    it = iter(rows)
    while part := list(islice(it, SLICE)):
        yield part


def _run(
    work: Callable[[list[In]], list[Out]], rows: Sequence[In], workers: int | None
) -> list[Out]:
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count <= 1 or len(rows) < PARALLEL_FROM:
        return work(list(rows))
    out: list[Out] = []
    with multiprocessing.get_context("spawn").Pool(count) as pool:
        for part in pool.imap(work, _slices(rows)):
            out.extend(part)
    return out


def name_rows(
    rows: Sequence[tuple[str, str, str, str]], workers: int | None = None
) -> list[tuple[str, ...]]:
    """(first, middle, last, suffix) -> the `NAME_STD_FIELDS`, in order."""
    return _run(_names, rows, workers)


def address_rows(
    rows: Sequence[tuple[str, str, str, str, str]], workers: int | None = None
) -> list[tuple[str | None, ...]]:
    """(street, unit, city, state, zip) -> the `ADDRESS_STD_FIELDS` (all None when the
    address is not street-level), in order."""
    return _run(_addresses, rows, workers)
