"""Writing a population and a batch to files: CSV (csv module) or Parquet (pyarrow, every
column a string). Same inputs, same bytes, however many processes made them.

The population is written chunk by chunk, a chunk being a fixed range of blocks
(`CHUNK_BLOCKS`): a worker builds the chunk's blocks and serialises them (CSV bytes or Arrow
tables), and the chunks are appended in order. Chunk boundaries depend on the population
alone, so Parquet row groups, like CSV bytes, do not change with the number of workers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from disclosure_gateway.domain.model import REQUEST_COLUMNS
from disclosure_gateway.synth.entities import Block
from disclosure_gateway.synth.parallel import ordered_map
from disclosure_gateway.synth.population import Population
from disclosure_gateway.synth.requests import TRUTH_COLUMNS, Batch

TAXPAYER_COLUMNS = (
    "tin", "tin_type", "first_name", "middle_name", "last_name", "suffix", "birth_date",
)  # fmt: skip
ADDRESS_COLUMNS = (
    "tin", "street", "unit", "city", "state", "zip", "source", "effective_date", "tax_year",
)  # fmt: skip
CHUNK_ROWS = 50_000
CHUNK_BLOCKS = 8_192  # about 20,000 taxpayers and 53,000 address rows
FORMATS = ("csv", "parquet")

Rows = list[tuple[str, ...]]


class _Sink(Protocol):
    def write(self, payload: Any) -> None: ...
    def close(self) -> None: ...


class _CsvSink:
    """Appends CSV bytes made by `csv_bytes` (UTF-8, `\n` line ends)."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self._file: IO[bytes] = path.open("wb")
        self._file.write(csv_bytes([tuple(columns)]))

    def write(self, payload: Any) -> None:
        self._file.write(payload)

    def close(self) -> None:
        self._file.close()


class _ParquetSink:
    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        import pyarrow.parquet as pq

        self._writer = pq.ParquetWriter(str(path), _schema(columns))

    def write(self, payload: Any) -> None:
        if payload.num_rows:
            self._writer.write_table(payload)

    def close(self) -> None:
        self._writer.close()


def _schema(columns: Sequence[str]) -> Any:
    import pyarrow as pa

    return pa.schema([(c, pa.string()) for c in columns])


def csv_bytes(rows: Iterable[Sequence[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


def _table(rows: Rows, columns: Sequence[str]) -> Any:
    import pyarrow as pa

    arrays = [pa.array(list(col), pa.string()) for col in zip(*rows, strict=True)]
    if not arrays:
        arrays = [pa.array([], pa.string()) for _ in columns]
    return pa.Table.from_arrays(arrays, schema=_schema(columns))


def _sink(path: Path, columns: Sequence[str], fmt: str) -> _Sink:
    if fmt == "parquet":
        return _ParquetSink(path, columns)
    return _CsvSink(path, columns)


def block_rows(block: Block) -> tuple[Rows, Rows]:
    """The taxpayer rows and address rows of one block, in file order."""
    taxpayers: Rows = []
    addresses: Rows = []
    places = [(d.street, d.unit, d.city, d.state, d.zip_written) for d in block.residences]
    for p in block.persons:
        taxpayers.append((p.tin, p.tin_type, p.first, p.middle, p.last, p.suffix, p.birth))
        tin = p.tin
        for r in p.rows:
            year = "" if r.tax_year is None else str(r.tax_year)
            addresses.append((tin, *places[r.residence], r.source, r.effective.isoformat(), year))
    return taxpayers, addresses


@dataclass(frozen=True, slots=True)
class _ChunkJob:
    pop: Population
    start: int
    stop: int
    fmt: str


@dataclass(frozen=True, slots=True)
class _Chunk:
    taxpayers: Any  # CSV bytes or an Arrow table
    addresses: Any
    people: int
    rows: int


def _encode(fmt: str, taxpayers: Rows, addresses: Rows) -> _Chunk:
    if fmt == "parquet":
        t, a = _table(taxpayers, TAXPAYER_COLUMNS), _table(addresses, ADDRESS_COLUMNS)
    else:
        t, a = csv_bytes(taxpayers), csv_bytes(addresses)
    return _Chunk(t, a, len(taxpayers), len(addresses))


def _make_chunk(job: _ChunkJob) -> _Chunk:
    """Build and serialise blocks [start, stop) (runs in a worker process)."""
    taxpayers: Rows = []
    addresses: Rows = []
    for block in job.pop.blocks(job.start, job.stop):
        t, a = block_rows(block)
        taxpayers += t
        addresses += a
    return _encode(job.fmt, taxpayers, addresses)


def _chunks_from(blocks: Iterable[Block], fmt: str) -> Iterable[_Chunk]:
    """Chunks of already built blocks, cut at the same block indices as `_make_chunk`'s."""
    taxpayers: Rows = []
    addresses: Rows = []
    bound = CHUNK_BLOCKS
    for block in blocks:
        if block.index >= bound:
            yield _encode(fmt, taxpayers, addresses)
            taxpayers, addresses = [], []
            bound = (block.index // CHUNK_BLOCKS + 1) * CHUNK_BLOCKS
        t, a = block_rows(block)
        taxpayers += t
        addresses += a
    yield _encode(fmt, taxpayers, addresses)


def write_population(
    pop: Population,
    out_dir: Path,
    fmt: str = "csv",
    blocks: Iterable[Block] | None = None,
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Write taxpayers and addresses; returns (taxpayer rows, address rows).

    Blocks are built in `workers` processes (or taken from `blocks`, in order, when given);
    `progress` is called with the number of taxpayers written so far after every chunk.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    if blocks is not None:
        chunks = _chunks_from(blocks, fmt)
    else:
        jobs = [
            _ChunkJob(pop, lo, min(lo + CHUNK_BLOCKS, pop.n_blocks), fmt)
            for lo in range(0, pop.n_blocks, CHUNK_BLOCKS)
        ]
        chunks = ordered_map(_make_chunk, jobs, workers)
    tp = _sink(out_dir / f"taxpayers.{fmt}", TAXPAYER_COLUMNS, fmt)
    ad = _sink(out_dir / f"addresses.{fmt}", ADDRESS_COLUMNS, fmt)
    counts = [0, 0]
    try:
        for chunk in chunks:
            tp.write(chunk.taxpayers)
            ad.write(chunk.addresses)
            counts[0] += chunk.people
            counts[1] += chunk.rows
            if progress is not None:
                progress(counts[0])
    finally:
        tp.close()
        ad.close()
    return counts[0], counts[1]


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
                sink.write(csv_bytes(rows[start : start + CHUNK_ROWS]))
        finally:
            sink.close()
    text = json.dumps(batch.manifest("requests.csv"), indent=2, ensure_ascii=False) + "\n"
    (out_dir / "manifest.json").write_text(text, encoding="utf-8")
