"""Address agreement levels: exact, one tolerated street difference, and the numeric traps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure_gateway.domain.address_match import (
    AddressLevel,
    address_corroborates,
    compare_addresses,
    street_corroborates,
)
from disclosure_gateway.domain.addresses import StdAddress, same_address, standardise_address


def _a(street: str, unit: str = "", zip_code: str = "77002", city: str = "Houston") -> StdAddress:
    std = standardise_address(street, unit, city, "TX", zip_code)
    assert isinstance(std, StdAddress)
    return std


def _level(a: StdAddress, b: StdAddress) -> AddressLevel:
    return compare_addresses(a, b).level


@pytest.mark.parametrize(
    ("req", "on_file"),
    [
        (_a("123 North Main Street"), _a("123 N Main St")),
        (_a("123 Main St Apt 4"), _a("123 MAIN ST", "#4")),
        (_a("123 Main St", "4"), _a("123 Main St")),  # unit missing on file may corroborate
        (_a("4500 Calle 5 de Mayo"), _a("4500 CALLE 5 DE MAYO")),
        (_a("77 County Rd 12"), _a("77 County Road 12")),
    ],
)
def test_exact(req: StdAddress, on_file: StdAddress) -> None:
    assert _level(req, on_file) is AddressLevel.EXACT
    assert same_address(req, on_file)
    assert address_corroborates(req, on_file)


@pytest.mark.parametrize(
    ("req", "on_file", "what"),
    [
        (_a("123 N Main St"), _a("123 Main St"), "directional_missing"),
        (_a("123 Main St"), _a("123 Main St NW"), "directional_missing"),
        (_a("123 N Main St"), _a("123 Main St N"), "directional_moved"),
        (_a("123 Main"), _a("123 Main St"), "type_missing"),
        (_a("123 Mian St"), _a("123 Main St"), "name_edit"),
        (_a("900 Westheimer Rd"), _a("900 Westhiemer Rd"), "name_edit"),
        (_a("12 Martin Luther King Jr Blvd"), _a("12 Martin Luther King Blvd"), "name_edit"),
        (_a("55 Avenida Guadalupe", "2B"), _a("55 Avenida Guadalupr"), "name_edit"),
    ],
)
def test_street_typo(req: StdAddress, on_file: StdAddress, what: str) -> None:
    agreement = compare_addresses(req, on_file)
    assert agreement.level is AddressLevel.STREET_TYPO
    assert f"street={what}" in agreement.detail
    assert _level(on_file, req) is AddressLevel.STREET_TYPO
    assert address_corroborates(req, on_file)
    assert not same_address(req, on_file)


@pytest.mark.parametrize(
    ("req", "on_file", "why"),
    [
        (_a("123 Main St"), _a("132 Main St"), "house=different"),
        (_a("123 Main St"), _a("1234 Main St"), "house=different"),
        (_a("123 Main St", "4A"), _a("123 Main St", "4B"), "unit=different"),
        (_a("123 Main St"), _a("123 Main St", zip_code="77003"), "zip=different"),
        (_a("123 N Main St"), _a("123 S Main St"), "street=different"),
        (_a("123 Main St"), _a("123 Main Ave"), "street=different"),
        (_a("123 5th St"), _a("123 6th St"), "street=different"),
        (_a("77 County Rd 12"), _a("77 County Rd 13"), "street=different"),
        (_a("123 Elm St"), _a("123 Elk St"), "street=different"),  # too short to be fuzzy
        (_a("123 Oak St"), _a("123 Maple St"), "street=different"),
        (_a("123 N Main"), _a("123 Main St"), "street=directional_missing,type_missing"),
        (_a("123 Main St", zip_code=""), _a("123 Main St", zip_code=""), "zip=missing"),
    ],
)
def test_none(req: StdAddress, on_file: StdAddress, why: str) -> None:
    agreement = compare_addresses(req, on_file)
    assert agreement.level is AddressLevel.NONE
    assert agreement.detail == why
    assert _level(on_file, req) is AddressLevel.NONE
    assert not address_corroborates(req, on_file)


def test_detail_names_the_unit_reading() -> None:
    assert compare_addresses(_a("1 Main St", "4"), _a("1 Main St")).detail == (
        "street=exact;unit=one_missing"
    )
    assert compare_addresses(_a("1 Main St", "4"), _a("1 Main St", "4")).detail == (
        "street=exact;unit=equal"
    )


_house = st.sampled_from(["1", "123", "132"])  # standardised addresses always have one
_unit = st.sampled_from(["", "4A", "4B"])
_zip = st.sampled_from(["", "77002", "77003"])
_street = st.lists(
    st.sampled_from(["N", "S", "MAIN", "MIAN", "ST", "AVE", "5TH", "6TH", "CALLE", "ELM"]),
    max_size=4,
).map(" ".join)
_near_addresses = st.builds(
    StdAddress, _house, _street, _unit, st.just("HOUSTON"), st.just("TX"), _zip
)
_any_addresses = st.builds(
    StdAddress,
    st.text(max_size=8),
    st.text(max_size=20),
    st.text(max_size=5),
    st.text(max_size=8),
    st.text(max_size=2),
    st.text(max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(_any_addresses, _any_addresses)
def test_never_raises_on_arbitrary_values(a: StdAddress, b: StdAddress) -> None:
    assert compare_addresses(a, b).level in set(AddressLevel)


@settings(max_examples=400, deadline=None)
@given(_near_addresses, _near_addresses)
def test_exact_whenever_same_address_and_symmetric(a: StdAddress, b: StdAddress) -> None:
    level = _level(a, b)
    if same_address(a, b) and a.zip5:
        assert level is AddressLevel.EXACT
    if level is AddressLevel.EXACT:
        assert same_address(a, b)
    if level is not AddressLevel.NONE:  # numbers never fuzzy
        assert (a.house_number, a.zip5) == (b.house_number, b.zip5)
        assert a.zip5
    assert _level(b, a) is level


_STREETS = st.sampled_from(
    [
        "MAIN ST",
        "N MAIN ST",
        "MAIN ST N",
        "MAIN",
        "MAIN AVE",
        "MIAN ST",
        "MAINE ST",
        "S MAIN ST",
        "5TH ST",
        "6TH ST",
        "COUNTY ROAD 12",
        "COUNTY ROAD 13",
        "CALLE 5 DE MAYO",
        "OAK",
        "OAKS ST",
        "ELM ST",
        "NE ELM ST",
    ]
)
_UNITS = st.sampled_from(["", "4", "4A", "4B", "REAR"])


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_STREETS, _UNITS, _STREETS, _UNITS, st.sampled_from(["77002", ""]))
def test_street_corroborates_is_compare_addresses_at_one_house_and_zip(
    req_street: str, req_unit: str, street: str, unit: str, zip5: str
) -> None:
    """Retrieval's shortcut says exactly what the decision's comparison says."""
    req = StdAddress("123", req_street, req_unit, "HOUSTON", "TX", zip5)
    on_file = StdAddress("123", street, unit, "HOUSTON", "TX", zip5)
    expected = compare_addresses(req, on_file).level is not AddressLevel.NONE
    assert street_corroborates(req, street, unit) is expected


def test_street_corroborates_examples() -> None:
    req = _a("123 North Main Street", "4")
    assert street_corroborates(req, "N MAIN ST", "")
    assert street_corroborates(req, "MAIN ST", "4")  # one tolerated difference
    assert not street_corroborates(req, "MAIN ST", "5")  # another household
    assert not street_corroborates(req, "S MAIN ST", "")  # another street
    assert not street_corroborates(req, "MAIN AVE", "")  # directional and type: two
