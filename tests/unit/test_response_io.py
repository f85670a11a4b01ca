"""The response file: SPEC §5 columns only, formula injection neutralised, atomic write."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import given
from hypothesis import strategies as st

from disclosure_gateway.adapters.response_io import (
    RESPONSE_COLUMNS,
    _csv_cells,
    neutralise,
    write_response,
)


def test_formula_cells_are_neutralised() -> None:
    assert neutralise("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    for lead in "+-@\t\r":
        assert neutralise(lead + "x").startswith("'")
    assert neutralise("123 Main St") == "123 Main St"


def test_csv_has_exactly_the_spec_columns_and_no_extra_fields(tmp_path: Path) -> None:
    out = tmp_path / "resp.csv"
    rows = [
        {
            "request_id": "=1+1",
            "decision": "DISCLOSED",
            "tin": "123456789",
            "lka_street": "1 Main St",
        }
    ]
    assert write_response(out, rows) == 1
    with out.open(encoding="utf-8") as f:
        got = list(csv.reader(f))
    assert tuple(got[0]) == RESPONSE_COLUMNS
    assert got[1][0] == "'=1+1"
    assert "123456789" not in out.read_text()
    assert not list(tmp_path.glob(".*partial"))


def test_jsonl_and_parquet(tmp_path: Path) -> None:
    rows = [{"request_id": "A", "decision": "REJECTED", "reason_codes": "TIN_INVALID"}]
    write_response(tmp_path / "r.jsonl", rows, "jsonl")
    obj = json.loads((tmp_path / "r.jsonl").read_text().splitlines()[0])
    assert tuple(obj) == RESPONSE_COLUMNS
    assert obj["reason_codes"] == "TIN_INVALID"
    write_response(tmp_path / "r.parquet", rows, "parquet")
    assert pq.read_table(tmp_path / "r.parquet").column_names == list(RESPONSE_COLUMNS)


@given(st.dictionaries(st.sampled_from(RESPONSE_COLUMNS), st.text(max_size=6)))
def test_csv_cells_are_each_column_neutralised(row: dict[str, str]) -> None:
    assert _csv_cells(row) == [neutralise(row.get(c, "")) for c in RESPONSE_COLUMNS]
