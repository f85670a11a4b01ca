from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disclosure_gateway.domain.model import TinType
from disclosure_gateway.domain.tin import normalise_tin, tin_type


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123456789", "123456789"),
        ("123-45-6789", "123456789"),
        (" 123 45 6789 ", "123456789"),
        ("12-345-6789", "123456789"),
        ("1-2-3-4-5-6-7-8-9", "123456789"),
        ("12345678", None),
        ("1234567890", None),
        ("123-45-678X", None),
        ("123.45.6789", None),
        ("", None),
        ("١٢٣٤٥٦٧٨٩", None),  # Arabic-Indic digits are not ASCII digits
    ],
)
def test_normalise_tin(text: str, expected: str | None) -> None:
    assert normalise_tin(text) == expected


@pytest.mark.parametrize(
    ("tin", "expected"),
    [
        ("123456789", TinType.SSN),
        ("001010001", TinType.SSN),
        ("899999999", TinType.SSN),
        ("665999999", TinType.SSN),
        ("667010001", TinType.SSN),
        ("000123456", None),
        ("666123456", None),
        ("123006789", None),
        ("123450000", None),
        ("900701234", TinType.ITIN),
        ("912501234", TinType.ITIN),
        ("912651234", TinType.ITIN),
        ("912881234", TinType.ITIN),
        ("912901234", TinType.ITIN),
        ("912921234", TinType.ITIN),
        ("912941234", TinType.ITIN),
        ("912991234", TinType.ITIN),
        ("912491234", None),
        ("912661234", None),
        ("912691234", None),
        ("912891234", None),
        ("912931234", None),  # adoption number
        ("912001234", None),
        ("12345678", None),
        ("12345678a", None),
    ],
)
def test_tin_type(tin: str, expected: TinType | None) -> None:
    assert tin_type(tin) is expected


@given(st.text(max_size=40))
def test_never_raises(text: str) -> None:
    tin = normalise_tin(text)
    if tin is not None:
        assert len(tin) == 9
        assert tin.isascii()
        assert tin.isdigit()
    tin_type(text)
