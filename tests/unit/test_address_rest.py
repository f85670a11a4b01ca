"""`addresses.read_rest`: a street line `HOUSE REST` read once per REST. Wherever the master
load's SQL route takes an address (`eligible` below, the same conditions as
adapters/storage/master_addresses.py), the columns it composes from `read_rest`, the locality
fields and the unit field are exactly `standardise_address`'s."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disclosure_gateway.domain import addresses
from disclosure_gateway.domain.addresses import (
    MAX_FIELD_LENGTH,
    REST_HOUSE_PATTERN,
    RestReading,
    StdAddress,
    Unparsed,
    locality_fields,
    read_rest,
    standardise_address,
    unit_field_id,
)
from disclosure_gateway.domain.geography import zip5_of
from disclosure_gateway.domain.model import REQUEST_COLUMNS
from disclosure_gateway.synth.population import generate_population
from disclosure_gateway.synth.requests import generate_batch
from disclosure_gateway.synth.writers import block_rows

Fields = tuple[str, str, str, str, str]
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "addresses.jsonl"
AS_OF = date(2026, 11, 23)
_SPLIT = re.compile(rf"({REST_HOUSE_PATTERN}) (.*)", re.DOTALL)
NOT_STREET_LEVEL = Unparsed("no_city_state_or_zip")


def composed(fields: Fields) -> StdAddress | Unparsed | None:
    """What the SQL route makes of the address; None where it leaves it to the per-row path."""
    street, unit, city, state, zip_code = fields
    if max(len(f.encode()) for f in fields) > MAX_FIELD_LENGTH:
        return None
    split = _SPLIT.fullmatch(street)
    reading = read_rest(split.group(2)) if split else None
    city_std, state_std = locality_fields(city, state)
    zip5 = zip5_of(zip_code) or ""
    if split is None or reading is None or not (city_std or state_std or zip5):
        return None
    if state_std in reading.tail_states:
        return None
    if not ((city_std and state_std) or zip5):
        return NOT_STREET_LEVEL
    unit_std = unit_field_id(unit) or reading.unit
    return StdAddress(split.group(1), reading.street, unit_std, city_std, state_std, zip5)


def same_row(fields: Fields) -> bool | None:
    """Whether the composed columns equal `standardise_address`'s (None: not eligible).
    Every `Unparsed` is the same row (all standard columns null)."""
    mine = composed(fields)
    if mine is None:
        return None
    real = standardise_address(*fields)
    if isinstance(mine, Unparsed):
        return isinstance(real, Unparsed)
    return mine == real


def check_all(cases: list[Fields]) -> int:
    """Assert every eligible case composes right; the number of eligible cases."""
    eligible = 0
    for fields in cases:
        same = same_row(fields)
        assert same is not False, fields
        eligible += same is not None
    return eligible


# --- what read_rest vouches for -------------------------------------------------------------


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        ("Delacruz Pkwy", RestReading("DELACRUZ PKWY", "", ())),
        ("N Zephyr Street #12B", RestReading("N ZEPHYR ST", "12B", ())),
        ("Main St Apt 4", RestReading("MAIN ST", "4", ())),
        ("Oak Ct", RestReading("OAK CT", "", ("CT",))),  # `8120 Oak Ct` in Connecticut
        ("Maple Ave, Apt 4", RestReading("MAPLE AVE", "4", ())),  # a comma is punctuation
        ("Calle Sol", None),  # tagged, not read by the fast path
        ("Zephyr Ct NE", None),
        ("Zephyr St Apt 77002", None),  # ends in something a ZIP could be
        ("PO Box 5", None),
        ("Unknown", None),
        ("", None),
    ],
)
def test_read_rest(rest: str, expected: RestReading | None) -> None:
    assert read_rest(rest) == expected


def test_a_state_the_line_ends_in_leaves_the_address_to_the_per_row_path() -> None:
    assert composed(("8120 Oak Ct", "", "Hartford", "CT", "06101")) is None
    in_oak = standardise_address("8120 Oak Ct", "", "Oak", "CT", "06101")  # `Oak CT` dropped
    assert composed(("8120 Oak Ct", "", "Oak", "CT", "06101")) is None
    assert not isinstance(in_oak, StdAddress) or in_oak.street != "OAK CT"
    texas = ("8120 Oak Ct", "", "Houston", "TX", "77002")
    assert composed(texas) == standardise_address(*texas)
    assert composed(("8120 Oak Ct", "", "N/A", "", "")) is None  # no locality in the fields
    hartford = ("8120 Oak Ct", "", "Hartford", "", "")  # a city without state or ZIP
    assert composed(hartford) == NOT_STREET_LEVEL == standardise_address(*hartford)


def test_house_numbers_outside_the_pattern_are_not_eligible() -> None:
    for street in ("0 Oak Ave", "012 Oak Ave", "1234567 Oak Ave", "12A Oak Ave", " 12 Oak Ave"):
        assert composed((street, "", "Houston", "TX", "77002")) is None, street
    assert composed(("12 Oak Ave", "", "Houston", "TX", "7" * 201)) is None  # too long


def test_the_refactored_street_reader_reports_the_fast_path() -> None:
    tokens = addresses._tokens("12 N Zephyr St Apt 4")
    unit, line, fast = addresses._read_street_how(tokens, True, True)
    assert fast
    assert (unit, line) == addresses._read_street(tokens, True)
    assert not addresses._read_street_how(tokens, False, True)[2]
    assert not addresses._read_street_how(tokens, True, False)[2]


# --- golden and generated addresses ---------------------------------------------------------


def _golden() -> list[Fields]:
    cases = []
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        if line.strip():
            c = json.loads(line)
            cases.append((c["street"], c["unit"], c["city"], c["state"], c["zip"]))
    return cases


def _other_houses(cases: list[Fields]) -> list[Fields]:
    """Each case again with other house numbers in place of its own."""
    out = []
    for street, *rest in cases:
        if split := _SPLIT.fullmatch(street):
            for house in ("1", "7", "10", "100", "2500", "999999"):
                out.append((f"{house} {split.group(2)}", *rest))
    return out  # type: ignore[return-value]


def test_golden_addresses_compose_exactly() -> None:
    golden = _golden()
    assert check_all(golden + _other_houses(golden)) >= 20


@pytest.fixture(scope="module")
def generated() -> list[Fields]:
    """Distinct addresses of a 6,000-taxpayer master file and of a `hard` request batch."""
    pop = generate_population(6_000, 13, AS_OF)
    cases: set[Fields] = set()
    for block in pop.blocks():
        cases.update(cast(Fields, tuple(row[1:6])) for row in block_rows(block)[1])
    at = [REQUEST_COLUMNS.index(c) for c in ("street", "unit", "city", "state", "zip")]
    batch = generate_batch(pop, 2_000, 13, "hard", AS_OF)
    cases.update(cast(Fields, tuple(record[i] for i in at)) for record in batch.records)
    return sorted(cases)


def test_generated_addresses_compose_exactly(generated: list[Fields]) -> None:
    assert len(generated) > 5_000
    assert check_all(generated) >= 0.6 * len(generated)
    assert check_all(_other_houses(generated[::40])) > 100


# --- built addresses: house numbers x rests x localities --------------------------------------

_NAMES = ["Zephyr", "Main", "Oak", "Delacruz", "Quinn", "Cedar", "Park", "Saint", "Ohio", "Ne"]
_NAMES += ["49th", "5th", "Calle", "Via", "St", "Dr", "Box", "Unknown", "María", "O'Neil"]
_TYPES = ["St", "Street", "Ave", "Rd", "Ct", "Pl", "Way", "Blvd", "Ter", "Trl", "Hill", "Cir"]
_DIRS = ["N", "S", "NE", "North", "Sw", "W."]
_TAILS = ["", " Apt 4", " #12B", ", Apt 4", " Unit F", " Rear", " Bldg 2 Apt 4", " NE", " CT"]
_TAILS += [" Texas", " TX 77002", " Houston TX", " 77002", " Apt 77002", " In", " Or", ","]
_HOUSES = st.integers(1, 999_999).map(str) | st.sampled_from(["10", "100", "5000", "900000"])
_LOCALITIES = st.sampled_from(
    [
        ("Houston", "TX", "77002"),
        ("Hartford", "CT", "06101-1234"),
        ("Omaha", "NE", "68102"),
        ("Portland", "OR", "97201"),
        ("Indianapolis", "IN", "46201"),
        ("", "", "10001"),
        ("Houston", "Texas", ""),
        ("Houston", "", ""),
        ("Unknown", "TX", ""),
        ("12", "TX", "77002"),
        ("Saint Paul", "MN", "00000"),
    ]
)


@st.composite
def rests(draw: st.DrawFn) -> str:
    words = []
    if draw(st.booleans()):
        words.append(draw(st.sampled_from(_DIRS)))
    words += draw(st.lists(st.sampled_from(_NAMES), min_size=1, max_size=3))
    words.append(draw(st.sampled_from(_TYPES)))
    return " ".join(words) + draw(st.sampled_from(_TAILS))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_HOUSES, min_size=3, max_size=3),
    rests(),
    _LOCALITIES,
    st.sampled_from(["", "Apt 9", "#3", "N/A", "Rear"]),
)
def test_built_addresses_compose_exactly(
    houses: list[str], rest: str, locality: tuple[str, str, str], unit: str
) -> None:
    for house in houses:
        assert same_row((f"{house} {rest}", unit, *locality)) is not False


def test_built_addresses_are_often_eligible() -> None:
    """The property above is not vacuous: many built addresses take the SQL route."""
    cases = [
        (f"{h} {d}{n} {t}{tail}", "", "Houston", "TX", "77002")
        for h in ("3", "480")
        for d in ("", "N ")
        for n in ("Zephyr", "Quinn Delacruz", "49th")
        for t in _TYPES
        for tail in ("", " Apt 4", " NE")
    ]
    assert check_all(cases) >= len(cases) // 3
