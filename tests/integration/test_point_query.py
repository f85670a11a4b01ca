"""`point_query`: keys written into the SQL as constants (so DuckDB can use its ART index)
only when they are plain text; anything else is bound as a parameter, with the same rows."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure_gateway.adapters.storage.master_lookup import POINT_KEYS, by_keys, point_query

SELECT = "SELECT k, v FROM t"
ODD_KEYS = ["O'BRIEN", "A\\B", "x'); DROP TABLE t; --", "tab\there", "", "ÁLVAREZ", "a" * 65]


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    db = duckdb.connect()
    # Large enough that DuckDB prefers its index to a scan for one key.
    db.execute(
        "CREATE TABLE t AS SELECT lpad((range * 7)::VARCHAR, 9, '0') AS k,"
        " range::INTEGER AS v FROM range(300000)"
    )
    others = [*ODD_KEYS, "GARCIA LOPEZ", "ST. JOHN-SMITH"]
    db.executemany("INSERT INTO t VALUES (?, ?)", [(k, -i) for i, k in enumerate(others)])
    db.execute("CREATE INDEX t_k ON t(k)")
    yield db
    db.close()


def rows(con: duckdb.DuckDBPyConnection, values: list[str]) -> list[tuple[object, ...]]:
    query, params = point_query(SELECT, "k", values, "k, v")
    return sorted(con.execute(query, params).fetchall())


def bound(con: duckdb.DuckDBPyConnection, values: list[str]) -> list[tuple[object, ...]]:
    return sorted(con.execute(by_keys(SELECT, "k", len(values), "k, v"), values).fetchall())


def test_plain_keys_are_constants_and_answered_by_the_index(
    con: duckdb.DuckDBPyConnection,
) -> None:
    query, params = point_query(SELECT, "k", ["000000007", "GARCIA LOPEZ"])
    assert params == []
    assert "k = '000000007'" in query
    assert "k = 'GARCIA LOPEZ'" in query
    plan = con.execute(f"EXPLAIN ANALYZE {point_query(SELECT, 'k', ['000000007'])[0]}").fetchall()
    assert "Index Scan" in str(plan)


@pytest.mark.parametrize("odd", ODD_KEYS)
def test_any_other_key_is_bound_as_a_parameter(con: duckdb.DuckDBPyConnection, odd: str) -> None:
    query, params = point_query(SELECT, "k", ["000000007", odd])
    assert params == ["000000007", odd]
    assert odd not in query or odd == ""
    assert rows(con, ["000000007", odd]) == bound(con, ["000000007", odd])
    assert con.execute("SELECT count(*) FROM t").fetchone() == (300000 + 9,)  # nothing dropped


def test_beyond_point_keys_an_in_list_with_parameters(con: duckdb.DuckDBPyConnection) -> None:
    many = [f"{n:09d}" for n in range(0, 7 * (POINT_KEYS + 5), 7)]
    query, params = point_query(SELECT, "k", many)
    assert params == many
    assert " IN (" in query
    assert rows(con, many) == bound(con, many)
    assert len(rows(con, many)) == len(many)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(0, 3100).map(lambda n: f"{n:09d}"),
            st.sampled_from([*ODD_KEYS, "GARCIA LOPEZ", "ST. JOHN-SMITH", "NOBODY"]),
            st.text(max_size=12),
        ),
        min_size=1,
        max_size=POINT_KEYS + 3,
        unique=True,
    )
)
def test_same_rows_as_bound_parameters(values: list[str]) -> None:
    db = duckdb.connect()
    try:
        db.execute("CREATE TABLE t AS SELECT k, v FROM (VALUES ('000000007', 1)) x(k, v)")
        db.executemany(
            "INSERT INTO t VALUES (?, ?)", [(v, i) for i, v in enumerate(values) if i % 2 == 0]
        )
        db.execute("CREATE INDEX t_k ON t(k)")
        assert rows(db, values) == bound(db, values)
    finally:
        db.close()
