"""Writing a population and a batch to files: CSV (csv module, in chunks) or Parquet (pyarrow,
every column a string). Same inputs, same bytes."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Protocol

from disclosure_gateway.domain.model import REQUEST_COLUMNS
from disclosure_gateway.synth.entities import Block
from disclosure_gateway.synth.population import Population
from disclosure_gateway.synth.requests import TRUTH_COLUMNS, Batch

TAXPAYER_COLUMNS = (
    "tin", "tin_type", "first_name", "middle_name", "last_name", "suffix", "birth_date",
)  # fmt: skip
ADDRESS_COLUMNS = (
    "tin", "street", "unit", "city", "state", "zip", "source", "effective_date", "tax_year",
)  # fmt: skip
CHUNK_ROWS = 50_000
FORMATS = ("csv", "parquet")


class _Sink(Protocol):
    def write(self, rows: Sequence[tuple[str, ...]]) -> None: ...
    def close(self) -> None: ...


class _CsvSink:
    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(columns)

    def write(self, rows: Sequence[tuple[str, ...]]) -> None:
        self._writer.writerows(rows)

    def close(self) -> None:
        self._file.close()


class _ParquetSink:
    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        self._columns = tuple(columns)
        self._schema = pa.schema([(c, pa.string()) for c in columns])
        self._writer = pq.ParquetWriter(str(path), self._schema)

    def write(self, rows: Sequence[tuple[str, ...]]) -> None:
        if not rows:
            return
        arrays = [self._pa.array(list(col), self._pa.string()) for col in zip(*rows, strict=True)]
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))

    def close(self) -> None:
        self._writer.close()


def _sink(path: Path, columns: Sequence[str], fmt: str) -> _Sink:
    if fmt == "parquet":
        return _ParquetSink(path, columns)
    return _CsvSink(path, columns)


def block_rows(block: Block) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The taxpayer rows and address rows of one block, in file order."""
    taxpayers: list[tuple[str, ...]] = []
    addresses: list[tuple[str, ...]] = []
    places = [(d.street, d.unit, d.city, d.state, d.zip_written) for d in block.residences]
    for p in block.persons:
        taxpayers.append((p.tin, p.tin_type, p.first, p.middle, p.last, p.suffix, p.birth))
        tin = p.tin
        for r in p.rows:
            year = "" if r.tax_year is None else str(r.tax_year)
            addresses.append((tin, *places[r.residence], r.source, r.effective.isoformat(), year))
    return taxpayers, addresses


def write_population(
    pop: Population, out_dir: Path, fmt: str = "csv", blocks: Iterable[Block] | None = None
) -> tuple[int, int]:
    """Write taxpayers and addresses; returns (taxpayer rows, address rows)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tp = _sink(out_dir / f"taxpayers.{fmt}", TAXPAYER_COLUMNS, fmt)
    ad = _sink(out_dir / f"addresses.{fmt}", ADDRESS_COLUMNS, fmt)
    counts = [0, 0]
    try:
        for t_chunk, a_chunk in _chunks(blocks if blocks is not None else pop.blocks()):
            tp.write(t_chunk)
            ad.write(a_chunk)
            counts[0] += len(t_chunk)
            counts[1] += len(a_chunk)
    finally:
        tp.close()
        ad.close()
    return counts[0], counts[1]


def _chunks(
    blocks: Iterable[Block],
) -> Iterator[tuple[list[tuple[str, ...]], list[tuple[str, ...]]]]:
    taxpayers: list[tuple[str, ...]] = []
    addresses: list[tuple[str, ...]] = []
    for block in blocks:
        t, a = block_rows(block)
        taxpayers.extend(t)
        addresses.extend(a)
        if len(addresses) >= CHUNK_ROWS:
            yield taxpayers, addresses
            taxpayers, addresses = [], []
    yield taxpayers, addresses


def write_batch(batch: Batch, out_dir: Path) -> None:
    """requests.csv, truth.csv and the unsigned manifest.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, columns, rows in (
        ("requests.csv", REQUEST_COLUMNS, batch.records),
        ("truth.csv", TRUTH_COLUMNS, batch.truth),
    ):
        sink = _CsvSink(out_dir / name, columns)
        try:
            for start in range(0, len(rows), CHUNK_ROWS):
                sink.write(rows[start : start + CHUNK_ROWS])
        finally:
            sink.close()
    text = json.dumps(batch.manifest("requests.csv"), indent=2, ensure_ascii=False) + "\n"
    (out_dir / "manifest.json").write_text(text, encoding="utf-8")
