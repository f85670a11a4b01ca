"""Reading request records (CSV, JSON Lines, Parquet) and nothing else.

A records file that cannot be read at all, or that lacks a required column, is a
`BadInput` (the batch is refused whole). A single bad row is not: it becomes a
`RequestRecord` whose `problems` say what was wrong, and the rules reject it. Every row
of the file yields exactly one record, in file order, so the response keeps the order.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.domain.model import REQUEST_COLUMNS, REQUIRED_REQUEST_COLUMNS, RequestRecord

MAX_FIELD_CHARS = 4096
"""A longer field is cut and its row marked malformed (no name or address is this long)."""

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}

MAX_PARQUET_EXPANSION = 64
"""A Parquet file may unpack to at most this many times its size (plus 64 MiB): its own
metadata says how large it unpacks, and a file that would blow up memory is refused
before a byte of it is decompressed."""


def records_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise BadInput(f"records file {path.name}: unknown format (use .csv, .jsonl or .parquet)")
    return fmt


RawRecord = tuple[int, tuple[str, ...], tuple[str, ...]]
"""A row as read, before cleaning: its row number, its values in `REQUEST_COLUMNS` order
(empty when absent) and the problems found while reading it. Cheap to read and to send to
another process; `record_of` makes the RequestRecord (cleaning is the costly part)."""


def read_records(path: Path) -> Iterator[RequestRecord]:
    """Every row of the records file as a RequestRecord, in order; BadInput if unreadable."""
    return map(record_of, read_raw(path))


def read_raw(path: Path) -> Iterator[RawRecord]:
    """Every row of the records file as read, in order; BadInput if unreadable."""
    fmt = records_format(path)
    if fmt == "csv":
        return _read_csv(_read_text(path), path.name)
    if fmt == "jsonl":
        return _read_jsonl(_read_text(path), path.name)
    return _read_parquet(path)


def count_records(path: Path) -> int:
    """The number of records `read_records` yields for this file."""
    return sum(1 for _ in read_raw(path))


def record_of(raw: RawRecord) -> RequestRecord:
    """The RequestRecord of a row as read: every field cleaned, its problems noted."""
    row_no, values, read_problems = raw
    problems = list(read_problems)
    cleaned: dict[str, str] = {}
    for column, value in zip(REQUEST_COLUMNS, values, strict=True):
        cleaned[column], found = _clean(value)
        problems.extend(p for p in found if p not in problems)
    return RequestRecord.of(row_no, cleaned, tuple(problems))


def request_id_of(raw: RawRecord) -> str:
    """The `request_id` of `record_of(raw)`, cleaning only that field."""
    return _clean(raw[1][_REQUEST_ID])[0].strip()


_REQUEST_ID = REQUEST_COLUMNS.index("request_id")


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"records file {path.name} cannot be read ({exc.strerror})") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"records file {path.name} is not UTF-8 text (first bad byte at offset {exc.start})"
        ) from exc
    return text.removeprefix("\ufeff")


# C0 control characters other than tab, CR and LF: each becomes U+FFFD in a cleaned field.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean(value: str) -> tuple[str, tuple[str, ...]]:
    problems: list[str] = []
    if len(value) > MAX_FIELD_CHARS:
        value = value[:MAX_FIELD_CHARS]
        problems.append("field_too_long")
    if "\ufffd" in value or _CONTROL_CHARACTERS.search(value):
        value = _CONTROL_CHARACTERS.sub("\ufffd", value)
        problems.append("control_characters")
    return value, tuple(problems)


def _raw(row_no: int, values: dict[str, str], problems: list[str]) -> RawRecord:
    return row_no, tuple(values.get(c, "") or "" for c in REQUEST_COLUMNS), tuple(problems)


def _check_columns(columns: list[str], name: str) -> None:
    missing = [c for c in REQUIRED_REQUEST_COLUMNS if c not in columns]
    if missing:
        raise BadInput(f"records file {name} lacks required column(s): {', '.join(missing)}")


def _read_csv(text: str, name: str) -> Iterator[RawRecord]:
    csv.field_size_limit(64 * 1024 * 1024)
    reader = csv.reader(io.StringIO(text.replace("\x00", "\ufffd"), newline=""), strict=False)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise BadInput(f"records file {name} is empty (no header row)") from None
    except csv.Error as exc:
        raise BadInput(f"records file {name}: header row cannot be parsed ({exc})") from exc
    _check_columns(header, name)
    return _csv_rows(reader, header)


def _csv_rows(reader: Iterator[list[str]], header: list[str]) -> Iterator[RawRecord]:
    row_no = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            row_no += 1
            yield _raw(row_no, {}, ["unparseable_line"])
            continue
        if not row:  # a blank line is no record
            continue
        row_no += 1
        problems = [] if len(row) == len(header) else ["field_count"]
        yield _raw(row_no, dict(zip(header, row, strict=False)), problems)


def _read_jsonl(text: str, name: str) -> Iterator[RawRecord]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise BadInput(f"records file {name} has no records")
    return _jsonl_rows(lines)


def _jsonl_rows(lines: list[str]) -> Iterator[RawRecord]:
    for row_no, line in enumerate(lines, start=1):
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            yield _raw(row_no, {}, ["not_json"])
            continue
        if not isinstance(obj, dict):
            yield _raw(row_no, {}, ["not_json_object"])
            continue
        values: dict[str, str] = {}
        problems: list[str] = []
        for key, value in obj.items():
            column = str(key).strip().lower()
            if value is None:
                values[column] = ""
            elif isinstance(value, str | int) and not isinstance(value, bool):
                values[column] = str(value)
            else:
                problems.append("field_type")
        yield _raw(row_no, values, problems)


def _read_parquet(path: Path) -> Iterator[RawRecord]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
        unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if unpacked > path.stat().st_size * MAX_PARQUET_EXPANSION + 64 * 1024 * 1024:
            raise BadInput(
                f"records file {path.name} would unpack to {unpacked} bytes; refused "
                "(more than a records file of its size can hold)"
            )
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise BadInput(f"records file {path.name} is not a readable Parquet file") from exc
    columns = [c.strip().lower() for c in table.column_names]
    _check_columns(columns, path.name)
    table = table.rename_columns(columns)
    wanted = [c for c in REQUEST_COLUMNS if c in columns]
    try:
        cast = {c: table.column(c).cast(pa.string()).to_pylist() for c in wanted}
    except pa.ArrowException as exc:
        raise BadInput(f"records file {path.name}: a column cannot be read as text") from exc
    return _parquet_rows(cast, table.num_rows)


def _parquet_rows(cast: dict[str, list[str | None]], rows: int) -> Iterator[RawRecord]:
    for i in range(rows):
        yield _raw(i + 1, {c: v[i] or "" for c, v in cast.items()}, [])
