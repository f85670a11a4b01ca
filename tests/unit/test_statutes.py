from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disclosure_gateway.domain.statutes import Statute, is_eligible, parse_statute

DEFAULT = ("8 U.S.C. 1253(a)(1)",)


@pytest.mark.parametrize(
    "text",
    [
        "8 U.S.C. 1253(a)(1)",
        "8 USC §1253(a)(1)",
        "8 U.S.C. § 1253(a)(1)",
        "8 usc 1253 (a)(1)",
        "8 U.S.C. sec. 1253(a)(1)",
        "Title 8 U.S.C. Section 1253(a)(1)",
        "8 U.S. Code § 1253(a)(1)",
        "8 U.S.C.A. 1253(a)(1)",
        "8 USCA 1253(a)(1)",
        "8 U.S.C.S. § 1253(a)(1).",
        "8 U.S.C. §§ 1253(a)(1)",
        "Title 8, United States Code, Section 1253(a)(1)",
        "  8   U.S.C.   1253 ( a ) ( 1 ) ",
        "8 U.S.C. 1253(A)(1)",
    ],
)
def test_spellings_of_one_statute(text: str) -> None:
    assert parse_statute(text) == Statute(8, "1253", ("a", "1"))
    assert str(parse_statute(text)) == "8 U.S.C. 1253(a)(1)"
    assert is_eligible(text, DEFAULT)


@pytest.mark.parametrize(
    "text",
    [
        "8 U.S.C. 1253",  # a different subsection is a different statute
        "8 U.S.C. 1253(a)",
        "8 U.S.C. 1253(a)(1)(A)",
        "8 U.S.C. 1253(b)",
        "8 U.S.C. 1325(a)",
        "18 U.S.C. 1253(a)(1)",
        "1253(a)(1)",
        "8 U.S.C.",
        "INA 243(a)(1)",
        "8 U.S.C. 1253(a)(1) and 18 U.S.C. 1001",
        "",
        "unknown",
    ],
)
def test_not_eligible_under_default_policy(text: str) -> None:
    assert not is_eligible(text, DEFAULT)


@pytest.mark.parametrize(
    "text",
    [
        "26 U.S.C. 7201",
        "26 USC 7206(1)",
        "8 U.S.C. 1182(a)(6)",
        "8 U.S.C. 1227(a)(1)(B)",
        "8 U.S.C. 1229a",
        "8 U.S.C. 1231(a)(1)",
    ],
)
def test_tax_and_civil_provisions_never_eligible_even_if_listed(text: str) -> None:
    assert parse_statute(text) is not None
    assert not is_eligible(text, (text, *DEFAULT))


def test_other_listed_criminal_statute_is_eligible() -> None:
    policy = ("8 U.S.C. 1253(a)(1)", "18 U.S.C. 1546(a)")
    assert is_eligible("18 USC § 1546(a)", policy)
    assert is_eligible("8 USC 1253(a)(1)", policy)
    assert not is_eligible("18 USC 1546(b)", policy)


def test_canonical_form() -> None:
    assert str(parse_statute("8 usc § 1229A")) == "8 U.S.C. 1229a"
    assert str(parse_statute("18 U.S.C. 1546")) == "18 U.S.C. 1546"
    assert parse_statute("99 U.S.C. 1") is None
    assert parse_statute("0 U.S.C. 1") is None
    assert parse_statute("8 U.S.C. 1253(a)(1)" + " " * 300) is not None
    assert parse_statute("8 U.S.C. 1253" + "(a)" * 100) is None


@given(st.text(max_size=300))
def test_never_raises(text: str) -> None:
    statute = parse_statute(text)
    if statute is not None:
        assert parse_statute(str(statute)) == statute
    is_eligible(text, DEFAULT)
