"""Standardising a master file's names and distinct addresses on every core.

The domain's standardisers are per-row Python; a master file has tens of millions of rows.
The distinct values stream out of DuckDB as Arrow record batches, go to spawned worker
processes (never forked from a process holding a database connection) and come back as
Arrow batches with the standardised columns beside them, in order, so the output is exactly
the one-process output and no process holds millions of Python strings. Small inputs are
done in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa

from disclosure_gateway.domain.addresses import StdAddress, standardise_address
from disclosure_gateway.domain.names import standardise_name

__all__ = ["ADDRESS_STD_FIELDS", "NAME_STD_FIELDS", "SLICE", "address_table", "name_table"]

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


def _names(rows: Sequence[tuple[str, str, str, str]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for first, middle, last, suffix in rows:
        std = standardise_name(first, middle, last, suffix)
        out.append(
            (std.key, " ".join(std.given), " ".join(std.middle), " ".join(std.surnames), std.suffix)
        )
    return out


def _addresses(rows: Sequence[tuple[str, str, str, str, str]]) -> list[tuple[str | None, ...]]:
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


def _name_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    return _with_std(batch, NAME_STD_FIELDS, _names(_rows(batch)))


def _address_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    return _with_std(batch, ADDRESS_STD_FIELDS, _addresses(_rows(batch)))


def _rows(batch: pa.RecordBatch) -> list[Any]:
    columns = [c.to_pylist() for c in batch.columns]
    return list(zip(*columns, strict=True))


def _with_std(
    batch: pa.RecordBatch, fields: tuple[str, ...], std: Sequence[tuple[str | None, ...]]
) -> pa.RecordBatch:
    """The batch's key columns with the standardised columns beside them."""
    arrays = list(batch.columns)
    for i, _ in enumerate(fields):
        arrays.append(pa.array([r[i] for r in std], pa.string()))
    return pa.RecordBatch.from_arrays(arrays, names=[*batch.schema.names, *fields])


def _run(
    work: Callable[[pa.RecordBatch], pa.RecordBatch],
    reader: pa.RecordBatchReader,
    workers: int | None,
    rows: int,
) -> pa.Table:
    """Every batch through `work`, in order, on `workers` processes (1 for small inputs).
    Batches travel as Arrow, so the parent never holds millions of Python strings."""
    count = workers if workers is not None else (os.cpu_count() or 1)
    empty = work(pa.RecordBatch.from_pylist([], schema=reader.schema))
    if count <= 1 or rows < PARALLEL_FROM:
        done = [work(b) for b in reader]
    else:
        with multiprocessing.get_context("spawn").Pool(count) as pool:
            done = list(pool.imap(work, reader))
    return pa.Table.from_batches(done, schema=empty.schema)


def name_table(reader: pa.RecordBatchReader, rows: int, workers: int | None = None) -> pa.Table:
    """(first_name, middle_name, last_name, suffix) batches -> with the `NAME_STD_FIELDS`."""
    return _run(_name_batch, reader, workers, rows)


def address_table(reader: pa.RecordBatchReader, rows: int, workers: int | None = None) -> pa.Table:
    """(street, unit, city, state, zip) batches -> with the `ADDRESS_STD_FIELDS` (all null
    when the address is not street-level)."""
    return _run(_address_batch, reader, workers, rows)
