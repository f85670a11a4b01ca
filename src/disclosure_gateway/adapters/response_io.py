"""Writing the response file (SPEC §5): CSV by default, JSON Lines or Parquet by flag.

Only the SPEC §5 columns are written. Every text cell of a CSV that a spreadsheet would
read as a formula (=, +, -, @, tab, carriage return first) is prefixed with an apostrophe.
The file is written beside its final name and renamed into place, so a reader never sees
half a response.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from pathlib import Path

from disclosure_gateway.domain.model import LKA_FIELDS

RESPONSE_COLUMNS = ("request_id", "decision", "reason_codes", "address_confirmed", *LKA_FIELDS)
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A CSV cell that no spreadsheet will evaluate as a formula."""
    return "'" + cell if cell.startswith(FORMULA_LEADS) else cell


def write_response(path: Path, rows: Iterable[dict[str, str]], fmt: str = "csv") -> int:
    """Write the rows (dicts keyed by RESPONSE_COLUMNS); returns how many were written."""
    tmp = path.with_name(f".{path.name}.partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        n = _write_csv(tmp, rows)
    elif fmt == "jsonl":
        n = _write_jsonl(tmp, rows)
    elif fmt == "parquet":
        n = _write_parquet(tmp, rows)
    else:
        raise ValueError(f"unknown response format {fmt}")
    os.replace(tmp, path)
    return n


_LEADS = frozenset(FORMULA_LEADS)  # one character each: `neutralise`, a row at a time


def _csv_cells(row: dict[str, str]) -> list[str]:
    cells = [row.get(c, "") for c in RESPONSE_COLUMNS]
    return [("'" + c) if c and c[0] in _LEADS else c for c in cells]


def _write_csv(path: Path, rows: Iterable[dict[str, str]]) -> int:
    counted = _Counted(rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(RESPONSE_COLUMNS)
        writer.writerows(map(_csv_cells, counted))
    return counted.n


class _Counted:
    """The rows, counting those taken."""

    def __init__(self, rows: Iterable[dict[str, str]]) -> None:
        self._rows = iter(rows)
        self.n = 0

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> dict[str, str]:
        row = next(self._rows)
        self.n += 1
        return row


def _write_jsonl(path: Path, rows: Iterable[dict[str, str]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(
                json.dumps({c: row.get(c, "") for c in RESPONSE_COLUMNS}, ensure_ascii=False) + "\n"
            )
            n += 1
    return n


def _write_parquet(path: Path, rows: Iterable[dict[str, str]]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols: dict[str, list[str]] = {c: [] for c in RESPONSE_COLUMNS}
    for row in rows:
        for c in RESPONSE_COLUMNS:
            cols[c].append(row.get(c, ""))
    pq.write_table(pa.table({c: pa.array(v, pa.string()) for c, v in cols.items()}), path)
    return len(cols["request_id"])
