"""ZIP parsing, state codes and the packaged 3-digit ZIP prefix table."""

from __future__ import annotations

import pytest

from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.domain.geography import (
    VALID_STATES,
    ZipPrefixes,
    parse_zip_prefixes,
    state_code,
    zip5_of,
)

TABLE = parse_zip_prefixes(packaged_text("zip3_state.csv"))

KNOWN = {
    "northeast": [
        ("00501", "NY"),
        ("01001", "MA"),
        ("02108", "MA"),
        ("02903", "RI"),
        ("03301", "NH"),
        ("04101", "ME"),
        ("05401", "VT"),
        ("05501", "MA"),
        ("06103", "CT"),
        ("07102", "NJ"),
        ("08608", "NJ"),
        ("10001", "NY"),
        ("14201", "NY"),
        ("15222", "PA"),
        ("19103", "PA"),
    ],
    "south": [
        ("19901", "DE"),
        ("20001", "DC"),
        ("20500", "DC"),
        ("56901", "DC"),
        ("20147", "VA"),
        ("21201", "MD"),
        ("22201", "VA"),
        ("25301", "WV"),
        ("27601", "NC"),
        ("29201", "SC"),
        ("30303", "GA"),
        ("39901", "GA"),
        ("32801", "FL"),
        ("33101", "FL"),
        ("34102", "FL"),
        ("35203", "AL"),
        ("37203", "TN"),
        ("38655", "MS"),
        ("39201", "MS"),
        ("40202", "KY"),
        ("70112", "LA"),
        ("72201", "AR"),
        ("73102", "OK"),
        ("73301", "TX"),
        ("75201", "TX"),
        ("77002", "TX"),
        ("79901", "TX"),
        ("88510", "TX"),
    ],
    "midwest": [
        ("43215", "OH"),
        ("46204", "IN"),
        ("48226", "MI"),
        ("50309", "IA"),
        ("53202", "WI"),
        ("55401", "MN"),
        ("57104", "SD"),
        ("58102", "ND"),
        ("60601", "IL"),
        ("63101", "MO"),
        ("66101", "KS"),
        ("68102", "NE"),
    ],
    "west": [
        ("59601", "MT"),
        ("80202", "CO"),
        ("82001", "WY"),
        ("83702", "ID"),
        ("84101", "UT"),
        ("85001", "AZ"),
        ("87102", "NM"),
        ("89101", "NV"),
        ("90012", "CA"),
        ("96813", "HI"),
        ("97201", "OR"),
        ("98101", "WA"),
        ("99501", "AK"),
    ],
    "territories_and_military": [
        ("00901", "PR"),
        ("00680", "PR"),
        ("00725", "PR"),
        ("00801", "VI"),
        ("00820", "VI"),
        ("96910", "GU"),
        ("96950", "MP"),
        ("96799", "AS"),
        ("09001", "AE"),
        ("09801", "AE"),
        ("34001", "AA"),
        ("96201", "AP"),
        ("96601", "AP"),
    ],
}


@pytest.mark.parametrize("region", list(KNOWN))
def test_known_prefixes_belong_to_their_state(region: str) -> None:
    for zip5, state in KNOWN[region]:
        assert TABLE.state_matches(zip5, state), (zip5, state)
        assert TABLE.state_matches(zip5, state.lower()), (zip5, state)


@pytest.mark.parametrize(
    ("zip5", "state"),
    [
        ("77002", "CA"),  # a Texas ZIP
        ("00801", "PR"),  # 008 is the Virgin Islands
        ("00901", "VI"),  # 009 is Puerto Rico
        ("96910", "HI"),  # 969 is Guam and the Pacific islands
        ("96813", "GU"),
        ("34001", "FL"),  # 340 is military AA
        ("20001", "VA"),
        ("20147", "DC"),  # 201 is northern Virginia
        ("21301", "MD"),  # 213 is unassigned
        ("00101", "MA"),  # 001 is unassigned
        ("09901", "AE"),  # 099 is unassigned
        ("7700", "TX"),  # not five digits
        ("7700a", "TX"),
        ("", "TX"),
    ],
)
def test_prefixes_that_do_not_belong(zip5: str, state: str) -> None:
    assert not TABLE.state_matches(zip5, state)


def test_every_valid_state_has_a_prefix() -> None:
    assert TABLE.states >= VALID_STATES
    assert len(VALID_STATES) == 59


def test_shared_prefixes_have_several_states() -> None:
    assert TABLE.states_of("96799") == {"HI", "AS"}
    assert {"GU", "MP"} <= TABLE.states_of("96910")
    assert TABLE.states_of("21301") == frozenset()


def test_packaged_table_is_sorted_unique_and_plausible() -> None:
    rows = packaged_text("zip3_state.csv").splitlines()[1:]
    assert rows == sorted(rows)
    assert len(rows) == len(set(rows)) == len(TABLE.pairs)
    assert 900 < len({row[:3] for row in rows}) < 1000


@pytest.mark.parametrize(
    "text",
    [
        "",
        "zip,state\n770,TX\n",
        "prefix,state\n",
        "prefix,state\n77,TX\n",
        "prefix,state\n770,Texas\n",
        "prefix,state\n770,TX,extra\n",
        "prefix,state\n770,TX\n770,TX\n",
        "prefix,state\n77a,TX\n",
    ],
)
def test_bad_tables_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="zip prefix table"):
        parse_zip_prefixes(text)


def test_a_small_table_parses() -> None:
    table = parse_zip_prefixes("prefix,state\r\n770,TX\r\n\r\n969,GU\n969,MP\n")
    assert table == ZipPrefixes(frozenset({("770", "TX"), ("969", "GU"), ("969", "MP")}))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("77002", "77002"),
        ("770021234", "77002"),
        ("77002-1234", "77002"),
        (" 77002 ", "77002"),
        ("00501", "00501"),
        ("7700", None),
        ("770022", None),
        ("77002-123", None),
        ("77002 1234", None),
        ("7700A", None),
        ("ABCDE", None),
        ("00000", None),
        ("00000-0000", None),
        ("", None),
        ("٧٧٠٠٢", None),  # Arabic-Indic digits are not a ZIP
    ],
)
def test_zip5_of(text: str, expected: str | None) -> None:
    assert zip5_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TX", "TX"),
        (" tx ", "TX"),
        ("Texas", "TX"),
        ("TEXAS", "TX"),
        ("Tex.", "TX"),
        ("New  York", "NY"),
        ("District of Columbia", "DC"),
        ("D.C.", "DC"),
        ("Puerto Rico", "PR"),
        ("Guam", "GU"),
        ("ZZ", "ZZ"),
        ("Tejas", ""),
        ("", ""),
    ],
)
def test_state_code(text: str, expected: str) -> None:
    assert state_code(text) == expected
