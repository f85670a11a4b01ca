"""Reading request records: every row yields one record; bad rows are marked, not dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from disclosure_gateway.adapters.records_io import (
    count_records,
    read_raw,
    read_records,
    record_of,
    request_id_of,
)
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.domain.model import REQUEST_COLUMNS

HEADER = ",".join(REQUEST_COLUMNS)


def _row(**values: str) -> str:
    return ",".join(values.get(c, "x") for c in REQUEST_COLUMNS)


def test_csv_rows_in_order_with_bom_and_quoted_newlines(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text(
        "\ufeff"
        + HEADER
        + "\n"
        + _row(request_id="A")
        + "\n\n"
        + _row(request_id="B", reason='"two\nlines"')
        + "\n",
        encoding="utf-8",
    )
    records = list(read_records(p))
    assert [r.request_id for r in records] == ["A", "B"]
    assert [r.row_no for r in records] == [1, 2]
    assert records[1].get("reason") == "two\nlines"
    assert count_records(p) == 2


def test_a_short_row_is_kept_and_marked(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text(HEADER + "\nA,Maria\n" + _row(request_id="B") + "\n", encoding="utf-8")
    first, second = read_records(p)
    assert first.problems == ("field_count",)
    assert first.get("last_name") == ""
    assert second.problems == ()


def test_nul_bytes_and_huge_fields_are_marked_not_fatal(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text(
        HEADER
        + "\n"
        + _row(request_id="A", first_name="Ma\x00ria")
        + "\n"
        + _row(request_id="B", reason="y" * 10_000_000)
        + "\n",
        encoding="utf-8",
    )
    a, b = read_records(p)
    assert "control_characters" in a.problems
    assert "\x00" not in a.get("first_name")
    assert "field_too_long" in b.problems
    assert len(b.get("reason")) == 4096


def test_missing_required_column_refuses_the_file(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text("request_id,first_name\nA,B\n", encoding="utf-8")
    with pytest.raises(BadInput, match="lacks required column"):
        list(read_records(p))


def test_not_utf8_refuses_the_file(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_bytes((HEADER + "\n").encode() + b"A,Jos\xe9\n")
    with pytest.raises(BadInput, match="not UTF-8"):
        list(read_records(p))


def test_unknown_extension_refused(tmp_path: Path) -> None:
    p = tmp_path / "r.xlsx"
    p.write_text("x")
    with pytest.raises(BadInput, match="unknown format"):
        read_records(p)


def test_jsonl_bad_lines_become_marked_records(tmp_path: Path) -> None:
    p = tmp_path / "r.jsonl"
    good = dict.fromkeys(REQUEST_COLUMNS, "x") | {"request_id": "A", "zip": 77002}
    p.write_text(
        json.dumps(good)
        + "\n{not json\n[1,2]\n"
        + json.dumps({"request_id": "D", "tin": {"a": 1}})
        + "\n",
        encoding="utf-8",
    )
    a, b, c, d = read_records(p)
    assert a.problems == ()
    assert a.get("zip") == "77002"
    assert b.problems == ("not_json",)
    assert c.problems == ("not_json_object",)
    assert d.problems == ("field_type",)


def test_parquet_reads_every_column_as_text(tmp_path: Path) -> None:
    p = tmp_path / "r.parquet"
    cols = {c: ["x", "y"] for c in REQUEST_COLUMNS} | {
        "request_id": ["A", "B"],
        "zip": [77002, None],
    }
    pq.write_table(pa.table(cols), p)
    a, b = read_records(p)
    assert (a.request_id, a.get("zip"), b.get("zip")) == ("A", "77002", "")


def test_a_parquet_decompression_bomb_is_refused_before_it_unpacks(tmp_path: Path) -> None:
    p = tmp_path / "bomb.parquet"
    n = 30_000
    cols = {c: pa.array(["x" * 400] * n) for c in REQUEST_COLUMNS}
    pq.write_table(pa.table(cols), p, compression="zstd", use_dictionary=False)
    assert p.stat().st_size < 1024 * 1024  # a small file …
    with pytest.raises(BadInput, match="unpack"):  # … that would unpack to ~200 MiB
        list(read_records(p))


def test_request_id_of_a_raw_row_is_the_cleaned_records(tmp_path: Path) -> None:
    """Submission checks request ids on rows as read; each must equal its record's."""
    p = tmp_path / "r.csv"
    long_id = "L" * 5000
    rows = [_row(request_id=" A-1 "), _row(request_id="B\x01"), _row(request_id=long_id)]
    p.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    raws = list(read_raw(p))
    assert [request_id_of(r) for r in raws] == [record_of(r).request_id for r in raws]
    assert [request_id_of(r) for r in raws][:2] == ["A-1", "B\ufffd"]
    assert [record_of(r) for r in raws] == list(read_records(p))
